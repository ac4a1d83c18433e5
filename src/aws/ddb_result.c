/* SPDX-License-Identifier: MIT */
/* clambda_ddb_result: AttributeValue JSON read into a checked tree of values. The JSON is
 * tokenised by cl_json, then every value is converted once into a node array (the members or
 * elements of a node are consecutive, so a node points at its first child) and a string pool
 * (unescaped strings, decoded binaries, each NUL-terminated). Both grow while converting, so
 * nodes refer to each other and to strings by index until a last pass turns indexes into
 * pointers: the finished result is read without any lookup structure and without copies. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws_int.h"
#include "cl_alloc.h"
#include "cl_b64.h"
#include "cl_json.h"

#define MAX_DEPTH 32 /* DynamoDB's own nesting limit (a value inside 32 levels of M/L) */
#define MAX_TOKS  (1 << 20)
#define MAX_TEXT  ((size_t)16 << 20)
#define NONE      ((size_t)-1)

struct clambda_ddb_value {
    enum clambda_ddb_type type;
    const char *name; /* a member of an M: its name */
    const char *str;  /* S, N, B */
    size_t len;
    const struct clambda_ddb_value *kids;
    size_t n_kids;
    bool is_true;
    /* while converting */
    size_t name_off, str_off, kids_idx;
};

struct clambda_ddb_result {
    struct clambda_ddb_value *nodes;
    size_t n_nodes, cap_nodes;
    struct cl_buf strs;
    size_t item, items, last_key; /* node indexes, NONE when absent */
};

struct conv {
    struct clambda_ddb_result *r;
    const struct cl_json *doc;
    struct cl_buf tmp;
};

/* Reserves n consecutive nodes; their first index in *first. */
static int add_nodes(struct clambda_ddb_result *r, size_t n, size_t *first)
{
    if (r->n_nodes + n > r->cap_nodes) {
        size_t cap = r->cap_nodes ? r->cap_nodes : 16;
        while (cap < r->n_nodes + n) {
            cap *= 2;
        }
        void *p = cl_alloc_realloc(r->nodes, cap * sizeof(*r->nodes));
        if (p == NULL) {
            return -ENOMEM;
        }
        r->nodes = p;
        r->cap_nodes = cap;
    }
    *first = r->n_nodes;
    for (size_t i = 0; i < n; i++) {
        r->nodes[r->n_nodes + i] =
            (struct clambda_ddb_value){.name_off = NONE, .str_off = NONE, .kids_idx = NONE};
    }
    r->n_nodes += n;
    return 0;
}

/* Appends the unescaped string tok (or its base64 decoding) to the pool. */
static int pool_str(struct conv *cv, int tok, bool is_b64, size_t *off, size_t *len)
{
    struct cl_buf *pool = &cv->r->strs;
    *off = pool->len;
    int rc;
    if (is_b64) {
        cl_buf_reset(&cv->tmp);
        rc = cl_json_str(cv->doc, tok, &cv->tmp);
        rc = rc == 0 ? cl_b64_decode(pool, cv->tmp.data, cv->tmp.len) : rc;
    } else {
        rc = cl_json_str(cv->doc, tok, pool);
    }
    *len = pool->len - *off;
    return rc == 0 ? cl_buf_append_byte(pool, 0)
                   : (rc == -EBADMSG || rc == -EINVAL ? -EBADMSG : rc);
}

static int conv_value(struct conv *cv, int tok, size_t idx, int depth);

/* An M's object: name -> AttributeValue, into node idx. */
static int conv_map(struct conv *cv, int obj, size_t idx, int depth)
{
    if (cl_json_type(cv->doc, obj) != CL_JSON_OBJECT || depth > MAX_DEPTH) {
        return -EBADMSG;
    }
    size_t n = (size_t)cl_json_size(cv->doc, obj), first = 0;
    int rc = add_nodes(cv->r, n, &first);
    cv->r->nodes[idx].type = CLAMBDA_DDB_M;
    cv->r->nodes[idx].kids_idx = first;
    cv->r->nodes[idx].n_kids = n;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int key = cl_json_child(cv->doc, obj, (int)i);
        size_t off = 0, len = 0;
        rc = pool_str(cv, key, false, &off, &len);
        cv->r->nodes[first + i].name_off = off;
        rc = rc == 0 ? conv_value(cv, key + 1, first + i, depth + 1) : rc;
    }
    return rc;
}

