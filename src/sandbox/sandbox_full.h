/* SPDX-License-Identifier: MIT */
/* Full isolation of an execution environment (issue 4): a child cloned into new mount, PID,
 * IPC, UTS (and optionally network) namespaces, a pivot_root onto a prepared read-only skeleton
 * with the host's system directories, /var/task and /opt read-only, a sized /tmp, a fresh /proc
 * and a minimal /dev; an unprivileged uid, no capabilities, no_new_privs and a seccomp filter;
 * a cgroup (v1 or v2) for memory, CPU, pids and freezing. PID 1 of the namespace is a tiny
 * reaper forked from us that forwards signals to the runtime and exits with it.
 *
 * Life cycle: sandbox_full_probe() says whether full isolation is possible; sandbox_full_new()
 * prepares what all environments share (skeleton root, seccomp program, cgroup parent) once;
 * sandbox_full_spawn() starts one environment; sandbox_full_close() tears it down. Not
 * thread-safe: call from the server's loop thread. */
#ifndef CLAMBDA_SANDBOX_SANDBOX_FULL_H
#define CLAMBDA_SANDBOX_SANDBOX_FULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* A failure explained for a human: code is the negative errno also returned, msg names the
 * syscall and path, e.g. "mount(/var/task): Operation not permitted". */
struct sandbox_diag {
    int code;
    char msg[256];
};

/* What all environments share. Strings are copied by sandbox_full_new. */
struct sandbox_full_config {
    const char *root_dir;       /* skeleton root, created/refreshed by sandbox_full_new; keep it
                                   outside the state directory's function code */
    const char *cgroup_mount;   /* "/sys/fs/cgroup" */
    const char *cgroup_self;    /* "/proc/self/cgroup" (nest under our cgroup) or NULL */
    const char *cgroup_name;    /* parent of every environment's cgroup, one per server:
                                   sandbox_full_cgroup_name(state dir); what a killed server
                                   left in it is removed by sandbox_full_new */
    uid_t uid;                  /* identity of the runtime (AWS: sbx_user1051); 993 */
    gid_t gid;                  /* 990 */
    bool isolate_net;           /* CLONE_NEWNET: only loopback, where the environment's Runtime
                                   API listens (127.0.0.1:9001, handed to the server) */
    bool userns;                /* CLONE_NEWUSER: the setup runs as root of a user namespace
                                   mapped to host uids/gids SANDBOX_USERNS_BASE.., not as host
                                   root; the runtime is host uid BASE + uid */
    const char *host_root;      /* NULL: the host's /usr, /bin, /lib* and /etc entries; else a
                                   root directory tree (an unpacked provided.al2023 image) used
                                   instead (--root) */
    bool nat;                   /* with isolate_net: a veth pair per environment and nftables
                                   masquerading, so that it reaches the outside (vnet.h) */
    const uint16_t *host_ports; /* nat: host ports opened to environments on purpose */
    int n_host_ports;
};

/* First host uid/gid of the user namespace's mapping (65536 ids). */
#define SANDBOX_USERNS_BASE 100000u

/* A function's prepared state (opaque): its cgroup parent <parent>/<function name>. */
struct sandbox_full_fn;

/* One environment to start. */
struct sandbox_full_spec {
    const char *id;             /* unique name: the cgroup leaf and the hostname's seed */
    const char *code_dir;       /* host directory mounted read-only at /var/task */
    const char *bootstrap;      /* path inside the sandbox, e.g. "/var/task/bootstrap" */
    char *const *argv;          /* NULL: { bootstrap, NULL } */
    char *const *envp;          /* complete environment */
    uint32_t memory_mb;         /* 128..10240 */
    uint32_t tmp_mb;            /* size of /tmp (EphemeralStorage, 512..10240) */
    uint32_t pids_max;          /* 0: 1024 */
    int max_files;              /* RLIMIT_NOFILE, 0: 1024 */
    struct sandbox_full_fn *fn; /* NULL: the environment's cgroup goes under the shared parent */
    const char *opt_dir;        /* host directory mounted read-only at /opt (NULL: empty) */
    /* Started by the environment's first process before the runtime, each in its own process
     * group; results filled in by sandbox_full_spawn (sandbox.h). */
    struct sandbox_companion *companions;
    int n_companions;
    char *const *companion_envp;
};

