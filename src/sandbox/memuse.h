/* SPDX-License-Identifier: MIT */
/* Max Memory Used of an environment: the sum of the peak resident memory of its processes
 * (VmHWM of /proc/<pid>/status: anonymous, file-backed and shared pages alike), which is what
 * AWS users read the figure as and the same under both isolation modes. A cgroup's own peak
 * (memory.max_usage_in_bytes, memory.peak) counts only the pages charged to it: the pages of a
 * Node or Python binary and its libraries already in the host's page cache are charged to
 * whoever read them first, so a Node runtime that holds 45 MB showed 8 MB there. The proc root
 * is a parameter, so tests can point it at a fake tree. Blocking: a few small file reads per
 * process. */
#ifndef CLAMBDA_SANDBOX_MEMUSE_H
#define CLAMBDA_SANDBOX_MEMUSE_H

#include <stdint.h>
#include <sys/types.h>

/* Most processes summed per call (the pids limit of an environment is 1024). */
#define MEMUSE_MAX_PROCS 1024

/* VmHWM of pid in kB, from <proc>/<pid>/status; 0 when unknown (gone, a kernel thread). */
uint64_t memuse_hwm_kb(const char *proc, pid_t pid);
/* The sum of VmHWM of pid and its descendants, found through the children of each process's
 * main thread (<proc>/<pid>/task/<pid>/children; a child forked by another thread of its
 * parent is not seen), at most MEMUSE_MAX_PROCS processes. 0 when pid is gone. */
uint64_t memuse_tree_kb(const char *proc, pid_t pid);
/* A process's two files, kept open so that each reading is one pread (the server reads them
 * on every invocation): /proc/<pid>/status and /proc/<pid>/task/<pid>/children; -1 when
 * closed. */
struct memuse_fds {
    int status_fd;
    int children_fd;
};
#define MEMUSE_FDS_NONE \
    {                   \
        -1, -1          \
    }

/* Opens pid's two files. OUT: *out (both open, or both -1 on failure). 0 or -errno. */
int memuse_open(const char *proc, pid_t pid, struct memuse_fds *out);
/* Closes what is open in f and sets it to -1. */
void memuse_close(struct memuse_fds *f);
/* memuse_tree_kb with pid's own files read through fds (NULL, or those at -1: by path). */
uint64_t memuse_tree_fds_kb(const char *proc, pid_t pid, const struct memuse_fds *fds);
/* The sum of VmHWM of the pids listed one a line in procs_file (a cgroup's cgroup.procs),
 * except `except` (0: none), at most MEMUSE_MAX_PROCS. 0 when the file cannot be read. */
uint64_t memuse_list_kb(const char *proc, const char *procs_file, pid_t except);

#endif /* CLAMBDA_SANDBOX_MEMUSE_H */
