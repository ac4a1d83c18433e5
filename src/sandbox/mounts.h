/* SPDX-License-Identifier: MIT */
/* The sandbox's file system. Once per server, mounts_skel_prepare() builds a skeleton root
 * directory: empty mount points (usr, var/task, opt, tmp, proc, dev/null...), the host's
 * merged-/usr symlinks (bin -> usr/bin) and an /etc of generated files (passwd, group, hosts,
 * nsswitch.conf) and copies of the host's (resolv.conf, ld.so.cache, alternatives, ssl...). Per
 * environment, mounts_plan_init() lists the mount calls and the cloned child runs them with
 * mounts_apply(), which ends with pivot_root into the skeleton. Nothing of the host is visible but
 * what the plan binds. */
#ifndef CLAMBDA_SANDBOX_MOUNTS_H
#define CLAMBDA_SANDBOX_MOUNTS_H

#include <stdint.h>
#include <sys/types.h>

#include "sandbox_full.h"
#include "sandbox_int.h"

/* Longest skeleton path we handle. */
#define MOUNTS_PATH_MAX 512
/* At most this many host directories and device nodes are bound into the skeleton. */
#define MOUNTS_MAX_BINDS 16
/* At most this many mount calls per environment. */
#define MOUNTS_MAX_OPS 48

/* One host path bound read-only (or a device node bound as is) into the skeleton. */
struct mounts_bind {
    char src[MOUNTS_PATH_MAX];
    char dst[MOUNTS_PATH_MAX];
    int is_dev;
};

/* The prepared skeleton. Caller's storage; holds no resources. */
struct mounts_skel {
    char root[MOUNTS_PATH_MAX];
    char host_root[MOUNTS_PATH_MAX]; /* where usr, bin, lib* and /etc's copies come from: ""
                                        (the host's /) or a user-provided root file system */
    char task[MOUNTS_PATH_MAX];      /* <root>/var/task */
    char opt[MOUNTS_PATH_MAX];       /* <root>/opt */
    char tmp[MOUNTS_PATH_MAX];       /* <root>/tmp */
    char proc[MOUNTS_PATH_MAX];      /* <root>/proc */
    int n_binds;
    struct mounts_bind binds[MOUNTS_MAX_BINDS];
};

/* One mount(2) call. */
struct mounts_op {
    const char *src;
    const char *dst;
    const char *fstype;
    unsigned long flags;
    const char *data;
};

/* Every mount call of one environment, then pivot_root into root. Borrowing: points into the
 * skeleton and the code_dir given to mounts_plan_init, which must outlive the child's setup. */
struct mounts_plan {
    const char *root;
    int n_ops;
    struct mounts_op ops[MOUNTS_MAX_OPS];
    char tmp_data[64];
};

/* Creates or refreshes the skeleton at root_dir (its parent must exist); uid/gid name the
 * sandbox user in the generated /etc/passwd and /etc/group. host_root (NULL or "/": the host's
 * own) is the root file system whose usr, bin, lib* are bound and whose /etc entries that
 * programs need (alternatives, ssl, ...) are copied. OUT: *skel. 0 or -errno, d naming the
 * call and path. */
int mounts_skel_prepare(struct mounts_skel *skel, const char *root_dir, const char *host_root,
                        uid_t uid, gid_t gid, struct sandbox_diag *d);
/* Lists the mounts of one environment: code_dir read-only at /var/task, opt_dir (the merged
 * layers; NULL: none, /opt stays the skeleton's empty directory) read-only at /opt, a tmpfs of
 * tmp_mb MB at /tmp, a fresh /proc, the skeleton's binds, then the root remounted read-only.
 * OUT: *plan. */
void mounts_plan_init(struct mounts_plan *plan, const struct mounts_skel *skel,
                      const char *code_dir, const char *opt_dir, uint32_t tmp_mb);
/* In the cloned child (new mount and PID namespaces): makes every mount private, runs the plan,
 * pivot_roots into the skeleton, detaches the old root and changes to /var/task.
 * Async-signal-safe. 0 or -errno with *err naming the step and path. */
int mounts_apply(const struct mounts_plan *plan, struct sandbox_child_err *err);

#endif /* CLAMBDA_SANDBOX_MOUNTS_H */
