/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/catalog/sam_api.c through sam_parse: AWS::Serverless::HttpApi and
 * ::Api resources and the implicit APIs, Globals.HttpApi / Globals.Api, CORS normalised into the
 * Function URL's member names (CorsConfiguration objects and true, Api Cors strings and
 * objects), stage variables, binary media types, HttpApi Lambda authorizers, the routes of
 * HttpApi and Api events, and the errors of each with file, line and property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "sam_test_util.h"

static const char TEMPLATE[] =
    "Globals:\n"
    "  HttpApi:\n"
    "    CorsConfiguration:\n"
    "      AllowOrigins: ['https://a.example']\n"
    "      MaxAge: 600\n"
    "  Api:\n"
    "    Cors: \"'*'\"\n"
    "Resources:\n"
    "  Http:\n"
    "    Type: AWS::Serverless::HttpApi\n"
    "    Properties:\n"
    "      StageName: v1\n"
    "      StageVariables: {color: blue, table: !Ref Tbl}\n"
    "      CorsConfiguration:\n"
    "        AllowMethods: [GET, PUT]\n"
    "        AllowHeaders: [x-custom]\n"
    "        AllowCredentials: true\n"
    "        ExposeHeaders: x-id\n"
    "      Auth:\n"
    "        DefaultAuthorizer: Lam\n"
    "        Authorizers:\n"
    "          Lam:\n"
    "            FunctionArn: !GetAtt AuthFn.Arn\n"
    "            AuthorizerPayloadFormatVersion: '2.0'\n"
    "            EnableSimpleResponses: true\n"
    "            Identity:\n"
    "              Headers: [Authorization]\n"
    "              QueryStrings: [tok]\n"
    "              StageVariables: [color]\n"
    "              Context: [routeKey]\n"
    "              ReauthorizeEvery: 60\n"
    "          Pol:\n"
    "            FunctionArn: auth-fn\n"
    "            AuthorizerPayloadFormatVersion: '1.0'\n"
    "  AllCors:\n"
    "    Type: AWS::Serverless::HttpApi\n"
    "    Properties: {CorsConfiguration: true}\n"
    "  Rest:\n"
    "    Type: AWS::Serverless::Api\n"
    "    Properties:\n"
    "      StageName: dev\n"
    "      Variables: {mode: x}\n"
    "      BinaryMediaTypes: ['image~1png', '*~1*']\n"
    "      Cors:\n"
    "        AllowOrigin: \"'https://b.example'\"\n"
    "        AllowMethods: \"'GET, POST'\"\n"
    "        AllowHeaders: \"'Content-Type,X-Custom'\"\n"
    "        MaxAge: \"'300'\"\n"
    "        AllowCredentials: true\n"
    "  Tbl: {Type: AWS::Serverless::SimpleTable}\n"
    "  AuthFn:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties: {FunctionName: auth-fn, CodeUri: api}\n"
    "  App:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      CodeUri: api\n"
    "      Events:\n"
    "        List: {Type: HttpApi, Properties: {ApiId: !Ref Http, Method: get, Path: /items}}\n"
    "        Open:\n"
    "          Type: HttpApi\n"
    "          Properties:\n"
    "            ApiId: !Ref Http\n"
    "            Path: /open\n"
    "            Auth: {Authorizer: NONE}\n"
    "            PayloadFormatVersion: '1.0'\n"
    "            TimeoutInMillis: 5000\n"
    "        Pol:\n"
    "          Type: HttpApi\n"
    "          Properties: {ApiId: !Ref Http, Method: POST, Path: /p, Auth: {Authorizer: Pol}}\n"
    "        Default: {Type: HttpApi, Properties: {ApiId: !Ref Http}}\n"
    "        Implicit: {Type: HttpApi}\n"
    "        R: {Type: Api, Properties: {RestApiId: !Ref Rest, Method: any, Path: '/{proxy+}'}}\n"
    "        R2: {Type: Api, Properties: {Method: get, Path: /x}}\n";

static const struct sam_api *api_named(const struct sam_template *t, const char *id)
{
    for (size_t i = 0; i < t->n_apis; i++) {
        if (strcmp(t->apis[i].id, id) == 0) {
            return &t->apis[i];
        }
    }
    fail_msg("no API %s", id);
    return NULL;
}

