/* SPDX-License-Identifier: MIT */
/* Unit tests for the DynamoDB helper (src/aws/ddb_attrs.c, ddb_result.c, ddb.c): the JSON the
 * attrs writer makes for every type, its kept errors, the reader on every type and on
 * malformed AttributeValues, and each operation's exact request body, target and answer
 * through the fake endpoint of fake_aws.c. */
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aws_int.h"
#include "cl_alloc.h"
#include "fake_aws.h"

static void test_ddb_attrs_every_type(void **state)
{
    (void)state;
    clambda_ddb_attrs *a = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&a), CLAMBDA_OK);
    size_t len = 0;
    assert_string_equal(clambda_ddb_attrs_json(a, &len), "{}");
    assert_int_equal(len, 2);
    const char *ss[] = {"a", "b\"c"};
    const char *ns[] = {"1", "-2.5e3"};
    assert_int_equal(clambda_ddb_attrs_add_s(a, "pk", "user#1"), 0);
    assert_int_equal(clambda_ddb_attrs_add_n(a, "n", "-12.50"), 0);
    assert_int_equal(clambda_ddb_attrs_add_int(a, "i", INT64_MIN), 0);
    assert_int_equal(clambda_ddb_attrs_add_b(a, "b", "\x00\xff", 2), 0);
    assert_int_equal(clambda_ddb_attrs_add_bool(a, "t", 7), 0);
    assert_int_equal(clambda_ddb_attrs_add_bool(a, "f", 0), 0);
    assert_int_equal(clambda_ddb_attrs_add_null(a, "z"), 0);
    assert_int_equal(clambda_ddb_attrs_add_ss(a, "ss", ss, 2), 0);
    assert_int_equal(clambda_ddb_attrs_add_ns(a, "ns", ns, 2), 0);
    assert_int_equal(clambda_ddb_attrs_begin_m(a, "m"), 0);
    assert_int_equal(clambda_ddb_attrs_add_s(a, "k\xc3\xa9", "v\n"), 0);
    assert_int_equal(clambda_ddb_attrs_begin_l(a, "l"), 0);
    assert_null(clambda_ddb_attrs_json(a, NULL)); /* still open */
    assert_int_equal(clambda_ddb_attrs_add_int(a, NULL, 1), 0);
    assert_int_equal(clambda_ddb_attrs_begin_m(a, NULL), 0);
    assert_int_equal(clambda_ddb_attrs_end(a), 0);
    assert_int_equal(clambda_ddb_attrs_begin_l(a, NULL), 0);
    assert_int_equal(clambda_ddb_attrs_end(a), 0);
    assert_int_equal(clambda_ddb_attrs_end(a), 0);
    assert_int_equal(clambda_ddb_attrs_end(a), 0);
    assert_int_equal(clambda_ddb_attrs_add_s(a, "last", ""), 0);
    assert_string_equal(
        clambda_ddb_attrs_json(a, NULL),
        "{\"pk\":{\"S\":\"user#1\"},\"n\":{\"N\":\"-12.50\"},"
        "\"i\":{\"N\":\"-9223372036854775808\"},\"b\":{\"B\":\"AP8=\"},\"t\":{\"BOOL\":true},"
        "\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},\"ss\":{\"SS\":[\"a\",\"b\\\"c\"]},"
        "\"ns\":{\"NS\":[\"1\",\"-2.5e3\"]},\"m\":{\"M\":{\"k\xc3\xa9\":{\"S\":\"v\\n\"},"
        "\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{}},{\"L\":[]}]}}},\"last\":{\"S\":\"\"}}");
    clambda_ddb_attrs_reset(a);
    assert_string_equal(clambda_ddb_attrs_json(a, NULL), "{}");
    clambda_ddb_attrs_free(a);
    clambda_ddb_attrs_free(NULL);
}

