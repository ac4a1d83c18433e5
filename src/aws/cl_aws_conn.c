/* SPDX-License-Identifier: MIT */
/* The connection of cl_aws_conn.h. TLS runs over our own socket: mbedTLS gets send/receive
 * callbacks (MSG_NOSIGNAL, a poll() timeout before each read) instead of its net_sockets
 * module, so that the timeout and a peer's close are told apart from other failures. The CA
 * chain, configuration and DRBG are made once per client; only the SSL context is reset for
 * each new connection, with the last session offered for resumption (an abbreviated
 * handshake after a reconnect). */
#include "cl_aws_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "cl_alloc.h"

#define MAX_RESPONSE_BUFFER ((size_t)17 << 20)

struct cl_aws_tls {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_session session;
    bool has_session;
};

static int tls_init(struct cl_aws_tls *t, const char *ca_file)
{
    static const char pers[] = "clambda_aws";
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_session_init(&t->session);
    if (mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                              (const unsigned char *)pers, sizeof(pers) - 1) != 0) {
        return -EPROTO;
    }
    /* > 0 means some certificates of the bundle did not parse: the rest are usable */
    if (ca_file == NULL || mbedtls_x509_crt_parse_file(&t->ca, ca_file) < 0 || t->ca.version == 0) {
        return -EPROTO;
    }
    if (mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return -EPROTO;
    }
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    int rc = mbedtls_ssl_setup(&t->ssl, &t->conf);
    return rc == 0 ? 0 : (rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EPROTO);
}

static void tls_fini(struct cl_aws_tls *t)
{
    mbedtls_ssl_session_free(&t->session);
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
}

int cl_aws_conn_init(struct cl_aws_conn *c, const char *host, const char *port, bool is_tls,
                     const char *ca_file)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->timeout_ms = 10000;
    cl_buf_init(&c->in, MAX_RESPONSE_BUFFER);
    if (strlen(host) >= sizeof(c->host) || strlen(port) >= sizeof(c->port)) {
        return -EINVAL;
    }
    memcpy(c->host, host, strlen(host) + 1);
    memcpy(c->port, port, strlen(port) + 1);
    if (!is_tls) {
        return 0;
    }
    c->tls = cl_alloc_calloc(1, sizeof(*c->tls));
    if (c->tls == NULL) {
        return -ENOMEM;
    }
    return tls_init(c->tls, ca_file);
}

void cl_aws_conn_close(struct cl_aws_conn *c)
{
    if (c->fd >= 0) {
        (void)close(c->fd);
        c->fd = -1;
    }
    cl_buf_reset(&c->in);
}

void cl_aws_conn_fini(struct cl_aws_conn *c)
{
    if (c == NULL) {
        return;
    }
    cl_aws_conn_close(c);
    if (c->tls != NULL) {
        tls_fini(c->tls);
        cl_alloc_free(c->tls);
        c->tls = NULL;
    }
    cl_buf_fini(&c->in);
}

/* Waits until fd is ready for events; 0, or -ETIMEDOUT. */
static int wait_fd(struct cl_aws_conn *c, short events)
{
    struct pollfd p = {.fd = c->fd, .events = events};
    int n;
    while ((n = poll(&p, 1, c->timeout_ms)) < 0 && errno == EINTR) {
    }
    if (n == 0) {
        c->timed_out = true;
        return -ETIMEDOUT;
    }
    return n < 0 ? -EIO : 0;
}

/* Non-blocking connect bounded by the timeout, then back to blocking mode. */
static int connect_addr(struct cl_aws_conn *c, const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
        return -errno;
    }
    c->fd = fd;
    int rc = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        rc = errno == EINPROGRESS ? wait_fd(c, POLLOUT) : -errno;
        int err = 0;
        socklen_t len = sizeof(err);
        if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
            rc = -err;
        }
    }
    int one = 1;
    if (rc == 0 && (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)) {
        rc = -errno;
    }
    if (rc < 0) {
        (void)close(fd);
        c->fd = -1;
    }
    return rc;
}

