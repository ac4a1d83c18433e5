/* SPDX-License-Identifier: MIT */
/* The list of clambda's subcommands, in the order --help shows them. */
#ifndef CLAMBDA_CLI_CLI_CMDS_H
#define CLAMBDA_CLI_CLI_CMDS_H

#include <stddef.h>

#include "cli_opts.h"

/* Every command (static table). OUT: *n. */
const struct cli_cmd *const *cli_cmds_all(size_t *n);

#endif /* CLAMBDA_CLI_CLI_CMDS_H */
