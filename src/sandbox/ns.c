/* SPDX-License-Identifier: MIT */
/* Cloning into namespaces and the child's setup (see ns.h). Everything after clone3 runs in a
 * copy of a possibly multi-threaded server, so it uses raw system calls only: no malloc, no
 * stdio, no fork() (glibc's and ASan's fork handlers take locks another thread may have held at
 * the time of the clone). A failing step writes a struct sandbox_child_err to the error pipe and
 * exits 127; the pipe is O_CLOEXEC, so EOF tells the parent that execve succeeded.
 *
 * Why a reaper as PID 1 rather than the runtime itself: PID 1 ignores every signal it has no
 * handler for (a runtime that never installs a SIGTERM handler would survive the graceful
 * shutdown), and orphans of the runtime (extensions, shell pipelines) are re-parented to PID 1
 * and would stay zombies. The reaper costs one vfork-style clone and no exec. It runs with the same
 * identity and filter as the runtime, but is not dumpable, so the runtime cannot ptrace it
 * or read its memory (a copy of the server's). When the runtime exits, the reaper exits, and
 * the kernel kills everything left in the namespace.
 *
 * Companions (Lambda's external extensions): the parked child receives their paths and
 * environment with the runtime's, starts each (its own process group, stdout/stderr on pipes
 * of its own) before it forks the runtime, and sends the server, for each, the pipes' read
 * ends and a pidfd (SCM_RIGHTS over the same socket), or the step that failed. The runtime
 * then gets its own process group too, the reaper forwards signals to that group only, kills
 * what is left of it when the runtime exits, and stays until the companions have exited as
 * well (they get their SHUTDOWN from the server meanwhile). */
#include "ns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void child_fail(int fd, const struct sandbox_child_err *e)
{
    ssize_t w = write(fd, e, sizeof(*e));
    (void)w;
    _exit(127);
}

static void fail_step(int fd, int step, const char *arg)
{
    struct sandbox_child_err e;
    (void)sandbox_child_err_set(&e, step, errno, arg);
    child_fail(fd, &e);
}

/* A new network namespace has only a loopback device, down: bring it up. */
static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return -errno;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    rc = rc < 0 ? -errno : 0;
    (void)close(s);
    return rc;
}

/* Isolated network: the environment's Runtime API listens inside its own namespace, on
 * 127.0.0.1:9001 as on AWS; the listening socket goes to the server, which accepts on it from
 * the host's namespace (a socket keeps the namespace it was made in). */
static int send_api_listener(int sock)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return -errno;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(9001);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(s, (struct sockaddr *)&sin, sizeof(sin));
    rc = rc < 0 ? rc : listen(s, 128);
    if (rc == 0) {
        char byte = 0;
        struct iovec iov = {&byte, 1};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &s, sizeof(int));
        rc = sendmsg(sock, &mh, 0) == 1 ? 0 : -1;
    }
    rc = rc < 0 ? -errno : 0;
    (void)close(s);
    return rc;
}

/* Bounding set, uid/gid, then the remaining capability sets (setresuid from 0 clears the
 * permitted and effective sets; inheritable stays until capset). Raw system calls: glibc's
 * set*id wrappers broadcast to every thread it knows of, and its thread list is the server's. */
static void drop_identity(const struct ns_child_args *a)
{
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
            fail_step(a->errpipe, SANDBOX_STEP_CAPBSET, "PR_CAPBSET_DROP");
        }
    }
    if (syscall(SYS_setgroups, 1, &a->gid) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SETGROUPS, "setgroups");
    }
    if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SETRESGID, "setresgid");
    }
    if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SETRESUID, "setresuid");
    }
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_CAPSET, "capset");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS");
    }
    if (sysfilter_install(a->filter) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SECCOMP, "PR_SET_SECCOMP");
    }
}

/* User namespace: waits until the server wrote the uid/gid maps, then becomes uid/gid 0 of the
 * namespace, i.e. host uid SANDBOX_USERNS_BASE: the rest of the setup has capabilities over
 * the environment's own namespaces only, and no host file is its own. */
