/* SPDX-License-Identifier: MIT */
/* libclambda_aws: calls to AWS services from a Lambda function, in C. An optional library
 * beside libclambda (link -lclambda_aws, pkg-config clambda-aws, CMake clambda::aws), so that
 * functions which do not call AWS stay libc-only. It gives:
 *   - credentials and region from the Lambda environment, SigV4 signing;
 *   - JSON-protocol calls (X-Amz-Target) with the SDKs' standard retry mode;
 *   - endpoints resolved as the SDKs do (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL);
 *   - HTTPS through a statically linked mbedTLS, one kept-alive connection per client;
 *   - a small DynamoDB helper (clambda_ddb_*) with typed AttributeValues.
 * Make one client at init and reuse it for every invocation: the connection, the parsed CA
 * bundle and the retry token bucket live in it.
 *
 * Errors are enum clambda_error values (<clambda/runtime.h>): CLAMBDA_EAWS and the codes after
 * it are this library's. Threading: a client, and everything obtained from it, belongs to one
 * thread at a time; there is no global state. */
#ifndef CLAMBDA_AWS_H
#define CLAMBDA_AWS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== The client ==== */

typedef struct clambda_aws_client clambda_aws_client; /* one per service endpoint */

/* Opens a client for one service from the environment: credentials from AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional), the region from AWS_REGION, else
 * AWS_DEFAULT_REGION, the endpoint from AWS_ENDPOINT_URL_<SERVICE> (service upper-cased, '-'
 * as '_'), else AWS_ENDPOINT_URL, else https://<service>.<region>.amazonaws.com (".com.cn" in
 * cn-* regions); both variables are ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
 * AWS_MAX_ATTEMPTS (1-10) overrides the 3 attempts. service is the signing name and endpoint
 * prefix, e.g. "dynamodb". For https endpoints the CA bundle is read here: SSL_CERT_FILE, else
 * /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux), else /etc/ssl/certs/ca-certificates.crt.
 * OUT: *out, free with clambda_aws_client_close(). Errors: CLAMBDA_ENOCREDS (no keys or no
 * region), CLAMBDA_EINVAL (bad service name or endpoint URL), CLAMBDA_ETLS (no readable CA
 * bundle), CLAMBDA_ENOMEM. Blocks only to read and parse the CA bundle (its cost grows with
 * the bundle: see docs/aws.md); does not connect. */
CLAMBDA_API int clambda_aws_client_open(const char *service, clambda_aws_client **out);

/* As clambda_aws_client_open() with explicit values; each NULL argument is taken from the
 * environment as above (session_token NULL: AWS_SESSION_TOKEN; "" means none). endpoint_url
 * is "http://host[:port][/]" or "https://host[:port][/]"; http endpoints use no TLS (DynamoDB
 * local, dynalite). */
CLAMBDA_API int clambda_aws_client_open_with(const char *service, const char *endpoint_url,
                                             const char *region, const char *access_key_id,
                                             const char *secret_access_key,
                                             const char *session_token, clambda_aws_client **out);

/* Closes the connection and frees the client. NULL is a no-op. */
CLAMBDA_API void clambda_aws_client_close(clambda_aws_client *c);

/* Connects now (TCP and, for https, the TLS handshake), so that the first call of the first
 * invocation does not pay for it: call it from the init step. A no-op when connected.
 * Errors: CLAMBDA_ECONNECT, CLAMBDA_ETLS, CLAMBDA_ETIMEDOUT, CLAMBDA_ENOMEM. Blocks. */
CLAMBDA_API int clambda_aws_client_connect(clambda_aws_client *c);

/* The resolved endpoint URL and the signing region. Borrowed, valid as the client. */
CLAMBDA_API const char *clambda_aws_client_endpoint(const clambda_aws_client *c);
CLAMBDA_API const char *clambda_aws_client_region(const clambda_aws_client *c);

/* Sets the most attempts per call (1-10; default 3 or AWS_MAX_ATTEMPTS) and the time allowed
 * for connecting and for each read (default 10000 ms). CLAMBDA_EINVAL out of range. */
CLAMBDA_API int clambda_aws_client_set_max_attempts(clambda_aws_client *c, int n);
CLAMBDA_API int clambda_aws_client_set_timeout_ms(clambda_aws_client *c, int ms);

