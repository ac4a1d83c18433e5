/* SPDX-License-Identifier: MIT */
/* Per-environment cgroups, v1 or v2 (detected at start): memory limit without swap, a CPU quota
 * proportional to memory (1,769 MB = one CPU, at most 6), a pids limit, freeze/thaw, peak memory
 * and OOM-kill count. All paths hang off a configurable mount point, so tests can point it at
 * a fake tree in a temp dir. Blocking: every call does a few small file writes; freeze waits
 * (at most ~1 s) for the kernel to report FROZEN. Not thread-safe per cgroup. */
#ifndef CLAMBDA_SANDBOX_CGROUP_H
#define CLAMBDA_SANDBOX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox_full.h"

/* Longest path of a cgroup directory we handle. */
#define CGROUP_PATH_MAX 512
/* v1 controllers used: memory, cpu, pids, freezer (required), cpuacct (optional). */
#define CGROUP_V1_NCTRL 5

/* Which hierarchy the controllers live in. */
enum cgroup_version {
    CGROUP_V1 = 1, /* one mount per controller: <mount>/memory, <mount>/cpu, ... */
    CGROUP_V2 = 2, /* unified: <mount>/cgroup.controllers exists */
};

/* Where to put environments' cgroups. */
struct cgroup_config {
    const char *mount;       /* "/sys/fs/cgroup", or a fake tree in tests */
    const char *self_cgroup; /* "/proc/self/cgroup": nest under our own cgroup; NULL: at the
                                hierarchy's top */
    const char *name;        /* the parent directory created for all environments: "clambda" */
};

/* The detected hierarchy and the parent directory of every environment, per controller (v1)
 * or once (v2, index 0). Caller's storage: cgroup_root_init/cgroup_root_fini. */
struct cgroup_root {
    enum cgroup_version version;
    int n_dirs;
    bool has_cpuacct; /* v1: cpu usage comes from cpuacct.usage */
    char dirs[CGROUP_V1_NCTRL][CGROUP_PATH_MAX];
};

/* One environment's cgroup: the same leaf name under every parent directory. */
struct cgroup {
    enum cgroup_version version;
    int n_dirs;
    bool has_cpuacct;
    char dirs[CGROUP_V1_NCTRL][CGROUP_PATH_MAX];
};

/* Limits of one environment. */
struct cgroup_limits {
    uint32_t memory_mb; /* 128..10240: memory limit, swap off; also sets the CPU quota */
    uint32_t pids_max;  /* Lambda: 1024 */
};

/* Detects v1 or v2 under cfg->mount, finds our own cgroup (cfg->self_cgroup) and creates the
 * parent directory cfg->name in each hierarchy (existing ones are reused; on v2 the memory, cpu
 * and pids controllers are enabled for its children). OUT: *root. 0 or -errno with d naming
 * the file, e.g. "mkdir(/sys/fs/cgroup/memory/clambda): Permission denied". */
int cgroup_root_init(struct cgroup_root *root, const struct cgroup_config *cfg,
                     struct sandbox_diag *d);
/* A sub-parent: <each parent dir>/<name>, created if missing (v2: the memory, cpu and pids
 * controllers are enabled for its children). OUT: *child. 0 or -errno naming the directory. */
int cgroup_root_child(const struct cgroup_root *parent, const char *name, struct cgroup_root *child,
                      struct sandbox_diag *d);
/* Removes the parent directories made by cgroup_root_init when no environment is left in them
 * (EBUSY/ENOTEMPTY are not errors: another server or environment still uses them). */
void cgroup_root_remove(const struct cgroup_root *root);
/* Removes what a killed predecessor left below the parent directories of root: thaws every
 * cgroup (v1), kills every process in them (SIGKILL; cgroup.kill on v2), waits (<= 1 s) for
 * them to go and removes every cgroup directory below the parents (children first). The
 * parents themselves stay. OUT: *n_procs (processes found), *n_cgroups (directories removed,
 * counted in one hierarchy). Blocks up to ~2 s when processes die slowly. 0. */
int cgroup_root_sweep(const struct cgroup_root *root, int *n_procs, int *n_cgroups);
/* Detects the hierarchy at mount without creating anything. OUT: *version. 0, or -ENOENT when
 * neither a v2 mount nor v1 memory, cpu, pids and freezer controllers are found (d says which). */
