/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/gateway/gwevent.c: Function URL requests as payload format 2.0
 * events (http-events.md §2.1, §3). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gateway/gwevent.h"

static json_t *build(const struct http1_header *hs, size_t n, const char *query, const void *body,
                     size_t body_len, const char *iam_key)
{
    struct gwevent_request r = {.method = "POST",
                                .path = "/a%20b/c",
                                .query = query,
                                .headers = hs,
                                .n_headers = n,
                                .body = body,
                                .body_len = body_len,
                                .source_ip = "127.0.0.1",
                                .url_id = "abc123",
                                .domain_name = "abc123.lambda-url.us-east-1.localhost",
                                .account = "000000000000",
                                .request_id = "rid-1",
                                .time_ms = 1583348638390,
                                .iam_access_key = iam_key,
                                .iam_account = iam_key ? "111111111111" : NULL};
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(gwevent_build(&r, &s, &len), 0);
    assert_int_equal(strlen(s), len);
    json_t *ev = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(ev);
    return ev;
}

static const char *str(json_t *o, const char *path)
{
    char key[64];
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        size_t n = (size_t)(dot - path);
        memcpy(key, path, n);
        key[n] = '\0';
        o = json_object_get(o, key);
        path = dot + 1;
    }
    return json_string_value(json_object_get(o, path));
}

static void test_gwevent_build_fixed_members(void **state)
{
    (void)state;
    struct http1_header hs[] = {{"User-Agent", "curl/8.0"}, {"Host", "abc123.lambda-url"}};
    json_t *ev = build(hs, 2, "", NULL, 0, NULL);
    assert_string_equal(str(ev, "version"), "2.0");
    assert_string_equal(str(ev, "routeKey"), "$default");
    assert_string_equal(str(ev, "rawPath"), "/a%20b/c");
    assert_string_equal(str(ev, "rawQueryString"), "");
    assert_null(json_object_get(ev, "queryStringParameters"));
    assert_null(json_object_get(ev, "cookies"));
    assert_null(json_object_get(ev, "body"));
    assert_true(json_is_false(json_object_get(ev, "isBase64Encoded")));
    assert_string_equal(str(ev, "requestContext.apiId"), "abc123");
    assert_string_equal(str(ev, "requestContext.domainPrefix"), "abc123");
    assert_string_equal(str(ev, "requestContext.accountId"), "000000000000");
    assert_string_equal(str(ev, "requestContext.routeKey"), "$default");
    assert_string_equal(str(ev, "requestContext.stage"), "$default");
    assert_string_equal(str(ev, "requestContext.requestId"), "rid-1");
    assert_string_equal(str(ev, "requestContext.time"), "04/Mar/2020:19:03:58 +0000");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(ev, "requestContext"), "timeEpoch")),
        1583348638390);
    assert_string_equal(str(ev, "requestContext.http.method"), "POST");
    assert_string_equal(str(ev, "requestContext.http.path"), "/a%20b/c");
    assert_string_equal(str(ev, "requestContext.http.protocol"), "HTTP/1.1");
    assert_string_equal(str(ev, "requestContext.http.sourceIp"), "127.0.0.1");
    assert_string_equal(str(ev, "requestContext.http.userAgent"), "curl/8.0");
    assert_string_equal(str(ev, "headers.user-agent"), "curl/8.0");
    assert_null(json_object_get(json_object_get(ev, "requestContext"), "authorizer"));
    json_decref(ev);
}

