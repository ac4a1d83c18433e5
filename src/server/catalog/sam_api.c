/* SPDX-License-Identifier: MIT */
/* SAM templates: APIs and their routes; see sam.h. AWS::Serverless::HttpApi and ::Api
 * resources become struct sam_api (stage, CORS in the Function URL's member names, stage
 * variables, binary media types, HttpApi Lambda authorizers), with Globals.HttpApi / Globals.Api
 * applied; an event that names no API gets the implicit one SAM makes (ServerlessHttpApi, stage
 * $default; ServerlessRestApi, stage Prod), made when first named. Each Api / HttpApi event
 * becomes one route on its API. What clambda does not serve (OpenAPI definitions, JWT, IAM and
 * REST authorizers) is refused by name rather than served open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/sam.h"
#include "catalog/sam_read.h"

/* ---- CORS ----------------------------------------------------------------------------------- */

/* value as a list of strings (a single string is a list of one) into cors.key. */
static int cors_list(struct sam_reader *rd, json_t *cors, const char *key, json_t *value,
                     const char *path)
{
    json_t *list = json_array();
    size_t i;
    json_t *s;
    if (json_is_string(value)) {
        (void)json_array_append(list, value);
    }
    json_array_foreach(value, i, s)
    {
        if (!json_is_string(s)) {
            json_decref(list);
            return sam_fail(rd, s, path, "%s must be a list of strings", key);
        }
        (void)json_array_append(list, s);
    }
    if (json_array_size(list) == 0 && !json_is_array(value)) {
        json_decref(list);
        return sam_fail(rd, value, path, "%s must be a list of strings", key);
    }
    (void)json_object_set_new(cors, key, list);
    return 0;
}

/* The members of a CorsConfiguration / Cors object v into cors, typed. */
static int cors_members(struct sam_reader *rd, json_t *cors, json_t *v, const char *sub)
{
    int rc = 0;
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        bool is_list = strcmp(k, "AllowOrigins") == 0 || strcmp(k, "AllowMethods") == 0 ||
                       strcmp(k, "AllowHeaders") == 0 || strcmp(k, "ExposeHeaders") == 0;
        int n = 0;
        bool b = false;
        if (is_list) {
            rc = cors_list(rd, cors, k, m, sub);
        } else if (strcmp(k, "MaxAge") == 0) {
            rc = sam_get_int(rd, v, k, sub, 0, 86400, &n);
            (void)json_object_set_new(cors, k, json_integer(n));
        } else if (strcmp(k, "AllowCredentials") == 0) {
            rc = sam_get_bool(rd, v, k, sub, &b);
            (void)json_object_set_new(cors, k, json_boolean(b));
        } else {
            rc = sam_fail(rd, m, sub,
                          "%s is not a CORS member (AllowOrigins, AllowMethods, "
                          "AllowHeaders, ExposeHeaders, MaxAge, AllowCredentials)",
                          k);
        }
        if (rc < 0) {
            break;
        }
    }
    return rc;
}

int sam_cors_http(struct sam_reader *rd, json_t *obj, const char *key, const char *path, char **out)
{
    *out = NULL;
    json_t *v = NULL;
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, key);
    int rc = sam_get(rd, obj, key, path, &v);
    bool on = false;
    json_t *cors = json_object();
    if (rc == 0 && v && sam_bool(v, &on)) {
        if (on) { /* SAM's CorsConfiguration: true */
            (void)json_object_set_new(cors, "AllowOrigins", json_pack("[s]", "*"));
            (void)json_object_set_new(cors, "AllowMethods", json_pack("[s]", "*"));
            (void)json_object_set_new(cors, "AllowHeaders", json_pack("[s]", "*"));
        }
    } else if (rc == 0 && v && !json_is_object(v)) {
        rc = sam_fail(rd, json_object_get(obj, key), path, "%s must be true, false or an object",
                      key);
    }
    rc = rc ? rc : cors_members(rd, cors, json_is_object(v) ? v : NULL, sub);
    if (rc == 0 && json_object_size(cors) > 0) {
        *out = json_dumps(cors, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(cors);
    json_decref(v);
    return rc;
}

/* "'GET,POST'" (API Gateway's quoted header value) as ["GET", "POST"]. */
static json_t *unquote_list(const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
        s++;
        n -= 2;
    }
    json_t *list = json_array();
    while (n > 0) {
        size_t len = 0;
        while (len < n && s[len] != ',') {
            len++;
        }
        size_t b = 0;
        size_t e = len;
        while (b < e && s[b] == ' ') {
            b++;
        }
        while (e > b && s[e - 1] == ' ') {
            e--;
        }
        if (e > b) {
            (void)json_array_append_new(list, json_stringn(s + b, e - b));
        }
        s += len < n ? len + 1 : len;
        n -= len < n ? len + 1 : len;
    }
    return list;
}

