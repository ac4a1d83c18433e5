/* SPDX-License-Identifier: MIT */
/* Isolation "none": vfork-style clone + execve of the bootstrap in its own process group.
 *
 * Why not uv_spawn: the sandbox issue must clone() into namespaces and set up mounts and
 * cgroups between fork and exec, which uv_spawn cannot do; so we spawn ourselves here too and
 * hand the resulting fds (pipes and a pidfd) to libuv, as the sandbox will. Exits are watched
 * through a pidfd rather than SIGCHLD, so that libuv's own child watcher and ours never reap
 * each other's children. The child reports setup failures as errno over a CLOEXEC pipe (libuv's
 * uv__write_errno trick): EOF on that pipe means execve succeeded. */
#include "spawn_plain.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memuse.h"
#include "sandbox_int.h"

static void child_fail(int fd, int step, const char *arg)
{
    struct sandbox_child_err ce;
    (void)sandbox_child_err_set(&ce, step, errno, arg);
    ssize_t w = write(fd, &ce, sizeof(ce));
    (void)w;
    _exit(127);
}

/* Runs in the child: only async-signal-safe calls from here to execve. */
static void child(const struct sandbox_spec *spec, int out_w, int err_w, int errpipe)
{
    if (setpgid(0, 0) < 0) {
        child_fail(errpipe, SANDBOX_STEP_SETPGID, "0, 0");
    }
    (void)umask(SANDBOX_UMASK); /* not whatever the server's threads hold at this instant */
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) {
        child_fail(errpipe, SANDBOX_STEP_DUP2, "stdio");
    }
    /* Dispositions first, then the mask: signals arrive blocked (see spawn_child), and with
     * CLONE_VM a server handler must never run in the child. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) { /* ignored signals survive execve: reset them */
        (void)sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    struct rlimit nofile = {(rlim_t)spec->max_files, (rlim_t)spec->max_files};
    (void)setrlimit(RLIMIT_NOFILE, &nofile);
    struct rlimit core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &core);
    if (chdir(spec->cwd) < 0) {
        child_fail(errpipe, SANDBOX_STEP_CHDIR, spec->cwd);
    }
    /* execve does not write to argv's strings */
    char *const argv[] = {(char *)(uintptr_t)(spec->interp ? spec->interp : spec->path),
                          (char *)(uintptr_t)spec->path, NULL};
    execve(argv[0], spec->interp ? argv : argv + 1, spec->envp);
    child_fail(errpipe, SANDBOX_STEP_EXECVE, argv[0]);
}

struct child_args {
    const struct sandbox_spec *spec;
    int out_w, err_w, errpipe;
};

#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_USE_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_USE_FORK 1
#endif
#endif

#ifndef SPAWN_USE_FORK
static int child_main(void *arg)
{
    const struct child_args *a = arg;
    child(a->spec, a->out_w, a->err_w, a->errpipe);
    return 127; /* not reached: child() execs or _exits */
}
#endif

/* Starts child() like vfork: the child shares the server's memory and the server sleeps until
 * it has exec'd or failed, so nothing is copied. fork() copied the page tables of the whole
 * server (~0.25 ms at 10 MB, growing with it) and made every page the server touched before
 * the exec fault. Every signal is blocked around the clone, so that no handler of the server
 * runs in the child. Sanitizer builds keep fork(): ASan does not follow stack switches. */
static pid_t spawn_child(const struct child_args *a)
{
#ifdef SPAWN_USE_FORK
    pid_t pid = fork();
    if (pid == 0) {
        child(a->spec, a->out_w, a->err_w, a->errpipe);
    }
    return pid;
#else
    /* The child runs on this (the suspended caller's) stack, as musl's posix_spawn. */
    char stack[32 * 1024] __attribute__((aligned(16)));
    sigset_t all, old;
    sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(child_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
                      (void *)(uintptr_t)a);
    int err = errno;
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return pid;
#endif
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
}

int spawn_plain_spawn(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                      size_t errlen)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, ep[2] = {-1, -1};
    int rc = 0;
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "pipe2: %s", strerror(errno));
        goto fail;
    }
    struct child_args ca = {spec, outp[1], errp[1], ep[1]};
    pid_t pid = spawn_child(&ca);
    if (pid < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "clone: %s", strerror(errno));
        goto fail;
    }
    (void)setpgid(pid, pid); /* also here: no race with a signal sent before the child ran */
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&ep[1]);
    rc = sandbox_read_verdict(ep[0], err, errlen);
    close_fd(&ep[0]);
    out->pid = pid;
    out->exit_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    out->out_fd = outp[0];
    out->err_fd = errp[0];
    if (rc == 0 && out->exit_fd < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "pidfd_open(%d): %s", (int)pid, strerror(errno));
        (void)kill(pid, SIGKILL);
    }
    if (rc < 0) {
        int st;
        (void)waitpid(pid, &st, 0);
        close_fd(&out->exit_fd);
        close_fd(&out->out_fd);
        close_fd(&out->err_fd);
        return rc;
    }
    (void)fcntl(out->out_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(out->err_fd, F_SETFL, O_NONBLOCK);
    (void)memuse_open("/proc", pid, &out->mem); /* else read by path (the same figures) */
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&outp[i]);
        close_fd(&errp[i]);
        close_fd(&ep[i]);
    }
    return rc;
}

int spawn_plain_signal(const struct sandbox_proc *p, int sig)
{
    if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0) {
        return -errno;
    }
    return 0;
}

int spawn_plain_reap(const struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb)
{
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    pid_t r = wait4(p->pid, wstatus, WNOHANG, &ru);
    if (r < 0) {
        return -errno;
    }
    if (r == 0) {
        return -EAGAIN;
    }
    *maxrss_kb = (uint64_t)ru.ru_maxrss;
    return 0;
}

uint64_t spawn_plain_peak_rss_kb(struct sandbox_proc *p)
{
    return memuse_tree_fds_kb("/proc", p->pid, &p->mem);
}
