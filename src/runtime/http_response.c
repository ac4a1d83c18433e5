/* SPDX-License-Identifier: MIT */
/* The HTTP response builder of http.h and its serialisers: one response (status, headers in
 * order, Set-Cookie values kept apart, body) written as the JSON each front door reads back
 * (API Gateway payload 1.0, payload 2.0 / Function URL, ALB), or as the prelude of a streamed
 * Function URL response. Headers with the same name (case-insensitive) form one group: the
 * source's shape decides whether a group becomes one comma-joined value or an array.
 * All strings of a response live in one buffer (offsets, not pointers, since it may move),
 * and the body and the serialised document have buffers of their own: a response emptied with
 * clambda_http_response_reset() serves the next invocation without allocating. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cl_alloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cl_json.h"
#include "http_int.h"

/* A header: offsets of its NUL-terminated name and value in strs. */
struct header {
    size_t name, value;
};

/* Buffers the serialisers write into; behind a pointer so that they can be reused through a
 * const response. */
struct work {
    struct cl_buf out;    /* the document clambda_http_respond() posts */
    struct cl_buf joined; /* one header group's values joined with "," */
};

struct clambda_http_response {
    int status;
    struct cl_buf strs; /* every name, value and cookie, each NUL-terminated */
    struct header *headers;
    size_t n_headers, cap_headers;
    size_t *cookies; /* offsets in strs of whole Set-Cookie values */
    size_t n_cookies, cap_cookies;
    struct cl_buf body_buf;
    const uint8_t *body; /* body_buf's data, or NULL when empty */
    size_t body_len;
    bool is_binary;
    struct work *work;
};

/* The string at offset off of r's strings. */
static const char *str_at(const clambda_http_response *r, size_t off)
{
    return (const char *)r->strs.data + off;
}

static const char *hname(const clambda_http_response *r, size_t i)
{
    return str_at(r, r->headers[i].name);
}

static const char *hvalue(const clambda_http_response *r, size_t i)
{
    return str_at(r, r->headers[i].value);
}

static const char *cookie_at(const clambda_http_response *r, size_t i)
{
    return str_at(r, r->cookies[i]);
}

#define STREAM_CONTENT_TYPE "application/vnd.awslambda.http-integration-response"

/* How write_headers() treats a group of several values. */
enum header_mode {
    HDR_SINGLE_ONLY,        /* only groups of one value (v1 `headers`; the rest goes multi) */
    HDR_JOINED,             /* every group, values joined with "," (v2, Function URL, prelude) */
    HDR_JOINED_LAST_COOKIE, /* HDR_JOINED plus Set-Cookie: the last cookie (ALB `headers`) */
};

void clambda_free(void *p)
{
    cl_alloc_free(p);
}

/* ---- Validation ---- */

