/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/gateway/authz.c: Lambda authorizers of HTTP APIs (identity sources,
 * the event, simple and IAM-policy answers, the cache). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gateway/authz.h"

static const char ARN[] = "arn:aws:execute-api:us-east-1:000000000000:abc/$default/GET/items/1";

static struct gwevent_request request(const struct http1_header *hs, size_t n, const char *q)
{
    static json_t *vars;
    if (vars == NULL) {
        vars = json_pack("{s:s}", "v", "stage-value");
    }
    return (struct gwevent_request){.method = "GET",
                                    .path = "/items/1",
                                    .query = q,
                                    .headers = hs,
                                    .n_headers = n,
                                    .source_ip = "127.0.0.1",
                                    .url_id = "abc",
                                    .domain_name = "localhost",
                                    .account = "000000000000",
                                    .request_id = "rid",
                                    .time_ms = 1,
                                    .route_key = "GET /items/{id}",
                                    .resource = "/items/{id}",
                                    .stage = "$default",
                                    .stage_vars = vars};
}

static void test_authz_identity(void **state)
{
    (void)state;
    char s0[] = "$request.header.Authorization";
    char s1[] = "$request.querystring.tok";
    char s2[] = "$stageVariables.v";
    char s3[] = "$context.routeKey";
    char *srcs[] = {s0, s1, s2, s3};
    char name[] = "A";
    struct sam_authorizer a = {.name = name, .identity = srcs, .n_identity = 4};
    struct http1_header hs[] = {{"authorization", "t1"}, {"Authorization", "t2"}};
    struct gwevent_request r = request(hs, 2, "tok=x%20y&o=1");
    json_t *ids = NULL;
    assert_int_equal(authz_identity(&a, &r, &ids), 0);
    assert_int_equal(json_array_size(ids), 4);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "t1,t2");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "x y");
    assert_string_equal(json_string_value(json_array_get(ids, 2)), "stage-value");
    assert_string_equal(json_string_value(json_array_get(ids, 3)), "GET /items/{id}");
    json_decref(ids);
    r = request(hs, 2, "o=1"); /* no tok: 401 */
    assert_int_equal(authz_identity(&a, &r, &ids), -ENOENT);
    assert_null(ids);
}

static void test_authz_event_v2_and_v1(void **state)
{
    (void)state;
    char s0[] = "$request.header.Authorization";
    char *srcs[] = {s0};
    char name[] = "A";
    char v1[] = "1.0";
    struct sam_authorizer a = {.name = name, .identity = srcs, .n_identity = 1};
    struct http1_header hs[] = {{"Authorization", "tok"}};
    struct gwevent_request r = request(hs, 1, "");
    r.body = (const uint8_t *)"secret body";
    r.body_len = 11;
    json_t *ids = json_pack("[s]", "tok");
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(authz_event(&a, &r, ARN, ids, &s, &len), 0);
    json_t *ev = json_loads(s, 0, NULL);
    free(s);
    assert_string_equal(json_string_value(json_object_get(ev, "version")), "2.0");
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "REQUEST");
    assert_string_equal(json_string_value(json_object_get(ev, "routeArn")), ARN);
    assert_true(json_equal(json_object_get(ev, "identitySource"), ids));
    assert_string_equal(json_string_value(json_object_get(ev, "routeKey")), "GET /items/{id}");
    assert_null(json_object_get(ev, "body")); /* an authorizer never sees the body */
    json_decref(ev);
    a.payload_version = v1;
    assert_int_equal(authz_event(&a, &r, ARN, ids, &s, &len), 0);
    ev = json_loads(s, 0, NULL);
    free(s);
    assert_string_equal(json_string_value(json_object_get(ev, "methodArn")), ARN);
    assert_string_equal(json_string_value(json_object_get(ev, "identitySource")), "tok");
    assert_string_equal(json_string_value(json_object_get(ev, "httpMethod")), "GET");
    json_decref(ev);
    json_decref(ids);
}

static enum authz_verdict decide(bool simple, const char *answer, json_t **ctx)
{
    char name[] = "A";
    struct sam_authorizer a = {.name = name, .simple = simple};
    char *principal = NULL;
    json_t *c = NULL;
    enum authz_verdict v =
        authz_decide(&a, (const uint8_t *)answer, strlen(answer), ARN, &c, &principal);
    free(principal);
    if (ctx) {
        *ctx = c;
    } else {
        json_decref(c);
    }
    return v;
}