static const struct sam_route *route_at(const struct sam_template *t, const char *method,
                                        const char *path, const char *api)
{
    for (size_t i = 0; i < t->n_routes; i++) {
        const struct sam_route *r = &t->routes[i];
        if (strcmp(r->method, method) == 0 && strcmp(r->path, path) == 0 &&
            strcmp(t->apis[r->api].id, api) == 0) {
            return r;
        }
    }
    fail_msg("no route %s %s on %s", method, path, api);
    return NULL;
}

/* cors (compact JSON) equals want (JSON, any order). */
static void json_same(const char *got, const char *want)
{
    assert_non_null(got);
    json_t *a = json_loads(got, 0, NULL);
    json_t *b = json_loads(want, 0, NULL);
    assert_non_null(b);
    if (!json_equal(a, b)) {
        fail_msg("%s is not %s", got, want);
    }
    json_decref(a);
    json_decref(b);
}

static void test_sam_api_http(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok(TEMPLATE, &t);
    const struct sam_api *h = api_named(&t, "Http");
    assert_true(h->is_http_api);
    assert_string_equal(h->stage, "v1");
    json_same(h->stage_vars_json, "{\"color\":\"blue\",\"table\":\"Tbl\"}");
    json_same(h->cors_json, "{\"AllowOrigins\":[\"https://a.example\"],\"MaxAge\":600,"
                            "\"AllowMethods\":[\"GET\",\"PUT\"],\"AllowHeaders\":[\"x-custom\"],"
                            "\"AllowCredentials\":true,\"ExposeHeaders\":[\"x-id\"]}");
    assert_string_equal(h->default_auth, "Lam");
    assert_int_equal(h->n_auths, 2);
    const struct sam_authorizer *lam = &h->auths[0];
    assert_string_equal(lam->name, "Lam");
    assert_string_equal(lam->function, "auth-fn");
    assert_string_equal(lam->payload_version, "2.0");
    assert_true(lam->simple);
    assert_int_equal(lam->ttl_s, 60);
    assert_int_equal(lam->n_identity, 4);
    assert_string_equal(lam->identity[0], "$request.header.Authorization");
    assert_string_equal(lam->identity[1], "$request.querystring.tok");
    assert_string_equal(lam->identity[2], "$stageVariables.color");
    assert_string_equal(lam->identity[3], "$context.routeKey");
    const struct sam_authorizer *pol = &h->auths[1];
    assert_string_equal(pol->function, "auth-fn");
    assert_string_equal(pol->payload_version, "1.0");
    assert_false(pol->simple);
    assert_int_equal(pol->ttl_s, 0);
    assert_int_equal(pol->n_identity, 0);

    const struct sam_api *all = api_named(&t, "AllCors");
    assert_string_equal(all->stage, "$default");
    json_same(all->cors_json,
              "{\"AllowOrigins\":[\"*\"],\"AllowMethods\":[\"*\"],\"AllowHeaders\":[\"*\"]}");
    assert_null(all->default_auth);
    const struct sam_api *imp = api_named(&t, "ServerlessHttpApi");
    assert_string_equal(imp->stage, "$default");
    json_same(imp->cors_json, "{\"AllowOrigins\":[\"https://a.example\"],\"MaxAge\":600}");
    assert_null(imp->stage_vars_json);
    sam_fini(&t);
}

static void test_sam_api_rest(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok(TEMPLATE, &t);
    const struct sam_api *r = api_named(&t, "Rest");
    assert_false(r->is_http_api);
    assert_string_equal(r->stage, "dev");
    json_same(r->stage_vars_json, "{\"mode\":\"x\"}");
    assert_int_equal(r->n_binary_types, 2);
    assert_string_equal(r->binary_types[0], "image/png");
    assert_string_equal(r->binary_types[1], "*/*");
    json_same(r->cors_json, "{\"AllowOrigins\":[\"https://b.example\"],"
                            "\"AllowMethods\":[\"GET\",\"POST\"],"
                            "\"AllowHeaders\":[\"Content-Type\",\"X-Custom\"],\"MaxAge\":300,"
                            "\"AllowCredentials\":true}");
    const struct sam_api *imp = api_named(&t, "ServerlessRestApi");
    assert_string_equal(imp->stage, "Prod");
    json_same(imp->cors_json, "{\"AllowOrigins\":[\"*\"],\"AllowMethods\":[\"*\"]}");
    sam_fini(&t);
}

