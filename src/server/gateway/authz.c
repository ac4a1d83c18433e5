/* SPDX-License-Identifier: MIT */
/* Lambda authorizers; see authz.h. */
#include "gateway/authz.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "gateway/gwevent.h"
#include "http/url.h"

/* Most answers kept (past it the oldest goes). */
#define AUTHZ_CACHE_MAX 1024

/* The value of query parameter key in q (decoded), or NULL (caller frees). */
static char *query_value(const char *q, const char *key)
{
    size_t klen = strlen(key);
    while (*q) {
        size_t n = strcspn(q, "&");
        if (n > klen && q[klen] == '=' && strncmp(q, key, klen) == 0) {
            size_t vlen = n - klen - 1;
            char *out = xmalloc(vlen + 1);
            if (url_pct_decode(q + klen + 1, vlen, out, vlen + 1) < 0) {
                free(out);
                return NULL; /* a bad escape: no identity */
            }
            return out;
        }
        q += n;
        q += *q == '&';
    }
    return NULL;
}

/* Every value of header name in r, joined with ',' as API Gateway does, or NULL. */
static char *header_values(const struct gwevent_request *r, const char *name)
{
    char *joined = NULL;
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            char *next = joined ? xasprintf("%s,%s", joined, r->headers[i].value)
                                : xstrdup(r->headers[i].value);
            free(joined);
            joined = next;
        }
    }
    return joined;
}

/* $context.<what> of r, or NULL (borrowed). */
static const char *context_value(const struct gwevent_request *r, const char *what)
{
    static const struct {
        const char *name;
        size_t off;
    } known[] = {{"routeKey", offsetof(struct gwevent_request, route_key)},
                 {"stage", offsetof(struct gwevent_request, stage)},
                 {"httpMethod", offsetof(struct gwevent_request, method)},
                 {"path", offsetof(struct gwevent_request, path)}};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(what, known[i].name) == 0) {
            return *(const char *const *)(const void *)((const char *)r + known[i].off);
        }
    }
    return NULL;
}

/* The value of one identity source, or NULL (caller frees). */
static char *source_value(const char *src, const struct gwevent_request *r)
{
    static const char hdr[] = "$request.header.";
    static const char qs[] = "$request.querystring.";
    static const char sv[] = "$stageVariables.";
    static const char cx[] = "$context.";
    const char *v = NULL;
    if (strncasecmp(src, hdr, sizeof(hdr) - 1) == 0) {
        return header_values(r, src + sizeof(hdr) - 1);
    }
    if (strncmp(src, qs, sizeof(qs) - 1) == 0) {
        return query_value(r->query, src + sizeof(qs) - 1);
    }
    if (strncmp(src, sv, sizeof(sv) - 1) == 0) {
        v = json_string_value(json_object_get(r->stage_vars, src + sizeof(sv) - 1));
    } else if (strncmp(src, cx, sizeof(cx) - 1) == 0) {
        v = context_value(r, src + sizeof(cx) - 1);
    }
    return v ? xstrdup(v) : NULL;
}

int authz_identity(const struct sam_authorizer *a, const struct gwevent_request *r, json_t **values)
{
    json_t *out = json_array();
    for (size_t i = 0; i < a->n_identity; i++) {
        char *v = source_value(a->identity[i], r);
        if (v == NULL || *v == '\0') {
            free(v);
            json_decref(out);
            *values = NULL;
            return -ENOENT;
        }
        json_t *js = json_string(v);
        (void)json_array_append_new(out, js ? js : json_string("(invalid UTF-8)"));
        free(v);
    }
    *values = out;
    return 0;
}

char *authz_route_arn(const char *region, const char *account, const char *api_id,
                      const char *stage, const char *method, const char *path)
{
    return xasprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", region, account, api_id, stage, method,
                     path);
}

/* ---- the event ------------------------------------------------------------------------------ */

