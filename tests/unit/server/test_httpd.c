/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/httpd.c: a response body taken by the server and written in parts;
 * streaming: chunked responses with trailers (exact bytes),
 * flow control towards a client that does not read (the queue stays bounded, the drain
 * callback resumes the producer, every byte arrives) and request bodies streamed to a callback
 * as they arrive; connection hygiene: header, body and idle timeouts (short ones set through the
 * config), an answer slower than all of them, the connection cap, the JSON answer to a
 * malformed request. The server runs its loop on a thread; the test is a blocking socket
 * client. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/httpd.h"

#define BIG_TOTAL ((size_t)8 * 1024 * 1024)
#define BIG_CHUNK ((size_t)64 * 1024)
/* The short timeouts of the hygiene tests, and the answer slower than all of them. */
#define SHORT_MS 300
#define SLOW_MS  1200

/* Server side state; touched only by the loop thread until it is joined. */
struct fixture {
    uv_loop_t loop;
    uv_async_t stop;
    uv_timer_t slow;              /* answers /slow late */
    struct httpd_conn *slow_conn; /* the request it answers */
    struct httpd *srv;
    pthread_t thread;
    int port;
    size_t sent;       /* big: bytes streamed so far */
    size_t max_queued; /* big: largest queue seen after a write */
    int n_pauses;      /* big: writes that answered 1 */
    int n_drains;      /* big: drain callbacks */
    char body[256];    /* streamed request body as received */
    size_t body_len;
    int n_body_calls;
};

static struct fixture fx;

static const uint8_t block[BIG_CHUNK];

static void on_stop(uv_async_t *a)
{
    httpd_close(fx.srv);
    uv_close((uv_handle_t *)a, NULL);
    uv_close((uv_handle_t *)&fx.slow, NULL);
}

static void on_slow(uv_timer_t *t)
{
    (void)t;
    httpd_respond(fx.slow_conn, 200, NULL, 0, "late", 4);
    fx.slow_conn = NULL;
}

static void *loop_main(void *arg)
{
    (void)arg;
    (void)uv_run(&fx.loop, UV_RUN_DEFAULT);
    return NULL;
}

static void big_pump(struct httpd_conn *c)
{
    while (fx.sent < BIG_TOTAL) {
        int rc = httpd_stream_write(c, block, BIG_CHUNK);
        fx.sent += BIG_CHUNK;
        size_t q = httpd_stream_queued(c);
        fx.max_queued = q > fx.max_queued ? q : fx.max_queued;
        if (rc == 1) {
            fx.n_pauses++;
            return; /* wait for the drain callback */
        }
        assert_int_equal(rc, 0);
    }
    httpd_stream_end(c, NULL, 0);
}

static void on_drain(struct httpd_conn *c, void *arg)
{
    (void)arg;
    fx.n_drains++;
    assert_true(httpd_stream_queued(c) <= HTTPD_STREAM_LOW_WATER);
    big_pump(c);
}

static void on_body(struct httpd_conn *c, const uint8_t *data, size_t len, void *arg)
{
    (void)c;
    (void)arg;
    fx.n_body_calls++;
    for (size_t i = 0; i < len; i++, fx.body_len++) {
        if (fx.body_len < sizeof(fx.body)) {
            fx.body[fx.body_len] = (char)data[i];
        }
    }
}

static void on_head(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    (void)user;
    if (strcmp(req->url, "/upload") == 0) {
        assert_non_null(http1_header(req, "X-Before-Body"));
        httpd_conn_stream_body(c, on_body, NULL);
    }
}

