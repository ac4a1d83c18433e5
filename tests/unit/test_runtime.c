/* SPDX-License-Identifier: MIT */
/* Unit tests for the runtime client (runtime.c, stream.c) against the scripted fake Runtime
 * API in fake_rapi.c: endpoints, accessors, answers and their status mapping, streaming with
 * trailers, init errors, and the loop's handling of handlers that do not answer. */
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_b64.h"
#include "clambda/runtime.h"
#include "fake_rapi.h"

static const char *const EVENT_HEADERS =
    "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f:prod\r\n"
    "Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1\r\n"
    "Lambda-Runtime-Client-Context: {\"custom\":{\"k\":\"v\"}}\r\n"
    "Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"id\"}\r\n"
    "Lambda-Runtime-Aws-Tenant-Id: tenant-7\r\n"
    "Content-Type: application/json\r\n";

static int setup(void **state)
{
    struct fake_rapi *f = calloc(1, sizeof(*f));
    f->event = "{\"k\":1}";
    f->event_headers = EVENT_HEADERS;
    f->n_events = 3;
    assert_int_equal(fake_rapi_start(f), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fake_rapi_stop(*state);
    free(*state);
    return 0;
}

static clambda_runtime *open_rt(struct fake_rapi *f)
{
    clambda_runtime *rt = NULL;
    assert_int_equal(clambda_runtime_open_at(f->endpoint, &rt), CLAMBDA_OK);
    return rt;
}

static void test_runtime_open_at_bad_endpoints(void **state)
{
    (void)state;
    static const char *const bad[] = {"",          "nohostport", "host:",    ":9001",
                                      "[::1]9001", "[::1",       "host:12x", "host:123456789"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        clambda_runtime *rt = (clambda_runtime *)1;
        assert_int_equal(clambda_runtime_open_at(bad[i], &rt), CLAMBDA_EINVAL);
        assert_null(rt);
    }
    assert_int_equal(clambda_runtime_open_at("x:1", NULL), CLAMBDA_EINVAL);
}

static void test_runtime_open_no_env(void **state)
{
    (void)state;
    clambda_runtime *rt;
    unsetenv("AWS_LAMBDA_RUNTIME_API");
    assert_int_equal(clambda_runtime_open(&rt), CLAMBDA_ENOENV);
    clambda_runtime_close(NULL);
}

static void test_runtime_next_accessors(void **state)
{
    struct fake_rapi *f = *state;
    setenv("AWS_LAMBDA_FUNCTION_NAME", "fn", 1);
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256", 1);
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    size_t len;
    assert_memory_equal(clambda_invocation_payload(inv, &len), "{\"k\":1}", 7);
    assert_int_equal(len, 7);
    assert_string_equal(clambda_invocation_request_id(inv), "req-1");
    assert_int_equal(clambda_invocation_deadline_ms(inv), 4102444800000LL);
    assert_true(clambda_invocation_remaining_ms(inv) > 0);
    assert_string_equal(clambda_invocation_function_arn(inv),
                        "arn:aws:lambda:us-east-1:123456789012:function:f:prod");
    assert_string_equal(clambda_invocation_trace_id(inv),
                        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1");
    assert_string_equal(getenv("_X_AMZN_TRACE_ID"), clambda_invocation_trace_id(inv));
    assert_string_equal(clambda_invocation_client_context(inv), "{\"custom\":{\"k\":\"v\"}}");
    assert_string_equal(clambda_invocation_cognito_identity(inv), "{\"cognitoIdentityId\":\"id\"}");
    assert_string_equal(clambda_invocation_tenant_id(inv), "tenant-7");
    assert_string_equal(clambda_invocation_content_type(inv), "application/json");
    assert_string_equal(clambda_runtime_function_name(rt), "fn");
    assert_int_equal(clambda_runtime_memory_mb(rt), 256);
    assert_int_equal(clambda_runtime_respond(rt, inv, "ok", 2, "text/plain"), CLAMBDA_OK);
    assert_null(getenv("_X_AMZN_TRACE_ID"));
    assert_string_equal(f->last_path, "/2018-06-01/runtime/invocation/req-1/response");
    assert_string_equal(f->last_content_type, "text/plain");
    assert_string_equal(cl_buf_str(&f->last_body), "ok");
    assert_int_equal(clambda_runtime_respond(rt, inv, "ok", 2, NULL), CLAMBDA_ESTATE);
    /* keep-alive: the next invocation reuses the connection */
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(f->n_connections, 1);
    clambda_runtime_close(rt);
}

static void test_runtime_fail_body(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    static const char *const frames[] = {"a.c:1", "b\"c"};
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(
        clambda_runtime_fail_trace(rt, inv, "My.Error\r\nX: y", "caf\xc3\xa9 \x01\xff", frames, 2),
        CLAMBDA_OK);
    assert_string_equal(f->last_path, "/2018-06-01/runtime/invocation/req-1/error");
    assert_string_equal(f->last_error_type, "My.Error__X:_y");
    assert_string_equal(cl_buf_str(&f->last_body),
                        "{\"errorMessage\":\"caf\xc3\xa9 \\u0001\xef\xbf\xbd\","
                        "\"errorType\":\"My.Error\\r\\nX: y\","
                        "\"stackTrace\":[\"a.c:1\",\"b\\\"c\"]}");
    clambda_runtime_close(rt);
}

static void test_runtime_respond_status_mapping(void **state)
{
    struct fake_rapi *f = *state;
    static const struct {
        int status;
        const char *body;
        int want;
    } cases[] = {
        {400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}",
         CLAMBDA_EREQUESTID},
        {400, "{\"errorType\":\"InvalidFunctionResponseMode\"}", CLAMBDA_EBADREQUEST},
        {403, "{\"errorType\":\"InvalidStateTransition\"}", CLAMBDA_ESTATE},
    };
    clambda_runtime *rt = open_rt(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        clambda_invocation *inv;
        f->post_status = cases[i].status;
        f->post_body = cases[i].body;
        assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
        assert_int_equal(clambda_runtime_respond(rt, inv, "x", 1, NULL), cases[i].want);
    }
    clambda_runtime_close(rt);
}

static void test_runtime_respond_413(void **state)
{
    struct fake_rapi *f = *state;
    f->post_status = 413;
    f->post_body = "{\"errorType\":\"RequestEntityTooLarge\"}";
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_respond(rt, inv, "x", 1, NULL), CLAMBDA_ETOOBIG);
    f->post_status = 500;
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_respond(rt, inv, "x", 1, NULL), CLAMBDA_ESERVER);
    clambda_runtime_close(rt);
}

