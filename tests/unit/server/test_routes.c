/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/front/routes.c's table: which route a method, target and headers
 * reach (Invoke before anything else, the presigned downloads, metrics, the Logs API, the
 * control-plane operations and their query-distinguished twins, the unknown rest), and each
 * route's flags and body cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "front/routes.h"
#include "invoke/invoke.h"

/* The route of method and url, with one optional header "Name: value". */
static const struct routes_route *find(const char *method, const char *url, const char *name,
                                       const char *value)
{
    static struct http1_request req;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.url = url;
    if (name) {
        req.headers[0] = (struct http1_header){name, value};
        req.n_headers = 1;
    }
    return routes_find(NULL, &req);
}

static const char *name_of(const char *method, const char *url)
{
    return find(method, url, NULL, NULL)->name;
}

static void test_routes_find_invoke(void **state)
{
    (void)state;
    const struct routes_route *r = find("POST", "/2015-03-31/functions/f/invocations", NULL, NULL);
    assert_int_equal(r->kind, ROUTES_INVOKE);
    assert_string_equal(r->name, "Invoke");
    assert_int_equal(r->flags, ROUTES_OFFLOAD_LG);
    assert_int_equal(routes_body_max(r), INVOKE_MAX_SYNC);
    /* labels stay encoded here (even malformed ones: the handler answers those) */
    assert_string_equal(name_of("POST", "/2015-03-31/functions/f%3Aprod/invocations?Qualifier=1"),
                        "Invoke");
    assert_string_equal(name_of("POST", "/2015-03-31/functions/%G1/invocations"), "Invoke");
    assert_string_equal(
        name_of("POST", "/2021-11-15/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3A"
                        "function%3Af/response-streaming-invocations"),
        "InvokeWithResponseStream");
    /* one non-empty segment between prefix and suffix, no trailing slash taken off */
    assert_string_equal(name_of("POST", "/2015-03-31/functions//invocations"), "UnknownOperation");
    assert_string_equal(name_of("POST", "/2015-03-31/functions/a/b/invocations"),
                        "UnknownOperation");
    assert_string_equal(name_of("POST", "/2015-03-31/functions/f/invocations/"),
                        "UnknownOperation");
    assert_string_equal(name_of("GET", "/2015-03-31/functions/f/invocations"), "UnknownOperation");
    /* the two do not answer for each other */
    assert_string_equal(name_of("POST", "/2021-11-15/functions/f/invocations"), "UnknownOperation");
    assert_string_equal(name_of("POST", "/2015-03-31/functions/f/response-streaming-invocations"),
                        "UnknownOperation");
}

static void test_routes_find_operations(void **state)
{
    (void)state;
    assert_string_equal(name_of("GET", "/2015-03-31/functions/"), "ListFunctions");
    assert_string_equal(name_of("GET", "/2015-03-31/functions?MaxItems=5"), "ListFunctions");
    assert_string_equal(name_of("GET", "/2015-03-31/functions/f"), "GetFunction");
    assert_string_equal(name_of("DELETE", "/2015-03-31/functions/f?Qualifier=1"), "DeleteFunction");
    assert_string_equal(name_of("GET", "/2015-03-31/functions/f/aliases/live"), "GetAlias");
    assert_string_equal(name_of("GET", "/2016-08-19/account-settings/"), "GetAccountSettings");
    assert_string_equal(name_of("GET", "/2019-09-30/functions/f/provisioned-concurrency?List=ALL"),
                        "ListProvisionedConcurrencyConfigs");
    assert_string_equal(
        name_of("GET", "/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1"),
        "GetProvisionedConcurrencyConfig");
    assert_string_equal(
        name_of("GET", "/2018-10-31/layers?find=LayerVersion&Arn=arn%3Aaws%3Alambda%3Ax"),
        "GetLayerVersionByArn");
    assert_string_equal(name_of("GET", "/2018-10-31/layers"), "ListLayers");
    const struct routes_route *r = find("GET", "/2020-04-22/code-signing-configs", NULL, NULL);
    assert_int_equal(r->kind, ROUTES_OP);
    assert_null(r->fn); /* listed, not implemented: 501 */
    assert_non_null(find("GET", "/2015-03-31/functions/f", NULL, NULL)->fn);
    assert_string_equal(name_of("PATCH", "/2015-03-31/functions/f"), "UnknownOperation");
    assert_string_equal(name_of("GET", "/2015-03-31/functions/f/nothing"), "UnknownOperation");
    assert_string_equal(name_of("GET", "/"), "UnknownOperation");
}

static void test_routes_find_code_uploads(void **state)
{
    (void)state;
    static const char *const uploads[][3] = {
        {"POST", "/2015-03-31/functions", "CreateFunction"},
        {"POST", "/2015-03-31/functions/", "CreateFunction"},
        {"PUT", "/2015-03-31/functions/f/code", "UpdateFunctionCode"},
        {"PUT", "/2015-03-31/functions/f/code/", "UpdateFunctionCode"},
        {"POST", "/2018-10-31/layers/l/versions", "PublishLayerVersion"},
    };
    for (size_t i = 0; i < sizeof(uploads) / sizeof(uploads[0]); i++) {
        const struct routes_route *r = find(uploads[i][0], uploads[i][1], NULL, NULL);
        assert_string_equal(r->name, uploads[i][2]);
        assert_int_equal(r->flags, ROUTES_CODE_BODY | ROUTES_OFFLOAD);
        assert_int_equal(routes_body_max(r), CALL_MAX_CODE_REQUEST);
    }
    const struct routes_route *r = find("PUT", "/2015-03-31/functions/f/configuration", NULL, NULL);
    assert_int_equal(r->flags, 0);
    assert_int_equal(routes_body_max(r), INVOKE_MAX_SYNC);
}

