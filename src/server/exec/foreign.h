/* SPDX-License-Identifier: MIT */
/* Functions built for another architecture than the server's (Architectures arm64 on an x86_64
 * host, or x86_64 on arm64) run under qemu-user: the bootstrap is exec'd as
 * `qemu-<cpu>-static bootstrap` (sandbox_spec.interp). The emulator is found on $PATH once;
 * under full isolation it is used at the same path inside the sandbox, where the host's /usr is
 * bound read-only (Debian's qemu-user-static installs /usr/bin/qemu-aarch64-static, a static
 * binary that needs nothing else). */
#ifndef CLAMBDA_SERVER_EXEC_FOREIGN_H
#define CLAMBDA_SERVER_EXEC_FOREIGN_H

#include <stddef.h>

/* The server's own architecture: "x86_64" or "arm64" (another host: "unknown"). */
const char *foreign_host_arch(void);

/* For a function of arch ("x86_64", "arm64"; NULL: x86_64): *interp is NULL when the host runs
 * it natively, else the emulator's absolute path (static storage). 0, or -ENOEXEC with what to
 * install in err (errlen bytes) when no emulator is found. */
int foreign_interp(const char *arch, const char **interp, char *err, size_t errlen);

#endif /* CLAMBDA_SERVER_EXEC_FOREIGN_H */
