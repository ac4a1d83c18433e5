/* SPDX-License-Identifier: MIT */
/* Compiler choice for `clambda build`; see cli_cross.h. */
#include "cli_cross.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Finds an executable on $PATH into out (cap bytes). */
static bool which(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char cand[PATH_MAX];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        (void)snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, name);
        if (n > 0 && access(cand, X_OK) == 0) {
            (void)snprintf(out, cap, "%s", cand);
            return true;
        }
        p += n + (p[n] == ':');
    }
    return false;
}

int cli_cross_find(bool arm64, struct cli_cross *c)
{
    memset(c, 0, sizeof(*c));
    c->libc = "musl";
    if (!arm64) {
        if (which("musl-gcc", c->cc, sizeof(c->cc))) {
            return 0;
        }
        (void)fprintf(stderr, "clambda build: musl-gcc not found: install musl-tools "
                              "(apt-get install musl-tools)\n");
        return -1;
    }
    if (which("aarch64-linux-musl-gcc", c->cc, sizeof(c->cc))) {
        return 0;
    }
    if (which("aarch64-linux-gnu-gcc", c->cc, sizeof(c->cc))) {
        c->libc = "glibc";
        return 0;
    }
    (void)fprintf(stderr,
                  "clambda build: no arm64 compiler: install gcc-aarch64-linux-gnu and, for the "
                  "smaller musl binary, musl-dev:arm64 (dpkg --add-architecture arm64; apt-get "
                  "update; apt-get install musl-dev:arm64), else libc6-dev-arm64-cross (static "
                  "glibc); or put aarch64-linux-musl-gcc on PATH\n");
    return -1;
}
