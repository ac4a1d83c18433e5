/* SPDX-License-Identifier: MIT */
/* Control-plane validation; see validate.h. Model constraints are checked in the order of the
 * request members and reported together, as AWS's front end does; semantic checks run only
 * when the model constraints hold. */
#include "control/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/target.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "cl_buf.h"
#include "control/validate_members.h"
#define ROLE_PATTERN "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"

static const char *const runtimes[] = {
    "nodejs",         "nodejs4.3",     "nodejs6.10",      "nodejs8.10",
    "nodejs10.x",     "nodejs12.x",    "nodejs14.x",      "nodejs16.x",
    "nodejs18.x",     "nodejs20.x",    "nodejs22.x",      "nodejs24.x",
    "nodejs26.x",     "java8",         "java8.al2",       "java8.al2023",
    "java11",         "java11.al2023", "java17",          "java17.al2023",
    "java21",         "java25",        "python2.7",       "python3.6",
    "python3.7",      "python3.8",     "python3.9",       "python3.10",
    "python3.11",     "python3.12",    "python3.13",      "python3.14",
    "python3.15",     "dotnetcore1.0", "dotnetcore2.0",   "dotnetcore2.1",
    "dotnetcore3.1",  "dotnet6",       "dotnet8",         "dotnet10",
    "nodejs4.3-edge", "go1.x",         "ruby2.5",         "ruby2.7",
    "ruby3.2",        "ruby3.3",       "ruby3.4",         "ruby4.0",
    "provided",       "provided.al2",  "provided.al2023", NULL};

/* Reserved environment variable names (AWS's list for the control plane). */
static const char *const reserved_env[] = {"_HANDLER",
                                           "_X_AMZN_TRACE_ID",
                                           "AWS_DEFAULT_REGION",
                                           "AWS_REGION",
                                           "AWS_EXECUTION_ENV",
                                           "AWS_LAMBDA_FUNCTION_NAME",
                                           "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                           "AWS_LAMBDA_FUNCTION_VERSION",
                                           "AWS_LAMBDA_INITIALIZATION_TYPE",
                                           "AWS_LAMBDA_LOG_GROUP_NAME",
                                           "AWS_LAMBDA_LOG_STREAM_NAME",
                                           "AWS_ACCESS_KEY",
                                           "AWS_ACCESS_KEY_ID",
                                           "AWS_SECRET_ACCESS_KEY",
                                           "AWS_SESSION_TOKEN",
                                           "AWS_LAMBDA_RUNTIME_API",
                                           "LAMBDA_TASK_ROOT",
                                           "LAMBDA_RUNTIME_DIR",
                                           NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(list[i], s) == 0) {
            return true;
        }
    }
    return false;
}

bool validate_runtime_known(const char *runtime)
{
    return in_list(runtimes, runtime);
}

bool validate_runtime_supported(const char *runtime)
{
    return strcmp(runtime, "provided.al2023") == 0 || strcmp(runtime, "provided.al2") == 0 ||
           strcmp(runtime, "provided") == 0;
}

/* Member name as AWS writes it in messages: first letter lowercase. */
static void lower_first(const char *key, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%s", key);
    if (out[0] >= 'A' && out[0] <= 'Z') {
        out[0] = (char)(out[0] - 'A' + 'a');
    }
}

/* String member: length range and optional no-whitespace pattern. */
static void check_string(struct validate_err_list *f, const char *key, const char *v, size_t lo,
                         size_t hi, const char *pattern)
{
    char member[64];
    size_t len = strlen(v);
    lower_first(key, member, sizeof(member));
    if (len < lo) {
        validate_err_add(f, v, member, "Member must have length greater than or equal to %zu", lo);
    } else if (len > hi) {
        validate_err_add(f, v, member, "Member must have length less than or equal to %zu", hi);
    } else if (pattern && strpbrk(v, " \t\r\n\f\v") != NULL) {
        validate_err_add(f, v, member, "Member must satisfy regular expression pattern: %s",
                         pattern);
    }
}

static void check_int(struct validate_err_list *f, const char *key, json_int_t v, json_int_t lo,
                      json_int_t hi)
{
    char member[64], val[32];
    lower_first(key, member, sizeof(member));
    (void)snprintf(val, sizeof(val), "%lld", (long long)v);
    if (v < lo) {
        validate_err_add(f, val, member, "Member must have value greater than or equal to %lld",
                         (long long)lo);
    } else if (v > hi) {
        validate_err_add(f, val, member, "Member must have value less than or equal to %lld",
                         (long long)hi);
    }
}

/* A name, partial or full ARN without a qualifier: what CreateFunction then takes apart
 * (target_parse), read by the same parser. */
static bool fn_name_ok(const char *v)
{
    struct url_fn t;
    struct err err = {0};
    int rc = target_parse_op("CreateFunction", v, false, &t, &err);
    err_fini(&err);
    return rc == 0;
}

void validate_runtime_enum(struct cl_buf *b)
{
    (void)cl_buf_append_str(b, "Member must satisfy enum value set: [");
    for (size_t i = 0; runtimes[i]; i++) {
        (void)cl_buf_printf(b, "%s%s", i ? ", " : "", runtimes[i]);
    }
    (void)cl_buf_append_byte(b, ']');
}

