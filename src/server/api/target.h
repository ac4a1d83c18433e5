/* SPDX-License-Identifier: MIT */
/* The function a control-plane request names, looked up one way for every handler
 * (control-api.md 3): the first path label is a name, a partial ARN
 * (ACCOUNT:function:NAME) or a full ARN, with ":QUALIFIER" appended where the operation takes
 * one; ?Qualifier= is the other way to qualify (both given and different:
 * InvalidParameterValueException). The label and the query are checked against the shapes the
 * operation's model gives them (FunctionName or NamespacedFunctionName; Qualifier,
 * NumericLatestPublishedOrAliasQualifier), their errors gathered into one ValidationException
 * quoting AWS's patterns (tests/data/conformance.json). A function (or qualifier: $LATEST, a
 * version or an alias) that does not exist is 404 "Function not found: <arn>"; so is a name the
 * pattern allows but no function can have (longer than 64 characters, or with a '.'), and an
 * ARN of another region is 404 "Functions from 'R' are not reachable in this region ('S')".
 * Looks in the pool (the functions and versions served) and the alias cache; no I/O. */
#ifndef CLAMBDA_SERVER_API_TARGET_H
#define CLAMBDA_SERVER_API_TARGET_H

#include "api/call.h"
#include "base/func.h"
#include "base/validate_err.h"
#include "http/url.h"

/* AWS's FunctionName patterns, as its ValidationExceptions quote them (recorded answers of
 * late 2025; botocore's model has the same without "(eusc-)?"): unqualified, with the optional
 * qualifier (shape FunctionName), and NamespacedFunctionName (GetFunction, Invoke,
 * DeleteFunction, ...: '.' in names, $LATEST.PUBLISHED). */
#define TARGET_ARN_PREFIX_PATTERN                                                               \
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?" \
    "(\\d{12}:)?(function:)?"
#define TARGET_NAME_PATTERN TARGET_ARN_PREFIX_PATTERN "([a-zA-Z0-9-_]+)"
#define TARGET_PATTERN      TARGET_NAME_PATTERN "(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
#define TARGET_NS_PATTERN \
    TARGET_ARN_PREFIX_PATTERN "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
/* The Qualifier shapes: NumericLatestPublishedOrAliasQualifier and the older Qualifier. */
#define TARGET_QUALIFIER_PATTERN     "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
#define TARGET_OLD_QUALIFIER_PATTERN "(|[a-zA-Z0-9$_-]+)"
/* Longest label of the FunctionName shape (NamespacedFunctionName: URL_ID_MAX). */
#define TARGET_NAME_MAX 140

/* AWS's message when the label's qualifier and ?Qualifier= differ. */
#define TARGET_QUALIFIER_MISMATCH \
    "The derived qualifier from the function name does not match the specified qualifier."

/* What a handler needs the first path label to name. */
enum target_rule {
    TARGET_LATEST,   /* a function, no qualifier (the Qualifier query is not read) */
    TARGET_FUNCTION, /* a function; a qualifier (label or query) is kept, not looked up */
    TARGET_VERSION,  /* a function and its qualifier: $LATEST, a version or an alias */
};

/* How operation op (a model operation name; NULL: none in particular) reads its FunctionName
 * and Qualifier. */
struct target_shape {
    bool namespaced;       /* NamespacedFunctionName: up to 256, '.', $LATEST.PUBLISHED */
    const char *q_pattern; /* the Qualifier member's pattern */
    bool latest_suffix;    /* its "Function not found" ARN ends ":$LATEST" when unqualified */
    bool alias_message;    /* a missing alias is "Cannot find alias arn: <arn>" */
};
void target_shape_of(const char *op, struct target_shape *s);

/* Parses id (a name, partial or full ARN; with ":QUALIFIER" when qualified) into *t as op's
 * model reads it. 0, or -EINVAL with *err set: ValidationException at 'functionName' quoting
 * the pattern (TARGET_NAME_PATTERN when !qualified). t->name may be a name no function can have
 * (target_name_possible). */
int target_parse_op(const char *op, const char *id, bool qualified, struct url_fn *t,
                    struct err *err);
/* target_parse_op for no operation in particular (the FunctionName shape). */
int target_parse(const char *id, bool qualified, struct url_fn *t, struct err *err);

/* Whether a function may be called name (1-64 of [a-zA-Z0-9-_]). */
bool target_name_possible(const char *name);

/* Sets *err to 404 ResourceNotFoundException "Function not found: <function ARN[:qualifier]>"
 * (qualifier NULL or "" for none). Returns -ENOENT. */
int target_not_found(const char *region, const char *account, const char *name,
                     const char *qualifier, struct err *err);

/* target_parse_op with op's ?Qualifier= of url (NULL: not read) checked and merged into *t.
 * The query's model errors come before the label's in one ValidationException, as AWS gathers
 * them; a qualifier in both that differs is InvalidParameterValueException. 0 or -EINVAL with
 * *err set. */
int target_read(const char *op, const char *id, const char *url, bool qualified, struct url_fn *t,
                struct err *err);

/* The region part of id when it is a full ARN naming a region other than region: 404
 * "Functions from 'R' are not reachable in this region ('S')" in *err, -ENOENT. Else 0. */
int target_check_region(const char *id, const char *region, struct err *err);

/* Resolves call's first path label under rule. OUT: *t (name, qualifier: "" when none) and
 * *cfg: $LATEST's configuration, or for TARGET_VERSION with a qualifier the configuration it
 * names (an alias: its primary version); borrowed from the pool. 0, or -EINVAL / -ENOENT with
 * *err set (err_fini). */
int target_resolve(const struct call *call, enum target_rule rule, struct url_fn *t,
                   const struct function_config **cfg, struct err *err);

/* target_resolve for a handler: the configuration, or NULL after answering the error. */
const struct function_config *target_get(struct call *call, enum target_rule rule,
                                         struct url_fn *t);

/* Sets *err to 404 ResourceNotFoundException "Cannot find alias arn: <function ARN>:<alias>".
 * Returns -ENOENT. */
int target_alias_not_found(const char *region, const char *account, const char *name,
                           const char *alias, struct err *err);

/* Whether qualifier q names an alias (not $LATEST, not a version number). */
bool target_is_alias(const char *q);

/* Answers target_not_found for function name of call's account. */
void target_missing(struct call *call, const char *name, const char *qualifier);

#endif /* CLAMBDA_SERVER_API_TARGET_H */
