/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request parsing on libhttp-parser: callbacks copy the request line and headers into
 * one capped buffer (NUL-separated) and the body into another; the parser is paused at the end
 * of each message so that pipelined requests are delivered one at a time. */
#include "http/http1.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CB_NONE, CB_URL, CB_FIELD, CB_VALUE };

static struct http1_parser *parser_of(http_parser *hp)
{
    return hp->data;
}

/* Appends to a capped buffer; a cap hit is remembered (the parse then fails), an allocation
 * failure aborts (server policy: xmalloc semantics). */
static int put(struct http1_parser *p, struct cl_buf *b, const void *data, size_t len)
{
    int rc = cl_buf_append(b, data, len);
    if (rc == -ENOMEM) {
        abort();
    }
    if (rc < 0) {
        p->error = rc;
        return -1;
    }
    return 0;
}

static int on_message_begin(http_parser *hp)
{
    struct http1_parser *p = parser_of(hp);
    p->last_cb = CB_NONE;
    p->started = true;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    struct http1_parser *p = parser_of(hp);
    p->last_cb = CB_URL;
    return put(p, &p->head, at, len);
}

/* Ends the current piece (url, name or value) with a NUL when the callback kind changes. */
static int terminate(struct http1_parser *p)
{
    static const char nul = '\0';
    return p->last_cb == CB_NONE ? 0 : put(p, &p->head, &nul, 1);
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct http1_parser *p = parser_of(hp);
    if (p->last_cb != CB_FIELD) {
        if (terminate(p) < 0) {
            return -1;
        }
        if (p->n_offs == HTTP1_MAX_HEADERS) {
            p->error = -E2BIG;
            return -1;
        }
        p->offs[p->n_offs].name_off = p->head.len;
        p->offs[p->n_offs].value_off = 0;
        p->n_offs++;
        p->last_cb = CB_FIELD;
    }
    return put(p, &p->head, at, len);
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct http1_parser *p = parser_of(hp);
    if (p->last_cb != CB_VALUE) {
        if (terminate(p) < 0) {
            return -1;
        }
        p->offs[p->n_offs - 1].value_off = p->head.len;
        p->last_cb = CB_VALUE;
    }
    return put(p, &p->head, at, len);
}

static void resolve_head(struct http1_parser *p);

