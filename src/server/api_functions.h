/* SPDX-License-Identifier: MIT */
/* Read-only control-plane operations over the functions the server runs today (registered with
 * --function): ListFunctions (pages of at most 50, NextMarker), GetFunction,
 * GetFunctionConfiguration, GetFunctionConcurrency and GetAccountSettings (limits and usage
 * that match what the pool enforces). Keeps, per function, what the function store will keep
 * for stored functions: CodeSha256 and CodeSize (of the directory's bootstrap: there is no zip),
 * LastModified (when the server registered it) and a RevisionId. */
#ifndef CLAMBDA_SERVER_API_FUNCTIONS_H
#define CLAMBDA_SERVER_API_FUNCTIONS_H

#include "api_control.h"

/* Largest page of ListFunctions (AWS: 50, whatever MaxItems says). */
#define API_FUNCTIONS_PAGE_MAX 50

/* Creates the metadata cache for the functions of p (hashes every directory function's
 * bootstrap now); st (may be NULL) holds the stored functions' Role. */
struct api_functions *api_functions_new(const struct pool *p, struct store *st);
/* The Role saved for stored function name (a store setting), or NULL (st NULL, none saved).
 * Caller frees. */
char *api_functions_stored_role(struct store *st, const char *name);
/* Frees it. NULL is a no-op. */
void api_functions_free(struct api_functions *f);

/* Operation handlers (see api_control.c's route table). */
void api_functions_list(struct api_call *call);
void api_functions_get(struct api_call *call);
void api_functions_get_configuration(struct api_call *call);
void api_functions_get_concurrency(struct api_call *call);
void api_functions_account_settings(struct api_call *call);

#endif /* CLAMBDA_SERVER_API_FUNCTIONS_H */
