/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/http1.c: requests fed whole and byte by byte, pipelining, chunked
 * bodies with trailers, body and head caps, Expect: 100-continue and malformed input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/http1.h"

static const char simple[] = "POST /2015-03-31/functions/f/invocations?Qualifier=%24LATEST "
                             "HTTP/1.1\r\nHost: x\r\nX-Amz-Log-Type: Tail\r\n"
                             "Content-Length: 5\r\n\r\nhello";

static void check_simple(const struct http1_request *r)
{
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->url, "/2015-03-31/functions/f/invocations?Qualifier=%24LATEST");
    assert_int_equal(r->n_headers, 3);
    assert_string_equal(http1_header(r, "x-amz-log-type"), "Tail");
    assert_null(http1_header(r, "missing"));
    assert_int_equal(r->body_len, 5);
    assert_memory_equal(r->body, "hello", 5);
    assert_int_equal(r->content_length, 5);
    assert_true(r->keep_alive);
    assert_false(r->body_too_large);
}

static void test_http1_parser_feed_whole(void **state)
{
    (void)state;
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 1024);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)simple, strlen(simple), &used), 1);
    assert_int_equal(used, strlen(simple));
    check_simple(&p.req);
    http1_parser_fini(&p);
}

static void test_http1_parser_feed_bytewise(void **state)
{
    (void)state;
    struct http1_parser p;
    size_t used;
    int rc = 0;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 1024);
    for (size_t i = 0; i < strlen(simple); i++) {
        rc = http1_parser_feed(&p, (const uint8_t *)simple + i, 1, &used);
        assert_int_equal(used, 1);
        assert_int_equal(rc, i + 1 == strlen(simple) ? 1 : 0);
    }
    check_simple(&p.req);
    http1_parser_fini(&p);
}

static void test_http1_parser_feed_pipelined(void **state)
{
    (void)state;
    char two[1024];
    int n = snprintf(two, sizeof(two), "%s%s", simple, simple);
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 1024);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)two, (size_t)n, &used), 1);
    assert_int_equal(used, strlen(simple));
    check_simple(&p.req);
    size_t len = 0;
    uint8_t *body = http1_parser_take_body(&p, &len);
    assert_int_equal(len, 5);
    assert_null(p.req.body);
    free(body);
    http1_parser_next(&p);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)two + used, (size_t)n - used, &used),
                     1);
    check_simple(&p.req);
    http1_parser_fini(&p);
}

static void test_http1_parser_feed_chunked_trailers(void **state)
{
    (void)state;
    static const char req[] = "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                              "Trailer: Lambda-Runtime-Function-Error-Type\r\n\r\n"
                              "3\r\nabc\r\n2\r\nde\r\n0\r\n"
                              "Lambda-Runtime-Function-Error-Type: Oops\r\n\r\n";
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 1024);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)req, strlen(req), &used), 1);
    assert_int_equal(p.req.body_len, 5);
    assert_memory_equal(p.req.body, "abcde", 5);
    assert_int_equal(p.req.content_length, UINT64_MAX);
    assert_string_equal(http1_header(&p.req, "lambda-runtime-function-error-type"), "Oops");
    http1_parser_fini(&p);
}

static void test_http1_parser_feed_body_too_large(void **state)
{
    (void)state;
    static const char req[] = "POST /r HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
                              "GET /next HTTP/1.1\r\n\r\n";
    static const char chunked[] = "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "a\r\n0123456789\r\n0\r\n\r\n";
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 4);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)req, strlen(req), &used), 1);
    assert_true(p.req.body_too_large);
    assert_null(p.req.body);
    assert_int_equal(p.req.content_length, 10);
    http1_parser_next(&p);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)req + used, strlen(req) - used, &used),
                     1);
    assert_string_equal(p.req.url, "/next");
    assert_false(p.req.body_too_large);
    http1_parser_next(&p);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)chunked, strlen(chunked), &used), 1);
    assert_true(p.req.body_too_large);
    http1_parser_fini(&p);
}

