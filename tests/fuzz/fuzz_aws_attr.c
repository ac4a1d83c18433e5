/* SPDX-License-Identifier: MIT */
/* libFuzzer target for src/aws/ddb_result.c, the DynamoDB AttributeValue reader: the input is
 * read as a bare attribute map and as an operation's answer (Item, Items, LastEvaluatedKey).
 * Every accepted map is walked through the public accessors and written back; the written
 * text must read again and write back to the same bytes (the writer and reader agree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_int.h"
#include "cl_json.h"

static void walk(const clambda_ddb_value *v, int depth)
{
    size_t len = 0;
    (void)clambda_ddb_value_str(v, &len);
    int64_t n;
    (void)clambda_ddb_value_int64(v, &n);
    (void)clambda_ddb_value_bool(v);
    for (size_t i = 0; i < clambda_ddb_value_count(v) && depth < 64; i++) {
        const char *name = clambda_ddb_value_name_at(v, i);
        if (name != NULL && clambda_ddb_value_get(v, name) == NULL) {
            abort(); /* every member is found by its name */
        }
        walk(clambda_ddb_value_at(v, i), depth + 1);
    }
}

/* Writes the map's members as a bare map ({"a":{"S":"x"}}). */
static int write_map(struct cl_buf *out, const clambda_ddb_value *m)
{
    int rc = cl_buf_append_byte(out, '{');
    for (size_t i = 0; rc == 0 && i < clambda_ddb_value_count(m); i++) {
        rc = i > 0 ? cl_buf_append_byte(out, ',') : 0;
        rc = rc == 0 ? cl_json_write_cstr(out, clambda_ddb_value_name_at(m, i)) : rc;
        rc = rc == 0 ? cl_buf_append_byte(out, ':') : rc;
        rc = rc == 0 ? cl_ddb_value_write(out, clambda_ddb_value_at(m, i)) : rc;
    }
    return rc == 0 ? cl_buf_append_byte(out, '}') : rc;
}

static void round_trip(const clambda_ddb_value *m)
{
    struct cl_buf a, b;
    cl_buf_init(&a, 64 << 20);
    cl_buf_init(&b, 64 << 20);
    if (write_map(&a, m) == 0) {
        clambda_ddb_result *again = NULL;
        if (clambda_ddb_result_parse(cl_buf_str(&a), a.len, &again) != CLAMBDA_OK) {
            abort(); /* what we wrote must read */
        }
        if (write_map(&b, clambda_ddb_result_item(again)) != 0 || a.len != b.len ||
            memcmp(a.data, b.data, a.len) != 0) {
            abort();
        }
        clambda_ddb_result_free(again);
    }
    cl_buf_fini(&a);
    cl_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clambda_ddb_result *r = NULL;
    if (clambda_ddb_result_parse((const char *)data, size, &r) == CLAMBDA_OK) {
        walk(clambda_ddb_result_item(r), 0);
        round_trip(clambda_ddb_result_item(r));
        clambda_ddb_result_free(r);
    }
    static const char *const keys[] = {"Item", "Items", "LastEvaluatedKey", NULL};
    if (cl_ddb_result_from_response(data, size, keys, &r) == CLAMBDA_OK) {
        walk(clambda_ddb_result_item(r), 0);
        for (size_t i = 0; i < clambda_ddb_result_count(r); i++) {
            walk(clambda_ddb_result_item_at(r, i), 0);
        }
        walk(clambda_ddb_result_last_key(r), 0);
        clambda_ddb_result_free(r);
    }
    return 0;
}