/* The Function URL form of an Api's Cors values (API Gateway's quoted strings). */
static char *rest_cors_json(const char *origin, const char *methods, const char *headers,
                            const char *max_age, bool creds)
{
    json_t *cors = json_object();
    (void)json_object_set_new(cors, "AllowOrigins", unquote_list(origin));
    /* SAM allows the path's methods by default; the gateway has one list per API */
    (void)json_object_set_new(cors, "AllowMethods", unquote_list(methods ? methods : "*"));
    if (headers) {
        (void)json_object_set_new(cors, "AllowHeaders", unquote_list(headers));
    }
    json_t *age = max_age ? unquote_list(max_age) : NULL;
    const char *a = json_string_value(json_array_get(age, 0));
    if (a) {
        (void)json_object_set_new(cors, "MaxAge", json_integer(strtol(a, NULL, 10)));
    }
    json_decref(age);
    if (creds) {
        (void)json_object_set_new(cors, "AllowCredentials", json_true());
    }
    char *text = json_dumps(cors, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(cors);
    return text;
}

/* An Api's Cors: "'origin'" or {AllowOrigin, AllowMethods, AllowHeaders, MaxAge,
 * AllowCredentials}, quoted values unquoted, in the Function URL's member names. */
static int rest_cors(struct sam_reader *rd, json_t *props, const char *path, char **out)
{
    *out = NULL;
    json_t *v = NULL;
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, "Cors");
    int rc = sam_get(rd, props, "Cors", path, &v);
    if (rc < 0 || v == NULL) {
        return rc;
    }
    char *origin = json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
    char *methods = NULL;
    char *headers = NULL;
    char *max_age = NULL;
    bool creds = false;
    if (json_is_object(v)) {
        rc = sam_get_str(rd, v, "AllowOrigin", sub, &origin);
        rc = rc ? rc : sam_get_str(rd, v, "AllowMethods", sub, &methods);
        rc = rc ? rc : sam_get_str(rd, v, "AllowHeaders", sub, &headers);
        rc = rc ? rc : sam_get_str(rd, v, "MaxAge", sub, &max_age);
        rc = rc ? rc : sam_get_bool(rd, v, "AllowCredentials", sub, &creds);
    }
    if (rc == 0 && origin == NULL) {
        rc = sam_fail(rd, json_object_get(props, "Cors"), path,
                      "Cors must be a quoted origin (\"'*'\") or an object with AllowOrigin");
    }
    if (rc == 0) {
        *out = rest_cors_json(origin, methods, headers, max_age, creds);
    }
    free(origin);
    free(methods);
    free(headers);
    free(max_age);
    json_decref(v);
    return rc;
}

/* ---- authorizers ---------------------------------------------------------------------------- */

/* True when the template has a function whose name is name. */
static bool fn_exists(struct sam_reader *rd, const char *name)
{
    const char *id;
    json_t *res;
    json_object_foreach(json_object_get(rd->doc.root, "Resources"), id, res)
    {
        const char *type = json_string_value(json_object_get(res, "Type"));
        char *n = NULL;
        bool same = type && strcmp(type, "AWS::Serverless::Function") == 0 &&
                    sam_physical_name(&rd->ev, id, &n) == 0 && strcmp(n, name) == 0;
        free(n);
        if (same) {
            return true;
        }
    }
    return false;
}

/* Identity.<key>: a list of names, each as API Gateway's "<prefix><name>". */
static int identity(struct sam_reader *rd, struct sam_authorizer *z, json_t *id, const char *key,
                    const char *prefix, const char *path)
{
    json_t *list = NULL;
    int rc = sam_get(rd, id, key, path, &list);
    if (rc == 0 && list && !json_is_array(list)) {
        rc = sam_fail(rd, json_object_get(id, key), path, "%s must be a list", key);
    }
    size_t i;
    json_t *s;
    json_array_foreach(rc == 0 ? list : NULL, i, s)
    {
        if (!json_is_string(s)) {
            rc = sam_fail(rd, s, path, "%s must be a list of strings", key);
            break;
        }
        z->identity = xrealloc(z->identity, (z->n_identity + 1) * sizeof(*z->identity));
        z->identity[z->n_identity++] = xasprintf("%s%s", prefix, json_string_value(s));
    }
    json_decref(list);
    return rc;
}

