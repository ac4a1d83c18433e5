/* SPDX-License-Identifier: MIT */
/* The arithmetic of `clambda tune` (power tuning), apart from the network so that it is unit
 * tested: a REPORT log line read back (Duration, Billed Duration, Memory Size, Max Memory Used,
 * Init Duration), percentiles, and the cost of a million invocations at AWS Lambda's price for
 * an architecture (the server's metering prices, observe/metering.h: one table, its source in
 * docs/serve.md "Metering"). */
#ifndef CLAMBDA_CLI_CLI_TUNE_H
#define CLAMBDA_CLI_CLI_TUNE_H

#include <stdbool.h>
#include <stddef.h>

/* One invocation's REPORT line. */
struct cli_tune_report {
    double duration_ms;
    double billed_ms;
    double init_ms; /* Init Duration; 0 when the line has none (a warm invocation) */
    long memory_mb;
    long max_memory_mb;
    bool has_init;
};

/* One memory size's results. */
struct cli_tune_row {
    long memory_mb;
    double cold_init_ms;     /* the cold invocation's Init Duration (0: none reported) */
    double cold_duration_ms; /* and its Duration */
    double p50_ms, p90_ms;   /* of the warm invocations' Duration */
    double billed_mean_ms;   /* mean Billed Duration of the warm invocations */
    long max_memory_mb;      /* the largest Max Memory Used of them all */
    double cost_per_million; /* US dollars per 1M warm invocations (compute + requests) */
};

/* Finds the last "REPORT RequestId:" line in log (len bytes, not NUL-terminated) and reads it.
 * OUT: *r. 0, or -ENOENT (no REPORT line), -EBADMSG (Duration or Billed Duration missing). */
int cli_tune_parse_report(const char *log, size_t len, struct cli_tune_report *r);

/* The p-th percentile (0 < p <= 1, nearest rank) of v (n > 0 values; v is sorted in place). */
double cli_tune_percentile(double *v, size_t n, double p);

/* US dollars per GB-second of arch ("x86_64" or "arm64"); -1 for another architecture. */
double cli_tune_price_gb_s(const char *arch);
/* US dollars per request (both architectures). */
double cli_tune_price_request(void);
/* Where the prices come from (a sentence for the table's footer). */
const char *cli_tune_price_source(void);

/* US dollars for one million invocations of memory_mb lasting billed_ms each on arch: compute
 * (GB-seconds, 1 GB = 1024 MB) plus the requests. -1 for an unknown architecture. */
double cli_tune_cost_per_million(const char *arch, long memory_mb, double billed_ms);

/* Fills row from the cold invocation (may be NULL) and the n warm ones (warm is reordered).
 * OUT: *row. */
void cli_tune_row_fill(struct cli_tune_row *row, const char *arch, long memory_mb,
                       const struct cli_tune_report *cold, struct cli_tune_report *warm, size_t n);

/* The index of the cheapest row (lowest cost, ties: the faster) and of the fastest (lowest p50,
 * ties: the cheaper). OUT: *cheapest, *fastest. n > 0. */
void cli_tune_best(const struct cli_tune_row *rows, size_t n, size_t *cheapest, size_t *fastest);

#endif /* CLAMBDA_CLI_CLI_TUNE_H */
