/* SPDX-License-Identifier: MIT */
/* JSON reader and string writer; see cl_json.h. jsmn (strict mode, parent links) builds the
 * token array, but it is lax: it accepts "[1 2]", "[1,]", "{\"a\"}", "tru", "01", trailing
 * garbage after the root and raw control bytes in strings. So a strict RFC 8259 validator (a
 * state machine with a fixed stack, no recursion) runs first and counts the tokens; jsmn only
 * ever sees text that validator accepted. Nesting is capped at CL_JSON_MAX_DEPTH because jsmn
 * walks up the parent chain on every closing bracket: O(tokens * depth), quadratic without a
 * cap. A scalar root is tokenised here, as strict jsmn wants a delimiter after a primitive.
 * String bytes >= 0x80 are passed through unchecked; the writer guarantees valid UTF-8 out. */
#include "cl_json.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cl_alloc.h"

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

struct cl_json_tok {
    jsmntok_t t;
};

/* jsmn fills doc->toks as a plain jsmntok_t array. */
_Static_assert(sizeof(struct cl_json_tok) == sizeof(jsmntok_t), "cl_json_tok must wrap jsmntok_t");

/* ---------------------------------------------------------------- validation */

/* The one-character escapes after a backslash, and the bytes they stand for. */
static const uint8_t esc_names[] = {'"', '\\', '/', 'b', 'f', 'n', 'r', 't'};
static const uint8_t esc_bytes[] = {'"', '\\', '/', '\b', '\f', '\n', '\r', '\t'};

/* What the validator accepts next (after skipping whitespace). */
enum expect {
    EXP_VALUE,          /* after ':' or ',' in an array, or at the root */
    EXP_VALUE_OR_CLOSE, /* after '[' */
    EXP_KEY,            /* after ',' in an object */
    EXP_KEY_OR_CLOSE,   /* after '{' */
    EXP_COLON,          /* after a key */
    EXP_AFTER,          /* after a value: ',', a closing bracket, or the end */
};