int authz_event(const struct sam_authorizer *a, const struct gwevent_request *r,
                const char *route_arn, const json_t *identity, char **json, size_t *len)
{
    bool v1 = a->payload_version && strcmp(a->payload_version, "1.0") == 0;
    char *base = NULL;
    size_t blen = 0;
    int rc = v1 ? gwevent_build_v1(r, &base, &blen) : gwevent_build(r, &base, &blen);
    if (rc < 0) {
        return rc;
    }
    json_error_t jerr;
    json_t *ev = json_loadb(base, blen, 0, &jerr);
    free(base);
    if (ev == NULL) {
        return -EINVAL;
    }
    /* an authorizer sees the request without its body */
    (void)json_object_del(ev, "body");
    (void)json_object_del(ev, "isBase64Encoded");
    json_t *out = json_object();
    (void)json_object_set_new(out, "version", json_string(v1 ? "1.0" : "2.0"));
    (void)json_object_set_new(out, "type", json_string("REQUEST"));
    (void)json_object_set_new(out, v1 ? "methodArn" : "routeArn", json_string(route_arn));
    if (v1) {
        /* 1.0: the identity sources joined with ',' */
        char *joined = xstrdup("");
        size_t i;
        json_t *v;
        json_array_foreach(identity, i, v)
        {
            char *next = xasprintf("%s%s%s", joined, i ? "," : "", json_string_value(v));
            free(joined);
            joined = next;
        }
        (void)json_object_set_new(out, "identitySource", json_string(joined));
        free(joined);
    } else {
        (void)json_object_set_new(out, "identitySource", json_deep_copy(identity));
    }
    const char *k;
    json_t *v;
    json_object_foreach(ev, k, v)
    {
        if (strcmp(k, "version") != 0) {
            (void)json_object_set(out, k, v);
        }
    }
    json_decref(ev);
    *json = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(out);
    if (*json == NULL) {
        return -EINVAL;
    }
    *len = strlen(*json);
    return 0;
}

/* ---- the decision --------------------------------------------------------------------------- */

/* Glob match of IAM resources: '*' any run, '?' one character. */
static bool glob(const char *pat, const char *s)
{
    const char *star = NULL;
    const char *mark = NULL;
    while (*s) {
        if (*pat == '?' || *pat == *s) {
            pat++;
            s++;
        } else if (*pat == '*') {
            star = pat++;
            mark = s;
        } else if (star) {
            pat = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (*pat == '*') {
        pat++;
    }
    return *pat == '\0';
}

/* Whether v (a string or an array of strings) has an entry matching s. */
static bool any_matches(const json_t *v, const char *s)
{
    if (json_is_string(v)) {
        return glob(json_string_value(v), s);
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e) && glob(json_string_value(e), s)) {
            return true;
        }
    }
    return false;
}

/* The IAM policy form. */
static enum authz_verdict policy(const json_t *ans, const char *route_arn)
{
    const json_t *doc = json_object_get(ans, "policyDocument");
    const json_t *st = json_object_get(doc, "Statement");
    if (!json_is_object(doc) || !(json_is_array(st) || json_is_object(st))) {
        return AUTHZ_MALFORMED;
    }
    bool allow = false;
    size_t n = json_is_array(st) ? json_array_size(st) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_is_array(st) ? json_array_get(st, i) : st;
        const char *effect = json_string_value(json_object_get(s, "Effect"));
        const json_t *action = json_object_get(s, "Action");
        if (effect == NULL || !any_matches(action, "execute-api:Invoke") ||
            !any_matches(json_object_get(s, "Resource"), route_arn)) {
            continue;
        }
        if (strcmp(effect, "Deny") == 0) {
            return AUTHZ_DENY; /* an explicit Deny wins */
        }
        allow = allow || strcmp(effect, "Allow") == 0;
    }
    return allow ? AUTHZ_ALLOW : AUTHZ_DENY;
}