static void test_ddb_attrs_kept_errors(void **state)
{
    (void)state;
    clambda_ddb_attrs *a = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&a), CLAMBDA_OK);
    const char *bad_numbers[] = {"", "-", ".", "1e", "1.5.2", "0x10", "1 ", "NaN", "++1", NULL};
    for (size_t i = 0; bad_numbers[i] != NULL; i++) {
        clambda_ddb_attrs_reset(a);
        assert_int_equal(clambda_ddb_attrs_add_n(a, "n", bad_numbers[i]), CLAMBDA_EINVAL);
    }
    clambda_ddb_attrs_reset(a);
    assert_int_equal(clambda_ddb_attrs_add_n(a, "n", ".5"), 0);
    assert_int_equal(clambda_ddb_attrs_add_n(a, "n2", "5.E+3"), 0);
    /* a name where none belongs and the reverse */
    assert_int_equal(clambda_ddb_attrs_add_s(a, NULL, "x"), CLAMBDA_EINVAL);
    /* kept: later calls return it and change nothing */
    assert_int_equal(clambda_ddb_attrs_add_s(a, "ok", "x"), CLAMBDA_EINVAL);
    assert_null(clambda_ddb_attrs_json(a, NULL));
    clambda_ddb_attrs_reset(a);
    assert_int_equal(clambda_ddb_attrs_begin_l(a, "l"), 0);
    assert_int_equal(clambda_ddb_attrs_add_s(a, "named", "x"), CLAMBDA_EINVAL);
    clambda_ddb_attrs_reset(a);
    assert_int_equal(clambda_ddb_attrs_end(a), CLAMBDA_EINVAL);
    clambda_ddb_attrs_reset(a);
    assert_int_equal(clambda_ddb_attrs_add_ss(a, "e", NULL, 0), CLAMBDA_EINVAL);
    clambda_ddb_attrs_reset(a);
    const char *ns[] = {"1", "x"};
    assert_int_equal(clambda_ddb_attrs_add_ns(a, "ns", ns, 2), CLAMBDA_EINVAL);
    clambda_ddb_attrs_reset(a);
    assert_int_equal(clambda_ddb_attrs_add_s(a, "s", NULL), CLAMBDA_EINVAL);
    clambda_ddb_attrs_reset(a);
    int rc = 0;
    for (int i = 0; i < 33 && rc == 0; i++) {
        rc = clambda_ddb_attrs_begin_m(a, "m");
    }
    assert_int_equal(rc, CLAMBDA_EINVAL); /* nesting over 32 */
    assert_int_equal(clambda_ddb_attrs_add_s(NULL, "a", "b"), CLAMBDA_EINVAL);
    clambda_ddb_attrs_free(a);
}

static const char rich_item[] =
    "{\"pk\":{\"S\":\"user#1\"},\"n\":{\"N\":\"42\"},\"f\":{\"N\":\"-1.5e2\"},"
    "\"b\":{\"B\":\"AP8=\"},\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},"
    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":{\"BS\":[\"AQ==\"]},"
    "\"m\":{\"M\":{\"x\":{\"L\":[{\"S\":\"\\u00e9\\n\"},{\"BOOL\":false}]}}}}";

