/* SPDX-License-Identifier: MIT */
/* Unit tests for the HTTP response builder and serialisers (http_response.c): every source's
 * JSON shape, parsed back with cl_json; text/binary decisions and base64; header and cookie
 * validation; clambda_http_respond() and clambda_http_stream_open() against the fake Runtime
 * API; and an OOM walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cl_json.h"
#include "clambda/http.h"
#include "fake_rapi.h"

#ifndef CLAMBDA_FIXTURES_DIR
#error "CLAMBDA_FIXTURES_DIR must name tests/fixtures"
#endif

/* A serialised response and its parsed form. */
struct out {
    uint8_t *json;
    size_t len;
    struct cl_json doc;
};

static void serialize(const clambda_http_response *resp, int source, struct out *o)
{
    assert_int_equal(clambda_http_response_serialize(resp, source, &o->json, &o->len), CLAMBDA_OK);
    assert_int_equal(o->json[o->len], '\0');
    assert_int_equal(cl_json_parse(&o->doc, o->json, o->len, 1024), 0);
    assert_int_equal(cl_json_type(&o->doc, 0), CL_JSON_OBJECT);
}

static void out_fini(struct out *o)
{
    cl_json_fini(&o->doc);
    clambda_free(o->json);
}

/* Token at a path of member names from the root ("headers", "X-A", NULL). */
static int at(const struct out *o, const char *k1, const char *k2)
{
    const char *keys[] = {k1, k2, NULL};
    return cl_json_path(&o->doc, 0, keys);
}

/* Asserts that the string token tok equals want. */
static void assert_tok_str(const struct out *o, int tok, const char *want)
{
    char *s = NULL;
    assert_int_equal(cl_json_type(&o->doc, tok), CL_JSON_STRING);
    assert_int_equal(cl_json_strdup(&o->doc, tok, &s, NULL), 0);
    assert_string_equal(s, want);
    cl_alloc_free(s);
}

/* Asserts that array token tok holds exactly the strings want[0..n). */
static void assert_tok_strs(const struct out *o, int tok, const char *const *want, int n)
{
    assert_int_equal(cl_json_type(&o->doc, tok), CL_JSON_ARRAY);
    assert_int_equal(cl_json_size(&o->doc, tok), n);
    for (int i = 0; i < n; i++) {
        assert_tok_str(o, cl_json_child(&o->doc, tok, i), want[i]);
    }
}

static void assert_status(const struct out *o, int64_t want)
{
    int64_t v = 0;
    assert_int_equal(cl_json_int64(&o->doc, at(o, "statusCode", NULL), &v), 0);
    assert_int_equal(v, want);
}