/* An environment's cgroup (cgroup.h). */
struct cgroup;
/* Shared, prepared state (opaque). */
struct sandbox_full;
/* One running environment (opaque). */
struct sandbox_full_env;

/* Checks everything full isolation needs and fills d with exactly what is missing (not root,
 * no clone3/pidfd, a namespace type, a cgroup controller, seccomp), one reason per line-less
 * sentence joined by "; ". 0 when everything is there, else -EPERM/-ENOSYS/-ENOENT. Blocks a
 * few ms (it clones a probe child). */
int sandbox_full_probe(const struct sandbox_full_config *cfg, struct sandbox_diag *d);

/* The cgroup parent's name of the server whose state directory is state_dir (absolute):
 * "clambda-<8 hex digits of its FNV-1a hash>", so that two servers on one host never share
 * (nor sweep) each other's cgroups. OUT: out (size bytes, >= 17). */
void sandbox_full_cgroup_name(const char *state_dir, char *out, size_t size);
/* Prepares the shared state: skeleton root dir, seccomp program, cgroup parent; first removes
 * what a killed predecessor left in that parent (processes, thawed first, and cgroups; see
 * sandbox_full_swept). OUT: *out, free with sandbox_full_free. 0 or -errno with d filled. */
int sandbox_full_new(const struct sandbox_full_config *cfg, struct sandbox_full **out,
                     struct sandbox_diag *d);
/* What sandbox_full_new removed from the cgroup parent. OUT: *n_procs processes killed,
 * *n_cgroups cgroups removed. Returns the parent's path (first hierarchy), borrowed. */
const char *sandbox_full_swept(const struct sandbox_full *sf, int *n_procs, int *n_cgroups);
/* Runs /usr/bin/true in a throw-away environment and waits (<= 5 s) for it to exit 0: what
 * the probe cannot see (e.g. a user namespace that may not mount proc here) shows up as a
 * failed step in d. 0 or -errno. */
int sandbox_full_selftest(struct sandbox_full *sf, struct sandbox_diag *d);
/* Frees what sandbox_full_new made and removes the cgroup parent if empty (the skeleton dir
 * stays for the next start). NULL: no-op. */
void sandbox_full_free(struct sandbox_full *sf);

/* Prepares what every environment of function `name` shares: its cgroup parent directory
 * "<name>.<n>" (created under the shared parent; n counts the calls, so each configuration of
 * a function has its own). OUT: *out (sandbox_full_fn_free).
 * 0 or -errno with d filled. */
int sandbox_full_fn_new(struct sandbox_full *sf, const char *name, struct sandbox_full_fn **out,
                        struct sandbox_diag *d);
/* Removes the function's cgroup parent when empty and frees fn. NULL: no-op. */
void sandbox_full_fn_free(struct sandbox_full_fn *fn);

/* Prepares the next environment of spec->fn ahead of time, when none is parked yet: cgroup,
 * namespaces, mounts, identity and filter are set up by a child that then waits for its
 * runtime's environment, so that sandbox_full_spawn only sends it and waits for the execve.
 * Moves the cgroup join (whose kernel lock can cost a whole RCU grace period, ~10 ms on
 * cgroup v1 after an idle spell) and the mounts off the cold start. spec->envp is not used.
 * Does not wait for the child. 0 or -errno with d. */
int sandbox_full_fn_prepare(struct sandbox_full *sf, const struct sandbox_full_spec *spec,
                            struct sandbox_diag *d);

/* Starts spec->bootstrap in a new environment and waits until it has exec'd (or failed): the
 * function's parked environment when it matches spec (sandbox_full_fn_prepare), else a new
 * one. With spec->fn the environment is named "<pid>-<n>" by sf and spec->id is not used.
 * OUT: *out, close with sandbox_full_close. 0 or -errno; a setup failure in the child comes
 * back as its errno with d naming the step and path. */