/* Calls a JSON-protocol operation: POST / with X-Amz-Target: target (e.g.
 * "DynamoDB_20120810.GetItem") and Content-Type: application/x-amz-json-<json_version>
 * (json_version "1.0" or "1.1"), signed with SigV4. Retries as the SDKs' standard mode:
 * throttling error codes, 5xx statuses and transport errors, at most the client's attempts,
 * with full-jitter exponential backoff (base 25 ms, cap 20 s) and a retry token bucket (500
 * tokens, 5 per retry, 10 per timeout, given back on success). A kept-alive connection found
 * closed is replaced once without counting as an attempt. On success the response body is
 * clambda_aws_client_body(). Errors: CLAMBDA_EAWS (the service's error, see
 * clambda_aws_client_error_type()), CLAMBDA_ETHROTTLED, CLAMBDA_ECONNECT, CLAMBDA_EIO,
 * CLAMBDA_ETIMEDOUT, CLAMBDA_ETLS, CLAMBDA_EPROTO, CLAMBDA_ETOOBIG (response over 16 MB),
 * CLAMBDA_EINVAL, CLAMBDA_ENOMEM. Blocks (sleeps between attempts). */
CLAMBDA_API int clambda_aws_client_call_json(clambda_aws_client *c, const char *json_version,
                                             const char *target, const void *body, size_t len);

/* The last call's response body (the error body after CLAMBDA_EAWS); *len gets its size. It is
 * followed by a NUL byte. Borrowed, valid until the next call on c. Never NULL. */
CLAMBDA_API const uint8_t *clambda_aws_client_body(const clambda_aws_client *c, size_t *len);

/* The last call's HTTP status (0 when no answer arrived). */
CLAMBDA_API int clambda_aws_client_status(const clambda_aws_client *c);

/* The last call's error type, without the "namespace#" prefix (e.g.
 * "ConditionalCheckFailedException"), and message, "" when there was none. Borrowed, valid
 * until the next call on c. */
CLAMBDA_API const char *clambda_aws_client_error_type(const clambda_aws_client *c);
CLAMBDA_API const char *clambda_aws_client_error_message(const clambda_aws_client *c);

/* The last call's x-amzn-RequestId ("" when absent) and number of attempts made. */
CLAMBDA_API const char *clambda_aws_client_request_id(const clambda_aws_client *c);
CLAMBDA_API int clambda_aws_client_attempts(const clambda_aws_client *c);

/* ==== DynamoDB AttributeValues: writing ==== */

/* An attribute map being written (an Item, a Key, ExpressionAttributeValues). Values are
 * added in order; clambda_ddb_attrs_begin_m()/_begin_l() open a nested map or list that
 * clambda_ddb_attrs_end() closes. name is the attribute name (the placeholder, ":v", for
 * expression values) and must be NULL inside a list. The first error is kept: later calls
 * return it and do nothing, and a request given these attributes fails with it, so a caller
 * may check only at the end. Errors: CLAMBDA_EINVAL (a name where none belongs or the
 * reverse, a malformed number, end without begin, nesting over 32), CLAMBDA_ENOMEM. */
typedef struct clambda_ddb_attrs clambda_ddb_attrs;

/* OUT: *out, an empty map; free with clambda_ddb_attrs_free(). Errors: CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_ddb_attrs_new(clambda_ddb_attrs **out);
/* NULL is a no-op. */
CLAMBDA_API void clambda_ddb_attrs_free(clambda_ddb_attrs *a);
/* Empties a for reuse (also clears a kept error). */
CLAMBDA_API void clambda_ddb_attrs_reset(clambda_ddb_attrs *a);
/* S: a string (any bytes; invalid UTF-8 is replaced by U+FFFD). */
CLAMBDA_API int clambda_ddb_attrs_add_s(clambda_ddb_attrs *a, const char *name, const char *s);
/* N: a number given as text ("-12.5e3"), checked to be a decimal number. */
CLAMBDA_API int clambda_ddb_attrs_add_n(clambda_ddb_attrs *a, const char *name, const char *number);
/* N from an integer. */
CLAMBDA_API int clambda_ddb_attrs_add_int(clambda_ddb_attrs *a, const char *name, int64_t v);
/* B: bytes (sent base64-encoded). */
CLAMBDA_API int clambda_ddb_attrs_add_b(clambda_ddb_attrs *a, const char *name, const void *bytes,
                                        size_t len);