/* 201, Content-Type text/plain, X-A twice (two spellings), two cookies, body "hello". */
static clambda_http_response *sample(void)
{
    clambda_http_response *r;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_status(r, 201), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_add_header(r, "Content-Type", "text/plain"), 0);
    assert_int_equal(clambda_http_response_add_header(r, "X-A", "1"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_add_header(r, "x-a", "2"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_add_cookie(r, "a=1; Path=/"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_add_header(r, "set-cookie", "b=2"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_body(r, "hello", 5), CLAMBDA_OK);
    return r;
}

static const char *const both_cookies[] = {"a=1; Path=/", "b=2"};
static const char *const xa_values[] = {"1", "2"};

static void test_http_response_serialize_defaults(void **state)
{
    (void)state;
    clambda_http_response *r;
    struct out o;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &o);
    assert_string_equal((const char *)o.json, "{\"statusCode\":200,\"headers\":{},\"cookies\":[],"
                                              "\"body\":\"\",\"isBase64Encoded\":false}");
    out_fini(&o);
    serialize(r, CLAMBDA_HTTP_APIGW_V1, &o);
    assert_string_equal((const char *)o.json,
                        "{\"statusCode\":200,\"headers\":{},\"multiValueHeaders\":{},"
                        "\"body\":\"\",\"isBase64Encoded\":false}");
    out_fini(&o);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_apigw_v1(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out o;
    serialize(r, CLAMBDA_HTTP_APIGW_V1, &o);
    assert_status(&o, 201);
    /* one value: headers; several values and Set-Cookie: multiValueHeaders, never both */
    assert_tok_str(&o, at(&o, "headers", "Content-Type"), "text/plain");
    assert_int_equal(at(&o, "headers", "X-A"), -1);
    assert_int_equal(at(&o, "headers", "Set-Cookie"), -1);
    assert_int_equal(cl_json_size(&o.doc, at(&o, "headers", NULL)), 1);
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "X-A"), xa_values, 2);
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "Set-Cookie"), both_cookies, 2);
    assert_int_equal(at(&o, "multiValueHeaders", "Content-Type"), -1);
    assert_int_equal(at(&o, "cookies", NULL), -1);
    assert_tok_str(&o, at(&o, "body", NULL), "hello");
    assert_int_equal(cl_json_type(&o.doc, at(&o, "isBase64Encoded", NULL)), CL_JSON_FALSE);
    out_fini(&o);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_apigw_v2(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out o;
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &o);
    assert_status(&o, 201);
    assert_tok_str(&o, at(&o, "headers", "Content-Type"), "text/plain");
    assert_tok_str(&o, at(&o, "headers", "X-A"), "1,2");
    assert_int_equal(cl_json_size(&o.doc, at(&o, "headers", NULL)), 2);
    assert_tok_strs(&o, at(&o, "cookies", NULL), both_cookies, 2);
    assert_int_equal(at(&o, "multiValueHeaders", NULL), -1);
    assert_int_equal(at(&o, "statusDescription", NULL), -1);
    assert_tok_str(&o, at(&o, "body", NULL), "hello");
    assert_false(cl_json_is_true(&o.doc, at(&o, "isBase64Encoded", NULL)));
    out_fini(&o);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_function_url(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out v2, url;
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &v2);
    serialize(r, CLAMBDA_HTTP_FUNCTION_URL, &url);
    assert_int_equal(url.len, v2.len);
    assert_memory_equal(url.json, v2.json, v2.len);
    assert_tok_strs(&url, at(&url, "cookies", NULL), both_cookies, 2);
    out_fini(&v2);
    out_fini(&url);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_alb(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out o;
    serialize(r, CLAMBDA_HTTP_ALB, &o);
    assert_status(&o, 201);
    assert_tok_str(&o, at(&o, "statusDescription", NULL), "201 Created");
    /* single-value mode reads headers, multi-value mode multiValueHeaders */
    assert_tok_str(&o, at(&o, "headers", "X-A"), "1,2");
    assert_tok_str(&o, at(&o, "headers", "Set-Cookie"), "b=2");
    assert_tok_str(&o, at(&o, "headers", "Content-Type"), "text/plain");
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "X-A"), xa_values, 2);
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "Set-Cookie"), both_cookies, 2);
    const char *const ct[] = {"text/plain"};
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "Content-Type"), ct, 1);
    assert_int_equal(at(&o, "cookies", NULL), -1);
    assert_tok_str(&o, at(&o, "body", NULL), "hello");
    out_fini(&o);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_status_description(void **state)
{
    (void)state;
    const struct {
        int status;
        const char *desc;
    } cases[] = {{200, "200 OK"},
                 {404, "404 Not Found"},
                 {302, "302 Found"},
                 {503, "503 Service Unavailable"},
                 {599, "599 Unknown"}};
    clambda_http_response *r;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct out o;
        assert_int_equal(clambda_http_response_set_status(r, cases[i].status), CLAMBDA_OK);
        serialize(r, CLAMBDA_HTTP_ALB, &o);
        assert_tok_str(&o, at(&o, "statusDescription", NULL), cases[i].desc);
        out_fini(&o);
    }
    clambda_http_response_free(r);
}

