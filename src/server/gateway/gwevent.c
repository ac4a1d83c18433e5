/* SPDX-License-Identifier: MIT */
/* Payload format 2.0 events for Function URLs; see gwevent.h. Built with jansson, which keeps
 * the members in insertion order (the order of AWS's samples). */
#include "gateway/gwevent.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "gateway/gwevent_int.h"
#include "http/url.h"

/* A JSON string of s[0..len); bytes that are not UTF-8 make it "(invalid UTF-8)". */
json_t *gwevent_jstrn(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    return j ? j : json_string("(invalid UTF-8)");
}

#define jstrn gwevent_jstrn

json_t *gwevent_jstr(const char *s)
{
    return jstrn(s, strlen(s));
}
#define jstr gwevent_jstr

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

bool gwevent_is_text(const char *ctype)
{
    static const char *const exact[] = {"application/json",
                                        "application/javascript",
                                        "application/xml",
                                        "application/yaml",
                                        "application/x-www-form-urlencoded",
                                        NULL};
    if (ctype == NULL) {
        return false;
    }
    while (*ctype == ' ' || *ctype == '\t') {
        ctype++;
    }
    size_t len = strcspn(ctype, ";");
    while (len > 0 && (ctype[len - 1] == ' ' || ctype[len - 1] == '\t')) {
        len--;
    }
    if (len >= 5 && strncasecmp(ctype, "text/", 5) == 0) {
        return true;
    }
    for (size_t i = 0; exact[i]; i++) {
        if (strlen(exact[i]) == len && strncasecmp(ctype, exact[i], len) == 0) {
            return true;
        }
    }
    return has_suffix(ctype, len, "+json") || has_suffix(ctype, len, "+xml") ||
           has_suffix(ctype, len, "+yaml");
}

/* Appends value to o[key] (a string), joining with ',' when the key is there already. */
static void join_value(json_t *o, const char *key, json_t *value)
{
    json_t *old = json_object_get(o, key);
    if (old == NULL) {
        (void)json_object_set_new(o, key, value);
        return;
    }
    char *both = xasprintf("%s,%s", json_string_value(old), json_string_value(value));
    json_decref(value);
    (void)json_object_set_new(o, key, jstr(both));
    free(both);
}

/* Splits one Cookie header value on ';' into cookies (spaces around each cookie trimmed). */
static void split_cookies(json_t *cookies, const char *v)
{
    while (*v) {
        while (*v == ' ' || *v == '\t') {
            v++;
        }
        size_t n = strcspn(v, ";");
        size_t m = n;
        while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t')) {
            m--;
        }
        if (m > 0) {
            (void)json_array_append_new(cookies, jstrn(v, m));
        }
        v += n;
        if (*v == ';') {
            v++;
        }
    }
}

/* headers (lower-cased names, repeated values joined) and the cookies array. */
static void add_headers(json_t *ev, const struct gwevent_request *r)
{
    json_t *cookies = json_array();
    json_t *hs = json_object();
    for (size_t i = 0; i < r->n_headers; i++) {
        char name[256];
        size_t n = strlen(r->headers[i].name);
        if (n >= sizeof(name)) {
            continue; /* no real header name is this long */
        }
        for (size_t k = 0; k <= n; k++) {
            name[k] = (char)tolower((unsigned char)r->headers[i].name[k]);
        }
        if (strcmp(name, "cookie") == 0) {
            split_cookies(cookies, r->headers[i].value);
            continue;
        }
        join_value(hs, name, jstr(r->headers[i].value));
    }
    if (json_array_size(cookies) > 0) {
        (void)json_object_set_new(ev, "cookies", cookies);
    } else {
        json_decref(cookies);
    }
    (void)json_object_set_new(ev, "headers", hs);
}

/* Percent-decodes s[0..len) into a new JSON string; the raw text when it does not decode. */
json_t *gwevent_decoded(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    int n = url_pct_decode(s, len, out, len + 1);
    json_t *j = n >= 0 ? jstrn(out, (size_t)n) : jstrn(s, len);
    free(out);
    return j;
}

/* queryStringParameters: decoded, repeated keys joined with ','; omitted without a query. */
static void add_query(json_t *ev, const char *q)
{
    json_t *params = json_object();
    while (*q) {
        size_t n = strcspn(q, "&");
        size_t klen = strcspn(q, "=");
        if (klen > n) {
            klen = n;
        }
        if (n > 0) {
            json_t *k = gwevent_decoded(q, klen);
            json_t *v = klen < n ? gwevent_decoded(q + klen + 1, n - klen - 1) : json_string("");
            join_value(params, json_string_value(k), v);
            json_decref(k);
        }
        q += n;
        if (*q == '&') {
            q++;
        }
    }
    if (json_object_size(params) > 0) {
        (void)json_object_set_new(ev, "queryStringParameters", params);
    } else {
        json_decref(params);
    }
}