/* An RFC 9110 token: the only bytes allowed in a header name. */
static bool is_token(const char *s)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c != '\0' && strchr(extra, c) != NULL);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* A header value may not hold control bytes (CR and LF would inject headers); tab is fine. */
static bool is_field_value(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* ---- Building ---- */

int clambda_http_response_new(clambda_http_response **out)
{
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    clambda_http_response *r = cl_alloc_calloc(1, sizeof(*r));
    struct work *w = r != NULL ? cl_alloc_calloc(1, sizeof(*w)) : NULL;
    if (w == NULL) {
        cl_alloc_free(r);
        *out = NULL;
        return CLAMBDA_ENOMEM;
    }
    r->status = 200;
    r->work = w;
    cl_buf_init(&r->strs, HTTP_MAX_BODY);
    cl_buf_init(&r->body_buf, HTTP_MAX_BODY);
    cl_buf_init(&w->out, HTTP_MAX_BODY);
    cl_buf_init(&w->joined, HTTP_MAX_BODY);
    *out = r;
    return CLAMBDA_OK;
}

int clambda_http_response_reset(clambda_http_response *resp)
{
    if (resp == NULL) {
        return CLAMBDA_EINVAL;
    }
    resp->status = 200;
    cl_buf_reset(&resp->strs);
    cl_buf_reset(&resp->body_buf);
    resp->n_headers = 0;
    resp->n_cookies = 0;
    resp->body = NULL;
    resp->body_len = 0;
    resp->is_binary = false;
    return CLAMBDA_OK;
}

void clambda_http_response_free(clambda_http_response *resp)
{
    if (resp == NULL) {
        return;
    }
    cl_buf_fini(&resp->strs);
    cl_buf_fini(&resp->body_buf);
    cl_buf_fini(&resp->work->out);
    cl_buf_fini(&resp->work->joined);
    cl_alloc_free(resp->work);
    cl_alloc_free(resp->headers);
    cl_alloc_free(resp->cookies);
    cl_alloc_free(resp);
}

int clambda_http_response_set_status(clambda_http_response *resp, int status)
{
    if (resp == NULL || status < 100 || status > 599) {
        return CLAMBDA_EINVAL;
    }
    resp->status = status;
    return CLAMBDA_OK;
}

/* Makes room for one more element in an array of elem-sized items. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    size_t new_cap = *cap == 0 ? 8 : *cap * 2;
    void *p = cl_alloc_realloc(*arr, new_cap * elem);
    if (p == NULL) {
        return -ENOMEM;
    }
    *arr = p;
    *cap = new_cap;
    return 0;
}

/* Copies s with its NUL into resp's strings; *off gets its offset. Nothing is appended on
 * failure. */
static int add_str(clambda_http_response *resp, const char *s, size_t *off)
{
    *off = resp->strs.len;
    return http_map_errno(cl_buf_append(&resp->strs, s, strlen(s) + 1));
}

int clambda_http_response_add_cookie(clambda_http_response *resp, const char *set_cookie)
{
    if (resp == NULL || set_cookie == NULL || *set_cookie == '\0' || !is_field_value(set_cookie)) {
        return CLAMBDA_EINVAL;
    }
    void *arr = resp->cookies;
    int rc = grow(&arr, &resp->cap_cookies, resp->n_cookies, sizeof(size_t));
    resp->cookies = arr;
    size_t off;
    rc = rc == 0 ? add_str(resp, set_cookie, &off) : CLAMBDA_ENOMEM;
    if (rc == CLAMBDA_OK) {
        resp->cookies[resp->n_cookies++] = off;
    }
    return rc;
}

int clambda_http_response_add_header(clambda_http_response *resp, const char *name,
                                     const char *value)
{
    if (resp == NULL || name == NULL || value == NULL || !is_token(name) ||
        !is_field_value(value)) {
        return CLAMBDA_EINVAL;
    }
    if (strcasecmp(name, "set-cookie") == 0) {
        return clambda_http_response_add_cookie(resp, value);
    }
    void *arr = resp->headers;
    int rc = grow(&arr, &resp->cap_headers, resp->n_headers, sizeof(struct header));
    resp->headers = arr;
    size_t len = resp->strs.len, n, v;
    rc = rc == 0 ? add_str(resp, name, &n) : CLAMBDA_ENOMEM;
    rc = rc == CLAMBDA_OK ? add_str(resp, value, &v) : rc;
    if (rc != CLAMBDA_OK) {
        resp->strs.len = len; /* drop the name when the value did not fit */
        return rc;
    }
    resp->headers[resp->n_headers++] = (struct header){n, v};
    return CLAMBDA_OK;
}

int clambda_http_response_set_header(clambda_http_response *resp, const char *name,
                                     const char *value)
{
    if (resp == NULL || name == NULL || value == NULL || !is_token(name) ||
        !is_field_value(value)) {
        return CLAMBDA_EINVAL;
    }
    if (strcasecmp(name, "set-cookie") == 0) {
        resp->n_cookies = 0; /* the strings stay in strs until the next reset */
        return clambda_http_response_add_cookie(resp, value);
    }
    size_t kept = 0;
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (strcasecmp(hname(resp, i), name) != 0) {
            resp->headers[kept++] = resp->headers[i];
        }
    }
    resp->n_headers = kept;
    return clambda_http_response_add_header(resp, name, value);
}

