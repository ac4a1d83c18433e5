/* SPDX-License-Identifier: MIT */
/* `clambda logs NAME [--follow] [--since DURATION] [--endpoint-url URL]`: prints a function's
 * log events through the server's CloudWatch Logs API (FilterLogEvents on /aws/lambda/NAME),
 * like `aws logs tail`; --follow polls for new events until interrupted. */
#ifndef CLAMBDA_CLI_CMD_LOGS_H
#define CLAMBDA_CLI_CMD_LOGS_H

/* Runs the command (argv[0] is "logs"). Prints "<time> <stream> <message>" lines to stdout.
 * Returns 0, or 2 on usage, connection or API errors (printed to stderr). */
int cmd_logs_main(int argc, char **argv);

#endif /* CLAMBDA_CLI_CMD_LOGS_H */
