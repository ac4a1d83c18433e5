/* SPDX-License-Identifier: MIT */
/* examples/items-api: the talk's application, an HTTP API in front of a function that keeps
 * items in DynamoDB. The DynamoDB client is made once, in the init step (which also connects),
 * and reused by every invocation. Routes (an HttpApi, payload 2.0; see template.yaml):
 *   GET    /items/{id}   200 the item as JSON, 404 when there is none
 *   PUT    /items/{id}   body: a JSON object, stored with "id" set to {id}. Creates only:
 *                        201, or 409 when the item exists; ?overwrite=1 replaces: 200
 *   DELETE /items/{id}   204, 404 when there is none (a conditional delete)
 *   GET    /items        200 {"items":[...],"next":"<id>"}: one page of a Scan, ?limit=1-100
 *                        (default 25), ?next=<id> for the following page
 * Bad requests get 400 {"message":...}. DynamoDB failures, after the client's retries (the
 * SDKs' standard mode), get a 5xx naming the error: 503 throttled (with Retry-After), 504
 * timed out, 502 any other answer or transport failure, 500 the table is missing.
 * JSON values map to AttributeValues as the SDKs' document clients map them: strings S,
 * numbers N (their text kept exactly), true/false BOOL, null NULL, objects M, arrays L; sets
 * and binary read back as arrays and base64 strings. Environment: TABLE_NAME (required). */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strdup, with a plain -std=c11 (the Makefile) */
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_PARENT_LINKS
#define JSMN_STRICT
#include <jsmn.h>

#include <clambda/aws.h>
#include <clambda/http.h>
#include <clambda/runtime.h>

#define MAX_ID_BYTES   1024 /* DynamoDB allows 2048 for a partition key; an id is shorter */
#define MAX_DEPTH      32   /* DynamoDB's nesting limit */
#define DEFAULT_LIMIT  25
#define MAX_LIMIT      100
#define DDB_TIMEOUT_MS 2000 /* to connect, and for each wait for bytes */

struct app {
    clambda_aws_client *ddb;
    const char *table;
};

/* ---- a growable text buffer; a failed allocation is kept and reported once at the end ---- */

struct sb {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* s (n bytes) as a JSON string. */
static void sb_json_string(struct sb *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            (void)snprintf(esc, sizeof(esc), "\\u%04x", c);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)&s[i], 1);
        }
    }
    sb_put(b, "\"", 1);
}

static void sb_base64(struct sb *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {tab[v >> 18 & 63], tab[v >> 12 & 63], tab[i + 1 < n ? v >> 6 & 63 : 64],
                     tab[i + 2 < n ? v & 63 : 64]};
        sb_put(b, q, 4);
    }
    sb_put(b, "\"", 1);
}

/* ---- AttributeValues → JSON ---- */

static void value_json(struct sb *b, const clambda_ddb_value *v)
{
    size_t len = 0;
    const char *s;
    switch (clambda_ddb_value_type(v)) {
    case CLAMBDA_DDB_S:
        s = clambda_ddb_value_str(v, &len);
        sb_json_string(b, s, len);
        break;
    case CLAMBDA_DDB_N:
        sb_str(b, clambda_ddb_value_str(v, NULL));
        break;
    case CLAMBDA_DDB_B:
        s = clambda_ddb_value_str(v, &len);
        sb_base64(b, (const unsigned char *)s, len);
        break;
    case CLAMBDA_DDB_BOOL:
        sb_str(b, clambda_ddb_value_bool(v) ? "true" : "false");
        break;
    case CLAMBDA_DDB_M:
        sb_put(b, "{", 1);
        for (size_t i = 0; i < clambda_ddb_value_count(v); i++) {
            const char *name = clambda_ddb_value_name_at(v, i);
            sb_str(b, i ? "," : "");
            sb_json_string(b, name, strlen(name));
            sb_put(b, ":", 1);
            value_json(b, clambda_ddb_value_at(v, i));
        }
        sb_put(b, "}", 1);
        break;
    case CLAMBDA_DDB_L:
    case CLAMBDA_DDB_SS:
    case CLAMBDA_DDB_NS:
    case CLAMBDA_DDB_BS:
        sb_put(b, "[", 1);
        for (size_t i = 0; i < clambda_ddb_value_count(v); i++) {
            sb_str(b, i ? "," : "");
            value_json(b, clambda_ddb_value_at(v, i));
        }
        sb_put(b, "]", 1);
        break;
    default: /* NULL, and NONE (cannot happen inside a checked result) */
        sb_str(b, "null");
        break;
    }
}

