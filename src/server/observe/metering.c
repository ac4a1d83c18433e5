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
    f->dev = 0;
    f->ino = 0;
    f->path[0] = '\0';
}

void metering_file_fini(struct metering_file *f)
{
    if (f->fd >= 0) {
        (void)close(f->fd);
    }
    metering_file_init(f);
}

/* Opens (creating) path into f; the metering directory is made when open says ENOENT. */
static int open_file(const char *state_dir, const char *path, struct metering_file *f)
{
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    f->fd = open(path, flags, 0644);
    if (f->fd < 0 && errno == ENOENT) {
        char dir[METERING_PATH_MAX];
        (void)snprintf(dir, sizeof(dir), "%s/metering", state_dir);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            return -errno;
        }
        f->fd = open(path, flags, 0644);
    }
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) < 0) {
        int rc = -errno;
        metering_file_fini(f);
        return rc;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    (void)snprintf(f->path, sizeof(f->path), "%s", path);
    return 0;
}

/* One descriptor is kept open between records (the caller holds one metering_file for every
 * function, so a deleted function leaves at most that one behind, until the next record). Each
 * record costs stat + write: stat tells whether the path still names the open file (an
 * operator who moved it aside, a deleted and re-created function, another function's record
 * in between all reopen) and whether it is full; rename + reopen roll it over. */
int metering_append(const char *state_dir, const struct metering_record *r, uint64_t max_bytes,
                    struct metering_file *f)
{
    char line[1024];
    int n = metering_format(r, line, sizeof(line));
    if (n < 0) {
        return n;
    }
    char path[METERING_PATH_MAX];
    int plen = snprintf(path, sizeof(path), "%s/metering/%s.jsonl", state_dir, r->function);
    if (plen < 0 || (size_t)plen >= sizeof(path)) {
        return -ENAMETOOLONG;
    }
    struct stat st;
    bool found = stat(path, &st) == 0;
    if (found && max_bytes > 0 && st.st_size > 0 && (uint64_t)st.st_size + (size_t)n > max_bytes) {
        char old[METERING_PATH_MAX + 2];
        (void)snprintf(old, sizeof(old), "%s.1", path);
        if (rename(path, old) < 0) {
            return -errno;
        }
        found = false;
    }
    if (!found || f->fd < 0 || st.st_dev != f->dev || st.st_ino != f->ino ||
        strcmp(path, f->path) != 0) {
        metering_file_fini(f);
        int rc = open_file(state_dir, path, f);
        if (rc < 0) {
            return rc;
        }
    }
    ssize_t w = write(f->fd, line, (size_t)n); /* one write: O_APPEND keeps lines whole */
    return w == n ? 0 : w < 0 ? -errno : -EIO;
}
