/* SPDX-License-Identifier: MIT */
/* Full isolation entry points (sandbox_full.h): the shared state prepared once (skeleton root,
 * seccomp program, cgroup parent), the probe that says what is missing, and one environment's
 * life: cgroup, pipes, clone (ns.c), the hand-over of its environment and companions, the
 * child's verdict, reaping and teardown. */
#include "sandbox_full.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "memuse.h"
#include "mounts.h"
#include "ns.h"
#include "sandbox_int.h"
#include "sysfilter.h"
#include "vnet.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct sandbox_full {
    struct mounts_skel skel;
    struct sysfilter filter;
    struct cgroup_root cgroot;
    struct vnet net; /* --network nat: the NAT table, addresses (is_open) */
    uid_t uid;
    gid_t gid;
    bool isolate_net;
    bool userns;
    unsigned n_ids;    /* environments named so far: "<server pid>-<n>" */
    unsigned n_fns;    /* functions prepared so far: "<name>.<n>" */
    int swept_procs;   /* what a killed predecessor left in our cgroup parent */
    int swept_cgroups; /* (cgroup_root_sweep at sandbox_full_new) */
    int self_netns;    /* isolate_net: our own network namespace, to come back to (or -1) */
};

struct sandbox_full_env {
    struct sandbox_proc proc; /* exit_fd: read end of the pipe on which PID 1 writes the
                                 runtime's wait status (EOF: PID 1 died without) */
    struct cgroup cg;
    int pid1_fd;    /* pidfd of PID 1 (the reaper) */
    int rt_pidfd;   /* with companions: pidfd of the runtime itself; else -1 */
    int netns_fd;   /* its own network namespace (has_netns), once it exec'd; else -1 */
    int self_netns; /* the server's network namespace (borrowed from sandbox_full) */
    int verdict_fd; /* read end of the error pipe, until the verdict is in */
    int go_fd;      /* parked: our end of the socket its environment goes through */
    int api_sock;   /* isolated network: our end of the socket the listener comes through */
    uint32_t memory_mb, tmp_mb; /* what it was made for (a parked one must match) */
    bool runtime_exited;        /* its wait status was read (sandbox_full_reap) */
    bool reaped;                /* PID 1 was reaped */
    bool has_netns;             /* its own network namespace */
};

struct sandbox_full_fn {
    struct cgroup_root cgroot;
    struct sandbox_full_env *parked; /* set up, waiting for its environment; or NULL */
    char *parked_code_dir;           /* the code directory it has at /var/task */
    char *parked_opt_dir;            /* the directory it has at /opt, NULL for none */
};

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        (void)close(*fd);
        *fd = -1;
    }
}

/* ---- probe ---------------------------------------------------------------------------- */

static void missing(struct sandbox_diag *d, int code, const char *what)
{
    size_t len = strlen(d->msg);
    (void)snprintf(d->msg + len, sizeof(d->msg) - len, "%s%s", len > 0 ? "; " : "", what);
    if (d->code == 0) {
        d->code = code;
    }
}

/* Clones a child into every namespace type we use; it exits at once. */
static int probe_clone(bool net, bool user)
{
    int fd = -1;
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_PIDFD;
    ca.flags |= net ? CLONE_NEWNET : 0;
    ca.flags |= user ? CLONE_NEWUSER : 0;
    ca.pidfd = (uint64_t)(uintptr_t)&fd;
    ca.exit_signal = SIGCHLD;
    long r = syscall(SYS_clone3, &ca, sizeof(ca));
    if (r == 0) {
        _exit(0);
    }
    if (r < 0) {
        return -errno;
    }
    int st;
    (void)waitpid((pid_t)r, &st, 0);
    (void)close(fd);
    return 0;
}

static void probe_cgroup(const struct sandbox_full_config *cfg, struct sandbox_diag *d)
{
    struct sandbox_diag cd = {0, ""};
    enum cgroup_version v;
    if (cgroup_detect(cfg->cgroup_mount, &v, &cd) < 0) {
        missing(d, -ENOENT, cd.msg);
        return;
    }
    if (v == CGROUP_V2) {
        char path[CGROUP_PATH_MAX], buf[256] = "";
        (void)snprintf(path, sizeof(path), "%s/cgroup.controllers", cfg->cgroup_mount);
        FILE *f = fopen(path, "re");
        if (f == NULL || fgets(buf, sizeof(buf), f) == NULL || strstr(buf, "memory") == NULL ||
            strstr(buf, "cpu") == NULL || strstr(buf, "pids") == NULL) {
            missing(d, -ENOENT, "cgroup v2 without the memory, cpu and pids controllers");
        }
        if (f != NULL) {
            (void)fclose(f);
        }
    }
}

