/* SPDX-License-Identifier: MIT */
/* Unit tests for src/aws/client.c against the fake endpoint of fake_aws.c: throttling then
 * success, a 500 three times, a connection dropped mid-response, a stale kept-alive
 * connection, connection reuse across calls, errors returned at once with their type and
 * message, the token bucket running dry, timeouts, refused connections, the signed request's
 * headers, and credentials from the environment. Time and randomness go through hooks: the
 * backoff sleeps are recorded, not slept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws_int.h"
#include "fake_aws.h"

struct clock {
    int64_t now;
    int64_t slept[16];
    int n_sleeps;
    uint64_t random;
};

static int64_t clock_now(void *user)
{
    return ((struct clock *)user)->now;
}

static void clock_sleep(void *user, int64_t ms)
{
    struct clock *k = user;
    if (k->n_sleeps < 16) {
        k->slept[k->n_sleeps] = ms;
    }
    k->n_sleeps++;
}

static uint64_t clock_random(void *user)
{
    return ((struct clock *)user)->random;
}

struct fixture {
    struct fake_aws fake;
    struct clock clock;
    clambda_aws_client *c;
};

/* Starts the fake with script and opens a client on it with test hooks. */
static struct fixture *setup_with(const struct fake_aws_answer *script, size_t n, const char *token)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    fx->fake.script = script;
    fx->fake.n_script = n;
    assert_int_equal(fake_aws_start(&fx->fake), 0);
    assert_int_equal(clambda_aws_client_open_with("dynamodb", fx->fake.url, "eu-west-1",
                                                  "AKIDEXAMPLE", "secret", token, &fx->c),
                     CLAMBDA_OK);
    fx->clock = (struct clock){.now = 1440938160, .random = UINT64_MAX};
    struct cl_aws_hooks h = {clock_now, clock_sleep, clock_random, &fx->clock};
    cl_aws_client_set_hooks(fx->c, &h);
    return fx;
}

static void teardown_fx(struct fixture *fx)
{
    clambda_aws_client_close(fx->c);
    fake_aws_stop(&fx->fake);
    free(fx);
}

static int call(struct fixture *fx)
{
    static const char body[] = "{\"TableName\":\"t\"}";
    return clambda_aws_client_call_json(fx->c, "1.0", "DynamoDB_20120810.GetItem", body,
                                        sizeof(body) - 1);
}

static void test_client_throttling_then_success(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {400,
         "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
         "\"message\":\"Rate exceeded\"}",
         NULL, FAKE_AWS_ANSWER},
        {200, "{\"Item\":{}}", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 2, NULL);
    assert_int_equal(call(fx), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 2);
    assert_int_equal(clambda_aws_client_status(fx->c), 200);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "");
    assert_string_equal((const char *)clambda_aws_client_body(fx->c, NULL), "{\"Item\":{}}");
    assert_string_equal(clambda_aws_client_request_id(fx->c), "req-2");
    assert_int_equal(fx->clock.n_sleeps, 1);
    assert_int_equal(fx->clock.slept[0], (int64_t)(UINT64_MAX % 26)); /* within [0, 25] */
    assert_int_equal(fx->fake.n_connections, 1); /* the error answer kept the connection */
    assert_string_equal(fx->fake.last_sdk_request, "attempt=2; max=3");
    /* the retry's 5 tokens came back with the success */
    assert_int_equal(fx->c->bucket.tokens, 500);
    teardown_fx(fx);
}

static void test_client_500_three_times(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {500, "{\"__type\":\"com.amazon.coral.service#InternalFailure\"}", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 1, NULL);
    fx->clock.random = 0;
    assert_int_equal(call(fx), CLAMBDA_EAWS);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 3);
    assert_int_equal(fx->fake.n_requests, 3);
    assert_int_equal(clambda_aws_client_status(fx->c), 500);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "InternalFailure");
    assert_int_equal(fx->clock.n_sleeps, 2);
    assert_int_equal(fx->c->bucket.tokens, 490);
    teardown_fx(fx);
}

static void test_client_backoff_ceilings(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {{503, "{}", NULL, FAKE_AWS_ANSWER}};
    struct fixture *fx = setup_with(script, 1, NULL);
    assert_int_equal(clambda_aws_client_set_max_attempts(fx->c, 5), CLAMBDA_OK);
    fx->clock.random = 20000; /* over every ceiling up to the cap: each delay is its ceiling */
    assert_int_equal(call(fx), CLAMBDA_EAWS);
    assert_int_equal(fx->clock.n_sleeps, 4);
    const int64_t want[] = {20000 % 26, 20000 % 51, 20000 % 101, 20000 % 201};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fx->clock.slept[i], want[i]);
        assert_true(fx->clock.slept[i] <= 25 << i);
    }
    teardown_fx(fx);
}

static void test_client_dropped_mid_response(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{\"Item\":{\"id\":{\"S\":\"a long enough body\"}}}", NULL, FAKE_AWS_CUT},
        {200, "{\"Item\":{}}", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 2, NULL);
    assert_int_equal(call(fx), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 2);
    assert_int_equal(fx->fake.n_connections, 2);
    assert_int_equal(fx->clock.n_sleeps, 1);
    assert_string_equal((const char *)clambda_aws_client_body(fx->c, NULL), "{\"Item\":{}}");
    teardown_fx(fx);
}

