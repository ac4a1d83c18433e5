/* SPDX-License-Identifier: MIT */
/* The configuration members clambda does not implement; see validate_members.h. */
#include "control/validate_members.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "cl_buf.h"

enum member_type { M_OBJECT, M_STRING, M_STRINGS, M_BOOL };

/* One member's JSON type: key of the body (parent NULL) or of the body's object parent. */
struct typed {
    const char *parent;
    const char *key;
    enum member_type type;
    bool create_only;
};

static const struct typed typed[] = {
    {NULL, "VpcConfig", M_OBJECT, false},
    {"VpcConfig", "SubnetIds", M_STRINGS, false},
    {"VpcConfig", "SecurityGroupIds", M_STRINGS, false},
    {"VpcConfig", "Ipv6AllowedForDualStack", M_BOOL, false},
    {NULL, "DeadLetterConfig", M_OBJECT, false},
    {"DeadLetterConfig", "TargetArn", M_STRING, false},
    {NULL, "KMSKeyArn", M_STRING, false},
    {NULL, "TracingConfig", M_OBJECT, false},
    {"TracingConfig", "Mode", M_STRING, false},
    {NULL, "ImageConfig", M_OBJECT, false},
    {"ImageConfig", "EntryPoint", M_STRINGS, false},
    {"ImageConfig", "Command", M_STRINGS, false},
    {"ImageConfig", "WorkingDirectory", M_STRING, false},
    {NULL, "CodeSigningConfigArn", M_STRING, true},
    {NULL, "SnapStart", M_OBJECT, false},
    {"SnapStart", "ApplyOn", M_STRING, false},
    {NULL, "LoggingConfig", M_OBJECT, false},
    {"LoggingConfig", "LogFormat", M_STRING, false},
    {"LoggingConfig", "ApplicationLogLevel", M_STRING, false},
    {"LoggingConfig", "SystemLogLevel", M_STRING, false},
    {"LoggingConfig", "LogGroup", M_STRING, false},
};

/* AWS's patterns as its messages quote them, and the same as POSIX extended expressions. */
#define ARN_PATTERN "(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"
#define ARN_POSIX   "(arn:(aws[a-zA-Z-]*)?:[-a-z0-9.]+:.*)|()"
#define EFS_PATTERN                                                                           \
    "arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:" \
    "access-point/fsap-[a-f0-9]{17}"
#define EFS_POSIX                                                                                 \
    "arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-[0-9]{1}:[0-9]{12}:" \
    "access-point/fsap-[a-f0-9]{17}"
#define MOUNT_PATTERN "^/mnt/[a-zA-Z0-9-_.]+$"
#define MOUNT_POSIX   "/mnt/[-a-zA-Z0-9_.]+"
#define CSC_PATTERN                                                                   \
    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:" \
    "code-signing-config:csc-[a-z0-9]{17}"
#define CSC_POSIX                                                                         \
    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-[0-9]{1}:[0-9]{12}:" \
    "code-signing-config:csc-[a-z0-9]{17}"
#define LOG_GROUP_PATTERN "[\\.\\-_/#A-Za-z0-9]+"
#define LOG_GROUP_POSIX   "[-._/#A-Za-z0-9]+"

/* True when all of s matches the POSIX extended expression rx. */
static bool matches(const char *rx, const char *s)
{
    char full[512];
    regex_t re;
    (void)snprintf(full, sizeof(full), "^(%s)$", rx);
    if (regcomp(&re, full, REG_EXTENDED | REG_NOSUB) != 0) {
        return false;
    }
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static json_t *member_of(json_t *body, const char *parent, const char *key)
{
    return json_object_get(parent ? json_object_get(body, parent) : body, key);
}

static const char *str_of(json_t *body, const char *parent, const char *key)
{
    return json_string_value(member_of(body, parent, key));
}

static bool type_ok(const json_t *v, enum member_type type)
{
    size_t i;
    const json_t *e;
    switch (type) {
    case M_OBJECT:
        return json_is_object(v);
    case M_STRING:
        return json_is_string(v);
    case M_BOOL:
        return json_is_boolean(v);
    case M_STRINGS:
        if (!json_is_array(v)) {
            return false;
        }
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                return false;
            }
        }
        return true;
    }
    return false;
}

