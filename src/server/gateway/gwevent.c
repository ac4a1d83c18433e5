/* SPDX-License-Identifier: MIT */
/* Payload format 2.0 events for Function URLs and HTTP APIs; see gwevent.h. Written straight
 * into a buffer, members in the order of AWS's samples (what is shared with payload 1.0,
 * gwevent_v1.c, still builds jansson values). */
#include "gateway/gwevent.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
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

/* Percent-decodes s[0..len) into a new JSON string; the raw text when it does not decode. */
json_t *gwevent_decoded(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    int n = url_pct_decode(s, len, out, len + 1);
    json_t *j = n >= 0 ? jstrn(out, (size_t)n) : jstrn(s, len);
    free(out);
    return j;
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

/* ---- payload format 2.0, written straight into a buffer ---------------------------------------
 * The event is written member by member, without a jansson tree: the bytes are the ones
 * json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER) gave for the same members (the unit tests
 * check that re-dumping the parsed event changes nothing). A string that is not UTF-8 is written
 * as "(invalid UTF-8)", as gwevent_jstrn does; an object key that repeats is written once, at
 * its first place, with the values joined by ','. */

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when it is not one jansson accepts
 * (overlong forms, surrogates and code points past U+10FFFF are refused). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000)) {
        return 0;
    }
    return len;
}

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            return false;
        }
        i += k;
    }
    return true;
}

static void put(struct cl_buf *b, const void *p, size_t n)
{
    if (cl_buf_append(b, p, n) < 0) {
        abort(); /* unbounded: only ENOMEM */
    }
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* s[0..n) as a JSON string's contents (no quotes), escaped as jansson escapes; valid UTF-8. */
static void put_escaped(struct cl_buf *b, const char *s, size_t n)
{
    size_t run = 0; /* start of the bytes not written yet */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        put(b, s + run, i - run);
        run = i + 1;
        char seq[8];
        switch (c) {
        case '"':
            PUT_LIT(b, "\\\"");
            break;
        case '\\':
            PUT_LIT(b, "\\\\");
            break;
        case '\b':
            PUT_LIT(b, "\\b");
            break;
        case '\f':
            PUT_LIT(b, "\\f");
            break;
        case '\n':
            PUT_LIT(b, "\\n");
            break;
        case '\r':
            PUT_LIT(b, "\\r");
            break;
        case '\t':
            PUT_LIT(b, "\\t");
            break;
        default:
            (void)snprintf(seq, sizeof(seq), "\\u%04X", c);
            put(b, seq, 6);
        }
    }
    put(b, s + run, n - run);
}

/* A JSON string of s[0..n), or "(invalid UTF-8)". */
static void put_strn(struct cl_buf *b, const char *s, size_t n)
{
    PUT_LIT(b, "\"");
    if (utf8_valid(s, n)) {
        put_escaped(b, s, n);
    } else {
        PUT_LIT(b, "(invalid UTF-8)");
    }
    PUT_LIT(b, "\"");
}

static void put_str(struct cl_buf *b, const char *s)
{
    put_strn(b, s, strlen(s));
}

/* ,"key": (key a literal that needs no escaping); first: no comma. */
static void put_key(struct cl_buf *b, const char *key, bool first)
{
    if (!first) {
        PUT_LIT(b, ",");
    }
    PUT_LIT(b, "\"");
    put(b, key, strlen(key));
    PUT_LIT(b, "\":");
}

/* A jansson value as json_dumps writes it inside the event. */
static void put_json(struct cl_buf *b, const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (t == NULL) {
        abort(); /* only ENOMEM: the value came from jansson */
    }
    put(b, t, strlen(t));
    free(t);
}

/* One name/value pair of a header or query string map; the strings are written as
 * put_strn writes them, the key cut at a NUL (as a jansson key is). */
struct kv {
    const char *k;
    size_t klen;
    const char *v;
    size_t vlen;
};

/* {"k":"v",...} of kv[0..n): each key once, at its first place, its values joined by ','. A
 * value that is not UTF-8 is "(invalid UTF-8)" in the join. */
static void put_map(struct cl_buf *b, const struct kv *kv, size_t n)
{
    PUT_LIT(b, "{");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = kv[j].klen == kv[i].klen && memcmp(kv[j].k, kv[i].k, kv[i].klen) == 0;
        }
        if (seen) {
            continue;
        }
        if (!first) {
            PUT_LIT(b, ",");
        }
        first = false;
        put_strn(b, kv[i].k, kv[i].klen);
        PUT_LIT(b, ":\"");
        bool more = false;
        for (size_t j = i; j < n; j++) {
            if (kv[j].klen != kv[i].klen || memcmp(kv[j].k, kv[i].k, kv[i].klen) != 0) {
                continue;
            }
            if (more) {
                PUT_LIT(b, ",");
            }
            more = true;
            if (utf8_valid(kv[j].v, kv[j].vlen)) {
                put_escaped(b, kv[j].v, kv[j].vlen);
            } else {
                PUT_LIT(b, "(invalid UTF-8)");
            }
        }
        PUT_LIT(b, "\"");
    }
    PUT_LIT(b, "}");
}