static bool env_key_ok(const char *k)
{
    size_t len = strlen(k);
    if (len < 2 || !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z'))) {
        return false;
    }
    return func_name_valid(k, len) && strchr(k, '-') == NULL;
}

/* Type checks first: a member of the wrong JSON type is a deserialisation error. */
static int check_types(json_t *body, struct err *err)
{
    static const char *const strings[] = {"FunctionName", "Runtime",     "Role", "Handler",
                                          "Description",  "PackageType", NULL};
    static const char *const ints[] = {"Timeout", "MemorySize", NULL};
    if (!json_is_object(body)) {
        return validate_err_type(err, "(request body)", "a JSON object");
    }
    for (size_t i = 0; strings[i]; i++) {
        const json_t *v = json_object_get(body, strings[i]);
        if (v && !json_is_string(v)) {
            return validate_err_type(err, strings[i], "a string");
        }
    }
    for (size_t i = 0; ints[i]; i++) {
        const json_t *v = json_object_get(body, ints[i]);
        if (v && !json_is_integer(v)) {
            return validate_err_type(err, ints[i], "an integer");
        }
    }
    const json_t *a = json_object_get(body, "Architectures");
    const json_t *es = json_object_get(body, "EphemeralStorage");
    const json_t *env = json_object_get(body, "Environment");
    json_t *vars = json_object_get(env, "Variables");
    if (a && !json_is_array(a)) {
        return validate_err_type(err, "Architectures", "a list of strings");
    }
    if (es && !json_is_integer(json_object_get(es, "Size"))) {
        return validate_err_type(err, "EphemeralStorage", "{\"Size\": integer}");
    }
    if (env && (!json_is_object(env) || (vars && !json_is_object(vars)))) {
        return validate_err_type(err, "Environment", "{\"Variables\": {string: string}}");
    }
    const char *k;
    json_t *val;
    json_object_foreach(vars, k, val)
    {
        if (!json_is_string(val)) {
            return validate_err_type(err, "Environment.Variables", "string values");
        }
    }
    return 0;
}

static void check_strings(json_t *body, bool is_create, struct validate_err_list *f)
{
    const char *name = json_string_value(json_object_get(body, "FunctionName"));
    const char *role = json_string_value(json_object_get(body, "Role"));
    const char *handler = json_string_value(json_object_get(body, "Handler"));
    const char *desc = json_string_value(json_object_get(body, "Description"));
    const char *pt = json_string_value(json_object_get(body, "PackageType"));
    if (is_create && name && strlen(name) > TARGET_NAME_MAX) {
        validate_err_add(f, name, "functionName",
                         "Member must have length less than or equal to %d", TARGET_NAME_MAX);
    }
    if (is_create && name && !fn_name_ok(name)) {
        validate_err_add(f, name, "functionName",
                         "Member must satisfy regular expression pattern: %s", TARGET_PATTERN);
    }
    if (role && !func_role_valid(role)) {
        validate_err_add(f, role, "role", "Member must satisfy regular expression pattern: %s",
                         ROLE_PATTERN);
    }
    if (handler) {
        check_string(f, "Handler", handler, 0, 128, "[^\\s]+");
    }
    if (desc) {
        check_string(f, "Description", desc, 0, 256, NULL);
    }
    if (pt && strcmp(pt, "Zip") != 0 && strcmp(pt, "Image") != 0) {
        validate_err_add(f, pt, "packageType", "Member must satisfy enum value set: [Zip, Image]");
    }
}

static void check_numbers(json_t *body, struct validate_err_list *f)
{
    const json_t *t = json_object_get(body, "Timeout");
    const json_t *m = json_object_get(body, "MemorySize");
    const json_t *es = json_object_get(body, "EphemeralStorage");
    if (t) {
        check_int(f, "Timeout", json_integer_value(t), 1, 900);
    }
    if (m) {
        /* the model's maximum is 32768 (Managed Instances); a standard function's is 10240,
         * which clambda reports the same way (AWS's answer for 10241-32768 is not recorded) */
        json_int_t v = json_integer_value(m);
        check_int(f, "MemorySize", v, 128, v > 32768 ? 32768 : 10240);
    }
    if (es) {
        check_int(f, "EphemeralStorage.size", json_integer_value(json_object_get(es, "Size")), 512,
                  10240);
    }
}

