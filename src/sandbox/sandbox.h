/* SPDX-License-Identifier: MIT */
/* Execution environments' processes: the one interface the server uses to start, signal,
 * freeze, watch and reap a runtime. Isolation "none" (spawn_plain.c) is a plain child in its
 * own process group with rlimits; isolation "full" (sandbox_full.h) is a child in new
 * namespaces on a pivot_root'ed skeleton with /var/task, /opt and a sized /tmp, an unprivileged
 * identity, a seccomp filter and a cgroup (memory, CPU, pids, freezer). Both give the caller
 * the same handles: an fd to watch for the exit and two pipes for stdout/stderr. */
#ifndef CLAMBDA_SANDBOX_SANDBOX_H
#define CLAMBDA_SANDBOX_SANDBOX_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "memuse.h"

/* Every runtime starts with this umask, whatever the server's is at the instant of the spawn
 * (libarchive's disk writer flips the process umask while code is extracted). */
#define SANDBOX_UMASK 022

/* How much the runtime is isolated from the host. */
enum sandbox_isolation {
    SANDBOX_NONE = 0, /* plain child process: for development and tests */
    SANDBOX_FULL = 1, /* namespaces, mounts, identity, seccomp, cgroup (root only) */
};

struct sandbox_full;
struct sandbox_full_fn;
struct sandbox_full_env;
struct sandbox_companion;

/* What to start. */
struct sandbox_spec {
    enum sandbox_isolation isolation;
    const char *path;   /* none: host path of the bootstrap; full: its path inside the sandbox
                           ("/var/task/bootstrap") */
    const char *cwd;    /* none: working directory; full: the host code directory, mounted
                           read-only at /var/task (also the working directory) */
    char *const *envp;  /* complete environment */
    const char *interp; /* NULL, or the program that runs path (exec'd as `interp path`):
                           qemu-user for a bootstrap of another architecture. A path in the
                           runtime's view, as path: under full isolation inside the sandbox,
                           where the host's /usr (or --root's) is bound */
    int max_files;      /* RLIMIT_NOFILE (Lambda: 1024) */
    /* Full isolation only: */
    struct sandbox_full *full;  /* shared state (sandbox_full_new) */
    struct sandbox_full_fn *fn; /* the function's prepared state (sandbox_full_fn_new) */
    const char *id;             /* unique environment name: cgroup leaf, hostname seed */
    uint32_t memory_mb;         /* memory limit (and CPU share: MB / 1769 of a CPU) */
    uint32_t tmp_mb;            /* size of /tmp (ephemeral storage) */
    uint32_t pids_max;          /* 0: 1024 */
    const char *opt_dir;        /* host directory bound read-only at /opt (NULL: none) */
    /* Companions (Lambda's external extensions): started before the runtime, in the same
     * environment (full isolation: the same namespaces and cgroup, so they share its memory
     * limit, CPU share, /tmp and network), each in its own process group. NULL/0: none. */
    struct sandbox_companion *companions;
    int n_companions;
    char *const *companion_envp; /* their complete environment (all companions share it) */
};

/* Most companions per environment. */
#define SANDBOX_MAX_COMPANIONS 32

/* A started process. All fds are O_CLOEXEC; out_fd/err_fd are O_NONBLOCK read ends and belong
 * to the caller; exit_fd belongs to the sandbox (closed by sandbox_close_fds). */
struct sandbox_proc {
    pid_t pid;   /* none: the runtime, also its process group id; full: PID 1 of the namespace;
                    a companion under full isolation: its host pid (informative) */
    int exit_fd; /* readable once the runtime (or companion) has exited: poll it, then
                    sandbox_reap. None and companions: a pidfd; full: the pipe on which PID 1
                    reports the runtime's exit status (PID 1 outlives a runtime whose
                    companions still run) */
    int out_fd;  /* the runtime's stdout */
    int err_fd;  /* the runtime's stderr */
    int api_fd;  /* isolated network only: a listening TCP socket on 127.0.0.1:9001 inside the
                    environment's network namespace, for its Runtime API (the caller's); else -1 */
    struct sandbox_full_env *full; /* full isolation: the environment; NULL for none */
    bool frozen;                   /* sandbox_freeze was called and no thaw since */
    bool is_foreign;               /* a companion under full isolation: not our child (PID 1 of its
                                      environment reaps it), signalled and watched through its pidfd */
    struct memuse_fds mem;         /* none: the runtime's /proc files for sandbox_peak_rss_kb, open
                                      from the start (closed by sandbox_close_fds); else -1 */
};
/* A sandbox_proc with nothing started and no fd open. */
#define SANDBOX_PROC_NONE                 \
    ((struct sandbox_proc){.pid = -1,     \
                           .exit_fd = -1, \
                           .out_fd = -1,  \
                           .err_fd = -1,  \
                           .api_fd = -1,  \
                           .mem = MEMUSE_FDS_NONE})