int clambda_http_response_set_body(clambda_http_response *resp, const void *body, size_t len)
{
    if (resp == NULL || (body == NULL && len > 0)) {
        return CLAMBDA_EINVAL;
    }
    if (body == resp->body && len == resp->body_len) {
        return CLAMBDA_OK;
    }
    if (len > resp->body_buf.max) {
        return CLAMBDA_ETOOBIG;
    }
    /* Growing first keeps the old body if memory runs out (and body may point into it). */
    int rc =
        cl_buf_reserve(&resp->body_buf, len > resp->body_buf.len ? len - resp->body_buf.len : 0);
    if (rc < 0) {
        return http_map_errno(rc);
    }
    if (len > 0) {
        memmove(resp->body_buf.data, body, len);
        resp->body_buf.data[len] = '\0';
    }
    resp->body_buf.len = len;
    resp->body = len > 0 ? resp->body_buf.data : NULL;
    resp->body_len = len;
    return CLAMBDA_OK;
}

int clambda_http_response_set_binary(clambda_http_response *resp, bool is_binary)
{
    if (resp == NULL) {
        return CLAMBDA_EINVAL;
    }
    resp->is_binary = is_binary;
    return CLAMBDA_OK;
}

/* ---- Text or binary ---- */

/* Length of the UTF-8 sequence at p (left > 0 bytes available), or 0 when it is not valid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq_len(const uint8_t *p, size_t left)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        return 1;
    }
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    if (n == 0 || left < n) {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80) {
            return 0;
        }
    }
    /* second-byte ranges that rule out overlong forms, surrogates and > U+10FFFF */
    uint8_t lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    uint8_t hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    return p[1] >= lo && p[1] <= hi ? n : 0;
}

static bool is_utf8(const uint8_t *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_seq_len(s + i, len - i);
        if (n == 0) {
            return false;
        }
    }
    return true;
}

static bool has_suffix_ci(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

/* The practical text test of spec §2.1 on a Content-Type value (parameters ignored). */
static bool is_text_type(const char *ct)
{
    static const char *const exact[] = {"application/json", "application/javascript",
                                        "application/xml", "application/yaml"};
    static const char *const suffixes[] = {"+json", "+xml", "+yaml"};
    ct += strspn(ct, " \t");
    size_t len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t')) {
        len--;
    }
    if (len >= 5 && strncasecmp(ct, "text/", 5) == 0) {
        return true;
    }
    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (len == strlen(exact[i]) && strncasecmp(ct, exact[i], len) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (has_suffix_ci(ct, len, suffixes[i])) {
            return true;
        }
    }
    return false;
}

static bool is_base64_body(const clambda_http_response *r)
{
    if (r->body_len == 0) {
        return false;
    }
    if (r->is_binary) {
        return true;
    }
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(hname(r, i), "content-type") == 0) {
            if (!is_text_type(hvalue(r, i))) {
                return true;
            }
            break;
        }
    }
    return !is_utf8(r->body, r->body_len);
}

/* ---- JSON writers ---- */

/* True when header i is the first of its group; *n_values gets the group's size. */
static bool group_head(const clambda_http_response *r, size_t i, size_t *n_values)
{
    for (size_t j = 0; j < i; j++) {
        if (strcasecmp(hname(r, j), hname(r, i)) == 0) {
            return false;
        }
    }
    *n_values = 0;
    for (size_t j = i; j < r->n_headers; j++) {
        *n_values += strcasecmp(hname(r, j), hname(r, i)) == 0;
    }
    return true;
}

