/* SPDX-License-Identifier: MIT */
/* Function configuration parsing and validation with AWS's limits (control-api.md section 6). */
#include "base/func.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"

void func_config_init(struct function_config *cfg, const char *name, const char *code_dir)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->name = xstrdup(name);
    cfg->version = xstrdup("$LATEST");
    cfg->code_dir = xstrdup(code_dir);
    cfg->handler = xstrdup("bootstrap");
    cfg->runtime = xstrdup("provided.al2023");
    cfg->memory_mb = 128;
    cfg->timeout_s = 3;
    cfg->ephemeral_mb = 512;
    cfg->arch = xstrdup("x86_64");
    cfg->reserved = -1;
    cfg->max_retries = 2;
    cfg->max_event_age_s = 21600;
}

void func_config_fini(struct function_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    free(cfg->name);
    free(cfg->version);
    free(cfg->code_dir);
    free(cfg->handler);
    free(cfg->runtime);
    free(cfg->arch);
    free(cfg->description);
    free(cfg->layers);
    free(cfg->opt_dir);
    free(cfg->code_sha256);
    free(cfg->revision_id);
    free(cfg->last_modified);
    free(cfg->on_success);
    free(cfg->on_failure);
    free(cfg->role);
    for (size_t i = 0; i < cfg->n_env; i++) {
        free(cfg->env[i]);
    }
    free(cfg->env);
    memset(cfg, 0, sizeof(*cfg));
}

static bool str_eq(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

bool func_config_equal(const struct function_config *a, const struct function_config *b)
{
    if (!str_eq(a->name, b->name) || !str_eq(a->version, b->version) ||
        !str_eq(a->code_dir, b->code_dir) || !str_eq(a->handler, b->handler) ||
        !str_eq(a->runtime, b->runtime) || !str_eq(a->arch, b->arch) ||
        a->memory_mb != b->memory_mb || a->timeout_s != b->timeout_s ||
        a->ephemeral_mb != b->ephemeral_mb || a->n_env != b->n_env ||
        !str_eq(a->opt_dir, b->opt_dir) || !str_eq(a->role, b->role)) {
        return false;
    }
    for (size_t i = 0; i < a->n_env; i++) {
        if (strcmp(a->env[i], b->env[i]) != 0) {
            return false;
        }
    }
    return true;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return n > 0;
}

bool func_role_valid(const char *r)
{
    if (strncmp(r, "arn:", 4) != 0) {
        return false;
    }
    r += 4;
    size_t part = strcspn(r, ":");
    if (part > 0 && strncmp(r, "aws", 3) != 0) {
        return false;
    }
    r += part;
    if (strncmp(r, ":iam::", 6) != 0 || !all_digits(r + 6, 12) ||
        strncmp(r + 18, ":role", 5) != 0) {
        return false;
    }
    r += 23;
    r += *r == '/';
    return *r &&
           strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-/") ==
               strlen(r);
}

bool func_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > FUNC_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

int func_config_parse(struct function_config *cfg, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq[1] == '\0' || !func_name_valid(spec, (size_t)(eq - spec))) {
        (void)snprintf(err, errlen,
                       "--function %s: expected NAME=PATH with NAME of 1-64 [a-zA-Z0-9-_]", spec);
        return -EINVAL;
    }
    char *name = xstrndup(spec, (size_t)(eq - spec));
    char *dir = realpath(eq + 1, NULL);
    if (dir == NULL) {
        (void)snprintf(err, errlen, "--function %s: realpath(%s): %s", spec, eq + 1,
                       strerror(errno));
        free(name);
        return -EINVAL;
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
        (void)snprintf(err, errlen,
                       "--function %s: %s is neither a directory holding bootstrap nor a zip", spec,
                       dir);
        free(name);
        free(dir);
        return -EINVAL;
    }
    func_config_init(cfg, name, dir);
    free(name);
    free(dir);
    return 0;
}