/* Serialises body with content type ct (NULL: none) for v2 and checks the decision and that
 * the body decodes back to the same bytes. */
static void check_body(const char *ct, const void *body, size_t len, bool want_b64)
{
    clambda_http_response *r;
    struct out o;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    if (ct != NULL) {
        assert_int_equal(clambda_http_response_add_header(r, "content-type", ct), CLAMBDA_OK);
    }
    assert_int_equal(clambda_http_response_set_body(r, body, len), CLAMBDA_OK);
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &o);
    assert_int_equal(cl_json_is_true(&o.doc, at(&o, "isBase64Encoded", NULL)), want_b64);
    struct cl_buf text, bytes;
    cl_buf_init(&text, 1 << 20);
    cl_buf_init(&bytes, 1 << 20);
    assert_int_equal(cl_json_str(&o.doc, at(&o, "body", NULL), &text), 0);
    if (want_b64) {
        assert_int_equal(cl_b64_decode(&bytes, text.data, text.len), 0);
    } else {
        assert_int_equal(cl_buf_append(&bytes, text.data, text.len), 0);
    }
    assert_int_equal(bytes.len, len);
    assert_memory_equal(cl_buf_str(&bytes), body, len);
    cl_buf_fini(&text);
    cl_buf_fini(&bytes);
    out_fini(&o);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_text_types(void **state)
{
    (void)state;
    const char *text[] = {"text/plain",
                          "TEXT/HTML; charset=utf-8",
                          "application/json",
                          " application/json ; charset=utf-8",
                          "application/javascript",
                          "application/xml",
                          "application/yaml",
                          "application/vnd.api+json",
                          "image/svg+xml",
                          "application/x-foo+YAML"};
    const char *binary[] = {"application/octet-stream", "image/png",       "application/jsonx",
                            "application/json-seq",     "application/pdf", ""};
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
        check_body(text[i], "h\xc3\xa9llo", 6, false);
    }
    for (size_t i = 0; i < sizeof(binary) / sizeof(binary[0]); i++) {
        check_body(binary[i], "h\xc3\xa9llo", 6, true);
    }
    check_body(NULL, "{\"a\":1}", 7, false); /* no Content-Type: text when valid UTF-8 */
    check_body(NULL, "a\0b", 3, false);      /* NUL is valid UTF-8: \u0000 */
    check_body("image/png", "", 0, false);   /* nothing to encode */
}

static void test_http_response_serialize_utf8(void **state)
{
    (void)state;
    const char *invalid[] = {
        "\xff",     "\xc0\xaf",         "\xc1\xbf",         "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xe2\x82", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80",         "ok\xe2\x28\xa1"};
    const char *valid[] = {"\xc2\x80",         "\xe2\x82\xac",     "\xed\x9f\xbf",
                           "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "plain ascii"};
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        check_body("text/plain", invalid[i], strlen(invalid[i]), true);
    }
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        check_body("text/plain", valid[i], strlen(valid[i]), false);
    }
}

static void test_http_response_set_binary(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out o;
    assert_int_equal(clambda_http_response_set_binary(r, true), CLAMBDA_OK);
    serialize(r, CLAMBDA_HTTP_APIGW_V1, &o);
    assert_tok_str(&o, at(&o, "body", NULL), "aGVsbG8=");
    assert_true(cl_json_is_true(&o.doc, at(&o, "isBase64Encoded", NULL)));
    out_fini(&o);
    assert_int_equal(clambda_http_response_set_binary(r, false), CLAMBDA_OK);
    serialize(r, CLAMBDA_HTTP_ALB, &o);
    assert_tok_str(&o, at(&o, "body", NULL), "hello");
    out_fini(&o);
    assert_int_equal(clambda_http_response_set_binary(NULL, true), CLAMBDA_EINVAL);
    clambda_http_response_free(r);
}