/* L, SS, NS, BS: the array's elements into consecutive nodes. */
static int conv_array(struct conv *cv, int arr, size_t idx, enum clambda_ddb_type type, int depth)
{
    if (cl_json_type(cv->doc, arr) != CL_JSON_ARRAY) {
        return -EBADMSG;
    }
    size_t n = (size_t)cl_json_size(cv->doc, arr), first = 0;
    int rc = add_nodes(cv->r, n, &first);
    cv->r->nodes[idx].type = type;
    cv->r->nodes[idx].kids_idx = first;
    cv->r->nodes[idx].n_kids = n;
    enum clambda_ddb_type el = type == CLAMBDA_DDB_SS   ? CLAMBDA_DDB_S
                               : type == CLAMBDA_DDB_NS ? CLAMBDA_DDB_N
                                                        : CLAMBDA_DDB_B;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int t = cl_json_child(cv->doc, arr, (int)i);
        if (type == CLAMBDA_DDB_L) {
            rc = conv_value(cv, t, first + i, depth + 1);
            continue;
        }
        if (cl_json_type(cv->doc, t) != CL_JSON_STRING) {
            return -EBADMSG;
        }
        struct clambda_ddb_value *v = &cv->r->nodes[first + i];
        v->type = el;
        rc = pool_str(cv, t, el == CLAMBDA_DDB_B, &v->str_off, &v->len);
        if (rc == 0 && el == CLAMBDA_DDB_N &&
            !cl_ddb_is_number((const char *)cv->r->strs.data + v->str_off, v->len)) {
            rc = -EBADMSG;
        }
    }
    return rc;
}

static const char *const type_names[] = {"",  "S", "N",  "B",  "BOOL", "NULL",
                                         "M", "L", "SS", "NS", "BS"};

/* One AttributeValue, {"<type>": value}, into node idx. */
static int conv_value(struct conv *cv, int tok, size_t idx, int depth)
{
    const struct cl_json *doc = cv->doc;
    if (depth > MAX_DEPTH || cl_json_type(doc, tok) != CL_JSON_OBJECT ||
        cl_json_size(doc, tok) != 1) {
        return -EBADMSG;
    }
    int key = cl_json_child(doc, tok, 0), val = key + 1;
    enum clambda_ddb_type type = CLAMBDA_DDB_NONE;
    for (int t = CLAMBDA_DDB_S; t <= CLAMBDA_DDB_BS; t++) {
        if (cl_json_str_eq(doc, key, type_names[t])) {
            type = (enum clambda_ddb_type)t;
        }
    }
    enum cl_json_type jt = cl_json_type(doc, val);
    struct clambda_ddb_value *v = &cv->r->nodes[idx];
    switch (type) {
    case CLAMBDA_DDB_S:
    case CLAMBDA_DDB_N:
    case CLAMBDA_DDB_B: {
        if (jt != CL_JSON_STRING) {
            return -EBADMSG;
        }
        v->type = type;
        int rc = pool_str(cv, val, type == CLAMBDA_DDB_B, &v->str_off, &v->len);
        if (rc == 0 && type == CLAMBDA_DDB_N &&
            !cl_ddb_is_number((const char *)cv->r->strs.data + v->str_off, v->len)) {
            rc = -EBADMSG;
        }
        return rc;
    }
    case CLAMBDA_DDB_BOOL:
    case CLAMBDA_DDB_NULL:
        if (jt != CL_JSON_TRUE && (jt != CL_JSON_FALSE || type == CLAMBDA_DDB_NULL)) {
            return -EBADMSG;
        }
        v->type = type;
        v->is_true = jt == CL_JSON_TRUE;
        return 0;
    case CLAMBDA_DDB_M:
        return conv_map(cv, val, idx, depth);
    case CLAMBDA_DDB_L:
    case CLAMBDA_DDB_SS:
    case CLAMBDA_DDB_NS:
    case CLAMBDA_DDB_BS:
        return conv_array(cv, val, idx, type, depth);
    default:
        return -EBADMSG;
    }
}

/* Indexes become pointers. */
static void finish(struct clambda_ddb_result *r)
{
    const char *pool = (const char *)r->strs.data;
    for (size_t i = 0; i < r->n_nodes; i++) {
        struct clambda_ddb_value *v = &r->nodes[i];
        v->name = v->name_off != NONE ? pool + v->name_off : NULL;
        v->str = v->str_off != NONE ? pool + v->str_off : NULL;
        v->kids = v->kids_idx != NONE ? r->nodes + v->kids_idx : NULL;
    }
}

static int public_code(int rc)
{
    return rc == 0         ? 0
           : rc == -ENOMEM ? CLAMBDA_ENOMEM
           : rc == -E2BIG  ? CLAMBDA_ETOOBIG
                           : CLAMBDA_EPROTO;
}

