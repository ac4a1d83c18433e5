/* SPDX-License-Identifier: MIT */
/* One kept-alive HTTP/1.1 connection to an AWS endpoint, plain TCP or TLS through mbedTLS
 * (TLS 1.2, the peer verified against a CA bundle, SNI, session resumption on reconnect).
 * Blocking, with a timeout on connecting and on each read. Responses are parsed with
 * libclambda's cl_http1. mbedTLS's types stay in cl_aws_conn.c. */
#ifndef CLAMBDA_AWS_CL_AWS_CONN_H
#define CLAMBDA_AWS_CL_AWS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"
#include "cl_http1.h"

struct cl_aws_tls; /* private: mbedTLS contexts */

struct cl_aws_conn {
    char host[256];
    char port[8];
    int fd;                 /* -1 when not connected */
    int timeout_ms;         /* for connect and for each wait for bytes */
    struct cl_aws_tls *tls; /* NULL for http:// */
    struct cl_buf in;       /* bytes read but not parsed yet */
    bool timed_out;         /* the last failure was a timeout */
};

/* Sets c up for host:port; for TLS reads the CA bundle ca_file (PEM) and seeds the DRBG.
 * Does not connect. 0, -EPROTO (no CA bundle or no certificate in it, TLS set-up failed),
 * -EINVAL, -ENOMEM. cl_aws_conn_fini() is needed even after a failure. */
int cl_aws_conn_init(struct cl_aws_conn *c, const char *host, const char *port, bool is_tls,
                     const char *ca_file);
/* Closes and frees. NULL is a no-op. */
void cl_aws_conn_fini(struct cl_aws_conn *c);
/* Closes the connection only (the next request reconnects). */
void cl_aws_conn_close(struct cl_aws_conn *c);
/* Connects (and handshakes) unless connected. 0, -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT,
 * -EPROTO (TLS: handshake or certificate), -ENOMEM. */
int cl_aws_conn_open(struct cl_aws_conn *c);
/* True when c holds a connection that is still usable as far as can be told without
 * sending: an idle kept-alive connection that the peer closed reads as ready. */
bool cl_aws_conn_is_alive(struct cl_aws_conn *c);
/* Sends head then body on the open connection and reads the whole response into resp
 * (reset first). *got_any tells whether any byte of an answer arrived (a stale connection
 * fails before that). 0 (any status), -EIO (the connection dropped), -ETIMEDOUT, -EBADMSG,
 * -E2BIG, -EPROTO, -ENOMEM. The connection is closed after a failure or when the answer
 * does not allow keep-alive. */
int cl_aws_conn_roundtrip(struct cl_aws_conn *c, const uint8_t *head, size_t head_len,
                          const uint8_t *body, size_t body_len, struct cl_http1_resp *resp,
                          bool *got_any);

#endif /* CLAMBDA_AWS_CL_AWS_CONN_H */
