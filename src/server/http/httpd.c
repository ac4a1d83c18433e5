/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 server connections on libuv. Per connection: a parser, a buffer of unparsed input
 * (pipelined bytes that arrived while a request was being answered) and at most one request in
 * flight. Lifetime rules: a connection is freed only in its uv_close callback, and the server
 * only when its listener and every connection have been closed. */
#include "http/httpd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Unparsed input kept per connection while a request is in flight. */
#define HTTPD_MAX_PENDING_INPUT ((size_t)256 * 1024)
#define HTTPD_READ_BUF          ((size_t)64 * 1024)

struct httpd {
    uv_tcp_t tcp;
    struct httpd_config cfg;
    httpd_request_fn *fn;
    httpd_head_fn *head_fn;
    httpd_accept_fn *accept_fn;
    void *user;
    struct httpd_conn *conns;
    size_t n_conns;
    size_t n_refused; /* connections closed at accept since the cap was reached */
    bool at_cap;      /* the cap was reached and logged; reset below 90% of it */
    bool closing;
    bool listener_closed;
};

/* One read buffer for every connection of every listener: the loop runs on one thread and
 * libuv calls alloc_cb and read_cb back to back for one stream, and on_read copies what it
 * keeps. A buffer per listener cost 64 KiB of RSS per execution environment. */
static char readbuf[HTTPD_READ_BUF];

/* What a connection's timer is measuring. */
enum conn_phase {
    PHASE_NONE, /* the server's turn: a request being answered, or reading paused */
    PHASE_HEAD, /* a request's head is arriving (or a new connection's first request) */
    PHASE_BODY, /* a buffered request body is arriving */
    PHASE_IDLE  /* a keep-alive connection between requests */
};

struct httpd_conn {
    uv_tcp_t tcp;
    uv_timer_t timer; /* the phase's timeout: a heap entry in libuv, cheap when idle */
    struct httpd *srv;
    struct httpd_conn *prev, *next;
    struct http1_parser parser;
    struct cl_buf inbuf;
    bool pending;    /* request handed to the handler, not yet answered */
    bool writing;    /* a response is being written */
    bool closing;    /* uv_close called */
    bool keep_alive; /* of the current request */
    bool reading;
    bool read_paused;    /* httpd_conn_pause_read */
    bool body_streaming; /* the current request's body goes to body_fn */
    bool streaming;      /* a chunked response is open */
    bool want_drain;     /* a stream write returned 1 */
    bool need_reset;     /* answered without a write callback: reset the parser before input */
    bool served;         /* a request was delivered: waiting for another is idle time */
    char peer[64];       /* httpd_conn_peer's text, "" until first asked for */
    enum conn_phase phase;
    int n_handles; /* tcp and timer, until both close callbacks ran */
    size_t queued; /* bytes handed to uv_write, not yet written */
    httpd_abort_fn *abort_fn;
    void *abort_arg;
    httpd_body_fn *body_fn;
    void *body_arg;
    httpd_drain_fn *drain_fn;
    void *drain_arg;
};

struct write_req {
    uv_write_t req;
    struct httpd_conn *conn;
    uint8_t *data; /* written first, then body (both freed once written) */
    uint8_t *body; /* NULL, or a response body taken from the handler */
    size_t len;    /* bytes of both */
    bool is_final; /* the response (not a 100 Continue or a chunk) */
};

static void maybe_free_server(struct httpd *s)
{
    if (s->closing && s->listener_closed && s->n_conns == 0) {
        free(s);
    }
}

/* The refusals of a burst at the cap are logged once, when it starts and when it ends. */
static void note_cap_end(struct httpd *s)
{
    if (s->at_cap && s->n_conns < s->cfg.max_conns - s->cfg.max_conns / 10) {
        log_warn("%s: below the connection cap again; %zu connections were refused", s->cfg.server,
                 s->n_refused);
        s->at_cap = false;
        s->n_refused = 0;
    }
}

