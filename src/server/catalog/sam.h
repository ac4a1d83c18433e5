/* SPDX-License-Identifier: MIT */
/* The `--template FILE` of `clambda serve` (a first part): an AWS SAM template (YAML, read with
 * libyaml) turned into function configurations, the HTTP routes of their Api / HttpApi events
 * and their FunctionUrlConfig, for the gateway to serve. Read: Globals.Function (defaults),
 * every resource of Type AWS::Serverless::Function with FunctionName (else the logical id),
 * CodeUri (a directory or zip relative to the template's directory), Handler, Runtime,
 * MemorySize, Timeout, Environment.Variables, ReservedConcurrentExecutions, Architectures,
 * EphemeralStorage.Size, Description; Events of Type Api (REST, payload 1.0) and HttpApi
 * (payload 2.0) with Method and Path; FunctionUrlConfig (AuthType, InvokeMode, Cors).
 * Intrinsic functions (!Ref, !Sub, Fn::...) are not evaluated: a property that uses one is an
 * error naming it, except in places clambda ignores. Pure apart from reading the file. */
#ifndef CLAMBDA_SERVER_CATALOG_SAM_H
#define CLAMBDA_SERVER_CATALOG_SAM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/func.h"

/* One HTTP route of a function's events. Strings owned. */
struct sam_route {
    char *function;   /* the function's name */
    char *method;     /* "GET", ... or "ANY" */
    char *path;       /* "/items/{id}", "/{proxy+}"; "$default" for an HttpApi without Path */
    bool is_http_api; /* HttpApi (payload 2.0) rather than Api (REST, payload 1.0) */
};

/* A function's FunctionUrlConfig. Strings owned. */
struct sam_url {
    char *function;
    char *auth_type;   /* "NONE" or "AWS_IAM" */
    char *invoke_mode; /* "BUFFERED" or "RESPONSE_STREAM" */
    char *cors_json;   /* the Cors object as compact JSON in the API's member names, or NULL */
};

/* What a template defines. */
struct sam_template {
    struct function_config *fns;
    size_t n_fns;
    struct sam_route *routes;
    size_t n_routes;
    struct sam_url *urls;
    size_t n_urls;
};

/* Reads the template text[0..len); relative CodeUri paths are taken from base_dir. OUT: *out
 * (sam_fini). 0, or -EINVAL with a message naming the resource and property in err (errlen
 * bytes); then out is empty. */
int sam_parse(const char *text, size_t len, const char *base_dir, struct sam_template *out,
              char *err, size_t errlen);
/* Reads the template file path (sam_parse with its directory). 0, -errno or -EINVAL, err
 * filled. */
int sam_load(const char *path, struct sam_template *out, char *err, size_t errlen);
/* Frees what t holds and zeroes it. NULL is a no-op. */
void sam_fini(struct sam_template *t);

#endif /* CLAMBDA_SERVER_CATALOG_SAM_H */
