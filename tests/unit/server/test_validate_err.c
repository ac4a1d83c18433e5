/* SPDX-License-Identifier: MIT */
/* Unit tests for api/validate_err.c: AWS's wording of one and several validation errors, type
 * errors and refusals, and messages that are never cut however long they are. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/validate_err.h"
#include "base/xalloc.h"

static void test_validate_err_one(void **state)
{
    (void)state;
    struct err err = {0};
    assert_int_equal(validate_err_one(&err, "20000", "memorySize",
                                      "Member must have value less than or equal to 10240"),
                     -EINVAL);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "ValidationException");
    assert_string_equal(err.message, "1 validation error detected: Value '20000' at 'memorySize' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 10240");
    err_fini(&err);
    assert_null(err.message);
    (void)validate_err_one(&err, NULL, "architectures", "c");
    assert_string_equal(err.message, "1 validation error detected: Value at 'architectures' "
                                     "failed to satisfy constraint: c");
    err_fini(&err);
    (void)validate_err_null(&err, "role");
    assert_string_equal(err.message, "1 validation error detected: Value null at 'role' failed to "
                                     "satisfy constraint: Member must not be null");
    err_fini(&err);
    err_fini(NULL);
}

static void test_validate_err_kinds(void **state)
{
    (void)state;
    struct err err = {0};
    assert_int_equal(validate_err_type(&err, "Timeout", "an integer"), -EINVAL);
    assert_string_equal(err.type, "InvalidRequestContentException");
    assert_string_equal(err.message, "Could not parse request body into json: Could not "
                                     "deserialize member 'Timeout': expected an integer");
    err_fini(&err);
    assert_int_equal(validate_err_invalid_param(&err, "bad %s", "thing"), -EINVAL);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_string_equal(err.message, "bad thing");
    err_fini(&err);
    (void)err_set(&err, 404, "ResourceNotFoundException", "Function not found: %s", "x");
    assert_int_equal(err.status, 404);
    assert_string_equal(err.message, "Function not found: x");
    err_fini(&err);
}

static void test_validate_err_list(void **state)
{
    (void)state;
    struct err err = {0};
    struct validate_err_list l;
    validate_err_list_init(&l);
    assert_int_equal(validate_err_list_done(&l, &err), 0);
    assert_null(err.message);
    validate_err_list_init(&l);
    validate_err_add(&l, "901", "timeout", "Member must have value less than or equal to %d", 900);
    assert_int_equal(validate_err_list_done(&l, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '901' at 'timeout' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 900");
    err_fini(&err);
    validate_err_list_init(&l);
    validate_err_add(&l, "901", "timeout", "c1");
    validate_err_add(&l, "64", "memorySize", "c2");
    assert_int_equal(validate_err_list_done(&l, &err), -EINVAL);
    assert_string_equal(err.type, "ValidationException");
    assert_string_equal(err.message, "2 validation errors detected: Value '901' at 'timeout' "
                                     "failed to satisfy constraint: c1; Value '64' at "
                                     "'memorySize' failed to satisfy constraint: c2");
    err_fini(&err);
}

/* Regression: messages were cut at 4 KB (a fixed buffer); they are kept whole. */
static void test_validate_err_long_message_not_cut(void **state)
{
    (void)state;
    size_t n = 10000;
    char *value = xmalloc(n + 1);
    memset(value, 'v', n);
    value[n] = '\0';
    struct err err = {0};
    (void)validate_err_invalid_param(&err, "String measured: %s", value);
    assert_int_equal(strlen(err.message), strlen("String measured: ") + n);
    err_fini(&err);
    (void)validate_err_one(&err, value, "m", "c");
    assert_non_null(strstr(err.message, value));
    assert_string_equal(err.message + strlen(err.message) - 3, ": c");
    err_fini(&err);
    struct validate_err_list l;
    validate_err_list_init(&l);
    validate_err_add(&l, value, "a", "c");
    validate_err_add(&l, value, "b", "end");
    assert_int_equal(validate_err_list_done(&l, &err), -EINVAL);
    assert_true(strlen(err.message) > 2 * n);
    assert_string_equal(err.message + strlen(err.message) - 3, "end");
    err_fini(&err);
    free(value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_err_one),
        cmocka_unit_test(test_validate_err_kinds),
        cmocka_unit_test(test_validate_err_list),
        cmocka_unit_test(test_validate_err_long_message_not_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