int sandbox_full_probe(const struct sandbox_full_config *cfg, struct sandbox_diag *d)
{
    d->code = 0;
    d->msg[0] = '\0';
    if (geteuid() != 0) {
        missing(d, -EPERM, "not running as root (full isolation needs root)");
        return d->code;
    }
    int rc = probe_clone(cfg->isolate_net, cfg->userns);
    if (rc == -ENOSYS) {
        missing(d, rc, "no clone3 system call (Linux >= 5.3 needed)");
    } else if (rc < 0) {
        char m[96];
        (void)snprintf(m, sizeof(m), "clone3(mount, pid, ipc, uts%s%s namespaces): %s",
                       cfg->isolate_net ? ", net" : "", cfg->userns ? ", user" : "", strerror(-rc));
        missing(d, rc, m);
    }
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
        missing(d, -ENOSYS, "no seccomp in this kernel");
    }
    probe_cgroup(cfg, d);
    return d->code;
}

/* ---- shared state --------------------------------------------------------------------- */

int sandbox_full_new(const struct sandbox_full_config *cfg, struct sandbox_full **out,
                     struct sandbox_diag *d)
{
    struct sandbox_full *sf = calloc(1, sizeof(*sf));
    if (sf == NULL) {
        return sandbox_diag_set(d, -ENOMEM, "calloc(sandbox_full): out of memory");
    }
    sf->uid = cfg->uid;
    sf->gid = cfg->gid;
    sf->isolate_net = cfg->isolate_net;
    sf->userns = cfg->userns;
    struct cgroup_config cc = {cfg->cgroup_mount, cfg->cgroup_self, cfg->cgroup_name};
    int rc = mounts_skel_prepare(&sf->skel, cfg->root_dir, cfg->host_root, cfg->uid, cfg->gid, d);
    rc = rc < 0 ? rc : sysfilter_init(&sf->filter, d);
    rc = rc < 0 ? rc : cgroup_root_init(&sf->cgroot, &cc, d);
    if (rc == 0) {
        (void)cgroup_root_sweep(&sf->cgroot, &sf->swept_procs, &sf->swept_cgroups);
    }
    sf->self_netns = -1;
    if (rc == 0 && cfg->isolate_net) {
        sf->self_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (sf->self_netns < 0) {
            rc = sandbox_diag_set(d, -errno, "open(/proc/thread-self/ns/net): %s", strerror(errno));
        }
    }
    if (rc == 0 && cfg->isolate_net && cfg->nat) {
        rc = vnet_open(&sf->net, cfg->cgroup_name, cfg->host_ports, cfg->n_host_ports, d);
    }
    if (rc < 0) {
        sandbox_full_free(sf);
        return rc;
    }
    *out = sf;
    return 0;
}

void sandbox_full_cgroup_name(const char *state_dir, char *out, size_t size)
{
    uint32_t h = 2166136261u; /* FNV-1a: tests compute the same name */
    for (const unsigned char *p = (const unsigned char *)state_dir; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
    }
    (void)snprintf(out, size, "clambda-%08x", (unsigned)h);
}

const char *sandbox_full_swept(const struct sandbox_full *sf, int *n_procs, int *n_cgroups)
{
    *n_procs = sf->swept_procs;
    *n_cgroups = sf->swept_cgroups;
    return sf->cgroot.dirs[0];
}

void sandbox_full_free(struct sandbox_full *sf)
{
    if (sf != NULL) {
        if (sf->self_netns >= 0) {
            (void)close(sf->self_netns);
        }
        vnet_close(&sf->net);
        cgroup_root_remove(&sf->cgroot);
        sysfilter_fini(&sf->filter);
        free(sf);
    }
}

