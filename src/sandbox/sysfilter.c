/* SPDX-License-Identifier: MIT */
/* Builds the seccomp program with libseccomp and exports it as raw BPF through a memfd
 * (libseccomp 2.5 has no export-to-memory call), so the child only needs prctl. */
#include "sysfilter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox_int.h"

/* Calls no function needs and that would let it reach past its sandbox or the host. */
static const char *const refused[] = {
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "reboot",
    "swapon",
    "swapoff",
    "unshare",
    "setns",
    "perf_event_open",
    "open_by_handle_at",
    "name_to_handle_at",
    "acct",
    "quotactl",
    "syslog",
    "lookup_dcookie",
    "userfaultfd",
    "iopl",
    "ioperm",
    "chroot",
    "settimeofday",
    "clock_settime",
};

static const unsigned long ns_flags[] = {CLONE_NEWNS,     CLONE_NEWPID, CLONE_NEWNET,
                                         CLONE_NEWIPC,    CLONE_NEWUTS, CLONE_NEWUSER,
                                         CLONE_NEWCGROUP, CLONE_NEWTIME};

static int add_rules(scmp_filter_ctx ctx, struct sandbox_diag *d)
{
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        int nr = seccomp_syscall_resolve_name(refused[i]);
        if (nr == __NR_SCMP_ERROR) {
            continue; /* not on this architecture (iopl on arm64) */
        }
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (rc < 0) {
            return sandbox_diag_set(d, rc, "seccomp_rule_add(%s): %s", refused[i], strerror(-rc));
        }
    }
    for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
        if (rc < 0) {
            return sandbox_diag_set(d, rc, "seccomp_rule_add(clone): %s", strerror(-rc));
        }
    }
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return rc < 0 ? sandbox_diag_set(d, rc, "seccomp_rule_add(clone3): %s", strerror(-rc)) : 0;
}

/* Reads the exported program back from the memfd. */
static int read_prog(int fd, struct sysfilter *f, struct sandbox_diag *d)
{
    off_t len = lseek(fd, 0, SEEK_END);
    if (len <= 0 || len % (off_t)sizeof(struct sock_filter) != 0 || len > (1 << 20)) {
        return sandbox_diag_set(d, -EINVAL, "seccomp_export_bpf: bad length %lld", (long long)len);
    }
    f->prog.filter = malloc((size_t)len);
    if (f->prog.filter == NULL) {
        return sandbox_diag_set(d, -ENOMEM, "malloc(%lld): out of memory", (long long)len);
    }
    if (pread(fd, f->prog.filter, (size_t)len, 0) != (ssize_t)len) {
        return sandbox_diag_set(d, -EIO, "pread(seccomp memfd): short read");
    }
    f->prog.len = (unsigned short)(len / (off_t)sizeof(struct sock_filter));
    return 0;
}

int sysfilter_init(struct sysfilter *f, struct sandbox_diag *d)
{
    memset(f, 0, sizeof(*f));
    int fd = -1;
    int rc = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        return sandbox_diag_set(d, -ENOMEM, "seccomp_init: failed");
    }
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc < 0) {
        rc = sandbox_diag_set(d, rc, "seccomp_attr_set(BADARCH): %s", strerror(-rc));
        goto fail;
    }
    rc = add_rules(ctx, d);
    if (rc < 0) {
        goto fail;
    }
    fd = memfd_create("clambda-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        rc = sandbox_diag_set(d, -errno, "memfd_create: %s", strerror(errno));
        goto fail;
    }
    rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) {
        rc = sandbox_diag_set(d, rc, "seccomp_export_bpf: %s", strerror(-rc));
        goto fail;
    }
    rc = read_prog(fd, f, d);
fail:
    if (fd >= 0) {
        (void)close(fd);
    }
    seccomp_release(ctx);
    if (rc < 0) {
        sysfilter_fini(f);
    }
    return rc;
}

void sysfilter_fini(struct sysfilter *f)
{
    if (f != NULL) {
        free(f->prog.filter);
        f->prog.filter = NULL;
        f->prog.len = 0;
    }
}

int sysfilter_install(const struct sysfilter *f)
{
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f->prog, 0, 0) < 0) {
        return -errno;
    }
    return 0;
}