static const char *type_name(enum member_type type)
{
    static const char *const names[] = {"a JSON object", "a string", "a list of strings",
                                        "a boolean"};
    return names[type];
}

/* FileSystemConfigs: a list of {"Arn": string, "LocalMountPath": string}. */
static int fs_types(json_t *body, struct err *err)
{
    json_t *list = json_object_get(body, "FileSystemConfigs");
    size_t i;
    json_t *e;
    if (list && !json_is_array(list)) {
        return validate_err_type(err, "FileSystemConfigs", "a list of objects");
    }
    json_array_foreach(list, i, e)
    {
        const json_t *arn = json_object_get(e, "Arn");
        const json_t *path = json_object_get(e, "LocalMountPath");
        if (!json_is_object(e) || (arn && !json_is_string(arn)) ||
            (path && !json_is_string(path))) {
            return validate_err_type(err, "FileSystemConfigs",
                                     "a list of {\"Arn\": string, \"LocalMountPath\": string}");
        }
    }
    return 0;
}

int validate_members_types(json_t *body, bool is_create, struct err *err)
{
    for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
        const struct typed *t = &typed[i];
        const json_t *v = member_of(body, t->parent, t->key);
        if (v == NULL || (t->create_only && !is_create) || type_ok(v, t->type)) {
            continue;
        }
        char member[96];
        (void)snprintf(member, sizeof(member), "%s%s%s", t->parent ? t->parent : "",
                       t->parent ? "." : "", t->key);
        return validate_err_type(err, member, type_name(t->type));
    }
    return fs_types(body, err);
}

/* value must be one of the NULL-terminated list; else an enum error at member. */
static void check_enum(struct validate_err_list *f, const char *value, const char *member,
                       const char *const *list)
{
    if (value == NULL) {
        return;
    }
    struct cl_buf set;
    cl_buf_init(&set, VALIDATE_ERR_MAX);
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(list[i], value) == 0) {
            cl_buf_fini(&set);
            return;
        }
        (void)cl_buf_printf(&set, "%s%s", i ? ", " : "", list[i]);
    }
    validate_err_add(f, value, member, "Member must satisfy enum value set: [%s]",
                     cl_buf_str(&set));
    cl_buf_fini(&set);
}

static void check_pattern(struct validate_err_list *f, const char *value, const char *member,
                          const char *pattern, const char *posix)
{
    if (value && !matches(posix, value)) {
        validate_err_add(f, value, member, "Member must satisfy regular expression pattern: %s",
                         pattern);
    }
}

static void check_max_len(struct validate_err_list *f, const char *value, const char *member,
                          size_t max)
{
    if (value && strlen(value) > max) {
        validate_err_add(f, value, member, "Member must have length less than or equal to %zu",
                         max);
    }
}

static void check_max_items(struct validate_err_list *f, const json_t *list, const char *member,
                            size_t max)
{
    if (json_array_size(list) > max) {
        char v[32];
        (void)snprintf(v, sizeof(v), "[%zu items]", json_array_size(list));
        validate_err_add(f, v, member, "Member must have length less than or equal to %zu", max);
    }
}

static void fs_model(json_t *body, struct validate_err_list *f)
{
    json_t *list = json_object_get(body, "FileSystemConfigs");
    size_t i;
    json_t *e;
    check_max_items(f, list, "fileSystemConfigs", 1);
    json_array_foreach(list, i, e)
    {
        char arn[64], path[64];
        (void)snprintf(arn, sizeof(arn), "fileSystemConfigs.%zu.member.arn", i + 1);
        (void)snprintf(path, sizeof(path), "fileSystemConfigs.%zu.member.localMountPath", i + 1);
        const char *a = json_string_value(json_object_get(e, "Arn"));
        const char *p = json_string_value(json_object_get(e, "LocalMountPath"));
        if (a && strlen(a) > 200) {
            check_max_len(f, a, arn, 200);
        } else {
            check_pattern(f, a, arn, EFS_PATTERN, EFS_POSIX);
        }
        if (p && strlen(p) > 160) {
            check_max_len(f, p, path, 160);
        } else {
            check_pattern(f, p, path, MOUNT_PATTERN, MOUNT_POSIX);
        }
    }
}