struct vstate {
    const uint8_t *p;
    size_t len;
    size_t pos;
    uint8_t stack[CL_JSON_MAX_DEPTH]; /* one '{' or '[' per open container */
    size_t depth;
    enum expect exp;
    int n_toks;
    enum cl_json_type root_type; /* of a scalar root */
    size_t root_start;           /* token span of a scalar root (strings: inside the quotes) */
    size_t root_end;
};

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Value of the 4 hex digits at p, or -1. */
static long hex4(const uint8_t *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t l = (uint8_t)(p[i] | 0x20);
        int d = is_digit(p[i]) ? p[i] - '0' : l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* *pos is at an opening quote; on success it moves past the closing quote. */
static int scan_string(const uint8_t *p, size_t len, size_t *pos)
{
    size_t i = *pos + 1;
    while (i < len) {
        uint8_t c = p[i];
        if (c == '"') {
            *pos = i + 1;
            return 0;
        }
        if (c < 0x20) {
            return -EBADMSG;
        }
        if (c != '\\') {
            i++;
        } else if (i + 1 < len && memchr(esc_names, p[i + 1], sizeof(esc_names)) != NULL) {
            i += 2;
        } else if (i + 1 < len && p[i + 1] == 'u' && len - i >= 6 && hex4(p + i + 2) >= 0) {
            i += 6;
        } else {
            return -EBADMSG;
        }
    }
    return -EBADMSG;
}

/* Skips digits; false when there is none. */
static bool scan_digits(const uint8_t *p, size_t len, size_t *pos)
{
    size_t start = *pos;
    while (*pos < len && is_digit(p[*pos])) {
        (*pos)++;
    }
    return *pos > start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(const uint8_t *p, size_t len, size_t *pos)
{
    size_t i = *pos + (p[*pos] == '-' ? 1 : 0);
    size_t d = i;
    bool ok = scan_digits(p, len, &i) && (p[d] != '0' || i == d + 1); /* no leading zeros */
    if (ok && i < len && p[i] == '.') {
        i++;
        ok = scan_digits(p, len, &i);
    }
    if (ok && i < len && (p[i] == 'e' || p[i] == 'E')) {
        i += i + 1 < len && (p[i + 1] == '+' || p[i + 1] == '-') ? 2 : 1;
        ok = scan_digits(p, len, &i);
    }
    *pos = i;
    return ok ? 0 : -EBADMSG;
}

static int scan_literal(const uint8_t *p, size_t len, size_t *pos, const char *lit)
{
    size_t n = strlen(lit);
    if (len - *pos < n || memcmp(p + *pos, lit, n) != 0) {
        return -EBADMSG;
    }
    *pos += n;
    return 0;
}

/* Scans a number or literal at v->pos and reports its type. */
static int scan_scalar(struct vstate *v, enum cl_json_type *type)
{
    static const char *const lits[] = {"true", "false", "null"};
    static const enum cl_json_type types[] = {CL_JSON_TRUE, CL_JSON_FALSE, CL_JSON_NULL};
    for (size_t i = 0; i < 3; i++) {
        if (v->p[v->pos] == (uint8_t)lits[i][0]) {
            *type = types[i];
            return scan_literal(v->p, v->len, &v->pos, lits[i]);
        }
    }
    *type = CL_JSON_NUMBER;
    return scan_number(v->p, v->len, &v->pos);
}

static int close_container(struct vstate *v)
{
    v->depth--;
    v->pos++;
    v->exp = EXP_AFTER;
    return 0;
}

static int step_value(struct vstate *v)
{
    uint8_t c = v->p[v->pos];
    if (c == ']' && v->exp == EXP_VALUE_OR_CLOSE) {
        return close_container(v);
    }
    v->n_toks++;
    if (c == '{' || c == '[') {
        v->exp = c == '{' ? EXP_KEY_OR_CLOSE : EXP_VALUE_OR_CLOSE;
        v->pos++;
        if (v->depth == CL_JSON_MAX_DEPTH) {
            return -E2BIG;
        }
        v->stack[v->depth++] = c;
        return 0;
    }
    size_t start = v->pos;
    enum cl_json_type type = CL_JSON_STRING;
    int rc = c == '"' ? scan_string(v->p, v->len, &v->pos) : scan_scalar(v, &type);
    if (v->depth == 0) {
        v->root_type = type;
        v->root_start = type == CL_JSON_STRING ? start + 1 : start;
        v->root_end = type == CL_JSON_STRING ? v->pos - 1 : v->pos;
    }
    v->exp = EXP_AFTER;
    return rc;
}

static int step_key(struct vstate *v)
{
    uint8_t c = v->p[v->pos];
    if (c == '}' && v->exp == EXP_KEY_OR_CLOSE) {
        return close_container(v);
    }
    if (c != '"') {
        return -EBADMSG;
    }
    v->n_toks++;
    v->exp = EXP_COLON;
    return scan_string(v->p, v->len, &v->pos);
}

static int step_after(struct vstate *v)
{
    if (v->depth == 0) {
        return -EBADMSG; /* something after the root value */
    }
    uint8_t c = v->p[v->pos];
    uint8_t top = v->stack[v->depth - 1];
    if (c == ',') {
        v->exp = top == '{' ? EXP_KEY : EXP_VALUE;
        v->pos++;
        return 0;
    }
    if (c == (top == '{' ? '}' : ']')) {
        return close_container(v);
    }
    return -EBADMSG;
}

static void skip_ws(struct vstate *v)
{
    while (v->pos < v->len) {
        uint8_t c = v->p[v->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        v->pos++;
    }
}

/* Checks the whole input against the JSON grammar and counts its tokens. */
static int validate(struct vstate *v)
{
    for (;;) {
        skip_ws(v);
        if (v->pos == v->len) {
            break;
        }
        int rc;
        if (v->exp == EXP_AFTER) {
            rc = step_after(v);
        } else if (v->exp == EXP_COLON) {
            rc = v->p[v->pos] == ':' ? 0 : -EBADMSG;
            v->pos++;
            v->exp = EXP_VALUE;
        } else if (v->exp == EXP_KEY || v->exp == EXP_KEY_OR_CLOSE) {
            rc = step_key(v);
        } else {
            rc = step_value(v);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return v->exp == EXP_AFTER && v->depth == 0 ? 0 : -EBADMSG;
}

/* ---------------------------------------------------------------- parsing */

/* Runs jsmn over the validated text, counting (toks == NULL) or filling toks[0..n); either
 * way it must find the n tokens the validator counted. */
static int run_jsmn(const struct cl_json *doc, jsmntok_t *toks, int n)
{
    jsmn_parser parser;
    jsmn_init(&parser);
    int rc = jsmn_parse(&parser, doc->src, doc->len, toks, toks != NULL ? (unsigned)n : 0);
    return rc == n ? 0 : -EBADMSG;
}

static void tokenize_scalar(struct cl_json *doc, const struct vstate *v)
{
    jsmntok_t *t = &doc->toks[0].t;
    t->type = v->root_type == CL_JSON_STRING ? JSMN_STRING : JSMN_PRIMITIVE;
    t->start = (int)v->root_start;
    t->end = (int)v->root_end;
    t->parent = -1;
}

int cl_json_parse(struct cl_json *doc, const uint8_t *src, size_t len, int max_toks)
{
    memset(doc, 0, sizeof(*doc));
    if (src == NULL && len > 0) {
        return -EINVAL;
    }
    doc->src = src != NULL ? (const char *)src : "";
    doc->len = len;
    if (len > INT_MAX) {
        return -E2BIG; /* jsmn keeps offsets in int */
    }
    struct vstate v = {.p = (const uint8_t *)doc->src, .len = len, .exp = EXP_VALUE};
    int rc = validate(&v);
    if (rc < 0) {
        return rc;
    }
    bool is_container = v.root_type == CL_JSON_INVALID; /* no scalar root was seen */
    if (is_container && run_jsmn(doc, NULL, v.n_toks) < 0) {
        return -EBADMSG;
    }
    if (v.n_toks > max_toks) {
        return -E2BIG;
    }
    doc->toks = cl_alloc_calloc((size_t)v.n_toks, sizeof(*doc->toks));
    if (doc->toks == NULL) {
        return -ENOMEM;
    }
    if (is_container) {
        rc = run_jsmn(doc, &doc->toks[0].t, v.n_toks);
    } else {
        tokenize_scalar(doc, &v);
    }
    if (rc < 0) {
        cl_json_fini(doc);
        return rc;
    }
    doc->n_toks = v.n_toks;
    return 0;
}

void cl_json_fini(struct cl_json *doc)
{
    if (doc == NULL) {
        return;
    }
    cl_alloc_free(doc->toks);
    doc->toks = NULL;
    doc->n_toks = 0;
}

/* ---------------------------------------------------------------- navigation */

static const jsmntok_t *tok_at(const struct cl_json *doc, int tok)
{
    if (doc == NULL || doc->toks == NULL || tok < 0 || tok >= doc->n_toks) {
        return NULL;
    }
    return &doc->toks[tok].t;
}

enum cl_json_type cl_json_type(const struct cl_json *doc, int tok)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (t == NULL || t->type == JSMN_UNDEFINED) {
        return CL_JSON_INVALID;
    }
    if (t->type != JSMN_PRIMITIVE) {
        return t->type == JSMN_OBJECT  ? CL_JSON_OBJECT
               : t->type == JSMN_ARRAY ? CL_JSON_ARRAY
                                       : CL_JSON_STRING;
    }
    /* Validated primitives: true, false, null or a number. */
    uint8_t c = (uint8_t)doc->src[t->start];
    return c == 't'   ? CL_JSON_TRUE
           : c == 'f' ? CL_JSON_FALSE
           : c == 'n' ? CL_JSON_NULL
                      : CL_JSON_NUMBER;
}

int cl_json_size(const struct cl_json *doc, int tok)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (t == NULL || (t->type != JSMN_OBJECT && t->type != JSMN_ARRAY)) {
        return 0;
    }
    return t->size;
}

int cl_json_skip(const struct cl_json *doc, int tok)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (t == NULL) {
        return doc != NULL ? doc->n_toks : 0;
    }
    /* A key (child of an object) has its value as its only child in jsmn's tree. */
    if (t->parent >= 0 && doc->toks[t->parent].t.type == JSMN_OBJECT && tok + 1 < doc->n_toks) {
        tok++;
        t = &doc->toks[tok].t;
    }
    /* Tokens are in text order: the subtree is every following token that starts before
     * this one ends, so the next sibling is found by binary search. */
    int lo = tok + 1;
    int hi = doc->n_toks;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (doc->toks[mid].t.start < t->end) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int cl_json_child(const struct cl_json *doc, int tok, int i)
{
    if (i < 0 || i >= cl_json_size(doc, tok)) {
        return -1;
    }
    int c = tok + 1;
    for (int k = 0; k < i; k++) {
        c = cl_json_skip(doc, c);
    }
    return c;
}

/* ---------------------------------------------------------------- unescaping */

/* Receives unescaped bytes; a non-zero return stops the unescaping and is passed on. */
typedef int sink_fn(void *ctx, const uint8_t *p, size_t n);

static size_t utf8_encode(uint32_t cp, uint8_t out[4])
{
    static const uint8_t lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (uint8_t)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (uint8_t)(lead[n] | cp);
    return n;
}

/* Code point of the \uXXXX escape at p[*i] (advancing *i), or -1. */
static long u_escape(const uint8_t *p, size_t len, size_t *i)
{
    if (len - *i < 6 || p[*i] != '\\' || p[*i + 1] != 'u') {
        return -1;
    }
    long cp = hex4(p + *i + 2);
    if (cp >= 0) {
        *i += 6;
    }
    return cp;
}

/* Decodes a \uXXXX escape (and the low half of a surrogate pair) to a code point. */
static int unescape_u(const uint8_t *p, size_t len, size_t *i, uint32_t *cp)
{
    long hi = u_escape(p, len, i);
    if (hi < 0) {
        return -EBADMSG;
    }
    *cp = (uint32_t)hi;
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        *cp = 0xFFFD; /* lone low surrogate */
    } else if (hi >= 0xD800 && hi <= 0xDBFF) {
        size_t j = *i;
        long lo = u_escape(p, len, &j);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            *i = j;
        } else {
            *cp = 0xFFFD; /* lone high surrogate; what follows is decoded on its own */
        }
    }
    return 0;
}

/* Decodes the escape at p[*i] into out[0..*n). */
static int unescape_one(const uint8_t *p, size_t len, size_t *i, uint8_t out[4], size_t *n)
{
    if (len - *i < 2) {
        return -EBADMSG;
    }
    const uint8_t *hit = memchr(esc_names, p[*i + 1], sizeof(esc_names));
    if (hit != NULL) {
        out[0] = esc_bytes[hit - esc_names];
        *n = 1;
        *i += 2;
        return 0;
    }
    uint32_t cp;
    int rc = unescape_u(p, len, i, &cp);
    if (rc == 0) {
        *n = utf8_encode(cp, out);
    }
    return rc;
}

/* Feeds the unescaped value of the escaped string p[0..len) to sink. */
static int unescape(const uint8_t *p, size_t len, sink_fn *sink, void *ctx)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *bs = memchr(p + i, '\\', len - i);
        size_t run = bs != NULL ? (size_t)(bs - p) - i : len - i;
        if (run > 0) {
            int rc = sink(ctx, p + i, run);
            if (rc != 0) {
                return rc;
            }
            i += run;
            continue;
        }
        uint8_t u[4];
        size_t n = 0;
        int rc = unescape_one(p, len, &i, u, &n);
        if (rc == 0) {
            rc = sink(ctx, u, n);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int sink_buf(void *ctx, const uint8_t *p, size_t n)
{
    return cl_buf_append(ctx, p, n);
}

struct cmp_ctx {
    const uint8_t *s;
    size_t len;
    size_t pos;
    bool is_ci;
};

static uint8_t ascii_lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Compares the next n unescaped bytes with the expected string; 1 on a mismatch. */
static int sink_cmp(void *ctx, const uint8_t *p, size_t n)
{
    struct cmp_ctx *c = ctx;
    if (n > c->len - c->pos) {
        return 1;
    }
    const uint8_t *s = c->s + c->pos;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != s[i] && (!c->is_ci || ascii_lower(p[i]) != ascii_lower(s[i]))) {
            return 1;
        }
    }
    c->pos += n;
    return 0;
}