static void check_lists(json_t *body, struct validate_err_list *f)
{
    const json_t *a = json_object_get(body, "Architectures");
    json_t *vars = json_object_get(json_object_get(body, "Environment"), "Variables");
    if (a) {
        /* the value as AWS quotes a list: "[x86_64, arm64]" */
        struct cl_buf v;
        cl_buf_init(&v, VALIDATE_ERR_MAX);
        (void)cl_buf_append_byte(&v, '[');
        bool known = json_array_size(a) > 0;
        for (size_t i = 0; i < json_array_size(a); i++) {
            const char *arch = json_string_value(json_array_get(a, i));
            (void)cl_buf_printf(&v, "%s%s", i ? ", " : "", arch ? arch : "null");
            known = known && arch && (strcmp(arch, "x86_64") == 0 || strcmp(arch, "arm64") == 0);
        }
        (void)cl_buf_append_byte(&v, ']');
        if (json_array_size(a) != 1) {
            validate_err_add(f, cl_buf_str(&v), "architectures",
                             json_array_size(a)
                                 ? "Member must have length less than or equal to 1"
                                 : "Member must have length greater than or equal to 1");
        } else if (!known) {
            validate_err_add(f, cl_buf_str(&v), "architectures",
                             "Member must satisfy constraint: [Member must satisfy enum value set: "
                             "[x86_64, arm64], Member must not be null]");
        }
        cl_buf_fini(&v);
    }
    const char *k;
    json_t *val;
    json_object_foreach(vars, k, val)
    {
        if (!env_key_ok(k)) {
            validate_err_add(
                f, k, "environment.variables",
                "Map keys must satisfy constraint: [Member must satisfy regular expression "
                "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
        }
    }
}

/* AWS checks the name's length (64) and the runtime (its enum "or a valid ARN") after the
 * model, as InvalidParameterValueException with the model's wording. */
static int check_name_runtime(json_t *body, bool is_create, struct err *err)
{
    const char *id = json_string_value(json_object_get(body, "FunctionName"));
    const char *runtime = json_string_value(json_object_get(body, "Runtime"));
    struct url_fn t;
    struct err perr = {0};
    if (is_create && id && target_parse_op("CreateFunction", id, false, &t, &perr) == 0 &&
        strlen(t.name) > FUNC_NAME_MAX) {
        return err_take(err, 400, "InvalidParameterValueException",
                        xasprintf("1 validation error detected: Value '%s' at 'functionName' "
                                  "failed to satisfy constraint: Member must have length less "
                                  "than or equal to %d",
                                  id, FUNC_NAME_MAX));
    }
    err_fini(&perr);
    if (runtime && !validate_runtime_known(runtime)) {
        struct cl_buf b;
        cl_buf_init(&b, VALIDATE_ERR_MAX);
        (void)cl_buf_printf(&b, "Value %s at 'runtime' failed to satisfy constraint: ", runtime);
        validate_runtime_enum(&b);
        (void)cl_buf_append_str(&b, " or be a valid ARN");
        int rc = err_take(err, 400, "InvalidParameterValueException", xstrdup(cl_buf_str(&b)));
        cl_buf_fini(&b);
        return rc;
    }
    return 0;
}

static int check_semantics(json_t *body, struct err *err)
{
    json_t *vars = json_object_get(json_object_get(body, "Environment"), "Variables");
    const char *runtime = json_string_value(json_object_get(body, "Runtime"));
    const char *pt = json_string_value(json_object_get(body, "PackageType"));
    const char *k;
    json_t *val;
    json_object_foreach(vars, k, val)
    {
        if (in_list(reserved_env, k)) {
            return validate_err_invalid_param(
                err,
                "Lambda was unable to configure your environment variables "
                "because the environment variables you have provided contains "
                "reserved keys that are currently not supported for "
                "modification. Reserved keys used in this request: %s",
                k);
        }
    }
    char *dump = vars ? json_dumps(vars, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (dump && strlen(dump) > VALIDATE_ENV_MAX) {
        int rc = validate_err_invalid_param(
            err,
            "Lambda was unable to configure your environment variables "
            "because the environment variables you have provided exceeded "
            "the 4KB limit. String measured: %s",
            dump);
        free(dump);
        return rc;
    }
    free(dump);
    if (pt && strcmp(pt, "Image") == 0) {
        return validate_err_invalid_param(
            err, "PackageType Image is not supported by clambda: functions are "
                 "zip archives with a provided.al2023/provided.al2 runtime.");
    }
    if (runtime && !validate_runtime_supported(runtime)) {
        return validate_err_invalid_param(
            err,
            "The runtime parameter of %s is not supported by this clambda "
            "server (supported: provided.al2023, provided.al2, provided).",
            runtime);
    }
    return 0;
}

/* The function's name: name when given, else the last part of the body's FunctionName. */
static const char *request_name(json_t *body, const char *name)
{
    const char *id = json_string_value(json_object_get(body, "FunctionName"));
    if (name || id == NULL) {
        return name;
    }
    const char *last = strrchr(id, ':');
    return last ? last + 1 : id;
}

int validate_function_request(json_t *body, bool is_create, const char *name, struct err *err)
{
    if (check_types(body, err) < 0 || validate_members_types(body, is_create, err) < 0) {
        return -EINVAL;
    }
    struct validate_err_list f;
    validate_err_list_init(&f);
    check_strings(body, is_create, &f);
    check_numbers(body, &f);
    check_lists(body, &f);
    validate_members_model(body, is_create, &f);
    if (validate_err_list_done(&f, err) < 0 || check_name_runtime(body, is_create, err) < 0 ||
        check_semantics(body, err) < 0) {
        return -EINVAL;
    }
    return validate_members_semantics(body, is_create, request_name(body, name), err);
}
