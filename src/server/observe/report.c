/* SPDX-License-Identifier: MIT */
/* START/END/REPORT lines and billing maths; see report.h. */
#include "observe/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

uint64_t report_billed_ms(uint64_t duration_ns, uint64_t init_ns)
{
    uint64_t ns = duration_ns + init_ns;
    uint64_t ms = ns / 1000000 + (ns % 1000000 != 0);
    return ms ? ms : 1;
}

int report_append_ms(struct cl_buf *out, uint64_t ns)
{
    uint64_t hundredths = (ns + 5000) / 10000; /* 1/100 ms = 10,000 ns */
    return cl_buf_printf(out, "%" PRIu64 ".%02" PRIu64, hundredths / 100, hundredths % 100);
}

int report_start(struct cl_buf *out, const char *request_id, const char *version)
{
    return cl_buf_printf(out, "START RequestId: %s Version: %s\n", request_id, version);
}

int report_end(struct cl_buf *out, const char *request_id)
{
    return cl_buf_printf(out, "END RequestId: %s\n", request_id);
}

int report_report(struct cl_buf *out, const struct report *r)
{
    int rc = cl_buf_printf(out, "REPORT RequestId: %s\tDuration: ", r->request_id);
    rc = rc ? rc : report_append_ms(out, r->duration_ns);
    rc = rc ? rc
            : cl_buf_printf(out,
                            " ms\tBilled Duration: %" PRIu64
                            " ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
                            report_billed_ms(r->duration_ns, r->has_init ? r->init_ns : 0),
                            r->memory_mb, r->max_memory_used_mb);
    if (rc == 0 && r->has_init) {
        rc = cl_buf_append_str(out, "Init Duration: ");
        rc = rc ? rc : report_append_ms(out, r->init_ns);
        rc = rc ? rc : cl_buf_append_str(out, " ms\t");
    }
    if (rc == 0 && r->status) {
        rc = cl_buf_printf(out, "Status: %s\t", r->status);
        if (rc == 0 && r->error_type) {
            rc = cl_buf_printf(out, "Error Type: %s\t", r->error_type);
        }
    }
    return rc ? rc : cl_buf_append_str(out, "\n");
}

int report_init_report(struct cl_buf *out, uint64_t init_ns, const char *status,
                       const char *error_type)
{
    return report_init_report_phase(out, init_ns, "init", status, error_type);
}

int report_init_report_phase(struct cl_buf *out, uint64_t init_ns, const char *phase,
                             const char *status, const char *error_type)
{
    int rc = cl_buf_append_str(out, "INIT_REPORT Init Duration: ");
    rc = rc ? rc : report_append_ms(out, init_ns);
    rc = rc ? rc : cl_buf_printf(out, " ms\tPhase: %s\tStatus: %s", phase, status);
    if (rc == 0 && error_type) {
        rc = cl_buf_printf(out, "\tError Type: %s", error_type);
    }
    return rc ? rc : cl_buf_append_str(out, "\n");
}

void report_iso8601(int64_t ms, char *out, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL) {
        (void)snprintf(out, cap, "1970-01-01T00:00:00.000Z");
        return;
    }
    (void)snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int report_timeout_line(struct cl_buf *out, int64_t now_ms, const char *request_id, int timeout_s)
{
    char when[32];
    report_iso8601(now_ms, when, sizeof(when));
    return cl_buf_printf(out, "%s %s Task timed out after %d.00 seconds\n", when, request_id,
                         timeout_s);
}

int report_mb_from_kb(uint64_t kb)
{
    uint64_t mb = (kb + 1023) / 1024;
    return mb ? (int)mb : 1;
}
