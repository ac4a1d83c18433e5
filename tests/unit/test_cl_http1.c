/* SPDX-License-Identifier: MIT */
/* Unit tests for the HTTP/1.1 response parser and chunked decoder (cl_http1.c): framing by
 * length, chunks and close, split feeds at every byte boundary, trailers, caps, malformed
 * input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_http1.h"

static long feed_all(struct cl_http1_resp *r, const char *s)
{
    return cl_http1_resp_feed(r, (const uint8_t *)s, strlen(s));
}

static void test_resp_feed_content_length(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    const char *msg = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                      "Content-Length: 15\r\n\r\n{\"status\":\"OK\"}";
    assert_int_equal(feed_all(&r, msg), (long)strlen(msg));
    assert_true(r.is_done);
    assert_true(r.keep_alive);
    assert_int_equal(r.status, 202);
    assert_int_equal(r.body.len, 15);
    assert_memory_equal(r.body.data, "{\"status\":\"OK\"}", 15);
    size_t len;
    const char *v = cl_http1_resp_field(&r, "content-type", &len);
    assert_non_null(v);
    assert_int_equal(len, 16);
    assert_memory_equal(v, "application/json", 16);
    assert_null(cl_http1_resp_field(&r, "X-Missing", &len));
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_byte_by_byte(void **state)
{
    (void)state;
    const char *msg = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:  abc \r\n"
                      "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\n"
                      "X-Trailer: yes\r\n\r\nNEXT";
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    size_t i = 0, total = strlen(msg);
    while (!r.is_done && i < total) {
        long n = cl_http1_resp_feed(&r, (const uint8_t *)msg + i, 1);
        assert_true(n >= 0);
        i += (size_t)n;
    }
    assert_true(r.is_done);
    assert_string_equal((const char *)msg + i, "NEXT");
    assert_int_equal(r.body.len, 6);
    assert_memory_equal(r.body.data, "hello!", 6);
    size_t len;
    const char *v = cl_http1_resp_field(&r, "lambda-runtime-aws-request-id", &len);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "abc", 3);
    v = cl_http1_resp_field(&r, "x-trailer", &len);
    assert_non_null(v);
    assert_memory_equal(v, "yes", 3);
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_close_delimited(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    assert_true(feed_all(&r, "HTTP/1.0 200 OK\r\n\r\nbody") > 0);
    assert_false(r.is_done);
    assert_false(r.keep_alive);
    assert_int_equal(cl_http1_resp_eof(&r), 0);
    assert_true(r.is_done);
    assert_int_equal(r.body.len, 4);
    cl_http1_resp_fini(&r);
}

static void test_resp_eof_truncated(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    assert_true(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") > 0);
    assert_int_equal(cl_http1_resp_eof(&r), -EBADMSG);
    cl_http1_resp_reset(&r);
    assert_true(feed_all(&r, "HTTP/1.1 200 OK\r\n") > 0);
    assert_int_equal(cl_http1_resp_eof(&r), -EBADMSG);
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_connection_close(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    assert_true(feed_all(&r, "HTTP/1.1 413 Too Large\r\nConnection: close\r\n"
                             "Content-Length: 0\r\n\r\n") > 0);
    assert_true(r.is_done);
    assert_false(r.keep_alive);
    assert_int_equal(r.status, 413);
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_interim_100(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    assert_true(feed_all(&r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") > 0);
    assert_true(r.is_done);
    assert_int_equal(r.status, 204);
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_head_request(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 4);
    r.is_head_request = true;
    const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
    assert_int_equal(feed_all(&r, a), (long)strlen(a)); /* no body, no cap */
    assert_true(r.is_done);
    assert_true(r.keep_alive);
    assert_int_equal(r.body.len, 0);
    cl_http1_resp_reset(&r);
    assert_true(r.is_head_request); /* a setting: kept across resets */
    const char *b = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1";
    assert_int_equal(feed_all(&r, b), (long)strlen(b) - 8); /* the rest is the next answer */
    assert_true(r.is_done);
    cl_http1_resp_fini(&r);
}

static int ignore_body(void *user, const struct cl_http1_resp *r, const uint8_t *data, size_t len)
{
    (void)user;
    (void)r;
    (void)data;
    (void)len;
    return 0;
}

/* With on_body set (cl_httpc empties the body between feeds), a body larger than the cap is
 * read piece by piece and its end is found from the bytes seen. */