/* Converts the member key of object 0 (a map, or for "Items" a list of maps) if present. */
static int conv_member(struct conv *cv, const char *key, size_t *out)
{
    int tok = cl_json_get(cv->doc, 0, key);
    if (tok < 0 || cl_json_type(cv->doc, tok) == CL_JSON_NULL) {
        return 0;
    }
    int rc = add_nodes(cv->r, 1, out);
    if (rc == 0 && strcmp(key, "Items") == 0) {
        if (cl_json_type(cv->doc, tok) != CL_JSON_ARRAY) {
            return -EBADMSG;
        }
        size_t n = (size_t)cl_json_size(cv->doc, tok), first = 0;
        rc = add_nodes(cv->r, n, &first);
        cv->r->nodes[*out].type = CLAMBDA_DDB_L;
        cv->r->nodes[*out].kids_idx = first;
        cv->r->nodes[*out].n_kids = n;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = conv_map(cv, cl_json_child(cv->doc, tok, (int)i), first + i, 1);
        }
        return rc;
    }
    return rc == 0 ? conv_map(cv, tok, *out, 0) : rc;
}

/* keys NULL: the whole text is a bare map. */
static int parse(const uint8_t *json, size_t len, const char *const *keys, clambda_ddb_result **out)
{
    *out = NULL;
    if (len > MAX_TEXT) {
        return CLAMBDA_ETOOBIG;
    }
    struct clambda_ddb_result *r = cl_alloc_calloc(1, sizeof(*r));
    if (r == NULL) {
        return CLAMBDA_ENOMEM;
    }
    r->item = r->items = r->last_key = NONE;
    cl_buf_init(&r->strs, MAX_TEXT * 2);
    struct cl_json doc = {0};
    struct conv cv = {r, &doc, {0}};
    cl_buf_init(&cv.tmp, MAX_TEXT);
    int rc = cl_json_parse(&doc, json, len, MAX_TOKS);
    rc = rc == 0 ? cl_buf_append_byte(&r->strs, 0) : rc; /* the pool is never empty */
    if (rc == 0 && cl_json_type(&doc, 0) != CL_JSON_OBJECT) {
        rc = -EBADMSG;
    }
    if (rc == 0 && keys == NULL) {
        rc = add_nodes(r, 1, &r->item);
        rc = rc == 0 ? conv_map(&cv, 0, r->item, 0) : rc;
    }
    for (size_t i = 0; rc == 0 && keys != NULL && keys[i] != NULL; i++) {
        size_t *slot = strcmp(keys[i], "Items") == 0              ? &r->items
                       : strcmp(keys[i], "LastEvaluatedKey") == 0 ? &r->last_key
                                                                  : &r->item;
        rc = conv_member(&cv, keys[i], slot);
    }
    cl_buf_fini(&cv.tmp);
    cl_json_fini(&doc);
    if (rc < 0) {
        clambda_ddb_result_free(r);
        return public_code(rc);
    }
    finish(r);
    *out = r;
    return CLAMBDA_OK;
}

int cl_ddb_result_from_response(const uint8_t *json, size_t len, const char *const *keys,
                                clambda_ddb_result **out)
{
    return parse(json, len, keys, out);
}

int clambda_ddb_result_parse(const char *json, size_t len, clambda_ddb_result **out)
{
    if (out == NULL || (json == NULL && len > 0)) {
        return CLAMBDA_EINVAL;
    }
    return parse((const uint8_t *)json, len, NULL, out);
}

void clambda_ddb_result_free(clambda_ddb_result *r)
{
    if (r != NULL) {
        cl_alloc_free(r->nodes);
        cl_buf_fini(&r->strs);
        cl_alloc_free(r);
    }
}

const clambda_ddb_value *clambda_ddb_result_item(const clambda_ddb_result *r)
{
    return r != NULL && r->item != NONE ? &r->nodes[r->item] : NULL;
}

size_t clambda_ddb_result_count(const clambda_ddb_result *r)
{
    return r != NULL && r->items != NONE ? r->nodes[r->items].n_kids : 0;
}

const clambda_ddb_value *clambda_ddb_result_item_at(const clambda_ddb_result *r, size_t i)
{
    return i < clambda_ddb_result_count(r) ? &r->nodes[r->items].kids[i] : NULL;
}

const clambda_ddb_value *clambda_ddb_result_last_key(const clambda_ddb_result *r)
{
    return r != NULL && r->last_key != NONE ? &r->nodes[r->last_key] : NULL;
}

enum clambda_ddb_type clambda_ddb_value_type(const clambda_ddb_value *v)
{
    return v != NULL ? v->type : CLAMBDA_DDB_NONE;
}