static int authorizer_props(struct sam_reader *rd, struct sam_authorizer *z, json_t *a,
                            const char *path)
{
    char *arn = NULL;
    char name[FUNC_NAME_MAX + 1];
    char msg[256];
    char sub[SAM_PATH_MAX];
    int rc = 0;
    if (json_object_get(a, "JwtConfiguration")) {
        return sam_fail(rd, json_object_get(a, "JwtConfiguration"), path,
                        "JWT authorizers are not supported (Lambda authorizers are)");
    }
    rc = sam_get_str(rd, a, "FunctionArn", path, &arn);
    if (rc == 0 && arn == NULL) {
        rc = sam_fail(rd, a, path, "FunctionArn is required");
    } else if (rc == 0 && func_destination_parse(arn, name, msg, sizeof(msg)) < 0) {
        rc = sam_fail(rd, json_object_get(a, "FunctionArn"), path,
                      "FunctionArn: %s is not a Lambda function's ARN or name (!GetAtt Fn.Arn)",
                      arn);
    } else if (rc == 0 && !fn_exists(rd, name)) {
        rc = sam_fail(rd, json_object_get(a, "FunctionArn"), path,
                      "FunctionArn: %s is not a function of the template", name);
    }
    free(arn);
    if (rc < 0) {
        return rc;
    }
    z->function = xstrdup(name);
    rc = sam_get_str(rd, a, "AuthorizerPayloadFormatVersion", path, &z->payload_version);
    z->payload_version = z->payload_version ? z->payload_version : xstrdup("2.0");
    if (rc == 0 && strcmp(z->payload_version, "1.0") != 0 &&
        strcmp(z->payload_version, "2.0") != 0) {
        rc = sam_fail(rd, json_object_get(a, "AuthorizerPayloadFormatVersion"), path,
                      "AuthorizerPayloadFormatVersion must be 1.0 or 2.0");
    }
    rc = rc ? rc : sam_get_bool(rd, a, "EnableSimpleResponses", path, &z->simple);
    if (rc == 0 && z->simple && strcmp(z->payload_version, "2.0") != 0) {
        rc = sam_fail(rd, json_object_get(a, "EnableSimpleResponses"), path,
                      "EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0");
    }
    json_t *id = json_object_get(a, "Identity");
    sam_key_path(sub, path, "Identity");
    rc = rc ? rc : identity(rd, z, id, "Headers", "$request.header.", sub);
    rc = rc ? rc : identity(rd, z, id, "QueryStrings", "$request.querystring.", sub);
    rc = rc ? rc : identity(rd, z, id, "StageVariables", "$stageVariables.", sub);
    rc = rc ? rc : identity(rd, z, id, "Context", "$context.", sub);
    return rc ? rc : sam_get_int(rd, id, "ReauthorizeEvery", sub, 0, 3600, &z->ttl_s);
}

/* An HttpApi's Auth: Authorizers (Lambda, REQUEST) and DefaultAuthorizer. */
static int http_auth(struct sam_reader *rd, struct sam_api *api, json_t *props, const char *path)
{
    /* not evaluated as a whole: each member is, so that errors name the member */
    json_t *auth = json_object_get(props, "Auth");
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, "Auth");
    bool iam = false;
    int rc = sam_get_bool(rd, auth, "EnableIamAuthorizer", sub, &iam);
    if (rc == 0 && iam) {
        rc = sam_fail(rd, json_object_get(auth, "EnableIamAuthorizer"), sub,
                      "the IAM authorizer is not supported (Lambda authorizers are)");
    }
    const char *k;
    json_t *a;
    json_object_foreach(rc == 0 ? json_object_get(auth, "Authorizers") : NULL, k, a)
    {
        char apath[SAM_PATH_MAX * 2];
        (void)snprintf(apath, sizeof(apath), "%s.Authorizers.%.*s", sub, SAM_PATH_MAX / 2, k);
        api->auths = xrealloc(api->auths, (api->n_auths + 1) * sizeof(*api->auths));
        struct sam_authorizer *z = &api->auths[api->n_auths++];
        memset(z, 0, sizeof(*z));
        z->name = xstrdup(k);
        if ((rc = authorizer_props(rd, z, a, apath)) < 0) {
            break;
        }
    }
    rc = rc ? rc : sam_get_str(rd, auth, "DefaultAuthorizer", sub, &api->default_auth);
    bool found = api->default_auth == NULL;
    for (size_t i = 0; rc == 0 && i < api->n_auths && !found; i++) {
        found = strcmp(api->auths[i].name, api->default_auth) == 0;
    }
    if (rc == 0 && !found) {
        rc = sam_fail(rd, json_object_get(auth, "DefaultAuthorizer"), sub,
                      "DefaultAuthorizer %s is not in Authorizers", api->default_auth);
    }
    return rc;
}

