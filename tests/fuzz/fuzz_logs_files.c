/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the log reader (logs_files_read) on an arbitrary log part and timestamp
 * sidecar. The input is split at its first NUL byte: the .log text, then the .ts text. Every
 * event must lie inside the file, end before a line feed, and the events must come in file
 * order; a sidecar in any state (truncated, garbage, offsets out of order) must not crash or
 * leak. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "observe/logs_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n)) {
        abort();
    }
    (void)close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        (void)snprintf(dir, sizeof(dir), "/tmp/clambda-fuzz-logs-%d", (int)getpid());
        (void)mkdir(dir, 0755);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t log_len = nul ? (size_t)(nul - data) : size;
    char log_path[96], ts_path[96];
    (void)snprintf(log_path, sizeof(log_path), "%s/s.log", dir);
    (void)snprintf(ts_path, sizeof(ts_path), "%s/s.ts", dir);
    put(log_path, data, log_len);
    put(ts_path, nul ? nul + 1 : data, nul ? size - log_len - 1 : 0);
    struct logs_files fl;
    struct logs_events ev;
    logs_files_scan(dir, &fl);
    logs_events_init(&ev);
    if (fl.n != 1 || logs_files_read(&fl, 0, INT64_MIN, INT64_MAX, &ev) != 0) {
        abort();
    }
    for (size_t i = 0; i < ev.n; i++) {
        const struct logs_event *e = &ev.v[i];
        if (e->offset + e->len >= log_len || data[e->offset + e->len] != '\n' ||
            memchr(e->msg, '\n', e->len) || memcmp(e->msg, data + e->offset, e->len) != 0 ||
            (i > 0 && e->offset <= ev.v[i - 1].offset)) {
            abort();
        }
    }
    logs_events_fini(&ev);
    logs_files_free(&fl);
    return 0;
}
