/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/catalog/sam.c: SAM templates as function configurations, HTTP
 * routes and Function URL configs, Globals; every error names the file, the line and the
 * property (missing CodeUri, bad values, malformed YAML, alias bombs). Intrinsics are in
 * test_sam_intrinsics.c, APIs in test_sam_api.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sam_test_util.h"

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
                               "          MaxAge: 600\n"
                               "          AllowCredentials: true\n"
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
    parse_ok(TEMPLATE, &t);
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
    assert_string_equal(t.routes[0].payload_version, "2.0");
    assert_null(t.routes[0].authorizer);
    assert_int_equal(t.routes[0].timeout_ms, 0);
    assert_string_equal(t.routes[1].path, "/{proxy+}");
    assert_string_equal(t.routes[1].method, "ANY");
    assert_false(t.routes[1].is_http_api);
    assert_string_equal(t.routes[1].payload_version, "1.0");
    /* the implicit APIs, made when an event first names none */
    assert_int_equal(t.n_apis, 2);
    assert_string_equal(t.apis[t.routes[0].api].id, "ServerlessHttpApi");
    assert_string_equal(t.apis[t.routes[0].api].stage, "$default");
    assert_true(t.apis[t.routes[0].api].is_http_api);
    assert_string_equal(t.apis[t.routes[1].api].id, "ServerlessRestApi");
    assert_string_equal(t.apis[t.routes[1].api].stage, "Prod");
    assert_false(t.apis[t.routes[1].api].is_http_api);
    assert_int_equal(t.n_urls, 1);
    assert_string_equal(t.urls[0].function, "my-api");
    assert_string_equal(t.urls[0].invoke_mode, "RESPONSE_STREAM");
    /* typed as the gateway reads them (a YAML scalar is a string until then) */
    assert_string_equal(t.urls[0].cors_json,
                        "{\"AllowOrigins\":[\"*\"],\"MaxAge\":600,\"AllowCredentials\":true}");
    sam_fini(&t);
}

/* Globals.Function: maps merged (the function's values win), lists added, plain values
 * overridden. */
/* Role: given (an ARN or !GetAtt of a role), else the role SAM makes, <LogicalId>Role. */
static void test_sam_parse_role(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok("Resources:\n"
             "  Own:\n"
             "    Type: AWS::IAM::Role\n"
             "    Properties: {RoleName: own-role}\n"
             "  A:\n"
             "    Type: AWS::Serverless::Function\n"
             "    Properties: {CodeUri: api, Role: !GetAtt Own.Arn}\n"
             "  B:\n"
             "    Type: AWS::Serverless::Function\n"
             "    Properties: {CodeUri: api}\n"
             "  C:\n"
             "    Type: AWS::Serverless::Function\n"
             "    Properties: {CodeUri: api, Role: 'arn:aws:iam::111122223333:role/c'}\n",
             &t);
    assert_int_equal(t.n_fns, 3);
    assert_string_equal(t.fns[0].role, "arn:aws:iam::111122223333:role/own-role");
    assert_string_equal(t.fns[1].role, "arn:aws:iam::111122223333:role/BRole");
    assert_string_equal(t.fns[2].role, "arn:aws:iam::111122223333:role/c");
    sam_fini(&t);
    expect_error("Resources:\n"
                 "  A:\n"
                 "    Type: AWS::Serverless::Function\n"
                 "    Properties: {CodeUri: api, Role: not-an-arn}\n",
                 "Role");
}

static void test_sam_parse_globals(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok("Globals:\n"
             "  Function:\n"
             "    CodeUri: api\n"
             "    Runtime: provided.al2\n"
             "    Timeout: 20\n"
             "    Environment: {Variables: {AA: ga, BB: gb}}\n"
             "Resources:\n"
             "  F:\n"
             "    Type: AWS::Serverless::Function\n"
             "    Properties:\n"
             "      Timeout: 5\n"
             "      EphemeralStorage: {Size: 1024}\n"
             "      ReservedConcurrentExecutions: 3\n"
             "      Environment: {Variables: {BB: fb, CC: fc}}\n",
             &t);
    assert_int_equal(t.n_fns, 1);
    const struct function_config *f = &t.fns[0];
    assert_string_equal(f->name, "F");
    assert_string_equal(f->runtime, "provided.al2");
    assert_int_equal(f->timeout_s, 5);
    assert_int_equal(f->ephemeral_mb, 1024);
    assert_int_equal(f->reserved, 3);
    assert_string_equal(env_of(f, "AA"), "ga");
    assert_string_equal(env_of(f, "BB"), "fb");
    assert_string_equal(env_of(f, "CC"), "fc");
    assert_int_equal(t.n_routes, 0);
    assert_int_equal(t.n_apis, 0);
    sam_fini(&t);
}