/* BOOL (v != 0) and NULL. */
CLAMBDA_API int clambda_ddb_attrs_add_bool(clambda_ddb_attrs *a, const char *name, int v);
CLAMBDA_API int clambda_ddb_attrs_add_null(clambda_ddb_attrs *a, const char *name);
/* SS and NS from n strings (n >= 1: DynamoDB refuses empty sets; NS items are checked). */
CLAMBDA_API int clambda_ddb_attrs_add_ss(clambda_ddb_attrs *a, const char *name,
                                         const char *const *items, size_t n);
CLAMBDA_API int clambda_ddb_attrs_add_ns(clambda_ddb_attrs *a, const char *name,
                                         const char *const *items, size_t n);
/* M and L: opens a nested map or list, closed by clambda_ddb_attrs_end(). */
CLAMBDA_API int clambda_ddb_attrs_begin_m(clambda_ddb_attrs *a, const char *name);
CLAMBDA_API int clambda_ddb_attrs_begin_l(clambda_ddb_attrs *a, const char *name);
CLAMBDA_API int clambda_ddb_attrs_end(clambda_ddb_attrs *a);
/* The map as JSON text ({"name":{"S":"v"}}), for other services or logs; NULL while a nested
 * value is open or after an error. Borrowed, valid until a is changed or freed. */
CLAMBDA_API const char *clambda_ddb_attrs_json(const clambda_ddb_attrs *a, size_t *len);

/* ==== DynamoDB AttributeValues: reading ==== */

/* AttributeValue types. */
enum clambda_ddb_type {
    CLAMBDA_DDB_NONE = 0, /* no value (NULL pointer given) */
    CLAMBDA_DDB_S = 1,
    CLAMBDA_DDB_N = 2,
    CLAMBDA_DDB_B = 3,
    CLAMBDA_DDB_BOOL = 4,
    CLAMBDA_DDB_NULL = 5,
    CLAMBDA_DDB_M = 6,
    CLAMBDA_DDB_L = 7,
    CLAMBDA_DDB_SS = 8,
    CLAMBDA_DDB_NS = 9,
    CLAMBDA_DDB_BS = 10,
};

/* One value inside a clambda_ddb_result, borrowed: valid until the result is freed. Every
 * accessor accepts NULL (and answers "none"), so lookups can be chained. */
typedef struct clambda_ddb_value clambda_ddb_value;

/* A parsed, checked answer: an item (GetItem), the returned attributes (UpdateItem with
 * ReturnValues), a page of items (Query), or a bare attribute map. Owns all its values. */
typedef struct clambda_ddb_result clambda_ddb_result;

/* Parses a bare attribute map ({"id":{"S":"1"}}), e.g. a DynamoDB stream record's NewImage
 * text. len bytes of json are copied. OUT: *out, free with clambda_ddb_result_free(); its
 * clambda_ddb_result_item() is the map. Errors: CLAMBDA_EPROTO (not JSON, not AttributeValues:
 * unknown type, bad number or base64, nesting over 32), CLAMBDA_ETOOBIG, CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_ddb_result_parse(const char *json, size_t len, clambda_ddb_result **out);
/* NULL is a no-op. */
CLAMBDA_API void clambda_ddb_result_free(clambda_ddb_result *r);
/* The item (an M value): GetItem's Item, UpdateItem's Attributes, a parsed map. NULL when
 * there is none (GetItem found nothing). */
CLAMBDA_API const clambda_ddb_value *clambda_ddb_result_item(const clambda_ddb_result *r);
/* Query, Scan: number of items in this page and the i-th one (NULL out of range). */
CLAMBDA_API size_t clambda_ddb_result_count(const clambda_ddb_result *r);
CLAMBDA_API const clambda_ddb_value *clambda_ddb_result_item_at(const clambda_ddb_result *r,
                                                                size_t i);
/* Query, Scan: LastEvaluatedKey (an M value), NULL on the last page. */
CLAMBDA_API const clambda_ddb_value *clambda_ddb_result_last_key(const clambda_ddb_result *r);

/* The value's type (CLAMBDA_DDB_NONE for NULL). */
CLAMBDA_API enum clambda_ddb_type clambda_ddb_value_type(const clambda_ddb_value *v);
/* M: the member called name, or NULL. */
CLAMBDA_API const clambda_ddb_value *clambda_ddb_value_get(const clambda_ddb_value *v,
                                                           const char *name);
/* M, L, SS, NS, BS: number of members or elements; 0 otherwise. */
CLAMBDA_API size_t clambda_ddb_value_count(const clambda_ddb_value *v);
/* M, L, SS, NS, BS: the i-th member's value or element (a set's elements read as S, N or B
 * values), NULL out of range. */