static void test_ddb_result_parse_every_type(void **state)
{
    (void)state;
    clambda_ddb_result *r = NULL;
    assert_int_equal(clambda_ddb_result_parse(rich_item, strlen(rich_item), &r), CLAMBDA_OK);
    const clambda_ddb_value *it = clambda_ddb_result_item(r);
    assert_int_equal(clambda_ddb_value_type(it), CLAMBDA_DDB_M);
    assert_int_equal(clambda_ddb_value_count(it), 10);
    assert_string_equal(clambda_ddb_value_name_at(it, 0), "pk");
    assert_string_equal(clambda_ddb_value_str(clambda_ddb_value_get(it, "pk"), NULL), "user#1");
    int64_t n = 0;
    assert_int_equal(clambda_ddb_value_int64(clambda_ddb_value_get(it, "n"), &n), 0);
    assert_int_equal(n, 42);
    assert_int_equal(clambda_ddb_value_int64(clambda_ddb_value_get(it, "f"), &n), CLAMBDA_EINVAL);
    assert_string_equal(clambda_ddb_value_str(clambda_ddb_value_get(it, "f"), NULL), "-1.5e2");
    size_t len = 0;
    const char *b = clambda_ddb_value_str(clambda_ddb_value_get(it, "b"), &len);
    assert_int_equal(len, 2);
    assert_memory_equal(b, "\x00\xff", 2);
    assert_int_equal(clambda_ddb_value_bool(clambda_ddb_value_get(it, "t")), 1);
    assert_int_equal(clambda_ddb_value_type(clambda_ddb_value_get(it, "z")), CLAMBDA_DDB_NULL);
    const clambda_ddb_value *ss = clambda_ddb_value_get(it, "ss");
    assert_int_equal(clambda_ddb_value_type(ss), CLAMBDA_DDB_SS);
    assert_int_equal(clambda_ddb_value_count(ss), 2);
    assert_int_equal(clambda_ddb_value_type(clambda_ddb_value_at(ss, 1)), CLAMBDA_DDB_S);
    assert_string_equal(clambda_ddb_value_str(clambda_ddb_value_at(ss, 1), NULL), "b");
    assert_null(clambda_ddb_value_at(ss, 2));
    const clambda_ddb_value *ns = clambda_ddb_value_get(it, "ns");
    assert_int_equal(clambda_ddb_value_int64(clambda_ddb_value_at(ns, 1), &n), 0);
    assert_int_equal(n, 2);
    const clambda_ddb_value *bs = clambda_ddb_value_at(clambda_ddb_value_get(it, "bs"), 0);
    assert_int_equal(clambda_ddb_value_type(bs), CLAMBDA_DDB_B);
    assert_int_equal(clambda_ddb_value_str(bs, &len)[0], 1);
    const clambda_ddb_value *x = clambda_ddb_value_get(clambda_ddb_value_get(it, "m"), "x");
    assert_int_equal(clambda_ddb_value_type(x), CLAMBDA_DDB_L);
    assert_string_equal(clambda_ddb_value_str(clambda_ddb_value_at(x, 0), NULL), "\xc3\xa9\n");
    assert_int_equal(clambda_ddb_value_bool(clambda_ddb_value_at(x, 1)), 0);
    /* absent values chain to NULL */
    assert_null(clambda_ddb_value_get(clambda_ddb_value_get(it, "nope"), "x"));
    assert_int_equal(clambda_ddb_value_type(NULL), CLAMBDA_DDB_NONE);
    assert_int_equal(clambda_ddb_value_bool(NULL), -1);
    assert_null(clambda_ddb_value_str(x, NULL));
    /* written back, the item is the same text */
    struct cl_buf out;
    cl_buf_init(&out, 1 << 16);
    assert_int_equal(cl_ddb_value_write(&out, it), 0);
    assert_string_equal(cl_buf_str(&out),
                        "{\"M\":{\"pk\":{\"S\":\"user#1\"},\"n\":{\"N\":\"42\"},\"f\":{\"N\":"
                        "\"-1.5e2\"},\"b\":{\"B\":\"AP8=\"},\"t\":{\"BOOL\":true},\"z\":{\"NULL\":"
                        "true},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":"
                        "{\"BS\":[\"AQ==\"]},\"m\":{\"M\":{\"x\":{\"L\":[{\"S\":\"\xc3\xa9\\n\"},"
                        "{\"BOOL\":false}]}}}}}");
    cl_buf_fini(&out);
    clambda_ddb_result_free(r);
}

