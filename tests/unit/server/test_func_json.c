/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/func_json.c: AWS's time format and the FunctionConfiguration
 * members botocore and the CLI waiters read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "control/func_json.h"

static void test_func_json_time(void **state)
{
    (void)state;
    char s[FUNC_JSON_TIME_LEN];
    func_json_time(1586545592563LL, s);
    assert_string_equal(s, "2020-04-10T19:06:32.563+0000");
    func_json_time(0, s);
    assert_string_equal(s, "1970-01-01T00:00:00.000+0000");
    func_json_time(1704164645007LL, s);
    assert_string_equal(s, "2024-01-02T03:04:05.007+0000");
}

static void test_func_json_config(void **state)
{
    (void)state;
    struct function_config cfg;
    func_config_init(&cfg, "my-fn", "/code");
    char err[128];
    assert_int_equal(func_config_set(&cfg, "env.AB=1", err, sizeof(err)), 0);
    assert_int_equal(func_config_set(&cfg, "memory=256", err, sizeof(err)), 0);
    struct func_meta m = {.code_sha256 = "abc=",
                          .code_size = 42,
                          .last_modified_ms = 1586545592563LL,
                          .revision_id = "r-1",
                          .role = "arn:aws:iam::123456789012:role/x"};
    json_t *o = func_json_config(&cfg, &m, "us-east-1", "123456789012", false);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(
        s, "{\"FunctionName\":\"my-fn\",\"FunctionArn\":\"arn:aws:lambda:us-east-1:123456789012:"
           "function:my-fn\",\"Runtime\":\"provided.al2023\",\"Role\":\"arn:aws:iam::123456789012:"
           "role/x\",\"Handler\":\"bootstrap\",\"CodeSize\":42,\"Description\":\"\",\"Timeout\":3,"
           "\"MemorySize\":256,\"LastModified\":\"2020-04-10T19:06:32.563+0000\",\"CodeSha256\":"
           "\"abc=\",\"Version\":\"$LATEST\",\"Environment\":{\"Variables\":{\"AB\":\"1\"}},"
           "\"TracingConfig\":{\"Mode\":\"PassThrough\"},\"RevisionId\":\"r-1\",\"State\":"
           "\"Active\",\"LastUpdateStatus\":\"Successful\",\"PackageType\":\"Zip\","
           "\"Architectures\":[\"x86_64\"],\"EphemeralStorage\":{\"Size\":512},\"SnapStart\":{"
           "\"ApplyOn\":\"None\",\"OptimizationStatus\":\"Off\"},\"LoggingConfig\":{\"LogFormat\":"
           "\"Text\",\"LogGroup\":\"/aws/lambda/my-fn\"},\"RuntimeVersionConfig\":{"
           "\"RuntimeVersionArn\":\"arn:aws:lambda:us-east-1::runtime:"
           "0c7a6b68ae8de5940afe217dbb81f77b9fcad26466e440a79ad48af42a49669c\"}}");
    free(s);
    json_decref(o);
    m.state = "Pending";
    m.state_reason_code = "Creating";
    m.role = NULL;
    o = func_json_config(&cfg, &m, "us-east-1", "123456789012", true);
    assert_string_equal(json_string_value(json_object_get(o, "FunctionArn")),
                        "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST");
    assert_string_equal(json_string_value(json_object_get(o, "State")), "Pending");
    assert_string_equal(json_string_value(json_object_get(o, "StateReasonCode")), "Creating");
    assert_null(json_object_get(o, "Role"));
    json_decref(o);
    /* CreateFunction's answer: Pending with AWS's reason, no LastUpdateStatus; an update's:
     * InProgress with its reason (catalog/lifecycle.h) */
    struct func_meta created = {.version = "$LATEST", .creating = true};
    o = func_json_config(&cfg, &created, "us-east-1", "123456789012", false);
    assert_string_equal(json_string_value(json_object_get(o, "State")), "Pending");
    assert_string_equal(json_string_value(json_object_get(o, "StateReason")),
                        "The function is being created.");
    assert_null(json_object_get(o, "LastUpdateStatus"));
    json_decref(o);
    struct func_meta updated = {.version = "$LATEST", .updating = true};
    o = func_json_config(&cfg, &updated, "us-east-1", "123456789012", false);
    assert_string_equal(json_string_value(json_object_get(o, "State")), "Active");
    assert_string_equal(json_string_value(json_object_get(o, "LastUpdateStatus")), "InProgress");
    assert_string_equal(json_string_value(json_object_get(o, "LastUpdateStatusReasonCode")),
                        "Creating");
    json_decref(o);
    func_config_fini(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_func_json_time),
        cmocka_unit_test(test_func_json_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
