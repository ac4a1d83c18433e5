/* SPDX-License-Identifier: MIT */
/* Unit tests for adapter/lwa_proxy.c's pure parts: the request target (base path, encoding)
 * and LWA's text-or-binary rule for the app's answers. The whole adapter is exercised by
 * tests/integration/test_web_adapter.py. */
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lwa_proxy.h"

static const char *target(struct cl_buf *b, const char *base, const char *path, const char *q)
{
    assert_int_equal(lwa_proxy_target(b, base, path, q), 0);
    return cl_buf_str(b);
}

static void test_lwa_proxy_target(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 4096);
    assert_string_equal(target(&b, NULL, "/a/b", ""), "/a/b");
    assert_string_equal(target(&b, NULL, "/a/b", NULL), "/a/b");
    assert_string_equal(target(&b, NULL, "/a b/%20\"{x}?", "q=1&q=2"),
                        "/a%20b/%20%22%7Bx%7D%3F?q=1&q=2");
    assert_string_equal(target(&b, NULL, "/\xc3\xa9\\x", "a=\xc3\xa9 '#"),
                        "/%C3%A9/x?a=%C3%A9%20%27%23");
    assert_string_equal(target(&b, NULL, "", "x"), "/?x");
    assert_string_equal(target(&b, "/api", "/api/items", "a=b"), "/items?a=b");
    assert_string_equal(target(&b, "/api", "/api", ""), "/");
    assert_string_equal(target(&b, "/api", "/apiary", ""), "/ary");  /* a plain prefix, as LWA */
    assert_string_equal(target(&b, "/api", "/api/api/x", ""), "/x"); /* trim_start_matches */
    assert_string_equal(target(&b, "/api", "/v1/api", ""), "/v1/api");
    assert_string_equal(target(&b, "", "/x", ""), "/x");
    cl_buf_fini(&b);
}

static bool is_binary(const char *ct, bool has_encoding, bool says_text)
{
    return lwa_proxy_is_binary(ct, ct != NULL ? strlen(ct) : 0, has_encoding, says_text);
}

static void test_lwa_proxy_is_binary(void **state)
{
    (void)state;
    assert_false(is_binary(NULL, false, false));
    assert_true(is_binary(NULL, true, false));
    assert_true(is_binary("text/html", true, false)); /* already encoded: bytes */
    assert_false(is_binary("text/html; charset=utf-8", false, false));
    assert_false(is_binary("TEXT/plain", false, false));
    assert_false(is_binary("application/json", false, false));
    assert_false(is_binary("application/javascript", false, false));
    assert_false(is_binary("application/xml", false, false));
    assert_false(is_binary("application/yaml", false, false));
    assert_false(is_binary("application/problem+json", false, false));
    assert_false(is_binary("image/svg+xml", false, false));
    assert_false(is_binary("application/x+yaml", false, false));
    assert_true(is_binary("image/png", false, false));
    assert_true(is_binary("application/octet-stream", false, false));
    assert_false(is_binary("application/octet-stream", false, true));
    assert_true(is_binary("application/pdf", false, false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lwa_proxy_target),
        cmocka_unit_test(test_lwa_proxy_is_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