static void become_ns_root(const struct ns_child_args *a)
{
    char byte;
    ssize_t r;
    do {
        r = read(a->sync_fd, &byte, 1);
    } while (r < 0 && errno == EINTR);
    if (r != 1) {
        errno = r < 0 ? errno : EPIPE;
        fail_step(a->errpipe, SANDBOX_STEP_USERNS, "uid_map");
    }
    (void)close(a->sync_fd);
    if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setgroups, 0, NULL) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_USERNS, "setresgid(0)");
    }
    if (syscall(SYS_setresuid, 0, 0, 0) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_USERNS, "setresuid(0)");
    }
}

/* Setup as root inside the new namespaces, before the identity drop. */
static void setup(const struct ns_child_args *a)
{
    struct sandbox_child_err e;
    int rc = cgroup_join_fds(a->cgroup_fds, a->n_cgroup_fds);
    if (rc < 0) {
        (void)sandbox_child_err_set(&e, SANDBOX_STEP_CGROUP, -rc, "cgroup.procs");
        child_fail(a->errpipe, &e);
    }
    if (a->userns) {
        become_ns_root(a);
    }
    if (dup2(a->null_fd, 0) < 0 || dup2(a->out_fd, 1) < 0 || dup2(a->err_fd, 2) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_DUP2, "stdio");
    }
    if (a->isolate_net && (rc = loopback_up()) < 0) {
        (void)sandbox_child_err_set(&e, SANDBOX_STEP_NET_LO, -rc, "lo");
        child_fail(a->errpipe, &e);
    }
    if (a->api_sock >= 0 && (rc = send_api_listener(a->api_sock)) < 0) {
        (void)sandbox_child_err_set(&e, SANDBOX_STEP_API_SOCKET, -rc, "127.0.0.1:9001");
        child_fail(a->errpipe, &e);
    }
    if (mounts_apply(a->plan, &e) < 0) {
        child_fail(a->errpipe, &e);
    }
    if (sethostname(a->hostname, strlen(a->hostname)) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SETHOSTNAME, a->hostname);
    }
    struct rlimit nofile = {(rlim_t)a->max_files, (rlim_t)a->max_files};
    struct rlimit core = {0, 0};
    if (setrlimit(RLIMIT_NOFILE, &nofile) < 0 || setrlimit(RLIMIT_CORE, &core) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SETRLIMIT, "RLIMIT_NOFILE");
    }
    drop_identity(a);
}

/* Default dispositions and an empty mask: ignored signals would survive execve. */
static void reset_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        (void)sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every fd but keep[0..n) (ascending). A parked child and the reaper live on without
 * exec, so O_CLOEXEC does nothing for them: without this they would hold every fd the server had
 * at the clone (a client's connection, whose caller then never sees EOF; the listeners; other
 * environments' pipes). */
static void close_all_except(const int *keep, int n)
{
    unsigned lo = 0;
    long rc = 0;
    for (int i = 0; i <= n && rc == 0; i++) {
        unsigned hi = i < n ? (unsigned)keep[i] : ~0u; /* close [lo, hi) */
        if (hi > lo) {
            rc = syscall(SYS_close_range, lo, i < n ? hi - 1 : hi, 0u);
        }
        lo = i < n ? (unsigned)keep[i] + 1 : lo;
    }
    for (int fd = 0; rc < 0 && fd < 65536; fd++) { /* Linux < 5.9 */
        bool kept = false;
        for (int i = 0; i < n; i++) {
            kept = kept || keep[i] == fd;
        }
        if (!kept) {
            (void)close(fd);
        }
    }
}

/* Sorts a handful of fds (insertion sort: n <= 8). */
static void sort_fds(int *fds, int n)
{
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
            int t = fds[j];
            fds[j] = fds[j - 1];
            fds[j - 1] = t;
        }
    }
}

/* What a parked child execs with, sent by the server as NUL-terminated strings up to EOF: the
 * runtime's environment, an empty string, the companions' environment, an empty string, then
 * one path per companion. Static: the child may not allocate, and these pages are its own copy. */
static char park_env[256 * 1024];
static char *park_ptrs[4096];

struct park_input {
    char *const *envp;           /* the runtime's */
    char *const *companion_envp; /* the companions' */
    char *const *paths;          /* the companions' */
    int n_paths;
};