static int tcp_connect(struct cl_aws_conn *c)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    if (getaddrinfo(c->host, c->port, &hints, &res) != 0 || res == NULL) {
        return -EHOSTUNREACH;
    }
    int rc = -ECONNREFUSED;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        rc = connect_addr(c, ai);
        if (rc == 0 || rc == -ETIMEDOUT) {
            break;
        }
    }
    freeaddrinfo(res);
    return rc == 0 || rc == -ETIMEDOUT || rc == -EHOSTUNREACH ? rc : -ECONNREFUSED;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct cl_aws_conn *c = ctx;
    ssize_t n;
    while ((n = send(c->fd, buf, len, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    return n < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct cl_aws_conn *c = ctx;
    if (wait_fd(c, POLLIN) < 0) {
        return c->timed_out ? MBEDTLS_ERR_SSL_TIMEOUT : MBEDTLS_ERR_NET_RECV_FAILED;
    }
    ssize_t n;
    while ((n = recv(c->fd, buf, len, 0)) < 0 && errno == EINTR) {
    }
    return n < 0 ? MBEDTLS_ERR_NET_RECV_FAILED : (int)n;
}

static int tls_handshake(struct cl_aws_conn *c)
{
    struct cl_aws_tls *t = c->tls;
    if (mbedtls_ssl_session_reset(&t->ssl) != 0 ||
        mbedtls_ssl_set_hostname(&t->ssl, c->host) != 0) {
        return -ENOMEM;
    }
    mbedtls_ssl_set_bio(&t->ssl, c, bio_send, bio_recv, NULL);
    if (t->has_session) {
        (void)mbedtls_ssl_set_session(&t->ssl, &t->session);
    }
    int rc;
    while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            return c->timed_out ? -ETIMEDOUT : -EPROTO;
        }
    }
    mbedtls_ssl_session_free(&t->session);
    mbedtls_ssl_session_init(&t->session);
    t->has_session = mbedtls_ssl_get_session(&t->ssl, &t->session) == 0;
    return 0;
}

int cl_aws_conn_open(struct cl_aws_conn *c)
{
    if (c->fd >= 0) {
        return 0;
    }
    c->timed_out = false;
    cl_buf_reset(&c->in);
    int rc = tcp_connect(c);
    if (rc == 0 && c->tls != NULL) {
        rc = tls_handshake(c);
        if (rc < 0) {
            cl_aws_conn_close(c);
        }
    }
    return rc;
}

bool cl_aws_conn_is_alive(struct cl_aws_conn *c)
{
    if (c->fd < 0) {
        return false;
    }
    /* Idle between requests, nothing should arrive: readable means closed (or garbage). */
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, 0) == 0 && c->in.len == 0;
}

static int send_all(struct cl_aws_conn *c, const uint8_t *p, size_t len)
{
    while (len > 0) {
        int n;
        if (c->tls != NULL) {
            n = mbedtls_ssl_write(&c->tls->ssl, p, len);
            if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) {
                continue;
            }
        } else {
            n = bio_send(c, p, len);
        }
        if (n <= 0) {
            return -EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads some bytes into c->in. Returns bytes read, 0 at the end of the stream, or an error. */
static long recv_some(struct cl_aws_conn *c)
{
    int rc = cl_buf_reserve(&c->in, 65536);
    if (rc < 0) {
        return rc;
    }
    size_t room = c->in.cap - c->in.len - 1;
    room = room > 65536 ? 65536 : room;
    int n;
    if (c->tls != NULL) {
        do {
            n = mbedtls_ssl_read(&c->tls->ssl, c->in.data + c->in.len, room);
        } while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
        if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || n == MBEDTLS_ERR_SSL_CONN_EOF) {
            n = 0;
        }
    } else {
        n = bio_recv(c, c->in.data + c->in.len, room);
    }
    if (n < 0) {
        return c->timed_out ? -ETIMEDOUT : -EIO;
    }
    c->in.len += (size_t)n;
    c->in.data[c->in.len] = '\0';
    return n;
}

static int read_response(struct cl_aws_conn *c, struct cl_http1_resp *resp, bool *got_any)
{
    for (;;) {
        if (c->in.len > 0) {
            long used = cl_http1_resp_feed(resp, c->in.data, c->in.len);
            if (used < 0) {
                return (int)used;
            }
            cl_buf_consume(&c->in, (size_t)used);
        }
        if (resp->is_done) {
            return 0;
        }
        long n = recv_some(c);
        if (n < 0) {
            return (int)n;
        }
        if (n == 0) {
            return *got_any && cl_http1_resp_eof(resp) == 0 ? 0 : -EIO;
        }
        *got_any = true;
    }
}

int cl_aws_conn_roundtrip(struct cl_aws_conn *c, const uint8_t *head, size_t head_len,
                          const uint8_t *body, size_t body_len, struct cl_http1_resp *resp,
                          bool *got_any)
{
    *got_any = false;
    c->timed_out = false;
    cl_http1_resp_reset(resp);
    int rc = c->fd >= 0 ? 0 : -EIO;
    if (rc == 0) {
        rc = send_all(c, head, head_len);
    }
    if (rc == 0 && body_len > 0) {
        rc = send_all(c, body, body_len);
    }
    /* Even when sending failed, the server may have answered (and closed) first. */
    int rrc = c->fd >= 0 ? read_response(c, resp, got_any) : rc;
    rc = rrc == 0 ? 0 : (rc < 0 && !*got_any ? rc : rrc);
    if (rc < 0 || !resp->keep_alive) {
        cl_aws_conn_close(c);
    }
    return rc;
}