const clambda_ddb_value *clambda_ddb_value_get(const clambda_ddb_value *v, const char *name)
{
    if (v == NULL || v->type != CLAMBDA_DDB_M || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < v->n_kids; i++) {
        if (strcmp(v->kids[i].name, name) == 0) {
            return &v->kids[i];
        }
    }
    return NULL;
}

size_t clambda_ddb_value_count(const clambda_ddb_value *v)
{
    return v != NULL ? v->n_kids : 0;
}

const clambda_ddb_value *clambda_ddb_value_at(const clambda_ddb_value *v, size_t i)
{
    return v != NULL && i < v->n_kids ? &v->kids[i] : NULL;
}

const char *clambda_ddb_value_name_at(const clambda_ddb_value *v, size_t i)
{
    return v != NULL && v->type == CLAMBDA_DDB_M && i < v->n_kids ? v->kids[i].name : NULL;
}

const char *clambda_ddb_value_str(const clambda_ddb_value *v, size_t *len)
{
    bool has = v != NULL && v->str != NULL;
    if (len != NULL) {
        *len = has ? v->len : 0;
    }
    return has ? v->str : NULL;
}

int clambda_ddb_value_int64(const clambda_ddb_value *v, int64_t *out)
{
    if (v == NULL || v->type != CLAMBDA_DDB_N || out == NULL || strpbrk(v->str, ".eE") != NULL) {
        return CLAMBDA_EINVAL;
    }
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v->str, &end, 10);
    if (errno != 0 || end == v->str || *end != '\0') {
        return CLAMBDA_EINVAL;
    }
    *out = (int64_t)n;
    return CLAMBDA_OK;
}

int clambda_ddb_value_bool(const clambda_ddb_value *v)
{
    return v != NULL && v->type == CLAMBDA_DDB_BOOL ? (v->is_true ? 1 : 0) : -1;
}

/* One element of an L, SS, NS or BS (or a member's value of an M). */
static int write_element(struct cl_buf *out, enum clambda_ddb_type container,
                         const clambda_ddb_value *k)
{
    if (container == CLAMBDA_DDB_M || container == CLAMBDA_DDB_L) {
        return cl_ddb_value_write(out, k);
    }
    if (container == CLAMBDA_DDB_BS) {
        int rc = cl_buf_append_byte(out, '"');
        rc = rc == 0 ? cl_b64_encode(out, (const uint8_t *)k->str, k->len) : rc;
        return rc == 0 ? cl_buf_append_byte(out, '"') : rc;
    }
    return cl_json_write_str(out, (const uint8_t *)k->str, k->len);
}

static int write_kids(struct cl_buf *out, const clambda_ddb_value *v)
{
    bool is_map = v->type == CLAMBDA_DDB_M;
    int rc = cl_buf_printf(out, "{\"%s\":%c", type_names[v->type], is_map ? '{' : '[');
    for (size_t i = 0; rc == 0 && i < v->n_kids; i++) {
        rc = i > 0 ? cl_buf_append_byte(out, ',') : 0;
        if (rc == 0 && is_map) {
            rc = cl_json_write_cstr(out, v->kids[i].name);
            rc = rc == 0 ? cl_buf_append_byte(out, ':') : rc;
        }
        rc = rc == 0 ? write_element(out, v->type, &v->kids[i]) : rc;
    }
    return rc == 0 ? cl_buf_append_str(out, is_map ? "}}" : "]}") : rc;
}

int cl_ddb_value_write(struct cl_buf *out, const clambda_ddb_value *v)
{
    switch (v->type) {
    case CLAMBDA_DDB_S:
    case CLAMBDA_DDB_N: {
        int rc = cl_buf_printf(out, "{\"%s\":", type_names[v->type]);
        rc = rc == 0 ? cl_json_write_str(out, (const uint8_t *)v->str, v->len) : rc;
        return rc == 0 ? cl_buf_append_byte(out, '}') : rc;
    }
    case CLAMBDA_DDB_B: {
        int rc = cl_buf_append_str(out, "{\"B\":\"");
        rc = rc == 0 ? cl_b64_encode(out, (const uint8_t *)v->str, v->len) : rc;
        return rc == 0 ? cl_buf_append_str(out, "\"}") : rc;
    }
    case CLAMBDA_DDB_BOOL:
        return cl_buf_append_str(out, v->is_true ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
    case CLAMBDA_DDB_NULL:
        return cl_buf_append_str(out, "{\"NULL\":true}");
    case CLAMBDA_DDB_NONE:
        return -EINVAL;
    default:
        return write_kids(out, v);
    }
}
