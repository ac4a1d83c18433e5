/* SPDX-License-Identifier: MIT */
/* Unit tests for src/aws/cl_aws_endpoint.c: the SDKs' resolution order (service-specific
 * variable, global variable, the regional default, the switch that ignores both), cn regions,
 * and URL parsing (ports, IPv6, refusals). The environment is a table given to the resolver. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_aws_endpoint.h"

/* A NULL-terminated list of name, value pairs. */
static const char *table_getenv(const char *name, const void *user)
{
    const char *const *env = user;
    for (size_t i = 0; env[i] != NULL; i += 2) {
        if (strcmp(env[i], name) == 0) {
            return env[i + 1];
        }
    }
    return NULL;
}

static void resolve(const char *const *env, const char *service, const char *region,
                    const char *want)
{
    char url[256];
    assert_int_equal(cl_aws_endpoint_resolve(service, region, table_getenv, env, url, sizeof(url)),
                     0);
    assert_string_equal(url, want);
}

static void test_endpoint_resolve_order(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    resolve(none, "dynamodb", "eu-west-1", "https://dynamodb.eu-west-1.amazonaws.com");
    resolve(none, "dynamodb", "cn-north-1", "https://dynamodb.cn-north-1.amazonaws.com.cn");
    const char *global[] = {"AWS_ENDPOINT_URL", "http://localhost:4566", NULL};
    resolve(global, "dynamodb", "us-east-1", "http://localhost:4566");
    const char *both[] = {"AWS_ENDPOINT_URL", "http://localhost:4566", "AWS_ENDPOINT_URL_DYNAMODB",
                          "http://127.0.0.1:8000", NULL};
    resolve(both, "dynamodb", "us-east-1", "http://127.0.0.1:8000");
    /* another service's variable is not ours; an empty one counts as unset */
    const char *other[] = {"AWS_ENDPOINT_URL_S3", "http://s3", "AWS_ENDPOINT_URL_DYNAMODB", "",
                           NULL};
    resolve(other, "dynamodb", "us-east-1", "https://dynamodb.us-east-1.amazonaws.com");
    /* service names with '-' map to '_' */
    const char *dash[] = {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:1", NULL};
    resolve(dash, "secrets-manager", "us-east-1", "http://sm:1");
    const char *ignored[] = {"AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000",
                             "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE", NULL};
    resolve(ignored, "dynamodb", "us-east-1", "https://dynamodb.us-east-1.amazonaws.com");
}

static void test_endpoint_resolve_refusals(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    char url[64];
    assert_int_equal(cl_aws_endpoint_resolve("dynamodb", "", table_getenv, none, url, 64), -EINVAL);
    assert_int_equal(cl_aws_endpoint_resolve("dynamodb", NULL, table_getenv, none, url, 64),
                     -EINVAL);
    assert_int_equal(
        cl_aws_endpoint_resolve("dynamodb", "us-east-1.evil.com/", table_getenv, none, url, 64),
        -EINVAL);
    assert_int_equal(cl_aws_endpoint_resolve("dyn amo", "us-east-1", table_getenv, none, url, 64),
                     -EINVAL);
    assert_int_equal(cl_aws_endpoint_resolve("dynamodb", "us-east-1", table_getenv, none, url, 16),
                     -E2BIG);
    /* a configured URL needs no region */
    const char *global[] = {"AWS_ENDPOINT_URL", "http://localhost:4566", NULL};
    assert_int_equal(cl_aws_endpoint_resolve("dynamodb", NULL, table_getenv, global, url, 64), 0);
}

static void test_endpoint_parse(void **state)
{
    (void)state;
    struct cl_aws_endpoint ep;
    assert_int_equal(cl_aws_endpoint_parse("https://dynamodb.eu-west-1.amazonaws.com", &ep), 0);
    assert_true(ep.is_tls);
    assert_string_equal(ep.host, "dynamodb.eu-west-1.amazonaws.com");
    assert_string_equal(ep.port, "443");
    assert_string_equal(ep.host_header, "dynamodb.eu-west-1.amazonaws.com");
    assert_int_equal(cl_aws_endpoint_parse("http://127.0.0.1:8000/", &ep), 0);
    assert_false(ep.is_tls);
    assert_string_equal(ep.host, "127.0.0.1");
    assert_string_equal(ep.port, "8000");
    assert_string_equal(ep.host_header, "127.0.0.1:8000");
    assert_int_equal(cl_aws_endpoint_parse("HTTP://[::1]:4567", &ep), 0);
    assert_string_equal(ep.host, "::1");
    assert_string_equal(ep.host_header, "[::1]:4567");
    assert_int_equal(cl_aws_endpoint_parse("https://example.com:443", &ep), 0);
    assert_string_equal(ep.host_header, "example.com");
    assert_int_equal(cl_aws_endpoint_parse("http://localhost", &ep), 0);
    assert_string_equal(ep.port, "80");
}

static void test_endpoint_parse_refusals(void **state)
{
    (void)state;
    struct cl_aws_endpoint ep;
    const char *bad[] = {"ftp://x",        "localhost:8000",      "http://",
                         "http://:80",     "http://host:",        "http://host:99999",
                         "http://host:8x", "http://user@host",    "http://host/path",
                         "http://host?q",  "http://[::1",         "http://[::1]x",
                         "http://ho st",   "http://host\r\nX: y", NULL};
    for (size_t i = 0; bad[i] != NULL; i++) {
        if (cl_aws_endpoint_parse(bad[i], &ep) != -EINVAL) {
            print_error("accepted %s\n", bad[i]);
            fail();
        }
    }
    assert_int_equal(cl_aws_endpoint_parse(NULL, &ep), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_resolve_order),
        cmocka_unit_test(test_endpoint_resolve_refusals),
        cmocka_unit_test(test_endpoint_parse),
        cmocka_unit_test(test_endpoint_parse_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
