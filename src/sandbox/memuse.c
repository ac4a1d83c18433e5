/* SPDX-License-Identifier: MIT */
/* Peak resident memory of an environment's processes; see memuse.h. */
#include "memuse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

uint64_t memuse_hwm_kb(const char *proc, pid_t pid)
{
    char path[PATH_MAX];
    char buf[4096];
    (void)snprintf(path, sizeof(path), "%s/%d/status", proc, (int)pid);
    if (read_text(path, buf, sizeof(buf)) <= 0) {
        return 0;
    }
    const char *hwm = strstr(buf, "\nVmHWM:");
    if (hwm == NULL) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long kb = strtoull(hwm + 7, &end, 10);
    return (errno != 0 || end == hwm + 7) ? 0 : (uint64_t)kb;
}

uint64_t memuse_tree_kb(const char *proc, pid_t pid)
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
        sum += memuse_hwm_kb(proc, pids[i]);
        (void)snprintf(path, sizeof(path), "%s/%d/task/%d/children", proc, (int)pids[i],
                       (int)pids[i]);
        if (n < MEMUSE_MAX_PROCS && read_text(path, buf, sizeof(buf)) > 0) {
            n = parse_pids(buf, 0, pids, n, MEMUSE_MAX_PROCS);
        }
    }
    return sum;
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