static void test_ddb_result_parse_refusals(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "[]",
        "{\"a\":\"x\"}",
        "{\"a\":{}}",
        "{\"a\":{\"S\":\"x\",\"N\":\"1\"}}",
        "{\"a\":{\"Q\":\"x\"}}",
        "{\"a\":{\"S\":1}}",
        "{\"a\":{\"N\":\"1x\"}}",
        "{\"a\":{\"B\":\"!!\"}}",
        "{\"a\":{\"BOOL\":\"true\"}}",
        "{\"a\":{\"NULL\":false}}",
        "{\"a\":{\"M\":[]}}",
        "{\"a\":{\"L\":{}}}",
        "{\"a\":{\"SS\":[1]}}",
        "{\"a\":{\"NS\":[\"x\"]}}",
        "{\"a\":{\"BS\":[\"*\"]}}",
        "{\"a\":{\"L\":[{\"S\":\"x\"},\"y\"]}}",
        "{\"a\":{\"S\":\"\\ud800x\\q\"}}",
        NULL,
    };
    for (size_t i = 0; bad[i] != NULL; i++) {
        clambda_ddb_result *r = (clambda_ddb_result *)1;
        if (clambda_ddb_result_parse(bad[i], strlen(bad[i]), &r) != CLAMBDA_EPROTO || r != NULL) {
            print_error("accepted %s\n", bad[i]);
            fail();
        }
    }
    /* 33 levels of M nesting: over DynamoDB's 32 */
    struct cl_buf deep;
    cl_buf_init(&deep, 4096);
    assert_int_equal(cl_buf_append_str(&deep, "{\"a\":"), 0);
    for (int i = 0; i < 33; i++) {
        assert_int_equal(cl_buf_append_str(&deep, "{\"M\":{\"a\":"), 0);
    }
    assert_int_equal(cl_buf_append_str(&deep, "{\"S\":\"x\"}"), 0);
    for (int i = 0; i < 33; i++) {
        assert_int_equal(cl_buf_append_str(&deep, "}}"), 0);
    }
    assert_int_equal(cl_buf_append_str(&deep, "}"), 0);
    clambda_ddb_result *r = NULL;
    assert_int_equal(clambda_ddb_result_parse(cl_buf_str(&deep), deep.len, &r), CLAMBDA_EPROTO);
    cl_buf_fini(&deep);
    assert_int_equal(clambda_ddb_result_parse(NULL, 1, &r), CLAMBDA_EINVAL);
}

/* ---- operations through the fake endpoint ---- */

static clambda_aws_client *open_on(struct fake_aws *f, const struct fake_aws_answer *script,
                                   size_t n)
{
    f->script = script;
    f->n_script = n;
    assert_int_equal(fake_aws_start(f), 0);
    clambda_aws_client *c = NULL;
    assert_int_equal(
        clambda_aws_client_open_with("dynamodb", f->url, "us-east-1", "AKID", "SECRET", "", &c),
        CLAMBDA_OK);
    return c;
}

static void test_ddb_get_item(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{\"Item\":{\"pk\":{\"S\":\"user#1\"},\"visits\":{\"N\":\"3\"}}}", NULL, 0},
        {200, "{}", NULL, 0},
    };
    struct fake_aws f = {0};
    clambda_aws_client *c = open_on(&f, script, 2);
    clambda_ddb_attrs *key = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&key), 0);
    assert_int_equal(clambda_ddb_attrs_add_s(key, "pk", "user#1"), 0);
    clambda_ddb_result *r = NULL;
    assert_int_equal(clambda_ddb_get_item(c, "users", key, 1, &r), CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.GetItem");
    assert_string_equal(f.last_content_type, "application/x-amz-json-1.0");
    assert_string_equal(cl_buf_str(&f.last_body), "{\"TableName\":\"users\",\"Key\":{\"pk\":{\"S\":"
                                                  "\"user#1\"}},\"ConsistentRead\":true}");
    int64_t visits = 0;
    assert_int_equal(clambda_ddb_value_int64(
                         clambda_ddb_value_get(clambda_ddb_result_item(r), "visits"), &visits),
                     0);
    assert_int_equal(visits, 3);
    clambda_ddb_result_free(r);
    /* not found: OK with no item */
    assert_int_equal(clambda_ddb_get_item(c, "users", key, 0, &r), CLAMBDA_OK);
    assert_non_null(r);
    assert_null(clambda_ddb_result_item(r));
    clambda_ddb_result_free(r);
    assert_int_equal(clambda_ddb_get_item(c, "", key, 0, &r), CLAMBDA_EINVAL);
    assert_int_equal(clambda_ddb_get_item(c, "users", NULL, 0, &r), CLAMBDA_EINVAL);
    clambda_ddb_attrs_free(key);
    clambda_aws_client_close(c);
    fake_aws_stop(&f);
}

