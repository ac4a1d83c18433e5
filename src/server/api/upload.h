/* SPDX-License-Identifier: MIT */
/* The heavy half of the operations that upload code (CreateFunction, UpdateFunctionCode,
 * PublishLayerVersion): parsing a body of up to 70 MB of JSON, decoding its base64 zip (or
 * reading an S3Bucket/S3Key object of up to 250 MB, code_ref.h) and extracting it (code.h) take
 * about 20 ms per MB. upload_prepare touches no shared state, so the front door
 * (front/routes.c) runs it on libuv's thread pool and the operation itself (checks against the
 * registry, the store, the answer) on the loop once it is done: invocations are never stalled
 * by an upload. */
#ifndef CLAMBDA_SERVER_API_UPLOAD_H
#define CLAMBDA_SERVER_API_UPLOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/validate_err.h"
#include "state/code.h"

/* Which operation, so where its code is: Code, the body or Content (ZipFile or
 * S3Bucket/S3Key). */
enum upload_kind { UPLOAD_FUNCTION, UPLOAD_CODE, UPLOAD_LAYER };

/* What the worker made of an upload request. */
struct upload {
    json_t *body;        /* the parsed body (owned); NULL when empty or not JSON */
    bool empty;          /* the request had no body */
    bool refused;        /* false: the package is in ci; true: err says why not */
    struct err err;      /* the AWS error that refused it (owned) */
    struct code_info ci; /* owned until upload_take_code */
};

/* Parses body[0..len), reads the package that kind names (a base64 ZipFile, or the
 * S3Bucket/S3Key object under bucket_dir, code_ref.h), checks it and extracts it under
 * state_dir. Thread-safe; blocks on CPU and disk. OUT: *up (upload_fini). */
void upload_prepare(enum upload_kind kind, const uint8_t *body, size_t len, const char *state_dir,
                    const char *bucket_dir, struct upload *up);
/* Frees up's members. NULL is a no-op. */
void upload_fini(struct upload *up);

/* For a handler on the loop: moves the prepared package of up (NULL: the request was not an
 * upload) into *ci (code_info_fini). 0, or -EINVAL with *err (err_fini) set to the AWS
 * error that refused it (413 over 50 MB, 400 for bad base64, a bad zip, a missing or bad S3
 * object, or a code source clambda does not take; 500 when up is NULL). */
int upload_take_code(struct upload *up, struct code_info *ci, struct err *err);

#endif /* CLAMBDA_SERVER_API_UPLOAD_H */
