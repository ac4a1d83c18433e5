/* SPDX-License-Identifier: MIT */
/* The `--template FILE` of `clambda serve`: an AWS SAM template (YAML, read with libyaml by
 * sam_yaml) turned into function configurations, the APIs (AWS::Serverless::HttpApi / Api, and
 * the implicit ones SAM makes) with their routes, CORS, stage variables and Lambda authorizers,
 * each function's FunctionUrlConfig, for the gateway to serve, and its Layers (the template's
 * layer versions: function_config.layers with each one's local "Content", merged into /opt by
 * registry_prepare_code). Intrinsic functions (!Ref, !Sub, !GetAtt, !Join, !Select, !Split, !If
 * with Conditions, !FindInMap, !Base64) are evaluated by sam_intrinsic wherever a property is
 * read; properties clambda ignores are not evaluated. Every error names the file, the line and
 * the property path ("template.yaml:12: Resources.Fn.Properties.MemorySize: ...").
 * docs/gateway.md lists what is read. Pure apart from reading the template and statting the
 * paths it names. */
#ifndef CLAMBDA_SERVER_CATALOG_SAM_H
#define CLAMBDA_SERVER_CATALOG_SAM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/func.h"

/* A Lambda authorizer of an HttpApi (Auth.Authorizers.<name> with FunctionArn: REQUEST type).
 * Strings owned. */
struct sam_authorizer {
    char *name;      /* its key in Auth.Authorizers */
    char *function;  /* the template function FunctionArn names (!GetAtt F.Arn, a name) */
    char **identity; /* Identity.Headers/QueryStrings/... as API Gateway writes them:
                      * "$request.header.Authorization", "$request.querystring.q",
                      * "$context.routeKey", "$stageVariables.v" */
    size_t n_identity;
    int ttl_s;             /* Identity.ReauthorizeEvery (AuthorizerResultTtlInSeconds); 0: none */
    bool simple;           /* EnableSimpleResponses: {"isAuthorized": bool, "context": {...}} */
    char *payload_version; /* AuthorizerPayloadFormatVersion: "1.0" or "2.0" (the default) */
};

/* An API: an AWS::Serverless::HttpApi / AWS::Serverless::Api resource, or the implicit one SAM
 * makes for events that name none (id "ServerlessHttpApi" / "ServerlessRestApi"). Globals.HttpApi
 * and Globals.Api apply. Strings owned. */
struct sam_api {
    char *id;              /* logical id */
    bool is_http_api;      /* HttpApi (payload 2.0 by default) rather than Api (REST, 1.0) */
    char *stage;           /* StageName; HttpApi default "$default", implicit Api "Prod" */
    char *cors_json;       /* CORS in the Function URL's member names (AllowOrigins, AllowMethods,
                            * AllowHeaders, ExposeHeaders: arrays; MaxAge; AllowCredentials),
                            * compact JSON; HttpApi CorsConfiguration (true: all "*") and Api Cors
                            * (quoted "'*'" strings unquoted) both end up so. NULL: none */
    char *stage_vars_json; /* StageVariables (HttpApi) / Variables (Api): an object of strings,
                            * compact JSON, or NULL */
    char **binary_types;   /* Api BinaryMediaTypes ("image/png", "*~1*" read as "*" + "/" + "*") */
    size_t n_binary_types;
    struct sam_authorizer *auths;
    size_t n_auths;
    char *default_auth; /* Auth.DefaultAuthorizer, or NULL */
};

/* A function's FunctionUrlConfig. Strings owned. */
struct sam_url {
    char *function;
    char *auth_type;   /* "NONE" or "AWS_IAM" */
    char *invoke_mode; /* "BUFFERED" or "RESPONSE_STREAM" */
    char *cors_json;   /* the Cors object as compact JSON in the API's member names, or NULL */
};

/* One HTTP route of a function's events. Strings owned. */
struct sam_route {
    char *function;        /* the function's name */
    char *method;          /* "GET", ... or "ANY" (upper case) */
    char *path;            /* "/items/{id}", "/{proxy+}"; "$default" for an HttpApi without Path */
    bool is_http_api;      /* HttpApi rather than Api (REST) */
    size_t api;            /* index in sam_template.apis (ApiId / RestApiId, or the implicit) */
    char *payload_version; /* "2.0" or "1.0" (PayloadFormatVersion; Api: always "1.0") */
    char *authorizer;      /* the api's authorizer name (Auth.Authorizer, else the api's
                            * default), NULL for none ("NONE") */
    int timeout_ms;        /* TimeoutInMillis; 0: API Gateway's 30000 (HttpApi) / 29000 (Api) */
};

/* What a template defines. */
struct sam_template {
    struct function_config *fns;
    size_t n_fns;
    struct sam_api *apis;
    size_t n_apis;
    struct sam_route *routes;
    size_t n_routes;
    struct sam_url *urls;
    size_t n_urls;
};

/* Where a template is read: the values of its pseudo parameters and its name in messages. A NULL
 * member (or a NULL context) takes the default in brackets. */
struct sam_context {
    const char *file;       /* in messages ["template.yaml"]; sam_load: the path */
    const char *region;     /* AWS::Region, ARNs ["us-east-1"] */
    const char *account;    /* AWS::AccountId, ARNs ["000000000000"] */
    const char *stack_name; /* AWS::StackName ["local", as `sam local`] */
};

/* Reads the template text[0..len); relative CodeUri paths are taken from base_dir. OUT: *out
 * (sam_fini). 0, or -EINVAL with "FILE:LINE: Path.Of.Key: message" in err (errlen bytes); then
 * out is empty. */
int sam_parse(const char *text, size_t len, const char *base_dir, const struct sam_context *cx,
              struct sam_template *out, char *err, size_t errlen);
/* Reads the template file path (sam_parse with its directory, cx->file = path). 0, -errno
 * ("PATH: strerror") or -EINVAL / -E2BIG, err filled. */
int sam_load(const char *path, const struct sam_context *cx, struct sam_template *out, char *err,
             size_t errlen);
/* Frees what t holds and zeroes it. NULL is a no-op. */
void sam_fini(struct sam_template *t);

#endif /* CLAMBDA_SERVER_CATALOG_SAM_H */
