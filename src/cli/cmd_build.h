/* SPDX-License-Identifier: MIT */
/* `clambda build [--release] [--arm64|--x86-64] [--output-format binary|zip] [--extension]`:
 * compiles the project (cli_project) into one static binary for Lambda, target/lambda/NAME/
 * bootstrap (an extension: target/lambda/NAME/extensions/NAME), and with zip output the
 * deployable bootstrap.zip (NAME.zip for an extension) beside it; the build is cli_build. */
#ifndef CLAMBDA_CLI_CMD_BUILD_H
#define CLAMBDA_CLI_CMD_BUILD_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_build_cmd;

#endif /* CLAMBDA_CLI_CMD_BUILD_H */
