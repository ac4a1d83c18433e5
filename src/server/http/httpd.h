/* SPDX-License-Identifier: MIT */
/* A small HTTP/1.1 server on a libuv loop: a TCP listener, keep-alive connections parsed with
 * http1, one request at a time per connection. The handler may answer at once or much later
 * (an Invoke waits for a runtime, a Runtime API `next` waits for an event); if the connection
 * closes first, the abort callback tells the owner to forget it. Used for the public API and
 * for each execution environment's private Runtime API listener. Slow and idle clients are
 * closed after the config's timeouts, connections are capped, and a malformed request is
 * answered 400 (431 for a head over its caps) in AWS's error shape, {"Type":"User",
 * "message":"..."} with x-amzn-ErrorType, before the connection is closed. */
#ifndef CLAMBDA_SERVER_HTTPD_H
#define CLAMBDA_SERVER_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "http/http1.h"

struct httpd;
struct httpd_conn;

/* Called for each complete request. req (and its body) is valid until httpd_respond(). The
 * handler must eventually call httpd_respond() on c, unless the abort callback runs first. */
typedef void httpd_request_fn(struct httpd_conn *c, const struct http1_request *req, void *user);
/* Called when a connection with an unanswered request closes (client gone, server closing);
 * c must not be used afterwards. */
typedef void httpd_abort_fn(struct httpd_conn *c, void *arg);

/* Optional: called when a request's head is parsed, before its body, with the same user as
 * the request handler; it may call httpd_conn_stream_body(). req is valid during the call. */
typedef void httpd_head_fn(struct httpd_conn *c, const struct http1_request *req, void *user);
/* Receives a streamed request body as it arrives. */
typedef void httpd_body_fn(struct httpd_conn *c, const uint8_t *data, size_t len, void *arg);
/* A streamed response's write queue drained below the low-water mark. */
typedef void httpd_drain_fn(struct httpd_conn *c, void *arg);

/* A chunked response pauses its producer above this many queued bytes... */
#define HTTPD_STREAM_HIGH_WATER ((size_t)256 * 1024)
/* ...and calls its drain callback once the queue is down to this. */
#define HTTPD_STREAM_LOW_WATER ((size_t)64 * 1024)

/* One response header. */
struct httpd_header {
    const char *name;
    const char *value;
};

/* A timeout of httpd_config that never fires. */
#define HTTPD_NO_TIMEOUT UINT64_MAX
/* The timeouts a config's 0 stands for (nginx's client_header_timeout, client_body_timeout and
 * keepalive_timeout). */
#define HTTPD_HEADER_TIMEOUT_MS ((uint64_t)60 * 1000)
#define HTTPD_BODY_TIMEOUT_MS   ((uint64_t)60 * 1000)
#define HTTPD_IDLE_TIMEOUT_MS   ((uint64_t)75 * 1000)

/* Listener settings. The timeouts cover only time the server waits for the client: never the
 * time a request waits for its answer (an Invoke of a slow function, a Runtime API `next`
 * waiting for an event), nor the writing of an answer, nor a body streamed to its consumer
 * (httpd_conn_stream_body: a runtime's streamed response, which may pause as long as its
 * function runs). A connection whose timeout fires is closed without an answer. */
struct httpd_config {
    const char *host;   /* IPv4 or IPv6 literal to bind */
    int port;           /* 0 for an ephemeral port */
    size_t max_body;    /* request body cap (bodies over it are flagged, not buffered) */
    size_t max_conns;   /* connections over this are accepted and closed at once */
    const char *server; /* log prefix ("api", "runtime-api") */
    /* A request's head must be complete this long after its first byte (a new connection's
     * first request: after the accept). 0: HTTPD_HEADER_TIMEOUT_MS. */
    uint64_t header_timeout_ms;
    /* Longest wait between two reads of a buffered request body. 0: HTTPD_BODY_TIMEOUT_MS. */
    uint64_t body_timeout_ms;
    /* A keep-alive connection is closed when no request starts this long after the last
     * answer was written. 0: HTTPD_IDLE_TIMEOUT_MS. */
    uint64_t idle_timeout_ms;
};

/* Binds and listens. OUT: *out, owned by the caller (httpd_close). 0 or a negative errno
 * (e.g. -EADDRINUSE, -EINVAL for a bad host). */
int httpd_open(uv_loop_t *loop, const struct httpd_config *cfg, httpd_request_fn *fn, void *user,
               struct httpd **out);
/* Like httpd_open, on a TCP socket that is already bound and listening (cfg's host and port
 * are not used): e.g. one made inside an environment's network namespace. Takes fd, also on
 * failure. OUT: *out. 0 or a negative errno. */
int httpd_open_fd(uv_loop_t *loop, const struct httpd_config *cfg, int fd, httpd_request_fn *fn,
                  void *user, struct httpd **out);