#define FN "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"

static void test_sam_parse_errors(void **state)
{
    (void)state;
    expect_error(FN "      CodeUri: api\n      MemorySize: 99999\n",
                 "t.yaml:6: Resources.F.Properties.MemorySize: must be an integer from 128 to "
                 "10240, not '99999'");
    expect_error(FN "      CodeUri: api\n      Timeout: soon\n",
                 "t.yaml:6: Resources.F.Properties.Timeout: must be an integer from 1 to 900");
    expect_error(FN "      CodeUri: api\n      Architectures: [sparc]\n",
                 "t.yaml:6: Resources.F.Properties.Architectures: must be a list of one "
                 "architecture");
    expect_error(FN "      CodeUri: api\n      EphemeralStorage:\n        Size: 10\n",
                 "t.yaml:7: Resources.F.Properties.EphemeralStorage.Size: must be an integer");
    expect_error(FN "      Handler: x\n", "t.yaml:4: Resources.F.Properties: CodeUri is required");
    expect_error(FN "      CodeUri: nosuch\n", "t.yaml:5: Resources.F.Properties.CodeUri: ");
    expect_error(FN "      CodeUri: {Bucket: b, Key: k}\n",
                 "t.yaml:5: Resources.F.Properties: CodeUri must be a local directory or zip");
    expect_error(FN "      CodeUri: api\n      InlineCode: 'exit 0'\n",
                 "t.yaml:6: Resources.F.Properties: InlineCode is not supported");
    expect_error(FN "      CodeUri: api\n      Layers: [arn:aws:lambda:us-east-1:1:layer:x:3]\n",
                 "t.yaml:6: Resources.F.Properties: Layers: arn:aws:lambda:us-east-1:1:layer:x:3 "
                 "is not an AWS::Serverless::LayerVersion of the template");
    expect_error(FN "      CodeUri: api\n      Layers: [!Ref L]\n"
                    "  L:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n"
                    "      ContentUri: nosuch/\n",
                 "t.yaml:10: Resources.L.Properties: ContentUri ");
    expect_error(FN "      CodeUri: api\n      Layers: [!Ref L]\n"
                    "  L:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n"
                    "      ContentUri: {Bucket: b, Key: k}\n",
                 "t.yaml:10: Resources.L.Properties: ContentUri must be a local directory or zip");
    expect_error(FN "      CodeUri: api\n      Layers: [!Ref L, !Ref L, !Ref L, !Ref L, !Ref L, "
                    "!Ref L]\n  L: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: "
                    "api}}\n",
                 "t.yaml:6: Resources.F.Properties: Layers: a function has at most 5 layers");
    expect_error(FN "      CodeUri: api\n      Environment:\n        Variables:\n"
                    "          AA: ok\n          BB: [no]\n",
                 "t.yaml:9: Resources.F.Properties.Environment.Variables.BB: must be a string");
    expect_error(FN "      CodeUri: api\n      Environment:\n        Variables:\n"
                    "          1X: no\n",
                 "t.yaml:8: Resources.F.Properties.Environment.Variables.1X: is not a valid "
                 "variable name");
    expect_error(FN "      CodeUri: api\n      Events:\n        E:\n          Type: HttpApi\n"
                    "          Properties:\n            ApiId: !Ref Missing\n",
                 "t.yaml:10: Resources.F.Properties.Events.E.Properties.ApiId: Ref: Missing is "
                 "not a parameter");
    expect_error(FN "      CodeUri: api\n      FunctionName: 'a b'\n",
                 "t.yaml:6: Resources.F.Properties: FunctionName a b is not a function name");
    expect_error(FN "      CodeUri: api\n      FunctionName: same\n"
                    "  G:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                    "      CodeUri: api\n      FunctionName: same\n",
                 "t.yaml:11: Resources.G.Properties: FunctionName same is the name of another "
                 "function");
    expect_error("Resources:\n  F: {Properties: {}}\n", "t.yaml:2: Resources: F: Type must be");
    expect_error("Resources: [\n", "t.yaml:2: YAML: ");
    expect_error("Resources:\n  a: b\n   c: d\n", "t.yaml:3: YAML: mapping values are not allowed");
    expect_error("- a\n- b\n", "t.yaml:1: the template is not a YAML mapping");
    expect_error("A: 1\n", "t.yaml:1: Resources: must be a mapping of resources");
    /* each level doubles: 2^20 nodes after expansion */
    char bomb[4096];
    size_t n = (size_t)snprintf(bomb, sizeof(bomb), "a0: &a0 [x, x]\n");
    for (int i = 1; i <= 20; i++) {
        n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1,
                              i - 1);
    }
    expect_error(bomb, "too far");
}