static void test_resp_feed_pieces(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd";
    cl_http1_resp_init(&r, 4);
    r.on_body = ignore_body; /* cl_httpc calls it; the parser only checks that it is set */
    assert_int_equal(feed_all(&r, head), (long)strlen(head));
    assert_false(r.is_done);
    cl_buf_reset(&r.body);
    assert_int_equal(feed_all(&r, "efgh"), 4);
    cl_buf_reset(&r.body);
    assert_int_equal(feed_all(&r, "ijHTTP"), 2);
    assert_true(r.is_done);
    assert_int_equal(r.body_seen, 10);
    r.on_body = NULL;
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_body_cap(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 4);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), -E2BIG);
    assert_true(r.is_head_done); /* the head (request id) is still readable */
    cl_http1_resp_reset(&r);
    assert_int_equal(feed_all(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5\r\nhello\r\n0\r\n\r\n"),
                     -E2BIG);
    cl_http1_resp_fini(&r);
}

static void test_resp_feed_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cl_http1_resp r;
        cl_http1_resp_init(&r, 1 << 20);
        long n = feed_all(&r, bad[i]);
        if (n != -EBADMSG) {
            print_error("case %zu: %ld\n", i, n);
        }
        assert_int_equal(n, -EBADMSG);
        cl_http1_resp_fini(&r);
    }
}

static void test_resp_feed_too_many_fields(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    long n = feed_all(&r, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < CL_HTTP1_MAX_FIELDS + 1 && n >= 0; i++) {
        n = feed_all(&r, "X-A: b\r\n");
    }
    assert_true(n >= 0);
    assert_int_equal(feed_all(&r, "\r\n"), -E2BIG);
    cl_http1_resp_fini(&r);
}

static void test_resp_field_dup(void **state)
{
    (void)state;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1024);
    assert_true(feed_all(&r, "HTTP/1.1 204 No Content\r\nX-Id: 42\r\n\r\n") > 0);
    char *v = cl_http1_resp_field_dup(&r, "x-id");
    assert_string_equal(v, "42");
    free(v);
    assert_null(cl_http1_resp_field_dup(&r, "x-none"));
    cl_http1_resp_fini(&r);
}

static void test_chunked_decode_trailers(void **state)
{
    (void)state;
    struct cl_chunked c;
    struct cl_buf out, tr;
    cl_chunked_init(&c);
    cl_buf_init(&out, 1024);
    cl_buf_init(&tr, 1024);
    const char *in = "3\r\nabc\r\n0\r\nA: 1\r\nB: 2\r\n\r\nrest";
    long n = cl_chunked_decode(&c, (const uint8_t *)in, strlen(in), &out, &tr);
    assert_int_equal(n, (long)strlen(in) - 4);
    assert_true(c.is_done);
    assert_string_equal(cl_buf_str(&out), "abc");
    assert_string_equal(cl_buf_str(&tr), "A: 1\nB: 2\n");
    cl_buf_fini(&out);
    cl_buf_fini(&tr);
}

static void test_chunked_decode_bare_lf(void **state)
{
    (void)state;
    struct cl_chunked c;
    struct cl_buf out;
    cl_chunked_init(&c);
    cl_buf_init(&out, 1024);
    const char *in = "2\nhi\n0\n\n";
    assert_int_equal(cl_chunked_decode(&c, (const uint8_t *)in, strlen(in), &out, NULL),
                     (long)strlen(in));
    assert_true(c.is_done);
    assert_string_equal(cl_buf_str(&out), "hi");
    cl_buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resp_feed_content_length),
        cmocka_unit_test(test_resp_feed_byte_by_byte),
        cmocka_unit_test(test_resp_feed_close_delimited),
        cmocka_unit_test(test_resp_eof_truncated),
        cmocka_unit_test(test_resp_feed_connection_close),
        cmocka_unit_test(test_resp_feed_interim_100),
        cmocka_unit_test(test_resp_feed_head_request),
        cmocka_unit_test(test_resp_feed_pieces),
        cmocka_unit_test(test_resp_feed_body_cap),
        cmocka_unit_test(test_resp_feed_malformed),
        cmocka_unit_test(test_resp_feed_too_many_fields),
        cmocka_unit_test(test_resp_field_dup),
        cmocka_unit_test(test_chunked_decode_trailers),
        cmocka_unit_test(test_chunked_decode_bare_lf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
