/* SPDX-License-Identifier: MIT */
/* Read-only control-plane operations over the functions the server runs today (registered with
 * --function): ListFunctions (pages of at most 50, NextMarker), GetFunction,
 * GetFunctionConfiguration, GetFunctionConcurrency and GetAccountSettings (limits and usage
 * that match what the pool enforces). Keeps, per function, what the function store will keep
 * for stored functions: CodeSha256 and CodeSize (of the directory's bootstrap: there is no zip),
 * LastModified (when the server registered it) and a RevisionId. */
#ifndef CLAMBDA_SERVER_API_FUNCTIONS_H
#define CLAMBDA_SERVER_API_FUNCTIONS_H

#include "api/call.h"
#include "base/func.h"

/* Largest page of ListFunctions (AWS: 50, whatever MaxItems says). */
#define FUNCTIONS_PAGE_MAX 50

/* Creates the metadata cache for the functions of p (hashes every directory function's
 * bootstrap now); st (may be NULL) holds the stored functions' Role. */
struct functions *functions_new(const struct pool *p, struct store *st);
/* The Role saved for stored function name (a store setting), or NULL (st NULL, none saved).
 * Caller frees. */
char *functions_stored_role(struct store *st, const char *name);
/* Frees it. NULL is a no-op. */
void functions_free(struct functions *f);

/* The FunctionConfiguration of cfg (any version) as GetFunctionConfiguration answers it
 * (FunctionArn with ":<version>" when qualified). New reference. */
json_t *functions_configuration(struct call *call, const struct function_config *cfg,
                                bool qualified);

/* Operation handlers (see front/routes.c's route table). */
void functions_list(struct call *call);
void functions_get(struct call *call);
void functions_get_configuration(struct call *call);
void functions_get_concurrency(struct call *call);
void functions_account_settings(struct call *call);

#endif /* CLAMBDA_SERVER_API_FUNCTIONS_H */