CLAMBDA_API const clambda_ddb_value *clambda_ddb_value_at(const clambda_ddb_value *v, size_t i);
/* M: the i-th member's name, NULL out of range. */
CLAMBDA_API const char *clambda_ddb_value_name_at(const clambda_ddb_value *v, size_t i);
/* S: the string; N: the number's text; B: the decoded bytes. NUL-terminated; *len (optional)
 * gets the length. NULL for other types. */
CLAMBDA_API const char *clambda_ddb_value_str(const clambda_ddb_value *v, size_t *len);
/* N: the number as an integer. CLAMBDA_EINVAL when v is not an N holding an integer that fits
 * (a fraction, an exponent, out of range). */
CLAMBDA_API int clambda_ddb_value_int64(const clambda_ddb_value *v, int64_t *out);
/* BOOL: 1 or 0; -1 for other types. */
CLAMBDA_API int clambda_ddb_value_bool(const clambda_ddb_value *v);

/* ==== DynamoDB operations (JSON 1.0, DynamoDB_20120810) on a "dynamodb" client ====
 * Common parameters: table is the table name; names is a NULL-terminated array of pairs
 * {"#placeholder", "attribute name", ..., NULL} for ExpressionAttributeNames, or NULL;
 * values holds ExpressionAttributeValues (":v" names), or NULL. Errors: CLAMBDA_ECONDITION
 * (ConditionalCheckFailedException), the errors of clambda_aws_client_call_json(), the
 * attrs' kept error, CLAMBDA_EPROTO (an answer that is not DynamoDB's JSON). All block. */

/* GetItem of key. OUT: *out, the answer (free it), whose clambda_ddb_result_item() is NULL when
 * the item does not exist. consistent != 0 asks for a strongly consistent read. */
CLAMBDA_API int clambda_ddb_get_item(clambda_aws_client *c, const char *table,
                                     const clambda_ddb_attrs *key, int consistent,
                                     clambda_ddb_result **out);

/* PutItem of item, only if condition (a ConditionExpression, or NULL for none) holds. */
CLAMBDA_API int clambda_ddb_put_item(clambda_aws_client *c, const char *table,
                                     const clambda_ddb_attrs *item, const char *condition,
                                     const char *const *names, const clambda_ddb_attrs *values);

/* DeleteItem of key, only if condition (or NULL) holds. */
CLAMBDA_API int clambda_ddb_delete_item(clambda_aws_client *c, const char *table,
                                        const clambda_ddb_attrs *key, const char *condition,
                                        const char *const *names, const clambda_ddb_attrs *values);

/* UpdateItem of key with update (an UpdateExpression), only if condition (or NULL) holds.
 * out may be NULL (ReturnValues NONE); otherwise ReturnValues is ALL_NEW and *out gets the
 * answer, whose clambda_ddb_result_item() is the item's new attributes. */
CLAMBDA_API int clambda_ddb_update_item(clambda_aws_client *c, const char *table,
                                        const clambda_ddb_attrs *key, const char *update,
                                        const char *condition, const char *const *names,
                                        const clambda_ddb_attrs *values, clambda_ddb_result **out);

/* Query of one page: key_condition (KeyConditionExpression), filter (FilterExpression or
 * NULL), on index (IndexName or NULL), at most limit items (0: no Limit), starting after
 * start_key (a previous page's clambda_ddb_result_last_key(), or NULL), newest first when
 * descending != 0. OUT: *out, the page (free it). */
CLAMBDA_API int clambda_ddb_query(clambda_aws_client *c, const char *table, const char *index,
                                  const char *key_condition, const char *filter,
                                  const char *const *names, const clambda_ddb_attrs *values,
                                  int limit, const clambda_ddb_value *start_key, int descending,
                                  clambda_ddb_result **out);

/* Scan of one page: every item of the table (or of index, or NULL), those matching filter (a
 * FilterExpression, or NULL) kept, at most limit items read (0: no Limit; DynamoDB applies
 * Limit before the filter), starting after start_key (a previous page's
 * clambda_ddb_result_last_key(), or NULL). Items come in no particular order. OUT: *out, the
 * page (free it), read as a Query page. */
CLAMBDA_API int clambda_ddb_scan(clambda_aws_client *c, const char *table, const char *index,
                                 const char *filter, const char *const *names,
                                 const clambda_ddb_attrs *values, int limit,
                                 const clambda_ddb_value *start_key, clambda_ddb_result **out);

#ifdef __cplusplus
}
#endif

#endif /* CLAMBDA_AWS_H */