/* The bound port (useful after port 0). */
int httpd_port(const struct httpd *s);
/* Closes the listener and every connection (abort callbacks run for unanswered requests,
 * synchronously), then frees s once libuv has closed every handle. NULL is a no-op. */
void httpd_close(struct httpd *s);

/* Sends a response with Content-Length and the given headers; copies everything, so the
 * arguments may be freed on return. After this, c belongs to the server again. */
void httpd_respond(struct httpd_conn *c, int status, const struct httpd_header *hdrs, size_t n_hdrs,
                   const void *body, size_t len);
/* Like httpd_respond(), but takes body (malloc'd, NULL when len is 0): the server frees it once
 * written, so a large body the socket does not take at once is queued as it is instead of
 * copied. Also frees it when c is closing. */
void httpd_respond_take(struct httpd_conn *c, int status, const struct httpd_header *hdrs,
                        size_t n_hdrs, void *body, size_t len);
/* Registers fn(c, arg) to run if c closes before httpd_respond() (NULL fn unregisters). */
void httpd_conn_set_abort(struct httpd_conn *c, httpd_abort_fn *fn, void *arg);
/* The address of c's peer as text ("127.0.0.1", "::1") in out (cap bytes), asked of the
 * kernel once per connection. 0 or a negative errno. */
int httpd_conn_peer(struct httpd_conn *c, char *out, size_t cap);
/* Takes the current request's body. OUT: *len. Caller frees the result with free(). */
uint8_t *httpd_conn_take_body(struct httpd_conn *c, size_t *len);
/* Decides at accept whether a connection (its fd, borrowed) is served; false closes it. */
typedef bool httpd_accept_fn(int fd, void *user);
/* Installs an accept filter (e.g. the Runtime API's: only its environment's processes). */
void httpd_set_accept_filter(struct httpd *s, httpd_accept_fn *fn);
/* Installs the head handler (see httpd_head_fn). */
void httpd_set_head_handler(struct httpd *s, httpd_head_fn *fn);
/* From the head handler: this request's body may be up to max bytes (instead of the listener's
 * max_body), e.g. for the few operations that upload code. */
void httpd_conn_set_body_max(struct httpd_conn *c, size_t max);
/* From the head handler: the body of c's current request goes to fn as it arrives, without a
 * size cap, instead of being buffered; the request handler still runs when the request is
 * complete (with no body, trailers in its headers). The abort callback also covers the time
 * the body is streaming. */
void httpd_conn_stream_body(struct httpd_conn *c, httpd_body_fn *fn, void *arg);
/* Stops / resumes reading from c (flow control of a streamed request body: bytes already read
 * are still delivered, so at most one read buffer, 64 KB, arrives after a pause). */
void httpd_conn_pause_read(struct httpd_conn *c);
void httpd_conn_resume_read(struct httpd_conn *c);

/* Starts a response with Transfer-Encoding: chunked instead of httpd_respond(); c stays the
 * handler's (and its abort callback armed) until httpd_stream_end(). Returns 0, or -EPIPE when
 * c is closing or already streaming (the abort callback may have run already). */
int httpd_stream_start(struct httpd_conn *c, int status, const struct httpd_header *hdrs,
                       size_t n_hdrs);
/* Sends data as one chunk (copied; len 0 sends nothing). Returns 0, 1 when more than
 * HTTPD_STREAM_HIGH_WATER bytes are queued (the producer should pause until the drain
 * callback), or -EPIPE when the response is not streaming (connection closing). Memory stays
 * bounded only if producers honour 1. */
int httpd_stream_write(struct httpd_conn *c, const void *data, size_t len);
/* Registers fn(c, arg) to run when the queue drops to HTTPD_STREAM_LOW_WATER after a write
 * returned 1 (NULL unregisters). */
void httpd_stream_set_drain(struct httpd_conn *c, httpd_drain_fn *fn, void *arg);
/* Bytes written to the socket queue and not yet sent. */
size_t httpd_stream_queued(const struct httpd_conn *c);
/* Ends the chunked body with optional trailers (copied). After this, c belongs to the server
 * again. */
void httpd_stream_end(struct httpd_conn *c, const struct httpd_header *trailers, size_t n);

/* Ends a streaming response that failed after its status went out: the chunks queued so far
 * are sent, then c is closed without the final chunk, so the client sees a truncated body
 * instead of a complete one. The abort callback does not run; c must not be used afterwards.
 * No-op when c is not streaming. */
void httpd_stream_abort(struct httpd_conn *c);

/* The standard reason phrase of an HTTP status ("OK", "Not Found", ...). */
const char *httpd_reason(int status);

#endif /* CLAMBDA_SERVER_HTTPD_H */