/* ---- APIs ----------------------------------------------------------------------------------- */

/* StageVariables (HttpApi) / Variables (Api): an object of strings. */
static int api_stage_vars(struct sam_reader *rd, struct sam_api *api, json_t *props,
                          const char *path)
{
    const char *vkey = api->is_http_api ? "StageVariables" : "Variables";
    json_t *v = NULL;
    int rc = sam_get(rd, props, vkey, path, &v);
    const char *k;
    json_t *s;
    json_object_foreach(rc == 0 ? v : NULL, k, s)
    {
        if (!json_is_string(s)) {
            rc = sam_fail(rd, s, path, "%s.%s must be a string", vkey, k);
            break;
        }
    }
    if (rc == 0 && v && !json_is_object(v)) {
        rc = sam_fail(rd, json_object_get(props, vkey), path, "%s must be an object", vkey);
    } else if (rc == 0 && json_object_size(v) > 0) {
        api->stage_vars_json = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(v);
    return rc;
}

/* BinaryMediaTypes: a list of strings, OpenAPI's "~1" read as "/". */
static int api_binary_types(struct sam_reader *rd, struct sam_api *api, json_t *props,
                            const char *path)
{
    json_t *v = NULL;
    int rc = sam_get(rd, props, "BinaryMediaTypes", path, &v);
    if (rc == 0 && v && !json_is_array(v)) {
        rc = sam_fail(rd, json_object_get(props, "BinaryMediaTypes"), path,
                      "BinaryMediaTypes must be a list of strings");
    }
    size_t i;
    json_t *s;
    json_array_foreach(rc == 0 ? v : NULL, i, s)
    {
        if (!json_is_string(s)) {
            rc = sam_fail(rd, s, path, "BinaryMediaTypes must be a list of strings");
            break;
        }
        char *t = xstrdup(json_string_value(s));
        for (char *p; (p = strstr(t, "~1")) != NULL;) {
            *p = '/';
            memmove(p + 1, p + 2, strlen(p + 2) + 1);
        }
        api->binary_types =
            xrealloc(api->binary_types, (api->n_binary_types + 1) * sizeof(*api->binary_types));
        api->binary_types[api->n_binary_types++] = t;
    }
    json_decref(v);
    return rc;
}

/* The first of keys that obj has, refused with why; 0 when none. */
static int refuse(struct sam_reader *rd, json_t *obj, const char *const *keys, size_t n,
                  const char *path, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(obj, keys[i])) {
            return sam_fail(rd, json_object_get(obj, keys[i]), path, "%s %s", keys[i], why);
        }
    }
    return 0;
}

static int api_props(struct sam_reader *rd, struct sam_api *api, bool implicit, json_t *props,
                     const char *path)
{
    static const char *const definition[] = {"DefinitionBody", "DefinitionUri"};
    static const char *const rest_auth[] = {"Authorizers", "DefaultAuthorizer", "ApiKeyRequired"};
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, "Auth");
    int rc = refuse(rd, props, definition, 2, path,
                    "is not supported (routes come from the functions' events)");
    rc = rc ? rc : sam_get_str(rd, props, "StageName", path, &api->stage);
    if (rc == 0 && api->stage == NULL && (api->is_http_api || implicit)) {
        api->stage = xstrdup(api->is_http_api ? "$default" : "Prod");
    } else if (rc == 0 && api->stage == NULL) {
        rc = sam_fail(rd, props, path, "StageName is required");
    }
    if (rc == 0) {
        rc = api->is_http_api ? sam_cors_http(rd, props, "CorsConfiguration", path, &api->cors_json)
                              : rest_cors(rd, props, path, &api->cors_json);
    }
    rc = rc ? rc : api_stage_vars(rd, api, props, path);
    rc = rc ? rc : api_binary_types(rd, api, props, path);
    if (rc < 0 || api->is_http_api) {
        return rc ? rc : http_auth(rd, api, props, path);
    }
    return refuse(rd, json_object_get(props, "Auth"), rest_auth, 3, sub,
                  "is not supported on an AWS::Serverless::Api (Lambda authorizers are read for "
                  "HttpApi)");
}

