/* SPDX-License-Identifier: MIT */
/* The platform's log lines (runtime-api.md section 10): START, END, REPORT, INIT_REPORT and the
 * timeout line, plus the billing arithmetic. Pure functions over integers (nanoseconds), so
 * "2 decimals" and "ceil to 1 ms" never meet floating-point rounding. */
#ifndef CLAMBDA_SERVER_REPORT_H
#define CLAMBDA_SERVER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* What one REPORT line says. */
struct report {
    const char *request_id;
    uint64_t duration_ns;   /* invoke phase */
    uint64_t init_ns;       /* init phase; only printed when has_init */
    bool has_init;          /* first invocation served by this environment */
    int memory_mb;          /* configured */
    int max_memory_used_mb; /* measured peak RSS */
    const char *status;     /* NULL, "timeout" or "error" */
    const char *error_type; /* with status "error" (or NULL) */
};

/* Billed Duration in ms: ceil(duration + init) at 1 ms granularity (INIT is billed for on-demand
 * functions since 2025-08-01), at least 1. */
uint64_t report_billed_ms(uint64_t duration_ns, uint64_t init_ns);
/* Appends a duration in ms with exactly two decimals, rounded half up ("12.35"). */
int report_append_ms(struct cl_buf *out, uint64_t ns);
/* Appends "START RequestId: <id> Version: <version>\n". 0, -E2BIG or -ENOMEM (also below). */
int report_start(struct cl_buf *out, const char *request_id, const char *version);
/* Appends "END RequestId: <id>\n". */
int report_end(struct cl_buf *out, const char *request_id);
/* Appends the tab-separated REPORT line (with its trailing tab) and "\n". */
int report_report(struct cl_buf *out, const struct report *r);
/* Appends "INIT_REPORT Init Duration: <ms> ms\tPhase: <phase>\tStatus: <status>[\tError Type:
 * <t>]\n"; phase is "init", or "invoke" for an init retried inside an invocation. */
int report_init_report_phase(struct cl_buf *out, uint64_t init_ns, const char *phase,
                             const char *status, const char *error_type);
/* The same with Phase: init. */
int report_init_report(struct cl_buf *out, uint64_t init_ns, const char *status,
                       const char *error_type);
/* Appends "<ISO-8601 UTC ms>Z <id> Task timed out after <s>.00 seconds\n" for the epoch time
 * now_ms. */
int report_timeout_line(struct cl_buf *out, int64_t now_ms, const char *request_id, int timeout_s);
/* Peak RSS in whole MB (rounded up, at least 1) from a VmHWM value in kB. */
int report_mb_from_kb(uint64_t kb);
/* Formats epoch milliseconds as "YYYY-MM-DDThh:mm:ss.mmmZ" into out (at least 25 bytes). */
void report_iso8601(int64_t ms, char *out, size_t cap);

#endif /* CLAMBDA_SERVER_REPORT_H */