int sandbox_full_selftest(struct sandbox_full *sf, struct sandbox_diag *d)
{
    static char env0[] = "PATH=/usr/bin:/bin";
    char *envp[] = {env0, NULL}, id[48], opt[MOUNTS_PATH_MAX + 8];
    (void)snprintf(id, sizeof(id), "selftest-%d", (int)getpid());
    (void)snprintf(opt, sizeof(opt), "%s/opt", sf->skel.root); /* an empty /var/task */
    struct sandbox_full_spec spec = {.id = id,
                                     .code_dir = opt,
                                     .bootstrap = "/usr/bin/true",
                                     .envp = envp,
                                     .memory_mb = 128,
                                     .tmp_mb = 1,
                                     .pids_max = 8};
    struct sandbox_full_env *env = NULL;
    int rc = sandbox_full_spawn(sf, &spec, &env, d);
    if (rc < 0 || env == NULL) {
        return rc < 0 ? rc : -EIO;
    }
    int ws = 0;
    uint64_t kb = 0, kills = 0;
    rc = -EAGAIN;
    for (int i = 0; i < 500 && rc == -EAGAIN; i++) { /* <= 5 s */
        struct pollfd pfd = {env->proc.exit_fd, POLLIN, 0};
        (void)poll(&pfd, 1, 10);
        rc = sandbox_full_reap(env, &ws, &kb, &kills);
    }
    sandbox_full_close(env);
    if (rc < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        return sandbox_diag_set(d, rc < 0 ? rc : -EIO, "/usr/bin/true in a test environment: %s",
                                rc < 0 ? strerror(-rc) : "did not exit 0");
    }
    return 0;
}

/* ---- one function ------------------------------------------------------------------- */

int sandbox_full_fn_new(struct sandbox_full *sf, const char *name, struct sandbox_full_fn **out,
                        struct sandbox_diag *d)
{
    struct sandbox_full_fn *fn = calloc(1, sizeof(*fn));
    if (fn == NULL) {
        return sandbox_diag_set(d, -ENOMEM, "calloc(sandbox_full_fn): out of memory");
    }
    /* "<name>.<n>": a configuration reloaded under the same name gets its own directory, so
     * removing the retired one's never pulls the floor from under the new one's. */
    char dir[96];
    (void)snprintf(dir, sizeof(dir), "%.64s.%u", name, ++sf->n_fns);
    int rc = cgroup_root_child(&sf->cgroot, dir, &fn->cgroot, d);
    if (rc < 0) {
        free(fn);
        return rc;
    }
    *out = fn;
    return 0;
}

void sandbox_full_fn_free(struct sandbox_full_fn *fn)
{
    if (fn != NULL) {
        sandbox_full_close(fn->parked);
        free(fn->parked_code_dir);
        free(fn->parked_opt_dir);
        cgroup_root_remove(&fn->cgroot);
        free(fn);
    }
}

/* ---- one environment ------------------------------------------------------------------ */

/* "169.254.a.b", stable for an id: Lambda hosts report a link-local address as hostname. */
static void make_hostname(const char *id, char *buf, size_t size)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
    }
    (void)snprintf(buf, size, "169.254.%u.%u", 1 + (h % 254), 1 + ((h >> 8) % 254));
}

/* Pipes in p[0..3]: stdout, stderr, error, status (each {read, write}); socket pairs in
 * sk[0] (the environment of a parked child) and sk[1] (isolated network: the listener). */
static int open_pipes(int p[4][2], int sk[2][2], bool net, struct sandbox_diag *d)
{
    for (int i = 0; i < 4; i++) {
        if (pipe2(p[i], O_CLOEXEC) < 0) {
            return sandbox_diag_set(d, -errno, "pipe2: %s", strerror(errno));
        }
    }
    for (int i = 0; i < (net ? 2 : 1); i++) {
        int type = i == 0 ? SOCK_STREAM : SOCK_DGRAM;
        if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sk[i]) < 0) {
            return sandbox_diag_set(d, -errno, "socketpair: %s", strerror(errno));
        }
    }
    return 0;
}

static int check_spec(const struct sandbox_full_spec *s, struct sandbox_diag *d)
{
    if ((s->id == NULL && s->fn == NULL) || s->code_dir == NULL || s->bootstrap == NULL ||
        s->memory_mb < 1 || s->tmp_mb < 1 || s->code_dir[0] != '/') {
        return sandbox_diag_set(d, -EINVAL,
                                "sandbox spec: id (or fn), absolute code_dir, bootstrap, "
                                "memory_mb and tmp_mb are required");
    }
    return 0;
}

/* Creates the cgroup with its limits and opens its cgroup.procs files. */
static int env_cgroup(struct sandbox_full *sf, const struct sandbox_full_spec *spec, const char *id,
                      struct sandbox_full_env *env, int *fds, int *n_fds, struct sandbox_diag *d)
{
    struct cgroup_limits lim = {spec->memory_mb, spec->pids_max > 0 ? spec->pids_max : 1024};
    const struct cgroup_root *parent = spec->fn != NULL ? &spec->fn->cgroot : &sf->cgroot;
    int rc = cgroup_create(parent, id, &env->cg, d);
    rc = rc < 0 ? rc : cgroup_set_limits(&env->cg, &lim, d);
    rc = rc < 0 ? rc : cgroup_open_procs(&env->cg, fds, n_fds, d);
    return rc;
}

