/* SPDX-License-Identifier: MIT */
/* Incremental HTTP/1.1 response parser for libclambda's client side: status line, header
 * fields (capped in bytes and count), and a body framed by Content-Length, chunked encoding
 * (trailers kept as fields) or connection close. Parsers point into their own buffers; feeding
 * returns bytes consumed, -EAGAIN is never returned: a parser consumes all it can and reports
 * completion through is_done. */
#ifndef CLAMBDA_RUNTIME_CL_HTTP1_H
#define CLAMBDA_RUNTIME_CL_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

#define CL_HTTP1_MAX_FIELDS 64
#define CL_HTTP1_MAX_HEAD   ((size_t)64 * 1024)

/* Chunked transfer decoding (RFC 9112 7.1): chunk sizes in hex, extensions ignored, trailer
 * fields appended raw ("name: value\r\n"...) to trailers when it is not NULL. */
struct cl_chunked {
    int state;
    uint64_t remaining; /* bytes left in the current chunk */
    size_t line_len;    /* bytes of the current size/trailer line seen */
    bool is_done;
};

void cl_chunked_init(struct cl_chunked *c);
/* Decodes up to len bytes of in, appending data to out and trailer lines to trailers.
 * Returns bytes consumed (stops right after the final CRLF), -EBADMSG on malformed framing,
 * -E2BIG / -ENOMEM from the buffers. */
long cl_chunked_decode(struct cl_chunked *c, const uint8_t *in, size_t len, struct cl_buf *out,
                       struct cl_buf *trailers);

struct cl_http1_field {
    uint32_t name_off, name_len, value_off, value_len; /* into head */
};

struct cl_http1_resp;

/* Receives a response as it arrives (cl_httpc reads with it set): called once when the head is
 * complete (len may be 0), then for each further piece of the decoded body. The bytes are the
 * parser's and are discarded afterwards. Return 0 to go on, a negative errno to abort. */
typedef int cl_http1_body_fn(void *user, const struct cl_http1_resp *r, const uint8_t *data,
                             size_t len);

struct cl_http1_resp {
    int status;
    bool keep_alive;    /* false after "Connection: close" or HTTP/1.0 */
    struct cl_buf head; /* raw status line + fields (+ trailer lines appended) */
    struct cl_http1_field fields[CL_HTTP1_MAX_FIELDS];
    int n_fields;
    struct cl_buf body; /* decoded body, capped by the max given at init */
    /* Settings kept across cl_http1_resp_reset(). With on_body set, the body is handed out in
     * pieces (cl_httpc) and only one piece at a time must fit body's cap. */
    cl_http1_body_fn *on_body;
    void *on_body_user;
    bool is_head_request; /* the request was HEAD: no body whatever the head says */
    /* parser state */
    int state;
    uint64_t content_length; /* when framed by length */
    uint64_t body_seen;      /* body bytes decoded so far (also those handed out) */
    bool has_told_head;      /* on_body was called for the head */
    size_t trailer_off;      /* where trailer lines start in head */
    bool has_length, is_chunked, is_done, is_head_done;
    struct cl_chunked chunked;
};

/* Initialises a response in caller storage; the body may grow up to body_max bytes. */
void cl_http1_resp_init(struct cl_http1_resp *r, size_t body_max);
/* Frees the buffers. NULL is a no-op. */
void cl_http1_resp_fini(struct cl_http1_resp *r);
/* Empties r for the next response on the same connection. */
void cl_http1_resp_reset(struct cl_http1_resp *r);
/* Feeds bytes. Returns bytes consumed (possibly fewer than len when the response is complete:
 * the rest belongs to the next response), -EBADMSG on malformed input, -E2BIG when a cap is hit,
 * -ENOMEM. */
long cl_http1_resp_feed(struct cl_http1_resp *r, const uint8_t *in, size_t len);
/* Tells the parser the peer closed the connection. Completes a close-delimited body; returns
 * 0, or -EBADMSG when the response was cut short. */
int cl_http1_resp_eof(struct cl_http1_resp *r);
/* Value of the first field named name (ASCII case-insensitive), or NULL. Borrowed from r;
 * *len gets its length (the value is not NUL-terminated). Trailer fields are included. */
const char *cl_http1_resp_field(const struct cl_http1_resp *r, const char *name, size_t *len);
/* Newly allocated NUL-terminated copy of a field value, or NULL (absent or out of memory). */
char *cl_http1_resp_field_dup(const struct cl_http1_resp *r, const char *name);

#endif /* CLAMBDA_RUNTIME_CL_HTTP1_H */