int cgroup_detect(const char *mount, enum cgroup_version *version, struct sandbox_diag *d);

/* CPU quota in microseconds per period_us for memory_mb: period * mb / 1769, between 1 ms and
 * 6 CPUs. Pure function. */
uint64_t cgroup_cpu_quota_us(uint32_t memory_mb, uint64_t period_us);

/* Creates the leaf `name` under every parent directory of root. OUT: *cg (caller's storage).
 * 0 or -errno (-EEXIST when it exists already). */
int cgroup_create(const struct cgroup_root *root, const char *name, struct cgroup *cg,
                  struct sandbox_diag *d);
/* Writes memory, swap, CPU and pids limits. 0 or -errno naming the file. */
int cgroup_set_limits(const struct cgroup *cg, const struct cgroup_limits *lim,
                      struct sandbox_diag *d);
/* Opens the cgroup.procs file of every hierarchy for writing (O_CLOEXEC) into fds (at least
 * CGROUP_V1_NCTRL entries). OUT: *n_fds. A child joins by writing "0" to each (async-signal
 * safe: cgroup_join_fds). The caller closes them. 0 or -errno. */
int cgroup_open_procs(const struct cgroup *cg, int *fds, int *n_fds, struct sandbox_diag *d);
/* In a child: moves the calling process into the cgroup through fds from cgroup_open_procs.
 * Async-signal-safe. 0 or -errno. */
int cgroup_join_fds(const int *fds, int n_fds);
/* Moves pid into the cgroup (every hierarchy). 0 or -errno. */
int cgroup_add_pid(const struct cgroup *cg, pid_t pid, struct sandbox_diag *d);
/* Freezes every process of the cgroup and waits (≤ 1 s) until the kernel says frozen. 0,
 * -ETIMEDOUT, or -errno. */
int cgroup_freeze(const struct cgroup *cg, struct sandbox_diag *d);
/* Asks the kernel to freeze the cgroup and returns at once (one write). 0 or -errno. */
int cgroup_freeze_begin(const struct cgroup *cg, struct sandbox_diag *d);
/* Thaws the cgroup. 0 or -errno. */
int cgroup_thaw(const struct cgroup *cg, struct sandbox_diag *d);
/* Lifts the CPU quota (teardown: a thousand processes of a fork bomb, exiting at 7 % of a CPU,
 * take tens of seconds). 0 or -errno. */
int cgroup_cpu_unlimit(const struct cgroup *cg, struct sandbox_diag *d);
/* OUT: *kb, peak memory use of the cgroup since creation (memory.peak, memory.max_usage_in_bytes).
 * 0 or -errno (-ENOENT on kernels without memory.peak). */
int cgroup_peak_kb(const struct cgroup *cg, uint64_t *kb, struct sandbox_diag *d);
/* OUT: *n, how many processes the kernel's OOM killer killed in the cgroup (memory.events
 * oom_kill on v2, memory.oom_control oom_kill on v1). 0 or -errno. */
int cgroup_oom_kills(const struct cgroup *cg, uint64_t *n, struct sandbox_diag *d);
/* OUT: *usec, CPU time used by the cgroup (cpu.stat usage_usec, cpuacct.usage). 0, -ENOTSUP
 * on v1 without cpuacct, or -errno. */
int cgroup_cpu_usage_us(const struct cgroup *cg, uint64_t *usec, struct sandbox_diag *d);
/* OUT: *n, processes in the cgroup. 0 or -errno. */
int cgroup_count_procs(const struct cgroup *cg, int *n, struct sandbox_diag *d);
/* Most pids read from a cgroup.procs at once (more than its 16 KB read can hold). */
#define CGROUP_MAX_PROCS 4096
/* The processes of the cgroup, at most max. OUT: pids, *n. 0 or -errno (with d). */
int cgroup_list_procs(const struct cgroup *cg, pid_t *pids, size_t max, size_t *n,
                      struct sandbox_diag *d);
/* Kills every process left in the cgroup (cgroup.kill on v2, else SIGKILL to each pid, thawing
 * first), waits ≤ 1 s for them to go and removes the directories. 0 or -errno (the first
 * failure; it still tries every directory). */
int cgroup_destroy(const struct cgroup *cg, struct sandbox_diag *d);

#endif /* CLAMBDA_SANDBOX_CGROUP_H */