static void test_gwevent_build_headers_cookies_query(void **state)
{
    (void)state;
    struct http1_header hs[] = {
        {"X-Multi", "a"}, {"x-multi", "b"}, {"Cookie", "c1=v1; c2=v2"}, {"Cookie", "c3=v3"}};
    json_t *ev = build(hs, 4, "k=1&k=2&e=%2F%20x&flag&=z", NULL, 0, NULL);
    assert_string_equal(str(ev, "headers.x-multi"), "a,b");
    assert_null(json_object_get(json_object_get(ev, "headers"), "cookie"));
    json_t *cookies = json_object_get(ev, "cookies");
    assert_int_equal(json_array_size(cookies), 3);
    assert_string_equal(json_string_value(json_array_get(cookies, 0)), "c1=v1");
    assert_string_equal(json_string_value(json_array_get(cookies, 1)), "c2=v2");
    assert_string_equal(json_string_value(json_array_get(cookies, 2)), "c3=v3");
    assert_string_equal(str(ev, "rawQueryString"), "k=1&k=2&e=%2F%20x&flag&=z");
    assert_string_equal(str(ev, "queryStringParameters.k"), "1,2");
    assert_string_equal(str(ev, "queryStringParameters.e"), "/ x");
    assert_string_equal(str(ev, "queryStringParameters.flag"), "");
    json_decref(ev);
}

static void test_gwevent_build_text_and_binary_bodies(void **state)
{
    (void)state;
    struct http1_header text[] = {{"Content-Type", "application/json; charset=utf-8"}};
    json_t *ev = build(text, 1, "", "{\"a\":1}", 7, NULL);
    assert_string_equal(str(ev, "body"), "{\"a\":1}");
    assert_true(json_is_false(json_object_get(ev, "isBase64Encoded")));
    json_decref(ev);
    struct http1_header bin[] = {{"Content-Type", "image/png"}};
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', 0, 0xff};
    ev = build(bin, 1, "", png, sizeof(png), NULL);
    assert_string_equal(str(ev, "body"), "iVBORwD/");
    assert_true(json_is_true(json_object_get(ev, "isBase64Encoded")));
    json_decref(ev);
    /* a text type whose bytes are not UTF-8 goes as base64 all the same */
    struct http1_header bad[] = {{"Content-Type", "text/plain"}};
    ev = build(bad, 1, "", "\xff\xfe", 2, NULL);
    assert_true(json_is_true(json_object_get(ev, "isBase64Encoded")));
    assert_string_equal(str(ev, "body"), "//4=");
    json_decref(ev);
}

