/* SPDX-License-Identifier: MIT */
/* The build of a function project (cli_project) into one static Lambda binary, shared by
 * `clambda build` and `clambda watch`: target/lambda/NAME/bootstrap (an extension:
 * target/lambda/NAME/extensions/NAME) and, when asked, the deployable zip beside it.
 * libclambda is compiled from its sources for the target (docs/cli.md "How build finds
 * libclambda") once per target and profile into target/lambda/.lib/ARCH-PROFILE/ (objects kept
 * until a library source changes), so a rebuild compiles only the project's own files. Nothing
 * is rebuilt when the outputs are newer (nanosecond mtimes) than every input and the settings
 * are the same. */
#ifndef CLAMBDA_CLI_CLI_BUILD_H
#define CLAMBDA_CLI_CLI_BUILD_H

#include <limits.h>
#include <stdbool.h>

#include "cli_project.h"

/* What to build. */
struct cli_build_opts {
    bool release; /* -Os, gc-sections, stripped; else -O0 -g */
    bool arm64;   /* aarch64; else x86_64 */
    bool zip;     /* also the zip */
};

/* What was built. */
struct cli_build_out {
    char bin[PATH_MAX];      /* the binary */
    char zip_path[PATH_MAX]; /* the zip (written only with opts->zip) */
    char cc[PATH_MAX];       /* the compiler used */
    bool rebuilt;            /* false: it was up to date */
};

/* Builds p as o says; progress and the compiler's messages go to stderr, the result line to
 * stdout. OUT: *out. 0, or -1 after printing what failed (a compiler error: the previous
 * outputs are left as they were). */
int cli_build_run(const struct cli_project *p, const struct cli_build_opts *o,
                  struct cli_build_out *out);

#endif /* CLAMBDA_CLI_CLI_BUILD_H */
