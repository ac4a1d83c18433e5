/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 response parsing for the client side of libclambda: the head is collected into one
 * buffer and split into fields by offset; the body is framed by Content-Length, chunked
 * encoding (its trailer lines are appended to the head and become fields too) or by the peer
 * closing the connection. Everything is capped: head bytes, field count, body bytes. */
#include "cl_http1.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "cl_alloc.h"
#include "cl_hex.h"

#define MAX_SIZE_LINE 4096 /* chunk-size line incl. extensions */

enum {
    CH_SIZE,    /* hex digits */
    CH_EXT,     /* chunk extensions, up to the line end */
    CH_SIZE_LF, /* saw CR after the size line */
    CH_DATA,    /* remaining bytes of chunk data */
    CH_DATA_CR, /* CRLF after data */
    CH_DATA_LF, /* saw CR after data */
    CH_TRAILER, /* trailer line (or the final empty line) */
    CH_TRAILER_LF,
    CH_DONE,
};

void cl_chunked_init(struct cl_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = CH_SIZE;
}

/* End of a chunk-size line: a zero size starts the trailer section. */
static int size_line_done(struct cl_chunked *c)
{
    if (c->line_len == 0) {
        return -EBADMSG; /* no digits */
    }
    c->line_len = 0;
    c->state = c->remaining == 0 ? CH_TRAILER : CH_DATA;
    return 0;
}

static int step_size(struct cl_chunked *c, uint8_t ch)
{
    int v = cl_hex_value(ch);
    if (c->state == CH_SIZE && v >= 0) {
        if (c->remaining > (UINT64_MAX >> 8)) {
            return -EBADMSG;
        }
        c->remaining = (c->remaining << 4) | (uint64_t)v;
        c->line_len++;
        return 0;
    }
    if (c->state == CH_SIZE_LF) {
        return ch == '\n' ? size_line_done(c) : -EBADMSG;
    }
    if (ch == '\r') {
        c->state = CH_SIZE_LF;
        return 0;
    }
    if (ch == '\n') {
        return size_line_done(c);
    }
    if (c->state == CH_SIZE && ch != ';' && ch != ' ' && ch != '\t') {
        return -EBADMSG;
    }
    if (c->line_len == 0 || ++c->line_len > MAX_SIZE_LINE || ch < 0x09) {
        return -EBADMSG;
    }
    c->state = CH_EXT;
    return 0;
}

static int step_trailer(struct cl_chunked *c, uint8_t ch, struct cl_buf *trailers)
{
    if (c->state == CH_TRAILER_LF && ch != '\n') {
        return -EBADMSG;
    }
    if (ch == '\r') {
        c->state = CH_TRAILER_LF;
        return 0;
    }
    if (ch == '\n') {
        if (c->line_len == 0) {
            c->state = CH_DONE;
            c->is_done = true;
            return 0;
        }
        c->line_len = 0;
        c->state = CH_TRAILER;
        return trailers != NULL ? cl_buf_append_byte(trailers, '\n') : 0;
    }
    c->line_len++;
    return trailers != NULL ? cl_buf_append_byte(trailers, ch) : 0;
}

static int step_data_end(struct cl_chunked *c, uint8_t ch)
{
    if (c->state == CH_DATA_CR && ch == '\r') {
        c->state = CH_DATA_LF;
        return 0;
    }
    if (ch == '\n') {
        c->state = CH_SIZE;
        c->remaining = 0;
        return 0;
    }
    return -EBADMSG;
}

