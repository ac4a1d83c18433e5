/* SPDX-License-Identifier: MIT */
/* Unit tests for adapter/lwa_config.c: LWA's variable names, defaults and precedence, status
 * lists, and the refusals of malformed ports and paths. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lwa_config.h"

static const char *const VARS[] = {"AWS_LWA_HOST",
                                   "HOST",
                                   "AWS_LWA_PORT",
                                   "PORT",
                                   "AWS_LWA_READINESS_CHECK_PORT",
                                   "READINESS_CHECK_PORT",
                                   "AWS_LWA_READINESS_CHECK_PATH",
                                   "READINESS_CHECK_PATH",
                                   "AWS_LWA_READINESS_CHECK_PROTOCOL",
                                   "READINESS_CHECK_PROTOCOL",
                                   "AWS_LWA_READINESS_CHECK_HEALTHY_STATUS",
                                   "AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS",
                                   "AWS_LWA_REMOVE_BASE_PATH",
                                   "REMOVE_BASE_PATH",
                                   "AWS_LWA_PASS_THROUGH_PATH",
                                   "AWS_LWA_ASYNC_INIT",
                                   "ASYNC_INIT",
                                   "AWS_LWA_ENABLE_COMPRESSION",
                                   "AWS_LWA_INVOKE_MODE",
                                   "AWS_LWA_AUTHORIZATION_SOURCE",
                                   "AWS_LWA_ERROR_STATUS_CODES",
                                   "AWS_LWA_CLIENT_IDLE_TIMEOUT_MS",
                                   "AWS_LWA_LAMBDA_RUNTIME_API_PROXY"};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(VARS) / sizeof(VARS[0]); i++) {
        (void)unsetenv(VARS[i]);
    }
    (void)setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", 1);
    return 0;
}

static void test_lwa_config_load_defaults(void **state)
{
    (void)state;
    struct lwa_config c;
    char msg[128];
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), 0);
    assert_string_equal(c.host, "127.0.0.1");
    assert_string_equal(c.port, "8080");
    assert_string_equal(c.ready_port, "8080");
    assert_string_equal(c.ready_path, "/");
    assert_false(c.is_ready_tcp);
    assert_true(lwa_status_in(&c.healthy, 100));
    assert_true(lwa_status_in(&c.healthy, 499));
    assert_false(lwa_status_in(&c.healthy, 500));
    assert_null(c.base_path);
    assert_string_equal(c.pass_through_path, "/events");
    assert_false(c.is_async_init);
    assert_false(c.is_stream);
    assert_false(c.has_error_statuses);
    assert_int_equal(c.idle_timeout_ms, 4000);
    assert_string_equal(c.runtime_api, "127.0.0.1:9001");
    assert_string_equal(c.extension_api, "127.0.0.1:9001");
}

static void test_lwa_config_load_precedence(void **state)
{
    (void)state;
    struct lwa_config c;
    char msg[128];
    (void)setenv("PORT", "3000", 1);
    (void)setenv("READINESS_CHECK_PATH", "/old", 1);
    (void)setenv("REMOVE_BASE_PATH", "/v1", 1);
    (void)setenv("ASYNC_INIT", "true", 1);
    (void)setenv("AWS_LWA_INVOKE_MODE", "RESPONSE_STREAM", 1);
    (void)setenv("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", "127.0.0.1:9009", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), 0);
    assert_string_equal(c.port, "3000");
    assert_string_equal(c.ready_port, "3000"); /* follows the app port */
    assert_string_equal(c.ready_path, "/old");
    assert_string_equal(c.base_path, "/v1");
    assert_true(c.is_async_init);
    assert_true(c.is_stream);
    assert_string_equal(c.runtime_api, "127.0.0.1:9009");
    assert_string_equal(c.extension_api, "127.0.0.1:9001"); /* registration is not proxied */

    (void)setenv("AWS_LWA_PORT", "4000", 1);
    (void)setenv("AWS_LWA_READINESS_CHECK_PORT", "4001", 1);
    (void)setenv("AWS_LWA_READINESS_CHECK_PATH", "/health", 1);
    (void)setenv("AWS_LWA_READINESS_CHECK_PROTOCOL", "TCP", 1);
    (void)setenv("AWS_LWA_ASYNC_INIT", "yes", 1); /* not Rust's "true": the default */
    (void)setenv("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS", "400", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), 0);
    assert_string_equal(c.port, "4000");
    assert_string_equal(c.ready_port, "4001");
    assert_string_equal(c.ready_path, "/health");
    assert_true(c.is_ready_tcp);
    assert_false(c.is_async_init);
    assert_true(lwa_status_in(&c.healthy, 399));
    assert_false(lwa_status_in(&c.healthy, 400));

    (void)setenv("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", "200-299, 404", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), 0);
    assert_false(lwa_status_in(&c.healthy, 199));
    assert_true(lwa_status_in(&c.healthy, 200));
    assert_true(lwa_status_in(&c.healthy, 404));
    assert_false(lwa_status_in(&c.healthy, 403));
}

static void test_lwa_config_load_refuses(void **state)
{
    (void)state;
    struct lwa_config c;
    char msg[128];
    (void)setenv("AWS_LWA_PORT", "80x", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), -EINVAL);
    assert_string_equal(msg, "AWS_LWA_PORT is missing or malformed");
    (void)setenv("AWS_LWA_PORT", "65536", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), -EINVAL);
    (void)setenv("AWS_LWA_PORT", "8000", 1);
    (void)setenv("AWS_LWA_READINESS_CHECK_PATH", "health", 1);
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), -EINVAL);
    assert_string_equal(msg, "AWS_LWA_READINESS_CHECK_PATH is missing or malformed");
    (void)unsetenv("AWS_LWA_READINESS_CHECK_PATH");
    (void)unsetenv("AWS_LAMBDA_RUNTIME_API");
    assert_int_equal(lwa_config_load(&c, msg, sizeof(msg)), -EINVAL);
    assert_string_equal(msg, "AWS_LAMBDA_RUNTIME_API is missing or malformed");
}

static void test_lwa_config_parse_statuses(void **state)
{
    (void)state;
    struct lwa_status_set s;
    assert_int_equal(lwa_config_parse_statuses(&s, "500,502-504"), 0);
    assert_true(lwa_status_in(&s, 500));
    assert_false(lwa_status_in(&s, 501));
    assert_true(lwa_status_in(&s, 503));
    assert_false(lwa_status_in(&s, 505));
    assert_int_equal(lwa_config_parse_statuses(&s, "x, 404,5-,,  418 "), 2);
    assert_true(lwa_status_in(&s, 404));
    assert_true(lwa_status_in(&s, 418));
    assert_false(lwa_status_in(&s, 500));
    assert_int_equal(lwa_config_parse_statuses(&s, "0-99999"), 1);
    assert_int_equal(lwa_config_parse_statuses(&s, "0-1000"), 0);
    assert_true(lwa_status_in(&s, 100) && lwa_status_in(&s, 599));
    assert_false(lwa_status_in(&s, 600) || lwa_status_in(&s, 99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_lwa_config_load_defaults, clear_env),
        cmocka_unit_test_setup(test_lwa_config_load_precedence, clear_env),
        cmocka_unit_test_setup(test_lwa_config_load_refuses, clear_env),
        cmocka_unit_test(test_lwa_config_parse_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