static void logging_model(json_t *body, struct validate_err_list *f)
{
    static const char *const formats[] = {"JSON", "Text", NULL};
    static const char *const app_levels[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                             "ERROR", "FATAL", NULL};
    static const char *const sys_levels[] = {"DEBUG", "INFO", "WARN", NULL};
    const char *group = str_of(body, "LoggingConfig", "LogGroup");
    check_enum(f, str_of(body, "LoggingConfig", "LogFormat"), "loggingConfig.logFormat", formats);
    check_enum(f, str_of(body, "LoggingConfig", "ApplicationLogLevel"),
               "loggingConfig.applicationLogLevel", app_levels);
    check_enum(f, str_of(body, "LoggingConfig", "SystemLogLevel"), "loggingConfig.systemLogLevel",
               sys_levels);
    if (group && *group == '\0') {
        validate_err_add(f, group, "loggingConfig.logGroup",
                         "Member must have length greater than or equal to 1");
    } else if (group && strlen(group) > 512) {
        check_max_len(f, group, "loggingConfig.logGroup", 512);
    } else {
        check_pattern(f, group, "loggingConfig.logGroup", LOG_GROUP_PATTERN, LOG_GROUP_POSIX);
    }
}

void validate_members_model(json_t *body, bool is_create, struct validate_err_list *f)
{
    static const char *const modes[] = {"Active", "PassThrough", NULL};
    static const char *const apply_on[] = {"PublishedVersions", "None", NULL};
    check_max_items(f, member_of(body, "VpcConfig", "SubnetIds"), "vpcConfig.subnetIds", 16);
    check_max_items(f, member_of(body, "VpcConfig", "SecurityGroupIds"),
                    "vpcConfig.securityGroupIds", 5);
    check_pattern(f, str_of(body, "DeadLetterConfig", "TargetArn"), "deadLetterConfig.targetArn",
                  ARN_PATTERN, ARN_POSIX);
    check_pattern(f, str_of(body, NULL, "KMSKeyArn"), "kMSKeyArn", ARN_PATTERN, ARN_POSIX);
    check_enum(f, str_of(body, "TracingConfig", "Mode"), "tracingConfig.mode", modes);
    fs_model(body, f);
    check_max_items(f, member_of(body, "ImageConfig", "EntryPoint"), "imageConfig.entryPoint",
                    1500);
    check_max_items(f, member_of(body, "ImageConfig", "Command"), "imageConfig.command", 1500);
    check_max_len(f, str_of(body, "ImageConfig", "WorkingDirectory"),
                  "imageConfig.workingDirectory", 1000);
    const char *csc = is_create ? str_of(body, NULL, "CodeSigningConfigArn") : NULL;
    if (csc && strlen(csc) > 200) {
        check_max_len(f, csc, "codeSigningConfigArn", 200);
    } else {
        check_pattern(f, csc, "codeSigningConfigArn", CSC_PATTERN, CSC_POSIX);
    }
    check_enum(f, str_of(body, "SnapStart", "ApplyOn"), "snapStart.applyOn", apply_on);
    logging_model(body, f);
}

static bool nonempty_str(const char *s)
{
    return s && *s;
}

static int vpc_semantics(json_t *body, struct err *err)
{
    if (json_array_size(member_of(body, "VpcConfig", "SubnetIds")) > 0 ||
        json_array_size(member_of(body, "VpcConfig", "SecurityGroupIds")) > 0) {
        return validate_err_invalid_param(
            err, "clambda does not support VpcConfig with SubnetIds or SecurityGroupIds (VPC "
                 "networking): functions use the server's network; use empty SubnetIds and "
                 "SecurityGroupIds or leave VpcConfig out.");
    }
    if (json_is_true(member_of(body, "VpcConfig", "Ipv6AllowedForDualStack"))) {
        return validate_err_invalid_param(
            err, "clambda does not support VpcConfig Ipv6AllowedForDualStack true (VPC "
                 "networking): use false or leave it out.");
    }
    return 0;
}

