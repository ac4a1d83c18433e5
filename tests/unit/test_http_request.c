/* SPDX-License-Identifier: MIT */
/* Unit tests for the HTTP request view (http_request.c): every accessor on every source, from
 * the fixtures in tests/fixtures/events/ (API Gateway v1 and v2, Function URL, ALB single and
 * multi-value mode), non-HTTP and malformed events, percent-decoding and cookie edge cases,
 * clambda_http_request_from() against the fake Runtime API, and an OOM walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "clambda/http.h"
#include "fake_rapi.h"

#ifndef CLAMBDA_FIXTURES_DIR
#error "CLAMBDA_FIXTURES_DIR must name tests/fixtures"
#endif

/* Reads tests/fixtures/events/<name> into a malloc'd NUL-terminated buffer. */
static char *load_fixture(const char *name, size_t *len)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/events/%s", CLAMBDA_FIXTURES_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    data[size] = '\0';
    (void)fclose(f);
    *len = (size_t)size;
    return data;
}

/* Parses fixture name, expecting rc; the payload is freed before the request is used, which
 * checks that the request owns its strings. */
static clambda_http_request *parse_fixture(const char *name, int rc)
{
    size_t len;
    char *data = load_fixture(name, &len);
    clambda_http_request *req = (clambda_http_request *)1;
    assert_int_equal(clambda_http_request_parse((const uint8_t *)data, len, &req), rc);
    free(data);
    if (rc != CLAMBDA_OK) {
        assert_null(req);
    }
    return req;
}

static int parse_str(const char *json, clambda_http_request **out)
{
    return clambda_http_request_parse((const uint8_t *)json, strlen(json), out);
}

static void test_http_request_parse_apigw_v1(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_APIGW_V1);
    assert_string_equal(clambda_http_request_method(req), "POST");
    assert_string_equal(clambda_http_request_raw_path(req), "/pets/42/photo%20album");
    assert_string_equal(clambda_http_request_path(req), "/pets/42/photo album");
    assert_string_equal(clambda_http_request_path_param(req, "id"), "42");
    assert_null(clambda_http_request_path_param(req, "ID"));
    assert_string_equal(clambda_http_request_stage(req), "prod");
    assert_string_equal(clambda_http_request_source_ip(req), "198.51.100.7");
    assert_string_equal(clambda_http_request_id(req), "6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b");
    size_t len;
    const uint8_t *body = clambda_http_request_body(req, &len);
    assert_int_equal(len, 10);
    assert_memory_equal(body, "\x89PNG\r\n\x1a\n\0\xff", 10);
    assert_true(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

static void test_http_request_query_apigw_v1(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1.json", CLAMBDA_OK);
    /* multi map first, then the names only the single map has */
    assert_int_equal(clambda_http_request_n_queries(req), 4);
    assert_string_equal(clambda_http_request_query(req, "tag"), "blue");
    assert_int_equal(clambda_http_request_query_count(req, "tag"), 2);
    assert_string_equal(clambda_http_request_query_nth(req, "tag", 0), "red");
    assert_string_equal(clambda_http_request_query_nth(req, "tag", 1), "blue");
    assert_null(clambda_http_request_query_nth(req, "tag", 2));
    assert_string_equal(clambda_http_request_query(req, "q"), "a b&c");
    assert_string_equal(clambda_http_request_query(req, "only_single"), "yes");
    assert_null(clambda_http_request_query(req, "TAG"));
    assert_int_equal(clambda_http_request_query_count(req, "missing"), 0);
    const char *value;
    assert_string_equal(clambda_http_request_query_at(req, 2, &value), "q");
    assert_string_equal(value, "a b&c");
    assert_null(clambda_http_request_query_at(req, 4, &value));
    assert_null(value);
    assert_string_equal(clambda_http_request_raw_query(req),
                        "tag=red&tag=blue&q=a%20b%26c&only_single=yes");
    clambda_http_request_free(req);
}

static void test_http_request_header_apigw_v1(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_n_headers(req), 8);
    assert_string_equal(clambda_http_request_header(req, "content-type"), "image/png");
    assert_string_equal(clambda_http_request_header(req, "X-MULTI"), "first");
    assert_int_equal(clambda_http_request_header_count(req, "x-multi"), 2);
    assert_string_equal(clambda_http_request_header_nth(req, "x-Multi", 1), "second");
    assert_null(clambda_http_request_header_nth(req, "x-multi", 2));
    assert_null(clambda_http_request_header(req, "x-absent"));
    const char *value;
    assert_string_equal(clambda_http_request_header_at(req, 0, &value), "Accept");
    assert_string_equal(value, "image/png");
    assert_string_equal(clambda_http_request_header_at(req, 7, NULL), "X-Multi");
    assert_null(clambda_http_request_header_at(req, 8, &value));
    assert_null(value);
    clambda_http_request_free(req);
}

