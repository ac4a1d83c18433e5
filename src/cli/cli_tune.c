/* SPDX-License-Identifier: MIT */
/* Power tuning's arithmetic; see cli_tune.h. */
#include "cli_tune.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "observe/metering.h"

/* The prices are the server's metering prices, the one table of them (observe/metering.h, with
 * their source in docs/serve.md "Metering"): AWS Lambda's us-east-1 on-demand first tier from
 * https://aws.amazon.com/lambda/pricing/. */
double cli_tune_price_gb_s(const char *arch)
{
    if (strcmp(arch, "x86_64") == 0) {
        return METERING_PRICE_GBS_X86_64;
    }
    return strcmp(arch, "arm64") == 0 ? METERING_PRICE_GBS_ARM64 : -1;
}

double cli_tune_price_request(void)
{
    return METERING_PRICE_REQUEST;
}

const char *cli_tune_price_source(void)
{
    static char text[256];
    (void)snprintf(text, sizeof(text),
                   "AWS Lambda us-east-1 on-demand prices (aws.amazon.com/lambda/pricing): "
                   "x86_64 $%.10f/GB-s, arm64 $%.10f/GB-s, $%.2f per 1M requests",
                   METERING_PRICE_GBS_X86_64, METERING_PRICE_GBS_ARM64,
                   METERING_PRICE_REQUEST * 1e6);
    return text;
}

double cli_tune_cost_per_million(const char *arch, long memory_mb, double billed_ms)
{
    double gb_s = cli_tune_price_gb_s(arch);
    if (gb_s < 0) {
        return -1;
    }
    double per_call =
        billed_ms / 1000.0 * (double)memory_mb / 1024.0 * gb_s + METERING_PRICE_REQUEST;
    return per_call * 1e6;
}

/* The number after "key" up to end, e.g. "Duration: 12.5 ms". true when found. */
static bool field(const char *line, const char *end, const char *key, double *out)
{
    size_t klen = strlen(key);
    for (const char *p = line; p + klen < end; p++) {
        /* the key must start a field: at the line's start or after a tab (Duration is also the
         * tail of "Billed Duration" and "Init Duration") */
        if ((p == line || p[-1] == '\t') && memcmp(p, key, klen) == 0) {
            char num[64];
            size_t n = (size_t)(end - (p + klen));
            n = n < sizeof(num) - 1 ? n : sizeof(num) - 1;
            memcpy(num, p + klen, n);
            num[n] = '\0';
            char *stop = NULL;
            *out = strtod(num, &stop);
            return stop != num;
        }
    }
    return false;
}

int cli_tune_parse_report(const char *log, size_t len, struct cli_tune_report *r)
{
    static const char tag[] = "REPORT RequestId:";
    const char *line = NULL;
    const char *end = log + len;
    for (const char *p = log; p + sizeof(tag) - 1 <= end; p++) {
        if ((p == log || p[-1] == '\n') && memcmp(p, tag, sizeof(tag) - 1) == 0) {
            line = p;
        }
    }
    if (line == NULL) {
        return -ENOENT;
    }
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    eol = eol ? eol : end;
    memset(r, 0, sizeof(*r));
    double mem = 0, max = 0;
    bool ok = field(line, eol, "Duration: ", &r->duration_ms) &&
              field(line, eol, "Billed Duration: ", &r->billed_ms);
    (void)field(line, eol, "Memory Size: ", &mem);
    (void)field(line, eol, "Max Memory Used: ", &max);
    r->has_init = field(line, eol, "Init Duration: ", &r->init_ms);
    r->memory_mb = (long)mem;
    r->max_memory_mb = (long)max;
    return ok ? 0 : -EBADMSG;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_tune_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_double);
    size_t rank = (size_t)(p * (double)n + 0.999999); /* ceil(p * n), the nearest rank */
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return v[rank - 1];
}

void cli_tune_row_fill(struct cli_tune_row *row, const char *arch, long memory_mb,
                       const struct cli_tune_report *cold, struct cli_tune_report *warm, size_t n)
{
    memset(row, 0, sizeof(*row));
    row->memory_mb = memory_mb;
    if (cold) {
        row->cold_init_ms = cold->has_init ? cold->init_ms : 0;
        row->cold_duration_ms = cold->duration_ms;
        row->max_memory_mb = cold->max_memory_mb;
    }
    if (n == 0) {
        return;
    }
    double *d = xcalloc(n, sizeof(*d));
    double billed = 0;
    for (size_t i = 0; i < n; i++) {
        d[i] = warm[i].duration_ms;
        billed += warm[i].billed_ms;
        row->max_memory_mb =
            warm[i].max_memory_mb > row->max_memory_mb ? warm[i].max_memory_mb : row->max_memory_mb;
    }
    row->p50_ms = cli_tune_percentile(d, n, 0.5);
    row->p90_ms = cli_tune_percentile(d, n, 0.9);
    row->billed_mean_ms = billed / (double)n;
    row->cost_per_million = cli_tune_cost_per_million(arch, memory_mb, row->billed_mean_ms);
    free(d);
}

void cli_tune_best(const struct cli_tune_row *rows, size_t n, size_t *cheapest, size_t *fastest)
{
    *cheapest = *fastest = 0;
    for (size_t i = 1; i < n; i++) {
        const struct cli_tune_row *c = &rows[*cheapest], *f = &rows[*fastest], *r = &rows[i];
        if (r->cost_per_million < c->cost_per_million ||
            (r->cost_per_million == c->cost_per_million && r->p50_ms < c->p50_ms)) {
            *cheapest = i;
        }
        if (r->p50_ms < f->p50_ms ||
            (r->p50_ms == f->p50_ms && r->cost_per_million < f->cost_per_million)) {
            *fastest = i;
        }
    }
}
