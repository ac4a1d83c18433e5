/* SPDX-License-Identifier: MIT */
/* Blocking HTTP/1.1 client on one keep-alive connection; see cl_httpc.h. Bodies are sent with
 * sendmsg() straight from the caller's memory (no copy of a 6 MB response), with MSG_NOSIGNAL
 * so a closed peer is an error, not a SIGPIPE. GET requests are idempotent and are retried on
 * any transport failure within the retry budget (the platform restarting under a waiting
 * `next`); other requests are retried once only when a kept-alive connection turned out to be
 * stale before anything was answered. */
#include "cl_httpc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define RETRY_FIRST_MS 10
#define RETRY_MAX_MS   1000
#define DEFAULT_BUDGET 10000

int cl_httpc_init(struct cl_httpc *c, const char *endpoint)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->retry_budget_ms = DEFAULT_BUDGET;
    cl_buf_init(&c->in, 1 << 20);
    cl_buf_init(&c->out, CL_HTTP1_MAX_HEAD);
    if (endpoint == NULL || *endpoint == '\0') {
        return -EINVAL;
    }
    const char *host = endpoint, *colon;
    size_t host_len;
    if (*endpoint == '[') {
        const char *close = strchr(endpoint, ']');
        if (close == NULL || close[1] != ':') {
            return -EINVAL;
        }
        host = endpoint + 1;
        host_len = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(endpoint, ':');
        if (colon == NULL) {
            return -EINVAL;
        }
        host_len = (size_t)(colon - endpoint);
    }
    size_t port_len = strlen(colon + 1);
    if (host_len == 0 || host_len >= sizeof(c->host) || port_len == 0 ||
        port_len >= sizeof(c->port) || strspn(colon + 1, "0123456789") != port_len) {
        return -EINVAL;
    }
    memcpy(c->host, host, host_len);
    c->host[host_len] = '\0';
    memcpy(c->port, colon + 1, port_len + 1);
    return 0;
}

void cl_httpc_disconnect(struct cl_httpc *c)
{
    if (c->fd >= 0) {
        (void)close(c->fd);
        c->fd = -1;
    }
    cl_buf_reset(&c->in);
}

void cl_httpc_fini(struct cl_httpc *c)
{
    if (c == NULL) {
        return;
    }
    cl_httpc_disconnect(c);
    cl_buf_fini(&c->in);
    cl_buf_fini(&c->out);
}

static bool interrupted(const struct cl_httpc *c)
{
    return c->is_interruptible && c->intr != NULL && *c->intr != 0;
}

static int connect_once(struct cl_httpc *c)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    hints.ai_flags = AI_NUMERICSERV;
    if (getaddrinfo(c->host, c->port, &hints, &res) != 0 || res == NULL) {
        return -EHOSTUNREACH;
    }
    int rc = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 && errno == EINTR &&
               !interrupted(c)) {
        }
        if (rc == 0) {
            c->fd = fd;
            break;
        }
        rc = errno == EINTR ? -EINTR : -errno;
        (void)close(fd);
        if (rc == -EINTR) {
            break;
        }
    }
    freeaddrinfo(res);
    return rc;
}

static int sleep_ms(const struct cl_httpc *c, long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        if (interrupted(c)) {
            return -EINTR;
        }
    }
    return 0;
}

/* Sleeps the next backoff step; -ECONNREFUSED once the budget is spent. */
static int backoff(const struct cl_httpc *c, long *delay, long *spent, int last_err)
{
    if (*spent >= c->retry_budget_ms) {
        return last_err == -EINTR ? -EINTR : -ECONNREFUSED;
    }
    if (sleep_ms(c, *delay) < 0) {
        return -EINTR;
    }
    *spent += *delay;
    *delay = *delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : *delay * 2;
    return 0;
}