static void test_client_dropped_before_answer(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {0, NULL, NULL, FAKE_AWS_DROP},
        {200, NULL, NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 2, NULL);
    assert_int_equal(call(fx), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 2);
    teardown_fx(fx);
}

static void test_client_reuses_connection(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {{200, "{}", NULL, FAKE_AWS_ANSWER}};
    struct fixture *fx = setup_with(script, 1, NULL);
    assert_int_equal(clambda_aws_client_connect(fx->c), CLAMBDA_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(call(fx), CLAMBDA_OK);
        assert_int_equal(clambda_aws_client_attempts(fx->c), 1);
    }
    assert_int_equal(fx->fake.n_requests, 5);
    assert_int_equal(fx->fake.n_connections, 1);
    assert_int_equal(fx->clock.n_sleeps, 0);
    assert_int_equal(fx->c->bucket.tokens, 500);
    teardown_fx(fx);
}

static void test_client_stale_connection(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{\"n\":1}", NULL, FAKE_AWS_THEN_CLOSE},
        {200, "{\"n\":2}", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 2, NULL);
    assert_int_equal(call(fx), CLAMBDA_OK);
    /* the server closed the idle connection: the next call reconnects, not as a retry */
    usleep(20000);
    assert_int_equal(call(fx), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 1);
    assert_int_equal(fx->fake.n_connections, 2);
    assert_int_equal(fx->clock.n_sleeps, 0);
    assert_string_equal((const char *)clambda_aws_client_body(fx->c, NULL), "{\"n\":2}");
    teardown_fx(fx);
}

static void test_client_errors_at_once(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {400,
         "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
         "\"message\":\"The conditional request failed\"}",
         NULL, FAKE_AWS_ANSWER},
        {400, "{\"__type\":\"ValidationException\",\"Message\":\"One or more parameter values\"}",
         NULL, FAKE_AWS_ANSWER},
        {400, "{\"message\":\"no type in the body\"}",
         "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/coral/\r\n",
         FAKE_AWS_ANSWER},
        {403, "<html>forbidden</html>", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 4, NULL);
    assert_int_equal(call(fx), CLAMBDA_ECONDITION);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 1);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "ConditionalCheckFailedException");
    assert_string_equal(clambda_aws_client_error_message(fx->c), "The conditional request failed");
    assert_int_equal(call(fx), CLAMBDA_EAWS);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "ValidationException");
    assert_string_equal(clambda_aws_client_error_message(fx->c), "One or more parameter values");
    assert_int_equal(call(fx), CLAMBDA_EAWS);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "ResourceNotFoundException");
    assert_string_equal(clambda_aws_client_error_message(fx->c), "no type in the body");
    assert_int_equal(call(fx), CLAMBDA_EAWS);
    assert_int_equal(clambda_aws_client_status(fx->c), 403);
    assert_string_equal(clambda_aws_client_error_type(fx->c), "");
    assert_int_equal(fx->fake.n_requests, 4);
    assert_int_equal(fx->clock.n_sleeps, 0);
    teardown_fx(fx);
}

static void test_client_throttled_bucket_dry(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {400, "{\"__type\":\"ProvisionedThroughputExceededException\"}", NULL, FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 1, NULL);
    assert_int_equal(call(fx), CLAMBDA_ETHROTTLED);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 3);
    fx->c->bucket.tokens = 4; /* under one retry's cost: no retry at all */
    assert_int_equal(call(fx), CLAMBDA_ETHROTTLED);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 1);
    assert_string_equal(clambda_aws_client_error_type(fx->c),
                        "ProvisionedThroughputExceededException");
    teardown_fx(fx);
}

static void test_client_timeout(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {{0, NULL, NULL, FAKE_AWS_HANG}};
    struct fixture *fx = setup_with(script, 1, NULL);
    assert_int_equal(clambda_aws_client_set_timeout_ms(fx->c, 100), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_set_max_attempts(fx->c, 2), CLAMBDA_OK);
    assert_int_equal(call(fx), CLAMBDA_ETIMEDOUT);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 2);
    assert_int_equal(clambda_aws_client_status(fx->c), 0);
    assert_int_equal(fx->c->bucket.tokens, 490); /* a timeout's retry costs 10 */
    teardown_fx(fx);
}

static void test_client_refused(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {{200, NULL, NULL, FAKE_AWS_ANSWER}};
    struct fixture *fx = setup_with(script, 1, NULL);
    clambda_aws_client *c = NULL;
    /* the fake's port once it is closed */
    int port = fx->fake.port;
    teardown_fx(fx);
    char url[64];
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    assert_int_equal(clambda_aws_client_open_with("dynamodb", url, "us-east-1", "A", "S", "", &c),
                     CLAMBDA_OK);
    struct clock k = {0};
    struct cl_aws_hooks h = {clock_now, clock_sleep, clock_random, &k};
    cl_aws_client_set_hooks(c, &h);
    assert_int_equal(clambda_aws_client_call_json(c, "1.1", "X.Y", "{}", 2), CLAMBDA_ECONNECT);
    assert_int_equal(clambda_aws_client_attempts(c), 3);
    clambda_aws_client_close(c);
}