static int on_headers_complete(http_parser *hp)
{
    struct http1_parser *p = parser_of(hp);
    if (terminate(p) < 0) {
        return -1;
    }
    p->last_cb = CB_NONE;
    p->head_done = true;
    bool chunked = (hp->flags & F_CHUNKED) != 0;
    bool has_len = !chunked && hp->content_length != ULLONG_MAX;
    p->req.content_length = has_len ? hp->content_length : UINT64_MAX;
    if (p->head_fn) {
        resolve_head(p);
        p->head_fn(p, &p->req, p->head_arg);
    }
    if (has_len && hp->content_length > p->body.max && p->body_fn == NULL) {
        p->req.body_too_large = true;
    }
    if (p->req.body_too_large) {
        return 0;
    }
    if (has_len && hp->content_length > 0 && p->body_fn == NULL &&
        cl_buf_reserve(&p->body, (size_t)hp->content_length) == -ENOMEM) {
        abort(); /* within the cap (checked above): one allocation instead of doubling */
    }
    for (size_t i = 0; i < p->n_offs; i++) {
        const char *name = (const char *)p->head.data + p->offs[i].name_off;
        const char *value = (const char *)p->head.data + p->offs[i].value_off;
        if (p->offs[i].value_off && strcasecmp(name, "expect") == 0 &&
            strcasecmp(value, "100-continue") == 0) {
            p->want_continue = true;
        }
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct http1_parser *p = parser_of(hp);
    if (p->body_fn) {
        p->body_fn((const uint8_t *)at, len, p->body_arg);
        return 0;
    }
    if (p->req.body_too_large) {
        return 0;
    }
    if (cl_buf_append(&p->body, at, len) < 0) {
        p->req.body_too_large = true; /* keep reading, discard */
        cl_buf_fini(&p->body);
        cl_buf_init(&p->body, p->body.max);
    }
    return 0;
}

/* Resolves the offsets into pointers (valid until head grows again). */
static void resolve_head(struct http1_parser *p)
{
    struct http1_request *r = &p->req;
    const char *base = cl_buf_str(&p->head);
    r->method = http_method_str((enum http_method)p->hp.method);
    r->url = base + p->url_off;
    r->n_headers = 0;
    for (size_t i = 0; i < p->n_offs; i++) {
        r->headers[i].name = base + p->offs[i].name_off;
        r->headers[i].value = p->offs[i].value_off ? base + p->offs[i].value_off : "";
        r->n_headers++;
    }
}

/* Resolves the request now that head no longer moves. */
static void finish_request(struct http1_parser *p)
{
    struct http1_request *r = &p->req;
    resolve_head(p);
    r->body = (!r->body_too_large && p->body.len) ? p->body.data : NULL;
    r->body_len = r->body ? p->body.len : 0;
    r->keep_alive = http_should_keep_alive(&p->hp) != 0;
}

static int on_message_complete(http_parser *hp)
{
    struct http1_parser *p = parser_of(hp);
    if (terminate(p) < 0) { /* a trailer value may still be open */
        return -1;
    }
    p->last_cb = CB_NONE;
    finish_request(p);
    p->complete = true;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void http1_parser_init(struct http1_parser *p, size_t max_head, size_t max_body)
{
    memset(p, 0, sizeof(*p));
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    cl_buf_init(&p->head, max_head);
    cl_buf_init(&p->body, max_body);
    p->body_max = max_body;
}

void http1_parser_set_body_max(struct http1_parser *p, size_t max)
{
    p->body.max = max;
}

void http1_parser_fini(struct http1_parser *p)
{
    if (p == NULL) {
        return;
    }
    cl_buf_fini(&p->head);
    cl_buf_fini(&p->body);
}

int http1_parser_feed(struct http1_parser *p, const uint8_t *data, size_t len, size_t *consumed)
{
    *consumed = 0;
    if (p->complete) {
        return 1;
    }
    size_t n = http_parser_execute(&p->hp, &settings, (const char *)data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
    *consumed = n;
    if (p->hp.upgrade) {
        return -EBADMSG; /* no Upgrade or CONNECT tunnels */
    }
    if (p->complete) {
        return 1;
    }
    if (p->error) {
        return p->error;
    }
    if (e != HPE_OK) {
        return e == HPE_HEADER_OVERFLOW ? -E2BIG : -EBADMSG;
    }
    return 0;
}

const char *http1_parser_error(const struct http1_parser *p)
{
    if (p->hp.upgrade) {
        return "Upgrade and CONNECT requests are not supported";
    }
    return http_errno_description(HTTP_PARSER_ERRNO(&p->hp));
}

void http1_parser_next(struct http1_parser *p)
{
    cl_buf_reset(&p->head);
    if (p->body.cap > (size_t)64 * 1024) {
        cl_buf_fini(&p->body); /* do not keep a 6 MB buffer per idle connection */
        cl_buf_init(&p->body, p->body_max);
    }
    cl_buf_reset(&p->body);
    p->body.max = p->body_max;
    p->n_offs = 0;
    p->url_off = 0;
    p->last_cb = CB_NONE;
    p->error = 0;
    p->complete = false;
    p->started = false;
    p->head_done = false;
    p->want_continue = false;
    p->body_fn = NULL;
    p->body_arg = NULL;
    memset(&p->req, 0, sizeof(p->req));
    http_parser_pause(&p->hp, 0);
}

bool http1_parser_take_continue(struct http1_parser *p)
{
    bool want = p->want_continue;
    p->want_continue = false;
    return want && !p->req.body_too_large;
}

uint8_t *http1_parser_take_body(struct http1_parser *p, size_t *len)
{
    uint8_t *b = p->req.body ? p->body.data : NULL;
    *len = b ? p->body.len : 0;
    if (b) {
        size_t max = p->body.max;
        p->body.data = NULL; /* cl_buf_init below must not free it */
        cl_buf_init(&p->body, max);
    }
    p->req.body = NULL;
    p->req.body_len = 0;
    return b;
}

void http1_parser_set_head_hook(struct http1_parser *p, http1_head_fn *fn, void *arg)
{
    p->head_fn = fn;
    p->head_arg = arg;
}

void http1_parser_stream_body(struct http1_parser *p, http1_body_fn *fn, void *arg)
{
    p->body_fn = fn;
    p->body_arg = arg;
}

const char *http1_header(const struct http1_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}