static void on_conn_close(uv_handle_t *h)
{
    struct httpd_conn *c = h->data;
    struct httpd *s = c->srv;
    if (--c->n_handles > 0) {
        return;
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        s->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    http1_parser_fini(&c->parser);
    cl_buf_fini(&c->inbuf);
    free(c);
    s->n_conns--;
    note_cap_end(s);
    maybe_free_server(s);
}

static void conn_close(struct httpd_conn *c)
{
    if (c->closing) {
        return;
    }
    c->closing = true;
    if ((c->pending || c->body_streaming) && c->abort_fn) {
        httpd_abort_fn *fn = c->abort_fn;
        c->abort_fn = NULL;
        fn(c, c->abort_arg);
    }
    c->pending = false;
    c->body_streaming = false;
    c->streaming = false;
    uv_close((uv_handle_t *)&c->timer, on_conn_close);
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
}

static uint64_t phase_timeout(const struct httpd_conn *c, enum conn_phase ph)
{
    const struct httpd_config *cfg = &c->srv->cfg;
    switch (ph) {
    case PHASE_HEAD:
        return cfg->header_timeout_ms ? cfg->header_timeout_ms : HTTPD_HEADER_TIMEOUT_MS;
    case PHASE_BODY:
        return cfg->body_timeout_ms ? cfg->body_timeout_ms : HTTPD_BODY_TIMEOUT_MS;
    case PHASE_IDLE:
        return cfg->idle_timeout_ms ? cfg->idle_timeout_ms : HTTPD_IDLE_TIMEOUT_MS;
    default:
        return HTTPD_NO_TIMEOUT;
    }
}

/* Where c is, from its state: only the client's turns are timed. */
static enum conn_phase conn_phase_of(const struct httpd_conn *c)
{
    if (c->pending || c->writing || c->streaming || c->read_paused || c->body_streaming) {
        return PHASE_NONE;
    }
    if (c->need_reset || !c->parser.started) {
        return c->served ? PHASE_IDLE : PHASE_HEAD;
    }
    return c->parser.head_done ? PHASE_BODY : PHASE_HEAD;
}

static void on_timeout(uv_timer_t *t)
{
    static const char *const names[] = {"", "header", "body", "idle"};
    struct httpd_conn *c = t->data;
    log_debug("%s: %s timeout: connection closed", c->srv->cfg.server, names[c->phase]);
    conn_close(c);
}

/* Sets c's timer after a change of state; progress: input arrived. A head's timeout runs from
 * its first byte, not from each read (a client sending a byte at a time is still cut); a
 * body's restarts at each read. */
static void conn_arm(struct httpd_conn *c, bool progress)
{
    if (c->closing) {
        return;
    }
    enum conn_phase ph = conn_phase_of(c);
    if (ph == c->phase && !(ph == PHASE_BODY && progress)) {
        return;
    }
    c->phase = ph;
    uint64_t ms = phase_timeout(c, ph);
    if (ms == HTTPD_NO_TIMEOUT) {
        (void)uv_timer_stop(&c->timer);
    } else {
        (void)uv_timer_start(&c->timer, on_timeout, ms, 0);
    }
}

static void on_write(uv_write_t *w, int status);

/* Queues data[0..len), then body[off..off+body_len) when body is not NULL; takes both. */
static void write_two(struct httpd_conn *c, uint8_t *data, size_t len, uint8_t *body, size_t off,
                      size_t body_len, bool is_final)
{
    struct write_req *w = xmalloc(sizeof(*w));
    w->conn = c;
    w->data = data;
    w->body = body;
    w->len = len + body_len;
    w->is_final = is_final;
    c->queued += w->len;
    uv_buf_t b[2] = {uv_buf_init((char *)data, (unsigned)len),
                     uv_buf_init(body ? (char *)body + off : NULL, (unsigned)body_len)};
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, b, body ? 2 : 1, on_write);
    if (rc < 0) {
        c->queued -= w->len;
        free(data);
        free(body);
        free(w);
        conn_close(c);
    }
}

static void write_raw(struct httpd_conn *c, uint8_t *data, size_t len, bool is_final)
{
    write_two(c, data, len, NULL, 0, 0, is_final);
}

static void append_head(struct cl_buf *b, int status, const struct httpd_header *hdrs,
                        size_t n_hdrs, size_t len, bool keep_alive);

/* Answers input the parser refused, in AWS's error shape, and closes c once it is written. */
static void bad_request(struct httpd_conn *c, int err)
{
    bool too_big = err == -E2BIG;
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"Type\":\"User\",\"message\":\"%s%s\"}",
                     too_big ? "Request header fields too large" : "Malformed HTTP request: ",
                     too_big ? "" : http1_parser_error(&c->parser));
    size_t len = n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0;
    const struct httpd_header h[] = {
        {"Content-Type", "application/json"},
        {"x-amzn-ErrorType",
         too_big ? "RequestHeaderFieldsTooLargeException" : "BadRequestException"}};
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    append_head(&b, too_big ? 431 : 400, h, 2, len, false);
    if (cl_buf_append(&b, body, len) < 0) {
        abort(); /* unbounded buffer: only ENOMEM */
    }
    c->keep_alive = false;
    c->writing = true;
    write_raw(c, b.data, b.len, true);
}