static void test_http_request_cookie_apigw_v1(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_n_cookies(req), 2);
    assert_string_equal(clambda_http_request_cookie_at(req, 0), "session=abc123");
    assert_string_equal(clambda_http_request_cookie_at(req, 1), "theme=\"dark\"");
    assert_null(clambda_http_request_cookie_at(req, 2));
    assert_string_equal(clambda_http_request_cookie(req, "session"), "abc123");
    assert_string_equal(clambda_http_request_cookie(req, "theme"), "dark");
    assert_null(clambda_http_request_cookie(req, "Session"));
    clambda_http_request_free(req);
}

static void test_http_request_parse_apigw_v1_nulls(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1-nulls.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_APIGW_V1);
    assert_string_equal(clambda_http_request_path(req), "/");
    assert_int_equal(clambda_http_request_n_queries(req), 0);
    assert_string_equal(clambda_http_request_raw_query(req), "");
    assert_null(clambda_http_request_query(req, "x"));
    assert_null(clambda_http_request_path_param(req, "proxy"));
    assert_int_equal(clambda_http_request_n_cookies(req), 0);
    assert_int_equal(clambda_http_request_n_headers(req), 1);
    assert_string_equal(clambda_http_request_header(req, "host"),
                        "k3x9q2w1e5.execute-api.eu-west-1.amazonaws.com");
    assert_string_equal(clambda_http_request_stage(req), "test");
    assert_string_equal(clambda_http_request_source_ip(req), "192.0.2.44");
    size_t len = 99;
    const uint8_t *body = clambda_http_request_body(req, &len);
    assert_non_null(body);
    assert_int_equal(len, 0);
    assert_int_equal(body[0], 0);
    assert_false(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

static void test_http_request_parse_apigw_v2(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v2.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_APIGW_V2);
    assert_string_equal(clambda_http_request_method(req), "POST");
    assert_string_equal(clambda_http_request_raw_path(req), "/dev/items/a%20b");
    assert_string_equal(clambda_http_request_path(req), "/dev/items/a b");
    assert_string_equal(clambda_http_request_path_param(req, "id"), "a b");
    assert_string_equal(clambda_http_request_stage(req), "dev");
    assert_string_equal(clambda_http_request_source_ip(req), "203.0.113.9");
    assert_string_equal(clambda_http_request_id(req), "Zx9YwVuT0sRqA=");
    /* AWS joined the repeated header: it stays one value */
    assert_string_equal(clambda_http_request_header(req, "X-Test"), "one,two");
    assert_int_equal(clambda_http_request_header_count(req, "x-test"), 1);
    assert_int_equal(clambda_http_request_n_headers(req), 9);
    size_t len;
    const uint8_t *body = clambda_http_request_body(req, &len);
    assert_int_equal(len, 11);
    assert_memory_equal(body, "\0\1\2binary\xfe\xff", 11);
    assert_true(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

static void test_http_request_query_apigw_v2(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v2.json", CLAMBDA_OK);
    assert_string_equal(clambda_http_request_raw_query(req),
                        "tag=red&tag=blue&q=a+b%21&empty=&flag&pct=100%25");
    assert_int_equal(clambda_http_request_n_queries(req), 6);
    /* re-parsed from rawQueryString: not the comma-joined "red,blue" */
    assert_int_equal(clambda_http_request_query_count(req, "tag"), 2);
    assert_string_equal(clambda_http_request_query_nth(req, "tag", 0), "red");
    assert_string_equal(clambda_http_request_query(req, "tag"), "blue");
    assert_string_equal(clambda_http_request_query(req, "q"), "a b!");
    assert_string_equal(clambda_http_request_query(req, "empty"), "");
    assert_string_equal(clambda_http_request_query(req, "flag"), "");
    assert_string_equal(clambda_http_request_query(req, "pct"), "100%");
    clambda_http_request_free(req);
}

static void test_http_request_cookie_apigw_v2(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v2.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_n_cookies(req), 3);
    assert_string_equal(clambda_http_request_cookie_at(req, 0), "session=s3cr3t");
    assert_string_equal(clambda_http_request_cookie_at(req, 1), "theme=\"dark\"");
    assert_string_equal(clambda_http_request_cookie(req, "session"), "s3cr3t");
    assert_string_equal(clambda_http_request_cookie(req, "theme"), "dark");
    assert_string_equal(clambda_http_request_cookie(req, "lang"), "en");
    clambda_http_request_free(req);
}

static void test_http_request_parse_function_url(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("function-url.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_FUNCTION_URL);
    assert_string_equal(clambda_http_request_method(req), "GET");
    assert_string_equal(clambda_http_request_raw_path(req), "/hello");
    assert_string_equal(clambda_http_request_path(req), "/hello");
    assert_string_equal(clambda_http_request_raw_query(req), "name=World");
    assert_string_equal(clambda_http_request_query(req, "name"), "World");
    assert_string_equal(clambda_http_request_stage(req), "$default");
    assert_null(clambda_http_request_path_param(req, "proxy"));
    assert_int_equal(clambda_http_request_n_cookies(req), 0);
    assert_string_equal(clambda_http_request_header(req, "user-agent"), "curl/8.4.0");
    assert_string_equal(clambda_http_request_source_ip(req), "192.0.2.200");
    assert_string_equal(clambda_http_request_id(req), "c0ffee00-1111-4222-8333-444455556666");
    size_t len;
    assert_string_equal((const char *)clambda_http_request_body(req, &len), "");
    assert_int_equal(len, 0);
    assert_false(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

static void test_http_request_parse_alb_single(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("alb-single.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_ALB);
    assert_string_equal(clambda_http_request_method(req), "GET");
    assert_string_equal(clambda_http_request_path(req), "/lambda");
    /* ALB passes the query still percent-encoded */
    assert_string_equal(clambda_http_request_query(req, "name"), "J\xc3\xb6rg M");
    assert_string_equal(clambda_http_request_query(req, "a&b"), "c=d");
    assert_string_equal(clambda_http_request_query(req, "query"), "1234ABCD");
    assert_int_equal(clambda_http_request_n_queries(req), 4);
    assert_string_equal(clambda_http_request_raw_query(req),
                        "query=1234ABCD&name=J%C3%B6rg%20M&a%26b=c%3Dd&tag=blue");
    assert_string_equal(clambda_http_request_source_ip(req), "72.12.164.125");
    assert_null(clambda_http_request_stage(req));
    assert_null(clambda_http_request_id(req));
    assert_null(clambda_http_request_path_param(req, "id"));
    assert_int_equal(clambda_http_request_n_cookies(req), 2);
    assert_string_equal(clambda_http_request_cookie(req, "b"), "2");
    assert_int_equal(clambda_http_request_n_headers(req), 8);
    assert_string_equal(clambda_http_request_header(req, "Accept"), "text/html");
    size_t len;
    clambda_http_request_body(req, &len);
    assert_int_equal(len, 0);
    assert_false(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

static void test_http_request_parse_alb_multi(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("alb-multi.json", CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_ALB);
    assert_string_equal(clambda_http_request_method(req), "POST");
    assert_int_equal(clambda_http_request_query_count(req, "tag"), 2);
    assert_string_equal(clambda_http_request_query_nth(req, "tag", 0), "red x");
    assert_string_equal(clambda_http_request_query(req, "tag"), "blue");
    assert_string_equal(clambda_http_request_query(req, "e="), "=");
    assert_string_equal(clambda_http_request_query(req, "q"), "1 2");
    assert_int_equal(clambda_http_request_header_count(req, "X-Multi"), 2);
    assert_string_equal(clambda_http_request_header_nth(req, "x-multi", 1), "two");
    assert_string_equal(clambda_http_request_header(req, "content-type"),
                        "text/plain; charset=utf-8");
    /* two Cookie header values, three cookies */
    assert_int_equal(clambda_http_request_n_cookies(req), 3);
    assert_string_equal(clambda_http_request_cookie_at(req, 2), "c=3");
    assert_string_equal(clambda_http_request_cookie(req, "a"), "1");
    assert_string_equal(clambda_http_request_source_ip(req), "72.12.164.125");
    size_t len;
    const uint8_t *body = clambda_http_request_body(req, &len);
    assert_int_equal(len, 9);
    assert_memory_equal(body, "hello alb", 9);
    clambda_http_request_free(req);
}

/* What every accessor returns for each fixture; NULL means "absent". */
struct expect {
    const char *fixture;
    int source;
    bool is_base64;
    const char *method, *raw_path, *path, *raw_query;
    size_t n_headers, n_queries, n_cookies;
    const char *header0_name, *header0_value, *cookie0;
    const char *param_name, *param_value; /* param_name absent: "proxy" must be NULL */
    const char *stage, *source_ip, *id;
    size_t body_len;
};

static const struct expect every_source[] = {
    {"apigw-v1.json", CLAMBDA_HTTP_APIGW_V1, true, "POST", "/pets/42/photo%20album",
     "/pets/42/photo album", "tag=red&tag=blue&q=a%20b%26c&only_single=yes", 8, 4, 2, "Accept",
     "image/png", "session=abc123", "id", "42", "prod", "198.51.100.7",
     "6f1c2a9e-3b4d-4e5f-8a7b-0c1d2e3f4a5b", 10},
    {"apigw-v1-nulls.json", CLAMBDA_HTTP_APIGW_V1, false, "GET", "/", "/", "", 1, 0, 0, "Host",
     "k3x9q2w1e5.execute-api.eu-west-1.amazonaws.com", NULL, NULL, NULL, "test", "192.0.2.44",
     "0a1b2c3d-0000-4000-8000-000000000001", 0},
    {"apigw-v2.json", CLAMBDA_HTTP_APIGW_V2, true, "POST", "/dev/items/a%20b", "/dev/items/a b",
     "tag=red&tag=blue&q=a+b%21&empty=&flag&pct=100%25", 9, 6, 3, "accept",
     "text/html,application/json", "session=s3cr3t", "id", "a b", "dev", "203.0.113.9",
     "Zx9YwVuT0sRqA=", 11},
    {"function-url.json", CLAMBDA_HTTP_FUNCTION_URL, false, "GET", "/hello", "/hello", "name=World",
     7, 1, 0, "accept", "*/*", NULL, NULL, NULL, "$default", "192.0.2.200",
     "c0ffee00-1111-4222-8333-444455556666", 0},
    {"alb-single.json", CLAMBDA_HTTP_ALB, false, "GET", "/lambda", "/lambda",
     "query=1234ABCD&name=J%C3%B6rg%20M&a%26b=c%3Dd&tag=blue", 8, 4, 2, "accept", "text/html",
     "a=1", NULL, NULL, NULL, "72.12.164.125", NULL, 0},
    {"alb-multi.json", CLAMBDA_HTTP_ALB, false, "POST", "/submit", "/submit",
     "tag=red%20x&tag=blue&e%3D=%3D&q=1%202", 8, 4, 3, "accept", "text/html", "a=1", NULL, NULL,
     NULL, "72.12.164.125", NULL, 9},
};

static void assert_str_or_null(const char *got, const char *want)
{
    if (want == NULL) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

/* Pair accessors agree with each other: every (name, value) is found by name lookups. */
static void check_pairs(const clambda_http_request *req)
{
    const char *value;
    for (size_t i = 0; i < clambda_http_request_n_headers(req); i++) {
        const char *name = clambda_http_request_header_at(req, i, &value);
        size_t n = clambda_http_request_header_count(req, name);
        bool is_found = false;
        for (size_t k = 0; k < n; k++) {
            is_found = is_found || clambda_http_request_header_nth(req, name, k) == value;
        }
        assert_true(is_found);
        assert_ptr_equal(clambda_http_request_header(req, name),
                         clambda_http_request_header_nth(req, name, 0));
    }
    for (size_t i = 0; i < clambda_http_request_n_queries(req); i++) {
        const char *name = clambda_http_request_query_at(req, i, &value);
        size_t n = clambda_http_request_query_count(req, name);
        assert_true(n >= 1);
        assert_ptr_equal(clambda_http_request_query(req, name),
                         clambda_http_request_query_nth(req, name, n - 1));
    }
    for (size_t i = 0; i < clambda_http_request_n_cookies(req); i++) {
        assert_non_null(clambda_http_request_cookie_at(req, i));
    }
}

static void test_http_request_accessors_every_source(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(every_source) / sizeof(every_source[0]); i++) {
        const struct expect *e = &every_source[i];
        clambda_http_request *req = parse_fixture(e->fixture, CLAMBDA_OK);
        assert_int_equal(clambda_http_request_source(req), e->source);
        assert_string_equal(clambda_http_request_method(req), e->method);
        assert_string_equal(clambda_http_request_raw_path(req), e->raw_path);
        assert_string_equal(clambda_http_request_path(req), e->path);
        assert_string_equal(clambda_http_request_raw_query(req), e->raw_query);
        assert_int_equal(clambda_http_request_n_headers(req), e->n_headers);
        assert_int_equal(clambda_http_request_n_queries(req), e->n_queries);
        assert_int_equal(clambda_http_request_n_cookies(req), e->n_cookies);
        const char *value;
        assert_string_equal(clambda_http_request_header_at(req, 0, &value), e->header0_name);
        assert_string_equal(value, e->header0_value);
        assert_str_or_null(clambda_http_request_cookie_at(req, 0), e->cookie0);
        assert_str_or_null(
            clambda_http_request_path_param(req, e->param_name ? e->param_name : "proxy"),
            e->param_value);
        assert_str_or_null(clambda_http_request_stage(req), e->stage);
        assert_str_or_null(clambda_http_request_source_ip(req), e->source_ip);
        assert_str_or_null(clambda_http_request_id(req), e->id);
        size_t len;
        const uint8_t *body = clambda_http_request_body(req, &len);
        assert_int_equal(len, e->body_len);
        assert_int_equal(body[len], '\0');
        assert_int_equal(clambda_http_request_is_base64(req), e->is_base64);
        check_pairs(req);
        clambda_http_request_free(req);
    }
}

static void test_http_request_parse_not_http(void **state)
{
    (void)state;
    parse_fixture("sqs.json", CLAMBDA_ENOTHTTP);
    parse_fixture("websocket.json", CLAMBDA_ENOTHTTP);
    const char *events[] = {"[1,2]",
                            "\"GET\"",
                            "{}",
                            "null",
                            " 42 ",
                            "{\"requestContext\":{\"http\":{\"method\":\"GET\"}}}",
                            "{\"version\":\"2.0\",\"requestContext\":{}}"};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        clambda_http_request *req = (clambda_http_request *)1;
        assert_int_equal(parse_str(events[i], &req), CLAMBDA_ENOTHTTP);
        assert_null(req);
    }
}

static void test_http_request_parse_malformed(void **state)
{
    (void)state;
    parse_fixture("malformed-truncated.json", CLAMBDA_EINVAL);
    parse_fixture("malformed-v1-headers.json", CLAMBDA_EINVAL);
    parse_fixture("malformed-v2-base64.json", CLAMBDA_EINVAL);
    const char *cookies_string = "{\"version\":\"2.0\",\"rawPath\":\"/\",\"cookies\":\"a=1\","
                                 "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
    const char *cookies_object = "{\"version\":\"2.0\",\"rawPath\":\"/\",\"cookies\":[1.5e3,{}],"
                                 "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
    const char *events[] = {
        "",
        "not json",
        "{\"httpMethod\":\"GET\",\"path\":\"/\",",
        "{\"httpMethod\":{},\"path\":\"/\",\"requestContext\":{}}",
        "{\"httpMethod\":\"GET\",\"requestContext\":{}}",
        "{\"httpMethod\":\"GET\",\"path\":\"/\",\"body\":42}",
        "{\"httpMethod\":\"GET\",\"path\":\"/\",\"multiValueHeaders\":{\"a\":[{}]}}",
        "{\"httpMethod\":\"GET\",\"path\":\"/\",\"pathParameters\":[\"x\"]}",
        "{\"httpMethod\":\"GET\",\"path\":\"/\",\"requestContext\":{\"stage\":[]}}",
        cookies_string,
        cookies_object,
        "{\"version\":\"2.0\",\"requestContext\":{\"http\":{\"method\":\"GET\"}}}",
        "{\"requestContext\":{\"elb\":{}},\"httpMethod\":\"GET\"}",
    };
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        clambda_http_request *req = (clambda_http_request *)1;
        assert_int_equal(parse_str(events[i], &req), CLAMBDA_EINVAL);
        assert_null(req);
    }
}

static void test_http_request_parse_bad_args(void **state)
{
    (void)state;
    clambda_http_request *req;
    assert_int_equal(clambda_http_request_parse(NULL, 0, &req), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_request_parse((const uint8_t *)"{}", 2, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_request_from(NULL, &req), CLAMBDA_EINVAL);
    clambda_http_request_free(NULL);
}

static void test_http_request_accessors_null(void **state)
{
    (void)state;
    const char *value = "x";
    size_t len = 7;
    assert_int_equal(clambda_http_request_source(NULL), CLAMBDA_HTTP_UNKNOWN);
    assert_null(clambda_http_request_method(NULL));
    assert_null(clambda_http_request_raw_path(NULL));
    assert_null(clambda_http_request_path(NULL));
    assert_null(clambda_http_request_raw_query(NULL));
    assert_null(clambda_http_request_query(NULL, "a"));
    assert_int_equal(clambda_http_request_query_count(NULL, "a"), 0);
    assert_null(clambda_http_request_query_nth(NULL, "a", 0));
    assert_int_equal(clambda_http_request_n_queries(NULL), 0);
    assert_null(clambda_http_request_query_at(NULL, 0, &value));
    assert_null(value);
    assert_null(clambda_http_request_header(NULL, "a"));
    assert_int_equal(clambda_http_request_header_count(NULL, "a"), 0);
    assert_null(clambda_http_request_header_nth(NULL, "a", 0));
    assert_int_equal(clambda_http_request_n_headers(NULL), 0);
    assert_null(clambda_http_request_header_at(NULL, 0, NULL));
    assert_null(clambda_http_request_cookie(NULL, "a"));
    assert_int_equal(clambda_http_request_n_cookies(NULL), 0);
    assert_null(clambda_http_request_cookie_at(NULL, 0));
    assert_null(clambda_http_request_path_param(NULL, "a"));
    assert_null(clambda_http_request_stage(NULL));
    assert_null(clambda_http_request_source_ip(NULL));
    assert_null(clambda_http_request_id(NULL));
    assert_string_equal((const char *)clambda_http_request_body(NULL, &len), "");
    assert_int_equal(len, 0);
    assert_false(clambda_http_request_is_base64(NULL));
}

static void test_http_request_lookup_null_name(void **state)
{
    (void)state;
    clambda_http_request *req = parse_fixture("apigw-v1.json", CLAMBDA_OK);
    assert_null(clambda_http_request_query(req, NULL));
    assert_int_equal(clambda_http_request_query_count(req, NULL), 0);
    assert_null(clambda_http_request_header(req, NULL));
    assert_int_equal(clambda_http_request_header_count(req, NULL), 0);
    assert_null(clambda_http_request_cookie(req, NULL));
    assert_null(clambda_http_request_path_param(req, NULL));
    clambda_http_request_free(req);
}

static void test_http_request_path_percent_decoding(void **state)
{
    (void)state;
    clambda_http_request *req;
    const char *ev = "{\"version\":\"2.0\",\"rawPath\":\"/a%2Fb%zz%2%00%41+%e2%82%ac%\","
                     "\"rawQueryString\":\"%41=%42&&=novalue&k=%zz&z=%00&p=1+1\","
                     "\"requestContext\":{\"http\":{\"method\":\"GET\"}}}";
    assert_int_equal(parse_str(ev, &req), CLAMBDA_OK);
    assert_string_equal(clambda_http_request_path(req), "/a/b%zz%2%00A+\xe2\x82\xac%");
    assert_string_equal(clambda_http_request_query(req, "A"), "B");
    assert_string_equal(clambda_http_request_query(req, ""), "novalue");
    assert_string_equal(clambda_http_request_query(req, "k"), "%zz");
    assert_string_equal(clambda_http_request_query(req, "z"), "%00");
    assert_string_equal(clambda_http_request_query(req, "p"), "1 1");
    assert_int_equal(clambda_http_request_n_queries(req), 5);
    assert_null(clambda_http_request_stage(req));
    assert_null(clambda_http_request_source_ip(req));
    clambda_http_request_free(req);
}

static void test_http_request_cookie_header_edges(void **state)
{
    (void)state;
    clambda_http_request *req;
    const char *ev = "{\"httpMethod\":\"GET\",\"path\":\"/\",\"headers\":{\"Cookie\":"
                     "\"  a=1 ;; b ; c=\\\"\\\" ;d=x=y;\\\"\"}}";
    assert_int_equal(parse_str(ev, &req), CLAMBDA_OK);
    assert_int_equal(clambda_http_request_n_cookies(req), 5);
    assert_string_equal(clambda_http_request_cookie_at(req, 0), "a=1");
    assert_string_equal(clambda_http_request_cookie_at(req, 1), "b");
    assert_string_equal(clambda_http_request_cookie(req, "b"), "");
    assert_string_equal(clambda_http_request_cookie(req, "c"), "");
    assert_string_equal(clambda_http_request_cookie(req, "d"), "x=y");
    assert_string_equal(clambda_http_request_cookie_at(req, 4), "\"");
    clambda_http_request_free(req);
}

/* Hand-written events (sam local, tests) may lack requestContext and use numbers. */
static void test_http_request_parse_lenient_v1(void **state)
{
    (void)state;
    clambda_http_request *req;
    const char *ev = "{\"httpMethod\":\"PUT\",\"path\":\"/n\",\"queryStringParameters\":"
                     "{\"n\":5,\"b\":true,\"z\":null},\"headers\":{\"X-Forwarded-For\":"
                     "\"10.1.2.3\",\"X-Null\":null},\"body\":\"caf\\u00e9\\n\","
                     "\"isBase64Encoded\":\"yes\"}";
    assert_int_equal(parse_str(ev, &req), CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_APIGW_V1);
    assert_string_equal(clambda_http_request_query(req, "n"), "5");
    assert_string_equal(clambda_http_request_query(req, "b"), "true");
    assert_null(clambda_http_request_query(req, "z"));
    assert_string_equal(clambda_http_request_raw_query(req), "n=5&b=true");
    assert_int_equal(clambda_http_request_n_headers(req), 1);
    assert_string_equal(clambda_http_request_source_ip(req), "10.1.2.3");
    assert_null(clambda_http_request_stage(req));
    size_t len;
    const uint8_t *body = clambda_http_request_body(req, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(body, "caf\xc3\xa9\n", 6);
    assert_false(clambda_http_request_is_base64(req));
    clambda_http_request_free(req);
}

/* A v2 event without rawQueryString and with a cookie header instead of `cookies`. */
static void test_http_request_parse_v2_fallbacks(void **state)
{
    (void)state;
    clambda_http_request *req;
    const char *ev = "{\"version\":\"2.0\",\"headers\":{\"cookie\":\"k=v\"},"
                     "\"queryStringParameters\":{\"a b\":\"c\"},\"requestContext\":"
                     "{\"http\":{\"method\":\"GET\",\"path\":\"/p%41th\"}}}";
    assert_int_equal(parse_str(ev, &req), CLAMBDA_OK);
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_APIGW_V2);
    assert_string_equal(clambda_http_request_raw_path(req), "/p%41th");
    assert_string_equal(clambda_http_request_path(req), "/pAth");
    assert_string_equal(clambda_http_request_raw_query(req), "a%20b=c");
    assert_string_equal(clambda_http_request_cookie(req, "k"), "v");
    clambda_http_request_free(req);
}

static void test_http_request_parse_oom(void **state)
{
    (void)state;
    size_t len;
    char *data = load_fixture("apigw-v1.json", &len);
    int rc = CLAMBDA_ENOMEM;
    long n;
    for (n = 0; rc == CLAMBDA_ENOMEM; n++) {
        clambda_http_request *req = (clambda_http_request *)1;
        cl_alloc_fail_after(n);
        rc = clambda_http_request_parse((const uint8_t *)data, len, &req);
        cl_alloc_fail_after(-1);
        if (rc == CLAMBDA_OK) {
            assert_string_equal(clambda_http_request_cookie(req, "session"), "abc123");
        } else {
            assert_int_equal(rc, CLAMBDA_ENOMEM);
            assert_null(req);
        }
        clambda_http_request_free(rc == CLAMBDA_OK ? req : NULL);
    }
    assert_true(n > 3);
    free(data);
}

/* The fake's event text (fake_rapi.event is const). */
static char *rapi_event;

static int setup_rapi(void **state)
{
    size_t len;
    struct fake_rapi *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    rapi_event = load_fixture("function-url.json", &len);
    f->event = rapi_event;
    f->n_events = 1;
    assert_int_equal(fake_rapi_start(f), 0);
    *state = f;
    return 0;
}

static int teardown_rapi(void **state)
{
    struct fake_rapi *f = *state;
    fake_rapi_stop(f);
    free(rapi_event);
    rapi_event = NULL;
    free(f);
    return 0;
}

static void test_http_request_from_invocation(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt;
    clambda_invocation *inv;
    clambda_http_request *req;
    assert_int_equal(clambda_runtime_open_at(f->endpoint, &rt), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_http_request_from(inv, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_request_from(inv, &req), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_respond(rt, inv, "{}", 2, NULL), CLAMBDA_OK);
    clambda_runtime_close(rt); /* the request outlives the invocation */
    assert_int_equal(clambda_http_request_source(req), CLAMBDA_HTTP_FUNCTION_URL);
    assert_string_equal(clambda_http_request_query(req, "name"), "World");
    clambda_http_request_free(req);
}

/* requestContext comes back as one line of JSON, whatever the event's layout. */
static void test_http_request_context(void **state)
{
    (void)state;
    size_t len = 1;
    clambda_http_request *req = parse_fixture("apigw-v2.json", CLAMBDA_OK);
    const char *ctx = clambda_http_request_context(req, &len);
    assert_non_null(ctx);
    assert_int_equal(strlen(ctx), len);
    assert_int_equal(ctx[0], '{');
    assert_null(strchr(ctx, '\n'));
    assert_non_null(strstr(ctx, "\"http\":{\"method\":\"POST\""));
    clambda_http_request_free(req);
    const char *ev = "{\"httpMethod\":\"GET\",\"path\":\"/\", \"requestContext\" : { \"a\" : "
                     "\"x y\\\" z\" , \"b\":[1, 2]}}";
    assert_int_equal(clambda_http_request_parse((const uint8_t *)ev, strlen(ev), &req), CLAMBDA_OK);
    assert_string_equal(clambda_http_request_context(req, NULL),
                        "{\"a\":\"x y\\\" z\",\"b\":[1,2]}");
    clambda_http_request_free(req);
    ev = "{\"httpMethod\":\"GET\",\"path\":\"/\"}";
    assert_int_equal(clambda_http_request_parse((const uint8_t *)ev, strlen(ev), &req), CLAMBDA_OK);
    assert_null(clambda_http_request_context(req, &len));
    assert_int_equal(len, 0);
    assert_null(clambda_http_request_context(NULL, NULL));
    clambda_http_request_free(req);
}

/* Lists far past their first capacity, with values of every size between them (a value over a
 * quarter block gets a block of its own): the pairs live in the request's blocks, and every
 * one must survive each list's growth (ASan checks the copies). */
static void test_http_request_many_pairs(void **state)
{
    (void)state;
    enum { N_HEADERS = 300, N_QUERIES = 130, N_COOKIES = 70 };
    size_t cap = 1u << 20;
    char *ev = malloc(cap);
    assert_non_null(ev);
    size_t n = (size_t)snprintf(ev, cap, "{\"version\":\"2.0\",\"rawPath\":\"/\",\"headers\":{");
    for (int i = 0; i < N_HEADERS; i++) {
        int len = (i * 37) % 1500; /* up to 1.5 KB: some values get blocks of their own */
        n += (size_t)snprintf(ev + n, cap - n, "%s\"x-h%d\":\"%d:", i ? "," : "", i, i);
        memset(ev + n, 'a' + i % 26, (size_t)len);
        n += (size_t)len;
        ev[n++] = '"';
    }
    n += (size_t)snprintf(ev + n, cap - n, "},\"queryStringParameters\":{");
    for (int i = 0; i < N_QUERIES; i++) {
        n += (size_t)snprintf(ev + n, cap - n, "%s\"q%d\":\"v%d\"", i ? "," : "", i, i);
    }
    n += (size_t)snprintf(ev + n, cap - n, "},\"cookies\":[");
    for (int i = 0; i < N_COOKIES; i++) {
        n += (size_t)snprintf(ev + n, cap - n, "%s\"c%d=%d\"", i ? "," : "", i, i * 3);
    }
    n += (size_t)snprintf(ev + n, cap - n, "],\"requestContext\":{\"http\":{\"method\":\"GET\"}}}");
    assert_true(n < cap);
    clambda_http_request *req = NULL;
    assert_int_equal(clambda_http_request_parse((const uint8_t *)ev, n, &req), CLAMBDA_OK);
    free(ev);
    assert_int_equal(clambda_http_request_n_headers(req), N_HEADERS);
    assert_int_equal(clambda_http_request_n_queries(req), N_QUERIES);
    assert_int_equal(clambda_http_request_n_cookies(req), N_COOKIES);
    char name[32];
    char want[32];
    for (int i = 0; i < N_HEADERS; i++) {
        (void)snprintf(name, sizeof(name), "X-H%d", i);
        const char *v = clambda_http_request_header(req, name);
        assert_non_null(v);
        assert_int_equal(strtol(v, NULL, 10), i);
        size_t len = (size_t)((i * 37) % 1500);
        assert_int_equal(strlen(strchr(v, ':') + 1), len);
        if (len > 0) {
            assert_int_equal(v[strlen(v) - 1], 'a' + i % 26);
        }
    }
    for (int i = 0; i < N_QUERIES; i++) {
        (void)snprintf(name, sizeof(name), "q%d", i);
        (void)snprintf(want, sizeof(want), "v%d", i);
        assert_string_equal(clambda_http_request_query(req, name), want);
    }
    for (int i = 0; i < N_COOKIES; i++) {
        (void)snprintf(name, sizeof(name), "c%d", i);
        (void)snprintf(want, sizeof(want), "%d", i * 3);
        assert_string_equal(clambda_http_request_cookie(req, name), want);
    }
    clambda_http_request_free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_request_many_pairs),
        cmocka_unit_test(test_http_request_context),
        cmocka_unit_test(test_http_request_parse_apigw_v1),
        cmocka_unit_test(test_http_request_query_apigw_v1),
        cmocka_unit_test(test_http_request_header_apigw_v1),
        cmocka_unit_test(test_http_request_cookie_apigw_v1),
        cmocka_unit_test(test_http_request_parse_apigw_v1_nulls),
        cmocka_unit_test(test_http_request_parse_apigw_v2),
        cmocka_unit_test(test_http_request_query_apigw_v2),
        cmocka_unit_test(test_http_request_cookie_apigw_v2),
        cmocka_unit_test(test_http_request_parse_function_url),
        cmocka_unit_test(test_http_request_parse_alb_single),
        cmocka_unit_test(test_http_request_parse_alb_multi),
        cmocka_unit_test(test_http_request_accessors_every_source),
        cmocka_unit_test(test_http_request_parse_not_http),
        cmocka_unit_test(test_http_request_parse_malformed),
        cmocka_unit_test(test_http_request_parse_bad_args),
        cmocka_unit_test(test_http_request_accessors_null),
        cmocka_unit_test(test_http_request_lookup_null_name),
        cmocka_unit_test(test_http_request_path_percent_decoding),
        cmocka_unit_test(test_http_request_cookie_header_edges),
        cmocka_unit_test(test_http_request_parse_lenient_v1),
        cmocka_unit_test(test_http_request_parse_v2_fallbacks),
        cmocka_unit_test(test_http_request_parse_oom),
        cmocka_unit_test_setup_teardown(test_http_request_from_invocation, setup_rapi,
                                        teardown_rapi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