/* Writes the values of header i's group joined with "," as one JSON string. */
static int write_joined(struct cl_buf *b, const clambda_http_response *r, size_t i)
{
    struct cl_buf *j = &r->work->joined;
    int rc = 0;
    cl_buf_reset(j);
    for (size_t k = i; k < r->n_headers && rc == 0; k++) {
        if (strcasecmp(hname(r, k), hname(r, i)) == 0) {
            rc = j->len > 0 ? cl_buf_append_byte(j, ',') : 0;
            if (rc == 0) {
                rc = cl_buf_append_str(j, hvalue(r, k));
            }
        }
    }
    if (rc == 0) {
        rc = cl_json_write_str(b, (const uint8_t *)cl_buf_str(j), j->len);
    }
    return rc;
}

/* Writes `"name":` with a leading comma unless it is the first member. */
static int write_key(struct cl_buf *b, bool *is_first, const char *name)
{
    int rc = *is_first ? 0 : cl_buf_append_byte(b, ',');
    *is_first = false;
    if (rc == 0) {
        rc = cl_json_write_cstr(b, name);
    }
    return rc == 0 ? cl_buf_append_byte(b, ':') : rc;
}

/* The string→string header object. */
static int write_headers(struct cl_buf *b, const clambda_http_response *r, enum header_mode mode)
{
    bool is_first = true;
    int rc = cl_buf_append_byte(b, '{');
    for (size_t i = 0; i < r->n_headers && rc == 0; i++) {
        size_t n;
        if (!group_head(r, i, &n) || (mode == HDR_SINGLE_ONLY && n > 1)) {
            continue;
        }
        rc = write_key(b, &is_first, hname(r, i));
        if (rc == 0) {
            rc = write_joined(b, r, i);
        }
    }
    if (rc == 0 && mode == HDR_JOINED_LAST_COOKIE && r->n_cookies > 0) {
        rc = write_key(b, &is_first, "Set-Cookie");
        if (rc == 0) {
            rc = cl_json_write_cstr(b, cookie_at(r, r->n_cookies - 1));
        }
    }
    return rc == 0 ? cl_buf_append_byte(b, '}') : rc;
}

/* A JSON array of the cookies. */
static int write_cookies(struct cl_buf *b, const clambda_http_response *r)
{
    int rc = cl_buf_append_byte(b, '[');
    for (size_t i = 0; i < r->n_cookies && rc == 0; i++) {
        rc = i > 0 ? cl_buf_append_byte(b, ',') : 0;
        if (rc == 0) {
            rc = cl_json_write_cstr(b, cookie_at(r, i));
        }
    }
    return rc == 0 ? cl_buf_append_byte(b, ']') : rc;
}

/* Writes the values of header i's group as a JSON array. */
static int write_values(struct cl_buf *b, const clambda_http_response *r, size_t i)
{
    int rc = cl_buf_append_byte(b, '[');
    for (size_t k = i, m = 0; k < r->n_headers && rc == 0; k++) {
        if (strcasecmp(hname(r, k), hname(r, i)) == 0) {
            rc = m++ > 0 ? cl_buf_append_byte(b, ',') : 0;
            rc = rc == 0 ? cl_json_write_cstr(b, hvalue(r, k)) : rc;
        }
    }
    return rc == 0 ? cl_buf_append_byte(b, ']') : rc;
}

/* The string→[string] object: groups of several values (all groups unless only_multi), then
 * Set-Cookie with every cookie. */