static void on_request(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    (void)user;
    if (strcmp(req->url, "/chunks") == 0) {
        const struct httpd_header h[] = {{"X-A", "b"}};
        const struct httpd_header t[] = {{"X-T", "1"}};
        httpd_stream_start(c, 200, h, 1);
        assert_int_equal(httpd_stream_write(c, "hello", 5), 0);
        assert_int_equal(httpd_stream_write(c, "", 0), 0); /* nothing: not the last chunk */
        assert_int_equal(httpd_stream_write(c, " world", 6), 0);
        httpd_stream_end(c, t, 1);
        assert_int_equal(httpd_stream_write(c, "late", 4), -EPIPE);
    } else if (strcmp(req->url, "/cut") == 0) {
        httpd_stream_start(c, 200, NULL, 0);
        assert_int_equal(httpd_stream_write(c, "part", 4), 0);
        httpd_stream_abort(c); /* a failed producer: no final chunk */
    } else if (strcmp(req->url, "/taken") == 0) {
        uint8_t *body = malloc(BIG_TOTAL / 2); /* the server's from here on (ASan: no leak) */
        assert_non_null(body);
        for (size_t i = 0; i < BIG_TOTAL / 2; i++) {
            body[i] = (uint8_t)(i % 251);
        }
        httpd_respond_take(c, 200, NULL, 0, body, BIG_TOTAL / 2);
    } else if (strcmp(req->url, "/slow") == 0) {
        fx.slow_conn = c;
        assert_int_equal(uv_timer_start(&fx.slow, on_slow, SLOW_MS, 0), 0);
    } else if (strcmp(req->url, "/big") == 0) {
        httpd_stream_start(c, 200, NULL, 0);
        httpd_stream_set_drain(c, on_drain, NULL);
        big_pump(c);
    } else {
        char msg[128];
        const char *tr = http1_header(req, "X-Trailer");
        int n = snprintf(msg, sizeof(msg), "got %zu bytes in %s, body %s, trailer %s", fx.body_len,
                         fx.n_body_calls > 0 ? "calls" : "none",
                         req->body ? "buffered" : "streamed", tr ? tr : "-");
        httpd_respond(c, 200, NULL, 0, msg, (size_t)n);
    }
}

static void start(const struct httpd_config *cfg)
{
    memset(&fx, 0, sizeof(fx));
    assert_int_equal(uv_loop_init(&fx.loop), 0);
    assert_int_equal(uv_async_init(&fx.loop, &fx.stop, on_stop), 0);
    assert_int_equal(uv_timer_init(&fx.loop, &fx.slow), 0);
    assert_int_equal(httpd_open(&fx.loop, cfg, on_request, NULL, &fx.srv), 0);
    httpd_set_head_handler(fx.srv, on_head);
    fx.port = httpd_port(fx.srv);
    assert_int_equal(pthread_create(&fx.thread, NULL, loop_main, NULL), 0);
}

/* The default timeouts (0: a minute and more). */
static int setup(void **state)
{
    (void)state;
    struct httpd_config cfg = {"127.0.0.1", 0, 1024, 16, "test", 0, 0, 0};
    start(&cfg);
    return 0;
}

/* Every timeout SHORT_MS. */
static int setup_short(void **state)
{
    (void)state;
    struct httpd_config cfg = {"127.0.0.1", 0, 1024, 16, "test", SHORT_MS, SHORT_MS, SHORT_MS};
    start(&cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(uv_async_send(&fx.stop), 0);
    assert_int_equal(pthread_join(fx.thread, NULL), 0);
    assert_int_equal(uv_loop_close(&fx.loop), 0);
    return 0;
}

/* Sends req and reads until the server closes. OUT: *len. Caller frees. */
static char *exchange(const char *req, size_t req_len, int delay_ms, size_t *len)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int small = 4096; /* a small receive buffer, so the server's queue fills */
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(write(fd, req, req_len), (ssize_t)req_len);
    if (delay_ms > 0) {
        (void)usleep((useconds_t)delay_ms * 1000);
    }
    size_t cap = 1 << 16;
    size_t n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 65536 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        ssize_t r = read(fd, buf + n, 65536);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n < cap ? n : cap - 1] = '\0';
    *len = n;
    return buf;
}

static void test_httpd_stream_chunks_and_trailers(void **state)
{
    (void)state;
    static const char req[] = "GET /chunks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    static const char want[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n"
                               "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n"
                               "0\r\nX-T: 1\r\n\r\n";
    size_t len = 0;
    char *got = exchange(req, sizeof(req) - 1, 0, &len);
    /* every head carries Date (IMF-fixdate, 29 characters) right after the status line */
    static const char status[] = "HTTP/1.1 200 OK\r\n";
    assert_memory_equal(got, status, sizeof(status) - 1);
    char *date = got + sizeof(status) - 1;
    assert_memory_equal(date, "Date: ", 6);
    char *eol = strstr(date, "\r\n");
    assert_non_null(eol);
    assert_int_equal(eol - date - 6, 29);
    assert_memory_equal(eol - 4, " GMT", 4);
    memmove(date, eol + 2, strlen(eol + 2) + 1);
    assert_string_equal(got, want);
    free(got);
}