/* A response that went out in httpd_respond() leaves the parser (and so the request the
 * handler may still read until it returns) as it was; it is reset before the next input. */
static void reset_if_answered(struct httpd_conn *c)
{
    if (c->need_reset) {
        c->need_reset = false;
        http1_parser_next(&c->parser);
    }
}

/* Parses data; on a complete request keeps the rest in inbuf and calls the handler. Returns
 * true when a request was delivered (the caller stops feeding). */
static bool feed(struct httpd_conn *c, const uint8_t *data, size_t len, size_t *used)
{
    int rc = http1_parser_feed(&c->parser, data, len, used);
    if (rc < 0) {
        bad_request(c, rc);
        return true;
    }
    if (http1_parser_take_continue(&c->parser)) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        write_raw(c, (uint8_t *)xstrndup(cont, sizeof(cont) - 1), sizeof(cont) - 1, false);
    }
    if (rc == 0) {
        return false;
    }
    c->pending = true;
    c->served = true;
    c->body_streaming = false;
    c->keep_alive = c->parser.req.keep_alive;
    c->abort_fn = NULL;
    conn_arm(c, false); /* stopped: an answer given at once must start a new idle time */
    c->srv->fn(c, &c->parser.req, c->srv->user);
    return true;
}

/* Feeds the buffered input until a request is delivered or the input runs out. */
static void process_inbuf(struct httpd_conn *c)
{
    while (c->inbuf.len > 0 && !c->pending && !c->writing && !c->closing) {
        size_t used = 0;
        reset_if_answered(c);
        bool delivered = feed(c, c->inbuf.data, c->inbuf.len, &used);
        cl_buf_consume(&c->inbuf, used);
        if (delivered) {
            break;
        }
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(readbuf, sizeof(readbuf));
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct httpd_conn *c = st->data;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0 || c->closing) {
        return;
    }
    const uint8_t *data = (const uint8_t *)buf->base;
    size_t len = (size_t)nread;
    if (c->pending || c->writing || c->inbuf.len > 0) {
        if (cl_buf_append(&c->inbuf, data, len) < 0) {
            conn_close(c); /* a client piling up input while it waits: drop it */
            return;
        }
        process_inbuf(c);
        conn_arm(c, true);
        return;
    }
    size_t used = 0;
    reset_if_answered(c);
    if (feed(c, data, len, &used) && used < len && !c->closing) {
        if (cl_buf_append(&c->inbuf, data + used, len - used) < 0) {
            conn_close(c);
            return;
        }
        process_inbuf(c); /* pipelined after a request answered at once */
    }
    conn_arm(c, true);
}

static void after_response(struct httpd_conn *c)
{
    if (!c->keep_alive) {
        conn_close(c);
        return;
    }
    http1_parser_next(&c->parser);
    process_inbuf(c);
}

static void on_write(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct httpd_conn *c = wr->conn;
    bool is_final = wr->is_final;
    c->queued -= wr->len;
    free(wr->data);
    free(wr->body);
    free(wr);
    if (c->closing) {
        return;
    }
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->want_drain && c->queued <= HTTPD_STREAM_LOW_WATER) {
        c->want_drain = false;
        if (c->drain_fn) {
            c->drain_fn(c, c->drain_arg);
            return; /* c may have ended its stream; is_final writes never set want_drain */
        }
    }
    if (is_final) {
        c->writing = false;
        after_response(c);
    }
    conn_arm(c, false);
}

/* The Date header's value (RFC 9110 IMF-fixdate), formatted once per second per thread: every
 * answer carries it (AWS's do, and clients' clock-skew checks read it). */
static const char *http_date(void)
{
    static _Thread_local char text[40];
    static _Thread_local time_t at = -1;
    time_t now = time(NULL);
    if (now != at) {
        struct tm tm;
        (void)gmtime_r(&now, &tm);
        (void)strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        at = now;
    }
    return text;
}

