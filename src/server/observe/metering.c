/* SPDX-License-Identifier: MIT */
/* Metering records; see metering.h. Doubles are printed with 17 significant digits, so that
 * parsing a record gives back the very value that was added to the metrics counters. */
#include "observe/metering.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "observe/report.h"

void metering_prices_default(struct metering_prices *out)
{
    out->gbs_x86_64 = METERING_PRICE_GBS_X86_64;
    out->gbs_arm64 = METERING_PRICE_GBS_ARM64;
    out->request = METERING_PRICE_REQUEST;
}

void metering_compute(struct metering_record *r, const struct metering_prices *prices)
{
    bool arm = r->arch && strcmp(r->arch, "arm64") == 0;
    r->billed_ms = report_billed_ms(r->duration_ns, r->init_ns);
    r->gb_seconds = (double)(r->billed_ms * (uint64_t)r->memory_mb) / 1024000.0;
    r->duration_cost = r->gb_seconds * (arm ? prices->gbs_arm64 : prices->gbs_x86_64);
    r->request_cost = prices->request;
}

int metering_format(const struct metering_record *r, char *out, size_t cap)
{
    int n = snprintf(out, cap,
                     "{\"timestamp\":%" PRId64 ",\"function\":\"%s\",\"version\":\"%s\","
                     "\"requestId\":\"%s\",\"outcome\":\"%s\",\"architecture\":\"%s\","
                     "\"memoryMB\":%d,\"coldStart\":%s,\"durationNs\":%" PRIu64
                     ",\"initNs\":%" PRIu64 ",\"billedMs\":%" PRIu64 ",\"gbSeconds\":%.17g,"
                     "\"durationCostUSD\":%.17g,\"requestCostUSD\":%.17g}\n",
                     r->timestamp_ms, r->function, r->version, r->request_id, r->outcome, r->arch,
                     r->memory_mb, r->is_cold ? "true" : "false", r->duration_ns, r->init_ns,
                     r->billed_ms, r->gb_seconds, r->duration_cost, r->request_cost);
    return n < 0 || (size_t)n >= cap ? -E2BIG : n;
}

void metering_file_init(struct metering_file *f)
{
    f->fd = -1;
    f->size = 0;
}

void metering_file_fini(struct metering_file *f)
{
    if (f->fd >= 0) {
        (void)close(f->fd);
    }
    metering_file_init(f);
}

/* Opens (creating) the function's file, rolling it over first when it is full. */
static int open_file(const char *state_dir, const char *function, uint64_t max_bytes, size_t n,
                     struct metering_file *f)
{
    char *dir = xasprintf("%s/metering", state_dir);
    char *path = xasprintf("%s/%s.jsonl", dir, function);
    int rc = mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
    struct stat st;
    if (rc == 0 && max_bytes > 0 && stat(path, &st) == 0 && st.st_size > 0 &&
        (uint64_t)st.st_size + n > max_bytes) {
        char *old = xasprintf("%s.1", path);
        rc = rename(path, old) < 0 ? -errno : 0;
        free(old);
    }
    f->fd = rc == 0 ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (rc == 0 && f->fd < 0) {
        rc = -errno;
    }
    f->size = f->fd >= 0 && fstat(f->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    free(path);
    free(dir);
    return rc;
}

/* The file is opened for each record and closed after it. A descriptor kept per function was
 * never closed when the function was deleted (one leaked per create/invoke/delete cycle), and
 * the metrics that own the files do not hear of deletes. open+fstat+close cost a few
 * microseconds next to an invocation's milliseconds, and a file moved aside by an operator is
 * recreated at once instead of written to after its unlink. */
int metering_append(const char *state_dir, const struct metering_record *r, uint64_t max_bytes,
                    struct metering_file *f)
{
    char line[1024];
    int n = metering_format(r, line, sizeof(line));
    if (n < 0) {
        return n;
    }
    metering_file_fini(f); /* a file a caller still holds from elsewhere */
    int rc = open_file(state_dir, r->function, max_bytes, (size_t)n, f);
    if (rc < 0) {
        return rc;
    }
    ssize_t w = write(f->fd, line, (size_t)n); /* one write: O_APPEND keeps lines whole */
    rc = w == n ? 0 : w < 0 ? -errno : -EIO;
    metering_file_fini(f);
    return rc;
}
