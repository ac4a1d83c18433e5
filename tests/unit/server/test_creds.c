/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/creds.c: the credentials file format and its errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/creds.h"

static void test_creds_parse_ok(void **state)
{
    (void)state;
    struct creds *c = NULL;
    char err[256];
    assert_int_equal(
        creds_parse("# comment\n\nAKIAIOSFODNN7EXAMPLE  wJalrXUtnFEMI/K7MDENG/bPxRfiCY "
                    "123456789012\r\n\tAKIDEXAMPLE00000\tsecret2\t000000000001\n",
                    "f", &c, err, sizeof(err)),
        0);
    assert_int_equal(c->n_entries, 2);
    const struct creds_entry *e = creds_find(c, "AKIAIOSFODNN7EXAMPLE");
    assert_non_null(e);
    assert_string_equal(e->secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCY");
    assert_string_equal(e->account, "123456789012");
    assert_string_equal(creds_find(c, "AKIDEXAMPLE00000")->account, "000000000001");
    assert_null(creds_find(c, "AKIDEXAMPLE00001"));
    creds_free(c);
}

static void test_creds_parse_errors(void **state)
{
    (void)state;
    struct creds *c = NULL;
    char err[256];
    assert_int_equal(creds_parse("AKIAIOSFODNN7EXAMPLE secret\n", "f", &c, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "f:1: expected ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID (3 fields)");
    assert_null(c);
    assert_int_equal(
        creds_parse("\nAKIAIOSFODNN7EXAMPLE s 12345678901\n", "f", &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "f:2: "));
    assert_int_equal(creds_parse("short s 123456789012\n", "f", &c, err, sizeof(err)), -EINVAL);
    assert_int_equal(creds_parse("AKIAIOSFODNN7EXAMPLE s 123456789012\n"
                                 "AKIAIOSFODNN7EXAMPLE t 123456789012\n",
                                 "f", &c, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "f:2: access key AKIAIOSFODNN7EXAMPLE appears twice");
    assert_int_equal(creds_parse("# nothing\n", "f", &c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "f: no access keys");
    assert_int_equal(creds_load("/nonexistent/creds", &c, err, sizeof(err)), -ENOENT);
    creds_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_creds_parse_ok),
        cmocka_unit_test(test_creds_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