static bool str_equals(const struct cl_json *doc, int tok, const char *s, bool is_ci)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (t == NULL || t->type != JSMN_STRING || s == NULL) {
        return false;
    }
    struct cmp_ctx c = {.s = (const uint8_t *)s, .len = strlen(s), .is_ci = is_ci};
    const uint8_t *raw = (const uint8_t *)doc->src + t->start;
    int rc = unescape(raw, (size_t)(t->end - t->start), sink_cmp, &c);
    return rc == 0 && c.pos == c.len;
}

/* ---------------------------------------------------------------- lookups and values */

static int get_member(const struct cl_json *doc, int obj, const char *key, bool is_ci)
{
    if (cl_json_type(doc, obj) != CL_JSON_OBJECT || key == NULL) {
        return -1;
    }
    /* The first matching member wins when a key is repeated. */
    int n = cl_json_size(doc, obj);
    int k = obj + 1;
    for (int i = 0; i < n; i++) {
        if (str_equals(doc, k, key, is_ci)) {
            return k + 1;
        }
        k = cl_json_skip(doc, k);
    }
    return -1;
}

int cl_json_get(const struct cl_json *doc, int obj, const char *key)
{
    return get_member(doc, obj, key, false);
}

int cl_json_get_ci(const struct cl_json *doc, int obj, const char *key)
{
    return get_member(doc, obj, key, true);
}

