/* SPDX-License-Identifier: MIT */
/* Payload format 1.0 events (REST APIs, and HTTP APIs configured for 1.0); see gwevent.h.
 * Members in the order of AWS's samples (http-events.md §1.1). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "gateway/gwevent.h"
#include "gateway/gwevent_int.h"

bool gwevent_type_matches(const char *ctype, const char *const *types, size_t n)
{
    if (ctype == NULL) {
        return false;
    }
    while (*ctype == ' ') {
        ctype++;
    }
    size_t len = strcspn(ctype, "; ");
    size_t slash = strcspn(ctype, "/");
    for (size_t i = 0; i < n; i++) {
        const char *t = types[i];
        size_t tl = strlen(t);
        if (strcmp(t, "*/*") == 0 || (tl == len && strncasecmp(t, ctype, len) == 0)) {
            return true;
        }
        /* "image/ *": the top-level type with any subtype */
        if (tl >= 2 && strcmp(t + tl - 2, "/*") == 0 && slash < len && slash == tl - 2 &&
            strncasecmp(t, ctype, slash) == 0) {
            return true;
        }
    }
    return false;
}

/* headers (the last value of a repeated one) and multiValueHeaders (all), names as received;
 * null when there are none. */
static void add_headers(json_t *ev, const struct gwevent_request *r)
{
    json_t *one = json_object();
    json_t *multi = json_object();
    for (size_t i = 0; i < r->n_headers; i++) {
        const char *name = r->headers[i].name;
        json_t *v = gwevent_jstr(r->headers[i].value);
        /* names compare without case: the first spelling keeps the list */
        const char *key = name;
        const char *k;
        json_t *existing;
        json_object_foreach(multi, k, existing)
        {
            if (strcasecmp(k, name) == 0) {
                key = k;
                break;
            }
        }
        json_t *list = json_object_get(multi, key);
        if (list == NULL) {
            list = json_array();
            (void)json_object_set_new(multi, key, list);
            key = name;
        }
        (void)json_array_append(list, v);
        (void)json_object_set_new(one, key, v);
    }
    bool none = json_object_size(one) == 0;
    (void)json_object_set_new(ev, "headers", none ? json_null() : one);
    (void)json_object_set_new(ev, "multiValueHeaders", none ? json_null() : multi);
    if (none) {
        json_decref(one);
        json_decref(multi);
    }
}

/* queryStringParameters (last value) and multiValueQueryStringParameters, decoded. */
static void add_query(json_t *ev, const char *q)
{
    json_t *one = json_object();
    json_t *multi = json_object();
    while (*q) {
        size_t n = strcspn(q, "&");
        size_t klen = strcspn(q, "=");
        klen = klen > n ? n : klen;
        if (n > 0) {
            json_t *k = gwevent_decoded(q, klen);
            json_t *v = klen < n ? gwevent_decoded(q + klen + 1, n - klen - 1) : json_string("");
            const char *key = json_string_value(k);
            json_t *list = json_object_get(multi, key);
            if (list == NULL) {
                list = json_array();
                (void)json_object_set_new(multi, key, list);
            }
            (void)json_array_append(list, v);
            (void)json_object_set_new(one, key, v);
            json_decref(k);
        }
        q += n;
        q += *q == '&';
    }
    bool none = json_object_size(one) == 0;
    (void)json_object_set_new(ev, "queryStringParameters", none ? json_null() : one);
    (void)json_object_set_new(ev, "multiValueQueryStringParameters", none ? json_null() : multi);
    if (none) {
        json_decref(one);
        json_decref(multi);
    }
}

static json_t *copy_or_null(const json_t *v)
{
    return json_object_size(v) > 0 ? json_deep_copy(v) : json_null();
}

