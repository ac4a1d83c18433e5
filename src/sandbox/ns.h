/* SPDX-License-Identifier: MIT */
/* The sandboxed child: clone3 into new mount, PID, IPC, UTS (and optionally network)
 * namespaces, then, in the child, join the cgroup, set up the mounts (mounts.h), the
 * hostname, rlimits, an unprivileged identity without capabilities, no_new_privs and the
 * seccomp filter; then fork: the child execs the runtime, the parent stays PID 1 of the
 * namespace as a reaper that forwards signals and exits with the runtime's status. */
#ifndef CLAMBDA_SANDBOX_NS_H
#define CLAMBDA_SANDBOX_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "mounts.h"
#include "sysfilter.h"

/* Everything the child needs, prepared by the parent (the child may not allocate). Borrowed:
 * must stay valid until ns_spawn returns and the error pipe says the runtime exec'd. */
struct ns_child_args {
    const struct mounts_plan *plan;
    const struct sysfilter *filter;
    const int *cgroup_fds; /* cgroup.procs files, joined first (cgroup_join_fds) */
    int n_cgroup_fds;
    int null_fd;    /* stdin */
    int out_fd;     /* stdout (write end) */
    int err_fd;     /* stderr (write end) */
    int errpipe;    /* write end, O_CLOEXEC: a struct sandbox_child_err on failure, else EOF */
    int statuspipe; /* write end: the reaper writes the runtime's wait status (an int) */
    int go_fd;      /* -1: exec at once with envp. Else parked: after its setup the child
                       waits on this read end for the runtime's environment (NUL-terminated
                       strings up to EOF, acknowledged with one byte on the same socket;
                       EOF alone: exit quietly) */
    int sync_fd;    /* userns: read end; the child waits for one byte (its uid/gid maps are
                       written) before it becomes root of its user namespace; else -1 */
    int api_sock;   /* isolate_net: a Unix socket on which the child sends the listening
                       TCP socket it made on 127.0.0.1:9001 in its namespace; else -1 */
    const char *hostname;
    uid_t uid;
    gid_t gid;
    int max_files;
    bool isolate_net;
    bool userns;
    const char *path;
    char *const *argv;
    char *const *envp;
};

/* Clones the child (which never returns: it execs or _exits). OUT: *pid (host pid of the
 * namespace's PID 1) and *pidfd (O_CLOEXEC). 0 or -errno of clone3. */
int ns_spawn(const struct ns_child_args *a, pid_t *pid, int *pidfd);

#endif /* CLAMBDA_SANDBOX_NS_H */
