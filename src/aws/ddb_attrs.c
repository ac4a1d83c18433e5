/* SPDX-License-Identifier: MIT */
/* clambda_ddb_attrs: AttributeValue JSON written straight into one buffer as values are
 * added. At depth 0 the buffer always holds a complete map (its closing brace is taken off
 * before an add and put back after), so clambda_ddb_attrs_json() needs no copy. The first
 * error is kept and returned by every later call. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aws_int.h"
#include "cl_alloc.h"
#include "cl_b64.h"
#include "cl_json.h"

#define MAX_DEPTH 32 /* DynamoDB's own nesting limit */
#define MAX_ATTRS ((size_t)16 << 20)

struct clambda_ddb_attrs {
    struct cl_buf buf;
    int err;   /* kept public error code, 0 while fine */
    int depth; /* open nested values; level 0 is the map itself */
    bool is_list[MAX_DEPTH + 1];
    bool has_item[MAX_DEPTH + 1];
};

int clambda_ddb_attrs_new(clambda_ddb_attrs **out)
{
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = cl_alloc_calloc(1, sizeof(**out));
    if (*out == NULL) {
        return CLAMBDA_ENOMEM;
    }
    cl_buf_init(&(*out)->buf, MAX_ATTRS);
    clambda_ddb_attrs_reset(*out);
    return (*out)->err;
}

void clambda_ddb_attrs_free(clambda_ddb_attrs *a)
{
    if (a != NULL) {
        cl_buf_fini(&a->buf);
        cl_alloc_free(a);
    }
}

void clambda_ddb_attrs_reset(clambda_ddb_attrs *a)
{
    if (a == NULL) {
        return;
    }
    cl_buf_reset(&a->buf);
    a->depth = 0;
    a->is_list[0] = false;
    a->has_item[0] = false;
    a->err = cl_buf_append_str(&a->buf, "{}") == 0 ? 0 : CLAMBDA_ENOMEM;
}

static int keep(clambda_ddb_attrs *a, int rc)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (rc < 0 && a->err == 0) {
        a->err = rc == -EINVAL ? CLAMBDA_EINVAL : rc == -E2BIG ? CLAMBDA_ETOOBIG : CLAMBDA_ENOMEM;
    }
    return a->err;
}

/* Opens an entry: the separator and, in a map, the quoted name and ':'. */
static int open_entry(clambda_ddb_attrs *a, const char *name)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (a->err != 0) {
        return a->err;
    }
    bool in_list = a->is_list[a->depth];
    if (in_list != (name == NULL)) {
        return keep(a, -EINVAL);
    }
    if (a->depth == 0) {
        a->buf.len--; /* the map's closing brace, put back by close_entry */
    }
    int rc = a->has_item[a->depth] ? cl_buf_append_byte(&a->buf, ',') : 0;
    if (rc == 0 && !in_list) {
        rc = cl_json_write_cstr(&a->buf, name);
        rc = rc == 0 ? cl_buf_append_byte(&a->buf, ':') : rc;
    }
    a->has_item[a->depth] = true;
    return keep(a, rc);
}

static int close_entry(clambda_ddb_attrs *a, int rc)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (rc == 0 && a->depth == 0) {
        rc = cl_buf_append_byte(&a->buf, '}');
    }
    return keep(a, rc);
}

bool cl_ddb_is_number(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    i += i < len && (s[i] == '-' || s[i] == '+');
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        digits++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            digits++;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += i < len && (s[i] == '-' || s[i] == '+');
        size_t exp = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            exp++;
        }
        if (exp == 0) {
            return false;
        }
    }
    return i == len;
}

/* {"<type>":<json string of s>} */
static int typed_str(clambda_ddb_attrs *a, const char *type, const char *s)
{
    int rc = cl_buf_printf(&a->buf, "{\"%s\":", type);
    rc = rc == 0 ? cl_json_write_cstr(&a->buf, s) : rc;
    return rc == 0 ? cl_buf_append_byte(&a->buf, '}') : rc;
}

int clambda_ddb_attrs_add_s(clambda_ddb_attrs *a, const char *name, const char *s)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    int rc = s == NULL ? keep(a, -EINVAL) : open_entry(a, name);
    return rc != 0 ? rc : close_entry(a, typed_str(a, "S", s));
}

int clambda_ddb_attrs_add_n(clambda_ddb_attrs *a, const char *name, const char *number)
{
    if (a != NULL && (number == NULL || !cl_ddb_is_number(number, strlen(number)))) {
        return keep(a, -EINVAL);
    }
    int rc = open_entry(a, name);
    return rc != 0 ? rc : close_entry(a, typed_str(a, "N", number));
}

