/* SPDX-License-Identifier: MIT */
/* Alias operations (control-api.md 4): CreateAlias, GetAlias, UpdateAlias (RevisionId
 * precondition), DeleteAlias and ListAliases, with AWS's validation (name pattern and not a
 * number, the version must exist, RoutingConfig of at most one additional published version
 * weighted 0.0-1.0). Stored in the store's aliases table and mirrored in ctl->aliases. */
#ifndef CLAMBDA_SERVER_API_ALIASES_H
#define CLAMBDA_SERVER_API_ALIASES_H

#include "api/call.h"

void aliases_api_create(struct call *call);
void aliases_api_get(struct call *call);
void aliases_api_update(struct call *call);
void aliases_api_delete(struct call *call);
void aliases_api_list(struct call *call);

#endif /* CLAMBDA_SERVER_API_ALIASES_H */
