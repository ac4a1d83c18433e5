/* SPDX-License-Identifier: MIT */
/* Control-plane operations that change functions, on the function store (store.h) and the
 * pool: CreateFunction (Code.ZipFile, or Code.S3Bucket/S3Key read from the bucket directory;
 * checked and extracted by code.c, saved by the registry, served at once),
 * UpdateFunctionConfiguration (a new configuration replaces the old one in the
 * pool: in-flight invocations finish on the old one) and DeleteFunction (the function, its
 * versions, aliases and settings).
 * Functions defined by --manifest are the manifest's: the API does not create over them or
 * delete them (409). */
#ifndef CLAMBDA_SERVER_API_MANAGE_H
#define CLAMBDA_SERVER_API_MANAGE_H

#include "api_control.h"
#include "code.h"
#include "code_ref.h"

/* The zip bytes a code object names (CreateFunction's Code, UpdateFunctionCode's body,
 * PublishLayerVersion's Content): ZipFile (base64, at most 50 MB) or S3Bucket/S3Key
 * (S3ObjectVersion "null" only) read from bucket_dir (code_ref.h); ImageUri is refused.
 * prefix names the members in ValidationException messages ("code.", "", "content.").
 * Answers nothing and touches no server state, so it may run off the loop thread. OUT: *zip
 * (initialised here; cl_buf_fini also after a failure), *err on failure. 0 or -errno. */
int api_manage_code_bytes(const char *bucket_dir, json_t *code, const char *prefix,
                          struct cl_buf *zip, struct code_ref_error *err);

/* api_manage_code_bytes, then extracts the zip safely (code.h) under the state dir. OUT: *ci
 * (code_info_fini). False after answering the AWS error (413 over 50 MB, 400 for bad base64, a
 * bad zip or a bad/missing S3 object, ...). */
bool api_manage_extract_zip(struct api_call *call, json_t *code, const char *prefix,
                            struct code_info *ci);

/* Operation handlers (see api_control.c's route table). */
void api_manage_create_function(struct api_call *call);
void api_manage_delete_function(struct api_call *call);
void api_manage_update_configuration(struct api_call *call);
/* UpdateFunctionCode (ZipFile base64 or S3Bucket/S3Key, Architectures, DryRun, RevisionId): a new
 * code package for $LATEST; its environments are replaced without failing in-flight invocations. */
void api_manage_update_code(struct api_call *call);
/* PutFunctionConcurrency / DeleteFunctionConcurrency: the sum of reserved concurrency may not
 * exceed --max-concurrency (AWS keeps 100 unreserved; clambda keeps 0). */
void api_manage_put_concurrency(struct api_call *call);
void api_manage_delete_concurrency(struct api_call *call);

#endif /* CLAMBDA_SERVER_API_MANAGE_H */