/* Splits park_env[0, len) into park_ptrs: envp, NULL, companion envp, NULL, paths, NULL. */
static void park_split(size_t len, struct park_input *in)
{
    const size_t cap = sizeof(park_ptrs) / sizeof(park_ptrs[0]) - 4;
    size_t n = 0, start[3] = {0, 0, 0};
    int list = 0;
    for (size_t i = 0; i < len && n < cap;) {
        if (park_env[i] == '\0' && list < 2) { /* an empty string ends a list */
            park_ptrs[n++] = NULL;
            start[++list] = n;
            i++;
            continue;
        }
        park_ptrs[n++] = park_env + i;
        while (i < len && park_env[i] != '\0') {
            i++;
        }
        i++;
    }
    for (; list < 2; list++) { /* lists the server did not send are empty */
        park_ptrs[n++] = NULL;
        start[list + 1] = n;
    }
    park_ptrs[n] = NULL;
    in->envp = park_ptrs + start[0];
    in->companion_envp = park_ptrs + start[1];
    in->paths = park_ptrs + start[2];
    in->n_paths = (int)(n - start[2]);
    if (in->n_paths > SANDBOX_MAX_COMPANIONS) {
        in->n_paths = SANDBOX_MAX_COMPANIONS;
    }
}

/* Parked: waits (after its whole setup) for the server to send what it execs (park_split).
 * Exits quietly when the server closes without sending. */
static void wait_for_env(const struct ns_child_args *a, struct park_input *in)
{
    size_t len = 0;
    for (;;) {
        ssize_t r = read(a->go_fd, park_env + len, sizeof(park_env) - 1 - len);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            fail_step(a->errpipe, SANDBOX_STEP_PARK, "read(environment)");
        }
        if (r == 0) {
            break;
        }
        len += (size_t)r;
        if (len == sizeof(park_env) - 1) {
            errno = E2BIG;
            fail_step(a->errpipe, SANDBOX_STEP_PARK, "environment");
        }
    }
    if (len == 0) {
        _exit(0); /* the server dropped this parked environment */
    }
    park_split(len, in);
}

/* One started companion, or why not (err.err != 0). */
struct companion {
    pid_t pid;
    int fds[3]; /* read ends of its stdout and stderr, its pidfd */
    struct sandbox_child_err err;
};
static struct companion companions[SANDBOX_MAX_COMPANIONS];
static int n_companions;

/* Sends msg (len bytes) with fds (n of them, may be 0) in one message. */
static void send_with_fds(int sock, const void *msg, size_t len, const int *fds, int n)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 3)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {(void *)(uintptr_t)msg, len};
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (n > 0) {
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    }
    ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    (void)w; /* a server that went away sees nothing either way */
}

/* Starts one companion: its own process group and stdout/stderr pipes, working directory
 * /var/task; waits for its execve (a CLOEXEC pipe, as for the runtime). */
static void start_companion(const char *path, char *const *envp, struct companion *c)
{
    int o[2] = {-1, -1}, e[2] = {-1, -1}, v[2] = {-1, -1}, pidfd = -1;
    c->pid = -1;
    c->fds[0] = c->fds[1] = c->fds[2] = -1;
    (void)sandbox_child_err_set(&c->err, SANDBOX_STEP_EXECVE, 0, path);
    if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0 || pipe2(v, O_CLOEXEC) < 0) {
        (void)sandbox_child_err_set(&c->err, SANDBOX_STEP_FORK, errno, "pipe2");
    } else {
        c->pid = (pid_t)syscall(SYS_clone, SIGCHLD | CLONE_PIDFD, 0, &pidfd, NULL, 0);
    }
    if (c->pid == 0) {
        struct sandbox_child_err ce;
        if (setpgid(0, 0) < 0 || dup2(o[1], 1) < 0 || dup2(e[1], 2) < 0) {
            (void)sandbox_child_err_set(&ce, SANDBOX_STEP_DUP2, errno, path);
        } else {
            char *const argv[] = {(char *)(uintptr_t)path, NULL};
            execve(path, argv, envp);
            (void)sandbox_child_err_set(&ce, SANDBOX_STEP_EXECVE, errno, path);
        }
        ssize_t w = write(v[1], &ce, sizeof(ce));
        (void)w;
        _exit(127);
    }
    int keep_errno = errno;
    int writers[] = {o[1], e[1], v[1]}; /* the companion's now */
    for (int j = 0; j < 3; j++) {
        if (writers[j] >= 0) {
            (void)close(writers[j]);
        }
    }
    if (c->pid < 0 && c->err.err == 0) {
        (void)sandbox_child_err_set(&c->err, SANDBOX_STEP_FORK, keep_errno, "clone");
    }
    ssize_t r = 0;
    if (c->pid > 0) {
        do {
            r = read(v[0], &c->err, sizeof(c->err)); /* EOF: execve done */
        } while (r < 0 && errno == EINTR);
    }
    int all[] = {o[0], e[0], v[0], pidfd};
    if (c->pid > 0 && r == 0) {
        c->err.err = 0;
        c->fds[0] = o[0];
        c->fds[1] = e[0];
        c->fds[2] = pidfd;
        all[0] = all[1] = all[3] = -1;
    } else if (c->pid > 0) {
        int st;
        (void)syscall(SYS_wait4, c->pid, &st, 0, NULL);
        c->pid = -1;
    }
    for (int i = 0; i < 4; i++) {
        if (all[i] >= 0) {
            (void)close(all[i]);
        }
    }
}