/* The cookies of one Cookie header value v, split on ';' and trimmed, appended to the
 * "cookies" array (opened by the first one: *any). */
static void put_cookies(struct cl_buf *b, const char *v, bool *any)
{
    for (v += strspn(v, " \t"); *v; v += strspn(v, " \t")) {
        size_t m = strcspn(v, ";");
        size_t t = m;
        while (t > 0 && (v[t - 1] == ' ' || v[t - 1] == '\t')) {
            t--;
        }
        if (t > 0) {
            if (*any) {
                PUT_LIT(b, ",");
            } else {
                PUT_LIT(b, ",\"cookies\":[");
            }
            *any = true;
            put_strn(b, v, t);
        }
        v += m + (v[m] == ';');
    }
}

/* "cookies" (when there is one) and "headers": lower-cased names, repeated values joined. */
static void put_headers(struct cl_buf *b, const struct gwevent_request *r)
{
    struct kv *kv = xcalloc(r->n_headers + 1, sizeof(*kv));
    size_t total = 1;
    for (size_t i = 0; i < r->n_headers; i++) {
        total += strlen(r->headers[i].name);
    }
    char *names = xmalloc(total); /* the lower-cased names, one after another */
    size_t used = 0;
    size_t n = 0;
    bool any_cookie = false;
    for (size_t i = 0; i < r->n_headers; i++) {
        size_t len = strlen(r->headers[i].name);
        char *name = names + used;
        used += len;
        if (len >= 256) {
            continue; /* no real header name is this long */
        }
        for (size_t k = 0; k < len; k++) {
            name[k] = (char)tolower((unsigned char)r->headers[i].name[k]);
        }
        if (len == 6 && memcmp(name, "cookie", 6) == 0) {
            put_cookies(b, r->headers[i].value, &any_cookie);
            continue;
        }
        if (!utf8_valid(name, len)) {
            continue; /* jansson took no such key */
        }
        const char *v = r->headers[i].value;
        kv[n++] = (struct kv){name, len, v, strlen(v)};
    }
    if (any_cookie) {
        PUT_LIT(b, "]");
    }
    put_key(b, "headers", false);
    put_map(b, kv, n);
    free(names);
    free(kv);
}

/* One "k=v" (len bytes, the key klen of them) of a query, decoded into *d (which moves past
 * what it used: len + 2 bytes at most). A key is the decoded text up to a NUL,
 * "(invalid UTF-8)" when it is not UTF-8; a part that does not decode stays as it is. */
static struct kv query_pair(const char *q, size_t len, size_t klen, char **d)
{
    const char *part[2] = {q, klen < len ? q + klen + 1 : q + len};
    size_t plen[2] = {klen, klen < len ? len - klen - 1 : 0};
    const char *out[2];
    size_t olen[2];
    for (int k = 0; k < 2; k++) {
        int m = url_pct_decode(part[k], plen[k], *d, plen[k] + 1);
        out[k] = m >= 0 ? *d : part[k];
        olen[k] = m >= 0 ? (size_t)m : plen[k];
        *d += plen[k] + 1;
    }
    if (utf8_valid(out[0], olen[0])) {
        return (struct kv){out[0], strnlen(out[0], olen[0]), out[1], olen[1]};
    }
    return (struct kv){"(invalid UTF-8)", 15, out[1], olen[1]};
}

