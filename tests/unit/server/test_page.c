/* SPDX-License-Identifier: MIT */
/* Unit tests for api/page.c: the MaxItems rule of the List operations. */
#include <errno.h>
#include <stdlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/page.h"

static void test_page_parse_max_items(void **state)
{
    (void)state;
    struct err err = {0};
    int n = 0;
    assert_int_equal(page_parse_max_items(NULL, 50, &n, &err), 0);
    assert_int_equal(n, 50);
    assert_int_equal(page_parse_max_items("7", 50, &n, &err), 0);
    assert_int_equal(n, 7);
    assert_int_equal(page_parse_max_items("10000", 50, &n, &err), 0);
    assert_int_equal(n, 10000);
    assert_null(err.message);
    assert_int_equal(page_parse_max_items("0", 50, &n, &err), -EINVAL);
    assert_string_equal(err.type, "ValidationException");
    assert_string_equal(err.message, "1 validation error detected: Value '0' at 'maxItems' failed "
                                     "to satisfy constraint: Member must have value greater than "
                                     "or equal to 1");
    err_fini(&err);
    assert_int_equal(page_parse_max_items("10001", 50, &n, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '10001' at 'maxItems' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 10000");
    err_fini(&err);
    assert_int_equal(page_parse_max_items("x", 50, &n, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_string_equal(err.message, "Invalid value for MaxItems: 'x' is not an integer.");
    err_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_parse_max_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
