/* SPDX-License-Identifier: MIT */
/* clambda_log(): one line per call, written with a single write(2) to stderr so lines from
 * several threads or processes never interleave. The format follows AWS_LAMBDA_LOG_FORMAT:
 * JSON lines carry timestamp, level, message and the current invocation's requestId (the shape
 * of AWS's managed runtimes); text lines are tab-separated. Level filtering applies to JSON
 * only, as on AWS. Lines are capped at 256 KiB (longer messages are cut). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cl_buf.h"
#include "cl_json.h"
#include "runtime_int.h"

#define LOG_MAX (256u << 10)

static const char *const level_names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

/* Days since 1970-01-01 to a proleptic Gregorian date (the era-based civil-from-days
 * algorithm). Used instead of gmtime_r()+strftime(), which pull about 8 KB of time-zone and
 * locale code into a static musl binary. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void log_iso_time(char *out, size_t n, int64_t epoch_ms)
{
    int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    (void)snprintf(out, n, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
                   (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60),
                   (int)(epoch_ms - secs * 1000));
}

static void iso_time(char *out, size_t n)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    log_iso_time(out, n, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static const char *current_request_id(const clambda_runtime *rt)
{
    if (rt != NULL && rt->inv.is_active && rt->inv.request_id != NULL) {
        return rt->inv.request_id;
    }
    return NULL;
}

static int format_line(struct cl_buf *line, const clambda_runtime *rt, int level, const char *msg,
                       size_t msg_len)
{
    char ts[40];
    iso_time(ts, sizeof(ts));
    const char *rid = current_request_id(rt);
    int rc;
    if (rt != NULL && rt->is_log_json) {
        rc = cl_buf_printf(line, "{\"timestamp\":\"%s\",\"level\":\"%s\",\"message\":", ts,
                           level_names[level]);
        if (rc == 0) {
            rc = cl_json_write_str(line, (const uint8_t *)msg, msg_len);
        }
        if (rc == 0 && rid != NULL) {
            rc = cl_buf_append_str(line, ",\"requestId\":");
            rc = rc == 0 ? cl_json_write_cstr(line, rid) : rc;
        }
        return rc == 0 ? cl_buf_append_str(line, "}\n") : rc;
    }
    rc = cl_buf_printf(line, "%s\t%s\t%s\t", ts, rid != NULL ? rid : "-", level_names[level]);
    if (rc == 0) {
        rc = cl_buf_append(line, msg, msg_len);
    }
    return rc == 0 ? cl_buf_append_byte(line, '\n') : rc;
}

void clambda_log(const clambda_runtime *rt, int level, const char *fmt, ...)
{
    if (level < CLAMBDA_LOG_TRACE || level > CLAMBDA_LOG_FATAL || fmt == NULL) {
        return;
    }
    if (rt != NULL && rt->is_log_json && level < rt->log_level) {
        return;
    }
    struct cl_buf msg, line;
    cl_buf_init(&msg, LOG_MAX);
    cl_buf_init(&line, (size_t)LOG_MAX * 2);
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int rc = cl_buf_vprintf(&msg, fmt, ap);
    if (rc == -E2BIG && cl_buf_reserve(&msg, LOG_MAX) == 0) { /* cut, rather than drop */
        (void)vsnprintf((char *)msg.data, LOG_MAX + 1, fmt, ap2);
        msg.len = LOG_MAX;
        rc = 0;
    }
    va_end(ap2);
    va_end(ap);
    if (rc == 0 || msg.len > 0) {
        rc = format_line(&line, rt, level, cl_buf_str(&msg), msg.len);
    }
    if (rc == 0) {
        for (size_t off = 0; off < line.len;) {
            ssize_t n = write(STDERR_FILENO, line.data + off, line.len - off);
            if (n <= 0) {
                break;
            }
            off += (size_t)n;
        }
    }
    cl_buf_fini(&msg);
    cl_buf_fini(&line);
}
