/* SPDX-License-Identifier: MIT */
/* `clambda invoke NAME [--data JSON | --data-file FILE | --data-example NAME] [--async]
 * [--tail] [--endpoint-url URL] [--remote]`: invokes a function through the Invoke API of a
 * clambda server, or of AWS with --remote (SigV4, HTTPS). The answer goes to stdout, the log
 * tail (--tail) to stderr. Exit 1 when the function reported an error or the call failed. */
#ifndef CLAMBDA_CLI_CMD_INVOKE_H
#define CLAMBDA_CLI_CMD_INVOKE_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_invoke_cmd;

#endif /* CLAMBDA_CLI_CMD_INVOKE_H */
