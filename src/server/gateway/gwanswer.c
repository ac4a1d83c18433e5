/* SPDX-License-Identifier: MIT */
/* Function URL answers from results, preludes and Cors settings; see gwanswer.h. */
#include "gateway/gwanswer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "cl_b64.h"

void gwanswer_init(struct gwanswer *a)
{
    memset(a, 0, sizeof(*a));
    a->status = 200;
}

void gwanswer_fini(struct gwanswer *a)
{
    if (a == NULL) {
        return;
    }
    for (size_t i = 0; i < a->n_headers; i++) {
        free((char *)(uintptr_t)a->headers[i].name);
        free((char *)(uintptr_t)a->headers[i].value);
    }
    free(a->body);
    gwanswer_init(a);
}

void gwanswer_set_header(struct gwanswer *a, const char *name, const char *value)
{
    if (strcasecmp(name, "Set-Cookie") != 0) {
        for (size_t i = 0; i < a->n_headers; i++) {
            if (strcasecmp(a->headers[i].name, name) == 0) {
                free((char *)(uintptr_t)a->headers[i].value);
                a->headers[i].value = xstrdup(value);
                return;
            }
        }
    }
    if (a->n_headers < GWANSWER_MAX_HEADERS) {
        a->headers[a->n_headers++] = (struct httpd_header){xstrdup(name), xstrdup(value)};
    }
}

void gwanswer_add_header(struct gwanswer *a, const char *name, const char *value)
{
    if (a->n_headers < GWANSWER_MAX_HEADERS) {
        a->headers[a->n_headers++] = (struct httpd_header){xstrdup(name), xstrdup(value)};
    }
}

const char *gwanswer_header(const struct gwanswer *a, const char *name)
{
    for (size_t i = 0; i < a->n_headers; i++) {
        if (strcasecmp(a->headers[i].name, name) == 0) {
            return a->headers[i].value;
        }
    }
    return NULL;
}

/* True when a header value would break the response head (CR, LF or NUL are not sent). */
static bool unsafe(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

/* The text of a header value: strings as they are, numbers and booleans as JSON writes them.
 * Caller frees; NULL for anything else. */
static char *value_text(json_t *v)
{
    if (json_is_string(v)) {
        return xstrdup(json_string_value(v));
    }
    if (json_is_number(v) || json_is_boolean(v)) {
        return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    }
    return NULL;
}

/* statusCode, headers and cookies of an object (a response or a prelude). */
static int head_from(json_t *o, struct gwanswer *a)
{
    json_t *sc = json_object_get(o, "statusCode");
    json_t *hs = json_object_get(o, "headers");
    json_t *cookies = json_object_get(o, "cookies");
    if (sc &&
        (!json_is_integer(sc) || json_integer_value(sc) < 100 || json_integer_value(sc) > 599)) {
        return -EBADMSG;
    }
    if ((hs && !json_is_object(hs) && !json_is_null(hs)) ||
        (cookies && !json_is_array(cookies) && !json_is_null(cookies))) {
        return -EBADMSG;
    }
    a->status = sc ? (int)json_integer_value(sc) : 200;
    const char *k;
    json_t *v;
    json_object_foreach(hs, k, v)
    {
        char *text = value_text(v);
        if (text && !unsafe(k) && !unsafe(text) && strcasecmp(k, "Content-Length") != 0 &&
            strcasecmp(k, "Transfer-Encoding") != 0 && strcasecmp(k, "Connection") != 0) {
            gwanswer_set_header(a, k, text);
        }
        free(text);
    }
    size_t i;
    json_array_foreach(cookies, i, v)
    {
        if (json_is_string(v) && !unsafe(json_string_value(v))) {
            gwanswer_set_header(a, "Set-Cookie", json_string_value(v));
        }
    }
    return 0;
}

static void set_body(struct gwanswer *a, const void *p, size_t len)
{
    free(a->body);
    a->body = NULL;
    a->body_len = len;
    if (len > 0) {
        a->body = xmalloc(len);
        memcpy(a->body, p, len);
    }
}

/* The structured form: statusCode, headers, cookies, body, isBase64Encoded. */
static int structured(json_t *o, struct gwanswer *a)
{
    int rc = head_from(o, a);
    if (rc < 0) {
        return rc;
    }
    json_t *body = json_object_get(o, "body");
    if (json_is_string(body) && json_is_true(json_object_get(o, "isBase64Encoded"))) {
        struct cl_buf dec;
        cl_buf_init(&dec, (size_t)-1);
        if (cl_b64_decode(&dec, (const uint8_t *)json_string_value(body),
                          json_string_length(body)) < 0) {
            cl_buf_fini(&dec);
            return -EBADMSG;
        }
        set_body(a, dec.data, dec.len);
        cl_buf_fini(&dec);
    } else if (json_is_string(body)) {
        set_body(a, json_string_value(body), json_string_length(body));
    } else if (body && !json_is_null(body)) {
        char *text = json_dumps(body, JSON_ENCODE_ANY | JSON_COMPACT);
        set_body(a, text, text ? strlen(text) : 0);
        free(text);
    }
    if (gwanswer_header(a, "Content-Type") == NULL) {
        gwanswer_set_header(a, "Content-Type", "application/json");
    }
    return 0;
}

int gwanswer_from_result(const uint8_t *out, size_t len, struct gwanswer *a)
{
    json_error_t jerr;
    json_t *v = len ? json_loadb((const char *)out, len, JSON_DECODE_ANY, &jerr) : NULL;
    int rc = 0;
    if (json_is_object(v) && json_object_get(v, "statusCode")) {
        rc = structured(v, a);
    } else {
        /* inference: the output itself is the body of a 200 (also when it is not JSON) */
        a->status = 200;
        gwanswer_set_header(a, "Content-Type", "application/json");
        set_body(a, out, len);
    }
    json_decref(v);
    return rc;
}

/* multiValueHeaders of a 1.0 response: every value its own header line, after those of
 * headers (API Gateway merges the two maps). */
static int multi_headers(json_t *mv, struct gwanswer *a)
{
    if (mv && !json_is_object(mv) && !json_is_null(mv)) {
        return -EBADMSG;
    }
    const char *k;
    json_t *list;
    json_object_foreach(mv, k, list)
    {
        if (!json_is_array(list) || unsafe(k) || strcasecmp(k, "Content-Length") == 0 ||
            strcasecmp(k, "Transfer-Encoding") == 0 || strcasecmp(k, "Connection") == 0) {
            continue;
        }
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            char *text = value_text(v);
            if (text && !unsafe(text)) {
                gwanswer_add_header(a, k, text);
            }
            free(text);
        }
    }
    return 0;
}