/* Parses a decimal int in [lo, hi]. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return -EINVAL;
    }
    *out = (int)v;
    return 0;
}

static bool env_key_valid(const char *k, size_t len)
{
    if (len < 2 || !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z'))) {
        return false;
    }
    return func_name_valid(k, len) && memchr(k, '-', len) == NULL;
}

static int set_env(struct function_config *cfg, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (eq == NULL || !env_key_valid(kv, (size_t)(eq - kv))) {
        return -EINVAL;
    }
    size_t klen = (size_t)(eq - kv) + 1;
    for (size_t i = 0; i < cfg->n_env; i++) {
        if (strncmp(cfg->env[i], kv, klen) == 0) {
            free(cfg->env[i]);
            cfg->env[i] = xstrdup(kv);
            return 0;
        }
    }
    cfg->env = xrealloc(cfg->env, (cfg->n_env + 1) * sizeof(*cfg->env));
    cfg->env[cfg->n_env++] = xstrdup(kv);
    return 0;
}

static int set_string(char **field, const char *value, bool (*ok)(const char *))
{
    if (!ok(value)) {
        return -EINVAL;
    }
    free(*field);
    *field = xstrdup(value);
    return 0;
}

static bool handler_ok(const char *v)
{
    return *v && strlen(v) <= 128 && strpbrk(v, " \t\r\n") == NULL;
}

static bool arch_ok(const char *v)
{
    return strcmp(v, "x86_64") == 0 || strcmp(v, "arm64") == 0;
}

static bool runtime_ok(const char *v)
{
    return strcmp(v, "provided.al2023") == 0 || strcmp(v, "provided.al2") == 0 ||
           strcmp(v, "provided") == 0;
}

static int apply(struct function_config *cfg, const char *key, const char *value)
{
    if (strcmp(key, "timeout") == 0) {
        return parse_int(value, 1, 900, &cfg->timeout_s);
    }
    if (strcmp(key, "memory") == 0) {
        return parse_int(value, 128, 10240, &cfg->memory_mb);
    }
    if (strcmp(key, "reserved") == 0) {
        return parse_int(value, 0, 1000000, &cfg->reserved);
    }
    if (strcmp(key, "provisioned") == 0) {
        return parse_int(value, 0, 100000, &cfg->provisioned);
    }
    if (strcmp(key, "ephemeral-storage") == 0) {
        return parse_int(value, 512, 10240, &cfg->ephemeral_mb);
    }
    if (strcmp(key, "handler") == 0) {
        return set_string(&cfg->handler, value, handler_ok);
    }
    if (strcmp(key, "runtime") == 0) {
        return set_string(&cfg->runtime, value, runtime_ok);
    }
    if (strcmp(key, "architecture") == 0) {
        return set_string(&cfg->arch, value, arch_ok);
    }
    if (strcmp(key, "role") == 0) {
        return set_string(&cfg->role, value, func_role_valid);
    }
    return -EINVAL;
}

int func_destination_parse(const char *dest, char *name, char *err, size_t errlen)
{
    static const char prefix[] = "arn:aws:lambda:";
    const char *n = dest;
    if (strncmp(dest, "arn:", 4) == 0) {
        const char *fn = strstr(dest, ":function:");
        if (strncmp(dest, prefix, sizeof(prefix) - 1) != 0 || fn == NULL) {
            (void)snprintf(err, errlen,
                           "only Lambda functions are supported as destinations (SQS, SNS, "
                           "EventBridge and S3 destinations are not)");
            return -EINVAL;
        }
        n = fn + strlen(":function:");
    }
    const char *colon = strchr(n, ':');
    size_t len = colon ? (size_t)(colon - n) : strlen(n);
    if (!func_name_valid(n, len) || (colon && strcmp(colon, ":$LATEST") != 0)) {
        (void)snprintf(err, errlen,
                       "a destination is a function name or "
                       "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:$LATEST]");
        return -EINVAL;
    }
    memcpy(name, n, len);
    name[len] = '\0';
    return 0;
}

void func_config_move_async(struct function_config *dst, struct function_config *src)
{
    dst->max_retries = src->max_retries;
    dst->max_event_age_s = src->max_event_age_s;
    free(dst->on_success);
    free(dst->on_failure);
    dst->on_success = src->on_success;
    dst->on_failure = src->on_failure;
    src->on_success = src->on_failure = NULL;
}

static int set_destination(char **field, const char *value, char *err, size_t errlen)
{
    char name[FUNC_NAME_MAX + 1];
    if (*value && func_destination_parse(value, name, err, errlen) < 0) {
        return -EINVAL;
    }
    free(*field);
    *field = *value ? xstrdup(value) : NULL;
    return 0;
}

/* The asynchronous-invocation keys, with their own messages. 1 when key is not one of them. */
static int apply_async(struct function_config *cfg, const char *key, const char *value, char *err,
                       size_t errlen)
{
    int rc;
    char why[256];
    if (strcmp(key, "max-retry-attempts") == 0) {
        rc = parse_int(value, 0, 2, &cfg->max_retries);
        (void)snprintf(why, sizeof(why), "must be an integer from 0 to 2");
    } else if (strcmp(key, "max-event-age") == 0) {
        rc = parse_int(value, 60, 21600, &cfg->max_event_age_s);
        (void)snprintf(why, sizeof(why), "must be an integer from 60 to 21600 (seconds)");
    } else if (strcmp(key, "on-success") == 0) {
        rc = set_destination(&cfg->on_success, value, why, sizeof(why));
    } else if (strcmp(key, "on-failure") == 0) {
        rc = set_destination(&cfg->on_failure, value, why, sizeof(why));
    } else {
        return 1;
    }
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s=%s: %s", key, value, why);
    }
    return rc;
}

