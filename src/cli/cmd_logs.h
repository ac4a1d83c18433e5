/* SPDX-License-Identifier: MIT */
/* `clambda logs NAME [--follow] [--since DURATION] [--endpoint-url URL]`: prints a function's
 * log events through the server's CloudWatch Logs API (FilterLogEvents on /aws/lambda/NAME),
 * like `aws logs tail`; --follow polls for new events until interrupted. Prints
 * "<time> <stream> <message>" lines to stdout; exit 1 on connection or API errors. */
#ifndef CLAMBDA_CLI_CMD_LOGS_H
#define CLAMBDA_CLI_CMD_LOGS_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_logs_cmd;

#endif /* CLAMBDA_CLI_CMD_LOGS_H */
