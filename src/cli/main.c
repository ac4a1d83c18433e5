/* SPDX-License-Identifier: MIT */
/* The clambda command: dispatches to its subcommands (cli_cmds), each described by its option
 * table (cli_opts). Exit status: 0 ok, 1 the operation failed, 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"

static void usage(FILE *out)
{
    size_t n;
    const struct cli_cmd *const *cmds = cli_cmds_all(&n);
    (void)fputs("usage: clambda <command> [options]\n\ncommands:\n", out);
    for (size_t i = 0; i < n; i++) {
        (void)fprintf(out, "  %-11s %s\n", cmds[i]->name, cmds[i]->summary);
    }
    (void)fputs("\nrun `clambda <command> --help` for a command's options\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        (void)puts("clambda " CLAMBDA_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    size_t n;
    const struct cli_cmd *const *cmds = cli_cmds_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], cmds[i]->name) == 0) {
            return cmds[i]->main(argc - 1, argv + 1);
        }
    }
    (void)fprintf(stderr, "clambda: unknown command %s\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
