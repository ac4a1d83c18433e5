/* SPDX-License-Identifier: MIT */
/* qemu-user for foreign-architecture functions; see foreign.h. */
#include "exec/foreign.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *foreign_host_arch(void)
{
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unknown";
#endif
}

/* The first of names found executable on $PATH, into out. */
static bool find_on_path(const char *const *names, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    for (size_t i = 0; names[i]; i++) {
        for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
            size_t n = strcspn(p, ":");
            (void)snprintf(out, cap, "%.*s/%s", (int)n, p, names[i]);
            if (n > 0 && p[0] == '/' && access(out, X_OK) == 0) {
                return true;
            }
            p += n + (p[n] == ':');
        }
    }
    return false;
}

int foreign_interp(const char *arch, const char **interp, char *err, size_t errlen)
{
    static const char *const aarch64[] = {"qemu-aarch64-static", "qemu-aarch64", NULL};
    static const char *const x86_64[] = {"qemu-x86_64-static", "qemu-x86_64", NULL};
    static char found[2][PATH_MAX]; /* looked up once per architecture: [0] arm64, [1] x86_64 */
    const char *want = arch ? arch : "x86_64";
    *interp = NULL;
    if (strcmp(want, foreign_host_arch()) == 0) {
        return 0;
    }
    bool arm = strcmp(want, "arm64") == 0;
    char *slot = found[arm ? 0 : 1];
    if (slot[0] == '\0' && !find_on_path(arm ? aarch64 : x86_64, slot, PATH_MAX)) {
        slot[0] = '\0';
        (void)snprintf(err, errlen,
                       "a function for %s on this %s host needs qemu-user: %s was not found "
                       "on PATH (Debian: apt-get install qemu-user-static)",
                       want, foreign_host_arch(), arm ? aarch64[0] : x86_64[0]);
        return -ENOEXEC;
    }
    *interp = slot;
    return 0;
}
