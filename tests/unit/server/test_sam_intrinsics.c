/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/catalog/sam_intrinsic.c through sam_parse: every intrinsic function
 * in its short (!Ref) and long (Fn::...) forms, pseudo parameters, references to parameters
 * and resources, Conditions on values and on resources, and the errors of each, naming the
 * file, line and property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sam_test_util.h"

static const char TEMPLATE[] =
    "Parameters:\n"                                           /* 1 */
    "  Stage: {Type: String, Default: dev}\n"                 /* 2 */
    "  Zones: {Type: CommaDelimitedList, Default: 'x,y,z'}\n" /* 3 */
    "Mappings:\n"                                             /* 4 */
    "  Sizes:\n"                                              /* 5 */
    "    dev: {Mem: '256'}\n"                                 /* 6 */
    "Conditions:\n"                                           /* 7 */
    "  IsProd: !Equals [!Ref Stage, prod]\n"                  /* 8 */
    "  Both: !And [!Not [!Condition IsProd], !Or [!Equals [a, b], !Equals [a, a]]]\n"
    "Resources:\n"                                            /* 10 */
    "  Fn:\n"                                                 /* 11 */
    "    Type: AWS::Serverless::Function\n"                   /* 12 */
    "    Properties:\n"                                       /* 13 */
    "      FunctionName: !Sub '${AWS::StackName}-fn'\n"       /* 14 */
    "      CodeUri: api\n"                                    /* 15 */
    "      MemorySize: !FindInMap [Sizes, !Ref Stage, Mem]\n" /* 16 */
    "      Timeout: !If [IsProd, 30, 7]\n"                    /* 17 */
    "      Policies:\n"                                       /* 18 */
    "        - DynamoDBCrudPolicy: {TableName: !ImportValue ignored}\n"
    "      Environment:\n" /* 20 */
    "        Variables:\n"
    "          P_REF: !Ref Stage\n"
    "          REGION: !Ref AWS::Region\n"
    "          ACCOUNT: !Ref AWS::AccountId\n"
    "          STACK: !Ref AWS::StackName\n"
    "          PART: !Ref AWS::Partition\n"
    "          SUFFIX: !Ref AWS::URLSuffix\n"
    "          NOVALUE: !Ref AWS::NoValue\n"
    "          TABLE: !Ref ItemsTable\n"
    "          SIMPLE: !Ref Simple\n"
    "          OTHER: !Ref Other\n"
    "          API: !Ref MyApi\n"
    "          QUEUE: !Ref Q\n"
    "          SUB: !Sub '${AWS::Region}-${Stage}-${!Literal}'\n"
    "          SUB_ATTR: !Sub '${Other.Arn}'\n"
    "          SUB_LIST: !Sub ['${A}/${Stage}', {A: !Ref ItemsTable}]\n"
    "          ARN_DOT: !GetAtt ItemsTable.Arn\n"
    "          ARN_LIST:\n"
    "            Fn::GetAtt: [ItemsTable, StreamArn]\n"
    "          FN_ARN: !GetAtt Other.Arn\n"
    "          ROLE_ARN: !GetAtt OtherRole.Arn\n"
    "          QUEUE_ARN: !GetAtt Q.Arn\n"
    "          JOIN: !Join ['-', [a, !Ref Stage, c]]\n"
    "          SELECT: !Select [1, !Ref Zones]\n"
    "          SPLIT: !Select [0, !Split [',', 'p,q']]\n"
    "          IF: !If [IsProd, prod, notprod]\n"
    "          IF_AND: !If [Both, 'yes', 'no']\n"
    "          IF_NOVALUE: !If [IsProd, x, !Ref AWS::NoValue]\n"
    "          B64: !Base64 hi\n"
    "          LONG: {'Fn::Join': ['', [x, {Ref: Stage}]]}\n"
    "  Other:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties: {FunctionName: other-fn, CodeUri: api}\n"
    "  ProdOnly:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Condition: IsProd\n"
    "    Properties: {CodeUri: nosuchdir}\n"
    "  ItemsTable:\n"
    "    Type: AWS::DynamoDB::Table\n"
    "    Properties: {TableName: !Sub 'items-${Stage}'}\n"
    "  Simple: {Type: AWS::Serverless::SimpleTable}\n"
    "  Q: {Type: AWS::SQS::Queue}\n"
    "  MyApi: {Type: AWS::Serverless::HttpApi}\n";

