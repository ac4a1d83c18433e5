/* SPDX-License-Identifier: MIT */
/* `clambda deploy [NAME]`: creates or updates a function on AWS, or on any clambda server with
 * --endpoint-url, from the zip `clambda build --output-format zip` wrote (or --zip-file):
 * CreateFunction when it does not exist, else UpdateFunctionCode then
 * UpdateFunctionConfiguration; then, as asked, PublishVersion, an alias, a public Function URL
 * and tags. Waits until the function is Active and its last update Successful, printing
 * progress. --dry-run prints the requests and sends nothing. Nothing is half-created: a
 * refused CreateFunction stops everything, and a later failure says what exists. */
#ifndef CLAMBDA_CLI_CMD_DEPLOY_H
#define CLAMBDA_CLI_CMD_DEPLOY_H

#include "cli_opts.h"

/* The command's option table and entry point. */
extern const struct cli_cmd cmd_deploy_cmd;

#endif /* CLAMBDA_CLI_CMD_DEPLOY_H */
