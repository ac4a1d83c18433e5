/* SPDX-License-Identifier: MIT */
/* `clambda build`; see cmd_build.h. The command line; the build itself is cli_build (shared with
 * `clambda watch`). */
#include "cmd_build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "cli_build.h"
#include "cli_project.h"

enum { OPT_RELEASE, OPT_ARM64, OPT_X86, OPT_FORMAT, OPT_EXTENSION, OPT_PROJECT };

static const struct cli_opt opts[] = {
    {OPT_RELEASE, "release", NULL, "optimise for size (-Os) and strip (default: -O0 -g)", NULL},
    {OPT_ARM64, "arm64", NULL, "build for arm64 (Graviton)", NULL},
    {OPT_X86, "x86-64", NULL, "build for x86_64 (the default)", NULL},
    {OPT_FORMAT, "output-format", "FORMAT", "binary (default) or zip: also the deployable zip",
     "binary zip"},
    {OPT_EXTENSION, "extension", NULL,
     "build an extension: extensions/NAME instead of bootstrap (default from the Makefile)", NULL},
    {OPT_PROJECT, "project", "DIR", "the project directory (default: the current one)", "@dir"},
};

static int build_main(int argc, char **argv);

const struct cli_cmd cmd_build_cmd = {
    .name = "build",
    .synopsis = "",
    .summary = "compile the project into a static Lambda binary (and zip) in target/lambda/NAME/",
    .details = "Compiles src/*.c with libclambda's sources, statically: musl-gcc for x86_64; for "
               "arm64 aarch64-linux-musl-gcc, else aarch64-linux-gnu-gcc with musl-dev:arm64, "
               "else aarch64-linux-gnu-gcc with static glibc. libclambda's objects are kept in "
               "target/lambda/.lib/. "
               "Outputs: target/lambda/NAME/bootstrap and, with --output-format zip, "
               "bootstrap.zip (bootstrap at its root, mode 0755); an extension gives "
               "extensions/NAME and NAME.zip. Up-to-date outputs are not rebuilt.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = build_main,
};

/* Reads the options; 0 to go on, -1 after --help, else the exit status. */
static int parse(struct cli_build_opts *o, int argc, char **argv, const char **project, bool *ext)
{
    struct cli_opts_state st;
    int c, rc = 0;
    cli_opts_init(&st, &cmd_build_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        o->release |= c == OPT_RELEASE;
        o->arm64 = c == OPT_ARM64 ? true : c == OPT_X86 ? false : o->arm64;
        *ext |= c == OPT_EXTENSION;
        *project = c == OPT_PROJECT ? st.arg : *project;
        if (c == OPT_FORMAT && strcmp(st.arg, "zip") != 0 && strcmp(st.arg, "binary") != 0) {
            rc = cli_opts_usage_error(&cmd_build_cmd, "--output-format %s: binary or zip", st.arg);
        }
        o->zip = c == OPT_FORMAT ? strcmp(st.arg, "zip") == 0 : o->zip;
    }
    cli_opts_fini(&st);
    if (rc == 0 && c != CLI_OPTS_END) {
        rc = c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (rc == 0 && optind != argc) {
        rc = cli_opts_usage_error(&cmd_build_cmd, "unexpected argument %s", argv[optind]);
    }
    return rc;
}

static int build_main(int argc, char **argv)
{
    struct cli_build_opts o = {0};
    struct cli_project *p = xcalloc(1, sizeof(*p));
    const char *project = NULL;
    bool ext = false;
    char err[1024];
    int rc = parse(&o, argc, argv, &project, &ext);
    if (rc == 0 && cli_project_find(project, p, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda build: %s\n", err);
        rc = CLI_EXIT_FAIL;
    } else if (rc == 0) {
        p->is_extension |= ext;
        struct cli_build_out *out = xcalloc(1, sizeof(*out));
        rc = cli_build_run(p, &o, out) < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
        free(out);
    }
    free(p);
    return rc < 0 ? CLI_EXIT_OK : rc;
}