/* "dd/Mon/yyyy:HH:mm:ss +0000" of ms. */
void gwevent_clf_time(int64_t ms, char out[64])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    static const char mon[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    (void)gmtime_r(&t, &tm);
    (void)snprintf(out, 64, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, mon[tm.tm_mon],
                   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static json_t *request_context(const struct gwevent_request *r)
{
    const char *ua = NULL;
    for (size_t i = 0; i < r->n_headers && ua == NULL; i++) {
        if (strcasecmp(r->headers[i].name, "User-Agent") == 0) {
            ua = r->headers[i].value;
        }
    }
    char when[64];
    gwevent_clf_time(r->time_ms, when);
    json_t *http = json_pack("{s:o,s:o,s:s,s:o,s:o}", "method", jstr(r->method), "path",
                             jstr(r->path), "protocol", "HTTP/1.1", "sourceIp", jstr(r->source_ip),
                             "userAgent", ua ? jstr(ua) : json_string(""));
    json_t *ctx =
        json_pack("{s:o,s:o,s:o,s:o}", "accountId", jstr(r->account), "apiId", jstr(r->url_id),
                  "domainName", jstr(r->domain_name), "domainPrefix", jstr(r->url_id));
    (void)json_object_set_new(ctx, "http", http);
    (void)json_object_set_new(ctx, "requestId", jstr(r->request_id));
    (void)json_object_set_new(ctx, "routeKey", jstr(r->route_key ? r->route_key : "$default"));
    (void)json_object_set_new(ctx, "stage", jstr(r->stage ? r->stage : "$default"));
    (void)json_object_set_new(ctx, "time", json_string(when));
    (void)json_object_set_new(ctx, "timeEpoch", json_integer(r->time_ms));
    if (r->iam_access_key) {
        const char *acct = r->iam_account ? r->iam_account : r->account;
        char *arn = xasprintf("arn:aws:iam::%s:root", acct);
        json_t *iam = json_pack("{s:o,s:o,s:o,s:n,s:n,s:o,s:o}", "accessKey",
                                jstr(r->iam_access_key), "accountId", jstr(acct), "callerId",
                                jstr(r->iam_access_key), "cognitoIdentity", "principalOrgId",
                                "userArn", jstr(arn), "userId", jstr(r->iam_access_key));
        free(arn);
        (void)json_object_set_new(ctx, "authorizer", json_pack("{s:o}", "iam", iam));
    } else if (r->authorizer) {
        (void)json_object_set_new(ctx, "authorizer", json_deep_copy(r->authorizer));
    }
    return ctx;
}

const char *gwevent_header(const struct gwevent_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }
    return NULL;
}

json_t *gwevent_body(const struct gwevent_request *r, bool want_b64, bool *b64)
{
    *b64 = false;
    if (r->body_len == 0) {
        return NULL;
    }
    json_t *text = want_b64 ? NULL : json_stringn((const char *)r->body, r->body_len);
    if (text == NULL) {
        struct cl_buf enc;
        cl_buf_init(&enc, (size_t)-1);
        if (cl_b64_encode(&enc, r->body, r->body_len) < 0) {
            abort(); /* unbounded: only ENOMEM */
        }
        text = json_stringn((const char *)enc.data, enc.len);
        cl_buf_fini(&enc);
        *b64 = true;
    }
    return text;
}

/* body and isBase64Encoded: text when the content type says so and it is UTF-8. */
static void add_body(json_t *ev, const struct gwevent_request *r)
{
    bool b64 = false;
    json_t *body = gwevent_body(r, !gwevent_is_text(gwevent_header(r, "Content-Type")), &b64);
    if (body) {
        (void)json_object_set_new(ev, "body", body);
    }
    (void)json_object_set_new(ev, "isBase64Encoded", json_boolean(b64));
}

int gwevent_build(const struct gwevent_request *r, char **json, size_t *json_len)
{
    json_t *ev = json_object();
    (void)json_object_set_new(ev, "version", json_string("2.0"));
    (void)json_object_set_new(ev, "routeKey", jstr(r->route_key ? r->route_key : "$default"));
    (void)json_object_set_new(ev, "rawPath", jstr(r->path));
    (void)json_object_set_new(ev, "rawQueryString", jstr(r->query));
    add_headers(ev, r);
    add_query(ev, r->query);
    if (json_object_size(r->path_params) > 0) {
        (void)json_object_set_new(ev, "pathParameters", json_deep_copy(r->path_params));
    }
    if (json_object_size(r->stage_vars) > 0) {
        (void)json_object_set_new(ev, "stageVariables", json_deep_copy(r->stage_vars));
    }
    (void)json_object_set_new(ev, "requestContext", request_context(r));
    add_body(ev, r);
    char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ev);
    if (s == NULL) {
        return -EINVAL;
    }
    *json = s;
    *json_len = strlen(s);
    return 0;
}

size_t gwevent_forwarded(const struct http1_request *req, const char *ip, struct http1_header *hs,
                         char *port)
{
    const char *host = http1_header(req, "Host");
    const char *colon = host ? strrchr(host, ':') : NULL;
    (void)snprintf(port, 8, "%s", colon && strlen(colon + 1) < 8 ? colon + 1 : "80");
    memcpy(hs, req->headers, req->n_headers * sizeof(*hs));
    size_t n = req->n_headers;
    hs[n++] = (struct http1_header){"x-forwarded-for", ip};
    if (http1_header(req, "X-Forwarded-Proto") == NULL) {
        hs[n++] = (struct http1_header){"x-forwarded-proto", "http"};
    }
    if (http1_header(req, "X-Forwarded-Port") == NULL) {
        hs[n++] = (struct http1_header){"x-forwarded-port", port};
    }
    return n;
}