static int write_multi(struct cl_buf *b, const clambda_http_response *r, bool only_multi)
{
    bool is_first = true;
    int rc = cl_buf_append_byte(b, '{');
    for (size_t i = 0; i < r->n_headers && rc == 0; i++) {
        size_t n;
        if (!group_head(r, i, &n) || (only_multi && n == 1)) {
            continue;
        }
        rc = write_key(b, &is_first, hname(r, i));
        rc = rc == 0 ? write_values(b, r, i) : rc;
    }
    if (rc == 0 && r->n_cookies > 0) {
        rc = write_key(b, &is_first, "Set-Cookie");
        rc = rc == 0 ? write_cookies(b, r) : rc;
    }
    return rc == 0 ? cl_buf_append_byte(b, '}') : rc;
}

/* ,"body":...,"isBase64Encoded":... */
static int write_body(struct cl_buf *b, const clambda_http_response *r)
{
    bool is_b64 = is_base64_body(r);
    const uint8_t *body = r->body != NULL ? r->body : (const uint8_t *)"";
    int rc = cl_buf_append_str(b, ",\"body\":");
    if (rc == 0 && is_b64) {
        rc = cl_buf_append_byte(b, '"');
        rc = rc == 0 ? cl_b64_encode(b, body, r->body_len) : rc;
        rc = rc == 0 ? cl_buf_append_byte(b, '"') : rc;
    } else if (rc == 0) {
        rc = cl_json_write_str(b, body, r->body_len);
    }
    if (rc == 0) {
        rc = cl_buf_append_str(b, is_b64 ? ",\"isBase64Encoded\":true}"
                                         : ",\"isBase64Encoded\":false}");
    }
    return rc;
}

/* The reason phrase for ALB's statusDescription. */
static const char *reason_phrase(int status)
{
    static const struct {
        int status;
        const char *text;
    } phrases[] = {{100, "Continue"},
                   {101, "Switching Protocols"},
                   {200, "OK"},
                   {201, "Created"},
                   {202, "Accepted"},
                   {204, "No Content"},
                   {206, "Partial Content"},
                   {301, "Moved Permanently"},
                   {302, "Found"},
                   {303, "See Other"},
                   {304, "Not Modified"},
                   {307, "Temporary Redirect"},
                   {308, "Permanent Redirect"},
                   {400, "Bad Request"},
                   {401, "Unauthorized"},
                   {403, "Forbidden"},
                   {404, "Not Found"},
                   {405, "Method Not Allowed"},
                   {406, "Not Acceptable"},
                   {409, "Conflict"},
                   {410, "Gone"},
                   {411, "Length Required"},
                   {412, "Precondition Failed"},
                   {413, "Payload Too Large"},
                   {415, "Unsupported Media Type"},
                   {416, "Range Not Satisfiable"},
                   {422, "Unprocessable Content"},
                   {429, "Too Many Requests"},
                   {500, "Internal Server Error"},
                   {501, "Not Implemented"},
                   {502, "Bad Gateway"},
                   {503, "Service Unavailable"},
                   {504, "Gateway Timeout"}};
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (phrases[i].status == status) {
            return phrases[i].text;
        }
    }
    return "Unknown";
}

/* The whole response document for source. */
static int write_response(struct cl_buf *b, const clambda_http_response *r, int source)
{
    int rc = cl_buf_printf(b, "{\"statusCode\":%d", r->status);
    if (rc == 0 && source == CLAMBDA_HTTP_ALB) {
        char desc[64];
        (void)snprintf(desc, sizeof(desc), "%d %s", r->status, reason_phrase(r->status));
        rc = cl_buf_append_str(b, ",\"statusDescription\":");
        rc = rc == 0 ? cl_json_write_cstr(b, desc) : rc;
    }
    rc = rc == 0 ? cl_buf_append_str(b, ",\"headers\":") : rc;
    if (rc == 0 && source == CLAMBDA_HTTP_APIGW_V1) {
        rc = write_headers(b, r, HDR_SINGLE_ONLY);
        rc = rc == 0 ? cl_buf_append_str(b, ",\"multiValueHeaders\":") : rc;
        rc = rc == 0 ? write_multi(b, r, true) : rc;
    } else if (rc == 0 && source == CLAMBDA_HTTP_ALB) {
        rc = write_headers(b, r, HDR_JOINED_LAST_COOKIE);
        rc = rc == 0 ? cl_buf_append_str(b, ",\"multiValueHeaders\":") : rc;
        rc = rc == 0 ? write_multi(b, r, false) : rc;
    } else if (rc == 0) {
        rc = write_headers(b, r, HDR_JOINED);
        rc = rc == 0 ? cl_buf_append_str(b, ",\"cookies\":") : rc;
        rc = rc == 0 ? write_cookies(b, r) : rc;
    }
    return rc == 0 ? write_body(b, r) : rc;
}