int func_config_set(struct function_config *cfg, const char *setting, char *err, size_t errlen)
{
    int rc = -EINVAL;
    const char *eq = strchr(setting, '=');
    char key[32];
    if (strncmp(setting, "env.", 4) == 0) {
        rc = set_env(cfg, setting + 4);
    } else if (eq && (size_t)(eq - setting) < sizeof(key)) {
        char msg[384];
        memcpy(key, setting, (size_t)(eq - setting));
        key[eq - setting] = '\0';
        rc = apply_async(cfg, key, eq + 1, msg, sizeof(msg));
        if (rc < 0) {
            (void)snprintf(err, errlen, "--set %s.%s", cfg->name, msg);
            return rc;
        }
        rc = rc == 0 ? 0 : apply(cfg, key, eq + 1);
    }
    if (rc < 0) {
        (void)snprintf(err, errlen,
                       "--set %s.%s: unknown key or invalid value (keys: timeout 1-900, memory "
                       "128-10240, reserved >= 0, provisioned >= 0, ephemeral-storage 512-10240, "
                       "handler, runtime, architecture x86_64|arm64, role (an IAM role ARN), "
                       "env.NAME=VALUE, "
                       "max-retry-attempts 0-2, max-event-age 60-21600, on-success, on-failure)",
                       cfg->name, setting);
    }
    return rc;
}

/* ---- JSON document ---- */

/* clambda's EventInvokeConfig member (AWS keeps it as a separate resource), when not default. */
static void async_to_json(const struct function_config *cfg, json_t *doc)
{
    json_t *eic = json_object();
    json_t *dc = json_object();
    if (cfg->max_retries != 2) {
        (void)json_object_set_new(eic, "MaximumRetryAttempts", json_integer(cfg->max_retries));
    }
    if (cfg->max_event_age_s != 21600) {
        (void)json_object_set_new(eic, "MaximumEventAgeInSeconds",
                                  json_integer(cfg->max_event_age_s));
    }
    if (cfg->on_success) {
        (void)json_object_set_new(dc, "OnSuccess",
                                  json_pack("{s:s}", "Destination", cfg->on_success));
    }
    if (cfg->on_failure) {
        (void)json_object_set_new(dc, "OnFailure",
                                  json_pack("{s:s}", "Destination", cfg->on_failure));
    }
    if (json_object_size(dc) > 0) {
        (void)json_object_set(eic, "DestinationConfig", dc);
    }
    if (json_object_size(eic) > 0) {
        (void)json_object_set(doc, "EventInvokeConfig", eic);
    }
    json_decref(dc);
    json_decref(eic);
}

void func_config_to_json(const struct function_config *cfg, json_t **out)
{
    json_t *vars = json_object();
    for (size_t i = 0; i < cfg->n_env; i++) {
        const char *eq = strchr(cfg->env[i], '=');
        char *key = xstrndup(cfg->env[i], (size_t)(eq - cfg->env[i]));
        (void)json_object_set_new(vars, key, json_string(eq + 1));
        free(key);
    }
    json_t *doc =
        json_pack("{s:s, s:s, s:i, s:i, s:{s:o}, s:{s:i}, s:[s]}", "Handler", cfg->handler,
                  "Runtime", cfg->runtime, "MemorySize", cfg->memory_mb, "Timeout", cfg->timeout_s,
                  "Environment", "Variables", vars, "EphemeralStorage", "Size", cfg->ephemeral_mb,
                  "Architectures", cfg->arch);
    if (doc == NULL) {
        log_error("json_pack of a function configuration failed");
        abort(); /* only on OOM or invalid UTF-8, which our validated strings cannot hold */
    }
    if (cfg->description) {
        (void)json_object_set_new(doc, "Description", json_string(cfg->description));
    }
    if (cfg->layers && cfg->opt_dir) {
        (void)json_object_set_new(doc, "Layers", json_loads(cfg->layers, 0, NULL));
        (void)json_object_set_new(doc, "OptDir", json_string(cfg->opt_dir));
    }
    if (cfg->reserved >= 0) {
        (void)json_object_set_new(doc, "ReservedConcurrentExecutions", json_integer(cfg->reserved));
    }
    if (cfg->provisioned > 0) {
        (void)json_object_set_new(doc, "ProvisionedConcurrentExecutions",
                                  json_integer(cfg->provisioned));
    }
    async_to_json(cfg, doc);
    *out = doc;
}