int cl_json_path(const struct cl_json *doc, int obj, const char *const *keys)
{
    int tok = tok_at(doc, obj) != NULL ? obj : -1;
    for (size_t i = 0; keys != NULL && keys[i] != NULL && tok >= 0; i++) {
        tok = cl_json_get(doc, tok, keys[i]);
    }
    return tok;
}

const char *cl_json_raw(const struct cl_json *doc, int tok, size_t *len)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (len != NULL) {
        *len = t != NULL ? (size_t)(t->end - t->start) : 0;
    }
    return t != NULL ? doc->src + t->start : NULL;
}

bool cl_json_str_eq(const struct cl_json *doc, int tok, const char *s)
{
    return str_equals(doc, tok, s, false);
}

/* Sets the length of b back to len (undoing a partial append). */
static void buf_truncate(struct cl_buf *b, size_t len)
{
    b->len = len;
    if (b->data != NULL) {
        b->data[len] = '\0';
    }
}

int cl_json_str(const struct cl_json *doc, int tok, struct cl_buf *out)
{
    const jsmntok_t *t = tok_at(doc, tok);
    if (t == NULL || t->type != JSMN_STRING) {
        return -EINVAL;
    }
    size_t old_len = out->len;
    const uint8_t *raw = (const uint8_t *)doc->src + t->start;
    int rc = unescape(raw, (size_t)(t->end - t->start), sink_buf, out);
    if (rc < 0) {
        buf_truncate(out, old_len);
    }
    return rc;
}

