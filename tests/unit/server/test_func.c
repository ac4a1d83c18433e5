/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/func.c: defaults, --function and --set parsing with AWS's limits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "base/func.h"

static void test_func_config_parse(void **state)
{
    (void)state;
    struct function_config cfg;
    char err[512];
    assert_int_equal(func_config_parse(&cfg, "fn=/tmp", err, sizeof(err)), 0);
    assert_string_equal(cfg.name, "fn");
    assert_string_equal(cfg.code_dir, "/tmp");
    assert_int_equal(cfg.memory_mb, 128);
    assert_int_equal(cfg.timeout_s, 3);
    assert_int_equal(cfg.ephemeral_mb, 512);
    assert_int_equal(cfg.reserved, -1);
    assert_string_equal(cfg.arch, "x86_64");
    assert_string_equal(cfg.runtime, "provided.al2023");
    func_config_fini(&cfg);
    func_config_fini(NULL);
    assert_int_equal(func_config_parse(&cfg, "fn", err, sizeof(err)), -EINVAL);
    assert_int_equal(func_config_parse(&cfg, "b d=/tmp", err, sizeof(err)), -EINVAL);
    assert_int_equal(func_config_parse(&cfg, "fn=/no/such/dir", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "realpath(/no/such/dir)"));
    /* A regular file is a zip for the registry to check; anything else is refused. */
    assert_int_equal(func_config_parse(&cfg, "fn=/etc/hostname", err, sizeof(err)), 0);
    func_config_fini(&cfg);
    assert_int_equal(func_config_parse(&cfg, "fn=/dev/null", err, sizeof(err)), -EINVAL);
}

static void test_func_config_set(void **state)
{
    (void)state;
    struct function_config cfg;
    char err[512];
    func_config_init(&cfg, "fn", "/tmp");
    static const char *const good[] = {"timeout=900",          "memory=10240",
                                       "reserved=0",           "ephemeral-storage=10240",
                                       "handler=main.handler", "runtime=provided.al2",
                                       "architecture=arm64",   "env.A_1=x=y"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(func_config_set(&cfg, good[i], err, sizeof(err)), 0);
    }
    assert_int_equal(cfg.timeout_s, 900);
    assert_int_equal(cfg.memory_mb, 10240);
    assert_int_equal(cfg.reserved, 0);
    assert_string_equal(cfg.env[0], "A_1=x=y");
    static const char *const bad[] = {"timeout=0",         "timeout=901", "memory=127",
                                      "timeout=1x",        "reserved=-1", "runtime=python3.12",
                                      "architecture=mips", "handler=a b", "env._X=1",
                                      "env.1A=1",          "env.A-B=1",   "nokey",
                                      "colour=blue"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(func_config_set(&cfg, bad[i], err, sizeof(err)), -EINVAL);
    }
    assert_true(func_name_valid("a-B_9", 5));
    assert_false(func_name_valid("a.b", 3));
    func_config_fini(&cfg);
}

static void test_func_config_json_roundtrip(void **state)
{
    (void)state;
    struct function_config cfg;
    char err[512];
    func_config_init(&cfg, "fn", "/tmp");
    static const char *const sets[] = {"timeout=30",
                                       "memory=512",
                                       "reserved=4",
                                       "provisioned=2",
                                       "ephemeral-storage=1024",
                                       "handler=main.h",
                                       "architecture=arm64",
                                       "env.AA=1",
                                       "env.BB=x=y \xc3\xa9"};
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        assert_int_equal(func_config_set(&cfg, sets[i], err, sizeof(err)), 0);
    }
    cfg.description = strdup("a function");
    json_t *doc = NULL;
    func_config_to_json(&cfg, &doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "MemorySize")), 512);
    struct function_config back;
    assert_int_equal(func_config_from_json(&back, "fn", "/tmp", doc, err, sizeof(err)), 0);
    assert_int_equal(back.timeout_s, 30);
    assert_int_equal(back.memory_mb, 512);
    assert_int_equal(back.reserved, 4);
    assert_int_equal(back.provisioned, 2);
    assert_int_equal(back.ephemeral_mb, 1024);
    assert_string_equal(back.handler, "main.h");
    assert_string_equal(back.arch, "arm64");
    assert_string_equal(back.description, "a function");
    assert_int_equal(back.n_env, 2);
    json_t *again = NULL;
    func_config_to_json(&back, &again);
    assert_true(json_equal(doc, again));
    json_decref(again);
    json_decref(doc);
    func_config_fini(&back);
    func_config_fini(&cfg);
}