static void test_ddb_put_item_condition(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{}", NULL, 0},
        {400,
         "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
         "\"message\":\"The conditional request failed\"}",
         NULL, 0},
    };
    struct fake_aws f = {0};
    clambda_aws_client *c = open_on(&f, script, 2);
    clambda_ddb_attrs *item = NULL, *values = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&item), 0);
    assert_int_equal(clambda_ddb_attrs_new(&values), 0);
    (void)clambda_ddb_attrs_add_s(item, "pk", "user#1");
    (void)clambda_ddb_attrs_add_int(item, "version", 1);
    const char *names[] = {"#v", "version", NULL};
    assert_int_equal(
        clambda_ddb_put_item(c, "users", item, "attribute_not_exists(pk)", NULL, values),
        CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.PutItem");
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"users\",\"Item\":{\"pk\":{\"S\":\"user#1\"},"
                        "\"version\":{\"N\":\"1\"}},"
                        "\"ConditionExpression\":\"attribute_not_exists(pk)\"}");
    (void)clambda_ddb_attrs_add_int(values, ":v", 0);
    assert_int_equal(clambda_ddb_put_item(c, "users", item, "#v = :v", names, values),
                     CLAMBDA_ECONDITION);
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"users\",\"Item\":{\"pk\":{\"S\":\"user#1\"},"
                        "\"version\":{\"N\":\"1\"}},\"ConditionExpression\":\"#v = :v\","
                        "\"ExpressionAttributeNames\":{\"#v\":\"version\"},"
                        "\"ExpressionAttributeValues\":{\":v\":{\"N\":\"0\"}}}");
    assert_int_equal(clambda_aws_client_attempts(c), 1);
    assert_string_equal(clambda_aws_client_error_message(c), "The conditional request failed");
    /* a kept error of the attrs stops the request before the wire */
    (void)clambda_ddb_attrs_add_n(values, ":bad", "x");
    assert_int_equal(clambda_ddb_put_item(c, "users", item, "#v = :v", names, values),
                     CLAMBDA_EINVAL);
    const char *odd[] = {"#v", NULL};
    assert_int_equal(clambda_ddb_put_item(c, "users", item, NULL, odd, NULL), CLAMBDA_EINVAL);
    assert_int_equal(f.n_requests, 2);
    clambda_ddb_attrs_free(item);
    clambda_ddb_attrs_free(values);
    clambda_aws_client_close(c);
    fake_aws_stop(&f);
}

static void test_ddb_update_and_delete(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{\"Attributes\":{\"pk\":{\"S\":\"k\"},\"count\":{\"N\":\"8\"}}}", NULL, 0},
        {200, "{}", NULL, 0},
        {200, "{}", NULL, 0},
    };
    struct fake_aws f = {0};
    clambda_aws_client *c = open_on(&f, script, 3);
    clambda_ddb_attrs *key = NULL, *values = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&key), 0);
    assert_int_equal(clambda_ddb_attrs_new(&values), 0);
    (void)clambda_ddb_attrs_add_s(key, "pk", "k");
    (void)clambda_ddb_attrs_add_int(values, ":one", 1);
    (void)clambda_ddb_attrs_add_int(values, ":max", 10);
    const char *names[] = {"#c", "count", NULL};
    clambda_ddb_result *r = NULL;
    assert_int_equal(
        clambda_ddb_update_item(c, "t", key, "ADD #c :one", "#c < :max", names, values, &r),
        CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.UpdateItem");
    assert_string_equal(
        cl_buf_str(&f.last_body),
        "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"k\"}},"
        "\"UpdateExpression\":\"ADD #c :one\",\"ConditionExpression\":\"#c < :max\","
        "\"ExpressionAttributeNames\":{\"#c\":\"count\"},"
        "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":max\":{\"N\":"
        "\"10\"}},\"ReturnValues\":\"ALL_NEW\"}");
    int64_t count = 0;
    assert_int_equal(
        clambda_ddb_value_int64(clambda_ddb_value_get(clambda_ddb_result_item(r), "count"), &count),
        0);
    assert_int_equal(count, 8);
    clambda_ddb_result_free(r);
    assert_int_equal(clambda_ddb_update_item(c, "t", key, "REMOVE x", NULL, NULL, NULL, NULL),
                     CLAMBDA_OK);
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"k\"}},"
                        "\"UpdateExpression\":\"REMOVE x\"}");
    assert_int_equal(clambda_ddb_delete_item(c, "t", key, "attribute_exists(pk)", NULL, NULL),
                     CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.DeleteItem");
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"t\",\"Key\":{\"pk\":{\"S\":\"k\"}},"
                        "\"ConditionExpression\":\"attribute_exists(pk)\"}");
    assert_int_equal(clambda_ddb_update_item(c, "t", key, NULL, NULL, NULL, NULL, NULL),
                     CLAMBDA_EINVAL);
    clambda_ddb_attrs_free(key);
    clambda_ddb_attrs_free(values);
    clambda_aws_client_close(c);
    fake_aws_stop(&f);
}

