/* SPDX-License-Identifier: MIT */
/* The HTTP request view of http.h: detects the event's source (API Gateway payload 1.0 / 2.0,
 * Function URL, ALB), then copies what a handler reads into one normalised shape: header,
 * query, cookie and path-parameter pairs in arrival order, decoded path and body. Everything
 * is copied out of the JSON once, so the accessors are plain lookups and the request outlives
 * the payload. Per-source rules (which map wins, what is percent-encoded) are in docs/http.md. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "cl_alloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cl_hex.h"
#include "cl_json.h"
#include "http_int.h"

/* One name/value pair; raw is the cookie as the client sent it (cookies only). */
struct pair {
    const char *name;
    const char *value;
    const char *raw;
};

struct pair_list {
    struct pair *v;
    size_t n, cap;
};

/* Strings live in a chain of blocks freed with the request. Blocks never move, so borrowed
 * pointers stay valid; a string too big for a block gets a block of its own. */
struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

#define BLOCK_SIZE 4096

struct clambda_http_request {
    int source;
    const char *method, *raw_path, *path, *raw_query, *stage, *source_ip, *request_id;
    const char *context; /* requestContext as one-line JSON, or NULL */
    size_t context_len;
    struct pair_list headers, query, cookies, params;
    uint8_t *body; /* NUL-terminated, never NULL once parsed */
    size_t body_len;
    bool is_base64;
    struct block *blocks;
};

/* Parser state: the JSON document, the request being filled and a scratch buffer. */
struct parse {
    struct cl_json doc;
    struct clambda_http_request *req;
    struct cl_buf tmp;
};

/* Flags for read_map(). */
enum {
    MAP_DECODE = 1,     /* names and values are percent-encoded (ALB query maps) */
    MAP_SKIP_KNOWN = 2, /* skip names the list already holds (single map after multi map) */
    MAP_CI = 4,         /* names compare case-insensitively (headers) */
};

/* ---- Storage ---- */

