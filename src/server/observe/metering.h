/* SPDX-License-Identifier: MIT */
/* Metering: what one invocation would cost on AWS Lambda. Billed duration (report.c), GB-seconds
 * (billed ms x memory GB) and the cost at the on-demand prices of the function's architecture
 * (first pricing tier), plus the per-request price. One JSON line per invocation is appended to
 * <state>/metering/<function>.jsonl (rolled over to <function>.jsonl.1 past a size cap), so a
 * user can read and re-add the figures; metrics.c sums them into counters. */
#ifndef CLAMBDA_SERVER_METERING_H
#define CLAMBDA_SERVER_METERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Prices in US dollars (us-east-1, first tier; docs/serve.md "Metering" cites the source). */
#define METERING_PRICE_GBS_X86_64 0.0000166667
#define METERING_PRICE_GBS_ARM64  0.0000133334
#define METERING_PRICE_REQUEST    0.0000002

/* Price table: duration per GB-second by architecture, and per request. */
struct metering_prices {
    double gbs_x86_64;
    double gbs_arm64;
    double request;
};

/* One invocation's metering record. */
struct metering_record {
    const char *function;
    const char *version;
    const char *request_id;
    const char *arch;     /* "x86_64" or "arm64" */
    const char *outcome;  /* "success", "function_error" */
    int64_t timestamp_ms; /* epoch ms at the end of the invocation */
    uint64_t duration_ns;
    uint64_t init_ns; /* billed init (0 when none) */
    bool is_cold;     /* the first invocation of an environment */
    int memory_mb;
    uint64_t post_runtime_ns; /* PostRuntimeExtensionsDuration: extensions after the runtime */
    /* Filled by metering_compute(): */
    uint64_t billed_ms;
    double gb_seconds;    /* billed_ms * memory_mb / 1024000 */
    double duration_cost; /* gb_seconds * price of arch */
    double request_cost;  /* prices->request */
};

/* The default (AWS us-east-1) prices. */
void metering_prices_default(struct metering_prices *out);
/* Fills billed_ms, gb_seconds, duration_cost and request_cost of r. Each figure is one IEEE
 * operation on exact integers, so any reader recomputes it bit for bit. */
void metering_compute(struct metering_record *r, const struct metering_prices *prices);
/* Formats r as one JSON line (with "\n") into out (cap bytes). Returns the length, or -E2BIG. */
int metering_format(const struct metering_record *r, char *out, size_t cap);
/* Longest metering file path (longer state directories or names get -ENAMETOOLONG). */
#define METERING_PATH_MAX 4096

/* The metering file last written, kept open between records. One is shared by every function
 * (metrics.c), so a deleted function keeps at most that one descriptor, until the next record
 * reopens it for another file. */
struct metering_file {
    int fd; /* -1 when closed */
    dev_t dev;
    ino_t ino;                    /* of the open file, compared with a stat of path */
    char path[METERING_PATH_MAX]; /* the path it was opened as */
};

/* A closed file. */
void metering_file_init(struct metering_file *f);
/* Closes f. */
void metering_file_fini(struct metering_file *f);
/* Appends r's line to <state_dir>/metering/<function>.jsonl, first moving a file that reached
 * max_bytes to <function>.jsonl.1 (replacing the older one). f stays open on that file: the
 * next record for the same path costs stat + write, unless the path no longer names it (moved
 * aside, deleted), which reopens. Records reach the file at once (write(2), no user-space
 * buffer), as before. 0 or a negative errno. */
int metering_append(const char *state_dir, const struct metering_record *r, uint64_t max_bytes,
                    struct metering_file *f);

#endif /* CLAMBDA_SERVER_METERING_H */
