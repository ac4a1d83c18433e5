/* SPDX-License-Identifier: MIT */
/* `clambda serve`: the platform. Its options are parsed by the server itself (serve/serve_args
 * in src/server); this table describes them for --help of the command list, the completion
 * script and the man page. tests/integration/test_cli_completion.py checks that it names
 * exactly the options `clambda serve` accepts. */
#ifndef CLAMBDA_CLI_CMD_SERVE_H
#define CLAMBDA_CLI_CMD_SERVE_H

#include "cli_opts.h"

/* The command's option table and entry point (serve_main). */
extern const struct cli_cmd cmd_serve_cmd;

#endif /* CLAMBDA_CLI_CMD_SERVE_H */
