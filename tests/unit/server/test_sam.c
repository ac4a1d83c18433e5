/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/catalog/sam.c: SAM templates as function configurations, HTTP
 * routes and Function URL configs; intrinsic functions, missing CodeUri, malformed YAML and
 * alias bombs refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog/sam.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    (void)snprintf(dir, sizeof(dir), "/tmp/clambda-sam-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    char sub[128];
    (void)snprintf(sub, sizeof(sub), "%s/api", dir);
    return mkdir(sub, 0755);
}

static int teardown(void **state)
{
    (void)state;
    char sub[128];
    (void)snprintf(sub, sizeof(sub), "%s/api", dir);
    (void)rmdir(sub);
    return rmdir(dir);
}

static const char TEMPLATE[] = "AWSTemplateFormatVersion: '2010-09-09'\n"
                               "Transform: AWS::Serverless-2016-10-31\n"
                               "Globals:\n"
                               "  Function:\n"
                               "    Timeout: 10\n"
                               "    MemorySize: 256\n"
                               "    Environment:\n"
                               "      Variables:\n"
                               "        STAGE: dev\n"
                               "        LEVEL: info\n"
                               "Resources:\n"
                               "  ApiFn:\n"
                               "    Type: AWS::Serverless::Function\n"
                               "    Properties:\n"
                               "      FunctionName: my-api\n"
                               "      CodeUri: api/\n"
                               "      Handler: bootstrap\n"
                               "      Runtime: provided.al2023\n"
                               "      Architectures: [arm64]\n"
                               "      Description: the API\n"
                               "      Environment:\n"
                               "        Variables:\n"
                               "          LEVEL: debug\n"
                               "      FunctionUrlConfig:\n"
                               "        AuthType: NONE\n"
                               "        InvokeMode: RESPONSE_STREAM\n"
                               "        Cors:\n"
                               "          AllowOrigins: ['*']\n"
                               "      Events:\n"
                               "        Get:\n"
                               "          Type: HttpApi\n"
                               "          Properties: {Path: '/items/{id}', Method: get}\n"
                               "        Rest:\n"
                               "          Type: Api\n"
                               "          Properties:\n"
                               "            Path: /{proxy+}\n"
                               "            Method: ANY\n"
                               "        Queue:\n"
                               "          Type: SQS\n"
                               "          Properties: {Queue: !GetAtt Q.Arn}\n"
                               "  Other:\n"
                               "    Type: AWS::Serverless::Function\n"
                               "    Properties:\n"
                               "      CodeUri: ./api\n"
                               "      Timeout: 3\n"
                               "  Q:\n"
                               "    Type: AWS::SQS::Queue\n";

static void test_sam_parse_functions_routes_urls(void **state)
{
    (void)state;
    struct sam_template t;
    char err[512] = "";
    assert_int_equal(sam_parse(TEMPLATE, strlen(TEMPLATE), dir, &t, err, sizeof(err)), 0);
    assert_int_equal(t.n_fns, 2);
    const struct function_config *a = &t.fns[0];
    assert_string_equal(a->name, "my-api");
    assert_non_null(strstr(a->code_dir, "/api"));
    assert_int_equal(a->timeout_s, 10);
    assert_int_equal(a->memory_mb, 256);
    assert_string_equal(a->arch, "arm64");
    assert_string_equal(a->description, "the API");
    assert_int_equal(a->n_env, 2);
    bool debug = false;
    for (size_t i = 0; i < a->n_env; i++) {
        debug |= strcmp(a->env[i], "LEVEL=debug") == 0;
    }
    assert_true(debug);
    assert_string_equal(t.fns[1].name, "Other");
    assert_int_equal(t.fns[1].timeout_s, 3);
    assert_int_equal(t.n_routes, 2);
    assert_string_equal(t.routes[0].function, "my-api");
    assert_string_equal(t.routes[0].method, "GET");
    assert_string_equal(t.routes[0].path, "/items/{id}");
    assert_true(t.routes[0].is_http_api);
    assert_string_equal(t.routes[1].path, "/{proxy+}");
    assert_false(t.routes[1].is_http_api);
    assert_int_equal(t.n_urls, 1);
    assert_string_equal(t.urls[0].function, "my-api");
    assert_string_equal(t.urls[0].invoke_mode, "RESPONSE_STREAM");
    assert_string_equal(t.urls[0].cors_json, "{\"AllowOrigins\":[\"*\"]}");
    sam_fini(&t);
}

static void expect_error(const char *text, const char *needle)
{
    struct sam_template t;
    char err[512] = "";
    assert_int_equal(sam_parse(text, strlen(text), dir, &t, err, sizeof(err)), -EINVAL);
    if (strstr(err, needle) == NULL) {
        fail_msg("error '%s' does not name '%s'", err, needle);
    }
    assert_int_equal(t.n_fns, 0);
}

static void test_sam_parse_errors(void **state)
{
    (void)state;
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 "      CodeUri: api\n      MemorySize: !Ref Mem\n",
                 "F.MemorySize: Ref is not supported");
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 "      Handler: x\n",
                 "F: CodeUri is required");
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 "      CodeUri: nosuch\n",
                 "F: CodeUri");
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 "      CodeUri: api\n      Timeout: 901\n",
                 "F:");
    expect_error("Resources: [\n", "YAML error at line");
    expect_error("- a\n- b\n", "not a YAML mapping");
    /* each level doubles: 2^20 nodes after expansion */
    char bomb[4096];
    size_t n = (size_t)snprintf(bomb, sizeof(bomb), "a0: &a0 [x, x]\n");
    for (int i = 1; i <= 20; i++) {
        n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1,
                              i - 1);
    }
    expect_error(bomb, "too far");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sam_parse_functions_routes_urls),
        cmocka_unit_test(test_sam_parse_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
