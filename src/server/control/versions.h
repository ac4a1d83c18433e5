/* SPDX-License-Identifier: MIT */
/* Versions and aliases (control-api.md 3 and 4): PublishVersion (an immutable snapshot of
 * $LATEST's configuration and code, numbered 1, 2, ... never reused; publishing an unchanged
 * $LATEST again returns the last version), ListVersionsByFunction, DeleteFunction of one
 * version, and CreateAlias / GetAlias / UpdateAlias / DeleteAlias / ListAliases with a weighted
 * RoutingConfig. Versions are stored (store.h) and registered in the pool under their number;
 * aliases are stored and cached in memory (aliases.h) for the invoke path. */
#ifndef CLAMBDA_SERVER_API_VERSIONS_H
#define CLAMBDA_SERVER_API_VERSIONS_H

#include "api/call.h"
#include "base/func.h"

/* Helpers shared with api_aliases.c and api_concurrency.c. */
/* Answers 404 "Function not found: <arn>[:qualifier]". */
void versions_not_found(struct call *call, const char *name, const char *qualifier);
/* The $LATEST configuration of the function named by the first path label (a qualifier in it
 * is refused unless allow_qualifier). OUT: *rf. NULL after answering. */
const struct function_config *versions_function(struct call *call, struct url_fn *rf,
                                                bool allow_qualifier);
/* The request body as a JSON object ({} when empty), or NULL after answering. */
json_t *versions_body(struct call *call);
/* Reads string member of body (model: its name in validation messages) of at most max bytes;
 * *out is NULL when absent. False after answering a wrong type or length. */
bool versions_string(struct call *call, json_t *body, const char *member, const char *model,
                     size_t max, const char **out);

/* Publishes the $LATEST of function name as PublishVersion does (a new version numbered after
 * the last, or the newest one when $LATEST has not changed since; description NULL: the
 * function's) and answers status with that version's FunctionConfiguration. Shared by
 * PublishVersion and by CreateFunction / UpdateFunctionCode with Publish: true. Errors are
 * answered: 404 for an unknown name, 409 for a function outside the store (--manifest), 500
 * when the store fails. */
void versions_publish_latest(struct call *call, const char *name, const char *description,
                             int status);

/* Operation handlers (see api_control.c's route table). */
void versions_publish(struct call *call);
void versions_list(struct call *call);
/* DeleteFunction with a qualifier: deletes version of function name (not $LATEST, not one an
 * alias uses). Answers the call. */
void versions_delete_version(struct call *call, const char *name, const char *version);

#endif /* CLAMBDA_SERVER_API_VERSIONS_H */
