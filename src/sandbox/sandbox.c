/* SPDX-License-Identifier: MIT */
/* The server's one interface to its runtimes' processes (sandbox.h): each call dispatches on the
 * isolation mode to spawn_plain.c (none) or sandbox_full.c (full). A companion under full
 * isolation (is_foreign) is a process of another PID namespace known by its pidfd only. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox_full.h"
#include "sandbox_int.h"
#include "spawn_plain.h"

static struct sandbox_full_spec full_spec(const struct sandbox_spec *spec)
{
    return (struct sandbox_full_spec){.fn = spec->fn,
                                      .id = spec->id,
                                      .code_dir = spec->cwd,
                                      .opt_dir = spec->opt_dir,
                                      .bootstrap = spec->path,
                                      .envp = spec->envp,
                                      .memory_mb = spec->memory_mb,
                                      .tmp_mb = spec->tmp_mb,
                                      .pids_max = spec->pids_max,
                                      .max_files = spec->max_files,
                                      .companions = spec->companions,
                                      .n_companions = spec->n_companions,
                                      .companion_envp = spec->companion_envp};
}

int sandbox_prepare(const struct sandbox_spec *spec, char *err, size_t errlen)
{
    if (spec->isolation != SANDBOX_FULL || spec->full == NULL || spec->fn == NULL ||
        spec->interp != NULL) {
        return 0; /* nothing to prepare; an interpreted bootstrap is never parked */
    }
    struct sandbox_full_spec fs = full_spec(spec);
    struct sandbox_diag d = {0, ""};
    int rc = sandbox_full_fn_prepare(spec->full, &fs, &d);
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s", d.msg);
    }
    return rc;
}

static int spawn_full(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                      size_t errlen)
{
    struct sandbox_full_spec fs = full_spec(spec);
    /* `interp path`: execve does not write to argv's strings. Such a spec never takes the
     * function's parked environment (made for the bootstrap alone). */
    char *const argv[] = {(char *)(uintptr_t)spec->interp, (char *)(uintptr_t)spec->path, NULL};
    if (spec->interp != NULL) {
        fs.bootstrap = spec->interp;
        fs.argv = argv;
    }
    struct sandbox_diag d = {0, ""};
    struct sandbox_full_env *env = NULL;
    if (spec->full == NULL) {
        (void)snprintf(err, errlen, "full isolation requested without its shared state");
        return -EINVAL;
    }
    int rc = sandbox_full_spawn(spec->full, &fs, &env, &d);
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s", d.msg);
        return rc;
    }
    struct sandbox_proc *p = sandbox_full_proc(env);
    *out = *p;
    out->full = env;
    p->out_fd = p->err_fd = p->api_fd = -1; /* the caller's now */
    return 0;
}

/* Isolation none: each companion a plain child in its own process group, working directory
 * the directory of its file. */
static void spawn_plain_companions(const struct sandbox_spec *spec)
{
    for (int i = 0; i < spec->n_companions; i++) {
        struct sandbox_companion *c = &spec->companions[i];
        char *dir = strdup(c->path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash != NULL) {
            slash[slash == dir] = '\0'; /* "/x" -> "/" */
        }
        struct sandbox_spec cs = {.isolation = SANDBOX_NONE,
                                  .path = c->path,
                                  .cwd = slash ? dir : ".",
                                  .envp = spec->companion_envp,
                                  .max_files = spec->max_files};
        c->err[0] = '\0';
        if (spawn_plain_spawn(&cs, &c->proc, c->err, sizeof(c->err)) < 0) {
            c->proc.exit_fd = -1;
        }
        free(dir);
    }
}

int sandbox_spawn(struct sandbox_spec *spec, struct sandbox_proc *out, char *err, size_t errlen)
{
    *out = SANDBOX_PROC_NONE;
    if (spec->n_companions < 0 || spec->n_companions > SANDBOX_MAX_COMPANIONS) {
        (void)snprintf(err, errlen, "%d companions (at most %d)", spec->n_companions,
                       SANDBOX_MAX_COMPANIONS);
        return -E2BIG;
    }
    for (int i = 0; i < spec->n_companions; i++) {
        spec->companions[i].proc = SANDBOX_PROC_NONE;
    }
    int rc;
    if (spec->isolation == SANDBOX_FULL) {
        rc = spawn_full(spec, out, err, errlen);
    } else {
        spawn_plain_companions(spec);
        rc = spawn_plain_spawn(spec, out, err, errlen);
    }
    for (int i = 0; rc < 0 && i < spec->n_companions; i++) { /* no runtime: none of them */
        struct sandbox_proc *cp = &spec->companions[i].proc;
        if (cp->exit_fd >= 0) {
            int st;
            (void)sandbox_signal(cp, SIGKILL);
            if (!cp->is_foreign) {
                (void)waitpid(cp->pid, &st, 0);
            }
            sandbox_close_fds(cp);
        }
    }
    return rc;
}

