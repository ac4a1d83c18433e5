/* SPDX-License-Identifier: MIT */
/* Internals shared by the sandbox modules (cgroup.c, mounts.c, ns.c, sysfilter.c,
 * sandbox_full.c, spawn_plain.c, verdict.c): the diagnostic helper and the record a child sends
 * back over its CLOEXEC error pipe. Not for the server: it includes sandbox.h only. */
#ifndef CLAMBDA_SANDBOX_SANDBOX_INT_H
#define CLAMBDA_SANDBOX_SANDBOX_INT_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sandbox_full.h"

/* Fills d (may be NULL) with code and a printf-formatted message; returns code, so that
 * callers can write `return sandbox_diag_set(d, -errno, "open(%s): %s", p, strerror(errno));`. */
__attribute__((format(printf, 3, 4))) static inline int
sandbox_diag_set(struct sandbox_diag *d, int code, const char *fmt, ...)
{
    if (d != NULL) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
        d->code = code;
    }
    return code;
}

/* Setup steps of the sandboxed child, named in the parent's diagnostic. */
enum sandbox_step {
    SANDBOX_STEP_CGROUP = 0, /* write("0") to a cgroup.procs */
    SANDBOX_STEP_DUP2,
    SANDBOX_STEP_MOUNT,
    SANDBOX_STEP_PIVOT_ROOT,
    SANDBOX_STEP_UMOUNT,
    SANDBOX_STEP_CHDIR,
    SANDBOX_STEP_SETHOSTNAME,
    SANDBOX_STEP_SETGROUPS,
    SANDBOX_STEP_SETRESGID,
    SANDBOX_STEP_SETRESUID,
    SANDBOX_STEP_CAPBSET,
    SANDBOX_STEP_CAPSET,
    SANDBOX_STEP_NO_NEW_PRIVS,
    SANDBOX_STEP_SECCOMP,
    SANDBOX_STEP_FORK,
    SANDBOX_STEP_EXECVE,
    SANDBOX_STEP_SETRLIMIT,
    SANDBOX_STEP_NET_LO,
    SANDBOX_STEP_SIGNALS,
    SANDBOX_STEP_API_SOCKET, /* isolated network: the Runtime API listener inside */
    SANDBOX_STEP_SETPGID,    /* isolation none */
    SANDBOX_STEP_PARK,       /* a parked child receiving its environment */
    SANDBOX_STEP_USERNS,     /* becoming root of its user namespace */
    SANDBOX_STEP_COUNT,
};

/* What the child writes to the error pipe when a step fails: the step, its errno and the
 * path or argument involved (truncated, NUL-terminated). Written once, then the child exits. */
struct sandbox_child_err {
    int step;
    int err;
    char arg[200];
};

/* Fills *e (async-signal-safe: no libc beyond plain loads and stores); returns -err. */
static inline int sandbox_child_err_set(struct sandbox_child_err *e, int step, int err,
                                        const char *arg)
{
    size_t i = 0;
    e->step = step;
    e->err = err;
    for (; arg != NULL && arg[i] != '\0' && i + 1 < sizeof(e->arg); i++) {
        e->arg[i] = arg[i];
    }
    e->arg[i] = '\0';
    return -err;
}

/* Writes "<step's call>(<arg>): <strerror>" for a failed step into msg (cap bytes), e.g.
 * "execve(/opt/extensions/x): Permission denied" (verdict.c). Returns -err. */
int sandbox_child_err_format(const struct sandbox_child_err *ce, char *msg, size_t cap);

/* Sets the CPUs of pid (a thread group: each of its threads); what it starts later inherits
 * them. 0 or -errno. */
int sandbox_set_cpus_pid(pid_t pid, const cpu_set_t *set);

#endif /* CLAMBDA_SANDBOX_SANDBOX_INT_H */