static void test_sam_intrinsics_values(void **state)
{
    (void)state;
    struct sam_template t;
    parse_ok(TEMPLATE, &t);
    assert_int_equal(t.n_fns, 2); /* ProdOnly's Condition is false */
    const struct function_config *f = &t.fns[0];
    assert_string_equal(f->name, "shop-fn");
    assert_int_equal(f->memory_mb, 256);
    assert_int_equal(f->timeout_s, 7);
    static const char *const want[][2] = {
        {"P_REF", "dev"},
        {"REGION", "eu-west-1"},
        {"ACCOUNT", "111122223333"},
        {"STACK", "shop"},
        {"PART", "aws"},
        {"SUFFIX", "amazonaws.com"},
        {"TABLE", "items-dev"},
        {"SIMPLE", "Simple"},
        {"OTHER", "other-fn"},
        {"API", "MyApi"},
        {"QUEUE", "https://sqs.eu-west-1.amazonaws.com/111122223333/Q"},
        {"SUB", "eu-west-1-dev-${Literal}"},
        {"SUB_ATTR", "arn:aws:lambda:eu-west-1:111122223333:function:other-fn"},
        {"SUB_LIST", "items-dev/dev"},
        {"ARN_DOT", "arn:aws:dynamodb:eu-west-1:111122223333:table/items-dev"},
        {"ARN_LIST",
         "arn:aws:dynamodb:eu-west-1:111122223333:table/items-dev/stream/1970-01-01T00:00:00.000"},
        {"FN_ARN", "arn:aws:lambda:eu-west-1:111122223333:function:other-fn"},
        {"ROLE_ARN", "arn:aws:iam::111122223333:role/OtherRole"},
        {"QUEUE_ARN", "arn:aws:sqs:eu-west-1:111122223333:Q"},
        {"JOIN", "a-dev-c"},
        {"SELECT", "y"},
        {"SPLIT", "p"},
        {"IF", "notprod"},
        {"IF_AND", "yes"},
        {"B64", "aGk="},
        {"LONG", "xdev"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *v = env_of(f, want[i][0]);
        if (v == NULL || strcmp(v, want[i][1]) != 0) {
            fail_msg("%s = %s, want %s", want[i][0], v ? v : "(absent)", want[i][1]);
        }
    }
    assert_null(env_of(f, "NOVALUE"));
    assert_null(env_of(f, "IF_NOVALUE"));
    assert_string_equal(t.fns[1].name, "other-fn");
    sam_fini(&t);
}

#define FN_HEAD                               \
    "Parameters:\n"                           \
    "  NoDefault: {Type: String}\n"           \
    "Conditions:\n"                           \
    "  Loop: !Equals [!If [Loop, a, b], a]\n" \
    "Resources:\n"                            \
    "  F:\n"                                  \
    "    Type: AWS::Serverless::Function\n"   \
    "    Properties:\n"                       \
    "      CodeUri: api\n"                    \
    "      Environment:\n"                    \
    "        Variables:\n"

static void test_sam_intrinsics_errors(void **state)
{
    (void)state;
    const char *prefix = "t.yaml:12: Resources.F.Properties.Environment.Variables.XX: ";
    static const char *const cases[][2] = {
        {"          XX: !ImportValue shared\n", "Fn::ImportValue is not supported"},
        {"          XX: !GetAZs ''\n", "Fn::GetAZs is not supported"},
        {"          XX: !Ref Nope\n", "Ref: Nope is not a parameter, pseudo parameter or resource"},
        {"          XX: !Ref NoDefault\n", "Ref: parameter NoDefault has no Default"},
        {"          XX: !GetAtt F.Nope\n", "Fn::GetAtt: F.Nope: clambda knows no attribute Nope"},
        {"          XX: !GetAtt Gone.Arn\n", "Fn::GetAtt: Gone is not a resource"},
        {"          XX: !GetAtt F\n", "Fn::GetAtt takes"},
        {"          XX: !Select [5, [a, b]]\n", "Fn::Select: index 5 is not in the list"},
        {"          XX: !Join [',', notalist]\n", "Fn::Join: the values are not a list"},
        {"          XX: !Sub [a, b, c]\n", "Fn::Sub takes a string or [string, {variables}]"},
        {"          XX: !Sub '${Nope}'\n", "Ref: Nope is not a parameter"},
        {"          XX: !Equals [a, a]\n", "Fn::Equals may only be used in Conditions"},
        {"          XX: !If [NoSuch, a, b]\n", "condition NoSuch is not in Conditions"},
        {"          XX: !FindInMap [M, a, b]\n", "Fn::FindInMap: Mappings has no M"},
        {"          XX: !Frobnicate x\n", "Fn::Frobnicate is not supported"},
        {"          XX: [a, b]\n", "must be a string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[2048];
        char needle[512];
        (void)snprintf(text, sizeof(text), "%s%s", FN_HEAD, cases[i][0]);
        (void)snprintf(needle, sizeof(needle), "%s%s", prefix, cases[i][1]);
        expect_error(text, needle);
    }
    /* a condition that refers to itself: named where the loop is */
    expect_error(FN_HEAD "          XX: !If [Loop, a, b]\n",
                 "t.yaml:4: Resources.F.Properties.Environment.Variables.XX: Fn::If: nested too "
                 "deep (a circular reference?)");
    /* a name that refers to itself */
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                 "      FunctionName: !Ref F\n      CodeUri: api\n",
                 "circular reference");
    /* a resource Condition that is not in Conditions */
    expect_error("Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Condition: Nope\n"
                 "    Properties: {CodeUri: api}\n",
                 "t.yaml:4: Resources.F.Condition: condition Nope is not in Conditions");
}

/* Names and conditions made of two others each, 22 deep: evaluated once each (cached), where
 * following every reference would take 2^22 steps (past the cap of 1,000,000). */
static void test_sam_intrinsics_cached(void **state)
{
    (void)state;
    enum { LEVELS = 22 };
    size_t cap = 16384;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "Conditions:\n");
    for (int i = 0; i < LEVELS; i++) {
        n += (size_t)snprintf(text + n, cap - n, "  C%d: !Or [!Condition C%d, !Condition C%d]\n", i,
                              i + 1, i + 1);
    }
    n += (size_t)snprintf(text + n, cap - n, "  C%d: !Equals [a, a]\nResources:\n", LEVELS);
    for (int i = 0; i < LEVELS; i++) {
        n += (size_t)snprintf(text + n, cap - n,
                              "  T%d: {Type: AWS::DynamoDB::Table, Properties: {TableName: "
                              "!Select [0, [!Ref T%d, !Ref T%d]]}}\n",
                              i, i + 1, i + 1);
    }
    n += (size_t)snprintf(text + n, cap - n,
                          "  T%d: {Type: AWS::DynamoDB::Table, Properties: {TableName: leaf}}\n"
                          "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                          "      CodeUri: api\n      Environment:\n        Variables:\n"
                          "          NAME: !Ref T0\n          COND: !If [C0, 'yes', 'no']\n",
                          LEVELS);
    assert_true(n < cap);
    struct sam_template t;
    parse_ok(text, &t);
    assert_string_equal(env_of(&t.fns[0], "NAME"), "leaf");
    assert_string_equal(env_of(&t.fns[0], "COND"), "yes");
    sam_fini(&t);
    free(text);
}

/* A chain of names each made from the next, deeper than the cap: refused, not followed down
 * the stack. */
static void test_sam_intrinsics_too_deep(void **state)
{
    (void)state;
    enum { LEVELS = 40 };
    size_t cap = 16384;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "Resources:\n");
    for (int i = 0; i < LEVELS; i++) {
        n += (size_t)snprintf(text + n, cap - n,
                              "  T%d: {Type: AWS::DynamoDB::Table, Properties: {TableName: "
                              "!Join ['', [!Ref T%d]]}}\n",
                              i, i + 1);
    }
    (void)snprintf(text + n, cap - n,
                   "  T%d: {Type: AWS::DynamoDB::Table}\n"
                   "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                   "      CodeUri: api\n      Environment:\n        Variables:\n"
                   "          NAME: !Ref T0\n",
                   LEVELS);
    expect_error(text, "nested too deep");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sam_intrinsics_values),
        cmocka_unit_test(test_sam_intrinsics_errors),
        cmocka_unit_test(test_sam_intrinsics_cached),
        cmocka_unit_test(test_sam_intrinsics_too_deep),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