static void test_httpd_stream_abort_cuts_the_body(void **state)
{
    (void)state;
    static const char req[] = "GET /cut HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t len = 0;
    char *got = exchange(req, sizeof(req) - 1, 0, &len); /* returns when the server closes */
    assert_non_null(strstr(got, "Transfer-Encoding: chunked\r\n"));
    assert_true(len >= 9);
    assert_memory_equal(got + len - 9, "4\r\npart\r\n", 9); /* and no "0\r\n\r\n" after it */
    free(got);
}

static void test_httpd_stream_flow_control(void **state)
{
    (void)state;
    static const char req[] = "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    size_t len = 0;
    char *got = exchange(req, sizeof(req) - 1, 300, &len);
    /* 128 chunks of "10000\r\n" + 64 KB + "\r\n", the end, and the head */
    size_t body = (BIG_TOTAL / BIG_CHUNK) * (BIG_CHUNK + 9) + 5;
    assert_true(len > body);
    assert_memory_equal(got + len - 5, "0\r\n\r\n", 5);
    free(got);
    assert_int_equal(fx.sent, BIG_TOTAL);
    assert_true(fx.n_pauses > 0);
    assert_int_equal(fx.n_drains, fx.n_pauses);
    /* bounded: the high-water mark plus the one chunk that crossed it */
    assert_true(fx.max_queued <= HTTPD_STREAM_HIGH_WATER + BIG_CHUNK + 16);
}

/* A body taken by the server goes out whole although the socket takes only part of it at once
 * (the client's small receive buffer): queued as it is, not copied. */
static void test_httpd_respond_take_partial_write(void **state)
{
    (void)state;
    static const char req[] = "GET /taken HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    size_t len = 0;
    char *got = exchange(req, sizeof(req) - 1, 100, &len);
    char *body = strstr(got, "\r\n\r\n");
    assert_non_null(body);
    assert_non_null(strstr(got, "Content-Length: 4194304\r\n"));
    body += 4;
    assert_int_equal(len - (size_t)(body - got), BIG_TOTAL / 2);
    for (size_t i = 0; i < BIG_TOTAL / 2; i++) {
        if ((uint8_t)body[i] != (uint8_t)(i % 251)) {
            fail_msg("byte %zu differs", i);
        }
    }
    free(got);
}

static void test_httpd_stream_request_body(void **state)
{
    (void)state;
    /* 11 + 1500 bytes: over max_body (1024), which does not apply to a streamed body */
    char req[4096];
    char big[1501];
    memset(big, 'b', 1500);
    big[1500] = '\0';
    int n = snprintf(req, sizeof(req),
                     "POST /upload HTTP/1.1\r\nHost: x\r\nX-Before-Body: 1\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n5dc\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n",
                     big);
    size_t len = 0;
    char *got = exchange(req, (size_t)n, 0, &len);
    assert_non_null(strstr(got, "got 1511 bytes in calls, body streamed, trailer yes"));
    assert_memory_equal(fx.body, "hello worldbbb", 14);
    free(got);
}

/* A connected client socket that gives up reading after 5 s. */
static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 5};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fx.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static long now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void send_all(int fd, const char *s)
{
    size_t len = strlen(s);
    assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads until the server closes (not a receive timeout). OUT: buf (cap bytes, NUL-terminated).
 * Returns the bytes read. */
static size_t read_to_close(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r < 0 && errno == ECONNRESET) {
            break;
        }
        assert_true(r >= 0); /* not EAGAIN: the server closed before 5 s */
        if (r == 0) {
            break;
        }
        n += (size_t)r;
        assert_true(n < cap - 1);
    }
    buf[n] = '\0';
    return n;
}

/* Half a head, then nothing: closed after the header timeout, without an answer. */
static void test_httpd_header_timeout_half_head(void **state)
{
    (void)state;
    int fd = dial();
    send_all(fd, "GET / HTTP/1.1\r\nHo");
    long t0 = now_ms();
    char buf[256];
    assert_int_equal(read_to_close(fd, buf, sizeof(buf)), 0);
    long took = now_ms() - t0;
    assert_true(took >= SHORT_MS - 50 && took < 3 * SHORT_MS);
    close(fd);
}

/* A head sent a byte at a time, each well within the timeout: the timeout counts from its
 * first byte, so the client is cut all the same. */