int cl_json_strdup(const struct cl_json *doc, int tok, char **out, size_t *len)
{
    *out = NULL;
    size_t raw_len;
    if (cl_json_type(doc, tok) != CL_JSON_STRING) {
        return -EINVAL;
    }
    (void)cl_json_raw(doc, tok, &raw_len);
    /* Unescaping never lengthens a string, so one allocation of raw_len + 1 is enough. */
    struct cl_buf b;
    cl_buf_init(&b, raw_len);
    int rc = cl_buf_reserve(&b, raw_len);
    if (rc == 0) {
        rc = cl_json_str(doc, tok, &b);
    }
    if (rc < 0) {
        cl_buf_fini(&b);
        return rc;
    }
    b.data[b.len] = '\0';
    *out = (char *)b.data;
    if (len != NULL) {
        *len = b.len;
    }
    return 0;
}

int cl_json_int64(const struct cl_json *doc, int tok, int64_t *out)
{
    size_t len;
    const uint8_t *p = (const uint8_t *)cl_json_raw(doc, tok, &len);
    if (cl_json_type(doc, tok) != CL_JSON_NUMBER || memchr(p, '.', len) != NULL ||
        memchr(p, 'e', len) != NULL || memchr(p, 'E', len) != NULL) {
        return -EINVAL;
    }
    bool is_neg = p[0] == '-';
    /* Accumulate the magnitude; INT64_MIN's magnitude is INT64_MAX + 1. */
    uint64_t limit = is_neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t mag = 0;
    for (size_t i = is_neg ? 1 : 0; i < len; i++) {
        uint64_t d = (uint64_t)(p[i] - '0');
        if (mag > (limit - d) / 10) {
            return -ERANGE;
        }
        mag = mag * 10 + d;
    }
    *out = !is_neg ? (int64_t)mag : mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
    return 0;
}