static json_t *identity(const struct gwevent_request *r)
{
    const char *ua = gwevent_header(r, "User-Agent");
    json_t *id = json_object();
    static const char *const nulls[] = {"cognitoIdentityPoolId",
                                        "accountId",
                                        "cognitoIdentityId",
                                        "caller",
                                        "apiKey",
                                        "apiKeyId",
                                        "accessKey",
                                        NULL};
    for (size_t i = 0; nulls[i]; i++) {
        (void)json_object_set_new(id, nulls[i], json_null());
    }
    (void)json_object_set_new(id, "sourceIp", gwevent_jstr(r->source_ip));
    (void)json_object_set_new(id, "cognitoAuthenticationType", json_null());
    (void)json_object_set_new(id, "cognitoAuthenticationProvider", json_null());
    (void)json_object_set_new(id, "userArn", json_null());
    (void)json_object_set_new(id, "userAgent", ua ? gwevent_jstr(ua) : json_null());
    (void)json_object_set_new(id, "user", json_null());
    (void)json_object_set_new(id, "clientCert", json_null());
    return id;
}

static json_t *request_context(const struct gwevent_request *r, const char *stage)
{
    char when[64];
    gwevent_clf_time(r->time_ms, when);
    const char *resource = r->resource ? r->resource : r->path;
    /* on the execute-api host the stage leads the path ($default has none) */
    char *path =
        strcmp(stage, "$default") == 0 ? xstrdup(r->path) : xasprintf("/%s%s", stage, r->path);
    json_t *ctx = json_object();
    (void)json_object_set_new(ctx, "accountId", gwevent_jstr(r->account));
    (void)json_object_set_new(ctx, "apiId", gwevent_jstr(r->url_id));
    (void)json_object_set_new(ctx, "resourceId",
                              gwevent_jstr(r->route_key ? r->route_key : "$default"));
    (void)json_object_set_new(ctx, "resourcePath", gwevent_jstr(resource));
    (void)json_object_set_new(ctx, "httpMethod", gwevent_jstr(r->method));
    (void)json_object_set_new(ctx, "path", gwevent_jstr(path));
    (void)json_object_set_new(ctx, "stage", gwevent_jstr(stage));
    (void)json_object_set_new(ctx, "requestId", gwevent_jstr(r->request_id));
    (void)json_object_set_new(ctx, "extendedRequestId", gwevent_jstr(r->request_id));
    (void)json_object_set_new(ctx, "protocol", json_string("HTTP/1.1"));
    (void)json_object_set_new(ctx, "domainName", gwevent_jstr(r->domain_name));
    (void)json_object_set_new(ctx, "domainPrefix", gwevent_jstr(r->url_id));
    (void)json_object_set_new(ctx, "requestTime", json_string(when));
    (void)json_object_set_new(ctx, "requestTimeEpoch", json_integer(r->time_ms));
    (void)json_object_set_new(ctx, "identity", identity(r));
    if (r->authorizer) {
        (void)json_object_set_new(ctx, "authorizer", json_deep_copy(r->authorizer));
    }
    free(path);
    return ctx;
}

int gwevent_build_v1(const struct gwevent_request *r, char **json, size_t *json_len)
{
    const char *stage = r->stage ? r->stage : "$default";
    json_t *ev = json_object();
    (void)json_object_set_new(ev, "version", json_string("1.0"));
    (void)json_object_set_new(ev, "resource", gwevent_jstr(r->resource ? r->resource : r->path));
    (void)json_object_set_new(ev, "path", gwevent_jstr(r->path));
    (void)json_object_set_new(ev, "httpMethod", gwevent_jstr(r->method));
    add_headers(ev, r);
    add_query(ev, r->query);
    (void)json_object_set_new(ev, "pathParameters", copy_or_null(r->path_params));
    (void)json_object_set_new(ev, "stageVariables", copy_or_null(r->stage_vars));
    (void)json_object_set_new(ev, "requestContext", request_context(r, stage));
    const char *ctype = gwevent_header(r, "Content-Type");
    bool want_b64 = r->is_rest ? gwevent_type_matches(ctype, r->binary_types, r->n_binary_types)
                               : !gwevent_is_text(ctype);
    bool b64 = false;
    json_t *body = gwevent_body(r, want_b64, &b64);
    (void)json_object_set_new(ev, "body", body ? body : json_null());
    (void)json_object_set_new(ev, "isBase64Encoded", json_boolean(b64));
    char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ev);
    if (s == NULL) {
        return -EINVAL;
    }
    *json = s;
    *json_len = strlen(s);
    return 0;
}
