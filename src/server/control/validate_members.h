/* SPDX-License-Identifier: MIT */
/* The configuration members of CreateFunction / UpdateFunctionConfiguration that clambda does
 * not implement (VpcConfig, DeadLetterConfig, KMSKeyArn, TracingConfig, FileSystemConfigs,
 * ImageConfig, CodeSigningConfigArn, SnapStart, LoggingConfig), in the three steps of
 * validate_function_request (validate.h): JSON types, model constraints, then refusal of any
 * value that is not equivalent to what clambda does. Values AWS itself would reject get AWS's
 * errors; values equivalent to what clambda does (the defaults templates spell out) pass;
 * anything else is refused with a message naming the member, never ignored. See docs/api.md
 * "Configuration members clambda does not implement". Pure. */
#ifndef CLAMBDA_SERVER_VALIDATE_MEMBERS_H
#define CLAMBDA_SERVER_VALIDATE_MEMBERS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/validate_err.h"

/* Checks the members' JSON types (is_create: CreateFunction, which also takes
 * CodeSigningConfigArn). 0, or -EINVAL with *err set to InvalidRequestContentException. */
int validate_members_types(json_t *body, bool is_create, struct err *err);

/* Adds the members' model errors (lengths, enums, patterns) to l. */
void validate_members_model(json_t *body, bool is_create, struct validate_err_list *f);

/* Refuses values clambda cannot honour. name is the function's name (for LoggingConfig's
 * LogGroup; NULL: unknown). 0, or -EINVAL with *err set to InvalidParameterValueException. */
int validate_members_semantics(json_t *body, bool is_create, const char *name, struct err *err);

#endif /* CLAMBDA_SERVER_VALIDATE_MEMBERS_H */
