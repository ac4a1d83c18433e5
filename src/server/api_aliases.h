/* SPDX-License-Identifier: MIT */
/* Alias operations (control-api.md 4): CreateAlias, GetAlias, UpdateAlias (RevisionId
 * precondition), DeleteAlias and ListAliases, with AWS's validation (name pattern and not a
 * number, the version must exist, RoutingConfig of at most one additional published version
 * weighted 0.0-1.0). Stored in the store's aliases table and mirrored in ctl->aliases. */
#ifndef CLAMBDA_SERVER_API_ALIASES_H
#define CLAMBDA_SERVER_API_ALIASES_H

#include "api_control.h"

/* Loads function's stored aliases into ctl->aliases (start-up). */
void api_aliases_restore(struct api_control *ctl, const char *function);

void api_aliases_create(struct api_call *call);
void api_aliases_get(struct api_call *call);
void api_aliases_update(struct api_call *call);
void api_aliases_delete(struct api_call *call);
void api_aliases_list(struct api_call *call);

#endif /* CLAMBDA_SERVER_API_ALIASES_H */