/* len SIZE_MAX: chunked. */
static void append_head(struct cl_buf *b, int status, const struct httpd_header *hdrs,
                        size_t n_hdrs, size_t len, bool keep_alive)
{
    int rc = cl_buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, httpd_reason(status),
                           http_date());
    if (rc == 0 && len == SIZE_MAX) {
        rc = cl_buf_append_str(b, "Transfer-Encoding: chunked\r\n");
    } else if (rc == 0 && status != 204) { /* RFC 9110: no Content-Length in a 204 */
        rc = cl_buf_printf(b, "Content-Length: %zu\r\n", len);
    }
    for (size_t i = 0; rc == 0 && i < n_hdrs; i++) {
        rc = cl_buf_printf(b, "%s: %s\r\n", hdrs[i].name, hdrs[i].value);
    }
    if (rc == 0 && !keep_alive) {
        rc = cl_buf_append_str(b, "Connection: close\r\n");
    }
    if (rc == 0) {
        rc = cl_buf_append_str(b, "\r\n");
    }
    if (rc < 0) {
        abort(); /* unbounded buffer: only ENOMEM */
    }
}

/* httpd_respond, with the body taken (owned) or copied on a partial write (owned NULL). */
static void respond(struct httpd_conn *c, int status, const struct httpd_header *hdrs,
                    size_t n_hdrs, const void *body, size_t len, uint8_t *owned)
{
    if (c->closing || !c->pending) {
        free(owned);
        return;
    }
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    append_head(&b, status, hdrs, n_hdrs, len, c->keep_alive);
    c->pending = false;
    c->abort_fn = NULL;
    /* Fast path: head and body straight to the socket, no copy of the body, no write request
     * and no callback (which also spares libuv two epoll_ctl calls per response). Only when no
     * pipelined input waits, since that is processed from the write callback. */
    uv_buf_t bufs[2] = {uv_buf_init((char *)b.data, (unsigned)b.len),
                        uv_buf_init((char *)(uintptr_t)body, (unsigned)len)};
    size_t total = b.len + len;
    int n =
        c->inbuf.len == 0 ? uv_try_write((uv_stream_t *)&c->tcp, bufs, len > 0 ? 2 : 1) : UV_EAGAIN;
    size_t done = n > 0 ? (size_t)n : 0;
    if (done == total) {
        cl_buf_fini(&b);
        free(owned);
        if (c->keep_alive) {
            c->need_reset = true;
            conn_arm(c, false);
        } else {
            conn_close(c);
        }
        return;
    }
    size_t head_done = done < b.len ? done : b.len;
    size_t body_done = done - head_done;
    c->writing = true;
    conn_arm(c, false);
    if (owned) { /* the rest of the head, then the body where the socket left it */
        memmove(b.data, b.data + head_done, b.len - head_done);
        write_two(c, b.data, b.len - head_done, owned, body_done, len - body_done, true);
        return;
    }
    /* The rest (all of it, usually) in one buffer through uv_write. */
    uint8_t *rest = xmalloc(total - done);
    memcpy(rest, b.data + head_done, b.len - head_done);
    if (body != NULL && len > body_done) {
        memcpy(rest + b.len - head_done, (const uint8_t *)body + body_done, len - body_done);
    }
    cl_buf_fini(&b);
    write_raw(c, rest, total - done, true);
}

void httpd_respond(struct httpd_conn *c, int status, const struct httpd_header *hdrs, size_t n_hdrs,
                   const void *body, size_t len)
{
    respond(c, status, hdrs, n_hdrs, body, len, NULL);
}

void httpd_respond_take(struct httpd_conn *c, int status, const struct httpd_header *hdrs,
                        size_t n_hdrs, void *body, size_t len)
{
    respond(c, status, hdrs, n_hdrs, body, len, body);
}

int httpd_stream_start(struct httpd_conn *c, int status, const struct httpd_header *hdrs,
                       size_t n_hdrs)
{
    if (c->closing || !c->pending || c->streaming) {
        return -EPIPE;
    }
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    append_head(&b, status, hdrs, n_hdrs, SIZE_MAX, c->keep_alive);
    c->streaming = true;
    write_raw(c, b.data, b.len, false);
    return c->closing ? -EPIPE : 0;
}