/* Tells the server how each companion started, then acknowledges the environment (one byte,
 * with the runtime's pidfd when there are companions): without the acknowledgement, the EOF of
 * a child that died while parked would read as a successful execve. Closes what it sent. */
static void report_start(const struct ns_child_args *a, int runtime_pidfd)
{
    for (int i = 0; i < n_companions; i++) {
        struct companion *c = &companions[i];
        send_with_fds(a->go_fd, &c->err, sizeof(c->err), c->fds, c->err.err == 0 ? 3 : 0);
        for (int j = 0; j < 3; j++) {
            if (c->fds[j] >= 0) {
                (void)close(c->fds[j]);
            }
        }
    }
    send_with_fds(a->go_fd, "k", 1, &runtime_pidfd, runtime_pidfd >= 0 ? 1 : 0);
    if (runtime_pidfd >= 0) {
        (void)close(runtime_pidfd);
    }
    (void)close(a->go_fd);
}

/* The reaper's signal forwarding: to every process of the namespace, or, with companions, to
 * the runtime's process group only (set before the handlers are installed). */
static pid_t forward_group = -1;

/* PID 1 forwards what the host sends it to every other process of the namespace (with
 * companions: to the runtime's process group). */
static void forward(int sig)
{
    int saved = errno;
    (void)kill(forward_group, sig);
    errno = saved;
}

static bool is_companion(pid_t pid)
{
    for (int i = 0; i < n_companions; i++) {
        if (companions[i].pid == pid) {
            return true;
        }
    }
    return false;
}

/* Reaps everything; reports the runtime's wait status on the status pipe when it exits and
 * exits itself once the runtime and every companion have (the kernel then kills the rest). */
static void reaper(const struct ns_child_args *a, pid_t runtime)
{
    static const int fwd[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    int alive = 0, code = -1; /* code: the exit code, once the runtime has exited */
    for (int i = 0; i < n_companions; i++) {
        alive += companions[i].pid > 0;
    }
    forward_group = alive > 0 ? -runtime : -1;
    /* Handlers first: closing the error pipe below tells the server the runtime is started,
     * and PID 1 drops a signal it has no handler for (a SIGTERM sent at once was lost). */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = forward;
    for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
        (void)sigaction(fwd[i], &sa, NULL);
    }
    close_all_except(&a->statuspipe, 1);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    for (;;) {
        int st = 0;
        pid_t r = (pid_t)syscall(SYS_wait4, -1, &st, 0, NULL);
        if (r == runtime) {
            ssize_t w = write(a->statuspipe, &st, sizeof(st));
            (void)w;
            code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            if (alive > 0) {
                (void)kill(-runtime, SIGKILL); /* what the runtime left in its group */
            }
        } else if (r > 0 && is_companion(r)) {
            alive--;
        }
        if (code >= 0 && alive <= 0) {
            _exit(code);
        }
        if (r < 0 && errno == ECHILD) {
            _exit(code >= 0 ? code : 127);
        }
    }
}

/* What the runtime's side of PID 1's clone needs. */
struct runtime_args {
    const struct ns_child_args *a;
    char *const *envp;
};

/* The runtime: exec's the bootstrap, in its own process group when companions run (the reaper
 * signals that group). With CLONE_VM it shares PID 1's memory but not its fd table nor its
 * umask (no CLONE_FILES, CLONE_FS). Does not return. */
