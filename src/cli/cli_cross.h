/* SPDX-License-Identifier: MIT */
/* Which compiler builds a static Lambda binary for a target. x86_64: musl-gcc (Debian
 * musl-tools). arm64, the first found of: aarch64-linux-musl-gcc on PATH, which Debian's
 * multiarch musl-dev:arm64 installs (`dpkg --add-architecture arm64`; a wrapper running
 * aarch64-linux-gnu-gcc with /usr/lib/aarch64-linux-musl/musl-gcc.specs; also musl.cc's
 * toolchains); else Debian's aarch64-linux-gnu-gcc with static glibc (libc6-dev-arm64-cross),
 * ~5x larger. docs/cli.md "Compilers, and why" has the sizes. */
#ifndef CLAMBDA_CLI_CLI_CROSS_H
#define CLAMBDA_CLI_CLI_CROSS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* A compiler. */
struct cli_cross {
    char cc[PATH_MAX];
    const char *libc; /* "musl" or "glibc" */
};

/* Finds the compiler for arm64 (else x86_64) on $PATH. OUT: *c. 0, or -1 after printing which
 * packages to install. */
int cli_cross_find(bool arm64, struct cli_cross *c);

#endif /* CLAMBDA_CLI_CLI_CROSS_H */