int gwanswer_from_result_v1(const uint8_t *out, size_t len, struct gwanswer *a)
{
    json_error_t jerr;
    json_t *v = len ? json_loadb((const char *)out, len, 0, &jerr) : NULL;
    json_t *body = json_object_get(v, "body");
    json_t *sc = json_object_get(v, "statusCode");
    int rc = -EBADMSG;
    /* 1.0 infers nothing: a response without statusCode, or with a body that is not a
     * string, is malformed (API Gateway's "Malformed Lambda proxy response") */
    if (json_is_object(v) && json_is_integer(sc) &&
        (body == NULL || json_is_string(body) || json_is_null(body))) {
        json_t *no_cookies = json_deep_copy(v);
        (void)json_object_del(no_cookies, "cookies"); /* not a 1.0 member */
        rc = structured(no_cookies, a);
        rc = rc == 0 ? multi_headers(json_object_get(v, "multiValueHeaders"), a) : rc;
        json_decref(no_cookies);
    }
    json_decref(v);
    return rc;
}

long gwanswer_prelude_end(const uint8_t *buf, size_t len, size_t *prelude_len)
{
    size_t run = 0;
    for (size_t i = 0; i < len && i < GWANSWER_PRELUDE_MAX + 8; i++) {
        run = buf[i] == 0 ? run + 1 : 0;
        if (run == 8) {
            *prelude_len = i + 1 - 8;
            return (long)(i + 1);
        }
    }
    return len >= GWANSWER_PRELUDE_MAX + 8 ? -E2BIG : -EAGAIN;
}

int gwanswer_from_prelude(const uint8_t *prelude, size_t len, struct gwanswer *a)
{
    json_error_t jerr;
    json_t *v = json_loadb((const char *)prelude, len, 0, &jerr);
    int rc = json_is_object(v) ? head_from(v, a) : -EBADMSG;
    json_decref(v);
    return rc;
}

/* ---- CORS ------------------------------------------------------------------------------- */

bool gwanswer_cors_enabled(const json_t *cors)
{
    return json_is_object(cors) && json_object_size(cors) > 0;
}

/* The strings of list joined with ", "; NULL when the list is empty or absent. */
static char *joined(const json_t *list)
{
    struct cl_buf b;
    cl_buf_init(&b, (size_t)64 * 1024);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && !unsafe(json_string_value(v))) {
            (void)cl_buf_printf(&b, "%s%s", b.len ? "," : "", json_string_value(v));
        }
    }
    char *s = b.len ? xstrdup(cl_buf_str(&b)) : NULL;
    cl_buf_fini(&b);
    return s;
}

static bool lists(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcasecmp(json_string_value(v), s) == 0) {
            return true;
        }
    }
    return false;
}

static void set_joined(struct gwanswer *a, const char *name, const json_t *list)
{
    char *s = joined(list);
    if (s) {
        gwanswer_set_header(a, name, s);
        free(s);
    }
}

void gwanswer_cors(const json_t *cors, const struct gwanswer_cors_request *rq, struct gwanswer *a)
{
    if (!gwanswer_cors_enabled(cors)) {
        return;
    }
    const json_t *origins = json_object_get(cors, "AllowOrigins");
    const char *allow = NULL;
    if (rq->origin && lists(origins, rq->origin)) {
        allow = rq->origin;
    } else if (lists(origins, "*")) {
        allow = "*";
    }
    if (allow == NULL || unsafe(allow)) {
        return;
    }
    gwanswer_set_header(a, "Access-Control-Allow-Origin", allow);
    if (strcmp(allow, "*") != 0) {
        gwanswer_set_header(a, "Vary", "Origin");
    }
    if (json_is_true(json_object_get(cors, "AllowCredentials"))) {
        gwanswer_set_header(a, "Access-Control-Allow-Credentials", "true");
    }
    set_joined(a, "Access-Control-Expose-Headers", json_object_get(cors, "ExposeHeaders"));
    if (!rq->is_preflight) {
        return;
    }
    set_joined(a, "Access-Control-Allow-Methods", json_object_get(cors, "AllowMethods"));
    set_joined(a, "Access-Control-Allow-Headers", json_object_get(cors, "AllowHeaders"));
    json_t *age = json_object_get(cors, "MaxAge");
    if (json_is_integer(age)) {
        char text[32];
        (void)snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(age));
        gwanswer_set_header(a, "Access-Control-Max-Age", text);
    }
}
