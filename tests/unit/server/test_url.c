/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/http/url.c: percent-decoding, FunctionName forms and
 * query parameters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/url.h"

static void test_route_pct_decode(void **state)
{
    (void)state;
    char out[32];
    assert_int_equal(url_pct_decode("a%3Ab%24LATEST", 14, out, sizeof(out)), 10);
    assert_string_equal(out, "a:b$LATEST");
    assert_int_equal(url_pct_decode("%zz", 3, out, sizeof(out)), -EBADMSG);
    assert_int_equal(url_pct_decode("ab%4", 4, out, sizeof(out)), -EBADMSG);
    assert_int_equal(url_pct_decode("%00", 3, out, sizeof(out)), -EBADMSG);
    assert_int_equal(url_pct_decode("abcd", 4, out, 4), -E2BIG);
    assert_int_equal(url_pct_decode("", 0, out, 1), 0);
}

static void test_route_parse_function(void **state)
{
    (void)state;
    struct url_fn f;
    assert_int_equal(url_parse_function("my-fn_1", &f), 0);
    assert_string_equal(f.name, "my-fn_1");
    assert_string_equal(f.qualifier, "");
    assert_int_equal(url_parse_function("my-fn:$LATEST", &f), 0);
    assert_string_equal(f.qualifier, "$LATEST");
    assert_int_equal(url_parse_function("123456789012:function:fn:prod", &f), 0);
    assert_string_equal(f.name, "fn");
    assert_string_equal(f.qualifier, "prod");
    assert_int_equal(url_parse_function("arn:aws:lambda:us-east-1:123456789012:function:fn", &f),
                     0);
    assert_string_equal(f.name, "fn");
    assert_int_equal(url_parse_function("arn:aws:lambda:us-east-1:1:function:fn:7", &f), 0);
    assert_string_equal(f.qualifier, "7");
    static const char *const bad[] = {
        "",
        "a b",
        "fn:",
        "fn:a:b",
        "arn:aws:s3:::bucket",
        "fn:$latest!",
        "x:y:z:w:v:u:t:s:r",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(url_parse_function(bad[i], &f), -EINVAL);
    }
}

static void test_route_query_get(void **state)
{
    (void)state;
    char v[16];
    assert_int_equal(url_query_get("/p?a=1&Qualifier=%24LATEST&b", "Qualifier", v, sizeof(v)), 0);
    assert_string_equal(v, "$LATEST");
    assert_int_equal(url_query_get("/p?Qualifiers=x", "Qualifier", v, sizeof(v)), -ENOENT);
    assert_int_equal(url_query_get("/p", "Qualifier", v, sizeof(v)), -ENOENT);
    assert_int_equal(url_query_get("/p?a=%2", "a", v, sizeof(v)), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_pct_decode),
        cmocka_unit_test(test_route_parse_function),
        cmocka_unit_test(test_route_query_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