/* One companion to start (sandbox_spec.companions). */
struct sandbox_companion {
    const char *path; /* as sandbox_spec.path: a host path (none; its directory is the working
                         directory) or a path inside the sandbox (full; working directory
                         /var/task, as the runtime's) */
    /* OUT, after sandbox_spawn returned 0: proc (the caller owns it: sandbox_close_fds), or
     * proc.exit_fd = -1 and err naming why it could not start, e.g.
     * "execve(/opt/extensions/x): Permission denied". */
    struct sandbox_proc proc;
    char err[256];
};

/* Starts spec->path with no arguments (or spec->interp with spec->path), after spec's
 * companions (each one's own result is in it). OUT: *out. 0 or a negative errno; setup failures in
 * the child (chdir, mount, execve...) come back as that call's errno, and err (errlen bytes) names
 * the call and path, e.g. "execve(/fn/bootstrap): Permission denied"; then no companion is left
 * running. */
int sandbox_spawn(struct sandbox_spec *spec, struct sandbox_proc *out, char *err, size_t errlen);
/* Prepares the next environment for spec ahead of time (full isolation with spec->fn: a child
 * set up and parked, see sandbox_full_fn_prepare; spec->envp is not used). A no-op for none
 * and when one is parked already. Does not wait for the child. 0 or -errno with err. */
int sandbox_prepare(const struct sandbox_spec *spec, char *err, size_t errlen);
/* Sends sig to the runtime's process group (none; full with companions: PID 1 forwards it,
 * SIGKILL goes to the runtime itself and PID 1 then kills the rest of its group), to every
 * process of the environment (full without companions; thawed first, so that it is delivered)
 * or to a companion (is_foreign: the process itself). 0 or -errno. */
int sandbox_signal(struct sandbox_proc *p, int sig);
/* Reaps the exited process without blocking. OUT: *wstatus (as waitpid: the runtime's own
 * status; a companion under full isolation: 0, its status is PID 1's to see), *maxrss_kb
 * (none: the runtime's peak RSS from getrusage; full: the cgroup's charged peak, its
 * processes being gone) and *oom_killed (full: the kernel's OOM killer killed a process of the
 * environment; none: false). 0, -EAGAIN while it still runs, or -errno. */
int sandbox_reap(struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb, bool *oom_killed);
/* Max Memory Used of the live environment in kB: the sum of the peak resident memory (VmHWM,
 * file-backed pages included, memuse.h) of its processes (none: the runtime and its
 * descendants; full: every process of its cgroup but the reaper, or the cgroup's charged peak
 * when larger). 0 when unknown. */
uint64_t sandbox_peak_rss_kb(struct sandbox_proc *p);
/* Sets the CPUs of every process of the environment (none: the runtime's threads, its
 * children inherit them; full: PID 1 and every process of the cgroup), or of a companion
 * under full isolation its own threads while it runs: sched_setaffinity. 0 or the first
 * -errno. */
int sandbox_set_cpus(const struct sandbox_proc *p, const cpu_set_t *set);
/* Freezes every process of the environment (cgroup freezer; asynchronous: the kernel finishes
 * it in the background) / thaws it. No-ops for isolation none. 0 or -errno. */
int sandbox_freeze(struct sandbox_proc *p);
int sandbox_thaw(struct sandbox_proc *p);
/* Closes the fds still open in p (exit_fd, out_fd, err_fd set to -1 are skipped) and, under full
 * isolation, tears the environment down (kills what is left, companions too, removes its
 * cgroup). */
void sandbox_close_fds(struct sandbox_proc *p);

/* Makes a socket (socket(2)'s domain and type, CLOEXEC added) in the environment's network
 * namespace, so that the server reaches a listener of its processes at 127.0.0.1 (a Telemetry
 * API subscriber at sandbox.localdomain); in the server's own namespace when the environment
 * has none. OUT: *fd (the caller's). 0 or -errno. */
int sandbox_socket(const struct sandbox_proc *p, int domain, int type, int *fd);

/* Whether the TCP connection fd, accepted on the environment's Runtime API listener, comes
 * from one of p's processes (full isolation: a process in its cgroup, or anyone in its own
 * network namespace; isolation none: not checked, 1). Blocks for one netlink round trip and a
 * few /proc reads. 1 yes, 0 no, or -errno when it cannot be told (refuse then). */
int sandbox_peer_is_own(const struct sandbox_proc *p, int fd);

/* Reads a sandboxed or plain child's setup verdict from its CLOEXEC error pipe (blocks until
 * EOF or a record). 0 when the child exec'd (EOF), else the failed step's -errno with msg
 * (cap bytes) naming it, e.g. "mount(/var/task): No such file or directory". */
int sandbox_read_verdict(int fd, char *msg, size_t cap);

#endif /* CLAMBDA_SANDBOX_SANDBOX_H */