enum authz_verdict authz_decide(const struct sam_authorizer *a, const uint8_t *out, size_t len,
                                const char *route_arn, json_t **context, char **principal)
{
    *context = NULL;
    *principal = NULL;
    json_error_t jerr;
    json_t *ans = len ? json_loadb((const char *)out, len, 0, &jerr) : NULL;
    enum authz_verdict v = AUTHZ_MALFORMED;
    json_t *ctx = json_object_get(ans, "context");
    if (!json_is_object(ans) || (ctx && !json_is_object(ctx) && !json_is_null(ctx))) {
        v = AUTHZ_MALFORMED;
    } else if (a->simple && json_object_get(ans, "isAuthorized")) {
        json_t *ok = json_object_get(ans, "isAuthorized");
        v = !json_is_boolean(ok) ? AUTHZ_MALFORMED : json_is_true(ok) ? AUTHZ_ALLOW : AUTHZ_DENY;
    } else {
        v = policy(ans, route_arn);
    }
    if (v == AUTHZ_ALLOW) {
        const char *p = json_string_value(json_object_get(ans, "principalId"));
        *context = json_is_object(ctx) ? json_incref(ctx) : NULL;
        *principal = p ? xstrdup(p) : NULL;
    }
    json_decref(ans);
    return v;
}

json_t *authz_function_view(json_t *context, const char *principal, bool is_v1)
{
    json_t *ctx = context ? context : json_object();
    if (!is_v1) {
        return json_pack("{s:o}", "lambda", ctx);
    }
    json_t *view = json_deep_copy(ctx);
    json_decref(ctx);
    if (principal) {
        (void)json_object_set_new(view, "principalId", json_string(principal));
    }
    (void)json_object_set_new(view, "integrationLatency", json_integer(0));
    return view;
}

/* ---- the cache ------------------------------------------------------------------------------ */

struct entry {
    char *key;
    uint8_t *answer;
    size_t len;
    int64_t until_ms;
};

struct authz_cache {
    struct entry e[AUTHZ_CACHE_MAX];
    size_t n;
};

struct authz_cache *authz_cache_new(void)
{
    return xcalloc(1, sizeof(struct authz_cache));
}

static void entry_fini(struct entry *e)
{
    free(e->key);
    free(e->answer);
    memset(e, 0, sizeof(*e));
}

void authz_cache_free(struct authz_cache *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        entry_fini(&c->e[i]);
    }
    free(c);
}

static char *key_of(const char *api_id, const char *name, const json_t *identity)
{
    char *id = json_dumps(identity, JSON_COMPACT | JSON_ENCODE_ANY);
    char *key = xasprintf("%s\x1f%s\x1f%s", api_id, name, id ? id : "");
    free(id);
    return key;
}

const char *authz_cache_get(struct authz_cache *c, const char *api_id, const char *name,
                            const json_t *identity, int64_t now_ms, size_t *len)
{
    if (json_array_size(identity) == 0) {
        return NULL;
    }
    char *key = key_of(api_id, name, identity);
    const char *found = NULL;
    for (size_t i = 0; i < c->n && found == NULL; i++) {
        if (strcmp(c->e[i].key, key) == 0 && c->e[i].until_ms > now_ms) {
            found = (const char *)c->e[i].answer;
            *len = c->e[i].len;
        }
    }
    free(key);
    return found;
}

void authz_cache_put(struct authz_cache *c, const char *api_id, const char *name,
                     const json_t *identity, int ttl_s, const uint8_t *out, size_t len,
                     int64_t now_ms)
{
    if (ttl_s <= 0 || json_array_size(identity) == 0) {
        return;
    }
    char *key = key_of(api_id, name, identity);
    size_t slot = c->n;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].key, key) == 0 || c->e[i].until_ms <= now_ms) {
            slot = i; /* the same identity again, or an expired one */
            break;
        }
    }
    if (slot == AUTHZ_CACHE_MAX) {
        slot = 0;
        for (size_t i = 1; i < c->n; i++) {
            slot = c->e[i].until_ms < c->e[slot].until_ms ? i : slot;
        }
    }
    if (slot < c->n) {
        entry_fini(&c->e[slot]);
    } else {
        c->n++;
    }
    c->e[slot].key = key;
    c->e[slot].answer = xmalloc(len + 1);
    memcpy(c->e[slot].answer, out, len);
    c->e[slot].answer[len] = 0;
    c->e[slot].len = len;
    c->e[slot].until_ms = now_ms + (int64_t)ttl_s * 1000;
}