/* Layers naming the template's layer versions: their ARNs and absolute content, Globals' first;
 * the merge into /opt is registry_prepare_code's. */
static void test_sam_parse_layers(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok("Globals:\n  Function:\n    Layers: [!Ref Base]\n"
             "Resources:\n"
             "  Base: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: api/}}\n"
             "  Named:\n    Type: AWS::Serverless::LayerVersion\n"
             "    Properties: {LayerName: deps, ContentUri: ./api}\n"
             "  F:\n    Type: AWS::Serverless::Function\n"
             "    Properties: {CodeUri: api, Layers: [!Ref Named]}\n",
             &t);
    assert_int_equal(t.n_fns, 1);
    assert_null(t.fns[0].opt_dir);
    char want[512];
    (void)snprintf(
        want, sizeof(want),
        "[{\"Arn\":\"arn:aws:lambda:eu-west-1:111122223333:layer:Base:1\",\"CodeSize\":0,"
        "\"Content\":\"%s/api\"},{\"Arn\":\"arn:aws:lambda:eu-west-1:111122223333:"
        "layer:deps:1\",\"CodeSize\":0,\"Content\":\"%s/api\"}]",
        dir, dir);
    assert_string_equal(t.fns[0].layers, want);
    sam_fini(&t);
}

/* A makefile-built function (Metadata BuildMethod makefile) whose CodeUri has no bootstrap is
 * served from sam build's output, .aws-sam/build/<logical id>; unbuilt, the error says how. */
static void test_sam_makefile_built_dir(void **state)
{
    (void)state;
    static const char text[] = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                               "    Properties: {CodeUri: api, Runtime: provided.al2023}\n"
                               "    Metadata: {BuildMethod: makefile}\n";
    expect_error(text, "Resources.Fn.Properties.CodeUri: ");
    expect_error(text, "api has no bootstrap and ");
    expect_error(text, "make -C ");
    char built[256], boot[300], p1[160], p2[200];
    (void)snprintf(p1, sizeof(p1), "%s/.aws-sam", dir);
    (void)snprintf(p2, sizeof(p2), "%s/.aws-sam/build", dir);
    (void)snprintf(built, sizeof(built), "%s/.aws-sam/build/Fn", dir);
    (void)snprintf(boot, sizeof(boot), "%s/bootstrap", built);
    assert_int_equal(mkdir(p1, 0755) | mkdir(p2, 0755) | mkdir(built, 0755), 0);
    FILE *f = fopen(boot, "w");
    assert_non_null(f);
    (void)fclose(f);
    struct sam_template t;
    parse_ok(text, &t);
    assert_int_equal(t.n_fns, 1);
    assert_string_equal(t.fns[0].code_dir, built);
    sam_fini(&t);
    /* a CodeUri holding a bootstrap itself is used as it is */
    char own[200];
    (void)snprintf(own, sizeof(own), "%s/api/bootstrap", dir);
    f = fopen(own, "w");
    assert_non_null(f);
    (void)fclose(f);
    parse_ok(text, &t);
    char api[100];
    (void)snprintf(api, sizeof(api), "%s/api", dir);
    assert_string_equal(t.fns[0].code_dir, api);
    sam_fini(&t);
    /* without the Metadata nothing is looked for */
    assert_int_equal(unlink(own), 0);
    parse_ok("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
             "    Properties: {CodeUri: api}\n",
             &t);
    assert_string_equal(t.fns[0].code_dir, api);
    sam_fini(&t);
    assert_int_equal(unlink(boot) | rmdir(built) | rmdir(p2) | rmdir(p1), 0);
}

/* sam_load names the file it read in every message. */
static void test_sam_load_names_file(void **state)
{
    (void)state;
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/bad.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    (void)fputs(FN "      CodeUri: api\n      MemorySize: 1\n", f);
    assert_int_equal(fclose(f), 0);
    struct sam_template t;
    char err[768] = "";
    assert_int_equal(sam_load(path, NULL, &t, err, sizeof(err)), -EINVAL);
    char want[256];
    (void)snprintf(want, sizeof(want), "%s:6: Resources.F.Properties.MemorySize: ", path);
    assert_non_null(strstr(err, want));
    assert_int_equal(unlink(path), 0);
    (void)snprintf(path, sizeof(path), "%s/none.yaml", dir);
    assert_int_equal(sam_load(path, NULL, &t, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "none.yaml: No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sam_parse_functions_routes_urls),
        cmocka_unit_test(test_sam_parse_globals),
        cmocka_unit_test(test_sam_parse_role),
        cmocka_unit_test(test_sam_parse_errors),
        cmocka_unit_test(test_sam_parse_layers),
        cmocka_unit_test(test_sam_makefile_built_dir),
        cmocka_unit_test(test_sam_load_names_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