static int api_read(struct sam_reader *rd, const char *id, bool is_http, bool implicit,
                    json_t *props, const char *path)
{
    struct sam_template *t = rd->t;
    t->apis = xrealloc(t->apis, (t->n_apis + 1) * sizeof(*t->apis));
    struct sam_api *api = &t->apis[t->n_apis++];
    memset(api, 0, sizeof(*api));
    api->id = xstrdup(id);
    api->is_http_api = is_http;
    return api_props(rd, api, implicit, props, path);
}

int sam_read_api(struct sam_reader *rd, const char *id, bool is_http, json_t *props,
                 const char *path)
{
    return api_read(rd, id, is_http, false, props, path);
}

/* ---- events --------------------------------------------------------------------------------- */

/* The index of the API an event names (id NULL: the implicit one, made when first named). */
static int event_api(struct sam_reader *rd, const char *id, bool is_http, json_t *at,
                     const char *path, size_t *out)
{
    const char *want = id ? id : (is_http ? "ServerlessHttpApi" : "ServerlessRestApi");
    for (size_t i = 0; i < rd->t->n_apis; i++) {
        if (strcmp(rd->t->apis[i].id, want) == 0 && rd->t->apis[i].is_http_api == is_http) {
            *out = i;
            return 0;
        }
    }
    if (id) {
        return sam_fail(rd, at, path, "%s: %s is not an AWS::Serverless::%s of the template",
                        is_http ? "ApiId" : "RestApiId", id, is_http ? "HttpApi" : "Api");
    }
    json_t *globals =
        json_object_get(json_object_get(rd->doc.root, "Globals"), is_http ? "HttpApi" : "Api");
    json_t *props = sam_merge(globals, NULL);
    char gpath[SAM_PATH_MAX];
    (void)snprintf(gpath, sizeof(gpath), "Globals.%s", is_http ? "HttpApi" : "Api");
    int rc = api_read(rd, want, is_http, true, props, gpath);
    json_decref(props);
    *out = rd->t->n_apis - 1;
    return rc;
}