static void test_sam_api_routes(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok(TEMPLATE, &t);
    assert_int_equal(t.n_routes, 7);
    const struct sam_route *r = route_at(&t, "GET", "/items", "Http");
    assert_string_equal(r->function, "App");
    assert_true(r->is_http_api);
    assert_string_equal(r->payload_version, "2.0");
    assert_string_equal(r->authorizer, "Lam"); /* the API's default */
    assert_int_equal(r->timeout_ms, 0);
    r = route_at(&t, "ANY", "/open", "Http");
    assert_null(r->authorizer); /* NONE */
    assert_string_equal(r->payload_version, "1.0");
    assert_int_equal(r->timeout_ms, 5000);
    r = route_at(&t, "POST", "/p", "Http");
    assert_string_equal(r->authorizer, "Pol");
    r = route_at(&t, "ANY", "$default", "Http");
    assert_string_equal(r->authorizer, "Lam");
    r = route_at(&t, "ANY", "$default", "ServerlessHttpApi");
    assert_null(r->authorizer);
    r = route_at(&t, "ANY", "/{proxy+}", "Rest");
    assert_false(r->is_http_api);
    assert_string_equal(r->payload_version, "1.0");
    assert_null(r->authorizer);
    r = route_at(&t, "GET", "/x", "ServerlessRestApi");
    assert_false(r->is_http_api);
    sam_fini(&t);
}

#define HEAD                                     \
    "Resources:\n"                               \
    "  Http: {Type: AWS::Serverless::HttpApi}\n" \
    "  F:\n"                                     \
    "    Type: AWS::Serverless::Function\n"      \
    "    Properties:\n"                          \
    "      CodeUri: api\n"                       \
    "      Events:\n"                            \
    "        E:\n"
#define EV "Resources.F.Properties.Events.E.Properties"

static void test_sam_api_event_errors(void **state)
{
    (void)state;
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            ApiId: Nope\n",
                 "t.yaml:11: " EV ": ApiId: Nope is not an AWS::Serverless::HttpApi of the "
                 "template");
    expect_error(HEAD
                 "          Type: Api\n          Properties:\n            RestApiId: !Ref Http\n"
                 "            Path: /\n            Method: get\n",
                 "t.yaml:11: " EV ": RestApiId: Http is not an AWS::Serverless::Api");
    expect_error(HEAD "          Type: Api\n          Properties:\n            Method: get\n",
                 "t.yaml:10: " EV ": Path is required");
    expect_error(HEAD "          Type: Api\n",
                 "Resources.F.Properties.Events.E: Properties must be");
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            Path: /a\n"
                      "            Method: FETCH\n",
                 "t.yaml:12: " EV ": Method FETCH is not an HTTP method");
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            Path: a\n",
                 "t.yaml:11: " EV ": Path must start with /");
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            Path: /a\n"
                      "            PayloadFormatVersion: '3.0'\n",
                 "t.yaml:12: " EV ": PayloadFormatVersion must be 1.0 or 2.0");
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            Path: /a\n"
                      "            TimeoutInMillis: 40000\n",
                 "t.yaml:12: " EV ".TimeoutInMillis: must be an integer from 50 to 30000");
    expect_error(HEAD "          Type: HttpApi\n          Properties:\n            Path: /a\n"
                      "            Auth:\n              Authorizer: Who\n",
                 "t.yaml:13: " EV ".Auth: Authorizer Who is not in the Auth.Authorizers of "
                 "ServerlessHttpApi");
    expect_error(HEAD "          Type: HttpApi\n          Properties: {Path: /a}\n"
                      "        E2:\n          Type: HttpApi\n          Properties: {Path: /a}\n",
                 "Resources.F.Properties.Events.E2.Properties: the route ANY /a of "
                 "ServerlessHttpApi is also an event of F");
}

