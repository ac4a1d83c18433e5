/* SPDX-License-Identifier: MIT */
/* Validation of control-plane input with AWS's limits and AWS's exact errors: model
 * constraints (lengths, ranges, patterns, enums) are gathered into one ValidationException
 * ("1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint:
 * Member must have value less than or equal to 10240", "2 validation errors detected: ...; ..."),
 * semantic rules (reserved or oversized environment, unsupported runtime) give
 * InvalidParameterValueException, wrong JSON types InvalidRequestContentException. Used by
 * CreateFunction / UpdateFunctionConfiguration and the query parameters of the list operations.
 * Pure. */
#ifndef CLAMBDA_SERVER_VALIDATE_H
#define CLAMBDA_SERVER_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest compact-JSON size of Environment.Variables (AWS: 4 KB). */
#define VALIDATE_ENV_MAX 4096

/* An error to send as is (message key per call_error). */
struct validate_error {
    int status;       /* 400 */
    const char *type; /* "ValidationException", "InvalidParameterValueException", ... */
    char message[4096];
};

/* Checks a CreateFunction (is_create) or UpdateFunctionConfiguration request body for the
 * function called name (NULL: the body's FunctionName). Configuration members clambda does not
 * implement (TracingConfig, VpcConfig, ...) pass only with values equivalent to what clambda
 * does (docs/api.md "Configuration members clambda does not implement"). OUT: *err. 0 when
 * valid, -EINVAL otherwise. */
int validate_function_request(json_t *body, bool is_create, const char *name,
                              struct validate_error *err);

/* Checks the MaxItems query value (1-10000; absent = NULL is fine). OUT: *max_items (default
 * dflt). 0 or -EINVAL with *err. */
int validate_max_items(const char *value, int dflt, int *max_items, struct validate_error *err);

/* True when runtime is one of the model's Runtime enum values (control-api.md 7). */
bool validate_runtime_known(const char *runtime);
/* True when this server can run functions of runtime (provided.al2023, provided.al2,
 * provided). */
bool validate_runtime_supported(const char *runtime);

/* Fills err with a one-error ValidationException for value at member (AWS's wording). */
void validate_one(struct validate_error *err, const char *value, const char *member,
                  const char *constraint);

#endif /* CLAMBDA_SERVER_VALIDATE_H */
