/* SPDX-License-Identifier: MIT */
/* `clambda invoke NAME [--data JSON | --data-file F] [--async] [--tail] [--endpoint URL]`:
 * a client of the Invoke API over a plain blocking socket. */
#ifndef CLAMBDA_CLI_CMD_INVOKE_H
#define CLAMBDA_CLI_CMD_INVOKE_H

/* Runs the command (argv[0] is "invoke"). Prints the payload to stdout and, with --tail, the
 * decoded log tail to stderr. Returns 0, 1 on a function error (X-Amz-Function-Error) or 2 on
 * usage, connection or HTTP errors. */
int cmd_invoke_main(int argc, char **argv);

#endif /* CLAMBDA_CLI_CMD_INVOKE_H */