static int runtime_main(void *arg)
{
    const struct runtime_args *r = arg;
    const struct ns_child_args *a = r->a;
    if (n_companions > 0 && setpgid(0, 0) < 0) { /* its own group: the reaper signals it */
        fail_step(a->errpipe, SANDBOX_STEP_SETPGID, "0, 0");
    }
    (void)close(a->statuspipe);
    (void)umask(SANDBOX_UMASK); /* not whatever the server's threads held at the clone */
    char *const argv0[] = {(char *)(uintptr_t)a->path, NULL}; /* execve does not write */
    execve(a->path, a->argv != NULL ? a->argv : argv0, r->envp);
    fail_step(a->errpipe, SANDBOX_STEP_EXECVE, a->path);
    return 127;
}

#if defined(__SANITIZE_ADDRESS__)
#define NS_RUNTIME_USE_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NS_RUNTIME_USE_FORK 1
#endif
#endif

/* PID 1 starts the runtime like vfork (as spawn_plain.c does for isolation none): the child
 * shares PID 1's memory, a copy of the server's, and PID 1 sleeps until it has exec'd, so no
 * page table is copied. A plain fork copied the page tables of the whole server image on every
 * cold start (0.85 ms under strace with a 15 MB server). PID 1's signal dispositions are still
 * the defaults here (reset_signals; the reaper's handlers come after), so no handler runs in the
 * child. With companions, *pidfd gets the runtime's pidfd (CLONE_PIDFD), else stays -1.
 * Sanitizer builds keep the fork: ASan does not follow stack switches. Returns the runtime's
 * pid (PID 1's view) or -1. */
static pid_t start_runtime(const struct ns_child_args *a, char *const *envp, int *pidfd)
{
    struct runtime_args r = {a, envp};
    unsigned long flags = SIGCHLD | (n_companions > 0 ? CLONE_PIDFD : 0);
#ifdef NS_RUNTIME_USE_FORK
    pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, pidfd, NULL, 0);
    if (pid == 0) {
        (void)runtime_main(&r);
        _exit(127);
    }
    return pid;
#else
    char stack[32 * 1024] __attribute__((aligned(16))); /* PID 1's, suspended meanwhile */
    return clone(runtime_main, stack + sizeof(stack), (int)(flags | CLONE_VM | CLONE_VFORK), &r,
                 pidfd);
#endif
}

static void child_main(const struct ns_child_args *a)
{
    reset_signals();
    setup(a);
    /* Dies with the server (the thread that cloned it), SIGKILL ending the namespace. Set after
     * the identity change, which clears it; a server that died before this line is seen as
     * EOF while parked. A frozen environment dies once thawed: the next server's sweep. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_SIGNALS, "PR_SET_PDEATHSIG");
    }
    char *const *envp = a->envp;
    if (a->go_fd >= 0) {
        int keep[] = {0, 1, 2, a->errpipe, a->statuspipe, a->go_fd};
        sort_fds(keep, 6);
        close_all_except(keep, 6);
        struct park_input in;
        wait_for_env(a, &in);
        envp = in.envp;
        (void)umask(SANDBOX_UMASK);
        for (n_companions = 0; n_companions < in.n_paths; n_companions++) {
            start_companion(in.paths[n_companions], in.companion_envp, &companions[n_companions]);
        }
    }
    int rt_pidfd = -1;
    pid_t pid = start_runtime(a, envp, &rt_pidfd);
    if (pid < 0) {
        fail_step(a->errpipe, SANDBOX_STEP_FORK, "clone");
    }
    if (n_companions > 0) {
        (void)setpgid(pid, pid); /* also here: no signal forwarded before the child ran */
    }
    if (a->go_fd >= 0) {
        report_start(a, rt_pidfd);
    }
    reaper(a, pid);
}

int ns_spawn(const struct ns_child_args *a, pid_t *pid, int *pidfd)
{
    int fd = -1;
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD;
    if (a->isolate_net) {
        ca.flags |= CLONE_NEWNET;
    }
    if (a->userns) {
        ca.flags |= CLONE_NEWUSER;
    }
    ca.pidfd = (uint64_t)(uintptr_t)&fd;
    ca.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &ca, sizeof(ca));
    if (r < 0) {
        return -errno;
    }
    if (r == 0) {
        child_main(a);
        _exit(127);
    }
    *pid = (pid_t)r;
    *pidfd = fd;
    return 0;
}