int sandbox_signal(struct sandbox_proc *p, int sig)
{
    if (p->is_foreign) {
        return syscall(SYS_pidfd_send_signal, p->exit_fd, sig, NULL, 0) < 0 ? -errno : 0;
    }
    if (p->full == NULL) {
        return spawn_plain_signal(p, sig);
    }
    (void)sandbox_thaw(p); /* a frozen task acts on a signal only once thawed */
    return sandbox_full_signal(p->full, sig);
}

int sandbox_reap(struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb, bool *oom_killed)
{
    *oom_killed = false;
    if (p->is_foreign) { /* readable pidfd: it exited (PID 1 of its environment reaps it) */
        struct pollfd pfd = {p->exit_fd, POLLIN, 0};
        int n = poll(&pfd, 1, 0);
        if (n <= 0) {
            return n < 0 ? -errno : -EAGAIN;
        }
        *wstatus = 0;
        *maxrss_kb = 0;
        return 0;
    }
    if (p->full == NULL) {
        return spawn_plain_reap(p, wstatus, maxrss_kb);
    }
    uint64_t kills = 0;
    int rc = sandbox_full_reap(p->full, wstatus, maxrss_kb, &kills);
    *oom_killed = rc == 0 && kills > 0;
    return rc;
}

uint64_t sandbox_peak_rss_kb(struct sandbox_proc *p)
{
    if (p->is_foreign) {
        return 0; /* the environment's cgroup counts it with the runtime */
    }
    if (p->full == NULL) {
        return spawn_plain_peak_rss_kb(p);
    }
    return sandbox_full_peak_kb(p->full);
}

int sandbox_set_cpus_pid(pid_t pid, const cpu_set_t *set)
{
    /* every thread: sched_setaffinity acts on one; a runtime just exec'd has one, a Node or
     * Java runtime may have started more */
    char dir[64];
    (void)snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return sched_setaffinity(pid, sizeof(*set), set) < 0 ? -errno : 0;
    }
    int rc = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        char *end = NULL;
        long tid = strtol(de->d_name, &end, 10);
        if (end == de->d_name || *end != '\0' || tid <= 0 || tid > INT_MAX) {
            continue; /* "." and ".." */
        }
        if (sched_setaffinity((pid_t)tid, sizeof(*set), set) < 0 && errno != ESRCH) {
            rc = rc ? rc : -errno;
        }
    }
    (void)closedir(d);
    return rc;
}

int sandbox_set_cpus(const struct sandbox_proc *p, const cpu_set_t *set)
{
    if (p->full != NULL && !p->is_foreign) {
        return sandbox_full_set_cpus(p->full, set);
    }
    if (p->is_foreign) {
        /* its host pid stays its own until PID 1 of its namespace reaps it: not before its
         * pidfd is readable */
        struct pollfd pfd = {p->exit_fd, POLLIN, 0};
        if (p->pid <= 0 || p->exit_fd < 0 || poll(&pfd, 1, 0) != 0) {
            return 0;
        }
    }
    return sandbox_set_cpus_pid(p->pid, set);
}

int sandbox_freeze(struct sandbox_proc *p)
{
    if (p->full == NULL || p->frozen) {
        return 0;
    }
    int rc = sandbox_full_freeze_begin(p->full, NULL);
    p->frozen = rc == 0;
    return rc;
}

int sandbox_thaw(struct sandbox_proc *p)
{
    if (p->full == NULL || !p->frozen) {
        return 0;
    }
    p->frozen = false;
    return sandbox_full_thaw(p->full, NULL);
}

void sandbox_close_fds(struct sandbox_proc *p)
{
    int *fds[] = {&p->out_fd, &p->err_fd, &p->api_fd, p->full == NULL ? &p->exit_fd : NULL};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (fds[i] != NULL && *fds[i] >= 0) {
            (void)close(*fds[i]);
            *fds[i] = -1;
        }
    }
    memuse_close(&p->mem);
    if (p->full != NULL) {
        sandbox_full_close(p->full); /* owns exit_fd: kills what is left, removes the cgroup */
        p->full = NULL;
        p->exit_fd = -1;
    }
}

int sandbox_socket(const struct sandbox_proc *p, int domain, int type, int *fd)
{
    if (p->full != NULL) {
        return sandbox_full_socket(p->full, domain, type, fd);
    }
    *fd = socket(domain, type | SOCK_CLOEXEC, 0);
    return *fd < 0 ? -errno : 0;
}
