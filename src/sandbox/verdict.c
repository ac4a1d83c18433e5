/* SPDX-License-Identifier: MIT */
/* The parent's side of a child's setup verdict, shared by both isolation modes: the child
 * writes a struct sandbox_child_err to a CLOEXEC pipe when a step fails, so EOF means execve
 * succeeded (libuv's uv__write_errno trick). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "sandbox_int.h"

static const char *const step_names[SANDBOX_STEP_COUNT] = {
    [SANDBOX_STEP_CGROUP] = "write(cgroup.procs)",
    [SANDBOX_STEP_DUP2] = "dup2",
    [SANDBOX_STEP_MOUNT] = "mount",
    [SANDBOX_STEP_PIVOT_ROOT] = "pivot_root",
    [SANDBOX_STEP_UMOUNT] = "umount2",
    [SANDBOX_STEP_CHDIR] = "chdir",
    [SANDBOX_STEP_SETHOSTNAME] = "sethostname",
    [SANDBOX_STEP_SETGROUPS] = "setgroups",
    [SANDBOX_STEP_SETRESGID] = "setresgid",
    [SANDBOX_STEP_SETRESUID] = "setresuid",
    [SANDBOX_STEP_CAPBSET] = "prctl(PR_CAPBSET_DROP)",
    [SANDBOX_STEP_CAPSET] = "capset",
    [SANDBOX_STEP_NO_NEW_PRIVS] = "prctl(PR_SET_NO_NEW_PRIVS)",
    [SANDBOX_STEP_SECCOMP] = "prctl(PR_SET_SECCOMP)",
    [SANDBOX_STEP_FORK] = "clone",
    [SANDBOX_STEP_EXECVE] = "execve",
    [SANDBOX_STEP_SETRLIMIT] = "setrlimit",
    [SANDBOX_STEP_NET_LO] = "ioctl(SIOCSIFFLAGS)",
    [SANDBOX_STEP_SIGNALS] = "sigaction",
    [SANDBOX_STEP_API_SOCKET] = "listen(127.0.0.1:9001)",
    [SANDBOX_STEP_SETPGID] = "setpgid",
    [SANDBOX_STEP_PARK] = "read",
    [SANDBOX_STEP_USERNS] = "user namespace",
};

int sandbox_child_err_format(const struct sandbox_child_err *ce, char *msg, size_t cap)
{
    int step = ce->step >= 0 && ce->step < SANDBOX_STEP_COUNT ? ce->step : SANDBOX_STEP_EXECVE;
    int err = ce->err > 0 ? ce->err : EIO;
    (void)snprintf(msg, cap, "%s(%.*s): %s", step_names[step], (int)sizeof(ce->arg) - 1, ce->arg,
                   strerror(err));
    return -err;
}

int sandbox_read_verdict(int fd, char *msg, size_t cap)
{
    struct sandbox_child_err ce;
    ssize_t n;
    do {
        n = read(fd, &ce, sizeof(ce));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(ce)) {
        return 0;
    }
    ce.arg[sizeof(ce.arg) - 1] = '\0';
    return sandbox_child_err_format(&ce, msg, cap);
}
