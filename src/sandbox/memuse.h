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

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Most processes summed per call (the pids limit of an environment is 1024). */
#define MEMUSE_MAX_PROCS 1024

/* Field `field` (numbered from 1 as in proc(5); 3 or later, numeric) of the text of a
 * /proc/<pid>/stat file into *out. False when the text has no such number. */
bool memuse_stat_field(const char *text, int field, unsigned long long *out);
/* VmHWM of pid in kB, from <proc>/<pid>/status; 0 when unknown (gone, a kernel thread). */
uint64_t memuse_hwm_kb(const char *proc, pid_t pid);
/* The sum of VmHWM of pid and its descendants, found through the children of each process's
 * main thread (<proc>/<pid>/task/<pid>/children; a child forked by another thread of its
 * parent is not seen), at most MEMUSE_MAX_PROCS processes. 0 when pid is gone. */
uint64_t memuse_tree_kb(const char *proc, pid_t pid);
/* A process's files, kept open so that each reading is one pread (the server reads them on
 * every invocation): /proc/<pid>/status, /proc/<pid>/task/<pid>/children and /proc/<pid>/stat;
 * -1 when closed. Through stat, status (6 µs for the kernel to write, against 3 for stat) is
 * read again only when the process took a page fault since the last reading, or
 * MEMUSE_RECHECK_NS after it. Resident memory grows by page faults, and the kernel counts to
 * the process those it makes for the process's own system calls too (get_user_pages:
 * MAP_POPULATE, mlock, read into untouched pages). What grows it without one of its faults
 * (khugepaged collapsing a range into a huge page, a driver's mmap that inserts pages, another
 * process's process_vm_writev) shows in the first reading at least MEMUSE_RECHECK_NS after
 * the last one (a peak only grows, so such a reading sees it; none may come after the last
 * invocations of a quick burst). */
struct memuse_fds {
    int status_fd;
    int children_fd;
    int stat_fd;      /* -1: status at every reading */
    uint64_t faults;  /* minflt + majflt at the last reading of status */
    uint64_t hwm_kb;  /* VmHWM read then */
    uint64_t read_ns; /* then (CLOCK_MONOTONIC); 0: never */
};
#define MEMUSE_FDS_NONE     \
    {                       \
        -1, -1, -1, 0, 0, 0 \
    }
#define MEMUSE_RECHECK_NS 100000000ULL

/* Opens pid's files. OUT: *out (status and children open, or all -1 on failure; stat when
 * it can, else status is read at every reading). 0 or -errno. */
int memuse_open(const char *proc, pid_t pid, struct memuse_fds *out);
/* Closes what is open in f and sets it to -1. */
void memuse_close(struct memuse_fds *f);
/* memuse_tree_kb with pid's own files read through fds (NULL, or those at -1: by path). */
uint64_t memuse_tree_fds_kb(const char *proc, pid_t pid, struct memuse_fds *fds);
/* The sum of VmHWM of the pids listed one a line in procs_file (a cgroup's cgroup.procs),
 * except `except` (0: none), at most MEMUSE_MAX_PROCS. 0 when the file cannot be read. */
uint64_t memuse_list_kb(const char *proc, const char *procs_file, pid_t except);

#endif /* CLAMBDA_SANDBOX_MEMUSE_H */
