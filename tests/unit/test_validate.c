/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/validate.c: AWS's ValidationException wording (one and several
 * errors), InvalidParameterValueException rules and type errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "validate.h"

static int check(const char *text, bool is_create, struct validate_error *err)
{
    json_error_t jerr;
    json_t *body = json_loads(text, 0, &jerr);
    assert_non_null(body);
    int rc = validate_function_request(body, is_create, err);
    json_decref(body);
    return rc;
}

static void test_validate_ok(void **state)
{
    (void)state;
    struct validate_error err;
    assert_int_equal(check("{\"FunctionName\":\"f\",\"Runtime\":\"provided.al2023\",\"Role\":"
                           "\"arn:aws:iam::123456789012:role/service-role/x\",\"Handler\":\"h\","
                           "\"MemorySize\":10240,\"Timeout\":900,\"Architectures\":[\"arm64\"],"
                           "\"EphemeralStorage\":{\"Size\":10240},\"Environment\":{\"Variables\":"
                           "{\"AB\":\"1\"}},\"Description\":\"d\",\"PackageType\":\"Zip\"}",
                           true, &err),
                     0);
    assert_int_equal(
        check("{\"FunctionName\":\"arn:aws:lambda:us-east-1:123456789012:function:f\"}", true,
              &err),
        0);
    assert_int_equal(check("{}", false, &err), 0);
}

static void test_validate_one_error(void **state)
{
    (void)state;
    struct validate_error err;
    assert_int_equal(check("{\"MemorySize\":20000}", false, &err), -EINVAL);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "ValidationException");
    assert_string_equal(err.message, "1 validation error detected: Value '20000' at 'memorySize' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 10240");
    assert_int_equal(check("{\"Timeout\":0}", false, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '0' at 'timeout' failed "
                                     "to satisfy constraint: Member must have value greater than "
                                     "or equal to 1");
    assert_int_equal(check("{\"EphemeralStorage\":{\"Size\":100}}", false, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '100' at "
                                     "'ephemeralStorage.size' failed to satisfy constraint: "
                                     "Member must have value greater than or equal to 512");
    assert_int_equal(check("{\"Handler\":\"a b\"}", false, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value 'a b' at 'handler' "
                                     "failed to satisfy constraint: Member must satisfy regular "
                                     "expression pattern: [^\\s]+");
    assert_int_equal(check("{\"Architectures\":[\"x86\"]}", false, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '[x86]' at "
                                     "'architectures' failed to satisfy constraint: Member must "
                                     "satisfy constraint: [Member must satisfy enum value set: "
                                     "[x86_64, arm64]]");
    assert_int_equal(check("{\"Role\":\"admin\"}", false, &err), -EINVAL);
    assert_non_null(strstr(err.message, "Value 'admin' at 'role' failed to satisfy constraint"));
    assert_int_equal(check("{\"FunctionName\":\"bad name\"}", true, &err), -EINVAL);
    assert_non_null(strstr(err.message, "at 'functionName' failed to satisfy constraint: Member "
                                        "must satisfy regular expression pattern"));
    assert_int_equal(check("{\"Runtime\":\"cobol\"}", false, &err), -EINVAL);
    assert_non_null(strstr(err.message, "Member must satisfy enum value set: [nodejs, nodejs4.3"));
    assert_non_null(strstr(err.message, "provided.al2, provided.al2023]"));
}

static void test_validate_many_errors(void **state)
{
    (void)state;
    struct validate_error err;
    assert_int_equal(check("{\"MemorySize\":64,\"Timeout\":901}", false, &err), -EINVAL);
    assert_string_equal(err.message, "2 validation errors detected: Value '901' at 'timeout' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 900; Value '64' at 'memorySize' failed to "
                                     "satisfy constraint: Member must have value greater than or "
                                     "equal to 128");
}

static void test_validate_semantics(void **state)
{
    (void)state;
    struct validate_error err;
    assert_int_equal(check("{\"Environment\":{\"Variables\":{\"AWS_REGION\":\"x\"}}}", false, &err),
                     -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_string_equal(err.message,
                        "Lambda was unable to configure your environment variables because the "
                        "environment variables you have provided contains reserved keys that are "
                        "currently not supported for modification. Reserved keys used in this "
                        "request: AWS_REGION");
    char big[5000];
    (void)snprintf(big, sizeof(big), "{\"Environment\":{\"Variables\":{\"K\":\"%04000d\"}}}", 0);
    assert_int_equal(check(big, false, &err), -EINVAL);
    assert_int_equal(check("{\"Environment\":{\"Variables\":{\"KEY\":\"%04090d\"}}}", false, &err),
                     0);
    (void)snprintf(big, sizeof(big), "{\"Environment\":{\"Variables\":{\"KEY\":\"%04090d\"}}}", 0);
    assert_int_equal(check(big, false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_non_null(strstr(err.message, "exceeded the 4KB limit. String measured: {\"KEY\":\"000"));
    (void)snprintf(big, sizeof(big), "{\"Environment\":{\"Variables\":{\"KEY\":\"%04086d\"}}}", 0);
    assert_int_equal(check(big, false, &err), 0); /* {"KEY":"..."} is exactly 4096 bytes */
    assert_int_equal(check("{\"Environment\":{\"Variables\":{\"1A\":\"x\"}}}", false, &err),
                     -EINVAL);
    assert_string_equal(err.type, "ValidationException");
    assert_int_equal(check("{\"Runtime\":\"python3.12\"}", false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_int_equal(check("{\"MemorySize\":\"big\"}", false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidRequestContentException");
}

static void test_validate_max_items(void **state)
{
    (void)state;
    struct validate_error err;
    int n = 0;
    assert_int_equal(validate_max_items(NULL, 50, &n, &err), 0);
    assert_int_equal(n, 50);
    assert_int_equal(validate_max_items("7", 50, &n, &err), 0);
    assert_int_equal(n, 7);
    assert_int_equal(validate_max_items("0", 50, &n, &err), -EINVAL);
    assert_string_equal(err.message, "1 validation error detected: Value '0' at 'maxItems' failed "
                                     "to satisfy constraint: Member must have value greater than "
                                     "or equal to 1");
    assert_int_equal(validate_max_items("10001", 50, &n, &err), -EINVAL);
    assert_int_equal(validate_max_items("x", 50, &n, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_ok),          cmocka_unit_test(test_validate_one_error),
        cmocka_unit_test(test_validate_many_errors), cmocka_unit_test(test_validate_semantics),
        cmocka_unit_test(test_validate_max_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