static void test_stream_finish(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    clambda_stream *s;
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_stream_open(rt, inv, "text/plain", &s), CLAMBDA_OK);
    assert_int_equal(clambda_stream_write(s, "one,", 4), CLAMBDA_OK);
    assert_int_equal(clambda_stream_write(s, "", 0), CLAMBDA_OK);
    assert_int_equal(clambda_stream_write(s, "two", 3), CLAMBDA_OK);
    assert_int_equal(clambda_stream_finish(s), CLAMBDA_OK);
    assert_true(f->last_chunked);
    assert_string_equal(f->last_mode, "streaming");
    assert_string_equal(cl_buf_str(&f->last_body), "one,two");
    assert_string_equal(cl_buf_str(&f->last_trailers), "");
    assert_int_equal(clambda_stream_open(rt, inv, NULL, &s), CLAMBDA_ESTATE);
    clambda_runtime_close(rt);
}

static void test_stream_fail_trailers(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    clambda_stream *s;
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_stream_open(rt, inv, NULL, &s), CLAMBDA_OK);
    assert_int_equal(clambda_stream_write(s, "partial", 7), CLAMBDA_OK);
    assert_int_equal(clambda_stream_fail(s, "Stream.Broken", "oops"), CLAMBDA_OK);
    struct cl_buf want;
    cl_buf_init(&want, 4096);
    const char *json =
        "{\"errorMessage\":\"oops\",\"errorType\":\"Stream.Broken\",\"stackTrace\":[]}";
    assert_int_equal(cl_buf_append_str(&want, "Lambda-Runtime-Function-Error-Type: Stream.Broken\n"
                                              "Lambda-Runtime-Function-Error-Body: "),
                     0);
    assert_int_equal(cl_b64_encode(&want, (const uint8_t *)json, strlen(json)), 0);
    assert_int_equal(cl_buf_append_str(&want, "\n"), 0);
    assert_string_equal(cl_buf_str(&f->last_trailers), cl_buf_str(&want));
    assert_string_equal(cl_buf_str(&f->last_body), "partial");
    cl_buf_fini(&want);
    clambda_runtime_close(rt);
}

static void test_runtime_init_error(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt = open_rt(f);
    clambda_invocation *inv;
    assert_int_equal(clambda_runtime_init_error(rt, "Runtime.ConfigError", "no config"),
                     CLAMBDA_OK);
    assert_string_equal(f->last_path, "/2018-06-01/runtime/init/error");
    assert_string_equal(f->last_error_type, "Runtime.ConfigError");
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_init_error(rt, "X", "y"), CLAMBDA_ESTATE);
    clambda_runtime_close(rt);
}

