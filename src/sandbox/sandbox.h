/* SPDX-License-Identifier: MIT */
/* Execution environments' processes: the one interface the server uses to start, signal, watch
 * and reap a runtime. This issue implements isolation "none" (spawn_plain.c: a plain child in
 * its own process group with rlimits, stdout/stderr on pipes, exit watched through a pidfd).
 * The sandbox issue adds namespaces, mounts (/var/task, /opt, /tmp) and cgroups behind the same
 * calls. */
#ifndef CLAMBDA_SANDBOX_SANDBOX_H
#define CLAMBDA_SANDBOX_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How much the runtime is isolated from the host. */
enum sandbox_isolation {
    SANDBOX_NONE = 0, /* plain child process: for development and tests */
};

/* What to start. */
struct sandbox_spec {
    enum sandbox_isolation isolation;
    const char *path;  /* executable (the function's bootstrap) */
    const char *cwd;   /* working directory (the code directory) */
    char *const *envp; /* complete environment */
    int max_files;     /* RLIMIT_NOFILE (Lambda: 1024) */
};

/* A started process. All fds are O_CLOEXEC; out_fd/err_fd are O_NONBLOCK read ends. */
struct sandbox_proc {
    pid_t pid;  /* also the process group id */
    int pidfd;  /* readable once the process has exited (poll it, then sandbox_reap) */
    int out_fd; /* the runtime's stdout */
    int err_fd; /* the runtime's stderr */
};

/* Starts spec->path with no arguments. OUT: *out. 0 or a negative errno; setup failures in the
 * child (chdir, execve) come back as that call's errno, and err (errlen bytes) names the call
 * and path, e.g. "execve(/fn/bootstrap): Permission denied". */
int sandbox_spawn(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                  size_t errlen);
/* Sends sig to the whole process group (the runtime and anything it started). 0 or -errno. */
int sandbox_signal(const struct sandbox_proc *p, int sig);
/* Reaps the exited process without blocking. OUT: *wstatus (as waitpid) and *maxrss_kb (peak
 * RSS from getrusage). 0, -EAGAIN while it still runs, or -errno. */
int sandbox_reap(const struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb);
/* Peak resident memory of the live runtime in kB (VmHWM), 0 when unknown. */
uint64_t sandbox_peak_rss_kb(const struct sandbox_proc *p);
/* Closes the fds still open in p (pidfd, out_fd, err_fd set to -1 are skipped). */
void sandbox_close_fds(struct sandbox_proc *p);

#endif /* CLAMBDA_SANDBOX_SANDBOX_H */