/* Clones the child, which sets itself up and parks; closes the child's ends. Everything the
 * child reads (plan, hostname, strings) is its own copy from the moment of the clone. */
static int env_clone(struct sandbox_full *sf, const struct sandbox_full_spec *spec, const char *id,
                     struct sandbox_full_env *env, const struct ns_child_args *fds,
                     struct sandbox_diag *d)
{
    struct mounts_plan plan;
    char hostname[32];
    struct ns_child_args a = *fds; /* fds and pipes; the rest is filled here */
    mounts_plan_init(&plan, &sf->skel, spec->code_dir, spec->opt_dir, spec->tmp_mb);
    make_hostname(id, hostname, sizeof(hostname));
    a.plan = &plan;
    a.filter = &sf->filter;
    a.hostname = hostname;
    a.uid = sf->uid;
    a.gid = sf->gid;
    a.max_files = spec->max_files > 0 ? spec->max_files : 1024;
    a.isolate_net = sf->isolate_net;
    a.userns = sf->userns;
    a.path = spec->bootstrap;
    a.argv = spec->argv;
    a.envp = NULL;
    int rc = ns_spawn(&a, &env->proc.pid, &env->pid1_fd);
    return rc < 0 ? sandbox_diag_set(d, rc, "clone3(namespaces): %s", strerror(-rc)) : 0;
}

/* User namespace: maps ids 0..65535 of the child's namespace to SANDBOX_USERNS_BASE.. on the
 * host (we are root, so one write each and no setgroups "deny" is needed), then lets it go on. */
static int write_id_maps(pid_t pid, int sync_fd, struct sandbox_diag *d)
{
    static const char *const files[] = {"uid_map", "gid_map"};
    char path[64], map[64];
    int n = snprintf(map, sizeof(map), "0 %u 65536\n", SANDBOX_USERNS_BASE);
    for (size_t i = 0; i < 2; i++) {
        (void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t w = fd < 0 ? -1 : write(fd, map, (size_t)n);
        int e = w == n ? 0 : (w < 0 ? errno : EIO);
        if (fd >= 0) {
            (void)close(fd);
        }
        if (e != 0) {
            return sandbox_diag_set(d, -e, "write(%s): %s", path, strerror(e));
        }
    }
    return write(sync_fd, "g", 1) == 1
               ? 0
               : sandbox_diag_set(d, -errno, "write(sync): %s", strerror(errno));
}

/* Makes an environment up to the point where it waits for its runtime's environment: cgroup,
 * pipes, clone. Does not wait for the child's setup. OUT: *out. */
static int env_launch(struct sandbox_full *sf, const struct sandbox_full_spec *spec,
                      struct sandbox_full_env **out, struct sandbox_diag *d)
{
    int p[4][2] = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}}, sk[2][2] = {{-1, -1}, {-1, -1}};
    int cg_fds[CGROUP_V1_NCTRL], n_cg = 0;
    char id[48];
    struct sandbox_full_env *env = calloc(1, sizeof(*env));
    if (env == NULL) {
        return sandbox_diag_set(d, -ENOMEM, "calloc(env): out of memory");
    }
    env->proc = SANDBOX_PROC_NONE;
    env->pid1_fd = env->rt_pidfd = env->netns_fd = -1;
    env->verdict_fd = env->go_fd = env->api_sock = -1;
    env->self_netns = sf->self_netns;
    env->memory_mb = spec->memory_mb;
    env->tmp_mb = spec->tmp_mb;
    env->has_netns = sf->isolate_net;
    if (spec->fn != NULL || spec->id == NULL) {
        (void)snprintf(id, sizeof(id), "%d-%u", (int)getpid(), ++sf->n_ids);
    } else {
        (void)snprintf(id, sizeof(id), "%s", spec->id);
    }
    struct ns_child_args a = {.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)};
    int rc = a.null_fd < 0 ? sandbox_diag_set(d, -errno, "open(/dev/null): %s", strerror(errno))
                           : env_cgroup(sf, spec, id, env, cg_fds, &n_cg, d);
    rc = rc < 0 ? rc : open_pipes(p, sk, sf->isolate_net, d);
    int sync[2] = {-1, -1};
    if (rc == 0 && sf->userns && pipe2(sync, O_CLOEXEC) < 0) {
        rc = sandbox_diag_set(d, -errno, "pipe2: %s", strerror(errno));
    }
    if (rc == 0) {
        a.sync_fd = sync[0];
        a.cgroup_fds = cg_fds;
        a.n_cgroup_fds = n_cg;
        a.out_fd = p[0][1];
        a.err_fd = p[1][1];
        a.errpipe = p[2][1];
        a.statuspipe = p[3][1];
        a.go_fd = sk[0][1];
        a.api_sock = sk[1][1];
        rc = env_clone(sf, spec, id, env, &a, d);
    }
    if (rc == 0 && sf->userns) {
        rc = write_id_maps(env->proc.pid, sync[1], d);
    }
    if (rc == 0 && sf->net.is_open) {
        rc = vnet_attach(&sf->net, env->proc.pid, d); /* while the child sets itself up */
    }
    if (rc == 0 && env->has_netns) { /* sandbox_full_socket; the child is parked: alive */
        char path[64];
        (void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)env->proc.pid);
        env->netns_fd = open(path, O_RDONLY | O_CLOEXEC); /* -1: its setup failed, the
                                                              verdict will say how */
    }
    close_fd(&sync[0]);
    close_fd(&sync[1]);
    for (int i = 0; i < n_cg; i++) {
        (void)close(cg_fds[i]);
    }
    close_fd(&a.null_fd);
    for (int i = 0; i < 4; i++) {
        close_fd(&p[i][1]);
    }
    close_fd(&sk[0][1]);
    close_fd(&sk[1][1]);
    env->proc.out_fd = p[0][0];
    env->proc.err_fd = p[1][0];
    env->verdict_fd = p[2][0];
    env->proc.exit_fd = p[3][0];
    env->go_fd = sk[0][0];
    env->api_sock = sk[1][0];
    if (rc < 0) {
        sandbox_full_close(env);
        return rc;
    }
    *out = env;
    return 0;
}