static void test_client_signed_headers(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {{200, NULL, NULL, FAKE_AWS_ANSWER}};
    struct fixture *fx = setup_with(script, 1, "TOKEN/+=");
    assert_int_equal(
        clambda_aws_client_call_json(fx->c, "1.1", "Logs_20140328.PutLogEvents", "{}", 2),
        CLAMBDA_OK);
    assert_string_equal(fx->fake.last_target, "Logs_20140328.PutLogEvents");
    assert_string_equal(fx->fake.last_content_type, "application/x-amz-json-1.1");
    assert_string_equal(fx->fake.last_token, "TOKEN/+=");
    assert_string_equal(fx->fake.last_date, "20150830T123600Z");
    char host[64];
    (void)snprintf(host, sizeof(host), "127.0.0.1:%d", fx->fake.port);
    assert_string_equal(fx->fake.last_host, host);
    assert_non_null(strstr(fx->fake.last_authorization,
                           "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/dynamodb/"
                           "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                           "x-amz-security-token;x-amz-target, Signature="));
    assert_string_equal(fx->fake.last_body.data, "{}");
    /* bad arguments never reach the wire */
    assert_int_equal(clambda_aws_client_call_json(fx->c, "2.0", "X.Y", "{}", 2), CLAMBDA_EINVAL);
    assert_int_equal(clambda_aws_client_call_json(fx->c, "1.0", "X\r\nY: z", "{}", 2),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_aws_client_call_json(fx->c, "1.0", "X.Y", NULL, 2), CLAMBDA_EINVAL);
    assert_int_equal(fx->fake.n_requests, 1);
    teardown_fx(fx);
}

static void test_client_crc32(void **state)
{
    (void)state;
    /* crc32("{}") = 2745614147 */
    static const struct fake_aws_answer script[] = {
        {200, "{}", "x-amz-crc32: 1\r\n", FAKE_AWS_ANSWER},
        {200, "{}", "x-amz-crc32: 2745614147\r\n", FAKE_AWS_ANSWER},
    };
    struct fixture *fx = setup_with(script, 2, NULL);
    assert_int_equal(call(fx), CLAMBDA_OK);
    assert_int_equal(clambda_aws_client_attempts(fx->c), 2);
    teardown_fx(fx);
}

static void test_client_environment(void **state)
{
    (void)state;
    const char *vars[] = {"AWS_ACCESS_KEY_ID",
                          "AWS_SECRET_ACCESS_KEY",
                          "AWS_SESSION_TOKEN",
                          "AWS_REGION",
                          "AWS_DEFAULT_REGION",
                          "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_DYNAMODB",
                          "AWS_MAX_ATTEMPTS",
                          "SSL_CERT_FILE"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        unsetenv(vars[i]);
    }
    clambda_aws_client *c = NULL;
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_ENOCREDS);
    assert_null(c);
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_ENOCREDS); /* no region */
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000", 1);
    setenv("AWS_MAX_ATTEMPTS", "5", 1);
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_OK);
    assert_string_equal(clambda_aws_client_region(c), "eu-central-1");
    assert_string_equal(clambda_aws_client_endpoint(c), "http://127.0.0.1:8000");
    assert_int_equal(c->max_attempts, 5);
    assert_null(c->session_token);
    clambda_aws_client_close(c);
    setenv("AWS_REGION", "us-west-2", 1); /* wins over AWS_DEFAULT_REGION */
    setenv("AWS_SESSION_TOKEN", "TOK", 1);
    unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_ETLS); /* https, no CAs */
    setenv("AWS_ENDPOINT_URL", "http://localhost:4566", 1);
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_OK);
    assert_string_equal(clambda_aws_client_region(c), "us-west-2");
    assert_string_equal(clambda_aws_client_endpoint(c), "http://localhost:4566");
    assert_string_equal(c->session_token, "TOK");
    clambda_aws_client_close(c);
    setenv("AWS_ENDPOINT_URL", "localhost:4566", 1);
    assert_int_equal(clambda_aws_client_open("dynamodb", &c), CLAMBDA_EINVAL);
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        unsetenv(vars[i]);
    }
    clambda_aws_client_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_throttling_then_success),
        cmocka_unit_test(test_client_500_three_times),
        cmocka_unit_test(test_client_backoff_ceilings),
        cmocka_unit_test(test_client_dropped_mid_response),
        cmocka_unit_test(test_client_dropped_before_answer),
        cmocka_unit_test(test_client_reuses_connection),
        cmocka_unit_test(test_client_stale_connection),
        cmocka_unit_test(test_client_errors_at_once),
        cmocka_unit_test(test_client_throttled_bucket_dry),
        cmocka_unit_test(test_client_timeout),
        cmocka_unit_test(test_client_refused),
        cmocka_unit_test(test_client_signed_headers),
        cmocka_unit_test(test_client_crc32),
        cmocka_unit_test(test_client_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