static void test_httpd_header_timeout_trickle(void **state)
{
    (void)state;
    int fd = dial();
    static const char head[] = "GET /trickle HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaa\r\n\r\n";
    long t0 = now_ms();
    size_t i = 0;
    for (; i < sizeof(head) - 1; i++) {
        if (send(fd, head + i, 1, MSG_NOSIGNAL) != 1) {
            break;
        }
        (void)usleep(SHORT_MS / 6 * 1000);
    }
    char buf[256];
    assert_int_equal(read_to_close(fd, buf, sizeof(buf)), 0);
    assert_true(i < sizeof(head) - 1 || now_ms() - t0 < 2 * SHORT_MS); /* cut before the end */
    close(fd);
}

/* A body that stops arriving: closed after the body timeout. */
static void test_httpd_body_timeout(void **state)
{
    (void)state;
    int fd = dial();
    send_all(fd, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    (void)usleep(SHORT_MS / 2 * 1000);
    send_all(fd, "de"); /* each read restarts the body's timeout */
    char buf[256];
    long t0 = now_ms();
    assert_int_equal(read_to_close(fd, buf, sizeof(buf)), 0);
    assert_true(now_ms() - t0 >= SHORT_MS - 50);
    close(fd);
}

/* A keep-alive connection left idle after its answer is closed after the idle timeout. */
static void test_httpd_idle_timeout(void **state)
{
    (void)state;
    int fd = dial();
    send_all(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[1024];
    long t0 = now_ms();
    size_t n = read_to_close(fd, buf, sizeof(buf));
    long took = now_ms() - t0;
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    assert_null(strstr(buf, "Connection: close"));
    assert_true(n > 0 && took >= SHORT_MS - 50 && took < 3 * SHORT_MS);
    close(fd);
}

/* Requests closer together than the idle timeout, each answered at once, keep a connection
 * open longer than that timeout: each answer starts a new idle time. */
static void test_httpd_busy_connection_not_idle(void **state)
{
    (void)state;
    int fd = dial();
    char buf[1024];
    for (int i = 0; i < 4; i++) {
        send_all(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
        assert_true(r > 0);
        buf[r] = '\0';
        assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
        (void)usleep(SHORT_MS * 2 / 3 * 1000);
    }
    close(fd);
}

/* An answer slower than every timeout still arrives, and the connection stays usable. */
static void test_httpd_slow_answer_not_timed(void **state)
{
    (void)state;
    int fd = dial();
    send_all(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[1024];
    ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
    assert_true(r > 0);
    buf[r] = '\0';
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(buf, "\r\n\r\nlate"));
    send_all(fd, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    (void)read_to_close(fd, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    close(fd);
}

/* A malformed request: 400 in AWS's error shape, then the connection is closed. */
static void test_httpd_malformed_json_error(void **state)
{
    (void)state;
    int fd = dial();
    send_all(fd, "GET / HTTP/1.1\r\nBad Header\r\n\r\n");
    char buf[1024];
    (void)read_to_close(fd, buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 400 Bad Request\r\n"));
    assert_non_null(strstr(buf, "x-amzn-ErrorType: BadRequestException\r\n"));
    assert_non_null(strstr(buf, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(buf, "Connection: close\r\n"));
    assert_non_null(
        strstr(buf, "\r\n\r\n{\"Type\":\"User\",\"message\":\"Malformed HTTP request: "));
    close(fd);
}

/* The 17th connection over a cap of 16 is accepted and closed at once; the others are served. */
static void test_httpd_connection_cap(void **state)
{
    (void)state;
    int fds[16];
    for (int i = 0; i < 16; i++) {
        fds[i] = dial();
    }
    int extra = dial();
    char buf[1024];
    long t0 = now_ms();
    assert_int_equal(read_to_close(extra, buf, sizeof(buf)), 0);
    assert_true(now_ms() - t0 < SHORT_MS / 2); /* not a header timeout */
    close(extra);
    send_all(fds[0], "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    (void)read_to_close(fds[0], buf, sizeof(buf));
    assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
    for (int i = 0; i < 16; i++) {
        close(fds[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_httpd_stream_chunks_and_trailers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_stream_abort_cuts_the_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_stream_flow_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_stream_request_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_respond_take_partial_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_header_timeout_half_head, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_header_timeout_trickle, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_body_timeout, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_idle_timeout, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_slow_answer_not_timed, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_busy_connection_not_idle, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_malformed_json_error, setup_short, teardown),
        cmocka_unit_test_setup_teardown(test_httpd_connection_cap, setup_short, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
