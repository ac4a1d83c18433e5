/* SPDX-License-Identifier: MIT */
/* Unit tests for api/arn.c: function, version, alias and layer ARNs. */
#include <stdlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/arn.h"

static void test_arn_function(void **state)
{
    (void)state;
    char *a = arn_function("us-east-1", "123456789012", "f", NULL);
    assert_string_equal(a, "arn:aws:lambda:us-east-1:123456789012:function:f");
    free(a);
    a = arn_function("us-east-1", "123456789012", "f", "");
    assert_string_equal(a, "arn:aws:lambda:us-east-1:123456789012:function:f");
    free(a);
    a = arn_function("eu-west-1", "000000000000", "f", "$LATEST");
    assert_string_equal(a, "arn:aws:lambda:eu-west-1:000000000000:function:f:$LATEST");
    free(a);
    a = arn_function("eu-west-1", "000000000000", "f", "live");
    assert_string_equal(a, "arn:aws:lambda:eu-west-1:000000000000:function:f:live");
    free(a);
}

static void test_arn_layer(void **state)
{
    (void)state;
    char *a = arn_layer("us-east-1", "123456789012", "deps", 0);
    assert_string_equal(a, "arn:aws:lambda:us-east-1:123456789012:layer:deps");
    free(a);
    a = arn_layer("us-east-1", "123456789012", "deps", 12);
    assert_string_equal(a, "arn:aws:lambda:us-east-1:123456789012:layer:deps:12");
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arn_function),
        cmocka_unit_test(test_arn_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
