/* SPDX-License-Identifier: MIT */
/* Function configuration: what a function is (name, code, handler, runtime, memory, timeout,
 * environment, storage, architecture, reserved concurrency) with AWS's defaults, parsed from
 * the command line (`--function NAME=PATH`, `--set NAME.KEY=VALUE`). A manifest file or the
 * control-plane API fill the same struct later. */
#ifndef CLAMBDA_SERVER_FUNC_H
#define CLAMBDA_SERVER_FUNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest function name (AWS: 64 characters of [a-zA-Z0-9-_]). */
#define FUNC_NAME_MAX 64

/* One function's configuration. Strings are owned (func_config_fini frees them). */
struct function_config {
    char *name;
    char *version;  /* "$LATEST" (default) or a published version number */
    char *code_dir; /* absolute directory holding bootstrap */
    char *handler;  /* _HANDLER, default "bootstrap" */
    char *runtime;  /* "provided.al2023" */
    int memory_mb;  /* 128..10240, default 128 */
    int timeout_s;  /* 1..900, default 3 */
    char **env;     /* customer variables "KEY=VALUE" */
    size_t n_env;
    int ephemeral_mb;  /* 512..10240, default 512 */
    char *arch;        /* "x86_64" or "arm64" */
    int reserved;      /* reserved concurrency, -1 when none */
    int provisioned;   /* environments kept initialised (provisioned concurrency), default 0 */
    char *description; /* NULL when none (AWS: up to 256 characters) */
    char *layers;      /* Layers as compact JSON [{"Arn","CodeSize"}], NULL when none */
    char *opt_dir;     /* the layers merged into one directory (/opt), NULL when none */
    /* Code and revision, filled by the registry (not part of the JSON document): */
    char *code_sha256;   /* base64 SHA-256 of the zip, NULL for a directory */
    int64_t code_size;   /* zip bytes, 0 for a directory */
    char *revision_id;   /* NULL until stored */
    char *last_modified; /* NULL until stored */
    /* Asynchronous invocation (AWS's EventInvokeConfig; docs/serve.md "Asynchronous"). */
    int max_retries;     /* MaximumRetryAttempts 0..2, default 2 */
    int max_event_age_s; /* MaximumEventAgeInSeconds 60..21600, default 21600 */
    char *on_success;    /* destination function (name or function ARN) or NULL */
    char *on_failure;
    /* The execution role (Role of CreateFunction/UpdateFunctionConfiguration, `--set
     * NAME.role=ARN`), NULL when none. Kept beside the configuration document by the store
     * (not part of func_config_to_json); its credentials reach the environment (exec/rolecreds). */
    char *role;
};

/* Fills cfg with AWS's defaults for a function called name in code_dir (both copied). */
void func_config_init(struct function_config *cfg, const char *name, const char *code_dir);
/* Frees the strings of cfg. NULL is a no-op. */
void func_config_fini(struct function_config *cfg);

/* True when environments of a and b would run the same way: every field that reaches the
 * runtime (code, handler, runtime, memory, timeout, storage, architecture, environment in
 * order, role: its credentials); scaling settings (reserved, provisioned) do not count. */
bool func_config_equal(const struct function_config *a, const struct function_config *b);

/* True when r matches AWS's pattern of an execution role's ARN,
 * arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+. */
bool func_role_valid(const char *r);

/* True when name is a valid function name (1-64 of [a-zA-Z0-9-_]). */
bool func_name_valid(const char *name, size_t len);

/* Parses "NAME=PATH" into cfg (defaults for the rest); PATH is made absolute and must be a
 * directory or a regular file (a zip, which the registry extracts into code_dir). 0 or -EINVAL,
 * with a message in err (errlen bytes). */
int func_config_parse(struct function_config *cfg, const char *spec, char *err, size_t errlen);

/* Applies one setting "KEY=VALUE" (keys: timeout, memory, reserved, provisioned, handler,
 * runtime, ephemeral-storage, architecture, role, env.NAME, max-retry-attempts, max-event-age,
 * on-success, on-failure; an empty on-success/on-failure removes the destination) to cfg. 0 or
 * -EINVAL with a message in err. */
int func_config_set(struct function_config *cfg, const char *setting, char *err, size_t errlen);

/* Moves the asynchronous-invocation settings (max_retries, max_event_age_s, on_success,
 * on_failure) of src into dst: they never reach the runtime, so they change in place. */
void func_config_move_async(struct function_config *dst, struct function_config *src);

/* Parses an asynchronous destination: a function name or
 * arn:aws:lambda:REGION:ACCOUNT:function:NAME[:$LATEST]. Other ARNs (SQS, SNS, EventBridge, S3)
 * are refused. OUT: the function name in name (FUNC_NAME_MAX + 1 bytes). 0 or -EINVAL with a
 * message in err (errlen bytes). */
int func_destination_parse(const char *dest, char *name, char *err, size_t errlen);

/* The configuration document of cfg as stored by the registry and reused by the control plane:
 * AWS FunctionConfiguration member names (Handler, Runtime, MemorySize, Timeout, Environment
 * {Variables}, EphemeralStorage {Size}, Architectures, Description) plus
 * ReservedConcurrentExecutions and ProvisionedConcurrentExecutions (clambda's) when set. Name,
 * version, code and revision are not in it.
 * OUT: *out (json_decref). */
void func_config_to_json(const struct function_config *cfg, json_t **out);

/* Fills cfg from a document made by func_config_to_json, for function name with code in
 * code_dir; members that are absent keep AWS's defaults. 0, or -EINVAL (a member of the wrong
 * type or out of AWS's range) with a message in err; cfg is then left empty (fini-safe). */
int func_config_from_json(struct function_config *cfg, const char *name, const char *code_dir,
                          json_t *doc, char *err, size_t errlen);

#endif /* CLAMBDA_SERVER_FUNC_H */
