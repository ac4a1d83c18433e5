/* SPDX-License-Identifier: MIT */
/* The one carrier of an AWS error found before answering (struct err: status, type and
 * a heap message, never cut), and the builders of AWS's validation messages: the model errors
 * gathered into one ValidationException ("1 validation error detected: Value '20000' at
 * 'memorySize' failed to satisfy constraint: Member must have value less than or equal to
 * 10240", "2 validation errors detected: ...; ..."), a member of the wrong JSON type
 * (InvalidRequestContentException) and semantic refusals (InvalidParameterValueException).
 * Used by control/validate, control/validate_members, api/page, api/target and api/upload;
 * api/call answers a struct err (call_reject). Pure: no I/O. */
#ifndef CLAMBDA_SERVER_BASE_VALIDATE_ERR_H
#define CLAMBDA_SERVER_BASE_VALIDATE_ERR_H

#include "base/err.h"
#include "cl_buf.h"

/* The model errors found so far for one ValidationException (validate_err_add). Initialise
 * with validate_err_list_init; validate_err_list_done releases it. */
struct validate_err_list {
    int n;
    struct cl_buf msg;
};

/* Largest gathered message (bytes): far above anything quoting a request (bodies are capped at
 * 70 MB and a message quotes a few members); a bound, not a length messages are cut to. */
#define VALIDATE_ERR_MAX ((size_t)1 << 30)

/* Sets *err to a one-error ValidationException for value at member, AWS's wording: "1
 * validation error detected: Value 'v' at 'member' failed to satisfy constraint: constraint".
 * value NULL gives "Value at 'member'" (AWS's wording when the value is not shown). Returns
 * -EINVAL. */
int validate_err_one(struct err *err, const char *value, const char *member,
                     const char *constraint);

/* Sets *err to the ValidationException of a missing required member: "1 validation error
 * detected: Value null at 'member' failed to satisfy constraint: Member must not be null".
 * Returns -EINVAL. */
int validate_err_null(struct err *err, const char *member);

/* Sets *err to InvalidRequestContentException for a member of the wrong JSON type (want says
 * what it should be). Returns -EINVAL. */
int validate_err_type(struct err *err, const char *member, const char *want);

/* Sets *err to InvalidParameterValueException with a message from fmt. Returns -EINVAL. */
int validate_err_invalid_param(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Starts an empty list of model errors. */
void validate_err_list_init(struct validate_err_list *l);

/* Adds one model error for value at member (AWS's wording, the constraint from fmt). */
void validate_err_add(struct validate_err_list *l, const char *value, const char *member,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Ends l (its memory is released either way). With no error gathered: 0. Otherwise -EINVAL
 * with *err set to the ValidationException "N validation error(s) detected: e1; e2; ...". */
int validate_err_list_done(struct validate_err_list *l, struct err *err);

#endif /* CLAMBDA_SERVER_BASE_VALIDATE_ERR_H */