static int silent_handler(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    (void)rt;
    (void)inv;
    ++*(int *)user;
    return *(int *)user == 2 ? CLAMBDA_EINVAL : 0;
}

static void test_runtime_run_unanswered(void **state)
{
    struct fake_rapi *f = *state;
    clambda_runtime *rt = open_rt(f);
    int calls = 0;
    /* 3 events, then next answers 500 and the loop ends */
    assert_int_equal(clambda_runtime_run(rt, silent_handler, &calls), CLAMBDA_ESERVER);
    assert_int_equal(calls, 3);
    assert_string_equal(f->last_error_type, "Runtime.NoResponse");
    clambda_runtime_close(rt);
}

static int answering_handler(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    ++*(int *)user;
    (void)clambda_runtime_respond(rt, inv, "{}", 2, NULL); /* its error is ignored */
    return 0;
}

/* Regression: a 500 answer to /response must end the loop even when the handler ignores it. */
static void test_runtime_run_stops_on_500_answer(void **state)
{
    struct fake_rapi *f = *state;
    f->post_status = 500;
    clambda_runtime *rt = open_rt(f);
    int calls = 0;
    assert_int_equal(clambda_runtime_run(rt, answering_handler, &calls), CLAMBDA_ESERVER);
    assert_int_equal(calls, 1);
    clambda_runtime_close(rt);
}

static int failing_init(clambda_runtime *rt, void *user)
{
    (void)rt;
    (void)user;
    return CLAMBDA_EINVAL;
}

static int reporting_init(clambda_runtime *rt, void *user)
{
    (void)user;
    (void)clambda_runtime_init_error(rt, "Custom.Init", "no config");
    return 7;
}

static int ok_init(clambda_runtime *rt, void *user)
{
    (void)rt;
    ++*(int *)user;
    return 0;
}

static void test_run_init_failures(void **state)
{
    struct fake_rapi *f = *state;
    setenv("AWS_LAMBDA_RUNTIME_API", f->endpoint, 1);
    int calls = 0;
    assert_int_equal(clambda_run_init(failing_init, silent_handler, &calls), CLAMBDA_EINVAL);
    assert_string_equal(f->last_path, "/2018-06-01/runtime/init/error");
    assert_string_equal(f->last_error_type, "Runtime.InitError");
    assert_non_null(strstr(cl_buf_str(&f->last_body), "init failed: invalid argument"));
    assert_int_equal(f->n_requests, 1);
    assert_int_equal(clambda_run_init(reporting_init, silent_handler, &calls), 7);
    assert_string_equal(f->last_error_type, "Custom.Init"); /* not posted twice */
    assert_int_equal(f->n_requests, 2);
    assert_int_equal(calls, 0);
    /* a good init: the loop serves the 3 events, then next answers 500 */
    assert_int_equal(clambda_run_init(ok_init, silent_handler, &calls), CLAMBDA_ESERVER);
    assert_int_equal(calls, 4);
    unsetenv("AWS_LAMBDA_RUNTIME_API");
}

static void test_runtime_next_unreachable(void **state)
{
    (void)state;
    clambda_runtime *rt;
    clambda_invocation *inv;
    /* port 1 on loopback refuses; the budget is the default 10 s, so use an address that
     * fails at once: an unresolvable host name */
    assert_int_equal(clambda_runtime_open_at("host.invalid:9001", &rt), CLAMBDA_OK);
    assert_int_equal(clambda_runtime_next(rt, &inv), CLAMBDA_ECONNECT);
    clambda_runtime_close(rt);
}

static void test_strerror_all(void **state)
{
    (void)state;
    for (int e = 0; e >= CLAMBDA_ENOTHTTP; e--) {
        assert_string_not_equal(clambda_strerror(e), "unknown error");
    }
    assert_string_equal(clambda_strerror(-999), "unknown error");
    assert_string_equal(clambda_strerror(5), "unknown error");
    assert_int_equal(clambda_version_num(), CLAMBDA_VERSION_NUM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runtime_open_at_bad_endpoints),
        cmocka_unit_test(test_runtime_open_no_env),
        cmocka_unit_test_setup_teardown(test_runtime_next_accessors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_fail_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_respond_status_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_respond_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_fail_trailers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_init_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_run_unanswered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_run_stops_on_500_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_init_failures, setup, teardown),
        cmocka_unit_test(test_runtime_next_unreachable),
        cmocka_unit_test(test_strerror_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