static void test_ddb_query_pages(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200,
         "{\"Count\":2,\"ScannedCount\":2,\"Items\":[{\"pk\":{\"S\":\"u\"},\"sk\":{\"N\":\"2\"}},"
         "{\"pk\":{\"S\":\"u\"},\"sk\":{\"N\":\"1\"}}],"
         "\"LastEvaluatedKey\":{\"pk\":{\"S\":\"u\"},\"sk\":{\"N\":\"1\"}}}",
         NULL, 0},
        {200, "{\"Count\":0,\"ScannedCount\":0,\"Items\":[]}", NULL, 0},
        {200, "{\"Items\":[{\"pk\":{\"Q\":\"u\"}}]}", NULL, 0},
    };
    struct fake_aws f = {0};
    clambda_aws_client *c = open_on(&f, script, 3);
    clambda_ddb_attrs *values = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&values), 0);
    (void)clambda_ddb_attrs_add_s(values, ":pk", "u");
    clambda_ddb_result *page = NULL;
    assert_int_equal(clambda_ddb_query(c, "t", "by-date", "pk = :pk", "attribute_exists(sk)", NULL,
                                       values, 2, NULL, 1, &page),
                     CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.Query");
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"t\",\"IndexName\":\"by-date\","
                        "\"KeyConditionExpression\":\"pk = :pk\","
                        "\"FilterExpression\":\"attribute_exists(sk)\","
                        "\"ExpressionAttributeValues\":{\":pk\":{\"S\":\"u\"}},\"Limit\":2,"
                        "\"ScanIndexForward\":false}");
    assert_int_equal(clambda_ddb_result_count(page), 2);
    assert_string_equal(clambda_ddb_value_str(
                            clambda_ddb_value_get(clambda_ddb_result_item_at(page, 1), "sk"), NULL),
                        "1");
    assert_null(clambda_ddb_result_item_at(page, 2));
    const clambda_ddb_value *last = clambda_ddb_result_last_key(page);
    assert_non_null(last);
    clambda_ddb_result *next = NULL;
    assert_int_equal(
        clambda_ddb_query(c, "t", NULL, "pk = :pk", NULL, NULL, values, 0, last, 0, &next),
        CLAMBDA_OK);
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"t\",\"KeyConditionExpression\":\"pk = :pk\","
                        "\"ExpressionAttributeValues\":{\":pk\":{\"S\":\"u\"}},"
                        "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"u\"},\"sk\":{\"N\":\"1\"}}}");
    assert_int_equal(clambda_ddb_result_count(next), 0);
    assert_null(clambda_ddb_result_last_key(next));
    clambda_ddb_result_free(next);
    clambda_ddb_result_free(page);
    /* an answer that is not AttributeValues */
    assert_int_equal(
        clambda_ddb_query(c, "t", NULL, "pk = :pk", NULL, NULL, values, 0, NULL, 0, &page),
        CLAMBDA_EPROTO);
    assert_null(page);
    clambda_ddb_attrs_free(values);
    clambda_aws_client_close(c);
    fake_aws_stop(&f);
}

