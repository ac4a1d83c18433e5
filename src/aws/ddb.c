/* SPDX-License-Identifier: MIT */
/* The DynamoDB operations of <clambda/aws.h>: each writes its request JSON into one buffer
 * from the caller's attrs (already JSON text) and expressions, calls DynamoDB_20120810.<Op>
 * over JSON 1.0 and reads the members it needs from the answer. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aws_int.h"
#include "cl_json.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define MAX_REQUEST   ((size_t)16 << 20)

/* ,"<key>":<json string>, when s is not NULL. */
static int member_str(struct cl_buf *b, const char *key, const char *s)
{
    if (s == NULL) {
        return 0;
    }
    int rc = cl_buf_printf(b, ",\"%s\":", key);
    return rc == 0 ? cl_json_write_cstr(b, s) : rc;
}

/* ,"<key>":<attrs JSON>; an empty map is left out when optional. An error the attrs kept
 * comes back as the matching -errno. */
static int member_attrs(struct cl_buf *b, const char *key, const clambda_ddb_attrs *a,
                        bool is_optional)
{
    if (a == NULL) {
        return is_optional ? 0 : -EINVAL;
    }
    const char *text;
    size_t len;
    int rc = cl_ddb_attrs_text(a, &text, &len);
    if (rc != 0) {
        return rc == CLAMBDA_ENOMEM ? -ENOMEM : rc == CLAMBDA_ETOOBIG ? -E2BIG : -EINVAL;
    }
    if (is_optional && len == 2) {
        return 0;
    }
    rc = cl_buf_printf(b, ",\"%s\":", key);
    return rc == 0 ? cl_buf_append(b, text, len) : rc;
}

/* ,"ExpressionAttributeNames":{"#a":"name",...} from {"#a","name",...,NULL}. */
static int member_names(struct cl_buf *b, const char *const *names)
{
    if (names == NULL || names[0] == NULL) {
        return 0;
    }
    int rc = cl_buf_append_str(b, ",\"ExpressionAttributeNames\":{");
    for (size_t i = 0; rc == 0 && names[i] != NULL; i += 2) {
        if (names[i + 1] == NULL) {
            return -EINVAL;
        }
        rc = i > 0 ? cl_buf_append_byte(b, ',') : 0;
        rc = rc == 0 ? cl_json_write_cstr(b, names[i]) : rc;
        rc = rc == 0 ? cl_buf_append_byte(b, ':') : rc;
        rc = rc == 0 ? cl_json_write_cstr(b, names[i + 1]) : rc;
    }
    return rc == 0 ? cl_buf_append_byte(b, '}') : rc;
}

/* ,"ExclusiveStartKey":{name: AttributeValue, ...} from a page's LastEvaluatedKey. */
static int member_start_key(struct cl_buf *b, const clambda_ddb_value *key)
{
    if (key == NULL) {
        return 0;
    }
    if (clambda_ddb_value_type(key) != CLAMBDA_DDB_M) {
        return -EINVAL;
    }
    int rc = cl_buf_append_str(b, ",\"ExclusiveStartKey\":{");
    for (size_t i = 0; rc == 0 && i < clambda_ddb_value_count(key); i++) {
        rc = i > 0 ? cl_buf_append_byte(b, ',') : 0;
        rc = rc == 0 ? cl_json_write_cstr(b, clambda_ddb_value_name_at(key, i)) : rc;
        rc = rc == 0 ? cl_buf_append_byte(b, ':') : rc;
        rc = rc == 0 ? cl_ddb_value_write(b, clambda_ddb_value_at(key, i)) : rc;
    }
    return rc == 0 ? cl_buf_append_byte(b, '}') : rc;
}

/* A request that could not be written: its -errno as a public code. (The builders below
 * return -errno only; public codes come from the call itself.) */
static int public_code(int rc)
{
    return rc == 0 ? CLAMBDA_OK
                   : (rc == -E2BIG    ? CLAMBDA_ETOOBIG
                      : rc == -ENOMEM ? CLAMBDA_ENOMEM
                                      : CLAMBDA_EINVAL);
}

/* Sends the request in b (whose opening brace and TableName are there already) and, when out
 * is not NULL, reads the answer's keys into *out. */
static int call(clambda_aws_client *c, const char *op, struct cl_buf *b, const char *const *keys,
                clambda_ddb_result **out)
{
    char target[64];
    (void)snprintf(target, sizeof(target), TARGET_PREFIX "%s", op);
    int rc = cl_buf_append_byte(b, '}');
    if (rc < 0) {
        cl_buf_fini(b);
        return public_code(rc);
    }
    rc = clambda_aws_client_call_json(c, "1.0", target, b->data, b->len);
    cl_buf_fini(b);
    if (rc == CLAMBDA_OK && out != NULL) {
        size_t len;
        const uint8_t *body = clambda_aws_client_body(c, &len);
        rc = cl_ddb_result_from_response(body, len, keys, out);
    }
    return rc;
}

/* Starts {"TableName":"<table>". */
static int start(struct cl_buf *b, clambda_aws_client *c, const char *table)
{
    cl_buf_init(b, MAX_REQUEST);
    if (c == NULL || table == NULL || *table == '\0') {
        return -EINVAL;
    }
    int rc = cl_buf_append_str(b, "{\"TableName\":");
    return rc == 0 ? cl_json_write_cstr(b, table) : rc;
}

