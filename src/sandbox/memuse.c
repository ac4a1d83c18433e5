/* SPDX-License-Identifier: MIT */
/* Peak resident memory of an environment's processes; see memuse.h. */
#include "memuse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reads up to cap - 1 bytes of path into buf, NUL-terminated. Bytes read, or -1. */
static ssize_t read_text(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    (void)close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Appends the pids of text (decimal numbers separated by blanks or newlines) to pids, up to
 * max entries, skipping except. Returns the new count. */
static size_t parse_pids(const char *text, pid_t except, pid_t *pids, size_t n, size_t max)
{
    const char *p = text;
    while (n < max) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno != 0) {
            break;
        }
        if (v > 0 && v <= INT_MAX && (pid_t)v != except) {
            pids[n++] = (pid_t)v;
        }
        p = end;
    }
    return n;
}

/* Reads what an open /proc file holds now, from its start (pread: a seq_file starts over at
 * offset 0), into buf (cap bytes), NUL-terminated. A short read is the whole file (a seq_file
 * fills the reader's buffer while it has records). Bytes read, or -1. */
static ssize_t pread_text(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t n = pread(fd, buf + len, cap - 1 - len, (off_t)len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        len += (size_t)n;
        if (n == 0 || len + 1 < cap) {
            break;
        }
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

/* VmHWM in kB from the text of a status file; 0 when it has none. */
static uint64_t parse_hwm(const char *text)
{
    const char *hwm = strstr(text, "\nVmHWM:");
    if (hwm == NULL) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long kb = strtoull(hwm + 7, &end, 10);
    return (errno != 0 || end == hwm + 7) ? 0 : (uint64_t)kb;
}

bool memuse_stat_field(const char *text, int field, unsigned long long *out)
{
    const char *p = strrchr(text, ')'); /* the end of field 2, which may hold anything */
    if (p == NULL || field < 3) {
        return false;
    }
    p++;
    for (int i = 3; i < field; i++) { /* past field i */
        p += strspn(p, " ");
        p += strcspn(p, " ");
    }
    p += strspn(p, " ");
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p || errno != 0) {
        return false;
    }
    *out = v;
    return true;
}

/* minflt + majflt (fields 10 and 12) from the text of a stat file. */
static bool parse_faults(const char *text, uint64_t *out)
{
    unsigned long long minflt = 0, majflt = 0;
    if (!memuse_stat_field(text, 10, &minflt) || !memuse_stat_field(text, 12, &majflt)) {
        return false;
    }
    *out = (uint64_t)(minflt + majflt);
    return true;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* VmHWM of the process of f (memuse_fds: status again only after a page fault or
 * MEMUSE_RECHECK_NS). buf: cap bytes of scratch. */
static uint64_t own_hwm(struct memuse_fds *f, char *buf, size_t cap)
{
    uint64_t faults = 0;
    bool counted =
        f->stat_fd >= 0 && pread_text(f->stat_fd, buf, cap) > 0 && parse_faults(buf, &faults);
    uint64_t now = counted ? mono_ns() : 0;
    if (counted && f->read_ns != 0 && faults == f->faults && now - f->read_ns < MEMUSE_RECHECK_NS) {
        return f->hwm_kb;
    }
    uint64_t kb = pread_text(f->status_fd, buf, cap) > 0 ? parse_hwm(buf) : 0;
    if (counted) {
        f->faults = faults;
        f->hwm_kb = kb;
        f->read_ns = now ? now : 1;
    }
    return kb;
}

uint64_t memuse_hwm_kb(const char *proc, pid_t pid)
{
    char path[PATH_MAX];
    char buf[4096];
    (void)snprintf(path, sizeof(path), "%s/%d/status", proc, (int)pid);
    return read_text(path, buf, sizeof(buf)) <= 0 ? 0 : parse_hwm(buf);
}

int memuse_open(const char *proc, pid_t pid, struct memuse_fds *out)
{
    char path[PATH_MAX];
    (void)snprintf(path, sizeof(path), "%s/%d/status", proc, (int)pid);
    out->status_fd = open(path, O_RDONLY | O_CLOEXEC);
    (void)snprintf(path, sizeof(path), "%s/%d/task/%d/children", proc, (int)pid, (int)pid);
    out->children_fd = open(path, O_RDONLY | O_CLOEXEC);
    (void)snprintf(path, sizeof(path), "%s/%d/stat", proc, (int)pid);
    out->stat_fd = open(path, O_RDONLY | O_CLOEXEC); /* optional: -1, status every time */
    out->faults = 0;
    out->hwm_kb = 0;
    out->read_ns = 0;
    if (out->status_fd < 0 || out->children_fd < 0) {
        int rc = -errno;
        memuse_close(out);
        return rc;
    }
    return 0;
}

void memuse_close(struct memuse_fds *f)
{
    int *fds[] = {&f->status_fd, &f->children_fd, &f->stat_fd};
    for (size_t i = 0; i < 3; i++) {
        if (*fds[i] >= 0) {
            (void)close(*fds[i]);
        }
        *fds[i] = -1;
    }
}

uint64_t memuse_tree_fds_kb(const char *proc, pid_t pid, struct memuse_fds *fds)
{
    pid_t pids[MEMUSE_MAX_PROCS];
    char path[PATH_MAX];
    char buf[16384];
    uint64_t sum = 0;
    size_t n = 1;
    pids[0] = pid;
    /* Breadth first: pids[0..i) are summed, pids[i..n) wait. A pid cannot appear twice (a
     * process has one parent), so this ends after at most MEMUSE_MAX_PROCS reads. */
    for (size_t i = 0; i < n; i++) {
        bool own = i == 0 && fds != NULL && fds->status_fd >= 0;
        if (own) {
            sum += own_hwm(fds, buf, sizeof(buf));
        } else {
            sum += memuse_hwm_kb(proc, pids[i]);
        }
        ssize_t len = -1;
        if (n >= MEMUSE_MAX_PROCS) {
            continue;
        }
        if (own && fds->children_fd >= 0) {
            len = pread_text(fds->children_fd, buf, sizeof(buf));
        } else {
            (void)snprintf(path, sizeof(path), "%s/%d/task/%d/children", proc, (int)pids[i],
                           (int)pids[i]);
            len = read_text(path, buf, sizeof(buf));
        }
        if (len > 0) {
            n = parse_pids(buf, 0, pids, n, MEMUSE_MAX_PROCS);
        }
    }
    return sum;
}

uint64_t memuse_tree_kb(const char *proc, pid_t pid)
{
    return memuse_tree_fds_kb(proc, pid, NULL);
}

uint64_t memuse_list_kb(const char *proc, const char *procs_file, pid_t except)
{
    pid_t pids[MEMUSE_MAX_PROCS];
    char buf[16384];
    if (read_text(procs_file, buf, sizeof(buf)) < 0) {
        return 0;
    }
    size_t n = parse_pids(buf, except, pids, 0, MEMUSE_MAX_PROCS);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += memuse_hwm_kb(proc, pids[i]);
    }
    return sum;
}