#define API(props)                          \
    "Resources:\n"                          \
    "  A:\n"                                \
    "    Type: AWS::Serverless::HttpApi\n"  \
    "    Properties:\n" props "  G:\n"      \
    "    Type: AWS::Serverless::Function\n" \
    "    Properties: {CodeUri: api}\n"

static void test_sam_api_errors(void **state)
{
    (void)state;
    expect_error(API("      DefinitionBody: {openapi: '3.0'}\n"),
                 "t.yaml:5: Resources.A.Properties: DefinitionBody is not supported");
    expect_error(API("      CorsConfiguration: {AllowOrigin: '*'}\n"),
                 "t.yaml:5: Resources.A.Properties.CorsConfiguration: AllowOrigin is not a CORS "
                 "member");
    expect_error(API("      CorsConfiguration:\n        MaxAge: long\n"),
                 "t.yaml:6: Resources.A.Properties.CorsConfiguration.MaxAge: must be an integer");
    expect_error(API("      StageVariables: {a: [b]}\n"),
                 "t.yaml:5: Resources.A.Properties: StageVariables.a must be a string");
    expect_error(API("      Auth:\n        DefaultAuthorizer: X\n"),
                 "t.yaml:6: Resources.A.Properties.Auth: DefaultAuthorizer X is not in "
                 "Authorizers");
    expect_error(API("      Auth:\n        EnableIamAuthorizer: true\n"),
                 "t.yaml:6: Resources.A.Properties.Auth: the IAM authorizer is not supported");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            JwtConfiguration: {issuer: x}\n"),
                 "t.yaml:8: Resources.A.Properties.Auth.Authorizers.J: JWT authorizers are not "
                 "supported");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            FunctionArn: !GetAtt Nope.Arn\n"),
                 "t.yaml:8: Resources.A.Properties.Auth.Authorizers.J.FunctionArn: Fn::GetAtt: "
                 "Nope is not a resource");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            FunctionArn: arn:aws:sqs:us-east-1:1:q\n"),
                 "t.yaml:8: Resources.A.Properties.Auth.Authorizers.J: FunctionArn: "
                 "arn:aws:sqs:us-east-1:1:q is not a Lambda function's ARN or name");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            FunctionArn: other\n"),
                 "t.yaml:8: Resources.A.Properties.Auth.Authorizers.J: FunctionArn: other is not "
                 "a function of the template");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            FunctionArn: !GetAtt G.Arn\n"
                     "            AuthorizerPayloadFormatVersion: '1.0'\n"
                     "            EnableSimpleResponses: true\n"),
                 "t.yaml:10: Resources.A.Properties.Auth.Authorizers.J: EnableSimpleResponses "
                 "needs AuthorizerPayloadFormatVersion 2.0");
    expect_error(API("      Auth:\n        Authorizers:\n          J:\n"
                     "            FunctionArn: G\n"
                     "            Identity: {ReauthorizeEvery: 4000}\n"),
                 "t.yaml:9: Resources.A.Properties.Auth.Authorizers.J.Identity.ReauthorizeEvery: "
                 "must be an integer from 0 to 3600");
    expect_error("Resources:\n  R:\n    Type: AWS::Serverless::Api\n    Properties: {}\n",
                 "Resources.R.Properties: StageName is required");
    expect_error("Resources:\n  R:\n    Type: AWS::Serverless::Api\n    Properties:\n"
                 "      StageName: p\n      Auth:\n        Authorizers: {}\n",
                 "t.yaml:7: Resources.R.Properties.Auth: Authorizers is not supported on an "
                 "AWS::Serverless::Api");
    expect_error("Resources:\n  R:\n    Type: AWS::Serverless::Api\n    Properties:\n"
                 "      StageName: p\n      Cors: {AllowMethods: \"'GET'\"}\n",
                 "t.yaml:6: Resources.R.Properties: Cors must be a quoted origin");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sam_api_http),   cmocka_unit_test(test_sam_api_rest),
        cmocka_unit_test(test_sam_api_routes), cmocka_unit_test(test_sam_api_event_errors),
        cmocka_unit_test(test_sam_api_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