long cl_chunked_decode(struct cl_chunked *c, const uint8_t *in, size_t len, struct cl_buf *out,
                       struct cl_buf *trailers)
{
    size_t i = 0;
    while (i < len && !c->is_done) {
        int rc;
        if (c->state == CH_DATA) {
            size_t n = len - i;
            if ((uint64_t)n > c->remaining) {
                n = (size_t)c->remaining;
            }
            rc = cl_buf_append(out, in + i, n);
            if (rc < 0) {
                return rc;
            }
            i += n;
            c->remaining -= n;
            if (c->remaining == 0) {
                c->state = CH_DATA_CR;
            }
            continue;
        }
        uint8_t ch = in[i++];
        if (c->state <= CH_SIZE_LF) {
            rc = step_size(c, ch);
        } else if (c->state <= CH_DATA_LF) {
            rc = step_data_end(c, ch);
        } else {
            rc = step_trailer(c, ch, trailers);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return (long)i;
}

/* ---- responses ---- */

enum { R_HEAD, R_BODY, R_DONE };

void cl_http1_resp_init(struct cl_http1_resp *r, size_t body_max)
{
    memset(r, 0, sizeof(*r));
    cl_buf_init(&r->head, CL_HTTP1_MAX_HEAD);
    cl_buf_init(&r->body, body_max);
    cl_chunked_init(&r->chunked);
    r->state = R_HEAD;
}

void cl_http1_resp_fini(struct cl_http1_resp *r)
{
    if (r == NULL) {
        return;
    }
    cl_buf_fini(&r->head);
    cl_buf_fini(&r->body);
}

void cl_http1_resp_reset(struct cl_http1_resp *r)
{
    struct cl_buf head = r->head, body = r->body;
    cl_http1_body_fn *on_body = r->on_body;
    void *on_body_user = r->on_body_user;
    bool is_head_request = r->is_head_request;
    memset(r, 0, sizeof(*r));
    r->head = head;
    r->body = body;
    r->on_body = on_body;
    r->on_body_user = on_body_user;
    r->is_head_request = is_head_request;
    cl_buf_reset(&r->head);
    cl_buf_reset(&r->body);
    cl_chunked_init(&r->chunked);
    r->state = R_HEAD;
}

static bool is_tchar(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Adds the field on the non-empty line head[pos, line_end). */
static int parse_field(struct cl_http1_resp *r, size_t pos, size_t line_end)
{
    const uint8_t *h = r->head.data;
    size_t colon = pos;
    while (colon < line_end && is_tchar(h[colon])) {
        colon++;
    }
    if (colon == pos || colon >= line_end || h[colon] != ':') {
        return -EBADMSG;
    }
    if (r->n_fields >= CL_HTTP1_MAX_FIELDS) {
        return -E2BIG;
    }
    size_t v = colon + 1, ve = line_end;
    while (v < ve && (h[v] == ' ' || h[v] == '\t')) {
        v++;
    }
    while (ve > v && (h[ve - 1] == ' ' || h[ve - 1] == '\t')) {
        ve--;
    }
    struct cl_http1_field *f = &r->fields[r->n_fields++];
    f->name_off = (uint32_t)pos;
    f->name_len = (uint32_t)(colon - pos);
    f->value_off = (uint32_t)v;
    f->value_len = (uint32_t)(ve - v);
    return 0;
}

/* Splits the lines in head[from, to) into fields ("name: value", OWS trimmed). */
static int parse_fields(struct cl_http1_resp *r, size_t from, size_t to)
{
    const uint8_t *h = r->head.data;
    size_t pos = from;
    while (pos < to) {
        const uint8_t *nl = memchr(h + pos, '\n', to - pos);
        size_t end = nl ? (size_t)(nl - h) : to;
        size_t line_end = (end > pos && h[end - 1] == '\r') ? end - 1 : end;
        if (line_end > pos) {
            int rc = parse_field(r, pos, line_end);
            if (rc < 0) {
                return rc;
            }
        }
        pos = end + 1;
    }
    return 0;
}

static int parse_status_line(struct cl_http1_resp *r, size_t *line_end)
{
    const uint8_t *h = r->head.data;
    const uint8_t *nl = memchr(h, '\n', r->head.len);
    if (nl == NULL || nl - h < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
        h[8] != ' ') {
        return -EBADMSG;
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (h[i] < '0' || h[i] > '9') {
            return -EBADMSG;
        }
        status = status * 10 + (h[i] - '0');
    }
    if (status < 100 || (h[12] != ' ' && h[12] != '\r' && h[12] != '\n')) {
        return -EBADMSG;
    }
    r->status = status;
    r->keep_alive = h[7] == '1';
    *line_end = (size_t)(nl - h) + 1;
    return 0;
}

static bool value_is(const char *v, size_t len, const char *word)
{
    return v != NULL && len == strlen(word) && strncasecmp(v, word, len) == 0;
}

static int parse_length(const char *v, size_t len, uint64_t *out)
{
    uint64_t n = 0;
    if (len == 0 || len > 18) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return -EBADMSG;
        }
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    *out = n;
    return 0;
}

/* Decides the body framing once the head is complete. */
static int head_done(struct cl_http1_resp *r)
{
    size_t first_field;
    int rc = parse_status_line(r, &first_field);
    if (rc == 0) {
        rc = parse_fields(r, first_field, r->head.len);
    }
    if (rc < 0) {
        return rc;
    }
    r->is_head_done = true;
    r->trailer_off = r->head.len;
    size_t len;
    const char *v = cl_http1_resp_field(r, "Connection", &len);
    if (value_is(v, len, "close")) {
        r->keep_alive = false;
    } else if (value_is(v, len, "keep-alive")) {
        r->keep_alive = true;
    }
    v = cl_http1_resp_field(r, "Transfer-Encoding", &len);
    if (v != NULL) {
        if (len < 7 || strncasecmp(v + len - 7, "chunked", 7) != 0) {
            return -EBADMSG;
        }
        r->is_chunked = true;
    } else if ((v = cl_http1_resp_field(r, "Content-Length", &len)) != NULL) {
        if (parse_length(v, len, &r->content_length) < 0) {
            return -EBADMSG;
        }
        if (r->content_length > r->body.max && r->on_body == NULL && !r->is_head_request) {
            return -E2BIG;
        }
        r->has_length = true;
    } else if (r->status != 204 && r->status != 304 && !r->is_head_request) {
        r->keep_alive = false; /* delimited by close */
    }
    if (r->is_head_request || r->status == 204 || r->status == 304) {
        r->has_length = true; /* RFC 9112 6.3: no body, whatever the fields say */
        r->is_chunked = false;
        r->content_length = 0;
    }
    r->state = R_BODY;
    if (r->has_length && r->content_length == 0) {
        r->state = R_DONE;
        r->is_done = true;
    }
    return 0;
}

/* Collects head bytes up to the empty line, a whole line per append (the hot path of every
 * invocation: byte-wise appends cost a measurable share of a warm invoke). Returns bytes
 * consumed or an error. */
static long feed_head(struct cl_http1_resp *r, const uint8_t *in, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint8_t *nl = memchr(in + i, '\n', len - i);
        size_t take = nl != NULL ? (size_t)(nl - (in + i)) + 1 : len - i;
        int rc = cl_buf_append(&r->head, in + i, take);
        if (rc < 0) {
            return rc;
        }
        i += take;
        size_t n = r->head.len;
        const uint8_t *h = r->head.data;
        if (nl != NULL &&
            ((n >= 2 && h[n - 2] == '\n') || (n >= 3 && h[n - 2] == '\r' && h[n - 3] == '\n'))) {
            rc = head_done(r);
            if (rc < 0) {
                return rc;
            }
            if (r->status >= 100 && r->status < 200) {
                cl_http1_resp_reset(r); /* interim response: wait for the final one */
            }
            break;
        }
    }
    return (long)i;
}

static long feed_body(struct cl_http1_resp *r, const uint8_t *in, size_t len)
{
    if (r->is_chunked) {
        size_t before = r->body.len;
        long n = cl_chunked_decode(&r->chunked, in, len, &r->body, &r->head);
        r->body_seen += r->body.len - before;
        if (n >= 0 && r->chunked.is_done) {
            int rc = parse_fields(r, r->trailer_off, r->head.len);
            if (rc < 0) {
                return rc;
            }
            r->is_done = true;
            r->state = R_DONE;
        }
        return n;
    }
    size_t n = len;
    if (r->has_length && (uint64_t)n > r->content_length - r->body_seen) {
        n = (size_t)(r->content_length - r->body_seen);
    }
    int rc = cl_buf_append(&r->body, in, n);
    if (rc < 0) {
        return rc;
    }
    r->body_seen += n;
    if (r->has_length && r->body_seen == r->content_length) {
        r->is_done = true;
        r->state = R_DONE;
    }
    return (long)n;
}

long cl_http1_resp_feed(struct cl_http1_resp *r, const uint8_t *in, size_t len)
{
    size_t used = 0;
    while (used < len && !r->is_done) {
        long n = r->state == R_HEAD ? feed_head(r, in + used, len - used)
                                    : feed_body(r, in + used, len - used);
        if (n < 0) {
            return n;
        }
        used += (size_t)n;
    }
    return (long)used;
}

int cl_http1_resp_eof(struct cl_http1_resp *r)
{
    if (r->is_done) {
        return 0;
    }
    if (r->state == R_BODY && !r->is_chunked && !r->has_length) {
        r->is_done = true;
        r->state = R_DONE;
        return 0;
    }
    return -EBADMSG;
}

const char *cl_http1_resp_field(const struct cl_http1_resp *r, const char *name, size_t *len)
{
    size_t name_len = strlen(name);
    for (int i = 0; i < r->n_fields; i++) {
        const struct cl_http1_field *f = &r->fields[i];
        const char *h = (const char *)r->head.data;
        if (f->name_len == name_len && strncasecmp(h + f->name_off, name, name_len) == 0) {
            if (len != NULL) {
                *len = f->value_len;
            }
            return h + f->value_off;
        }
    }
    return NULL;
}

char *cl_http1_resp_field_dup(const struct cl_http1_resp *r, const char *name)
{
    size_t len;
    const char *v = cl_http1_resp_field(r, name, &len);
    return v == NULL ? NULL : cl_alloc_strndup(v, len);
}