static void test_gwevent_build_is_jansson_canonical(void **state)
{
    /* The event is written without a jansson tree: its bytes must be what json_dumps gives for
     * the parsed event (escapes, member order, no repeated key), for awkward input too. */
    (void)state;
    struct http1_header hs[] = {
        {"X-Ctl", "a\x01\"b\\c\td\n\x7f"},     {"X-Bad", "\xff\xfe"},
        {"X-Utf", "caf\xc3\xa9 \xe2\x82\xac"}, {"x-ctl", "second"},
        {"Cookie", " s=1 ; t=\"q\";;"},        {"X-Overlong", "\xc0\xaf"},
        {"X-Surrogate", "\xed\xa0\x80"},       {"Content-Type", "text/plain"}};
    json_t *pp = json_pack("{s:s,s:s}", "id", "4\"2", "z", "\xc3\xa9");
    json_t *sv = json_pack("{s:s}", "color", "blue");
    json_t *az = json_pack("{s:{s:s,s:i}}", "lambda", "user", "u\n1", "n", 7);
    static const char body[] = "line1\nline2\0\x1f end";
    struct gwevent_request r = {.method = "PUT",
                                .path = "/a%22b/\"c",
                                .query = "k=1&%FF=a&%FE=b&k=%0A2&&q%3D=%E2%82%AC&x&=e&bad=%ZZ",
                                .headers = hs,
                                .n_headers = sizeof(hs) / sizeof(hs[0]),
                                .body = (const uint8_t *)body,
                                .body_len = sizeof(body) - 1,
                                .source_ip = "127.0.0.1",
                                .url_id = "api1",
                                .domain_name = "127.0.0.1",
                                .account = "000000000000",
                                .request_id = "rid",
                                .time_ms = 1583348638390,
                                .route_key = "PUT /a/{id}",
                                .stage = "prod",
                                .path_params = pp,
                                .stage_vars = sv,
                                .authorizer = az};
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(gwevent_build(&r, &s, &len), 0);
    assert_int_equal(strlen(s), len);
    json_error_t err;
    json_t *ev = json_loads(s, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (ev == NULL) {
        print_error("%s at %d in %s\n", err.text, err.position, s);
    }
    assert_non_null(ev);
    char *again = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(again, s);
    free(again);
    free(s);
    assert_string_equal(str(ev, "headers.x-ctl"), "a\x01\"b\\c\td\n\x7f,second");
    assert_string_equal(str(ev, "headers.x-bad"), "(invalid UTF-8)");
    assert_string_equal(str(ev, "headers.x-overlong"), "(invalid UTF-8)");
    assert_string_equal(str(ev, "headers.x-surrogate"), "(invalid UTF-8)");
    assert_string_equal(str(ev, "headers.x-utf"), "caf\xc3\xa9 \xe2\x82\xac");
    json_t *cookies = json_object_get(ev, "cookies");
    assert_int_equal(json_array_size(cookies), 2);
    assert_string_equal(json_string_value(json_array_get(cookies, 1)), "t=\"q\"");
    assert_string_equal(str(ev, "queryStringParameters.k"), "1,\n2");
    assert_string_equal(str(ev, "queryStringParameters.(invalid UTF-8)"), "a,b");
    assert_string_equal(str(ev, "queryStringParameters.q="), "\xe2\x82\xac");
    assert_string_equal(str(ev, "queryStringParameters.x"), "");
    assert_string_equal(str(ev, "queryStringParameters.bad"), "%ZZ");
    assert_string_equal(str(ev, "body"), "line1\nline2");
    assert_int_equal(json_string_length(json_object_get(ev, "body")), sizeof(body) - 1);
    assert_string_equal(str(ev, "pathParameters.id"), "4\"2");
    assert_string_equal(str(ev, "requestContext.authorizer.lambda.user"), "u\n1");
    assert_string_equal(str(ev, "requestContext.http.path"), "/a%22b/\"c");
    const char *first = json_object_iter_key(json_object_iter(json_object_get(ev, "headers")));
    assert_string_equal(first, "x-ctl");
    json_decref(ev);
    json_decref(pp);
    json_decref(sv);
    json_decref(az);
}

static void test_gwevent_build_iam_authorizer(void **state)
{
    (void)state;
    json_t *ev = build(NULL, 0, "", NULL, 0, "AKIAEXAMPLE");
    assert_string_equal(str(ev, "requestContext.authorizer.iam.accessKey"), "AKIAEXAMPLE");
    assert_string_equal(str(ev, "requestContext.authorizer.iam.accountId"), "111111111111");
    assert_string_equal(str(ev, "requestContext.authorizer.iam.userArn"),
                        "arn:aws:iam::111111111111:root");
    assert_string_equal(str(ev, "requestContext.http.userAgent"), "");
    json_decref(ev);
}

static void test_gwevent_is_text(void **state)
{
    (void)state;
    assert_true(gwevent_is_text("text/html"));
    assert_true(gwevent_is_text("Application/JSON ; charset=utf-8"));
    assert_true(gwevent_is_text("application/vnd.api+json"));
    assert_true(gwevent_is_text("image/svg+xml"));
    assert_true(gwevent_is_text("application/x-www-form-urlencoded"));
    assert_false(gwevent_is_text("application/octet-stream"));
    assert_false(gwevent_is_text("image/png"));
    assert_false(gwevent_is_text("application/jsonx"));
    assert_false(gwevent_is_text(NULL));
}

/* Payload format 1.0 (http-events.md §1.1, checklist row 4): both header maps with the last
 * value in the first, null for empty collections, binary by BinaryMediaTypes for REST. */
static void test_gwevent_build_v1(void **state)
{
    (void)state;
    struct http1_header hs[] = {
        {"X-Multi", "one"}, {"x-multi", "two"}, {"Content-Type", "image/png"}};
    json_t *params = json_pack("{s:s}", "id", "7");
    char png[] = "image/png";
    char *types[] = {png};
    struct gwevent_request r = {.method = "POST",
                                .path = "/items/7",
                                .query = "a=1&a=2&b=%2F",
                                .headers = hs,
                                .n_headers = 3,
                                .body = (const uint8_t *)"\x89PNG",
                                .body_len = 4,
                                .source_ip = "127.0.0.1",
                                .url_id = "abc",
                                .domain_name = "localhost",
                                .account = "000000000000",
                                .request_id = "rid",
                                .time_ms = 1583348638390,
                                .route_key = "POST /items/{id}",
                                .resource = "/items/{id}",
                                .stage = "Prod",
                                .path_params = params,
                                .binary_types = (const char *const *)types,
                                .n_binary_types = 1,
                                .is_rest = true};
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(gwevent_build_v1(&r, &s, &len), 0);
    json_t *ev = json_loads(s, 0, NULL);
    free(s);
    assert_string_equal(str(ev, "resource"), "/items/{id}");
    assert_string_equal(str(ev, "httpMethod"), "POST");
    assert_string_equal(str(ev, "headers.X-Multi"), "two");
    json_t *mv = json_object_get(json_object_get(ev, "multiValueHeaders"), "X-Multi");
    assert_int_equal(json_array_size(mv), 2);
    assert_string_equal(str(ev, "queryStringParameters.a"), "2");
    assert_string_equal(str(ev, "queryStringParameters.b"), "/");
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(ev, "multiValueQueryStringParameters"), "a")),
                     2);
    assert_true(json_is_null(json_object_get(ev, "stageVariables")));
    assert_string_equal(str(ev, "pathParameters.id"), "7");
    assert_string_equal(str(ev, "requestContext.path"), "/Prod/items/7");
    assert_string_equal(str(ev, "requestContext.stage"), "Prod");
    assert_true(json_is_true(json_object_get(ev, "isBase64Encoded")));
    assert_string_equal(str(ev, "body"), "iVBORw==");
    json_decref(ev);
    /* no query, no headers, no body: nulls; a text type not in BinaryMediaTypes stays text */
    r.query = "";
    r.n_headers = 0;
    r.body_len = 0;
    r.path_params = NULL;
    assert_int_equal(gwevent_build_v1(&r, &s, &len), 0);
    ev = json_loads(s, 0, NULL);
    free(s);
    static const char *const nulls[] = {"headers",
                                        "multiValueHeaders",
                                        "queryStringParameters",
                                        "multiValueQueryStringParameters",
                                        "pathParameters",
                                        "body",
                                        NULL};
    for (size_t i = 0; nulls[i]; i++) {
        assert_true(json_is_null(json_object_get(ev, nulls[i])));
    }
    json_decref(ev);
    json_decref(params);
    assert_true(gwevent_type_matches("image/png; q=1", (const char *const *)types, 1));
    char any[] = "*/*";
    char img[] = "image/*";
    char *wild[] = {img};
    char *all[] = {any};
    assert_true(gwevent_type_matches("image/jpeg", (const char *const *)wild, 1));
    assert_false(gwevent_type_matches("text/plain", (const char *const *)wild, 1));
    assert_true(gwevent_type_matches("text/plain", (const char *const *)all, 1));
    assert_false(gwevent_type_matches(NULL, (const char *const *)all, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gwevent_build_fixed_members),
        cmocka_unit_test(test_gwevent_build_headers_cookies_query),
        cmocka_unit_test(test_gwevent_build_text_and_binary_bodies),
        cmocka_unit_test(test_gwevent_build_is_jansson_canonical),
        cmocka_unit_test(test_gwevent_build_iam_authorizer),
        cmocka_unit_test(test_gwevent_is_text),
        cmocka_unit_test(test_gwevent_build_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