bool cl_json_is_true(const struct cl_json *doc, int tok)
{
    return cl_json_type(doc, tok) == CL_JSON_TRUE;
}

/* ---------------------------------------------------------------- writing */

static bool is_plain(uint8_t c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

/* Length of the well-formed UTF-8 sequence (RFC 3629) at p, or 0 with *bad set to the length
 * of its maximal invalid subpart (at least 1), which becomes one U+FFFD. */
static size_t utf8_len(const uint8_t *p, size_t len, size_t *bad)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i >= len || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return n;
}

static int write_escape(struct cl_buf *out, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    /* '/' is plain and never gets here: it is not escaped. */
    const uint8_t *hit = memchr(esc_bytes, c, sizeof(esc_bytes));
    if (hit != NULL) {
        uint8_t e[2] = {'\\', esc_names[hit - esc_bytes]};
        return cl_buf_append(out, e, sizeof(e));
    }
    uint8_t u[6] = {'\\', 'u', '0', '0', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 0xF]};
    return cl_buf_append(out, u, sizeof(u));
}

/* Length of the prefix of s that is copied unchanged: plain ASCII and valid UTF-8. */
static size_t verbatim_len(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t bad;
        size_t n = is_plain(s[i]) ? 1 : s[i] >= 0x80 ? utf8_len(s + i, len - i, &bad) : 0;
        if (n == 0) {
            break;
        }
        i += n;
    }
    return i;
}

int cl_json_write_str(struct cl_buf *out, const uint8_t *s, size_t len)
{
    static const uint8_t replacement[] = {0xEF, 0xBF, 0xBD};
    if (s == NULL && len > 0) {
        return -EINVAL;
    }
    size_t old_len = out->len;
    /* The output is at least len + 2 bytes: reserve once, and fail early if it cannot fit. */
    int rc = len > SIZE_MAX - 2 ? -E2BIG : cl_buf_reserve(out, len + 2);
    rc = rc == 0 ? cl_buf_append_byte(out, '"') : rc;
    size_t i = 0;
    while (rc == 0 && i < len) {
        size_t n = verbatim_len(s + i, len - i);
        if (n > 0) {
            rc = cl_buf_append(out, s + i, n);
        } else if (s[i] < 0x80) {
            rc = write_escape(out, s[i]);
            n = 1;
        } else {
            (void)utf8_len(s + i, len - i, &n);
            rc = cl_buf_append(out, replacement, sizeof(replacement));
        }
        i += n;
    }
    rc = rc == 0 ? cl_buf_append_byte(out, '"') : rc;
    if (rc < 0) {
        buf_truncate(out, old_len);
    }
    return rc;
}

int cl_json_write_cstr(struct cl_buf *out, const char *s)
{
    if (s == NULL) {
        return cl_buf_append(out, "null", 4);
    }
    return cl_json_write_str(out, (const uint8_t *)s, strlen(s));
}
