/* SPDX-License-Identifier: MIT */
/* `clambda new NAME [--http|--stream|--extension]`: a ready project in a new directory NAME:
 * the handler in C against the installed libclambda, CMakeLists.txt (find_package(clambda))
 * and a Makefile (pkg-config), a unit test, a README with the next commands, .gitignore. */
#ifndef CLAMBDA_CLI_CMD_NEW_H
#define CLAMBDA_CLI_CMD_NEW_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_new_cmd;

#endif /* CLAMBDA_CLI_CMD_NEW_H */
