/* SPDX-License-Identifier: MIT */
/* Control-plane operations that change functions, through the catalog (catalog/catalog.h, which
 * writes the function store and then the pool): CreateFunction (Code.ZipFile or S3Bucket/S3Key,
 * read and extracted by api/upload.c, saved by the registry, served at once),
 * UpdateFunctionConfiguration (a new configuration replaces the old one in the pool: in-flight
 * invocations finish on the old one) and DeleteFunction (the function, its versions, aliases and
 * settings). Functions defined by --manifest are the manifest's: the API does not create over them
 * or delete them (409). */
#ifndef CLAMBDA_SERVER_API_MANAGE_H
#define CLAMBDA_SERVER_API_MANAGE_H

#include "api/call.h"
#include "state/code.h"

/* Operation handlers (front/routes.c's route table). */
void manage_create_function(struct call *call);
void manage_delete_function(struct call *call);
void manage_update_configuration(struct call *call);
/* UpdateFunctionCode (ZipFile or S3Bucket/S3Key, Architectures, DryRun, RevisionId): a new code
 * package for $LATEST; its environments are replaced without failing in-flight invocations. */
void manage_update_code(struct call *call);
/* PutFunctionConcurrency / DeleteFunctionConcurrency: the sum of reserved concurrency may not
 * exceed --max-concurrency (AWS keeps 100 unreserved; clambda keeps 0). */
void manage_put_concurrency(struct call *call);
void manage_delete_concurrency(struct call *call);

#endif /* CLAMBDA_SERVER_API_MANAGE_H */
