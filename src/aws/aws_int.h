/* SPDX-License-Identifier: MIT */
/* Private to libclambda_aws: the client's fields, the hooks tests use for time and chance,
 * and the pieces the DynamoDB helper shares (writing values back as JSON, the response
 * reader). */
#ifndef CLAMBDA_AWS_AWS_INT_H
#define CLAMBDA_AWS_AWS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_aws_conn.h"
#include "cl_aws_endpoint.h"
#include "cl_aws_retry.h"
#include "cl_buf.h"
#include "cl_http1.h"
#include "clambda/aws.h"

/* Time and randomness, replaceable by tests. now_s: Unix seconds for X-Amz-Date; sleep_ms:
 * the backoff; random: a uniform 64-bit value for the jitter. */
struct cl_aws_hooks {
    int64_t (*now_s)(void *user);
    void (*sleep_ms)(void *user, int64_t ms);
    uint64_t (*random)(void *user);
    void *user;
};

struct clambda_aws_client {
    char service[65];
    char region[65];
    char url[512];
    struct cl_aws_endpoint ep;
    char *access_key_id, *secret_access_key, *session_token; /* token NULL when none */
    struct cl_aws_conn conn;
    struct cl_http1_resp resp;
    struct cl_buf head; /* the request head being sent */
    struct cl_buf authz;
    struct cl_aws_bucket bucket;
    struct cl_aws_hooks hooks;
    uint64_t rng; /* xorshift state of the default random hook */
    int max_attempts;
    /* the last call */
    int status, attempts;
    char error_type[128];
    char error_message[1024];
    char request_id[128];
};

/* Replaces the hooks (NULL restores the defaults). Tests only. */
void cl_aws_client_set_hooks(clambda_aws_client *c, const struct cl_aws_hooks *h);

/* Reads AWS's error shape from an answer: the x-amzn-ErrorType header, else the body's
 * __type (or code), keeping what follows '#' and stopping at ':'; message or Message. */
void cl_aws_parse_error(const struct cl_http1_resp *r, char *type, size_t type_cap, char *msg,
                        size_t msg_cap);

/* The response of a DynamoDB operation parsed into a result: only the members named by keys
 * are read (NULL-terminated, from "Item", "Attributes", "Items", "LastEvaluatedKey"). */
int cl_ddb_result_from_response(const uint8_t *json, size_t len, const char *const *keys,
                                clambda_ddb_result **out);

/* Appends v as AttributeValue JSON ({"S":"x"}, {"M":{...}}). */
int cl_ddb_value_write(struct cl_buf *out, const clambda_ddb_value *v);

/* The attrs' JSON text, or its kept error (or -EINVAL while a nested value is open). */
int cl_ddb_attrs_text(const clambda_ddb_attrs *a, const char **text, size_t *len);

/* True when s is a DynamoDB number: -?digits[.digits][(e|E)[+-]digits], digits on at least one
 * side of the point, at most 38 significant digits is left to the service. */
bool cl_ddb_is_number(const char *s, size_t len);

#endif /* CLAMBDA_AWS_AWS_INT_H */