/* Reads integer member key of doc into *v when present; -EINVAL if not an int in [lo, hi]. */
static int json_int(const json_t *doc, const char *key, int lo, int hi, int *v)
{
    const json_t *j = json_object_get(doc, key);
    if (j == NULL) {
        return 0;
    }
    if (!json_is_integer(j) || json_integer_value(j) < lo || json_integer_value(j) > hi) {
        return -EINVAL;
    }
    *v = (int)json_integer_value(j);
    return 0;
}

static int json_str(const json_t *doc, const char *key, char **field, bool (*ok)(const char *))
{
    const json_t *j = json_object_get(doc, key);
    if (j == NULL) {
        return 0;
    }
    return json_is_string(j) ? set_string(field, json_string_value(j), ok) : -EINVAL;
}

static bool description_ok(const char *v)
{
    return strlen(v) <= 256;
}

static int json_env(struct function_config *cfg, json_t *doc)
{
    json_t *vars = json_object_get(json_object_get(doc, "Environment"), "Variables");
    const char *key;
    json_t *val;
    json_object_foreach(vars, key, val)
    {
        if (!json_is_string(val)) {
            return -EINVAL;
        }
        char *kv = xasprintf("%s=%s", key, json_string_value(val));
        int rc = strchr(key, '=') ? -EINVAL : set_env(cfg, kv);
        free(kv);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* A stored document's Layers ([{Arn, CodeSize}]) and OptDir (both or neither). The
 * CreateFunction request's Layers (ARN strings) are not read here: the API resolves them. */
static int json_layers(struct function_config *cfg, json_t *doc)
{
    int rc = json_env(cfg, doc);
    json_t *layers = json_object_get(doc, "Layers");
    const char *opt = json_string_value(json_object_get(doc, "OptDir"));
    if (rc == 0 && opt && opt[0] == '/' && json_is_object(json_array_get(layers, 0))) {
        cfg->layers = json_dumps(layers, JSON_COMPACT | JSON_PRESERVE_ORDER);
        cfg->opt_dir = xstrdup(opt);
    }
    return rc;
}

static int json_destination(const json_t *d, char **field)
{
    const json_t *j = json_object_get(d, "Destination"); /* NULL when d is */
    char err[256];
    if (j == NULL) {
        return 0;
    }
    return json_is_string(j) ? set_destination(field, json_string_value(j), err, sizeof(err))
                             : -EINVAL;
}

static int json_async(struct function_config *cfg, const json_t *doc)
{
    const json_t *eic = json_object_get(doc, "EventInvokeConfig");
    const json_t *dc = json_object_get(eic, "DestinationConfig");
    int rc = json_int(eic, "MaximumRetryAttempts", 0, 2, &cfg->max_retries);
    rc = rc ? rc : json_int(eic, "MaximumEventAgeInSeconds", 60, 21600, &cfg->max_event_age_s);
    rc = rc ? rc : json_destination(json_object_get(dc, "OnSuccess"), &cfg->on_success);
    return rc ? rc : json_destination(json_object_get(dc, "OnFailure"), &cfg->on_failure);
}

static int json_members(struct function_config *cfg, json_t *doc)
{
    const json_t *arch = json_array_get(json_object_get(doc, "Architectures"), 0);
    const json_t *storage = json_object_get(doc, "EphemeralStorage");
    int rc = json_int(doc, "MemorySize", 128, 10240, &cfg->memory_mb);
    rc = rc ? rc : json_int(doc, "Timeout", 1, 900, &cfg->timeout_s);
    rc = rc ? rc : json_int(doc, "ReservedConcurrentExecutions", 0, 1000000, &cfg->reserved);
    rc = rc ? rc : json_int(doc, "ProvisionedConcurrentExecutions", 0, 100000, &cfg->provisioned);
    rc = rc ? rc : (storage ? json_int(storage, "Size", 512, 10240, &cfg->ephemeral_mb) : 0);
    rc = rc ? rc : json_str(doc, "Handler", &cfg->handler, handler_ok);
    rc = rc ? rc : json_str(doc, "Runtime", &cfg->runtime, runtime_ok);
    rc = rc ? rc : json_str(doc, "Description", &cfg->description, description_ok);
    if (rc == 0 && arch) {
        rc = json_is_string(arch) ? set_string(&cfg->arch, json_string_value(arch), arch_ok)
                                  : -EINVAL;
    }
    rc = rc ? rc : json_async(cfg, doc);
    return rc ? rc : json_layers(cfg, doc);
}

int func_config_from_json(struct function_config *cfg, const char *name, const char *code_dir,
                          json_t *doc, char *err, size_t errlen)
{
    func_config_init(cfg, name, code_dir);
    int rc = json_is_object(doc) ? json_members(cfg, doc) : -EINVAL;
    if (rc < 0) {
        (void)snprintf(err, errlen, "function %s: invalid configuration document", name);
        func_config_fini(cfg);
    }
    return rc;
}
