/* SPDX-License-Identifier: MIT */
/* `clambda completion bash` (the bash completion script) and `clambda man` (the clambda(1) man
 * page in roff), both generated from the option tables of every command (cli_cmds). */
#ifndef CLAMBDA_CLI_CMD_DOC_H
#define CLAMBDA_CLI_CMD_DOC_H

#include "cli_opts.h"

/* `clambda completion SHELL`. */
extern const struct cli_cmd cmd_doc_completion;
/* `clambda man`. */
extern const struct cli_cmd cmd_doc_man;

#endif /* CLAMBDA_CLI_CMD_DOC_H */