static void test_authz_simple_answers(void **state)
{
    (void)state;
    json_t *ctx = NULL;
    assert_int_equal(decide(true, "{\"isAuthorized\":true,\"context\":{\"u\":\"x\"}}", &ctx),
                     AUTHZ_ALLOW);
    assert_string_equal(json_string_value(json_object_get(ctx, "u")), "x");
    json_t *view = authz_function_view(ctx, NULL, false);
    assert_string_equal(json_string_value(json_object_get(json_object_get(view, "lambda"), "u")),
                        "x");
    json_decref(view);
    assert_int_equal(decide(true, "{\"isAuthorized\":false}", NULL), AUTHZ_DENY);
    assert_int_equal(decide(true, "{\"isAuthorized\":\"yes\"}", NULL), AUTHZ_MALFORMED);
    assert_int_equal(decide(true, "not json", NULL), AUTHZ_MALFORMED);
    assert_int_equal(decide(true, "{\"isAuthorized\":true,\"context\":[1]}", NULL),
                     AUTHZ_MALFORMED);
}

static void test_authz_policy_answers(void **state)
{
    (void)state;
    const char *allow_all =
        "{\"principalId\":\"p\",\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":"
        "[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"Allow\",\"Resource\":"
        "\"arn:aws:execute-api:us-east-1:000000000000:abc/*\"}]},\"context\":{\"n\":1}}";
    const char *get_only =
        "{\"policyDocument\":{\"Statement\":{\"Action\":[\"execute-api:*\"],\"Effect\":"
        "\"Allow\",\"Resource\":[\"arn:aws:execute-api:*:*:abc/*/GET/*\"]}}}";
    const char *put_only =
        "{\"policyDocument\":{\"Statement\":[{\"Action\":\"execute-api:Invoke\",\"Effect\":"
        "\"Allow\",\"Resource\":\"arn:aws:execute-api:*:*:abc/*/PUT/*\"}]}}";
    const char *deny_wins =
        "{\"policyDocument\":{\"Statement\":[{\"Action\":\"*\",\"Effect\":\"Allow\",\"Resource\":"
        "\"*\"},{\"Action\":\"execute-api:Invoke\",\"Effect\":\"Deny\",\"Resource\":"
        "\"arn:aws:execute-api:*:*:abc/*/GET/items/?\"}]}}";
    json_t *ctx = NULL;
    assert_int_equal(decide(false, allow_all, &ctx), AUTHZ_ALLOW);
    json_t *view = authz_function_view(ctx, "p", true); /* 1.0: context members, principalId */
    assert_string_equal(json_string_value(json_object_get(view, "principalId")), "p");
    assert_int_equal(json_integer_value(json_object_get(view, "n")), 1);
    json_decref(view);
    assert_int_equal(decide(false, get_only, NULL), AUTHZ_ALLOW);
    assert_int_equal(decide(false, put_only, NULL), AUTHZ_DENY);
    assert_int_equal(decide(false, deny_wins, NULL), AUTHZ_DENY);
    assert_int_equal(decide(false, "{\"principalId\":\"p\"}", NULL), AUTHZ_MALFORMED);
    /* a simple answer where an IAM policy is expected is no policy */
    assert_int_equal(decide(false, "{\"isAuthorized\":true}", NULL), AUTHZ_MALFORMED);
}

static void test_authz_cache(void **state)
{
    (void)state;
    struct authz_cache *c = authz_cache_new();
    json_t *id1 = json_pack("[s]", "a");
    json_t *id2 = json_pack("[s]", "b");
    json_t *none = json_array();
    size_t len = 0;
    authz_cache_put(c, "api", "A", id1, 10, (const uint8_t *)"one", 3, 1000);
    authz_cache_put(c, "api", "A", none, 10, (const uint8_t *)"x", 1, 1000); /* not kept */
    authz_cache_put(c, "api", "A", id2, 0, (const uint8_t *)"x", 1, 1000);   /* TTL 0 */
    assert_string_equal(authz_cache_get(c, "api", "A", id1, 5000, &len), "one");
    assert_int_equal(len, 3);
    assert_null(authz_cache_get(c, "api", "B", id1, 5000, NULL)); /* another authorizer */
    assert_null(authz_cache_get(c, "api", "A", id2, 5000, NULL));
    assert_null(authz_cache_get(c, "api", "A", none, 5000, NULL));
    assert_null(authz_cache_get(c, "api", "A", id1, 11000, NULL));             /* expired */
    authz_cache_put(c, "api", "A", id1, 10, (const uint8_t *)"two", 3, 20000); /* replaced */
    assert_string_equal(authz_cache_get(c, "api", "A", id1, 21000, &len), "two");
    json_decref(id1);
    json_decref(id2);
    json_decref(none);
    authz_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_identity),       cmocka_unit_test(test_authz_event_v2_and_v1),
        cmocka_unit_test(test_authz_simple_answers), cmocka_unit_test(test_authz_policy_answers),
        cmocka_unit_test(test_authz_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
