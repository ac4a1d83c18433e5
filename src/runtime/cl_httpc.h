/* SPDX-License-Identifier: MIT */
/* Blocking HTTP/1.1 client over one keep-alive TCP connection to "host:port" (IPv4, IPv6 as
 * "[addr]:port", or a name). Used by the runtime loop and the extension client. Requests on a
 * stale kept-alive connection are retried once on a fresh one; refused connections (not names
 * that fail to resolve) are retried with exponential backoff (10 ms doubling to 1 s) within
 * retry_budget_ms. No read timeout. */
#ifndef CLAMBDA_RUNTIME_CL_HTTPC_H
#define CLAMBDA_RUNTIME_CL_HTTPC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"
#include "cl_http1.h"

struct cl_hdr {
    const char *name;
    const char *value;
};

struct cl_httpc {
    char host[256];
    char port[8];
    int fd;               /* -1 when not connected */
    struct cl_buf in;     /* bytes read but not yet parsed */
    struct cl_buf out;    /* the request head (or chunked tail) being sent, reused */
    long retry_budget_ms; /* total time to keep retrying a refused connect */
    /* When set and *intr != 0, EINTR aborts a GET (a waiting `next`) with -EINTR; POSTs (the
     * answers) always complete, so SIGTERM never cuts a response. */
    volatile sig_atomic_t *intr;
    bool is_interruptible; /* the request in progress is a GET */
};

/* Parses endpoint into c; does not connect. 0 or -EINVAL. */
int cl_httpc_init(struct cl_httpc *c, const char *endpoint);
/* Closes the connection and frees buffers. NULL is a no-op. */
void cl_httpc_fini(struct cl_httpc *c);
/* Closes the connection only (the next request reconnects). */
void cl_httpc_disconnect(struct cl_httpc *c);

/* Connects now unless connected, retrying refusals within the budget. 0, -ECONNREFUSED,
 * -EHOSTUNREACH (the name does not resolve), -EINTR or another negative errno. */
int cl_httpc_connect(struct cl_httpc *c);

/* Sends one request with an optional Content-Length body (sent for every method but a GET
 * without body) and reads the whole response into resp (which the caller initialised with its
 * body cap; it is reset first), or hands it out piece by piece when resp->on_body is set.
 * Host and User-Agent are added unless hdrs has them. A HEAD request's answer has no body.
 * Blocks with no timeout. 0 on any HTTP status, or -ECONNREFUSED (budget exhausted), -EIO,
 * -EBADMSG, -E2BIG, -ENOMEM, -EINTR (interrupted, see intr), or on_body's error. With a retry
 * budget of 0, a GET on a stale kept-alive connection is retried once, like other methods. */
int cl_httpc_request(struct cl_httpc *c, const char *method, const char *path,
                     const struct cl_hdr *hdrs, size_t n_hdrs, const void *body, size_t len,
                     struct cl_http1_resp *resp);

/* Starts a request with Transfer-Encoding: chunked. Then write chunks, then end. */
int cl_httpc_begin_chunked(struct cl_httpc *c, const char *method, const char *path,
                           const struct cl_hdr *hdrs, size_t n_hdrs);
/* Writes one chunk (len 0 is a no-op). -EIO on a broken connection. */
int cl_httpc_write_chunk(struct cl_httpc *c, const void *data, size_t len);
/* Writes the last chunk and the trailer fields, then reads the response into resp. */
int cl_httpc_end_chunked(struct cl_httpc *c, const struct cl_hdr *trailers, size_t n_trailers,
                         struct cl_http1_resp *resp);

#endif /* CLAMBDA_RUNTIME_CL_HTTPC_H */