static int ensure_connected(struct cl_httpc *c)
{
    long delay = RETRY_FIRST_MS, spent = 0;
    while (c->fd < 0) {
        int rc = connect_once(c);
        if (rc == 0) {
            break;
        }
        if (rc == -EINTR || rc == -EHOSTUNREACH) {
            return rc; /* a name that does not resolve will not start to */
        }
        rc = backoff(c, &delay, &spent, rc);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int send_iov(struct cl_httpc *c, struct iovec *iov, int n_iov)
{
    while (n_iov > 0) {
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
        ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR && !interrupted(c)) {
                continue;
            }
            return errno == EINTR ? -EINTR : -EIO;
        }
        size_t left = (size_t)n;
        while (n_iov > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n_iov--;
        }
        if (n_iov > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* With resp->on_body set: hands out the head once it is complete, then each new piece of
 * body, emptying the body buffer. */
static int deliver(struct cl_http1_resp *resp)
{
    if (resp->on_body == NULL || !resp->is_head_done ||
        (resp->has_told_head && resp->body.len == 0)) {
        return 0;
    }
    resp->has_told_head = true;
    int rc = resp->on_body(resp->on_body_user, resp, resp->body.data, resp->body.len);
    cl_buf_reset(&resp->body);
    return rc;
}

/* Feeds the buffered bytes to the parser (and on to on_body). */
static int feed_buffered(struct cl_httpc *c, struct cl_http1_resp *resp)
{
    if (c->in.len == 0) {
        return 0;
    }
    long used = cl_http1_resp_feed(resp, c->in.data, c->in.len);
    if (used < 0) {
        return (int)used;
    }
    cl_buf_consume(&c->in, (size_t)used);
    return deliver(resp);
}

/* Feeds buffered bytes, then reads until the response is complete. *got_any tells whether any
 * response byte arrived (a stale connection fails before that). */
static int read_response(struct cl_httpc *c, struct cl_http1_resp *resp, bool *got_any)
{
    *got_any = c->in.len > 0;
    for (;;) {
        int frc = feed_buffered(c, resp);
        if (frc < 0) {
            return frc;
        }
        if (resp->is_done) {
            return 0;
        }
        /* An interrupt is honoured only while nothing has arrived: once the answer (an event)
         * is on its way, it is read whole, so a delivered invocation is never dropped. */
        if (!*got_any && interrupted(c)) {
            return -EINTR;
        }
        /* receive straight into the buffer's spare room: one copy less than a stack buffer */
        int rc = cl_buf_reserve(&c->in, 65536);
        if (rc < 0) {
            return rc;
        }
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue; /* the check above decides whether to stop */
            }
            return -EIO;
        }
        if (n == 0) {
            return *got_any && cl_http1_resp_eof(resp) == 0 ? deliver(resp) : -EIO;
        }
        *got_any = true;
        c->in.len += (size_t)n;
        c->in.data[c->in.len] = '\0';
    }
}

/* True when hdrs sets name (ASCII case-insensitive). */
static bool has_header(const struct cl_hdr *hdrs, size_t n_hdrs, const char *name)
{
    for (size_t i = 0; i < n_hdrs; i++) {
        if (hdrs[i].value != NULL && strcasecmp(hdrs[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static int build_head(struct cl_buf *head, const struct cl_httpc *c, const char *method,
                      const char *path, const struct cl_hdr *hdrs, size_t n_hdrs)
{
    int rc = cl_buf_printf(head, "%s %s HTTP/1.1\r\n", method, path);
    if (rc == 0 && !has_header(hdrs, n_hdrs, "Host")) {
        rc = cl_buf_printf(head, "Host: %s\r\n", c->host);
    }
    if (rc == 0 && !has_header(hdrs, n_hdrs, "User-Agent")) {
        rc = cl_buf_append_str(head, "User-Agent: clambda/0.1\r\n");
    }
    for (size_t i = 0; rc == 0 && i < n_hdrs; i++) {
        if (hdrs[i].value != NULL) {
            rc = cl_buf_printf(head, "%s: %s\r\n", hdrs[i].name, hdrs[i].value);
        }
    }
    return rc;
}

/* After a request is answered: keep the connection only if the server allows it. */
static void settle(struct cl_httpc *c, const struct cl_http1_resp *resp, int rc)
{
    if (rc < 0 || !resp->keep_alive) {
        cl_httpc_disconnect(c);
    }
}

/* One attempt: send head + body, read the answer. */
static int attempt(struct cl_httpc *c, struct cl_buf *head, const void *body, size_t len,
                   struct cl_http1_resp *resp, bool *got_any)
{
    *got_any = false;
    int rc = ensure_connected(c);
    if (rc < 0) {
        return rc;
    }
    cl_http1_resp_reset(resp);
    resp->is_head_request = strncmp((const char *)head->data, "HEAD ", 5) == 0;
    struct iovec iov[2] = {{head->data, head->len}, {(void *)(uintptr_t)body, len}};
    rc = send_iov(c, iov, len > 0 ? 2 : 1);
    if (rc == -EINTR) {
        return rc;
    }
    /* Even when sending failed, the server may have answered early (413) and closed. */
    int rrc = read_response(c, resp, got_any);
    return rrc == 0 ? 0 : (rc < 0 && !*got_any ? rc : rrc);
}

int cl_httpc_connect(struct cl_httpc *c)
{
    c->is_interruptible = false;
    return ensure_connected(c);
}

int cl_httpc_request(struct cl_httpc *c, const char *method, const char *path,
                     const struct cl_hdr *hdrs, size_t n_hdrs, const void *body, size_t len,
                     struct cl_http1_resp *resp)
{
    struct cl_buf *head = &c->out;
    cl_buf_reset(head);
    bool is_get = strcmp(method, "GET") == 0;
    c->is_interruptible = is_get;
    int rc = build_head(head, c, method, path, hdrs, n_hdrs);
    if (rc == 0 && (!is_get || len > 0)) {
        rc = cl_buf_printf(head, "Content-Length: %zu\r\n", len);
    }
    if (rc == 0) {
        rc = cl_buf_append_str(head, "\r\n");
    }
    long delay = RETRY_FIRST_MS, spent = 0;
    for (int tries = 0; rc == 0; tries++) {
        bool was_connected = c->fd >= 0, got_any;
        rc = attempt(c, head, body, len, resp, &got_any);
        settle(c, resp, rc);
        if (rc != -EIO || got_any) {
            break;
        }
        if (is_get && c->retry_budget_ms > 0) {
            rc = backoff(c, &delay, &spent, rc); /* the platform may be restarting */
        } else if (!was_connected || tries > 0) {
            break;
        } else {
            rc = 0; /* stale keep-alive connection: once more on a fresh one */
        }
    }
    return rc;
}

int cl_httpc_begin_chunked(struct cl_httpc *c, const char *method, const char *path,
                           const struct cl_hdr *hdrs, size_t n_hdrs)
{
    struct cl_buf *head = &c->out;
    cl_buf_reset(head);
    c->is_interruptible = false;
    int rc = build_head(head, c, method, path, hdrs, n_hdrs);
    if (rc == 0) {
        rc = cl_buf_append_str(head, "Transfer-Encoding: chunked\r\n\r\n");
    }
    if (rc == 0) {
        rc = ensure_connected(c);
    }
    if (rc == 0) {
        struct iovec iov = {head->data, head->len};
        rc = send_iov(c, &iov, 1);
    }
    if (rc < 0) {
        cl_httpc_disconnect(c);
    }
    return rc;
}

int cl_httpc_write_chunk(struct cl_httpc *c, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if (c->fd < 0) {
        return -EIO;
    }
    char size[24];
    int n = snprintf(size, sizeof(size), "%zx\r\n", len);
    struct iovec iov[3] = {
        {size, (size_t)n}, {(void *)(uintptr_t)data, len}, {(void *)(uintptr_t) "\r\n", 2}};
    int rc = send_iov(c, iov, 3);
    if (rc < 0) {
        cl_httpc_disconnect(c);
    }
    return rc;
}

int cl_httpc_end_chunked(struct cl_httpc *c, const struct cl_hdr *trailers, size_t n_trailers,
                         struct cl_http1_resp *resp)
{
    if (c->fd < 0) {
        return -EIO;
    }
    struct cl_buf *tail = &c->out;
    cl_buf_reset(tail);
    int rc = cl_buf_append_str(tail, "0\r\n");
    for (size_t i = 0; rc == 0 && i < n_trailers; i++) {
        rc = cl_buf_printf(tail, "%s: %s\r\n", trailers[i].name, trailers[i].value);
    }
    if (rc == 0) {
        rc = cl_buf_append_str(tail, "\r\n");
    }
    bool got_any = false;
    if (rc == 0) {
        cl_http1_resp_reset(resp);
        struct iovec iov = {tail->data, tail->len};
        rc = send_iov(c, &iov, 1);
        int rrc = read_response(c, resp, &got_any);
        rc = rrc == 0 ? 0 : (rc < 0 && !got_any ? rc : rrc);
    }
    settle(c, resp, rc);
    return rc;
}