/* The condition and its placeholders, shared by put, delete and update. */
static int conditions(struct cl_buf *b, const char *condition, const char *const *names,
                      const clambda_ddb_attrs *values)
{
    int rc = member_str(b, "ConditionExpression", condition);
    rc = rc == 0 ? member_names(b, names) : rc;
    return rc == 0 ? member_attrs(b, "ExpressionAttributeValues", values, true) : rc;
}

int clambda_ddb_get_item(clambda_aws_client *c, const char *table, const clambda_ddb_attrs *key,
                         int consistent, clambda_ddb_result **out)
{
    static const char *const keys[] = {"Item", NULL};
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 ? member_attrs(&b, "Key", key, false) : rc;
    if (rc == 0 && consistent) {
        rc = cl_buf_append_str(&b, ",\"ConsistentRead\":true");
    }
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "GetItem", &b, keys, out);
}

int clambda_ddb_put_item(clambda_aws_client *c, const char *table, const clambda_ddb_attrs *item,
                         const char *condition, const char *const *names,
                         const clambda_ddb_attrs *values)
{
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 ? member_attrs(&b, "Item", item, false) : rc;
    rc = rc == 0 ? conditions(&b, condition, names, values) : rc;
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "PutItem", &b, NULL, NULL);
}

int clambda_ddb_delete_item(clambda_aws_client *c, const char *table, const clambda_ddb_attrs *key,
                            const char *condition, const char *const *names,
                            const clambda_ddb_attrs *values)
{
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 ? member_attrs(&b, "Key", key, false) : rc;
    rc = rc == 0 ? conditions(&b, condition, names, values) : rc;
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "DeleteItem", &b, NULL, NULL);
}

int clambda_ddb_update_item(clambda_aws_client *c, const char *table, const clambda_ddb_attrs *key,
                            const char *update, const char *condition, const char *const *names,
                            const clambda_ddb_attrs *values, clambda_ddb_result **out)
{
    static const char *const keys[] = {"Attributes", NULL};
    if (out != NULL) {
        *out = NULL;
    }
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 && update == NULL ? -EINVAL : rc;
    rc = rc == 0 ? member_attrs(&b, "Key", key, false) : rc;
    rc = rc == 0 ? member_str(&b, "UpdateExpression", update) : rc;
    rc = rc == 0 ? conditions(&b, condition, names, values) : rc;
    if (rc == 0 && out != NULL) {
        rc = cl_buf_append_str(&b, ",\"ReturnValues\":\"ALL_NEW\"");
    }
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "UpdateItem", &b, keys, out);
}

int clambda_ddb_query(clambda_aws_client *c, const char *table, const char *index,
                      const char *key_condition, const char *filter, const char *const *names,
                      const clambda_ddb_attrs *values, int limit,
                      const clambda_ddb_value *start_key, int descending, clambda_ddb_result **out)
{
    static const char *const keys[] = {"Items", "LastEvaluatedKey", NULL};
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 && (key_condition == NULL || limit < 0) ? -EINVAL : rc;
    rc = rc == 0 ? member_str(&b, "IndexName", index) : rc;
    rc = rc == 0 ? member_str(&b, "KeyConditionExpression", key_condition) : rc;
    rc = rc == 0 ? member_str(&b, "FilterExpression", filter) : rc;
    rc = rc == 0 ? member_names(&b, names) : rc;
    rc = rc == 0 ? member_attrs(&b, "ExpressionAttributeValues", values, true) : rc;
    rc = rc == 0 && limit > 0 ? cl_buf_printf(&b, ",\"Limit\":%d", limit) : rc;
    rc = rc == 0 ? member_start_key(&b, start_key) : rc;
    rc = rc == 0 && descending ? cl_buf_append_str(&b, ",\"ScanIndexForward\":false") : rc;
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "Query", &b, keys, out);
}

int clambda_ddb_scan(clambda_aws_client *c, const char *table, const char *index,
                     const char *filter, const char *const *names, const clambda_ddb_attrs *values,
                     int limit, const clambda_ddb_value *start_key, clambda_ddb_result **out)
{
    static const char *const keys[] = {"Items", "LastEvaluatedKey", NULL};
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    struct cl_buf b;
    int rc = start(&b, c, table);
    rc = rc == 0 && limit < 0 ? -EINVAL : rc;
    rc = rc == 0 ? member_str(&b, "IndexName", index) : rc;
    rc = rc == 0 ? member_str(&b, "FilterExpression", filter) : rc;
    rc = rc == 0 ? member_names(&b, names) : rc;
    rc = rc == 0 ? member_attrs(&b, "ExpressionAttributeValues", values, true) : rc;
    rc = rc == 0 && limit > 0 ? cl_buf_printf(&b, ",\"Limit\":%d", limit) : rc;
    rc = rc == 0 ? member_start_key(&b, start_key) : rc;
    if (rc != 0) {
        cl_buf_fini(&b);
        return public_code(rc);
    }
    return call(c, "Scan", &b, keys, out);
}