static int image_semantics(json_t *body, struct err *err)
{
    if (json_array_size(member_of(body, "ImageConfig", "EntryPoint")) > 0 ||
        json_array_size(member_of(body, "ImageConfig", "Command")) > 0 ||
        nonempty_str(str_of(body, "ImageConfig", "WorkingDirectory"))) {
        return validate_err_invalid_param(
            err, "clambda does not support ImageConfig (container images): functions are zip "
                 "archives; leave it out.");
    }
    return 0;
}

static int logging_semantics(json_t *body, const char *name, struct err *err)
{
    const char *format = str_of(body, "LoggingConfig", "LogFormat");
    const char *group = str_of(body, "LoggingConfig", "LogGroup");
    if (format && strcmp(format, "JSON") == 0) {
        return validate_err_invalid_param(
            err, "clambda does not support LoggingConfig LogFormat JSON: function logs are "
                 "plain text; use Text or leave it out.");
    }
    if (member_of(body, "LoggingConfig", "ApplicationLogLevel") ||
        member_of(body, "LoggingConfig", "SystemLogLevel")) {
        return validate_err_invalid_param(
            err, "clambda does not support LoggingConfig ApplicationLogLevel or SystemLogLevel "
                 "(log-level filtering needs LogFormat JSON): leave them out.");
    }
    char *own = xasprintf("/aws/lambda/%s", name ? name : "");
    int rc = 0;
    if (group && strcmp(group, own) != 0) {
        rc = validate_err_invalid_param(err,
                                        "clambda does not support LoggingConfig LogGroup %s: a "
                                        "function's logs go to %s; use that or leave LogGroup out.",
                                        group, own);
    }
    free(own);
    return rc;
}

int validate_members_semantics(json_t *body, bool is_create, const char *name, struct err *err)
{
    const char *dlq = str_of(body, "DeadLetterConfig", "TargetArn");
    const char *mode = str_of(body, "TracingConfig", "Mode");
    const char *apply_on = str_of(body, "SnapStart", "ApplyOn");
    if (vpc_semantics(body, err) < 0) {
        return -EINVAL;
    }
    if (nonempty_str(dlq)) {
        return validate_err_invalid_param(
            err,
            "clambda does not support DeadLetterConfig TargetArn %s (SQS/SNS dead-letter "
            "queues): use an OnFailure destination function (PutFunctionEventInvokeConfig), an "
            "empty TargetArn or leave DeadLetterConfig out.",
            dlq);
    }
    if (nonempty_str(str_of(body, NULL, "KMSKeyArn"))) {
        return validate_err_invalid_param(
            err, "clambda does not support KMSKeyArn (customer managed KMS keys): environment "
                 "variables are kept in the server's state directory; use \"\" or leave it out.");
    }
    if (mode && strcmp(mode, "Active") == 0) {
        return validate_err_invalid_param(err, "clambda does not support TracingConfig Mode Active "
                                               "(X-Ray): use PassThrough or leave it out.");
    }
    if (json_array_size(json_object_get(body, "FileSystemConfigs")) > 0) {
        return validate_err_invalid_param(err, "clambda does not support FileSystemConfigs (EFS "
                                               "mounts): use [] or leave it out.");
    }
    if (image_semantics(body, err) < 0) {
        return -EINVAL;
    }
    if (is_create && json_object_get(body, "CodeSigningConfigArn")) {
        return validate_err_invalid_param(err,
                                          "clambda does not support CodeSigningConfigArn (code "
                                          "signing): leave it out.");
    }
    if (apply_on && strcmp(apply_on, "PublishedVersions") == 0) {
        return validate_err_invalid_param(err, "clambda does not support SnapStart ApplyOn "
                                               "PublishedVersions: use None or leave it out.");
    }
    return logging_semantics(body, name, err);
}