static void test_http_response_add_header_invalid(void **state)
{
    (void)state;
    clambda_http_response *r;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    const char *names[] = {"", "Bad Name", "x:y", "a\r\nb", "caf\xc3\xa9", "(x)"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(clambda_http_response_add_header(r, names[i], "v"), CLAMBDA_EINVAL);
    }
    const char *values[] = {"a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\x01", "del\x7f"};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_int_equal(clambda_http_response_add_header(r, "X", values[i]), CLAMBDA_EINVAL);
        assert_int_equal(clambda_http_response_set_header(r, "X", values[i]), CLAMBDA_EINVAL);
        assert_int_equal(clambda_http_response_add_cookie(r, values[i]), CLAMBDA_EINVAL);
    }
    assert_int_equal(clambda_http_response_add_header(r, "X-Ok", "tab\tand caf\xc3\xa9"), 0);
    assert_int_equal(clambda_http_response_add_header(r, "!#$%&'*+-.^_`|~09", ""), 0);
    assert_int_equal(clambda_http_response_add_header(NULL, "X", "v"), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_add_header(r, NULL, "v"), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_add_header(r, "X", NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_add_cookie(r, ""), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_add_cookie(r, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_add_cookie(NULL, "a=1"), CLAMBDA_EINVAL);
    clambda_http_response_free(r);
}

static void test_http_response_set_header_replaces(void **state)
{
    (void)state;
    clambda_http_response *r = sample();
    struct out o;
    assert_int_equal(clambda_http_response_set_header(r, "X-a", "3"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_header(r, "Set-Cookie", "c=3"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_header(r, "X-New", "n"), CLAMBDA_OK);
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &o);
    assert_tok_str(&o, at(&o, "headers", "X-a"), "3");
    assert_int_equal(at(&o, "headers", "X-A"), -1);
    assert_tok_str(&o, at(&o, "headers", "X-New"), "n");
    assert_tok_str(&o, at(&o, "headers", "Content-Type"), "text/plain");
    const char *const c3[] = {"c=3"};
    assert_tok_strs(&o, at(&o, "cookies", NULL), c3, 1);
    out_fini(&o);
    assert_int_equal(clambda_http_response_set_header(NULL, "X", "v"), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_header(r, "Bad Name", "v"), CLAMBDA_EINVAL);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_escaping(void **state)
{
    (void)state;
    clambda_http_response *r;
    struct out o;
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_add_header(r, "X-Q", "say \"hi\" \\ caf\xc3\xa9"), 0);
    assert_int_equal(clambda_http_response_add_cookie(r, "q=\"x\"; Path=/"), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_body(r, "{\"k\":\"\\n\"}\n\t", 12), CLAMBDA_OK);
    for (int source = CLAMBDA_HTTP_APIGW_V1; source <= CLAMBDA_HTTP_ALB; source++) {
        serialize(r, source, &o);
        assert_tok_str(&o, at(&o, "headers", "X-Q"), "say \"hi\" \\ caf\xc3\xa9");
        assert_tok_str(&o, at(&o, "body", NULL), "{\"k\":\"\\n\"}\n\t");
        out_fini(&o);
    }
    clambda_http_response_free(r);
}

static void test_http_response_bad_args(void **state)
{
    (void)state;
    clambda_http_response *r;
    uint8_t *json = (uint8_t *)1;
    size_t len;
    assert_int_equal(clambda_http_response_new(NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_new(&r), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_set_status(r, 99), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_status(r, 600), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_status(NULL, 200), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_body(r, NULL, 1), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_body(NULL, "x", 1), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_set_body(r, NULL, 0), CLAMBDA_OK);
    assert_int_equal(clambda_http_response_serialize(r, CLAMBDA_HTTP_UNKNOWN, &json, &len),
                     CLAMBDA_EINVAL);
    assert_null(json);
    assert_int_equal(clambda_http_response_serialize(r, 5, &json, &len), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_serialize(NULL, 1, &json, &len), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_serialize(r, 1, NULL, &len), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_response_serialize(r, 1, &json, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_respond(NULL, NULL, NULL, r), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_stream_open(NULL, NULL, r, NULL), CLAMBDA_EINVAL);
    clambda_http_response_free(r);
    clambda_http_response_free(NULL);
    clambda_free(NULL);
}

/* Builds sample() and serialises it for every source, for the OOM walk. */
static int build_and_serialize(void)
{
    clambda_http_response *r = NULL;
    uint8_t *json = NULL;
    size_t len;
    int rc = clambda_http_response_new(&r);
    rc = rc == CLAMBDA_OK ? clambda_http_response_add_header(r, "X-A", "1") : rc;
    rc = rc == CLAMBDA_OK ? clambda_http_response_add_header(r, "X-A", "2") : rc;
    rc = rc == CLAMBDA_OK ? clambda_http_response_set_header(r, "X-B", "3") : rc;
    rc = rc == CLAMBDA_OK ? clambda_http_response_add_cookie(r, "a=1") : rc;
    rc = rc == CLAMBDA_OK ? clambda_http_response_set_body(r, "\xff\xfe", 2) : rc;
    for (int s = CLAMBDA_HTTP_APIGW_V1; s <= CLAMBDA_HTTP_ALB && rc == CLAMBDA_OK; s++) {
        rc = clambda_http_response_serialize(r, s, &json, &len);
        clambda_free(json);
    }
    clambda_http_response_free(r);
    return rc;
}

/* A reset response serialises as a new one, and refilled as the same one, without allocating
 * once it has grown. */
static void test_http_response_reset_reuses(void **state)
{
    (void)state;
    clambda_http_response *fresh = sample(), *r = sample();
    uint8_t *a, *b;
    size_t a_len, b_len;
    assert_int_equal(clambda_http_response_reset(r), CLAMBDA_OK);
    struct out o;
    serialize(r, CLAMBDA_HTTP_APIGW_V2, &o);
    assert_string_equal((const char *)o.json, "{\"statusCode\":200,\"headers\":{},\"cookies\":[],"
                                              "\"body\":\"\",\"isBase64Encoded\":false}");
    out_fini(&o);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(clambda_http_response_reset(r), CLAMBDA_OK);
        cl_alloc_fail_after(round > 0 ? 0 : -1); /* the first refill may still grow */
        assert_int_equal(clambda_http_response_set_status(r, 201), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_add_header(r, "Content-Type", "text/plain"), 0);
        assert_int_equal(clambda_http_response_add_header(r, "X-A", "1"), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_add_header(r, "x-a", "2"), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_add_cookie(r, "a=1; Path=/"), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_add_header(r, "set-cookie", "b=2"), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_set_body(r, "hello", 5), CLAMBDA_OK);
        cl_alloc_fail_after(-1);
    }
    for (int s = CLAMBDA_HTTP_APIGW_V1; s <= CLAMBDA_HTTP_ALB; s++) {
        assert_int_equal(clambda_http_response_serialize(fresh, s, &a, &a_len), CLAMBDA_OK);
        assert_int_equal(clambda_http_response_serialize(r, s, &b, &b_len), CLAMBDA_OK);
        assert_int_equal(a_len, b_len);
        assert_memory_equal(a, b, a_len);
        clambda_free(a);
        clambda_free(b);
    }
    assert_int_equal(clambda_http_response_reset(NULL), CLAMBDA_EINVAL);
    clambda_http_response_free(fresh);
    clambda_http_response_free(r);
}

static void test_http_response_serialize_oom(void **state)
{
    (void)state;
    int rc = CLAMBDA_ENOMEM;
    long n;
    for (n = 0; rc == CLAMBDA_ENOMEM; n++) {
        cl_alloc_fail_after(n);
        rc = build_and_serialize();
        cl_alloc_fail_after(-1);
        assert_true(rc == CLAMBDA_OK || rc == CLAMBDA_ENOMEM);
    }
    assert_true(n > 8);
}

/* ---- Against the fake Runtime API ---- */

static char *load_fixture(const char *name)
{
    char path[1024];
    (void)snprintf(path, sizeof(path), "%s/events/%s", CLAMBDA_FIXTURES_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct cl_buf b;
    cl_buf_init(&b, 1 << 20);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        assert_int_equal(cl_buf_append(&b, tmp, n), 0);
    }
    (void)fclose(f);
    return (char *)b.data;
}

/* The fake's event text (fake_rapi.event is const). */
static char *rapi_event;

static int setup_rapi(void **state)
{
    struct fake_rapi *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->n_events = 1;
    *state = f;
    return 0;
}

static int teardown_rapi(void **state)
{
    struct fake_rapi *f = *state;
    fake_rapi_stop(f);
    cl_alloc_free(rapi_event);
    rapi_event = NULL;
    free(f);
    return 0;
}

/* Starts the fake with fixture as the event and returns the invocation and its request. */
static clambda_runtime *start(struct fake_rapi *f, const char *fixture, clambda_invocation **inv,
                              clambda_http_request **req)
{
    clambda_runtime *rt;
    rapi_event = load_fixture(fixture);
    f->event = rapi_event;
    assert_int_equal(fake_rapi_start(f), 0);
    assert_int_equal(clambda_runtime_open_at(f->endpoint, &rt), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_next(rt, inv), CLAMBDA_OK);
    assert_int_equal(clambda_http_request_from(*inv, req), CLAMBDA_OK);
    return rt;
}

/* Parses the body the fake received as a response document. */
static void received(struct fake_rapi *f, struct out *o)
{
    o->len = f->last_body.len;
    o->json = cl_alloc_malloc(o->len + 1);
    assert_non_null(o->json);
    memcpy(o->json, cl_buf_str(&f->last_body), o->len + 1);
    assert_int_equal(cl_json_parse(&o->doc, o->json, o->len, 1024), 0);
}

static void test_http_respond_apigw_v2(void **state)
{
    struct fake_rapi *f = *state;
    clambda_invocation *inv;
    clambda_http_request *req;
    clambda_runtime *rt = start(f, "apigw-v2.json", &inv, &req);
    clambda_http_response *r = sample();
    assert_int_equal(clambda_http_respond(rt, inv, req, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_respond(rt, inv, req, r), CLAMBDA_OK);
    assert_string_equal(f->last_content_type, "application/json");
    assert_false(f->last_chunked);
    struct out o;
    received(f, &o);
    assert_status(&o, 201);
    assert_tok_strs(&o, at(&o, "cookies", NULL), both_cookies, 2);
    assert_tok_str(&o, at(&o, "headers", "X-A"), "1,2");
    out_fini(&o);
    assert_int_equal(clambda_http_respond(rt, inv, req, r), CLAMBDA_ESTATE);
    clambda_http_response_free(r);
    clambda_http_request_free(req);
    clambda_runtime_close(rt);
}

static void test_http_respond_alb(void **state)
{
    struct fake_rapi *f = *state;
    clambda_invocation *inv;
    clambda_http_request *req;
    clambda_runtime *rt = start(f, "alb-multi.json", &inv, &req);
    clambda_http_response *r = sample();
    assert_int_equal(clambda_http_respond(rt, inv, req, r), CLAMBDA_OK);
    struct out o;
    received(f, &o);
    assert_tok_str(&o, at(&o, "statusDescription", NULL), "201 Created");
    assert_tok_strs(&o, at(&o, "multiValueHeaders", "Set-Cookie"), both_cookies, 2);
    out_fini(&o);
    clambda_http_response_free(r);
    clambda_http_request_free(req);
    clambda_runtime_close(rt);
}

static void test_http_stream_open_prelude(void **state)
{
    struct fake_rapi *f = *state;
    clambda_invocation *inv;
    clambda_http_request *req;
    clambda_stream *s;
    clambda_runtime *rt = start(f, "function-url.json", &inv, &req);
    clambda_http_response *head = sample();
    assert_int_equal(clambda_http_stream_open(rt, inv, head, &s), CLAMBDA_OK);
    assert_int_equal(clambda_stream_write(s, " world", 6), CLAMBDA_OK);
    assert_int_equal(clambda_stream_finish(s), CLAMBDA_OK);
    assert_string_equal(f->last_content_type,
                        "application/vnd.awslambda.http-integration-response");
    assert_string_equal(f->last_mode, "streaming");
    assert_true(f->last_chunked);
    const char prelude[] = "{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\","
                           "\"X-A\":\"1,2\"},\"cookies\":[\"a=1; Path=/\",\"b=2\"]}";
    size_t plen = sizeof(prelude) - 1;
    assert_int_equal(f->last_body.len, plen + 8 + 11);
    assert_memory_equal(f->last_body.data, prelude, plen);
    assert_memory_equal(f->last_body.data + plen, "\0\0\0\0\0\0\0\0", 8);
    assert_memory_equal(f->last_body.data + plen + 8, "hello world", 11);
    clambda_http_response_free(head);
    clambda_http_request_free(req);
    clambda_runtime_close(rt);
}

static void test_http_stream_open_no_head(void **state)
{
    struct fake_rapi *f = *state;
    clambda_invocation *inv;
    clambda_http_request *req;
    clambda_stream *s;
    clambda_runtime *rt = start(f, "function-url.json", &inv, &req);
    assert_int_equal(clambda_http_stream_open(rt, inv, NULL, NULL), CLAMBDA_EINVAL);
    assert_int_equal(clambda_http_stream_open(rt, inv, NULL, &s), CLAMBDA_OK);
    assert_int_equal(clambda_stream_finish(s), CLAMBDA_OK);
    const char want[] = "{\"statusCode\":200,\"headers\":{},\"cookies\":[]}\0\0\0\0\0\0\0";
    assert_int_equal(f->last_body.len, sizeof(want));
    assert_memory_equal(f->last_body.data, want, sizeof(want));
    assert_int_equal(clambda_http_stream_open(rt, inv, NULL, &s), CLAMBDA_ESTATE);
    assert_null(s);
    clambda_http_request_free(req);
    clambda_runtime_close(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_response_serialize_defaults),
        cmocka_unit_test(test_http_response_serialize_apigw_v1),
        cmocka_unit_test(test_http_response_serialize_apigw_v2),
        cmocka_unit_test(test_http_response_serialize_function_url),
        cmocka_unit_test(test_http_response_serialize_alb),
        cmocka_unit_test(test_http_response_serialize_status_description),
        cmocka_unit_test(test_http_response_serialize_text_types),
        cmocka_unit_test(test_http_response_serialize_utf8),
        cmocka_unit_test(test_http_response_set_binary),
        cmocka_unit_test(test_http_response_add_header_invalid),
        cmocka_unit_test(test_http_response_set_header_replaces),
        cmocka_unit_test(test_http_response_serialize_escaping),
        cmocka_unit_test(test_http_response_bad_args),
        cmocka_unit_test(test_http_response_reset_reuses),
        cmocka_unit_test(test_http_response_serialize_oom),
        cmocka_unit_test_setup_teardown(test_http_respond_apigw_v2, setup_rapi, teardown_rapi),
        cmocka_unit_test_setup_teardown(test_http_respond_alb, setup_rapi, teardown_rapi),
        cmocka_unit_test_setup_teardown(test_http_stream_open_prelude, setup_rapi, teardown_rapi),
        cmocka_unit_test_setup_teardown(test_http_stream_open_no_head, setup_rapi, teardown_rapi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
