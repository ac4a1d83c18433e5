/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/gateway/gwanswer.c: Function URL answers from results (inference,
 * structured form, cookies, base64), streaming preludes and CORS (http-events.md §2.2, §3). */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gateway/gwanswer.h"

static int from(const char *out, struct gwanswer *a)
{
    gwanswer_init(a);
    return gwanswer_from_result((const uint8_t *)out, strlen(out), a);
}

static void assert_body(const struct gwanswer *a, const char *want)
{
    assert_int_equal(a->body_len, strlen(want));
    assert_memory_equal(a->body, want, a->body_len);
}

static void test_gwanswer_inference(void **state)
{
    (void)state;
    struct gwanswer a;
    assert_int_equal(from("\"Hello\"", &a), 0);
    assert_int_equal(a.status, 200);
    assert_string_equal(gwanswer_header(&a, "content-type"), "application/json");
    assert_body(&a, "\"Hello\"");
    gwanswer_fini(&a);
    assert_int_equal(from("{\"message\":\"hi\"}", &a), 0);
    assert_int_equal(a.status, 200);
    assert_body(&a, "{\"message\":\"hi\"}");
    gwanswer_fini(&a);
    assert_int_equal(from("not json", &a), 0);
    assert_body(&a, "not json");
    gwanswer_fini(&a);
}

static void test_gwanswer_structured(void **state)
{
    (void)state;
    struct gwanswer a;
    assert_int_equal(from("{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/plain\","
                          "\"X-N\":5},\"cookies\":[\"a=1; Max-Age=60\",\"b=2\"],"
                          "\"body\":\"made\"}",
                          &a),
                     0);
    assert_int_equal(a.status, 201);
    assert_string_equal(gwanswer_header(&a, "Content-Type"), "text/plain");
    assert_string_equal(gwanswer_header(&a, "x-n"), "5");
    size_t cookies = 0;
    for (size_t i = 0; i < a.n_headers; i++) {
        cookies += strcmp(a.headers[i].name, "Set-Cookie") == 0;
    }
    assert_int_equal(cookies, 2);
    assert_body(&a, "made");
    gwanswer_fini(&a);
    /* no Content-Type: application/json; base64 bodies decoded */
    assert_int_equal(from("{\"statusCode\":200,\"body\":\"AAH/\",\"isBase64Encoded\":true}", &a),
                     0);
    assert_string_equal(gwanswer_header(&a, "Content-Type"), "application/json");
    assert_int_equal(a.body_len, 3);
    assert_memory_equal(a.body, "\x00\x01\xff", 3);
    gwanswer_fini(&a);
}

static void test_gwanswer_malformed(void **state)
{
    (void)state;
    struct gwanswer a;
    assert_int_equal(from("{\"statusCode\":\"x\"}", &a), -EBADMSG);
    gwanswer_fini(&a);
    assert_int_equal(from("{\"statusCode\":99}", &a), -EBADMSG);
    gwanswer_fini(&a);
    assert_int_equal(from("{\"statusCode\":200,\"headers\":[1]}", &a), -EBADMSG);
    gwanswer_fini(&a);
    assert_int_equal(from("{\"statusCode\":200,\"body\":\"!!\",\"isBase64Encoded\":true}", &a),
                     -EBADMSG);
    gwanswer_fini(&a);
    /* header values that would split the head are dropped */
    assert_int_equal(from("{\"statusCode\":200,\"headers\":{\"X-Bad\":\"a\\r\\nX: y\"}}", &a), 0);
    assert_null(gwanswer_header(&a, "X-Bad"));
    gwanswer_fini(&a);
}

static void test_gwanswer_prelude(void **state)
{
    (void)state;
    static const char s[] = "{\"statusCode\":202,\"headers\":{\"content-type\":\"text/html\"},"
                            "\"cookies\":[\"a=b\"]}\0\0\0\0\0\0\0\0<p>";
    size_t plen = 0;
    assert_int_equal(gwanswer_prelude_end((const uint8_t *)s, 10, &plen), -EAGAIN);
    long off = gwanswer_prelude_end((const uint8_t *)s, sizeof(s) - 1, &plen);
    assert_int_equal(off, (long)(sizeof(s) - 1 - 3));
    struct gwanswer a;
    gwanswer_init(&a);
    assert_int_equal(gwanswer_from_prelude((const uint8_t *)s, plen, &a), 0);
    assert_int_equal(a.status, 202);
    assert_string_equal(gwanswer_header(&a, "Content-Type"), "text/html");
    assert_string_equal(gwanswer_header(&a, "Set-Cookie"), "a=b");
    gwanswer_fini(&a);
    gwanswer_init(&a);
    assert_int_equal(gwanswer_from_prelude((const uint8_t *)"[1]", 3, &a), -EBADMSG);
    gwanswer_fini(&a);
    static uint8_t big[GWANSWER_PRELUDE_MAX + 16];
    memset(big, 'x', sizeof(big));
    assert_int_equal(gwanswer_prelude_end(big, sizeof(big), &plen), -E2BIG);
}

