/* SPDX-License-Identifier: MIT */
/* Isolation "none": fork + execve of the bootstrap in its own process group.
 *
 * Why not uv_spawn: the sandbox issue must clone() into namespaces and set up mounts and
 * cgroups between fork and exec, which uv_spawn cannot do; so we spawn ourselves here too and
 * hand the resulting fds (pipes and a pidfd) to libuv, as the sandbox will. Exits are watched
 * through a pidfd rather than SIGCHLD, so that libuv's own child watcher and ours never reap
 * each other's children. The child reports setup failures as errno over a CLOEXEC pipe (libuv's
 * uv__write_errno trick): EOF on that pipe means execve succeeded. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What failed in the child, with errno, sent over the error pipe. */
struct child_err {
    int stage; /* 0 dup2, 1 chdir, 2 execve, 3 setpgid */
    int err;
};

static void child_fail(int fd, int stage)
{
    struct child_err ce = {stage, errno};
    ssize_t w = write(fd, &ce, sizeof(ce));
    (void)w;
    _exit(127);
}

/* Runs in the child: only async-signal-safe calls from here to execve. */
static void child(const struct sandbox_spec *spec, int out_w, int err_w, int errpipe)
{
    if (setpgid(0, 0) < 0) {
        child_fail(errpipe, 3);
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) {
        child_fail(errpipe, 0);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) { /* ignored signals survive execve: reset them */
        (void)sigaction(sig, &dfl, NULL);
    }
    struct rlimit nofile = {(rlim_t)spec->max_files, (rlim_t)spec->max_files};
    (void)setrlimit(RLIMIT_NOFILE, &nofile);
    struct rlimit core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &core);
    if (chdir(spec->cwd) < 0) {
        child_fail(errpipe, 1);
    }
    char *const argv[] = {(char *)(uintptr_t)spec->path, NULL}; /* execve does not write */
    execve(spec->path, argv, spec->envp);
    child_fail(errpipe, 2);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
}

/* Waits for the child's verdict: 0 after a successful execve, else its errno (negated). */
static int read_verdict(int fd, const struct sandbox_spec *spec, char *err, size_t errlen)
{
    static const char *const stages[] = {"dup2", "chdir", "execve", "setpgid"};
    struct child_err ce;
    ssize_t n;
    do {
        n = read(fd, &ce, sizeof(ce));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ce)) {
        return 0;
    }
    const char *arg = ce.stage == 1 ? spec->cwd : spec->path;
    (void)snprintf(err, errlen, "%s(%s): %s", stages[ce.stage & 3], arg, strerror(ce.err));
    return -ce.err;
}

int sandbox_spawn(const struct sandbox_spec *spec, struct sandbox_proc *out, char *err,
                  size_t errlen)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, ep[2] = {-1, -1};
    int rc = 0;
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "pipe2: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        child(spec, outp[1], errp[1], ep[1]);
    }
    (void)setpgid(pid, pid); /* also here: no race with a signal sent before the child ran */
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&ep[1]);
    rc = read_verdict(ep[0], spec, err, errlen);
    close_fd(&ep[0]);
    out->pid = pid;
    out->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    out->out_fd = outp[0];
    out->err_fd = errp[0];
    if (rc == 0 && out->pidfd < 0) {
        rc = -errno;
        (void)snprintf(err, errlen, "pidfd_open(%d): %s", (int)pid, strerror(errno));
        (void)kill(pid, SIGKILL);
    }
    if (rc < 0) {
        int st;
        (void)waitpid(pid, &st, 0);
        sandbox_close_fds(out);
        return rc;
    }
    (void)fcntl(out->out_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(out->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        close_fd(&outp[i]);
        close_fd(&errp[i]);
        close_fd(&ep[i]);
    }
    return rc;
}

int sandbox_signal(const struct sandbox_proc *p, int sig)
{
    if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0) {
        return -errno;
    }
    return 0;
}

int sandbox_reap(const struct sandbox_proc *p, int *wstatus, uint64_t *maxrss_kb)
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

uint64_t sandbox_peak_rss_kb(const struct sandbox_proc *p)
{
    char path[64];
    char buf[4096];
    (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    (void)close(fd);
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    const char *hwm = strstr(buf, "VmHWM:");
    if (hwm == NULL) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long kb = strtoull(hwm + 6, &end, 10);
    return (errno != 0 || end == hwm + 6) ? 0 : (uint64_t)kb;
}

void sandbox_close_fds(struct sandbox_proc *p)
{
    close_fd(&p->pidfd);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
}