int sandbox_full_spawn(struct sandbox_full *sf, const struct sandbox_full_spec *spec,
                       struct sandbox_full_env **out, struct sandbox_diag *d);
/* The environment's process handles: pid (PID 1 of the namespace, seen from the host), exit_fd
 * (readable when the runtime exited: PID 1 reports its status there, or EOF when PID 1 died),
 * out_fd/err_fd (O_NONBLOCK), api_fd (isolated network: the Runtime API listener, else -1).
 * Borrowed, valid until close; a caller that takes out_fd, err_fd or api_fd sets it to -1
 * here, and close no longer closes it. */
struct sandbox_proc *sandbox_full_proc(struct sandbox_full_env *env);
/* Sends sig to PID 1, which forwards it to every process of the environment (SIGKILL ends the
 * namespace at once). With companions, PID 1 forwards it to the runtime's process group only,
 * and SIGKILL goes to the runtime itself (PID 1 kills the rest of its group when it exits), so
 * that the companions live on to get their SHUTDOWN. SIGTERM and SIGKILL lift the CPU quota
 * first: the environment is ending, and its processes' exits are not held to it. 0 or -errno. */
int sandbox_full_signal(const struct sandbox_full_env *env, int sig);
/* Freezes / thaws every process of the environment (cgroup freezer). sandbox_full_freeze waits
 * (<= 1 s) until the kernel says frozen; sandbox_full_freeze_begin only asks for it (one
 * write), so the caller's loop is not held up. 0 or -errno. */
int sandbox_full_freeze(struct sandbox_full_env *env, struct sandbox_diag *d);
int sandbox_full_freeze_begin(struct sandbox_full_env *env, struct sandbox_diag *d);
int sandbox_full_thaw(struct sandbox_full_env *env, struct sandbox_diag *d);
/* Reaps the exited runtime without blocking (PID 1 is reaped by close, or here when it died
 * first). OUT: *wstatus is the runtime's own wait status (as waitpid; PID 1's when it died
 * before reporting), *peak_kb the cgroup's peak memory, *oom_kills the OOM-kill count.
 * 0, -EAGAIN while it runs, or -errno. */
int sandbox_full_reap(struct sandbox_full_env *env, int *wstatus, uint64_t *peak_kb,
                      uint64_t *oom_kills);
/* socket(domain, type | SOCK_CLOEXEC) made in the environment's network namespace (the loop
 * thread enters it for the call), or in ours when it has none. OUT: *fd. 0 or -errno. */
int sandbox_full_socket(struct sandbox_full_env *env, int domain, int type, int *fd);
/* True when the environment has its own network namespace (--network nat or isolated). */
bool sandbox_full_has_netns(const struct sandbox_full_env *env);
/* Whether a process of the environment's cgroup holds the socket with this inode (an open fd
 * "socket:[inode]" in /proc/<pid>/fd). 1 yes, 0 no, -errno when the cgroup cannot be read. */
int sandbox_full_owns_socket(const struct sandbox_full_env *env, uint64_t inode);
/* Max Memory Used so far in kB: the sum of the peak resident memory (VmHWM) of the cgroup's
 * processes but PID 1 (the reaper, a copy of the server's memory, stands for what AWS's own
 * init is and is not counted), or the cgroup's charged peak when that is larger (memory its
 * processes freed or that no process maps: tmpfs files in /tmp, an OOM kill). Reads
 * cgroup.procs, each process's status and the cgroup's peak. */
uint64_t sandbox_full_peak_kb(const struct sandbox_full_env *env);
/* Sets the CPUs of PID 1 and of every process of the environment's cgroup (what PID 1 starts
 * later inherits them). 0 or the first -errno. */
int sandbox_full_set_cpus(const struct sandbox_full_env *env, const cpu_set_t *set);
/* The environment's cgroup (for measurements). Borrowed, valid until close. */
const struct cgroup *sandbox_full_cgroup(const struct sandbox_full_env *env);
/* Kills what is left, reaps, removes the cgroup, closes fds and frees env. NULL: no-op. */
void sandbox_full_close(struct sandbox_full_env *env);

#endif /* CLAMBDA_SANDBOX_SANDBOX_FULL_H */