int clambda_ddb_attrs_add_int(clambda_ddb_attrs *a, const char *name, int64_t v)
{
    char num[24];
    (void)snprintf(num, sizeof(num), "%" PRId64, v);
    return clambda_ddb_attrs_add_n(a, name, num);
}

int clambda_ddb_attrs_add_b(clambda_ddb_attrs *a, const char *name, const void *bytes, size_t len)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    int rc = bytes == NULL && len > 0 ? keep(a, -EINVAL) : open_entry(a, name);
    if (rc != 0) {
        return rc;
    }
    rc = cl_buf_append_str(&a->buf, "{\"B\":\"");
    rc = rc == 0 ? cl_b64_encode(&a->buf, bytes, len) : rc;
    return close_entry(a, rc == 0 ? cl_buf_append_str(&a->buf, "\"}") : rc);
}

int clambda_ddb_attrs_add_bool(clambda_ddb_attrs *a, const char *name, int v)
{
    int rc = open_entry(a, name);
    return rc != 0 ? rc
                   : close_entry(
                         a, cl_buf_append_str(&a->buf, v ? "{\"BOOL\":true}" : "{\"BOOL\":false}"));
}

int clambda_ddb_attrs_add_null(clambda_ddb_attrs *a, const char *name)
{
    int rc = open_entry(a, name);
    return rc != 0 ? rc : close_entry(a, cl_buf_append_str(&a->buf, "{\"NULL\":true}"));
}

static int add_set(clambda_ddb_attrs *a, const char *name, const char *type,
                   const char *const *items, size_t n)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    bool ok = items != NULL && n > 0;
    for (size_t i = 0; ok && i < n; i++) {
        ok = items[i] != NULL && (type[0] != 'N' || cl_ddb_is_number(items[i], strlen(items[i])));
    }
    if (!ok) {
        return keep(a, -EINVAL);
    }
    int rc = open_entry(a, name);
    if (rc != 0) {
        return rc;
    }
    rc = cl_buf_printf(&a->buf, "{\"%s\":[", type);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = i > 0 ? cl_buf_append_byte(&a->buf, ',') : 0;
        rc = rc == 0 ? cl_json_write_cstr(&a->buf, items[i]) : rc;
    }
    return close_entry(a, rc == 0 ? cl_buf_append_str(&a->buf, "]}") : rc);
}

int clambda_ddb_attrs_add_ss(clambda_ddb_attrs *a, const char *name, const char *const *items,
                             size_t n)
{
    return add_set(a, name, "SS", items, n);
}

int clambda_ddb_attrs_add_ns(clambda_ddb_attrs *a, const char *name, const char *const *items,
                             size_t n)
{
    return add_set(a, name, "NS", items, n);
}

static int begin(clambda_ddb_attrs *a, const char *name, bool is_list)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (a->err == 0 && a->depth == MAX_DEPTH) {
        return keep(a, -EINVAL);
    }
    int rc = open_entry(a, name);
    if (rc != 0) {
        return rc;
    }
    rc = cl_buf_append_str(&a->buf, is_list ? "{\"L\":[" : "{\"M\":{");
    a->depth++;
    a->is_list[a->depth] = is_list;
    a->has_item[a->depth] = false;
    return keep(a, rc);
}

int clambda_ddb_attrs_begin_m(clambda_ddb_attrs *a, const char *name)
{
    return begin(a, name, false);
}

int clambda_ddb_attrs_begin_l(clambda_ddb_attrs *a, const char *name)
{
    return begin(a, name, true);
}

int clambda_ddb_attrs_end(clambda_ddb_attrs *a)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (a->err != 0) {
        return a->err;
    }
    if (a->depth == 0) {
        return keep(a, -EINVAL);
    }
    int rc = cl_buf_append_str(&a->buf, a->is_list[a->depth] ? "]}" : "}}");
    a->depth--;
    return close_entry(a, rc);
}

int cl_ddb_attrs_text(const clambda_ddb_attrs *a, const char **text, size_t *len)
{
    if (a == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (a->err != 0 || a->depth != 0) {
        return a->err != 0 ? a->err : CLAMBDA_EINVAL;
    }
    *text = (const char *)a->buf.data;
    *len = a->buf.len;
    return 0;
}

const char *clambda_ddb_attrs_json(const clambda_ddb_attrs *a, size_t *len)
{
    const char *text = NULL;
    size_t n = 0;
    if (cl_ddb_attrs_text(a, &text, &n) != 0) {
        text = NULL;
    }
    if (len != NULL) {
        *len = n;
    }
    return text;
}
