/* SPDX-License-Identifier: MIT */
/* Building the runtime's environment; see envvars.h. */
#include "exec/envvars.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/xalloc.h"

struct list {
    char **v;
    size_t n;
    size_t cap;
};

static const char *const overridable[] = {"LANG",
                                          "LD_LIBRARY_PATH",
                                          "PATH",
                                          "TZ",
                                          "AWS_LAMBDA_LOG_FORMAT",
                                          "AWS_LAMBDA_LOG_LEVEL",
                                          "AWS_XRAY_CONTEXT_MISSING",
                                          "AWS_XRAY_DAEMON_ADDRESS",
                                          NULL};

static const char *const reserved[] = {"AWS_LAMBDA_RUNTIME_API",
                                       "LAMBDA_TASK_ROOT",
                                       "LAMBDA_RUNTIME_DIR",
                                       "AWS_EXECUTION_ENV",
                                       "AWS_LAMBDA_FUNCTION_NAME",
                                       "AWS_LAMBDA_FUNCTION_VERSION",
                                       "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                       "AWS_LAMBDA_LOG_GROUP_NAME",
                                       "AWS_LAMBDA_LOG_STREAM_NAME",
                                       "AWS_LAMBDA_INITIALIZATION_TYPE",
                                       "AWS_REGION",
                                       "AWS_DEFAULT_REGION",
                                       "AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_ACCESS_KEY",
                                       "AWS_LAMBDA_MAX_CONCURRENCY",
                                       NULL};

static bool in_set(const char *const *set, const char *kv, size_t klen)
{
    for (size_t i = 0; set[i]; i++) {
        if (strlen(set[i]) == klen && memcmp(set[i], kv, klen) == 0) {
            return true;
        }
    }
    return false;
}

/* Index of the entry with the same key as kv (klen bytes), or -1. */
static long find(const struct list *l, const char *kv, size_t klen)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], kv, klen) == 0 && l->v[i][klen] == '=') {
            return (long)i;
        }
    }
    return -1;
}

/* Adds kv (taking ownership), replacing an entry with the same key. */
static void put_owned(struct list *l, char *kv)
{
    size_t klen = strcspn(kv, "=");
    long i = find(l, kv, klen);
    if (i >= 0) {
        free(l->v[i]);
        l->v[i] = kv;
        return;
    }
    if (l->n + 2 > l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = kv;
    l->v[l->n] = NULL;
}

static void put(struct list *l, const char *key, const char *value)
{
    put_owned(l, xasprintf("%s=%s", key, value));
}

static void put_platform(struct list *l, const struct envvars_input *in)
{
    const struct function_config *c = in->cfg;
    put(l, "PATH", "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    put(l, "LANG", "en_US.UTF-8");
    put(l, "TZ", ":UTC");
    put_owned(l, xasprintf("LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:"
                           "/var/runtime/lib:%s:%s/lib:/opt/lib",
                           in->task_root, in->task_root));
    put(l, "AWS_LAMBDA_RUNTIME_API", in->runtime_api);
    put(l, "_HANDLER", c->handler);
    put(l, "LAMBDA_TASK_ROOT", in->task_root);
    put(l, "LAMBDA_RUNTIME_DIR", "/var/runtime");
    put(l, "AWS_LAMBDA_FUNCTION_NAME", c->name);
    put(l, "AWS_LAMBDA_FUNCTION_VERSION", c->version ? c->version : "$LATEST");
    put_owned(l, xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", c->memory_mb));
    put_owned(l, xasprintf("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", c->name));
    put(l, "AWS_LAMBDA_LOG_STREAM_NAME", in->log_stream);
    put(l, "AWS_LAMBDA_INITIALIZATION_TYPE", in->init_type ? in->init_type : "on-demand");
    put(l, "AWS_REGION", in->region);
    put(l, "AWS_DEFAULT_REGION", in->region);
    put(l, "AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
    if (in->access_key_id && in->secret_access_key) {
        put(l, "AWS_ACCESS_KEY_ID", in->access_key_id);
        put(l, "AWS_SECRET_ACCESS_KEY", in->secret_access_key);
        if (in->session_token) {
            put(l, "AWS_SESSION_TOKEN", in->session_token);
        }
    }
}

void envvars_build(const struct envvars_input *in, char ***out)
{
    struct list l = {0};
    put_platform(&l, in);
    for (size_t i = 0; i < in->cfg->n_env; i++) {
        const char *kv = in->cfg->env[i];
        size_t klen = strcspn(kv, "=");
        if (kv[0] == '_' || kv[klen] != '=') {
            continue;
        }
        if (in_set(reserved, kv, klen) ||
            (find(&l, kv, klen) >= 0 && !in_set(overridable, kv, klen))) {
            continue;
        }
        put_owned(&l, xstrdup(kv));
    }
    if (in->cfg->opt_dir && strcmp(in->task_root, "/var/task") != 0) {
        /* isolation none has no /opt: the runtime finds the merged layers here */
        put(&l, "CLAMBDA_OPT_DIR", in->cfg->opt_dir);
    }
    for (size_t i = 0; in->extra && in->extra[i]; i++) {
        put_owned(&l, xstrdup(in->extra[i]));
    }
    if (l.v == NULL) {
        l.v = xcalloc(1, sizeof(*l.v));
    }
    *out = l.v;
}

void envvars_free(char **env)
{
    if (env == NULL) {
        return;
    }
    for (size_t i = 0; env[i]; i++) {
        free(env[i]);
    }
    free(env);
}

const char *envvars_get(char *const *env, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; env[i]; i++) {
        if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=') {
            return env[i] + klen + 1;
        }
    }
    return NULL;
}
