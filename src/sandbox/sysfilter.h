/* SPDX-License-Identifier: MIT */
/* The sandbox's seccomp filter, compiled once with libseccomp in the parent and installed in the
 * child with a single prctl (libseccomp allocates, so it cannot run between clone and execve).
 * Refused with EPERM: mount and the new mount API, pivot_root, ptrace and process_vm_*,
 * kexec, module loading, bpf, keyrings, reboot, swap, unshare/setns and clone with namespace
 * flags, perf_event_open, open_by_handle_at, and a few more host-level calls; clone3 gets
 * ENOSYS (its flags live in memory a filter cannot read), so libc falls back to clone. Other
 * architectures' syscall ABIs (i386, x32) kill the process. Everything else is allowed. */
#ifndef CLAMBDA_SANDBOX_SYSFILTER_H
#define CLAMBDA_SANDBOX_SYSFILTER_H

#include <linux/filter.h>

#include "sandbox_full.h"

/* A compiled BPF program. Caller's storage: sysfilter_init / sysfilter_fini. */
struct sysfilter {
    struct sock_fprog prog; /* prog.filter is owned (malloc) */
};

/* Compiles the filter. OUT: *f. 0 or -errno with d naming the libseccomp call. */
int sysfilter_init(struct sysfilter *f, struct sandbox_diag *d);
/* Frees the program; NULL or an unset filter is a no-op. */
void sysfilter_fini(struct sysfilter *f);
/* In the child, after PR_SET_NO_NEW_PRIVS: installs the program. Async-signal-safe. 0 or
 * -errno. */
int sysfilter_install(const struct sysfilter *f);

#endif /* CLAMBDA_SANDBOX_SYSFILTER_H */