/* Receives the Runtime API listener the child made in its network namespace (SCM_RIGHTS);
 * it was sent before execve, so it is there once the verdict is in. */
static int recv_fd(int sock, int *fd, struct sandbox_diag *d)
{
    char byte = 0;
    struct iovec iov = {&byte, 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof(u.buf);
    if (recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0) {
        return sandbox_diag_set(d, -errno, "recvmsg(Runtime API listener): %s", strerror(errno));
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
        return sandbox_diag_set(d, -EPROTO, "recvmsg(Runtime API listener): no fd");
    }
    memcpy(fd, CMSG_DATA(c), sizeof(int));
    (void)fcntl(*fd, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Sends strings, each with its NUL; with end, an empty string after them. 0 or -errno. */
static int send_strings(int fd, char *const *strs, bool end)
{
    for (size_t i = 0; strs != NULL && strs[i] != NULL; i++) {
        const char *s = strs[i];
        size_t len = strlen(s) + 1, off = 0;
        while (off < len) {
            ssize_t w = send(fd, s + off, len - off, MSG_NOSIGNAL);
            if (w < 0 && errno != EINTR) {
                return -errno;
            }
            off += w > 0 ? (size_t)w : 0;
        }
    }
    if (end) {
        ssize_t w;
        while ((w = send(fd, "", 1, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
        }
        return w == 1 ? 0 : -errno;
    }
    return 0;
}

/* What the parked child execs (ns.c park_split): the runtime's environment, "", the
 * companions' environment, "", their paths; then EOF. 0 or -errno. */
static int send_env(int fd, const struct sandbox_full_spec *spec)
{
    if (spec->envp == NULL) {
        return -EINVAL;
    }
    int rc = send_strings(fd, spec->envp, true);
    rc = rc < 0 ? rc : send_strings(fd, spec->companion_envp, true);
    for (int i = 0; rc == 0 && i < spec->n_companions; i++) {
        char *const one[] = {(char *)(uintptr_t)spec->companions[i].path, NULL};
        rc = send_strings(fd, one, false);
    }
    return rc;
}

/* Appends the fds that came with mh to fds[*n..max) (closing any beyond max). */
static void take_fds(struct msghdr *mh, int *fds, int max, int *n)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof(int));
            if (*n < max) {
                fds[(*n)++] = fd;
            } else {
                (void)close(fd);
            }
        }
    }
}

/* Reads exactly len bytes of one message and the fds that came with it (up to max, O_CLOEXEC).
 * OUT: fds[0..*n). 0, or -EPIPE at EOF, or -errno. */
static int recv_msg(int sock, void *buf, size_t len, int *fds, int max, int *n)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    size_t got = 0;
    *n = 0;
    while (got < len) {
        struct iovec iov = {(char *)buf + got, len - got};
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof(u.buf);
        ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return r == 0 ? -EPIPE : -errno;
        }
        take_fds(&mh, fds, max, n);
        got += (size_t)r;
    }
    return 0;
}

