/* SPDX-License-Identifier: MIT */
/* examples/hello-ddb: a visit counter on DynamoDB with libclambda_aws. The client is made
 * once, in the init step (where it also connects, so the TLS handshake is paid before the
 * first event), and reused by every invocation. Each event adds 1 to the item
 * {"pk": "hello"} of the table named by TABLE_NAME (default "visits") and answers
 * {"visits": n}. Needs the table (partition key pk, a string) and dynamodb:UpdateItem. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <clambda/aws.h>
#include <clambda/runtime.h>

struct app {
    clambda_aws_client *ddb;
    const char *table;
};

static int init(clambda_runtime *rt, void *user)
{
    struct app *app = user;
    app->table = getenv("TABLE_NAME") != NULL ? getenv("TABLE_NAME") : "visits";
    int rc = clambda_aws_client_open("dynamodb", &app->ddb);
    if (rc == 0) {
        rc = clambda_aws_client_connect(app->ddb);
    }
    if (rc != 0) {
        clambda_log(rt, CLAMBDA_LOG_ERROR, "dynamodb client: %s", clambda_strerror(rc));
    }
    return rc;
}

static int count(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    struct app *app = user;
    static const char *const names[] = {"#n", "visits", NULL};
    clambda_ddb_attrs *key = NULL, *values = NULL;
    clambda_ddb_result *r = NULL;
    int rc = clambda_ddb_attrs_new(&key);
    rc = rc == 0 ? clambda_ddb_attrs_new(&values) : rc;
    rc = rc == 0 ? clambda_ddb_attrs_add_s(key, "pk", "hello") : rc;
    rc = rc == 0 ? clambda_ddb_attrs_add_int(values, ":one", 1) : rc;
    rc = rc == 0 ? clambda_ddb_update_item(app->ddb, app->table, key, "ADD #n :one", NULL, names,
                                           values, &r)
                 : rc;
    int64_t n = 0;
    if (rc == 0) {
        const clambda_ddb_value *item = clambda_ddb_result_item(r);
        rc = clambda_ddb_value_int64(clambda_ddb_value_get(item, "visits"), &n);
    }
    clambda_ddb_result_free(r);
    clambda_ddb_attrs_free(key);
    clambda_ddb_attrs_free(values);
    if (rc != 0) {
        const char *type = clambda_aws_client_error_type(app->ddb);
        return clambda_runtime_fail(rt, inv, *type ? type : "DynamoDBError",
                                    *type ? clambda_aws_client_error_message(app->ddb)
                                          : clambda_strerror(rc));
    }
    char body[64];
    int len = snprintf(body, sizeof(body), "{\"visits\":%" PRId64 "}", n);
    return clambda_runtime_respond(rt, inv, body, (size_t)len, "application/json");
}

int main(void)
{
    struct app app = {0};
    int rc = clambda_run_init(init, count, &app);
    clambda_aws_client_close(app.ddb);
    return rc == 0 ? 0 : 1;
}
