/* SPDX-License-Identifier: MIT */
/* `clambda watch [--release] [--arm64] [--listen HOST:PORT] [--isolation MODE]`: builds the
 * project (cli_build, as `clambda build --output-format zip`), runs `clambda serve` as a child
 * process with the function on its Invoke API and a Function URL, and on every saved change of
 * src/ (inotify, debounced) rebuilds and swaps the new code in with UpdateFunctionCode, which
 * lets in-flight invocations finish on the old environments. A failed build is shown and the
 * last good one keeps serving. Exit 0 on Ctrl-C / SIGTERM, 1 when the server cannot start or
 * exits. */
#ifndef CLAMBDA_CLI_CMD_WATCH_H
#define CLAMBDA_CLI_CMD_WATCH_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_watch_cmd;

#endif /* CLAMBDA_CLI_CMD_WATCH_H */
