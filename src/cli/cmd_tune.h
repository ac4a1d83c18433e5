/* SPDX-License-Identifier: MIT */
/* `clambda tune NAME --memory 128,256,... [--invocations N] [--payload JSON] [--svg FILE]
 * [--endpoint-url URL]`: power tuning of a deployed function, on AWS or a clambda server. For
 * each memory size it reconfigures the function, runs one cold and N warm invocations (LogType
 * Tail: their REPORT lines), and prints p50/p90 duration, billed ms, Max Memory Used and the cost
 * of a million invocations (cli_tune), with the cheapest and the fastest size; --svg writes a
 * chart (cli_tune_svg). The original memory size is restored at the end. Exit 1 when a request
 * or an invocation failed. */
#ifndef CLAMBDA_CLI_CMD_TUNE_H
#define CLAMBDA_CLI_CMD_TUNE_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_tune_cmd;

#endif /* CLAMBDA_CLI_CMD_TUNE_H */
