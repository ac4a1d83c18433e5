/* SPDX-License-Identifier: MIT */
/* The function a control-plane request names, looked up one way for every handler
 * (control-api.md 3): the first path label is a name, a partial ARN
 * (ACCOUNT:function:NAME) or a full ARN, with ":QUALIFIER" appended where the operation takes
 * one; ?Qualifier= is the other way to qualify (both given and different:
 * InvalidParameterValueException). A malformed label is a ValidationException quoting AWS's
 * pattern; a function (or qualifier: $LATEST, a version or an alias) that does not exist is
 * 404 "Function not found: <arn>". Looks in the pool (the functions and versions served) and
 * the alias cache; no I/O. */
#ifndef CLAMBDA_SERVER_API_TARGET_H
#define CLAMBDA_SERVER_API_TARGET_H

#include "api/call.h"
#include "base/func.h"
#include "base/validate_err.h"
#include "http/url.h"

/* AWS's FunctionName pattern, as its ValidationExceptions quote it: unqualified, and with the
 * optional qualifier. */
#define TARGET_NAME_PATTERN                                                                   \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?" \
    "([a-zA-Z0-9-_]+)"
#define TARGET_PATTERN TARGET_NAME_PATTERN "(:(\\$LATEST|[a-zA-Z0-9-_]+))?"

/* AWS's message when the label's qualifier and ?Qualifier= differ. */
#define TARGET_QUALIFIER_MISMATCH \
    "The derived qualifier from the function name does not match the specified qualifier."

/* What a handler needs the first path label to name. */
enum target_rule {
    TARGET_LATEST,   /* a function, no qualifier (the Qualifier query is not read) */
    TARGET_FUNCTION, /* a function; a qualifier (label or query) is kept, not looked up */
    TARGET_VERSION,  /* a function and its qualifier: $LATEST, a version or an alias */
};

/* Parses id (a name, partial or full ARN; with ":QUALIFIER" when qualified) into *t. 0, or
 * -EINVAL with *err set: ValidationException at 'functionName' quoting TARGET_PATTERN
 * (TARGET_NAME_PATTERN when !qualified). */
int target_parse(const char *id, bool qualified, struct url_fn *t, struct err *err);

/* Sets *err to 404 ResourceNotFoundException "Function not found: <function ARN[:qualifier]>"
 * (qualifier NULL or "" for none). Returns -ENOENT. */
int target_not_found(const char *region, const char *account, const char *name,
                     const char *qualifier, struct err *err);

/* Resolves call's first path label under rule. OUT: *t (name, qualifier: "" when none) and
 * *cfg: $LATEST's configuration, or for TARGET_VERSION with a qualifier the configuration it
 * names (an alias: its primary version); borrowed from the pool. 0, or -EINVAL / -ENOENT with
 * *err set (err_fini). */
int target_resolve(const struct call *call, enum target_rule rule, struct url_fn *t,
                   const struct function_config **cfg, struct err *err);

/* target_resolve for a handler: the configuration, or NULL after answering the error. */
const struct function_config *target_get(struct call *call, enum target_rule rule,
                                         struct url_fn *t);

/* Answers target_not_found for function name of call's account. */
void target_missing(struct call *call, const char *name, const char *qualifier);

#endif /* CLAMBDA_SERVER_API_TARGET_H */
