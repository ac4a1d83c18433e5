/* SPDX-License-Identifier: MIT */
/* The FunctionConfiguration JSON object (control-api.md 4.1) built from a struct
 * function_config plus what the function store keeps beside it (code hash and size, times,
 * revision, state), with exactly the member names and formats botocore parses, in AWS's order.
 * Also AWS's LastModified time format (ARNs: api/arn.h). Pure: no I/O. */
#ifndef CLAMBDA_SERVER_FUNC_JSON_H
#define CLAMBDA_SERVER_FUNC_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "base/func.h"

/* Size of "2024-01-02T03:04:05.678+0000" with its NUL. */
#define FUNC_JSON_TIME_LEN 29

/* What a function has besides its configuration (the store's columns). Strings borrowed;
 * NULL members are left out of the JSON (defaults noted). */
struct func_meta {
    const char *version;        /* "$LATEST" (default) or "N" */
    const char *description;    /* "" */
    const char *role;           /* IAM role ARN; omitted when NULL */
    const char *code_sha256;    /* base64 SHA-256 of the code */
    long long code_size;        /* bytes */
    long long last_modified_ms; /* epoch milliseconds (when last_modified is NULL) */
    const char *last_modified;  /* already formatted (a stored function), or NULL */
    const char *revision_id;    /* UUID */
    const char *state;          /* "Active" */
    const char *state_reason;   /* only while not Active */
    const char *state_reason_code;
    const char *last_update_status; /* "Successful" */
    const char *package_type;       /* "Zip" */
    bool creating; /* CreateFunction's answer: Pending, no LastUpdateStatus (catalog/lifecycle.h) */
    bool updating; /* an update's answer: LastUpdateStatus InProgress */
};

/* Formats epoch milliseconds as "2024-01-02T03:04:05.678+0000" into out[FUNC_JSON_TIME_LEN]. */
void func_json_time(long long ms, char *out);

/* The FunctionConfiguration of cfg. FunctionArn carries ":<version>" when qualified is true.
 * Returns a new reference (json_decref). */
json_t *func_json_config(const struct function_config *cfg, const struct func_meta *m,
                         const char *region, const char *account, bool qualified);

#endif /* CLAMBDA_SERVER_FUNC_JSON_H */