static void test_gwanswer_cors(void **state)
{
    (void)state;
    json_t *cors = json_loads("{\"AllowOrigins\":[\"https://a.example\"],\"AllowMethods\":"
                              "[\"GET\",\"POST\"],\"AllowHeaders\":[\"x-a\"],\"ExposeHeaders\":"
                              "[\"x-e\"],\"MaxAge\":60,\"AllowCredentials\":true}",
                              0, NULL);
    assert_true(gwanswer_cors_enabled(cors));
    struct gwanswer a;
    gwanswer_init(&a);
    gwanswer_set_header(&a, "Access-Control-Allow-Origin", "https://evil.example");
    struct gwanswer_cors_request rq = {"https://a.example", "POST", NULL, true};
    gwanswer_cors(cors, &rq, &a);
    assert_string_equal(gwanswer_header(&a, "Access-Control-Allow-Origin"), "https://a.example");
    assert_string_equal(gwanswer_header(&a, "Access-Control-Allow-Methods"), "GET,POST");
    assert_string_equal(gwanswer_header(&a, "Access-Control-Allow-Headers"), "x-a");
    assert_string_equal(gwanswer_header(&a, "Access-Control-Expose-Headers"), "x-e");
    assert_string_equal(gwanswer_header(&a, "Access-Control-Max-Age"), "60");
    assert_string_equal(gwanswer_header(&a, "Access-Control-Allow-Credentials"), "true");
    gwanswer_fini(&a);
    /* not a preflight: no Allow-Methods; another origin: nothing */
    gwanswer_init(&a);
    rq.is_preflight = false;
    gwanswer_cors(cors, &rq, &a);
    assert_null(gwanswer_header(&a, "Access-Control-Allow-Methods"));
    assert_non_null(gwanswer_header(&a, "Access-Control-Allow-Origin"));
    gwanswer_fini(&a);
    gwanswer_init(&a);
    rq.origin = "https://b.example";
    gwanswer_cors(cors, &rq, &a);
    assert_int_equal(a.n_headers, 0);
    gwanswer_fini(&a);
    json_decref(cors);
    json_t *empty = json_object();
    assert_false(gwanswer_cors_enabled(empty));
    assert_false(gwanswer_cors_enabled(NULL));
    json_decref(empty);
}

/* Payload format 1.0 answers (http-events.md §1.2, checklist row 5): multiValueHeaders each a
 * header line, a base64 body decoded, and no inference. */
static void test_gwanswer_v1(void **state)
{
    (void)state;
    struct gwanswer a;
    gwanswer_init(&a);
    const char *ok = "{\"statusCode\":201,\"headers\":{\"X-One\":\"1\"},\"multiValueHeaders\":"
                     "{\"Set-Cookie\":[\"a=1\",\"b=2\"],\"X-Many\":[\"x\",\"y\"]},\"body\":"
                     "\"aGk=\",\"isBase64Encoded\":true}";
    assert_int_equal(gwanswer_from_result_v1((const uint8_t *)ok, strlen(ok), &a), 0);
    assert_int_equal(a.status, 201);
    assert_int_equal(a.body_len, 2);
    assert_memory_equal(a.body, "hi", 2);
    size_t cookies = 0;
    size_t many = 0;
    for (size_t i = 0; i < a.n_headers; i++) {
        cookies += strcasecmp(a.headers[i].name, "Set-Cookie") == 0;
        many += strcasecmp(a.headers[i].name, "X-Many") == 0;
    }
    assert_int_equal(cookies, 2);
    assert_int_equal(many, 2);
    assert_string_equal(gwanswer_header(&a, "X-One"), "1");
    gwanswer_fini(&a);
    static const char *const bad[] = {"\"a bare string\"",
                                      "{\"body\":\"no status\"}",
                                      "{\"statusCode\":200,\"body\":{\"an\":\"object\"}}",
                                      "{\"statusCode\":\"200\"}",
                                      "not json",
                                      "",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        gwanswer_init(&a);
        assert_int_equal(gwanswer_from_result_v1((const uint8_t *)bad[i], strlen(bad[i]), &a),
                         -EBADMSG);
        gwanswer_fini(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gwanswer_v1),         cmocka_unit_test(test_gwanswer_inference),
        cmocka_unit_test(test_gwanswer_structured), cmocka_unit_test(test_gwanswer_malformed),
        cmocka_unit_test(test_gwanswer_prelude),    cmocka_unit_test(test_gwanswer_cors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
