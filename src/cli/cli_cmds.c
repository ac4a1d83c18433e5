/* SPDX-License-Identifier: MIT */
/* The list of subcommands; see cli_cmds.h. */
#include "cli_cmds.h"

#include "cmd_build.h"
#include "cmd_deploy.h"
#include "cmd_doc.h"
#include "cmd_invoke.h"
#include "cmd_logs.h"
#include "cmd_new.h"
#include "cmd_serve.h"
#include "cmd_tune.h"
#include "cmd_watch.h"

static const struct cli_cmd *const cmds[] = {
    &cmd_new_cmd,  &cmd_build_cmd, &cmd_watch_cmd, &cmd_deploy_cmd,     &cmd_invoke_cmd,
    &cmd_tune_cmd, &cmd_logs_cmd,  &cmd_serve_cmd, &cmd_doc_completion, &cmd_doc_man,
};

const struct cli_cmd *const *cli_cmds_all(size_t *n)
{
    *n = sizeof(cmds) / sizeof(cmds[0]);
    return cmds;
}