/* "queryStringParameters" (omitted without one): decoded, repeated keys joined with ','. */
static void put_query(struct cl_buf *b, const char *q)
{
    size_t cap = 1;
    for (const char *p = q; *p; p++) {
        cap += *p == '&';
    }
    struct kv *kv = xcalloc(cap, sizeof(*kv));
    char *dec = xmalloc(strlen(q) + 2 * cap); /* decoded keys and values, each NUL-ended */
    char *d = dec;
    size_t n = 0;
    while (*q) {
        size_t len = strcspn(q, "&");
        size_t klen = strcspn(q, "=");
        if (klen > len) {
            klen = len;
        }
        if (len > 0) {
            kv[n++] = query_pair(q, len, klen, &d);
        }
        q += len;
        q += *q == '&';
    }
    if (n > 0) {
        put_key(b, "queryStringParameters", false);
        put_map(b, kv, n);
    }
    free(dec);
    free(kv);
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

/* "requestContext". */
static void put_context(struct cl_buf *b, const struct gwevent_request *r)
{
    const char *ua = gwevent_header(r, "User-Agent");
    char when[64];
    gwevent_clf_time(r->time_ms, when);
    put_key(b, "requestContext", false);
    PUT_LIT(b, "{\"accountId\":");
    put_str(b, r->account);
    put_key(b, "apiId", false);
    put_str(b, r->url_id);
    put_key(b, "domainName", false);
    put_str(b, r->domain_name);
    put_key(b, "domainPrefix", false);
    put_str(b, r->url_id);
    PUT_LIT(b, ",\"http\":{\"method\":");
    put_str(b, r->method);
    put_key(b, "path", false);
    put_str(b, r->path);
    PUT_LIT(b, ",\"protocol\":\"HTTP/1.1\",\"sourceIp\":");
    put_str(b, r->source_ip);
    put_key(b, "userAgent", false);
    put_str(b, ua ? ua : "");
    PUT_LIT(b, "}");
    put_key(b, "requestId", false);
    put_str(b, r->request_id);
    put_key(b, "routeKey", false);
    put_str(b, r->route_key ? r->route_key : "$default");
    put_key(b, "stage", false);
    put_str(b, r->stage ? r->stage : "$default");
    put_key(b, "time", false);
    put_str(b, when);
    char epoch[32];
    int n = snprintf(epoch, sizeof(epoch), ",\"timeEpoch\":%" PRId64, r->time_ms);
    put(b, epoch, (size_t)n);
    if (r->iam_access_key) {
        const char *acct = r->iam_account ? r->iam_account : r->account;
        PUT_LIT(b, ",\"authorizer\":{\"iam\":{\"accessKey\":");
        put_str(b, r->iam_access_key);
        put_key(b, "accountId", false);
        put_str(b, acct);
        put_key(b, "callerId", false);
        put_str(b, r->iam_access_key);
        PUT_LIT(b, ",\"cognitoIdentity\":null,\"principalOrgId\":null,\"userArn\":");
        char *arn = xasprintf("arn:aws:iam::%s:root", acct);
        put_str(b, arn);
        free(arn);
        put_key(b, "userId", false);
        put_str(b, r->iam_access_key);
        PUT_LIT(b, "}}");
    } else if (r->authorizer) {
        put_key(b, "authorizer", false);
        put_json(b, r->authorizer);
    }
    PUT_LIT(b, "}");
}

/* "body" (when there is one) and "isBase64Encoded": text when the content type says so and it
 * is UTF-8, else base64. */
static void put_body(struct cl_buf *b, const struct gwevent_request *r)
{
    bool b64 = false;
    if (r->body_len > 0) {
        const char *text = (const char *)r->body;
        put_key(b, "body", false);
        if (gwevent_is_text(gwevent_header(r, "Content-Type")) && utf8_valid(text, r->body_len)) {
            PUT_LIT(b, "\"");
            put_escaped(b, text, r->body_len);
            PUT_LIT(b, "\"");
        } else {
            PUT_LIT(b, "\"");
            if (cl_b64_encode(b, r->body, r->body_len) < 0) {
                abort(); /* unbounded: only ENOMEM */
            }
            PUT_LIT(b, "\"");
            b64 = true;
        }
    }
    if (b64) {
        PUT_LIT(b, ",\"isBase64Encoded\":true}");
    } else {
        PUT_LIT(b, ",\"isBase64Encoded\":false}");
    }
}

int gwevent_build(const struct gwevent_request *r, char **json, size_t *json_len)
{
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    if (cl_buf_reserve(&b, 1024 + r->body_len + r->body_len / 3) < 0) {
        abort();
    }
    PUT_LIT(&b, "{\"version\":\"2.0\",\"routeKey\":");
    put_str(&b, r->route_key ? r->route_key : "$default");
    put_key(&b, "rawPath", false);
    put_str(&b, r->path);
    put_key(&b, "rawQueryString", false);
    put_str(&b, r->query);
    put_headers(&b, r);
    put_query(&b, r->query);
    if (json_object_size(r->path_params) > 0) {
        put_key(&b, "pathParameters", false);
        put_json(&b, r->path_params);
    }
    if (json_object_size(r->stage_vars) > 0) {
        put_key(&b, "stageVariables", false);
        put_json(&b, r->stage_vars);
    }
    put_context(&b, r);
    put_body(&b, r);
    *json_len = b.len;
    put(&b, "", 1); /* the NUL */
    *json = (char *)b.data;
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