int httpd_stream_write(struct httpd_conn *c, const void *data, size_t len)
{
    if (c->closing || !c->streaming) {
        return -EPIPE;
    }
    if (len == 0) {
        return c->queued > HTTPD_STREAM_HIGH_WATER ? 1 : 0;
    }
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    if (cl_buf_printf(&b, "%zx\r\n", len) < 0 || cl_buf_append(&b, data, len) < 0 ||
        cl_buf_append_str(&b, "\r\n") < 0) {
        abort(); /* unbounded buffer: only ENOMEM */
    }
    write_raw(c, b.data, b.len, false);
    if (c->closing) {
        return -EPIPE;
    }
    if (c->queued > HTTPD_STREAM_HIGH_WATER) {
        c->want_drain = true;
        return 1;
    }
    return 0;
}

void httpd_stream_set_drain(struct httpd_conn *c, httpd_drain_fn *fn, void *arg)
{
    c->drain_fn = fn;
    c->drain_arg = arg;
}

size_t httpd_stream_queued(const struct httpd_conn *c)
{
    return c->queued;
}

void httpd_stream_end(struct httpd_conn *c, const struct httpd_header *trailers, size_t n)
{
    if (c->closing || !c->streaming) {
        return;
    }
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    int rc = cl_buf_append_str(&b, "0\r\n");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = cl_buf_printf(&b, "%s: %s\r\n", trailers[i].name, trailers[i].value);
    }
    if (rc < 0 || cl_buf_append_str(&b, "\r\n") < 0) {
        abort();
    }
    c->streaming = false;
    c->want_drain = false;
    c->drain_fn = NULL;
    c->pending = false;
    c->abort_fn = NULL;
    c->writing = true;
    write_raw(c, b.data, b.len, true);
}

void httpd_stream_abort(struct httpd_conn *c)
{
    if (c->closing || !c->streaming) {
        return;
    }
    /* like httpd_stream_end without the final chunk: what is queued still goes out, then the
     * connection closes instead of waiting for the next request */
    c->streaming = false;
    c->want_drain = false;
    c->drain_fn = NULL;
    c->pending = false;
    c->abort_fn = NULL; /* the owner is the one giving up: nobody to tell */
    c->keep_alive = false;
    c->writing = true;
    write_raw(c, xmalloc(1), 0, true);
}

static void on_parser_body(const uint8_t *data, size_t len, void *arg)
{
    struct httpd_conn *c = arg;
    if (!c->closing && c->body_fn) {
        c->body_fn(c, data, len, c->body_arg);
    }
}

static void on_parser_head(struct http1_parser *p, const struct http1_request *req, void *arg)
{
    struct httpd_conn *c = arg;
    (void)p;
    c->srv->head_fn(c, req, c->srv->user);
}

void httpd_set_accept_filter(struct httpd *s, httpd_accept_fn *fn)
{
    s->accept_fn = fn;
}

void httpd_set_head_handler(struct httpd *s, httpd_head_fn *fn)
{
    s->head_fn = fn;
}

void httpd_conn_set_body_max(struct httpd_conn *c, size_t max)
{
    http1_parser_set_body_max(&c->parser, max);
}

void httpd_conn_stream_body(struct httpd_conn *c, httpd_body_fn *fn, void *arg)
{
    c->body_streaming = true;
    c->body_fn = fn;
    c->body_arg = arg;
    http1_parser_stream_body(&c->parser, on_parser_body, c);
}

void httpd_conn_pause_read(struct httpd_conn *c)
{
    if (c->reading && !c->closing) {
        (void)uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
        c->read_paused = true;
        conn_arm(c, false);
    }
}

void httpd_conn_resume_read(struct httpd_conn *c)
{
    if (c->read_paused && !c->closing) {
        c->read_paused = false;
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) {
            c->reading = true;
            conn_arm(c, true);
        } else {
            conn_close(c);
        }
    }
}

void httpd_conn_set_abort(struct httpd_conn *c, httpd_abort_fn *fn, void *arg)
{
    c->abort_fn = fn;
    c->abort_arg = arg;
}

int httpd_conn_peer(struct httpd_conn *c, char *out, size_t cap)
{
    if (c->peer[0] == '\0') { /* once per connection: the peer does not change */
        struct sockaddr_storage ss;
        int len = (int)sizeof(ss);
        int rc = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len);
        if (rc == 0 && ss.ss_family == AF_INET6) {
            rc = uv_ip6_name((const struct sockaddr_in6 *)&ss, c->peer, sizeof(c->peer));
        } else if (rc == 0) {
            rc = uv_ip4_name((const struct sockaddr_in *)&ss, c->peer, sizeof(c->peer));
        }
        if (rc < 0) {
            c->peer[0] = '\0';
            return rc;
        }
    }
    if (strlen(c->peer) >= cap) {
        return UV_ENOSPC;
    }
    (void)snprintf(out, cap, "%s", c->peer);
    return 0;
}

