/* SPDX-License-Identifier: MIT */
/* Shared by validate.c and validate_members.c: the model errors gathered for one
 * ValidationException, and the two single-error answers (wrong JSON type, semantic refusal). */
#ifndef CLAMBDA_SERVER_VALIDATE_INT_H
#define CLAMBDA_SERVER_VALIDATE_INT_H

#include "cl_buf.h"
#include "control/validate.h"

/* The model errors found so far ("Value 'v' at 'member' failed to satisfy constraint: ..."). */
struct validate_found {
    int n;
    struct cl_buf msg;
};

/* Adds one model error for value at member (AWS's wording, the constraint from fmt). */
void validate_add(struct validate_found *f, const char *value, const char *member, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* Fills err with InvalidRequestContentException for a member of the wrong JSON type (want
 * says what it should be). -EINVAL. */
int validate_type_error(struct validate_error *err, const char *member, const char *want);

/* Fills err with InvalidParameterValueException and a message from fmt. -EINVAL. */
int validate_invalid_param(struct validate_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The configuration members clambda does not implement (validate_members.c), in the three
 * steps of validate_function_request: JSON types, model constraints, then refusal of any
 * value that is not equivalent to what clambda does. name is the function's name (for
 * LoggingConfig's LogGroup). 0 or -EINVAL with err filled. */
int validate_members_types(json_t *body, bool is_create, struct validate_error *err);
void validate_members_model(json_t *body, bool is_create, struct validate_found *f);
int validate_members_semantics(json_t *body, bool is_create, const char *name,
                               struct validate_error *err);

#endif /* CLAMBDA_SERVER_VALIDATE_INT_H */
