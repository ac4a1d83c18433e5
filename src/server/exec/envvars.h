/* SPDX-License-Identifier: MIT */
/* The runtime process's environment (runtime-api.md section 7.1): the platform's variables,
 * then the customer's, where `_`-prefixed and reserved customer names are dropped and only the
 * overridable defaults (PATH, LANG, TZ, LD_LIBRARY_PATH, AWS_LAMBDA_LOG_FORMAT/LEVEL,
 * AWS_XRAY_CONTEXT_MISSING/DAEMON_ADDRESS) may be replaced. Pure: no getenv, no clock. */
#ifndef CLAMBDA_SERVER_ENVVARS_H
#define CLAMBDA_SERVER_ENVVARS_H

#include <stddef.h>

#include "base/func.h"

/* Everything the environment depends on. */
struct envvars_input {
    const struct function_config *cfg;
    const char *runtime_api;  /* "127.0.0.1:<port>" */
    const char *log_stream;   /* "YYYY/MM/DD/[$LATEST]<hex>" */
    const char *region;       /* "us-east-1" */
    const char *task_root;    /* code directory (later /var/task inside the sandbox) */
    const char *init_type;    /* "on-demand" (when NULL) or "provisioned-concurrency" */
    const char *const *extra; /* "KEY=VALUE" added last and verbatim (sanitizer options); or NULL */
    /* The execution role's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
     * AWS_SESSION_TOKEN), each NULL when none: customers cannot set these names. */
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

/* Builds the environment. OUT: *out, a NULL-terminated array of "KEY=VALUE" strings, owned by
 * the caller (envvars_free). Never fails (aborts on OOM). */
void envvars_build(const struct envvars_input *in, char ***out);
/* Frees an array from envvars_build. NULL is a no-op. */
void envvars_free(char **env);
/* The value of key in env, or NULL (for tests and logs). */
const char *envvars_get(char *const *env, const char *key);

#endif /* CLAMBDA_SERVER_ENVVARS_H */