/* The host pid behind a pidfd ("Pid:" in its fdinfo), or -1. */
static pid_t pidfd_pid(int pidfd)
{
    char path[64], buf[512];
    (void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd >= 0) {
        (void)close(fd);
    }
    buf[n > 0 ? n : 0] = '\0';
    const char *p = n > 0 ? strstr(buf, "\nPid:") : NULL;
    return p != NULL ? (pid_t)strtol(p + 5, NULL, 10) : -1;
}

/* One companion's start as the child reported it: its handles, or why it failed. */
static int recv_companion(int sock, struct sandbox_companion *c)
{
    struct sandbox_child_err ce;
    int fds[3], n = 0;
    int rc = recv_msg(sock, &ce, sizeof(ce), fds, 3, &n);
    if (rc == 0 && ce.err == 0 && n == 3) {
        c->proc = SANDBOX_PROC_NONE;
        c->proc.pid = pidfd_pid(fds[2]);
        c->proc.exit_fd = fds[2];
        c->proc.out_fd = fds[0];
        c->proc.err_fd = fds[1];
        c->proc.is_foreign = true;
        (void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
        (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        (void)close(fds[i]);
    }
    if (rc == 0) {
        ce.arg[sizeof(ce.arg) - 1] = '\0';
        (void)sandbox_child_err_format(&ce, c->err, sizeof(c->err));
    }
    return rc;
}

/* Sends the spec's environment and companions, then reads how each companion started and the
 * child's one-byte acknowledgement (with the runtime's pidfd when there are companions):
 * without it, the EOF of a child that died while parked (killed, OOM) would read as a
 * successful execve. */
static int hand_over(struct sandbox_full_env *env, const struct sandbox_full_spec *spec)
{
    int fd = env->go_fd;
    int rc = send_env(fd, spec);
    if (rc == 0 && shutdown(fd, SHUT_WR) < 0) {
        rc = -errno;
    }
    for (int i = 0; rc == 0 && i < spec->n_companions; i++) {
        rc = recv_companion(fd, &spec->companions[i]);
    }
    char ack = 0;
    int pfd = -1, n = 0;
    if (rc == 0) {
        rc = recv_msg(fd, &ack, 1, &pfd, 1, &n);
    }
    if (n == 1) {
        env->rt_pidfd = pfd;
    }
    return rc;
}

/* Gives a launched (parked) child its environment and waits for its verdict: execve done, or
 * the step that failed (also a failed setup while it was parked). */
static int env_go(struct sandbox_full_env *env, const struct sandbox_full_spec *spec,
                  struct sandbox_diag *d)
{
    int sent = hand_over(env, spec);
    close_fd(&env->go_fd);
    char msg[sizeof(d->msg)];
    int rc = sandbox_read_verdict(env->verdict_fd, msg, sizeof(msg));
    close_fd(&env->verdict_fd);
    if (rc < 0) {
        return sandbox_diag_set(d, rc, "%s", msg);
    }
    if (sent < 0) {
        return sandbox_diag_set(d, sent,
                                "the environment died before it got its "
                                "environment variables: %s",
                                strerror(-sent));
    }
    if (env->api_sock >= 0) {
        rc = recv_fd(env->api_sock, &env->proc.api_fd, d);
        close_fd(&env->api_sock);
    }
    (void)fcntl(env->proc.out_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(env->proc.err_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(env->proc.exit_fd, F_SETFL, O_NONBLOCK);
    return rc;
}

/* The function's parked environment, when it was made for this spec; else NULL (and a
 * mismatching one is dropped). */
static struct sandbox_full_env *take_parked(struct sandbox_full_fn *fn,
                                            const struct sandbox_full_spec *spec)
{
    struct sandbox_full_env *env = fn->parked;
    fn->parked = NULL;
    if (env != NULL && env->memory_mb == spec->memory_mb && env->tmp_mb == spec->tmp_mb &&
        fn->parked_code_dir != NULL && strcmp(fn->parked_code_dir, spec->code_dir) == 0 &&
        (fn->parked_opt_dir == NULL) == (spec->opt_dir == NULL) &&
        (spec->opt_dir == NULL || strcmp(fn->parked_opt_dir, spec->opt_dir) == 0) &&
        spec->argv == NULL) {
        return env;
    }
    sandbox_full_close(env);
    return NULL;
}

int sandbox_full_fn_prepare(struct sandbox_full *sf, const struct sandbox_full_spec *spec,
                            struct sandbox_diag *d)
{
    struct sandbox_full_fn *fn = spec->fn;
    if (fn == NULL) {
        return sandbox_diag_set(d, -EINVAL, "sandbox_full_fn_prepare: spec without fn");
    }
    int rc = check_spec(spec, d);
    if (rc < 0 || fn->parked != NULL) {
        return rc;
    }
    char *dir = strdup(spec->code_dir);
    char *opt = spec->opt_dir ? strdup(spec->opt_dir) : NULL;
    if (dir == NULL || (spec->opt_dir && opt == NULL)) {
        free(dir);
        free(opt);
        return sandbox_diag_set(d, -ENOMEM, "strdup: out of memory");
    }
    rc = env_launch(sf, spec, &fn->parked, d);
    free(fn->parked_code_dir);
    free(fn->parked_opt_dir);
    fn->parked_code_dir = dir;
    fn->parked_opt_dir = opt;
    return rc;
}

int sandbox_full_spawn(struct sandbox_full *sf, const struct sandbox_full_spec *spec,
                       struct sandbox_full_env **out, struct sandbox_diag *d)
{
    struct sandbox_full_env *env = NULL;
    int rc = check_spec(spec, d);
    if (rc < 0) {
        return rc;
    }
    if (spec->envp == NULL) {
        return sandbox_diag_set(d, -EINVAL, "sandbox spec: envp is required");
    }
    if (spec->fn != NULL && (env = take_parked(spec->fn, spec)) != NULL) {
        if (env_go(env, spec, d) == 0) {
            *out = env;
            return 0;
        }
        sandbox_full_close(env); /* died while parked (killed, or its setup failed): anew */
        env = NULL;
    }
    if ((rc = env_launch(sf, spec, &env, d)) < 0) {
        return rc;
    }
    if (env == NULL) {
        return sandbox_diag_set(d, -EINVAL, "sandbox: no environment");
    }
    rc = env_go(env, spec, d);
    if (rc < 0) {
        sandbox_full_close(env);
        return rc;
    }
    *out = env;
    return 0;
}

struct sandbox_proc *sandbox_full_proc(struct sandbox_full_env *env)
{
    return &env->proc;
}

bool sandbox_full_has_netns(const struct sandbox_full_env *env)
{
    return env->has_netns;
}

/* Whether /proc/<pid>/fd has an fd pointing at want ("socket:[inode]"). */
static bool holds(long pid, const char *want)
{
    char dir[64], path[320], target[64];
    (void)snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
    DIR *d = opendir(dir);
    bool found = false;
    for (struct dirent *de = d ? readdir(d) : NULL; !found && de != NULL; de = readdir(d)) {
        (void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n > 0) {
            target[n] = '\0';
            found = strcmp(target, want) == 0;
        }
    }
    if (d != NULL) {
        (void)closedir(d);
    }
    return found;
}

int sandbox_full_owns_socket(const struct sandbox_full_env *env, uint64_t inode)
{
    char want[48];
    pid_t pids[CGROUP_MAX_PROCS];
    size_t n = 0;
    (void)snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
    int rc = cgroup_list_procs(&env->cg, pids, CGROUP_MAX_PROCS, &n, NULL);
    if (rc < 0) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (holds(pids[i], want)) {
            return 1;
        }
    }
    return 0;
}

uint64_t sandbox_full_peak_kb(const struct sandbox_full_env *env)
{
    char procs[CGROUP_PATH_MAX + 16];
    (void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", env->cg.dirs[0]);
    uint64_t sum = memuse_list_kb("/proc", procs, env->proc.pid); /* PID 1 is ours */
    uint64_t charged = 0;
    (void)cgroup_peak_kb(&env->cg, &charged, NULL);
    return sum > charged ? sum : charged;
}

int sandbox_full_set_cpus(const struct sandbox_full_env *env, const cpu_set_t *set)
{
    pid_t pids[CGROUP_MAX_PROCS];
    size_t n = 0;
    int rc = sandbox_set_cpus_pid(env->proc.pid, set);
    int lrc = cgroup_list_procs(&env->cg, pids, CGROUP_MAX_PROCS, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        int r = pids[i] != env->proc.pid ? sandbox_set_cpus_pid(pids[i], set) : 0;
        rc = rc < 0 ? rc : r == -ESRCH ? 0 : r; /* gone meanwhile: nothing to pin */
    }
    return rc < 0 ? rc : lrc;
}

const struct cgroup *sandbox_full_cgroup(const struct sandbox_full_env *env)
{
    return &env->cg;
}

int sandbox_full_signal(const struct sandbox_full_env *env, int sig)
{
    if (env->reaped) {
        return -ESRCH;
    }
    if (sig == SIGTERM || sig == SIGKILL) { /* its end: the exits of many processes (a fork
                                               bomb's) are not held to the function's quota */
        (void)cgroup_cpu_unlimit(&env->cg, NULL);
    }
    /* With companions a SIGKILL is for the runtime (PID 1 kills the rest of its group when it
     * exits), not the whole namespace: the companions still get their SHUTDOWN. */
    int fd = sig == SIGKILL && env->rt_pidfd >= 0 ? env->rt_pidfd : env->pid1_fd;
    return syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 ? -errno : 0;
}

int sandbox_full_socket(struct sandbox_full_env *env, int domain, int type, int *fd)
{
    if (env->has_netns && (env->netns_fd < 0 || env->self_netns < 0)) {
        return -ENOENT;
    }
    if (!env->has_netns) {
        *fd = socket(domain, type | SOCK_CLOEXEC, 0);
        return *fd < 0 ? -errno : 0;
    }
    /* setns moves this thread only, and only for the socket call: a socket keeps the
     * namespace it was made in. */
    if (setns(env->netns_fd, CLONE_NEWNET) < 0) {
        return -errno;
    }
    *fd = socket(domain, type | SOCK_CLOEXEC, 0);
    int rc = *fd < 0 ? -errno : 0;
    if (setns(env->self_netns, CLONE_NEWNET) < 0) {
        abort(); /* cannot happen (we came from there); never serve from the wrong namespace */
    }
    return rc;
}

int sandbox_full_freeze(struct sandbox_full_env *env, struct sandbox_diag *d)
{
    return cgroup_freeze(&env->cg, d);
}

int sandbox_full_freeze_begin(struct sandbox_full_env *env, struct sandbox_diag *d)
{
    return cgroup_freeze_begin(&env->cg, d);
}

int sandbox_full_thaw(struct sandbox_full_env *env, struct sandbox_diag *d)
{
    return cgroup_thaw(&env->cg, d);
}

int sandbox_full_reap(struct sandbox_full_env *env, int *wstatus, uint64_t *peak_kb,
                      uint64_t *oom_kills)
{
    if (env->runtime_exited) {
        return -ECHILD;
    }
    int rst = 0; /* the runtime's own status, as the reaper saw it exit */
    ssize_t r = read(env->proc.exit_fd, &rst, sizeof(rst));
    if (r < 0) {
        return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
    }
    if (r > 0 && r != (ssize_t)sizeof(rst)) {
        return -EIO; /* one write of an int: cannot be split */
    }
    if (r == 0) { /* EOF: PID 1 died without reporting (killed): its status, then */
        int st = 0;
        if (waitpid(env->proc.pid, &st, 0) < 0) {
            return -errno;
        }
        env->reaped = true;
        rst = st;
    }
    env->runtime_exited = true;
    *wstatus = rst;
    *peak_kb = 0;
    *oom_kills = 0;
    (void)cgroup_peak_kb(&env->cg, peak_kb, NULL);
    (void)cgroup_oom_kills(&env->cg, oom_kills, NULL);
    return 0;
}

void sandbox_full_close(struct sandbox_full_env *env)
{
    if (env == NULL) {
        return;
    }
    if (!env->reaped && env->proc.pid > 0) {
        int st;
        (void)cgroup_thaw(&env->cg, NULL); /* frozen (v1), PID 1 would not die: waitpid hangs */
        (void)cgroup_cpu_unlimit(&env->cg, NULL);
        (void)kill(env->proc.pid, SIGKILL);
        (void)waitpid(env->proc.pid, &st, 0);
    }
    (void)cgroup_destroy(&env->cg, NULL);
    close_fd(&env->pid1_fd);
    close_fd(&env->rt_pidfd);
    close_fd(&env->netns_fd);
    close_fd(&env->proc.exit_fd);
    close_fd(&env->proc.out_fd);
    close_fd(&env->proc.err_fd);
    close_fd(&env->proc.api_fd);
    close_fd(&env->verdict_fd);
    close_fd(&env->go_fd);
    close_fd(&env->api_sock);
    free(env);
}
