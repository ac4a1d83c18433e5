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

/* Publishes the $LATEST of function name as PublishVersion does (a new version numbered after
 * the last, or the newest one when $LATEST has not changed since; description NULL: the
 * function's) and answers status with that version's FunctionConfiguration. Shared by
 * PublishVersion and by CreateFunction / UpdateFunctionCode with Publish: true. Errors are
 * answered: 404 for an unknown name, 409 for a function outside the store (--manifest), 500
 * when the store fails. */
void versions_publish_latest(struct call *call, const char *name, const char *description,
                             int status);

/* Operation handlers (see front/routes.c's route table). */
void versions_publish(struct call *call);
void versions_list(struct call *call);
/* DeleteFunction with a qualifier: deletes version of function name (not $LATEST, not one an
 * alias uses). Answers the call. */
void versions_delete_version(struct call *call, const char *name, const char *version);

#endif /* CLAMBDA_SERVER_API_VERSIONS_H */