static char *pool_alloc(struct clambda_http_request *r, size_t n)
{
    struct block *b = r->blocks;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE;
        if (cap > SIZE_MAX / 2) {
            return NULL;
        }
        b = cl_alloc_malloc(sizeof(*b) + cap);
        if (b == NULL) {
            return NULL;
        }
        b->used = 0;
        b->cap = cap;
        b->next = r->blocks;
        r->blocks = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *pool_strndup(struct clambda_http_request *r, const char *s, size_t len)
{
    char *d = pool_alloc(r, len + 1);
    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

/* A list's pairs live in r's blocks too: a request's parse mallocs a block or two, not a
 * growing array per list (a static musl binary's allocator returns such sizes to the kernel
 * at every free: mmap and munmap per event). A grown list leaves its old array in the block. */
static int list_add(struct clambda_http_request *r, struct pair_list *l, const char *name,
                    const char *value, const char *raw)
{
    if (l->n == l->cap) {
        size_t cap = l->cap == 0 ? 8 : l->cap * 2;
        size_t align = _Alignof(struct pair);
        char *raw_mem = cap <= SIZE_MAX / sizeof(struct pair) - 1
                            ? pool_alloc(r, cap * sizeof(struct pair) + align - 1)
                            : NULL;
        if (raw_mem == NULL) {
            return -ENOMEM;
        }
        struct pair *v =
            (struct pair *)(((uintptr_t)raw_mem + align - 1) & ~(uintptr_t)(align - 1));
        if (l->n > 0) {
            memcpy(v, l->v, l->n * sizeof(*v));
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct pair){name, value, raw};
    return 0;
}

/* The nth pair among the first `limit` of l whose name matches, or NULL. */
static const struct pair *list_find(const struct pair_list *l, size_t limit, const char *name,
                                    bool is_ci, size_t nth)
{
    for (size_t i = 0; i < limit && i < l->n; i++) {
        int cmp = is_ci ? strcasecmp(l->v[i].name, name) : strcmp(l->v[i].name, name);
        if (cmp == 0 && nth-- == 0) {
            return &l->v[i];
        }
    }
    return NULL;
}

static size_t list_count(const struct pair_list *l, const char *name, bool is_ci)
{
    size_t n = 0;
    while (list_find(l, l->n, name, is_ci, n) != NULL) {
        n++;
    }
    return n;
}

/* ---- Percent-encoding ---- */

/* Pool copy of s[0..len) with %XX escapes decoded and, when is_form, "+" read as a space.
 * Malformed escapes and "%00" stay as they are, so the result never hides a NUL. */
static const char *pct_decode(struct clambda_http_request *r, const char *s, size_t len,
                              bool is_form)
{
    char *d = pool_alloc(r, len + 1);
    size_t j = 0;
    if (d == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        int hi = s[i] == '%' && i + 2 < len ? cl_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? cl_hex_value((unsigned char)s[i + 2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            d[j++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (is_form && s[i] == '+') {
            d[j++] = ' ';
        } else {
            d[j++] = s[i];
        }
    }
    d[j] = '\0';
    return d;
}

/* Appends s percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ becomes %XX. */
static int pct_encode(struct cl_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && rc == 0; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rc = cl_buf_append_byte(b, *p);
        } else {
            uint8_t e[3] = {'%', (uint8_t)hex[*p >> 4], (uint8_t)hex[*p & 15]};
            rc = cl_buf_append(b, e, 3);
        }
    }
    return rc;
}

/* ---- JSON helpers ---- */

/* Member key of object obj, or -1 (also when obj is not an object). */
static int get(const struct cl_json *doc, int obj, const char *key)
{
    return cl_json_type(doc, obj) == CL_JSON_OBJECT ? cl_json_get(doc, obj, key) : -1;
}

/* Pool copy of string token tok, unescaped. Numbers and booleans give their JSON text (some
 * hand-written test events use them for values). -EINVAL for anything else. */
static int tok_str(struct parse *p, int tok, const char **out)
{
    enum cl_json_type t = cl_json_type(&p->doc, tok);
    size_t len;
    const char *s;
    if (t == CL_JSON_STRING) {
        cl_buf_reset(&p->tmp);
        int rc = cl_json_str(&p->doc, tok, &p->tmp);
        if (rc < 0) {
            return rc;
        }
        s = cl_buf_str(&p->tmp);
        len = p->tmp.len;
    } else if (t == CL_JSON_NUMBER || t == CL_JSON_TRUE || t == CL_JSON_FALSE) {
        s = cl_json_raw(&p->doc, tok, &len);
    } else {
        return -EINVAL;
    }
    *out = pool_strndup(p->req, s, len);
    return *out == NULL ? -ENOMEM : 0;
}

/* As tok_str(), but an absent or null token gives NULL. */
static int opt_str(struct parse *p, int tok, const char **out)
{
    enum cl_json_type t = cl_json_type(&p->doc, tok);
    *out = NULL;
    return t == CL_JSON_INVALID || t == CL_JSON_NULL ? 0 : tok_str(p, tok, out);
}

/* Adds one value (a string, or null which is skipped) of name to l. */
static int add_value(struct parse *p, struct pair_list *l, const char *name, int tok,
                     unsigned flags)
{
    const char *v;
    if (cl_json_type(&p->doc, tok) == CL_JSON_NULL) {
        return 0;
    }
    int rc = tok_str(p, tok, &v);
    if (rc == 0 && (flags & MAP_DECODE)) {
        v = pct_decode(p->req, v, strlen(v), true);
        rc = v == NULL ? -ENOMEM : 0;
    }
    return rc < 0 ? rc : list_add(p->req, l, name, v, NULL);
}

/* Adds every member of map obj to l: a string is one value, an array of strings one value per
 * element, null nothing. An absent or null map adds nothing; another type is -EINVAL. */
static int read_map(struct parse *p, struct pair_list *l, int obj, unsigned flags)
{
    enum cl_json_type t = cl_json_type(&p->doc, obj);
    if (t == CL_JSON_INVALID || t == CL_JSON_NULL) {
        return 0;
    }
    if (t != CL_JSON_OBJECT) {
        return -EINVAL;
    }
    size_t known = l->n;
    int n = cl_json_size(&p->doc, obj);
    for (int i = 0, k = obj + 1; i < n; i++, k = cl_json_skip(&p->doc, k + 1)) {
        const char *name;
        int rc = tok_str(p, k, &name);
        if (rc == 0 && (flags & MAP_DECODE)) {
            name = pct_decode(p->req, name, strlen(name), true);
            rc = name == NULL ? -ENOMEM : 0;
        }
        if (rc < 0) {
            return rc;
        }
        if ((flags & MAP_SKIP_KNOWN) && list_find(l, known, name, flags & MAP_CI, 0) != NULL) {
            continue;
        }
        if (cl_json_type(&p->doc, k + 1) != CL_JSON_ARRAY) {
            rc = add_value(p, l, name, k + 1, flags);
        } else {
            int e = k + 2;
            for (int j = 0; j < cl_json_size(&p->doc, k + 1) && rc == 0; j++) {
                rc = add_value(p, l, name, e, flags);
                e = cl_json_skip(&p->doc, e);
            }
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- Source detection ---- */

static bool is_function_url(const struct cl_json *doc, int ctx)
{
    size_t len;
    int tok = get(doc, ctx, "domainName");
    if (cl_json_type(doc, tok) != CL_JSON_STRING) {
        return false;
    }
    const char *s = cl_json_raw(doc, tok, &len);
    return memmem(s, len, ".lambda-url.", 12) != NULL;
}

/* The source of the event in doc, per the distinguishing keys of spec §0. */
static int detect(const struct cl_json *doc)
{
    if (cl_json_type(doc, 0) != CL_JSON_OBJECT) {
        return CLAMBDA_HTTP_UNKNOWN;
    }
    int ctx = get(doc, 0, "requestContext"); /* -1 when absent: get() then gives -1 too */
    if (cl_json_type(doc, get(doc, ctx, "elb")) == CL_JSON_OBJECT) {
        return CLAMBDA_HTTP_ALB;
    }
    if (get(doc, ctx, "connectionId") >= 0) {
        return CLAMBDA_HTTP_UNKNOWN; /* API Gateway WebSocket */
    }
    if (cl_json_str_eq(doc, get(doc, 0, "version"), "2.0") &&
        get(doc, get(doc, ctx, "http"), "method") >= 0) {
        return is_function_url(doc, ctx) ? CLAMBDA_HTTP_FUNCTION_URL : CLAMBDA_HTTP_APIGW_V2;
    }
    return get(doc, 0, "httpMethod") >= 0 ? CLAMBDA_HTTP_APIGW_V1 : CLAMBDA_HTTP_UNKNOWN;
}

/* ---- Per-source extraction ---- */

/* v2 rawQueryString: "&"-separated "name=value" (or bare "name"), form-decoded. */
static int parse_query_string(struct clambda_http_request *r, const char *s)
{
    while (*s != '\0') {
        size_t seg = strcspn(s, "&");
        if (seg > 0) {
            const char *eq = memchr(s, '=', seg);
            size_t name_len = eq != NULL ? (size_t)(eq - s) : seg;
            const char *name = pct_decode(r, s, name_len, true);
            const char *value = eq != NULL ? pct_decode(r, eq + 1, seg - name_len - 1, true) : "";
            if (name == NULL || value == NULL || list_add(r, &r->query, name, value, NULL) < 0) {
                return -ENOMEM;
            }
        }
        s += seg;
        s += *s == '&';
    }
    return 0;
}

/* API Gateway payload 1.0 and ALB share a shape: multi-value maps hold every value (v1 always,
 * ALB in multi-value mode), single-value maps the last one. Read the multi map first and take
 * from the single map only the names it lacks. ALB query maps are still percent-encoded. */
static int parse_v1_shape(struct parse *p, int ctx, bool is_alb)
{
    struct clambda_http_request *r = p->req;
    const struct cl_json *doc = &p->doc;
    unsigned qflags = is_alb ? MAP_DECODE : 0;
    int rc = tok_str(p, get(doc, 0, "httpMethod"), &r->method);
    rc = rc == 0 ? tok_str(p, get(doc, 0, "path"), &r->raw_path) : rc;
    rc = rc == 0 ? read_map(p, &r->headers, get(doc, 0, "multiValueHeaders"), 0) : rc;
    rc = rc == 0 ? read_map(p, &r->headers, get(doc, 0, "headers"), MAP_SKIP_KNOWN | MAP_CI) : rc;
    int multi_query = get(doc, 0, "multiValueQueryStringParameters");
    int query = get(doc, 0, "queryStringParameters");
    rc = rc == 0 ? read_map(p, &r->query, multi_query, qflags) : rc;
    rc = rc == 0 ? read_map(p, &r->query, query, qflags | MAP_SKIP_KNOWN) : rc;
    if (rc == 0 && !is_alb) {
        rc = read_map(p, &r->params, get(doc, 0, "pathParameters"), 0);
    }
    if (rc == 0 && !is_alb) {
        rc = opt_str(p, get(doc, get(doc, ctx, "identity"), "sourceIp"), &r->source_ip);
    }
    return rc;
}

/* Adds one cookie "name=value" from s[0..len), trimmed; empty pieces are skipped. */
static int add_cookie(struct clambda_http_request *r, const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return 0;
    }
    const char *raw = pool_strndup(r, s, len);
    const char *eq = memchr(s, '=', len);
    size_t name_len = eq != NULL ? (size_t)(eq - s) : len;
    const char *v = eq != NULL ? eq + 1 : s + len;
    size_t v_len = len - name_len - (eq != NULL);
    if (v_len >= 2 && v[0] == '"' && v[v_len - 1] == '"') {
        v++;
        v_len -= 2;
    }
    const char *name = pool_strndup(r, s, name_len);
    const char *value = pool_strndup(r, v, v_len);
    if (raw == NULL || name == NULL || value == NULL) {
        return -ENOMEM;
    }
    return list_add(r, &r->cookies, name, value, raw);
}

/* v2 `cookies`: an array of "name=value" strings (absent when there are none). */
static int read_cookie_array(struct parse *p, int arr)
{
    enum cl_json_type t = cl_json_type(&p->doc, arr);
    if (t == CL_JSON_INVALID || t == CL_JSON_NULL) {
        return 0;
    }
    if (t != CL_JSON_ARRAY) {
        return -EINVAL;
    }
    int n = cl_json_size(&p->doc, arr);
    for (int i = 0, e = arr + 1; i < n; i++, e = cl_json_skip(&p->doc, e)) {
        const char *s;
        int rc = tok_str(p, e, &s);
        if (rc == 0) {
            rc = add_cookie(p->req, s, strlen(s));
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Payload format 2.0 (HTTP API and Function URLs). */
static int parse_v2(struct parse *p, int ctx)
{
    struct clambda_http_request *r = p->req;
    const struct cl_json *doc = &p->doc;
    int http = get(doc, ctx, "http");
    int raw_path = get(doc, 0, "rawPath");
    int rc = tok_str(p, get(doc, http, "method"), &r->method);
    rc = rc == 0 ? tok_str(p, raw_path >= 0 ? raw_path : get(doc, http, "path"), &r->raw_path) : rc;
    rc = rc == 0 ? read_map(p, &r->headers, get(doc, 0, "headers"), 0) : rc;
    rc = rc == 0 ? opt_str(p, get(doc, 0, "rawQueryString"), &r->raw_query) : rc;
    if (rc == 0 && r->raw_query != NULL) {
        rc = parse_query_string(r, r->raw_query);
    } else if (rc == 0) {
        rc = read_map(p, &r->query, get(doc, 0, "queryStringParameters"), 0);
    }
    rc = rc == 0 ? read_cookie_array(p, get(doc, 0, "cookies")) : rc;
    rc = rc == 0 ? read_map(p, &r->params, get(doc, 0, "pathParameters"), 0) : rc;
    rc = rc == 0 ? opt_str(p, get(doc, http, "sourceIp"), &r->source_ip) : rc;
    return rc;
}

/* ---- Derived fields ---- */

/* The body, unescaped and base64-decoded when isBase64Encoded is true. */
static int parse_body(struct parse *p)
{
    struct clambda_http_request *r = p->req;
    int tok = get(&p->doc, 0, "body");
    enum cl_json_type t = cl_json_type(&p->doc, tok);
    struct cl_buf b;
    int rc = 0;
    cl_buf_init(&b, HTTP_MAX_BODY);
    r->is_base64 = cl_json_is_true(&p->doc, get(&p->doc, 0, "isBase64Encoded"));
    if (t == CL_JSON_STRING && r->is_base64) {
        cl_buf_reset(&p->tmp);
        rc = cl_json_str(&p->doc, tok, &p->tmp);
        rc = rc == 0 ? cl_b64_decode(&b, p->tmp.data, p->tmp.len) : rc;
    } else if (t == CL_JSON_STRING) {
        rc = cl_json_str(&p->doc, tok, &b);
    } else if (t != CL_JSON_INVALID && t != CL_JSON_NULL) {
        rc = -EINVAL;
    }
    if (rc == 0) {
        rc = cl_buf_append(&b, "", 0); /* allocates the NUL of an empty body */
    }
    if (rc < 0) {
        cl_buf_fini(&b);
        return rc;
    }
    r->body = b.data;
    r->body_len = b.len;
    return 0;
}

/* Cookie header(s) split on ";" (v1, ALB, and v2 events without a cookies array). */
static int cookies_from_headers(struct clambda_http_request *r)
{
    for (size_t i = 0; i < r->headers.n; i++) {
        if (strcasecmp(r->headers.v[i].name, "cookie") != 0) {
            continue;
        }
        for (const char *s = r->headers.v[i].value; *s != '\0';) {
            size_t seg = strcspn(s, ";");
            int rc = add_cookie(r, s, seg);
            if (rc < 0) {
                return rc;
            }
            s += seg;
            s += *s == ';';
        }
    }
    return 0;
}

/* The first hop of X-Forwarded-For, trimmed, or NULL. */
static int forwarded_for(struct clambda_http_request *r)
{
    const struct pair *h = list_find(&r->headers, r->headers.n, "x-forwarded-for", true, 0);
    if (h == NULL) {
        return 0;
    }
    const char *s = h->value + strspn(h->value, " \t");
    size_t len = strcspn(s, ",");
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len > 0) {
        r->source_ip = pool_strndup(r, s, len);
        return r->source_ip == NULL ? -ENOMEM : 0;
    }
    return 0;
}

/* v1/ALB have no raw query string: rebuild one from the decoded pairs. */
static int rebuild_query(struct parse *p)
{
    struct clambda_http_request *r = p->req;
    int rc = 0;
    cl_buf_reset(&p->tmp);
    for (size_t i = 0; i < r->query.n && rc == 0; i++) {
        rc = i > 0 ? cl_buf_append_byte(&p->tmp, '&') : 0;
        rc = rc == 0 ? pct_encode(&p->tmp, r->query.v[i].name) : rc;
        rc = rc == 0 ? cl_buf_append_byte(&p->tmp, '=') : rc;
        rc = rc == 0 ? pct_encode(&p->tmp, r->query.v[i].value) : rc;
    }
    if (rc == 0) {
        r->raw_query = pool_strndup(r, cl_buf_str(&p->tmp), p->tmp.len);
        rc = r->raw_query == NULL ? -ENOMEM : 0;
    }
    return rc;
}

/* A pool copy of the JSON text raw[0..len) without the blanks between tokens (an event may be
 * pretty-printed; strings hold no raw control bytes, so the copy is one line). */
static const char *minify(struct clambda_http_request *r, const char *raw, size_t len,
                          size_t *out_len)
{
    char *d = pool_alloc(r, len + 1);
    size_t j = 0;
    bool in_str = false;
    if (d == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (in_str && raw[i] == '\\' && i + 1 < len) {
            d[j++] = raw[i++];
        } else if (raw[i] == '"') {
            in_str = !in_str;
        } else if (!in_str && strchr(" \t\r\n", raw[i]) != NULL) {
            continue;
        }
        d[j++] = raw[i];
    }
    d[j] = '\0';
    *out_len = j;
    return d;
}

/* The requestContext object's text, minified. */
static int read_context(struct parse *p, int ctx)
{
    size_t len;
    if (cl_json_type(&p->doc, ctx) != CL_JSON_OBJECT) {
        return 0;
    }
    const char *raw = cl_json_raw(&p->doc, ctx, &len);
    p->req->context = minify(p->req, raw, len, &p->req->context_len);
    return p->req->context == NULL ? -ENOMEM : 0;
}

/* Fills p->req from the event of the given source. */
static int fill(struct parse *p, int source)
{
    struct clambda_http_request *r = p->req;
    int ctx = get(&p->doc, 0, "requestContext");
    r->source = source;
    int rc = source == CLAMBDA_HTTP_APIGW_V2 || source == CLAMBDA_HTTP_FUNCTION_URL
                 ? parse_v2(p, ctx)
                 : parse_v1_shape(p, ctx, source == CLAMBDA_HTTP_ALB);
    if (rc == 0 && source != CLAMBDA_HTTP_ALB) {
        rc = opt_str(p, get(&p->doc, ctx, "stage"), &r->stage);
    }
    if (rc == 0 && source != CLAMBDA_HTTP_ALB) {
        rc = opt_str(p, get(&p->doc, ctx, "requestId"), &r->request_id);
    }
    rc = rc == 0 ? parse_body(p) : rc;
    rc = rc == 0 ? read_context(p, ctx) : rc;
    if (rc == 0 && r->raw_query == NULL) {
        rc = rebuild_query(p);
    }
    if (rc == 0 && r->cookies.n == 0) {
        rc = cookies_from_headers(r);
    }
    if (rc == 0 && r->source_ip == NULL) {
        rc = forwarded_for(r);
    }
    if (rc == 0) {
        r->path = pct_decode(r, r->raw_path, strlen(r->raw_path), false);
        rc = r->path == NULL ? -ENOMEM : 0;
    }
    return rc;
}

/* ---- Public API ---- */

int clambda_http_request_parse(const uint8_t *payload, size_t len, clambda_http_request **out)
{
    if (out == NULL || payload == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    struct parse p = {.req = NULL};
    int rc = cl_json_parse(&p.doc, payload, len, HTTP_MAX_TOKENS);
    if (rc < 0) {
        return http_map_errno(rc);
    }
    int source = detect(&p.doc);
    if (source == CLAMBDA_HTTP_UNKNOWN) {
        cl_json_fini(&p.doc);
        return CLAMBDA_ENOTHTTP;
    }
    cl_buf_init(&p.tmp, 2 * (size_t)HTTP_MAX_BODY);
    p.req = cl_alloc_calloc(1, sizeof(*p.req));
    rc = p.req == NULL ? -ENOMEM : fill(&p, source);
    cl_buf_fini(&p.tmp);
    cl_json_fini(&p.doc);
    if (rc < 0) {
        clambda_http_request_free(p.req);
        return http_map_errno(rc);
    }
    *out = p.req;
    return CLAMBDA_OK;
}

int clambda_http_request_from(const clambda_invocation *inv, clambda_http_request **out)
{
    size_t len = 0;
    if (inv == NULL || out == NULL) {
        return CLAMBDA_EINVAL;
    }
    const uint8_t *payload = clambda_invocation_payload(inv, &len);
    return clambda_http_request_parse(payload, len, out);
}

void clambda_http_request_free(clambda_http_request *req)
{
    if (req == NULL) {
        return;
    }
    while (req->blocks != NULL) {
        struct block *next = req->blocks->next;
        cl_alloc_free(req->blocks);
        req->blocks = next;
    }
    cl_alloc_free(req->body);
    cl_alloc_free(req);
}

int clambda_http_request_source(const clambda_http_request *req)
{
    return req != NULL ? req->source : CLAMBDA_HTTP_UNKNOWN;
}

const char *clambda_http_request_method(const clambda_http_request *req)
{
    return req != NULL ? req->method : NULL;
}

const char *clambda_http_request_raw_path(const clambda_http_request *req)
{
    return req != NULL ? req->raw_path : NULL;
}

const char *clambda_http_request_path(const clambda_http_request *req)
{
    return req != NULL ? req->path : NULL;
}

const char *clambda_http_request_raw_query(const clambda_http_request *req)
{
    return req != NULL ? req->raw_query : NULL;
}

/* Value of the nth pair called name in list l, or NULL. */
static const char *lookup(const struct pair_list *l, const char *name, bool is_ci, size_t nth)
{
    const struct pair *v = name != NULL ? list_find(l, l->n, name, is_ci, nth) : NULL;
    return v != NULL ? v->value : NULL;
}

const char *clambda_http_request_query(const clambda_http_request *req, const char *name)
{
    size_t n = clambda_http_request_query_count(req, name);
    return n > 0 ? lookup(&req->query, name, false, n - 1) : NULL;
}

size_t clambda_http_request_query_count(const clambda_http_request *req, const char *name)
{
    return req != NULL && name != NULL ? list_count(&req->query, name, false) : 0;
}

const char *clambda_http_request_query_nth(const clambda_http_request *req, const char *name,
                                           size_t i)
{
    return req != NULL ? lookup(&req->query, name, false, i) : NULL;
}

size_t clambda_http_request_n_queries(const clambda_http_request *req)
{
    return req != NULL ? req->query.n : 0;
}

/* Name of the i-th pair of l (value into *value), or NULL when out of range. */
static const char *pair_at(const struct pair_list *l, size_t i, const char **value)
{
    const struct pair *v = l != NULL && i < l->n ? &l->v[i] : NULL;
    if (value != NULL) {
        *value = v != NULL ? v->value : NULL;
    }
    return v != NULL ? v->name : NULL;
}

const char *clambda_http_request_query_at(const clambda_http_request *req, size_t i,
                                          const char **value)
{
    return pair_at(req != NULL ? &req->query : NULL, i, value);
}

const char *clambda_http_request_header(const clambda_http_request *req, const char *name)
{
    return req != NULL ? lookup(&req->headers, name, true, 0) : NULL;
}

size_t clambda_http_request_header_count(const clambda_http_request *req, const char *name)
{
    return req != NULL && name != NULL ? list_count(&req->headers, name, true) : 0;
}

const char *clambda_http_request_header_nth(const clambda_http_request *req, const char *name,
                                            size_t i)
{
    return req != NULL ? lookup(&req->headers, name, true, i) : NULL;
}

size_t clambda_http_request_n_headers(const clambda_http_request *req)
{
    return req != NULL ? req->headers.n : 0;
}

const char *clambda_http_request_header_at(const clambda_http_request *req, size_t i,
                                           const char **value)
{
    return pair_at(req != NULL ? &req->headers : NULL, i, value);
}

const char *clambda_http_request_cookie(const clambda_http_request *req, const char *name)
{
    return req != NULL ? lookup(&req->cookies, name, false, 0) : NULL;
}

size_t clambda_http_request_n_cookies(const clambda_http_request *req)
{
    return req != NULL ? req->cookies.n : 0;
}

const char *clambda_http_request_cookie_at(const clambda_http_request *req, size_t i)
{
    return req != NULL && i < req->cookies.n ? req->cookies.v[i].raw : NULL;
}

const char *clambda_http_request_path_param(const clambda_http_request *req, const char *name)
{
    return req != NULL ? lookup(&req->params, name, false, 0) : NULL;
}

const char *clambda_http_request_stage(const clambda_http_request *req)
{
    return req != NULL ? req->stage : NULL;
}

const char *clambda_http_request_source_ip(const clambda_http_request *req)
{
    return req != NULL ? req->source_ip : NULL;
}

const char *clambda_http_request_context(const clambda_http_request *req, size_t *len)
{
    const char *c = req != NULL ? req->context : NULL;
    if (len != NULL) {
        *len = c != NULL ? req->context_len : 0;
    }
    return c;
}

const char *clambda_http_request_id(const clambda_http_request *req)
{
    return req != NULL ? req->request_id : NULL;
}

const uint8_t *clambda_http_request_body(const clambda_http_request *req, size_t *len)
{
    if (len != NULL) {
        *len = req != NULL ? req->body_len : 0;
    }
    return req != NULL ? req->body : (const uint8_t *)"";
}

bool clambda_http_request_is_base64(const clambda_http_request *req)
{
    return req != NULL && req->is_base64;
}