static void test_func_config_from_json_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]",
        "{\"MemorySize\": 127}",
        "{\"Timeout\": \"3\"}",
        "{\"Runtime\": \"python3.12\"}",
        "{\"Architectures\": [\"mips\"]}",
        "{\"Environment\": {\"Variables\": {\"1A\": \"x\"}}}",
        "{\"Environment\": {\"Variables\": {\"A\": 1}}}",
        "{\"EphemeralStorage\": {\"Size\": 100}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = json_loads(bad[i], 0, NULL);
        struct function_config cfg;
        char err[256];
        assert_int_equal(func_config_from_json(&cfg, "fn", "/tmp", doc, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "fn"));
        func_config_fini(&cfg);
        json_decref(doc);
    }
    /* Absent members keep AWS's defaults. */
    json_t *empty = json_object();
    struct function_config cfg;
    char err[256];
    assert_int_equal(func_config_from_json(&cfg, "fn", "/tmp", empty, err, sizeof(err)), 0);
    assert_int_equal(cfg.memory_mb, 128);
    assert_int_equal(cfg.timeout_s, 3);
    func_config_fini(&cfg);
    json_decref(empty);
}

static void test_func_config_provisioned_and_equal(void **state)
{
    (void)state;
    struct function_config a, b;
    char err[512];
    func_config_init(&a, "fn", "/tmp");
    func_config_init(&b, "fn", "/tmp");
    assert_int_equal(a.provisioned, 0);
    assert_true(func_config_equal(&a, &b));
    assert_int_equal(func_config_set(&b, "provisioned=4", err, sizeof(err)), 0);
    assert_int_equal(func_config_set(&b, "reserved=9", err, sizeof(err)), 0);
    assert_int_equal(b.provisioned, 4);
    assert_true(func_config_equal(&a, &b)); /* scaling settings do not change environments */
    assert_int_equal(func_config_set(&b, "provisioned=-1", err, sizeof(err)), -EINVAL);
    assert_int_equal(func_config_set(&b, "env.A_1=x", err, sizeof(err)), 0);
    assert_false(func_config_equal(&a, &b));
    assert_int_equal(func_config_set(&a, "env.A_1=y", err, sizeof(err)), 0);
    assert_false(func_config_equal(&a, &b));
    assert_int_equal(func_config_set(&a, "env.A_1=x", err, sizeof(err)), 0);
    assert_true(func_config_equal(&a, &b));
    assert_int_equal(func_config_set(&a, "memory=256", err, sizeof(err)), 0);
    assert_false(func_config_equal(&a, &b));
    func_config_fini(&a);
    func_config_fini(&b);
}

static void test_func_config_role(void **state)
{
    (void)state;
    struct function_config a, b;
    char err[512];
    func_config_init(&a, "fn", "/tmp");
    func_config_init(&b, "fn", "/tmp");
    assert_null(a.role);
    assert_int_equal(
        func_config_set(&a, "role=arn:aws:iam::123456789012:role/r-1", err, sizeof(err)), 0);
    assert_string_equal(a.role, "arn:aws:iam::123456789012:role/r-1");
    assert_false(func_config_equal(&a, &b)); /* another role: other credentials */
    assert_int_equal(
        func_config_set(&b, "role=arn:aws:iam::123456789012:role/r-1", err, sizeof(err)), 0);
    assert_true(func_config_equal(&a, &b));
    assert_int_equal(func_config_set(&a, "role=arn:aws:iam::12345:role/r", err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "role (an IAM role ARN)"));
    assert_string_equal(a.role, "arn:aws:iam::123456789012:role/r-1"); /* unchanged */
    json_t *doc = NULL;
    func_config_to_json(&a, &doc); /* kept beside the document by the store, not in it */
    assert_null(json_object_get(doc, "Role"));
    json_decref(doc);
    func_config_fini(&a);
    func_config_fini(&b);
}

static void test_func_role_valid(void **state)
{
    (void)state;
    assert_true(func_role_valid("arn:aws:iam::123456789012:role/lambda-role"));
    assert_true(func_role_valid("arn:aws-cn:iam::123456789012:role/service-role/x+=,.@-_"));
    assert_true(func_role_valid("arn::iam::123456789012:role/x"));
    assert_false(func_role_valid("arn:aws:iam::123456789012:role/"));
    assert_false(func_role_valid("arn:aws:iam::123456789012:user/x"));
    assert_false(func_role_valid("arn:aws:iam::12345678901:role/x"));
    assert_false(func_role_valid("arn:gcp:iam::123456789012:role/x"));
    assert_false(func_role_valid("arn:aws:iam::123456789012:role/a b"));
    assert_false(func_role_valid(""));
}

