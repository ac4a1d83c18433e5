/* SPDX-License-Identifier: MIT */
/* Concurrency settings (control-api.md 5): versions get their function's reserved concurrency
 * (set by manage.c's PutFunctionConcurrency; the pool counts every version's environments
 * against it) and Put/Get/Delete/ListProvisionedConcurrencyConfigs (environments of a published
 * version, or of an alias's version, initialised ahead of invocations by the pool; Status READY
 * once all of them finished their init). Both are stored as settings ("concurrency" and
 * "provisioned") and applied again at start. The server's --max-concurrency plays the account
 * limit (no unreserved minimum, as PutFunctionConcurrency). */
#ifndef CLAMBDA_SERVER_API_CONCURRENCY_H
#define CLAMBDA_SERVER_API_CONCURRENCY_H

#include "api/call.h"
#include "base/func.h"

/* After alias of function moved from old_version (NULL: new alias) to its current version:
 * the provisioned environments it asked for follow it. */
void concurrency_alias_moved(struct call_ctx *ctl, const char *function, const char *alias,
                             const char *old_version);

void concurrency_put_provisioned(struct call *call);
void concurrency_get_provisioned(struct call *call);
void concurrency_delete_provisioned(struct call *call);
void concurrency_list_provisioned(struct call *call);

#endif /* CLAMBDA_SERVER_API_CONCURRENCY_H */