uint8_t *httpd_conn_take_body(struct httpd_conn *c, size_t *len)
{
    return http1_parser_take_body(&c->parser, len);
}

static void on_connection(uv_stream_t *ls, int status)
{
    struct httpd *s = ls->data;
    if (status < 0 || s->closing) {
        return;
    }
    struct httpd_conn *c = xcalloc(1, sizeof(*c));
    c->srv = s;
    (void)uv_tcp_init(ls->loop, &c->tcp);
    (void)uv_timer_init(ls->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->n_handles = 2;
    http1_parser_init(&c->parser, HTTP1_MAX_HEAD, s->cfg.max_body);
    if (s->head_fn) {
        http1_parser_set_head_hook(&c->parser, on_parser_head, c);
    }
    cl_buf_init(&c->inbuf, HTTPD_MAX_PENDING_INPUT);
    c->next = s->conns;
    if (s->conns) {
        s->conns->prev = c;
    }
    s->conns = c;
    s->n_conns++;
    uv_os_fd_t fd = -1;
    if (s->n_conns > s->cfg.max_conns) { /* accepted and closed: the backlog stays free */
        if (!s->at_cap) {
            log_warn("%s: connection cap reached (%zu open): new connections are closed at "
                     "once until some end",
                     s->cfg.server, s->cfg.max_conns);
            s->at_cap = true;
        }
        s->n_refused++;
        (void)uv_accept(ls, (uv_stream_t *)&c->tcp);
        conn_close(c);
        return;
    }
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0 ||
        (s->accept_fn != NULL &&
         (uv_fileno((uv_handle_t *)&c->tcp, &fd) < 0 || !s->accept_fn(fd, s->user)))) {
        conn_close(c);
        return;
    }
    (void)uv_tcp_nodelay(&c->tcp, 1);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        conn_close(c);
        return;
    }
    c->reading = true;
    conn_arm(c, false);
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss)
{
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) {
        return 0;
    }
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0) {
        return 0;
    }
    return -EINVAL;
}

static void on_listener_close(uv_handle_t *h)
{
    struct httpd *s = h->data;
    s->listener_closed = true;
    maybe_free_server(s);
}

/* Binds (ss) or adopts (fd >= 0) the listening socket, then listens. */
static int open_listener(uv_loop_t *loop, const struct httpd_config *cfg,
                         const struct sockaddr_storage *ss, int fd, httpd_request_fn *fn,
                         void *user, struct httpd **out)
{
    struct httpd *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    s->fn = fn;
    s->user = user;
    (void)uv_tcp_init(loop, &s->tcp);
    s->tcp.data = s;
    int rc = 0;
    if (fd >= 0 && (rc = uv_tcp_open(&s->tcp, fd)) < 0) {
        (void)close(fd); /* not the handle's: uv_close would leave it open */
    } else if (fd < 0) {
        rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)ss, 0);
    }
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&s->tcp, 511, on_connection);
    }
    if (rc < 0) {
        s->closing = true;
        uv_close((uv_handle_t *)&s->tcp, on_listener_close);
        return rc;
    }
    *out = s;
    return 0;
}

int httpd_open(uv_loop_t *loop, const struct httpd_config *cfg, httpd_request_fn *fn, void *user,
               struct httpd **out)
{
    struct sockaddr_storage ss;
    int rc = resolve(cfg->host, cfg->port, &ss);
    return rc < 0 ? rc : open_listener(loop, cfg, &ss, -1, fn, user, out);
}

int httpd_open_fd(uv_loop_t *loop, const struct httpd_config *cfg, int fd, httpd_request_fn *fn,
                  void *user, struct httpd **out)
{
    return open_listener(loop, cfg, NULL, fd, fn, user, out);
}

int httpd_port(const struct httpd *s)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len) < 0) {
        return -1;
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

void httpd_close(struct httpd *s)
{
    if (s == NULL || s->closing) {
        return;
    }
    s->closing = true;
    for (struct httpd_conn *c = s->conns; c; c = c->next) {
        conn_close(c); /* unlinked only in the close callback, so next stays valid */
    }
    uv_close((uv_handle_t *)&s->tcp, on_listener_close);
}

const char *httpd_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Request Entity Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}
