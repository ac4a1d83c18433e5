/* SPDX-License-Identifier: MIT */
/* Unit tests for control/validate.c and control/validate_members.c: AWS's ValidationException
 * wording (one and several errors), InvalidParameterValueException rules and type errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/xalloc.h"
#include "control/validate.h"

/* jansson allocates as the server does (serve.c). */
static int setup(void **state)
{
    (void)state;
    json_set_alloc_funcs(xmalloc, free);
    return 0;
}

/* Validates text (err's previous message is freed first). */
static int check(const char *text, bool is_create, struct err *err)
{
    json_error_t jerr;
    err_fini(err);
    json_t *body = json_loads(text, 0, &jerr);
    assert_non_null(body);
    int rc = validate_function_request(body, is_create, NULL, err);
    json_decref(body);
    return rc;
}

static void test_validate_ok(void **state)
{
    (void)state;
    struct err err = {0};
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
    err_fini(&err);
}

static void test_validate_one_error(void **state)
{
    (void)state;
    struct err err = {0};
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
                                     "[x86_64, arm64], Member must not be null]");
    assert_int_equal(check("{\"Role\":\"admin\"}", false, &err), -EINVAL);
    assert_non_null(strstr(err.message, "Value 'admin' at 'role' failed to satisfy constraint"));
    /* what CreateFunction cannot take apart is refused here, with the other model errors */
    assert_int_equal(check("{\"FunctionName\":\"a:b:function:f\",\"Timeout\":0}", true, &err),
                     -EINVAL);
    assert_non_null(strstr(err.message, "2 validation errors detected: Value 'a:b:function:f' at "
                                        "'functionName'"));
    assert_int_equal(check("{\"FunctionName\":\"f:1\"}", true, &err), -EINVAL);
    assert_int_equal(check("{\"FunctionName\":\"123456789012:function:f\"}", true, &err), 0);
    assert_int_equal(check("{\"FunctionName\":\"bad name\"}", true, &err), -EINVAL);
    assert_non_null(strstr(err.message, "at 'functionName' failed to satisfy constraint: Member "
                                        "must satisfy regular expression pattern"));
    /* AWS answers an unknown runtime after the model errors, as InvalidParameterValueException
     * without the "N validation errors" head (recorded, conformance.json) */
    assert_int_equal(check("{\"Runtime\":\"cobol\"}", false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_non_null(strstr(err.message, "Value cobol at 'runtime' failed to satisfy constraint: "
                                        "Member must satisfy enum value set: [nodejs, nodejs4.3"));
    assert_non_null(strstr(err.message, "provided.al2, provided.al2023] or be a valid ARN"));
    /* a 65-character name: the same, with the model's wording */
    assert_int_equal(check("{\"FunctionName\":"
                           "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
                           true, &err),
                     -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_non_null(strstr(err.message, "failed to satisfy constraint: Member must have length "
                                        "less than or equal to 64"));
    err_fini(&err);
}

static void test_validate_many_errors(void **state)
{
    (void)state;
    struct err err = {0};
    assert_int_equal(check("{\"MemorySize\":64,\"Timeout\":901}", false, &err), -EINVAL);
    assert_string_equal(err.message, "2 validation errors detected: Value '901' at 'timeout' "
                                     "failed to satisfy constraint: Member must have value less "
                                     "than or equal to 900; Value '64' at 'memorySize' failed to "
                                     "satisfy constraint: Member must have value greater than or "
                                     "equal to 128");
    err_fini(&err);
}

static void test_validate_semantics(void **state)
{
    (void)state;
    struct err err = {0};
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
    /* the message quotes the whole map, however long (it was cut at 4 KB) */
    assert_string_equal(err.message + strlen(err.message) - 5, "000\"}");
    assert_true(strlen(err.message) > 4096 + 150);
    (void)snprintf(big, sizeof(big), "{\"Environment\":{\"Variables\":{\"KEY\":\"%04086d\"}}}", 0);
    assert_int_equal(check(big, false, &err), 0); /* {"KEY":"..."} is exactly 4096 bytes */
    assert_int_equal(check("{\"Environment\":{\"Variables\":{\"1A\":\"x\"}}}", false, &err),
                     -EINVAL);
    assert_string_equal(err.type, "ValidationException");
    assert_int_equal(check("{\"Runtime\":\"python3.12\"}", false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_int_equal(check("{\"MemorySize\":\"big\"}", false, &err), -EINVAL);
    assert_string_equal(err.type, "InvalidRequestContentException");
    err_fini(&err);
}

/* Validates text as an UpdateFunctionConfiguration body for function "f". OUT: *err. */
static int update_f_err(const char *text, struct err *err)
{
    json_error_t jerr;
    err_fini(err);
    json_t *body = json_loads(text, 0, &jerr);
    assert_non_null(body);
    int rc = validate_function_request(body, false, "f", err);
    json_decref(body);
    return rc;
}

static int update_f(const char *text)
{
    struct err err = {0};
    int rc = update_f_err(text, &err);
    err_fini(&err);
    return rc;
}

/* Expects text (for function "f") to fail with type and a message starting with msg. */
static void refused(const char *text, const char *type, const char *msg)
{
    struct err err = {0};
    assert_int_equal(update_f_err(text, &err), -EINVAL);
    assert_string_equal(err.type, type);
    if (strncmp(err.message, msg, strlen(msg)) != 0) {
        fail_msg("%s: got %s", text, err.message);
    }
    err_fini(&err);
}

static void test_validate_members_defaults(void **state)
{
    (void)state;
    struct err err = {0};
    assert_int_equal(
        update_f("{\"TracingConfig\":{\"Mode\":\"PassThrough\"},\"VpcConfig\":{\"SubnetIds\":[],"
                 "\"SecurityGroupIds\":[],\"Ipv6AllowedForDualStack\":false},\"SnapStart\":"
                 "{\"ApplyOn\":\"None\"},\"LoggingConfig\":{\"LogFormat\":\"Text\",\"LogGroup\":"
                 "\"/aws/lambda/f\"},\"KMSKeyArn\":\"\",\"FileSystemConfigs\":[],"
                 "\"DeadLetterConfig\":{\"TargetArn\":\"\"},\"ImageConfig\":{}}"),
        0);
    assert_int_equal(update_f("{\"TracingConfig\":{},\"VpcConfig\":{},\"SnapStart\":{},"
                              "\"LoggingConfig\":{},\"DeadLetterConfig\":{}}"),
                     0);
    /* CreateFunction: the LogGroup follows FunctionName, also as an ARN */
    assert_int_equal(check("{\"FunctionName\":\"arn:aws:lambda:us-east-1:123456789012:function:g\","
                           "\"LoggingConfig\":{\"LogGroup\":\"/aws/lambda/g\"}}",
                           true, &err),
                     0);
    /* CodeSigningConfigArn is no member of UpdateFunctionConfiguration */
    assert_int_equal(update_f("{\"CodeSigningConfigArn\":\"x\"}"), 0);
    err_fini(&err);
}

static void test_validate_members_refused(void **state)
{
    (void)state;
    const char *ipv = "InvalidParameterValueException";
    refused("{\"TracingConfig\":{\"Mode\":\"Active\"}}", ipv,
            "clambda does not support TracingConfig Mode Active (X-Ray): use PassThrough or "
            "leave it out.");
    refused("{\"VpcConfig\":{\"SubnetIds\":[\"subnet-1\"]}}", ipv,
            "clambda does not support VpcConfig with SubnetIds");
    refused("{\"VpcConfig\":{\"Ipv6AllowedForDualStack\":true}}", ipv,
            "clambda does not support VpcConfig Ipv6AllowedForDualStack true");
    refused("{\"DeadLetterConfig\":{\"TargetArn\":\"arn:aws:sqs:us-east-1:123456789012:q\"}}", ipv,
            "clambda does not support DeadLetterConfig TargetArn arn:aws:sqs:");
    refused("{\"KMSKeyArn\":\"arn:aws:kms:us-east-1:123456789012:key/k\"}", ipv,
            "clambda does not support KMSKeyArn");
    refused("{\"FileSystemConfigs\":[{\"Arn\":\"arn:aws:elasticfilesystem:us-east-1:123456789012:"
            "access-point/fsap-0123456789abcdef0\",\"LocalMountPath\":\"/mnt/x\"}]}",
            ipv, "clambda does not support FileSystemConfigs (EFS mounts)");
    refused("{\"ImageConfig\":{\"Command\":[\"x\"]}}", ipv, "clambda does not support ImageConfig");
    refused("{\"SnapStart\":{\"ApplyOn\":\"PublishedVersions\"}}", ipv,
            "clambda does not support SnapStart ApplyOn PublishedVersions");
    refused("{\"LoggingConfig\":{\"LogFormat\":\"JSON\"}}", ipv,
            "clambda does not support LoggingConfig LogFormat JSON");
    refused("{\"LoggingConfig\":{\"ApplicationLogLevel\":\"INFO\"}}", ipv,
            "clambda does not support LoggingConfig ApplicationLogLevel");
    refused("{\"LoggingConfig\":{\"LogGroup\":\"/aws/lambda/other\"}}", ipv,
            "clambda does not support LoggingConfig LogGroup /aws/lambda/other: a function's logs "
            "go to /aws/lambda/f; use that or leave LogGroup out.");
    struct err err = {0};
    assert_int_equal(check("{\"FunctionName\":\"f\",\"CodeSigningConfigArn\":\"arn:aws:lambda:"
                           "us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg\"}",
                           true, &err),
                     -EINVAL);
    assert_string_equal(
        err.message, "clambda does not support CodeSigningConfigArn (code signing): leave it out.");
    err_fini(&err);
}

static void test_validate_members_model(void **state)
{
    (void)state;
    const char *ve = "ValidationException";
    refused("{\"TracingConfig\":{\"Mode\":\"Bogus\"}}", ve,
            "1 validation error detected: Value 'Bogus' at 'tracingConfig.mode' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Active, PassThrough]");
    refused("{\"SnapStart\":{\"ApplyOn\":\"Always\"}}", ve,
            "1 validation error detected: Value 'Always' at 'snapStart.applyOn' failed to satisfy "
            "constraint: Member must satisfy enum value set: [PublishedVersions, None]");
    refused("{\"KMSKeyArn\":\"key\"}", ve,
            "1 validation error detected: Value 'key' at 'kMSKeyArn' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()");
    refused("{\"LoggingConfig\":{\"LogFormat\":\"XML\",\"LogGroup\":\"a b\"}}", ve,
            "2 validation errors detected: Value 'XML' at 'loggingConfig.logFormat'");
    refused("{\"Timeout\":0,\"TracingConfig\":{\"Mode\":\"x\"}}", ve,
            "2 validation errors detected: Value '0' at 'timeout'");
    refused("{\"FileSystemConfigs\":[{\"Arn\":\"a\",\"LocalMountPath\":\"/tmp\"}]}", ve,
            "2 validation errors detected: Value 'a' at 'fileSystemConfigs.1.member.arn'");
    refused("{\"VpcConfig\":{\"SecurityGroupIds\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]}}", ve,
            "1 validation error detected: Value '[6 items]' at 'vpcConfig.securityGroupIds' "
            "failed to satisfy constraint: Member must have length less than or equal to 5");
    const char *ire = "InvalidRequestContentException";
    refused("{\"TracingConfig\":\"Active\"}", ire,
            "Could not parse request body into json: Could not deserialize member "
            "'TracingConfig': expected a JSON object");
    refused("{\"VpcConfig\":{\"SubnetIds\":[1]}}", ire,
            "Could not parse request body into json: Could not deserialize member "
            "'VpcConfig.SubnetIds': expected a list of strings");
    refused("{\"FileSystemConfigs\":{}}", ire, "Could not parse request body into json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_ok),
        cmocka_unit_test(test_validate_one_error),
        cmocka_unit_test(test_validate_many_errors),
        cmocka_unit_test(test_validate_semantics),
        cmocka_unit_test(test_validate_members_defaults),
        cmocka_unit_test(test_validate_members_refused),
        cmocka_unit_test(test_validate_members_model),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
