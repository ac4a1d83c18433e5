/* SPDX-License-Identifier: MIT */
/* Incremental HTTP/1.1 request parser on libhttp-parser, with hard caps: the request line plus
 * headers (and trailers) are copied into one capped buffer, the body into another. A body over
 * its cap does not fail the parse: it is read and discarded and the request is delivered with
 * body_too_large set, so the server can answer 413 in the caller's own error shape and keep the
 * connection. A body with a Content-Length within its cap gets its buffer in one allocation when
 * the head is complete (no doubling and copying as it arrives). No libuv here: the parser is a pure
 * function of its input (unit and fuzz tests). */
#ifndef CLAMBDA_SERVER_HTTP1_H
#define CLAMBDA_SERVER_HTTP1_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* Most header (and trailer) lines accepted in one request; more is -E2BIG. */
#define HTTP1_MAX_HEADERS 100
/* Default cap on the request line plus all header bytes. */
#define HTTP1_MAX_HEAD ((size_t)64 * 1024)

/* One header line; name and value are NUL-terminated and point into the parser. */
struct http1_header {
    const char *name;
    const char *value;
};

/* A parsed request; every pointer is borrowed from the parser and valid until
 * http1_parser_next() or http1_parser_fini(). */
struct http1_request {
    const char *method;                             /* "GET", "POST", ... */
    const char *url;                                /* raw request target, not decoded */
    struct http1_header headers[HTTP1_MAX_HEADERS]; /* headers, then trailers */
    size_t n_headers;
    const uint8_t *body; /* NULL when empty or too large */
    size_t body_len;
    uint64_t content_length; /* announced length; UINT64_MAX when absent or chunked */
    bool keep_alive;
    bool body_too_large; /* body exceeded max_body and was discarded */
};

/* Offsets of one header inside head (pointers are resolved when the request completes,
 * because head may move as it grows). */
struct http1_hdr_off {
    size_t name_off;
    size_t value_off;
};

struct http1_parser;
/* Called once the head of a request is parsed (before its body); req's method, url and headers
 * are valid during the call only. The hook may call http1_parser_stream_body(). */
typedef void http1_head_fn(struct http1_parser *p, const struct http1_request *req, void *arg);
/* Receives body bytes as they are parsed (streamed bodies). */
typedef void http1_body_fn(const uint8_t *data, size_t len, void *arg);

/* Parser state; embed it and call http1_parser_init(). */
struct http1_parser {
    http_parser hp;
    struct cl_buf head; /* url\0name\0value\0name\0value\0... */
    struct cl_buf body;
    size_t url_off;
    struct http1_hdr_off offs[HTTP1_MAX_HEADERS];
    size_t n_offs;
    int last_cb; /* 0 none, 1 url, 2 field, 3 value */
    int error;   /* first cap error seen in a callback (-E2BIG) */
    bool complete;
    bool started;       /* the current request's first byte was parsed */
    bool head_done;     /* the current request's head is parsed (its body may follow) */
    bool want_continue; /* "Expect: 100-continue" seen and not yet taken */
    http1_head_fn *head_fn;
    void *head_arg;
    size_t body_max;        /* the body cap every request starts with */
    http1_body_fn *body_fn; /* this request's body goes here instead of into body */
    void *body_arg;
    struct http1_request req;
};

/* Initialises p in caller storage: the head may hold max_head bytes, the body max_body. */
void http1_parser_init(struct http1_parser *p, size_t max_head, size_t max_body);
/* Frees the buffers. NULL is a no-op. */
void http1_parser_fini(struct http1_parser *p);
/* Sets the current request's body cap (from the head hook, before any body byte); the next
 * request starts with the cap given to http1_parser_init again. */
void http1_parser_set_body_max(struct http1_parser *p, size_t max);

/* Feeds len bytes. OUT: *consumed = bytes used (all of them unless a request completed).
 * Returns 1 when a request is complete (read it from p->req; the rest of data belongs to the
 * next request: call http1_parser_next() first), 0 when more input is needed, -EBADMSG for
 * malformed input or -E2BIG when the head or header count exceeds its cap. After an error the
 * connection must be closed. */
int http1_parser_feed(struct http1_parser *p, const uint8_t *data, size_t len, size_t *consumed);
/* After http1_parser_feed() failed with -EBADMSG: what was wrong, as text for an error body
 * (static storage). */
const char *http1_parser_error(const struct http1_parser *p);
/* Prepares for the next request on a keep-alive connection (invalidates p->req). */
void http1_parser_next(struct http1_parser *p);
/* True once per request when the client sent "Expect: 100-continue" and its headers are
 * complete: the caller should write an interim 100 response (unless it will answer 413). */
bool http1_parser_take_continue(struct http1_parser *p);
/* Takes the body out of the parser. OUT: *len. The caller owns the result (free()); NULL when
 * there is no body. p->req.body becomes NULL. */
uint8_t *http1_parser_take_body(struct http1_parser *p, size_t *len);

/* Sets a hook called at the end of every request head (NULL removes it). */
void http1_parser_set_head_hook(struct http1_parser *p, http1_head_fn *fn, void *arg);
/* From inside the head hook: the current request's body is passed to fn as it is parsed, with
 * no size cap, instead of being buffered (req.body stays NULL; trailers still arrive in
 * req.headers when the request completes). Reset by http1_parser_next(). */
void http1_parser_stream_body(struct http1_parser *p, http1_body_fn *fn, void *arg);

/* Value of the first header named name (ASCII case-insensitive) in req, or NULL. */
const char *http1_header(const struct http1_request *req, const char *name);

#endif /* CLAMBDA_SERVER_HTTP1_H */
