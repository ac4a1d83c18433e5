/* SPDX-License-Identifier: MIT */
/* Unit tests for libclambda_aws over HTTPS: a TLS server thread (mbedTLS, the self-signed
 * certificate of tests/fixtures/tls, valid 2000-2099 for DNS:localhost) answers the client's
 * calls. Checked: a verified handshake and three calls on one connection, a reconnect after
 * each answer (the session offered again), an unknown CA and a wrong host name refused with
 * CLAMBDA_ETLS at once (not retried). */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "clambda/aws.h"

#define CERT CLAMBDA_FIXTURES_DIR "/tls/localhost.crt"
#define KEY  CLAMBDA_FIXTURES_DIR "/tls/localhost.key"

struct tls_server {
    int listen_fd, port;
    bool close_after_answer;
    volatile int stop;
    int n_connections, n_requests; /* read after the thread is joined */
    pthread_t thread;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_ssl_config conf;
};

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

/* Reads one request (head, then Content-Length bytes); false when the connection ended. */
static bool read_request(mbedtls_ssl_context *ssl)
{
    char buf[16384];
    size_t len = 0;
    buf[0] = '\0';
    for (;;) {
        const char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = strcasestr(buf, "content-length:");
            size_t want = (size_t)(end - buf) + 4 + (cl != NULL ? strtoul(cl + 15, NULL, 10) : 0);
            if (len >= want) {
                return true;
            }
        }
        int n = mbedtls_ssl_read(ssl, (unsigned char *)buf + len, sizeof(buf) - 1 - len);
        if (n <= 0) {
            return false;
        }
        len += (size_t)n;
        buf[len] = '\0';
    }
}

static void serve_connection(struct tls_server *s, int fd)
{
    static const char body[] = "{\"Item\":{\"n\":1}}";
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_setup(&ssl, &s->conf) == 0) {
        mbedtls_ssl_set_bio(&ssl, &fd, fd_send, fd_recv, NULL);
        int rc;
        while ((rc = mbedtls_ssl_handshake(&ssl)) == MBEDTLS_ERR_SSL_WANT_READ) {
        }
        while (rc == 0 && read_request(&ssl)) {
            s->n_requests++;
            char answer[256];
            int n = snprintf(answer, sizeof(answer),
                             "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n%s\r\n%s", strlen(body),
                             s->close_after_answer ? "Connection: close\r\n" : "", body);
            (void)mbedtls_ssl_write(&ssl, (const unsigned char *)answer, (size_t)n);
            if (s->close_after_answer) {
                (void)mbedtls_ssl_close_notify(&ssl);
                break;
            }
        }
    }
    mbedtls_ssl_free(&ssl);
}

static void *serve(void *arg)
{
    struct tls_server *s = arg;
    while (!s->stop) {
        struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd >= 0) {
            s->n_connections++;
            serve_connection(s, fd);
            (void)close(fd);
        }
    }
    return NULL;
}

static void server_start(struct tls_server *s)
{
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    mbedtls_x509_crt_init(&s->cert);
    mbedtls_pk_init(&s->key);
    mbedtls_ssl_config_init(&s->conf);
    assert_int_equal(mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                                           (const unsigned char *)"srv", 3),
                     0);
    assert_int_equal(mbedtls_x509_crt_parse_file(&s->cert, CERT), 0);
    assert_int_equal(mbedtls_pk_parse_keyfile(&s->key, KEY, NULL), 0);
    assert_int_equal(mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_SERVER,
                                                 MBEDTLS_SSL_TRANSPORT_STREAM,
                                                 MBEDTLS_SSL_PRESET_DEFAULT),
                     0);
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, &s->drbg);
    assert_int_equal(mbedtls_ssl_conf_own_cert(&s->conf, &s->cert, &s->key), 0);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->listen_fd, 8), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct tls_server *s)
{
    s->stop = 1;
    (void)pthread_join(s->thread, NULL);
    (void)close(s->listen_fd);
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_pk_free(&s->key);
    mbedtls_x509_crt_free(&s->cert);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
}

/* Opens a client on https://<host>:<port> trusting ca, makes n calls, returns the last rc. */
static int calls(const struct tls_server *s, const char *host, const char *ca, int n, int *attempts)
{
    char url[64];
    (void)snprintf(url, sizeof(url), "https://%s:%d", host, s->port);
    assert_int_equal(setenv("SSL_CERT_FILE", ca, 1), 0);
    clambda_aws_client *c = NULL;
    assert_int_equal(clambda_aws_client_open_with("dynamodb", url, "us-east-1", "A", "S", "", &c),
                     CLAMBDA_OK);
    int rc = CLAMBDA_OK;
    for (int i = 0; i < n && rc == CLAMBDA_OK; i++) {
        rc = clambda_aws_client_call_json(c, "1.0", "DynamoDB_20120810.GetItem", "{}", 2);
        if (rc == CLAMBDA_OK) {
            assert_string_equal((const char *)clambda_aws_client_body(c, NULL),
                                "{\"Item\":{\"n\":1}}");
        }
    }
    *attempts = clambda_aws_client_attempts(c);
    clambda_aws_client_close(c);
    (void)unsetenv("SSL_CERT_FILE");
    return rc;
}

static void test_tls_verified_and_kept_alive(void **state)
{
    (void)state;
    struct tls_server s = {0};
    server_start(&s);
    int attempts = 0;
    assert_int_equal(calls(&s, "localhost", CERT, 3, &attempts), CLAMBDA_OK);
    assert_int_equal(attempts, 1);
    server_stop(&s);
    assert_int_equal(s.n_connections, 1);
    assert_int_equal(s.n_requests, 3);
}

static void test_tls_reconnects(void **state)
{
    (void)state;
    struct tls_server s = {.close_after_answer = true};
    server_start(&s);
    int attempts = 0;
    assert_int_equal(calls(&s, "localhost", CERT, 3, &attempts), CLAMBDA_OK);
    assert_int_equal(attempts, 1);
    server_stop(&s);
    assert_int_equal(s.n_connections, 3);
    assert_int_equal(s.n_requests, 3);
}

static void test_tls_refusals(void **state)
{
    (void)state;
    struct tls_server s = {0};
    server_start(&s);
    int attempts = 0;
    /* a CA bundle without our certificate: the chain is not trusted */
    const char *other = access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0
                            ? "/etc/ssl/certs/ca-certificates.crt"
                            : "/etc/pki/tls/certs/ca-bundle.crt";
    if (access(other, R_OK) == 0) {
        assert_int_equal(calls(&s, "localhost", other, 1, &attempts), CLAMBDA_ETLS);
        assert_int_equal(attempts, 1);
    }
    /* the certificate names localhost, not 127.0.0.1 */
    assert_int_equal(calls(&s, "127.0.0.1", CERT, 1, &attempts), CLAMBDA_ETLS);
    assert_int_equal(attempts, 1);
    server_stop(&s);
    assert_int_equal(s.n_requests, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_verified_and_kept_alive),
        cmocka_unit_test(test_tls_reconnects),
        cmocka_unit_test(test_tls_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