int clambda_http_response_serialize(const clambda_http_response *resp, int source, uint8_t **out,
                                    size_t *len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (resp == NULL || out == NULL || len == NULL || source < CLAMBDA_HTTP_APIGW_V1 ||
        source > CLAMBDA_HTTP_ALB) {
        return CLAMBDA_EINVAL;
    }
    struct cl_buf b;
    cl_buf_init(&b, HTTP_MAX_BODY);
    int rc = write_response(&b, resp, source);
    if (rc < 0) {
        cl_buf_fini(&b);
        return http_map_errno(rc);
    }
    *out = b.data;
    *len = b.len;
    return CLAMBDA_OK;
}

/* ---- Sending ---- */

int clambda_http_respond(clambda_runtime *rt, clambda_invocation *inv,
                         const clambda_http_request *req, const clambda_http_response *resp)
{
    if (rt == NULL || inv == NULL || req == NULL || resp == NULL) {
        return CLAMBDA_EINVAL;
    }
    int source = clambda_http_request_source(req);
    if (source < CLAMBDA_HTTP_APIGW_V1 || source > CLAMBDA_HTTP_ALB) {
        return CLAMBDA_EINVAL;
    }
    struct cl_buf *out = &resp->work->out; /* kept for the next invocation */
    cl_buf_reset(out);
    int rc = http_map_errno(write_response(out, resp, source));
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_respond(rt, inv, out->data, out->len, "application/json");
    }
    return rc;
}

/* The streaming prelude {"statusCode","headers","cookies"}, 8 NUL bytes, then head's body. */
static int write_prelude(struct cl_buf *b, const clambda_http_response *head)
{
    static const uint8_t nuls[8] = {0};
    int rc = cl_buf_printf(b, "{\"statusCode\":%d,\"headers\":", head->status);
    rc = rc == 0 ? write_headers(b, head, HDR_JOINED) : rc;
    rc = rc == 0 ? cl_buf_append_str(b, ",\"cookies\":") : rc;
    rc = rc == 0 ? write_cookies(b, head) : rc;
    rc = rc == 0 ? cl_buf_append_byte(b, '}') : rc;
    rc = rc == 0 ? cl_buf_append(b, nuls, sizeof(nuls)) : rc;
    if (rc == 0 && head->body_len > 0) {
        rc = cl_buf_append(b, head->body, head->body_len);
    }
    return rc;
}

int clambda_http_stream_open(clambda_runtime *rt, clambda_invocation *inv,
                             const clambda_http_response *head, clambda_stream **out)
{
    static const clambda_http_response plain = {.status = 200};
    clambda_stream *s;
    struct cl_buf b;
    if (out == NULL || rt == NULL || inv == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    cl_buf_init(&b, HTTP_MAX_BODY);
    int rc = http_map_errno(write_prelude(&b, head != NULL ? head : &plain));
    if (rc == CLAMBDA_OK) {
        rc = clambda_stream_open(rt, inv, STREAM_CONTENT_TYPE, &s);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_stream_write(s, b.data, b.len);
        if (rc != CLAMBDA_OK) {
            (void)clambda_stream_finish(s); /* frees s; the write error is the one to report */
        } else {
            *out = s;
        }
    }
    cl_buf_fini(&b);
    return rc;
}
