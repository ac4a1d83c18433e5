/* SPDX-License-Identifier: MIT */
/* Validation of control-plane input with AWS's limits and AWS's exact errors: model
 * constraints (lengths, ranges, patterns, enums) are gathered into one ValidationException
 * ("1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint:
 * Member must have value less than or equal to 10240", "2 validation errors detected: ...; ..."),
 * semantic rules (reserved or oversized environment, unsupported runtime) give
 * InvalidParameterValueException, wrong JSON types InvalidRequestContentException (the
 * messages are built by api/validate_err.h). Used by CreateFunction /
 * UpdateFunctionConfiguration; the members clambda does not implement are checked by
 * validate_members.h. Pure. */
#ifndef CLAMBDA_SERVER_VALIDATE_H
#define CLAMBDA_SERVER_VALIDATE_H

#include <jansson.h>

#include "cl_buf.h"
#include <stdbool.h>
#include <stddef.h>

#include "base/validate_err.h"

/* Largest compact-JSON size of Environment.Variables (AWS: 4 KB). */
#define VALIDATE_ENV_MAX 4096

/* Checks a CreateFunction (is_create) or UpdateFunctionConfiguration request body for the
 * function called name (NULL: the body's FunctionName). Configuration members clambda does not
 * implement (TracingConfig, VpcConfig, ...) pass only with values equivalent to what clambda
 * does (docs/api.md "Configuration members clambda does not implement"). 0 when valid;
 * -EINVAL otherwise, with *err set (err_fini). */
int validate_function_request(json_t *body, bool is_create, const char *name, struct err *err);

/* True when runtime is one of the model's Runtime enum values (control-api.md 7). */
bool validate_runtime_known(const char *runtime);
/* Appends "Member must satisfy enum value set: [<the model's Runtime enum>]" to b (the whole
 * list, however long). */
void validate_runtime_enum(struct cl_buf *b);
/* True when this server can run functions of runtime (provided.al2023, provided.al2,
 * provided). */
bool validate_runtime_supported(const char *runtime);

#endif /* CLAMBDA_SERVER_VALIDATE_H */