/* A Content-Length within the cap sizes the body buffer once, when the head is complete. */
static void test_http1_parser_feed_body_sized_from_length(void **state)
{
    (void)state;
    static const char head[] = "POST /r HTTP/1.1\r\nContent-Length: 300000\r\n\r\n";
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, (size_t)1 << 20);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)head, strlen(head), &used), 0);
    assert_true(p.body.cap >= 300001);
    const uint8_t *before = p.body.data;
    uint8_t *chunk = calloc(1, 300000);
    assert_non_null(chunk);
    for (size_t off = 0; off < 300000; off += 1000) {
        int rc = http1_parser_feed(&p, chunk + off, 1000, &used);
        assert_int_equal(rc, off + 1000 == 300000 ? 1 : 0);
    }
    assert_ptr_equal(p.body.data, before); /* never moved */
    assert_int_equal(p.req.body_len, 300000);
    free(chunk);
    http1_parser_fini(&p);
}

static void test_http1_parser_feed_head_cap(void **state)
{
    (void)state;
    char req[2048];
    int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Big: %0900d\r\n\r\n", 0);
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, 512, 16);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)req, (size_t)n, &used), -E2BIG);
    http1_parser_fini(&p);
    struct cl_buf many;
    cl_buf_init(&many, SIZE_MAX);
    assert_int_equal(cl_buf_append_str(&many, "GET / HTTP/1.1\r\n"), 0);
    for (int i = 0; i <= HTTP1_MAX_HEADERS; i++) {
        assert_int_equal(cl_buf_printf(&many, "H%d: v\r\n", i), 0);
    }
    assert_int_equal(cl_buf_append_str(&many, "\r\n"), 0);
    http1_parser_init(&p, HTTP1_MAX_HEAD, 16);
    assert_int_equal(http1_parser_feed(&p, many.data, many.len, &used), -E2BIG);
    http1_parser_fini(&p);
    cl_buf_fini(&many);
}

static void test_http1_parser_feed_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                                      "NOPE / HTTP/1.1\r\n\r\n", "GET / HTTP/9\r\n\r\n",
                                      ("GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                       "Connection: upgrade\r\n\r\n")};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct http1_parser p;
        size_t used;
        http1_parser_init(&p, HTTP1_MAX_HEAD, 16);
        assert_int_equal(http1_parser_feed(&p, (const uint8_t *)bad[i], strlen(bad[i]), &used),
                         -EBADMSG);
        http1_parser_fini(&p);
    }
}

static void test_http1_parser_take_continue(void **state)
{
    (void)state;
    static const char req[] =
        "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    static const char http10[] = "GET / HTTP/1.0\r\n\r\n";
    struct http1_parser p;
    size_t used;
    http1_parser_init(&p, HTTP1_MAX_HEAD, 16);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)req, strlen(req), &used), 0);
    assert_true(http1_parser_take_continue(&p));
    assert_false(http1_parser_take_continue(&p));
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)"ok", 2, &used), 1);
    http1_parser_fini(&p);
    http1_parser_init(&p, HTTP1_MAX_HEAD, 16);
    assert_int_equal(http1_parser_feed(&p, (const uint8_t *)http10, strlen(http10), &used), 1);
    assert_false(p.req.keep_alive);
    assert_null(p.req.body);
    http1_parser_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http1_parser_feed_whole),
        cmocka_unit_test(test_http1_parser_feed_bytewise),
        cmocka_unit_test(test_http1_parser_feed_pipelined),
        cmocka_unit_test(test_http1_parser_feed_chunked_trailers),
        cmocka_unit_test(test_http1_parser_feed_body_too_large),
        cmocka_unit_test(test_http1_parser_feed_body_sized_from_length),
        cmocka_unit_test(test_http1_parser_feed_head_cap),
        cmocka_unit_test(test_http1_parser_feed_malformed),
        cmocka_unit_test(test_http1_parser_take_continue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