/* ---- JSON → AttributeValues ---- */

struct reader {
    const char *js;
    jsmntok_t *toks;
    int n;
    struct sb tmp; /* one decoded string or number text */
    const char *err;
};

static void put_utf8(struct sb *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 63));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 63));
        u[2] = (char)(0x80 | (cp & 63));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 63));
        u[2] = (char)(0x80 | (cp >> 6 & 63));
        u[3] = (char)(0x80 | (cp & 63));
        n = 4;
    }
    sb_put(b, u, n);
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decodes string token t into rd->tmp (NUL-terminated). jsmn (strict) has checked the
 * escapes' form; a \u0000 is refused (attribute strings are C strings here) and an unpaired
 * surrogate becomes U+FFFD. */
static bool decode_string(struct reader *rd, const jsmntok_t *t)
{
    const char *s = rd->js + t->start, *end = rd->js + t->end;
    rd->tmp.len = 0;
    sb_put(&rd->tmp, "", 0);
    while (s < end) {
        if (*s != '\\') {
            const char *q = s;
            while (q < end && *q != '\\') {
                q++;
            }
            sb_put(&rd->tmp, s, (size_t)(q - s));
            s = q;
            continue;
        }
        char e = s[1];
        s += 2;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = strchr(from, e);
        if (e != 'u' && k != NULL) {
            sb_put(&rd->tmp, &to[k - from], 1);
            continue;
        }
        unsigned cp = hex4(s);
        s += 4;
        if (cp == 0) {
            rd->err = "strings may not contain \\u0000";
            return false;
        }
        if (cp >= 0xD800 && cp < 0xDC00 && end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
            unsigned lo = hex4(s + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
        }
        put_utf8(&rd->tmp, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
    }
    return !rd->tmp.oom && rd->tmp.p != NULL;
}

/* Whether the last decoded string is s. */
static bool tmp_is(const struct reader *rd, const char *s)
{
    size_t n = strlen(s);
    return rd->tmp.len == n && memcmp(rd->tmp.p, s, n) == 0;
}

/* The index of the token after token i and everything inside it. */
static int skip(const struct reader *rd, int i)
{
    int end = rd->toks[i].end;
    for (i++; i < rd->n && rd->toks[i].start < end; i++) {
    }
    return i;
}

/* true, false, null or a number (its text checked by clambda_ddb_attrs_add_n). */
static int add_primitive(struct reader *rd, clambda_ddb_attrs *a, const char *name,
                         const jsmntok_t *t)
{
    char c = rd->js[t->start];
    if (c == 't' || c == 'f') {
        return clambda_ddb_attrs_add_bool(a, name, c == 't');
    }
    if (c == 'n') {
        return clambda_ddb_attrs_add_null(a, name);
    }
    rd->tmp.len = 0;
    sb_put(&rd->tmp, rd->js + t->start, (size_t)(t->end - t->start));
    int rc = rd->tmp.oom ? CLAMBDA_ENOMEM : clambda_ddb_attrs_add_n(a, name, rd->tmp.p);
    if (rc == CLAMBDA_EINVAL) {
        rd->err = "a number is not a decimal number";
    }
    return rc;
}

static bool add_value(struct reader *rd, clambda_ddb_attrs *a, const char *name, int *i, int depth);

/* The members (with their names) or elements of container t, whose first inner token is *i. */
static bool add_members(struct reader *rd, clambda_ddb_attrs *a, const jsmntok_t *t, int *i,
                        int depth)
{
    for (int k = 0; k < t->size; k++) {
        char *key = NULL;
        if (t->type == JSMN_OBJECT) {
            if (!decode_string(rd, &rd->toks[*i]) || (key = strdup(rd->tmp.p)) == NULL) {
                return false;
            }
            (*i)++;
        }
        bool ok = add_value(rd, a, key, i, depth);
        free(key);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Adds token *i (and everything inside it) to a under name (NULL inside a list); *i moves
 * past it. */
static bool add_value(struct reader *rd, clambda_ddb_attrs *a, const char *name, int *i, int depth)
{
    const jsmntok_t *t = &rd->toks[*i];
    (*i)++;
    if (depth > MAX_DEPTH) {
        rd->err = "nested deeper than DynamoDB's 32 levels";
        return false;
    }
    int rc;
    if (t->type == JSMN_STRING) {
        if (!decode_string(rd, t)) {
            return false;
        }
        rc = clambda_ddb_attrs_add_s(a, name, rd->tmp.p);
    } else if (t->type == JSMN_PRIMITIVE) {
        rc = add_primitive(rd, a, name, t);
    } else {
        rc = t->type == JSMN_OBJECT ? clambda_ddb_attrs_begin_m(a, name)
                                    : clambda_ddb_attrs_begin_l(a, name);
        if (rc == 0 && !add_members(rd, a, t, i, depth + 1)) {
            return false;
        }
        rc = rc == 0 ? clambda_ddb_attrs_end(a) : rc;
    }
    if (rc != 0 && rd->err == NULL) {
        rd->err = rc == CLAMBDA_ENOMEM ? "out of memory" : "not storable in DynamoDB";
    }
    return rc == 0;
}

/* Parses the body into rd->toks: one JSON object filling it (jsmn stops after the first
 * value: only white space may follow). NULL, or the client's error message. */
static const char *parse_object(struct reader *rd, const char *js, size_t len, jsmntok_t **toks_out)
{
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, js, len, NULL, 0);
    if (n < 1) {
        return len == 0 ? "the body must be a JSON object" : "the body is not valid JSON";
    }
    jsmntok_t *toks = calloc((size_t)n, sizeof(*toks));
    if (toks == NULL) {
        return "out of memory";
    }
    *toks_out = toks; /* the caller frees it */
    rd->toks = toks;
    rd->n = n;
    jsmn_init(&p);
    if (jsmn_parse(&p, js, len, rd->toks, (unsigned)n) != n) {
        return "the body is not valid JSON";
    }
    if (rd->toks[0].type != JSMN_OBJECT) {
        return "the body must be a JSON object";
    }
    for (size_t k = (size_t)rd->toks[0].end; k < len; k++) {
        if (js[k] == '\0' || strchr(" \t\r\n", js[k]) == NULL) {
            return "the body is not valid JSON";
        }
    }
    return NULL;
}

/* An "id" member, when there is one, must be the path's id (a string). */
static bool id_matches(struct reader *rd, const char *id)
{
    int i = 1;
    for (int k = 0; k < rd->toks[0].size; k++) {
        if (!decode_string(rd, &rd->toks[i])) {
            return false;
        }
        if (tmp_is(rd, "id")) {
            const jsmntok_t *v = &rd->toks[i + 1];
            if (v->type != JSMN_STRING || !decode_string(rd, v) || !tmp_is(rd, id)) {
                rd->err = rd->err ? rd->err : "\"id\" in the body must be the id of the path";
                return false;
            }
        }
        i = skip(rd, i + 1);
    }
    return true;
}

/* The item: "id" (the path's) first, then the body's other members. */
static bool add_item(struct reader *rd, const char *id, clambda_ddb_attrs *item)
{
    if (clambda_ddb_attrs_add_s(item, "id", id) != 0) {
        return false;
    }
    int i = 1;
    for (int k = 0; k < rd->toks[0].size; k++) {
        if (!decode_string(rd, &rd->toks[i])) {
            return false;
        }
        if (tmp_is(rd, "id")) {
            i = skip(rd, i + 1);
            continue;
        }
        char *key = strdup(rd->tmp.p);
        i++;
        bool ok = key != NULL && add_value(rd, item, key, &i, 1);
        free(key);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The body as the item {id, ...}; false with a message for the client in *err. */
static bool body_to_item(const char *js, size_t len, const char *id, clambda_ddb_attrs *item,
                         const char **err)
{
    struct reader rd = {.js = js};
    jsmntok_t *toks = NULL;
    *err = parse_object(&rd, js, len, &toks);
    bool ok = *err == NULL && id_matches(&rd, id) && add_item(&rd, id, item);
    if (!ok && *err == NULL) {
        *err = rd.err ? rd.err : "out of memory";
    }
    free(toks);
    free(rd.tmp.p);
    return ok;
}

/* ---- answers ---- */

static int answer(clambda_http_response *resp, int status, struct sb *body)
{
    (void)clambda_http_response_set_status(resp, status);
    if (body == NULL || body->len == 0) {
        return CLAMBDA_OK;
    }
    if (body->oom) {
        return CLAMBDA_ENOMEM;
    }
    (void)clambda_http_response_set_header(resp, "Content-Type", "application/json");
    return clambda_http_response_set_body(resp, body->p, body->len);
}

/* {"message": msg[, "error": type]} with status. */
static int message(clambda_http_response *resp, int status, const char *type, const char *msg)
{
    struct sb b = {0};
    sb_str(&b, "{\"message\":");
    sb_json_string(&b, msg, strlen(msg));
    if (type != NULL && *type) {
        sb_str(&b, ",\"error\":");
        sb_json_string(&b, type, strlen(type));
    }
    sb_str(&b, "}");
    int rc = answer(resp, status, &b);
    free(b.p);
    return rc;
}

/* A DynamoDB call that failed (after the client's retries) as the client's answer. */
static int ddb_failed(clambda_runtime *rt, struct app *app, clambda_http_response *resp,
                      const char *op, int rc)
{
    const char *type = clambda_aws_client_error_type(app->ddb);
    const char *msg = clambda_aws_client_error_message(app->ddb);
    clambda_log(rt, CLAMBDA_LOG_ERROR, "%s: %s %s%s%s (HTTP %d, %d attempts, request id %s)", op,
                clambda_strerror(rc), type, *msg ? ": " : "", msg,
                clambda_aws_client_status(app->ddb), clambda_aws_client_attempts(app->ddb),
                clambda_aws_client_request_id(app->ddb));
    char text[512];
    if (rc == CLAMBDA_EAWS && strcmp(type, "ValidationException") == 0) {
        return message(resp, 400, type, *msg ? msg : "DynamoDB refused the item");
    }
    if (rc == CLAMBDA_ETHROTTLED) {
        (void)clambda_http_response_set_header(resp, "Retry-After", "1");
        (void)snprintf(text, sizeof(text), "DynamoDB throttled %s after %d attempts; try again", op,
                       clambda_aws_client_attempts(app->ddb));
        return message(resp, 503, *type ? type : "ThrottlingException", text);
    }
    if (rc == CLAMBDA_ETIMEDOUT) {
        (void)snprintf(text, sizeof(text), "DynamoDB did not answer %s in time", op);
        return message(resp, 504, "Timeout", text);
    }
    if (rc == CLAMBDA_EAWS && strcmp(type, "ResourceNotFoundException") == 0) {
        (void)snprintf(text, sizeof(text), "table %s not found: %s", app->table, msg);
        return message(resp, 500, type, text);
    }
    if (rc == CLAMBDA_ENOMEM) {
        return message(resp, 500, "OutOfMemory", "out of memory");
    }
    if (rc == CLAMBDA_EAWS) {
        (void)snprintf(text, sizeof(text), "DynamoDB refused %s: %s", op, msg);
    } else {
        (void)snprintf(text, sizeof(text), "calling DynamoDB %s failed: %s", op,
                       clambda_strerror(rc));
    }
    return message(resp, 502, *type ? type : "DynamoDBUnavailable", text);
}

/* ---- routes ---- */

/* key = {"id": id}; its kept error, if any, comes back from the call that uses it. */
static clambda_ddb_attrs *id_key(const char *id)
{
    clambda_ddb_attrs *key = NULL;
    if (clambda_ddb_attrs_new(&key) == 0) {
        (void)clambda_ddb_attrs_add_s(key, "id", id);
    }
    return key;
}

static int get_item(clambda_runtime *rt, struct app *app, const char *id,
                    clambda_http_response *resp)
{
    clambda_ddb_attrs *key = id_key(id);
    clambda_ddb_result *r = NULL;
    int rc = key ? clambda_ddb_get_item(app->ddb, app->table, key, 0, &r) : CLAMBDA_ENOMEM;
    clambda_ddb_attrs_free(key);
    if (rc != 0) {
        return ddb_failed(rt, app, resp, "GetItem", rc);
    }
    const clambda_ddb_value *item = clambda_ddb_result_item(r);
    if (item == NULL) {
        clambda_ddb_result_free(r);
        return message(resp, 404, NULL, "no such item");
    }
    struct sb b = {0};
    value_json(&b, item);
    clambda_ddb_result_free(r);
    rc = answer(resp, 200, &b);
    free(b.p);
    return rc;
}

static bool query_true(const clambda_http_request *req, const char *name)
{
    const char *v = clambda_http_request_query(req, name);
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static int put_item(clambda_runtime *rt, struct app *app, const clambda_http_request *req,
                    const char *id, clambda_http_response *resp)
{
    size_t len;
    const char *body = (const char *)clambda_http_request_body(req, &len);
    clambda_ddb_attrs *item = NULL;
    if (clambda_ddb_attrs_new(&item) != 0) {
        return CLAMBDA_ENOMEM;
    }
    const char *err = NULL;
    if (!body_to_item(body, len, id, item, &err)) {
        clambda_ddb_attrs_free(item);
        return message(resp, 400, "BadRequest", err);
    }
    bool overwrite = query_true(req, "overwrite");
    int rc = clambda_ddb_put_item(app->ddb, app->table, item,
                                  overwrite ? NULL : "attribute_not_exists(id)", NULL, NULL);
    if (rc == CLAMBDA_ECONDITION) {
        clambda_ddb_attrs_free(item);
        return message(resp, 409, "ConditionalCheckFailedException",
                       "the item exists; PUT with ?overwrite=1 to replace it");
    }
    if (rc != 0) {
        clambda_ddb_attrs_free(item);
        return ddb_failed(rt, app, resp, "PutItem", rc);
    }
    /* answer the item as stored (numbers as DynamoDB keeps their text) */
    size_t jlen;
    const char *json = clambda_ddb_attrs_json(item, &jlen);
    clambda_ddb_result *r = NULL;
    rc = clambda_ddb_result_parse(json, jlen, &r);
    clambda_ddb_attrs_free(item);
    if (rc != 0) {
        return rc;
    }
    struct sb b = {0};
    value_json(&b, clambda_ddb_result_item(r));
    clambda_ddb_result_free(r);
    rc = answer(resp, overwrite ? 200 : 201, &b);
    free(b.p);
    return rc;
}

static int delete_item(clambda_runtime *rt, struct app *app, const char *id,
                       clambda_http_response *resp)
{
    clambda_ddb_attrs *key = id_key(id);
    int rc =
        key ? clambda_ddb_delete_item(app->ddb, app->table, key, "attribute_exists(id)", NULL, NULL)
            : CLAMBDA_ENOMEM;
    clambda_ddb_attrs_free(key);
    if (rc == CLAMBDA_ECONDITION) {
        return message(resp, 404, NULL, "no such item");
    }
    return rc == 0 ? answer(resp, 204, NULL) : ddb_failed(rt, app, resp, "DeleteItem", rc);
}

static int list_items(clambda_runtime *rt, struct app *app, const clambda_http_request *req,
                      clambda_http_response *resp)
{
    int limit = DEFAULT_LIMIT;
    const char *l = clambda_http_request_query(req, "limit");
    if (l != NULL) {
        char *end;
        long v = strtol(l, &end, 10);
        if (*l == '\0' || *end != '\0' || v < 1 || v > MAX_LIMIT) {
            return message(resp, 400, "BadRequest", "limit must be a number from 1 to 100");
        }
        limit = (int)v;
    }
    /* ?next=<id>: the page starts after that item (a start key read back as a value) */
    clambda_ddb_result *start = NULL;
    const char *next = clambda_http_request_query(req, "next");
    int rc = 0;
    if (next != NULL) {
        clambda_ddb_attrs *key = id_key(next);
        size_t jlen;
        const char *json = key ? clambda_ddb_attrs_json(key, &jlen) : NULL;
        rc = json ? clambda_ddb_result_parse(json, jlen, &start) : CLAMBDA_ENOMEM;
        clambda_ddb_attrs_free(key);
    }
    clambda_ddb_result *page = NULL;
    rc = rc ? rc
            : clambda_ddb_scan(app->ddb, app->table, NULL, NULL, NULL, NULL, limit,
                               clambda_ddb_result_item(start), &page);
    clambda_ddb_result_free(start);
    if (rc != 0) {
        return ddb_failed(rt, app, resp, "Scan", rc);
    }
    struct sb b = {0};
    sb_str(&b, "{\"items\":[");
    for (size_t i = 0; i < clambda_ddb_result_count(page); i++) {
        sb_str(&b, i ? "," : "");
        value_json(&b, clambda_ddb_result_item_at(page, i));
    }
    sb_str(&b, "]");
    size_t nlen;
    const char *last = clambda_ddb_value_str(
        clambda_ddb_value_get(clambda_ddb_result_last_key(page), "id"), &nlen);
    if (last != NULL) {
        sb_str(&b, ",\"next\":");
        sb_json_string(&b, last, nlen);
    }
    sb_str(&b, "}");
    clambda_ddb_result_free(page);
    rc = answer(resp, 200, &b);
    free(b.p);
    return rc;
}

static int route(clambda_runtime *rt, struct app *app, const clambda_http_request *req,
                 clambda_http_response *resp)
{
    const char *method = clambda_http_request_method(req);
    const char *path = clambda_http_request_path(req);
    const char *id = clambda_http_request_path_param(req, "id");
    if (strcmp(path, "/items") == 0) {
        return strcmp(method, "GET") == 0
                   ? list_items(rt, app, req, resp)
                   : message(resp, 405, "MethodNotAllowed", "GET /items lists the items");
    }
    if (id == NULL || strncmp(path, "/items/", 7) != 0) {
        return message(resp, 404, NULL, "not found");
    }
    if (*id == '\0' || strlen(id) > MAX_ID_BYTES) {
        return message(resp, 400, "BadRequest", "an id is 1 to 1024 bytes");
    }
    if (strcmp(method, "GET") == 0) {
        return get_item(rt, app, id, resp);
    }
    if (strcmp(method, "PUT") == 0) {
        return put_item(rt, app, req, id, resp);
    }
    if (strcmp(method, "DELETE") == 0) {
        return delete_item(rt, app, id, resp);
    }
    return message(resp, 405, "MethodNotAllowed", "use GET, PUT or DELETE on /items/{id}");
}

/* ---- the function ---- */

static int init(clambda_runtime *rt, void *user)
{
    struct app *app = user;
    app->table = getenv("TABLE_NAME");
    if (app->table == NULL || *app->table == '\0') {
        clambda_log(rt, CLAMBDA_LOG_ERROR, "TABLE_NAME is not set");
        return CLAMBDA_EINVAL;
    }
    /* On Lambda the execution role's credentials are always in the environment. A local
     * DynamoDB (dynalite, DynamoDB Local: a plain http:// endpoint) accepts any keys, so a
     * local run that gives none signs with placeholder ones instead of failing. */
    const char *endpoint = getenv("AWS_ENDPOINT_URL_DYNAMODB");
    bool placeholder = getenv("AWS_ACCESS_KEY_ID") == NULL && endpoint != NULL &&
                       strncmp(endpoint, "http://", 7) == 0;
    int rc = placeholder ? clambda_aws_client_open_with("dynamodb", NULL, NULL, "local", "local",
                                                        "", &app->ddb)
                         : clambda_aws_client_open("dynamodb", &app->ddb);
    if (placeholder) {
        clambda_log(rt, CLAMBDA_LOG_INFO, "no credentials: placeholder keys for %s", endpoint);
    }
    /* 3 attempts of at most 2 s each (and the backoff) fit in the function's 10 s Timeout, so a
     * DynamoDB that does not answer gets the client a 504 rather than a timed-out function */
    rc = rc == 0 ? clambda_aws_client_set_timeout_ms(app->ddb, DDB_TIMEOUT_MS) : rc;
    if (rc == 0) {
        rc = clambda_aws_client_connect(app->ddb);
    }
    if (rc != 0) {
        clambda_log(rt, CLAMBDA_LOG_ERROR, "dynamodb client (%s): %s",
                    app->ddb ? clambda_aws_client_endpoint(app->ddb) : "not opened",
                    clambda_strerror(rc));
    }
    return rc;
}

static int handler(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    clambda_http_request *req = NULL;
    clambda_http_response *resp = NULL;
    int rc = clambda_http_request_from(inv, &req);
    if (rc == CLAMBDA_ENOTHTTP || rc == CLAMBDA_EINVAL) {
        return clambda_runtime_fail(rt, inv, "InvalidEvent", clambda_strerror(rc));
    }
    rc = rc == 0 ? clambda_http_response_new(&resp) : rc;
    rc = rc == 0 ? route(rt, user, req, resp) : rc;
    rc = rc == 0 ? clambda_http_respond(rt, inv, req, resp) : rc;
    clambda_http_response_free(resp);
    clambda_http_request_free(req);
    return rc; /* an error before respond: the loop fails the invocation */
}

int main(void)
{
    struct app app = {0};
    int rc = clambda_run_init(init, handler, &app);
    clambda_aws_client_close(app.ddb);
    return rc == 0 || rc == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