static void test_ddb_scan_pages(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200,
         "{\"Count\":1,\"ScannedCount\":1,\"Items\":[{\"id\":{\"S\":\"a\"}}],"
         "\"LastEvaluatedKey\":{\"id\":{\"S\":\"a\"}}}",
         NULL, 0},
        {200, "{\"Count\":0,\"ScannedCount\":0,\"Items\":[]}", NULL, 0},
    };
    struct fake_aws f = {0};
    clambda_aws_client *c = open_on(&f, script, 2);
    clambda_ddb_attrs *values = NULL;
    assert_int_equal(clambda_ddb_attrs_new(&values), 0);
    (void)clambda_ddb_attrs_add_int(values, ":min", 3);
    static const char *const names[] = {"#n", "n", NULL};
    clambda_ddb_result *page = NULL;
    assert_int_equal(clambda_ddb_scan(c, "t", NULL, "#n >= :min", names, values, 1, NULL, &page),
                     CLAMBDA_OK);
    assert_string_equal(f.last_target, "DynamoDB_20120810.Scan");
    assert_string_equal(cl_buf_str(&f.last_body),
                        "{\"TableName\":\"t\",\"FilterExpression\":\"#n >= :min\","
                        "\"ExpressionAttributeNames\":{\"#n\":\"n\"},"
                        "\"ExpressionAttributeValues\":{\":min\":{\"N\":\"3\"}},\"Limit\":1}");
    assert_int_equal(clambda_ddb_result_count(page), 1);
    const clambda_ddb_value *last = clambda_ddb_result_last_key(page);
    assert_non_null(last);
    clambda_ddb_result *next = NULL;
    assert_int_equal(clambda_ddb_scan(c, "t", "ix", NULL, NULL, NULL, 0, last, &next), CLAMBDA_OK);
    assert_string_equal(cl_buf_str(&f.last_body), "{\"TableName\":\"t\",\"IndexName\":\"ix\","
                                                  "\"ExclusiveStartKey\":{\"id\":{\"S\":\"a\"}}}");
    assert_int_equal(clambda_ddb_result_count(next), 0);
    assert_null(clambda_ddb_result_last_key(next));
    clambda_ddb_result_free(next);
    clambda_ddb_result_free(page);
    assert_int_equal(clambda_ddb_scan(c, "t", NULL, NULL, NULL, NULL, -1, NULL, &page),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_ddb_scan(c, "t", NULL, NULL, NULL, NULL, 0, NULL, NULL),
                     CLAMBDA_EINVAL);
    clambda_ddb_attrs_free(values);
    clambda_aws_client_close(c);
    fake_aws_stop(&f);
}

/* Every allocation point of opening a client, writing a key, a GetItem and reading its
 * answer fails in turn: CLAMBDA_ENOMEM each time, nothing leaked (LeakSanitizer in asan). */
static void test_ddb_oom(void **state)
{
    (void)state;
    static const struct fake_aws_answer script[] = {
        {200, "{\"Item\":{\"pk\":{\"S\":\"u\"},\"l\":{\"L\":[{\"N\":\"1\"}]}}}", NULL, 0},
    };
    struct fake_aws f = {.script = script, .n_script = 1};
    assert_int_equal(fake_aws_start(&f), 0);
    long n = 0;
    for (;; n++) {
        clambda_aws_client *c = NULL;
        clambda_ddb_attrs *key = NULL;
        clambda_ddb_result *r = NULL;
        cl_alloc_fail_after(n);
        int rc = clambda_aws_client_open_with("dynamodb", f.url, "us-east-1", "A", "S", "T", &c);
        rc = rc == 0 ? clambda_ddb_attrs_new(&key) : rc;
        rc = rc == 0 ? clambda_ddb_attrs_add_s(key, "pk", "u") : rc;
        rc = rc == 0 ? clambda_ddb_get_item(c, "t", key, 0, &r) : rc;
        cl_alloc_fail_after(-1);
        if (rc == 0) {
            const clambda_ddb_value *l = clambda_ddb_value_get(clambda_ddb_result_item(r), "l");
            assert_string_equal(clambda_ddb_value_str(clambda_ddb_value_at(l, 0), NULL), "1");
        }
        clambda_ddb_result_free(r);
        clambda_ddb_attrs_free(key);
        clambda_aws_client_close(c);
        if (rc == 0) {
            break;
        }
        assert_int_equal(rc, CLAMBDA_ENOMEM);
        assert_true(n < 1000);
    }
    assert_true(n > 5); /* the loop did walk allocation points */
    fake_aws_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ddb_attrs_every_type),
        cmocka_unit_test(test_ddb_attrs_kept_errors),
        cmocka_unit_test(test_ddb_result_parse_every_type),
        cmocka_unit_test(test_ddb_result_parse_refusals),
        cmocka_unit_test(test_ddb_get_item),
        cmocka_unit_test(test_ddb_put_item_condition),
        cmocka_unit_test(test_ddb_update_and_delete),
        cmocka_unit_test(test_ddb_query_pages),
        cmocka_unit_test(test_ddb_scan_pages),
        cmocka_unit_test(test_ddb_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