static void test_func_config_set_async(void **state)
{
    (void)state;
    struct function_config cfg;
    char err[512];
    char name[FUNC_NAME_MAX + 1];
    func_config_init(&cfg, "fn", "/tmp");
    assert_int_equal(cfg.max_retries, 2);
    assert_int_equal(cfg.max_event_age_s, 21600);
    assert_null(cfg.on_success);
    assert_int_equal(func_config_set(&cfg, "max-retry-attempts=0", err, sizeof(err)), 0);
    assert_int_equal(cfg.max_retries, 0);
    assert_int_equal(func_config_set(&cfg, "max-event-age=60", err, sizeof(err)), 0);
    assert_int_equal(cfg.max_event_age_s, 60);
    assert_int_equal(func_config_set(&cfg, "on-success=other", err, sizeof(err)), 0);
    assert_string_equal(cfg.on_success, "other");
    assert_int_equal(func_config_set(&cfg,
                                     "on-failure=arn:aws:lambda:us-east-1:000000000000:"
                                     "function:dlq:$LATEST",
                                     err, sizeof(err)),
                     0);
    assert_int_equal(func_destination_parse(cfg.on_failure, name, err, sizeof(err)), 0);
    assert_string_equal(name, "dlq");
    assert_int_equal(func_config_set(&cfg, "on-success=", err, sizeof(err)), 0);
    assert_null(cfg.on_success);
    assert_int_equal(func_config_set(&cfg, "max-retry-attempts=3", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--set fn.max-retry-attempts=3: must be an integer from 0 to 2");
    assert_int_equal(func_config_set(&cfg, "max-event-age=59", err, sizeof(err)), -EINVAL);
    assert_int_equal(func_config_set(&cfg, "max-event-age=21601", err, sizeof(err)), -EINVAL);
    assert_int_equal(
        func_config_set(&cfg, "on-failure=arn:aws:sqs:us-east-1:000000000000:q", err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "only Lambda functions are supported as destinations"));
    assert_int_equal(func_config_set(&cfg, "on-failure=a.b", err, sizeof(err)), -EINVAL);
    assert_int_equal(func_config_set(&cfg, "on-failure=fn:1", err, sizeof(err)), -EINVAL);
    assert_string_equal(cfg.on_failure,
                        "arn:aws:lambda:us-east-1:000000000000:function:dlq:$LATEST");
    assert_int_equal(cfg.max_retries, 0);
    assert_int_equal(cfg.max_event_age_s, 60);
    func_config_fini(&cfg);
}

static void test_func_config_json_async(void **state)
{
    (void)state;
    struct function_config cfg, back;
    char err[256];
    json_t *doc = NULL;
    func_config_init(&cfg, "fn", "/tmp");
    func_config_to_json(&cfg, &doc);
    assert_null(json_object_get(doc, "EventInvokeConfig")); /* defaults are not written */
    json_decref(doc);
    assert_int_equal(func_config_set(&cfg, "max-retry-attempts=1", err, sizeof(err)), 0);
    assert_int_equal(func_config_set(&cfg, "max-event-age=120", err, sizeof(err)), 0);
    assert_int_equal(func_config_set(&cfg, "on-failure=dlq", err, sizeof(err)), 0);
    func_config_to_json(&cfg, &doc);
    char *text = json_dumps(json_object_get(doc, "EventInvokeConfig"), JSON_COMPACT);
    assert_string_equal(text, "{\"MaximumRetryAttempts\":1,\"MaximumEventAgeInSeconds\":120,"
                              "\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"dlq\"}}}");
    free(text);
    assert_int_equal(func_config_from_json(&back, "fn", "/tmp", doc, err, sizeof(err)), 0);
    assert_int_equal(back.max_retries, 1);
    assert_int_equal(back.max_event_age_s, 120);
    assert_null(back.on_success);
    assert_string_equal(back.on_failure, "dlq");
    func_config_fini(&back);
    (void)json_object_set_new(json_object_get(doc, "EventInvokeConfig"), "MaximumRetryAttempts",
                              json_integer(3));
    assert_int_equal(func_config_from_json(&back, "fn", "/tmp", doc, err, sizeof(err)), -EINVAL);
    json_decref(doc);
    func_config_fini(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_func_config_parse),
        cmocka_unit_test(test_func_config_set),
        cmocka_unit_test(test_func_config_json_roundtrip),
        cmocka_unit_test(test_func_config_from_json_invalid),
        cmocka_unit_test(test_func_config_provisioned_and_equal),
        cmocka_unit_test(test_func_config_role),
        cmocka_unit_test(test_func_role_valid),
        cmocka_unit_test(test_func_config_set_async),
        cmocka_unit_test(test_func_config_json_async),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
