/* SPDX-License-Identifier: MIT */
/* `clambda completion` and `clambda man`; see cmd_doc.h. */
#include "cmd_doc.h"

#include <stdio.h>
#include <string.h>

#include "cli_cmds.h"

static int completion_main(int argc, char **argv);
static int man_main(int argc, char **argv);

const struct cli_cmd cmd_doc_completion = {
    .name = "completion",
    .synopsis = "bash",
    .summary = "print the shell completion script",
    .details = "Load it with `source <(clambda completion bash)`, or install it as "
               "/usr/share/bash-completion/completions/clambda.",
    .opts = NULL,
    .n_opts = 0,
    .main = completion_main,
};

const struct cli_cmd cmd_doc_man = {
    .name = "man",
    .synopsis = "",
    .summary = "print the clambda(1) man page (roff)",
    .details = "View it with `clambda man | man -l -`. The build also writes it to "
               "<build>/clambda.1, and `cmake --install` puts it in share/man/man1.",
    .opts = NULL,
    .n_opts = 0,
    .main = man_main,
};

static int completion_main(int argc, char **argv)
{
    struct cli_opts_state st;
    cli_opts_init(&st, &cmd_doc_completion);
    int c = cli_opts_next(&st, argc, argv);
    cli_opts_fini(&st);
    if (c != CLI_OPTS_END) {
        return c == CLI_OPTS_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (optind + 1 != argc || strcmp(argv[optind], "bash") != 0) {
        return cli_opts_usage_error(&cmd_doc_completion, "give the shell: bash (the only one)");
    }
    size_t n;
    const struct cli_cmd *const *cmds = cli_cmds_all(&n);
    cli_opts_print_bash(cmds, n, stdout);
    return CLI_EXIT_OK;
}

static int man_main(int argc, char **argv)
{
    struct cli_opts_state st;
    cli_opts_init(&st, &cmd_doc_man);
    int c = cli_opts_next(&st, argc, argv);
    cli_opts_fini(&st);
    if (c != CLI_OPTS_END) {
        return c == CLI_OPTS_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (optind != argc) {
        return cli_opts_usage_error(&cmd_doc_man, "takes no arguments");
    }
    size_t n;
    const struct cli_cmd *const *cmds = cli_cmds_all(&n);
    cli_opts_print_man(cmds, n, CLAMBDA_VERSION_STRING, stdout);
    return CLI_EXIT_OK;
}