static bool method_valid(char *m)
{
    static const char *const ok[] = {"GET",   "POST", "PUT",     "DELETE",
                                     "PATCH", "HEAD", "OPTIONS", "ANY"};
    if (strcmp(m, "x-amazon-apigateway-any-method") == 0) {
        (void)snprintf(m, strlen(m) + 1, "ANY");
    }
    for (char *c = m; *c; c++) {
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    }
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (strcmp(m, ok[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The route's authorizer: Auth.Authorizer ("NONE": none), else the API's default. */
static int route_auth(struct sam_reader *rd, struct sam_route *r, const struct sam_api *api,
                      json_t *props, const char *path)
{
    char sub[SAM_PATH_MAX];
    sam_key_path(sub, path, "Auth");
    json_t *auth = json_object_get(props, "Auth");
    int rc = sam_get_str(rd, auth, "Authorizer", sub, &r->authorizer);
    if (rc < 0) {
        return rc;
    }
    if (r->authorizer == NULL) {
        r->authorizer = api->default_auth ? xstrdup(api->default_auth) : NULL;
        return 0;
    }
    if (strcmp(r->authorizer, "NONE") == 0) {
        free(r->authorizer);
        r->authorizer = NULL;
        return 0;
    }
    for (size_t i = 0; i < api->n_auths; i++) {
        if (strcmp(api->auths[i].name, r->authorizer) == 0) {
            return 0;
        }
    }
    return sam_fail(rd, json_object_get(auth, "Authorizer"), sub,
                    "Authorizer %s is not in the Auth.Authorizers of %s", r->authorizer, api->id);
}

/* Method (upper case, ANY by default) and Path (required but for an HttpApi's $default). */
static int route_method_path(struct sam_reader *rd, struct sam_route *r, json_t *props,
                             const char *path)
{
    int rc = sam_get_str(rd, props, "Method", path, &r->method);
    rc = rc ? rc : sam_get_str(rd, props, "Path", path, &r->path);
    if (rc == 0 && (!r->is_http_api || r->method) && r->path == NULL) {
        rc = sam_fail(rd, props, path, "Path is required");
    } else if (rc == 0 && !r->is_http_api && r->method == NULL) {
        rc = sam_fail(rd, props, path, "Method is required");
    }
    if (rc == 0 && r->path == NULL) { /* HttpApi without Path and Method: $default */
        r->path = xstrdup("$default");
    }
    r->method = r->method ? r->method : xstrdup("ANY");
    if (rc == 0 && !method_valid(r->method)) {
        rc = sam_fail(rd, json_object_get(props, "Method"), path, "Method %s is not an HTTP method",
                      r->method);
    } else if (rc == 0 && r->path[0] != '/' && !(r->is_http_api && !strcmp(r->path, "$default"))) {
        rc = sam_fail(rd, json_object_get(props, "Path"), path, "Path must start with /");
    }
    return rc;
}

static int route_props(struct sam_reader *rd, struct sam_route *r, json_t *props, const char *path)
{
    char *api_id = NULL;
    int rc = sam_get_str(rd, props, r->is_http_api ? "ApiId" : "RestApiId", path, &api_id);
    rc = rc ? rc
            : event_api(rd, api_id, r->is_http_api,
                        json_object_get(props, r->is_http_api ? "ApiId" : "RestApiId"), path,
                        &r->api);
    free(api_id);
    rc = rc ? rc : route_method_path(rd, r, props, path);
    if (r->is_http_api) {
        rc = rc ? rc : sam_get_str(rd, props, "PayloadFormatVersion", path, &r->payload_version);
    }
    r->payload_version =
        r->payload_version ? r->payload_version : xstrdup(r->is_http_api ? "2.0" : "1.0");
    if (rc == 0 && strcmp(r->payload_version, "1.0") != 0 &&
        strcmp(r->payload_version, "2.0") != 0) {
        rc = sam_fail(rd, json_object_get(props, "PayloadFormatVersion"), path,
                      "PayloadFormatVersion must be 1.0 or 2.0");
    }
    rc = rc ? rc
            : sam_get_int(rd, props, "TimeoutInMillis", path, 50, r->is_http_api ? 30000 : 29000,
                          &r->timeout_ms);
    return rc ? rc : route_auth(rd, r, &rd->t->apis[r->api], props, path);
}

int sam_read_event(struct sam_reader *rd, const char *fn, json_t *ev, bool is_http,
                   const char *path)
{
    char ppath[SAM_PATH_MAX];
    (void)snprintf(ppath, sizeof(ppath), "%s.Properties", path);
    json_t *props = json_object_get(ev, "Properties");
    int line = sam_doc_line(&rd->doc, props ? props : ev);
    rd->line = line ? line : rd->line;
    if ((props && !json_is_object(props)) || (!props && !is_http)) {
        return sam_fail(rd, props ? props : ev, path, "Properties must be an object");
    }
    struct sam_route r;
    memset(&r, 0, sizeof(r));
    r.is_http_api = is_http;
    r.function = xstrdup(fn);
    int rc = route_props(rd, &r, props, ppath);
    struct sam_template *t = rd->t;
    for (size_t i = 0; rc == 0 && i < t->n_routes; i++) {
        const struct sam_route *o = &t->routes[i];
        if (o->api == r.api && strcmp(o->method, r.method) == 0 && strcmp(o->path, r.path) == 0) {
            rc = sam_fail(rd, props, ppath, "the route %s %s of %s is also an event of %s",
                          r.method, r.path, t->apis[r.api].id, o->function);
        }
    }
    if (rc < 0) {
        free(r.function);
        free(r.method);
        free(r.path);
        free(r.payload_version);
        free(r.authorizer);
        return rc;
    }
    t->routes = xrealloc(t->routes, (t->n_routes + 1) * sizeof(*t->routes));
    t->routes[t->n_routes++] = r;
    return 0;
}