static void test_routes_find_endpoints(void **state)
{
    (void)state;
    const struct routes_route *r =
        find("GET", "/clambda/code/abc.zip?X-Clambda-Expires=1", NULL, NULL);
    assert_int_equal(r->kind, ROUTES_DOWNLOAD);
    assert_int_equal(r->flags, ROUTES_UNSIGNED);
    assert_int_equal(find("GET", "/clambda/other", NULL, NULL)->kind, ROUTES_UNKNOWN);
    assert_int_equal(find("POST", "/clambda/code/abc.zip", NULL, NULL)->kind, ROUTES_UNKNOWN);

    assert_int_equal(find("GET", "/metrics", NULL, NULL)->kind, ROUTES_METRICS);
    assert_int_equal(find("GET", "/metrics?x=1", NULL, NULL)->kind, ROUTES_METRICS);
    assert_int_equal(find("GET", "/metricsx", NULL, NULL)->kind, ROUTES_UNKNOWN);
    assert_int_equal(find("POST", "/metrics", NULL, NULL)->kind, ROUTES_UNKNOWN);

    r = find("POST", "/", "X-Amz-Target", "Logs_20140328.GetLogEvents");
    assert_int_equal(r->kind, ROUTES_LOGS);
    assert_int_equal(r->flags, 0); /* signed (for service "logs") */
    assert_int_equal(find("POST", "/", "x-amz-target", "Logs_20140328.X")->kind, ROUTES_LOGS);
    assert_int_equal(find("POST", "/", NULL, NULL)->kind, ROUTES_UNKNOWN);
    assert_int_equal(find("POST", "/", "X-Amz-Target", "DynamoDB_20120810.GetItem")->kind,
                     ROUTES_UNKNOWN);
    /* elsewhere the Logs target does not make a Logs API route (the unknown route answers) */
    assert_int_equal(find("GET", "/", "X-Amz-Target", "Logs_20140328.GetLogEvents")->kind,
                     ROUTES_UNKNOWN);
    /* a control-plane path stays one */
    assert_string_equal(
        find("GET", "/2015-03-31/functions/f", "X-Amz-Target", "Logs_20140328.GetLogEvents")->name,
        "GetFunction");
}

/* Every route but the last is reachable: no earlier entry swallows a later one. */
/* Function URLs come first, by Host or /lambda-url/ path, whatever the path below them: such a
 * request never reaches a control-plane handler, and its body cap is Invoke's 6 MB. */
static void test_routes_find_function_url_first(void **state)
{
    (void)state;
    struct call_ctx ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.region = "us-east-1";
    struct http1_request req;
    memset(&req, 0, sizeof(req));
    req.method = "PUT";
    req.url = "/2015-03-31/functions/f/code";
    req.headers[0] = (struct http1_header){"Host", "abc123.lambda-url.us-east-1.localhost:9000"};
    req.n_headers = 1;
    const struct routes_route *r = routes_find(&ctl, &req);
    assert_int_equal(r->kind, ROUTES_FUNCURL);
    assert_int_equal(routes_body_max(r), INVOKE_MAX_SYNC);
    req.headers[0].value = "abc123.lambda-url.eu-west-1.localhost:9000"; /* another region */
    assert_string_equal(routes_find(&ctl, &req)->name, "UpdateFunctionCode");
    req.n_headers = 0;
    req.method = "GET";
    req.url = "/lambda-url/f/some/path?x=1";
    assert_int_equal(routes_find(&ctl, &req)->kind, ROUTES_FUNCURL);
    assert_int_not_equal(routes_find(NULL, &req)->kind, ROUTES_FUNCURL); /* no context: none */
}

static void test_routes_find_every_operation_reachable(void **state)
{
    (void)state;
    static const char *const samples[][3] = {
        {"GET", "/2015-03-31/event-source-mappings/u", "GetEventSourceMapping"},
        {"DELETE", "/2017-03-31/tags/arn", "UntagResource"},
        {"PUT", "/2017-10-31/functions/f/concurrency", "PutFunctionConcurrency"},
        {"GET", "/2019-09-25/functions/f/event-invoke-config/list",
         "ListFunctionEventInvokeConfigs"},
        {"GET", "/2021-10-31/functions/f/urls", "ListFunctionUrlConfigs"},
        {"POST", "/2014-11-13/functions/f/invoke-async", "InvokeAsync"},
        {"DELETE", "/2018-10-31/layers/l/versions/1/policy/s", "RemoveLayerVersionPermission"},
        {"GET", "/2020-04-22/code-signing-configs/c/functions", "ListFunctionsByCodeSigningConfig"},
        {"PUT", "/2024-08-31/functions/f/recursion-config", "PutFunctionRecursionConfig"},
    };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        assert_string_equal(name_of(samples[i][0], samples[i][1]), samples[i][2]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_find_invoke),
        cmocka_unit_test(test_routes_find_operations),
        cmocka_unit_test(test_routes_find_code_uploads),
        cmocka_unit_test(test_routes_find_endpoints),
        cmocka_unit_test(test_routes_find_function_url_first),
        cmocka_unit_test(test_routes_find_every_operation_reachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
