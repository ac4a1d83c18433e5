/* SPDX-License-Identifier: MIT */
/* libclambda HTTP helpers: one read-only request view over the four HTTP event shapes that
 * reach a Lambda function (API Gateway REST payload 1.0, HTTP API payload 2.0, Function URLs,
 * Application Load Balancer), and a response builder that writes back the JSON shape the
 * event's source expects, buffered or streamed (Function URL response streaming).
 * See docs/http.md for the per-source rules and AWS quirks.
 *
 * Threading: a request is immutable once parsed; its accessors may be called from several
 * threads at once. A response belongs to one thread at a time. No global state. */
#ifndef CLAMBDA_HTTP_H
#define CLAMBDA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clambda_http_request clambda_http_request;   /* parsed event, owned by caller */
typedef struct clambda_http_response clambda_http_response; /* response being built */

/* Where an HTTP event came from; it decides the response shape. */
enum clambda_http_source {
    CLAMBDA_HTTP_UNKNOWN = 0,      /* not an HTTP event */
    CLAMBDA_HTTP_APIGW_V1 = 1,     /* API Gateway REST API (or HTTP API), payload format 1.0 */
    CLAMBDA_HTTP_APIGW_V2 = 2,     /* API Gateway HTTP API, payload format 2.0 */
    CLAMBDA_HTTP_FUNCTION_URL = 3, /* Lambda Function URL (2.0 shape, *.lambda-url.* domain) */
    CLAMBDA_HTTP_ALB = 4,          /* Application Load Balancer target, single or multi mode */
};

/* Frees memory the library allocated for the caller (clambda_http_response_serialize()'s
 * output). NULL is a no-op. */
CLAMBDA_API void clambda_free(void *p);

/* ---- Requests ---- */

/* Parses an event payload (len bytes of JSON, not necessarily NUL-terminated) into a request.
 * The request copies what it needs: payload may be freed afterwards. Does not block.
 * OUT: *out (NULL on error), free with clambda_http_request_free().
 * Errors: CLAMBDA_EINVAL (NULL argument, payload is not JSON, or an HTTP event with fields of
 * the wrong type or a body that is not valid base64), CLAMBDA_ENOTHTTP (valid JSON that is
 * not an HTTP event: SQS, S3, WebSocket, ...), CLAMBDA_ETOOBIG (over the library's caps:
 * 65536 JSON tokens, 16 MiB body), CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_http_request_parse(const uint8_t *payload, size_t len,
                                           clambda_http_request **out);

/* clambda_http_request_parse() on inv's payload. Same OUT, ownership and errors; the request
 * stays valid after inv is gone. */
CLAMBDA_API int clambda_http_request_from(const clambda_invocation *inv,
                                          clambda_http_request **out);

/* Frees a request and every string obtained from it. NULL is a no-op. */
CLAMBDA_API void clambda_http_request_free(clambda_http_request *req);

/* All accessors below take a request that may be NULL (then they return NULL / 0 / false /
 * CLAMBDA_HTTP_UNKNOWN). Returned strings are borrowed, NUL-terminated and valid until
 * clambda_http_request_free(req). Name lookups are exact for query parameters, path
 * parameters and cookies, and ASCII case-insensitive for headers. Percent-decoding never
 * produces a NUL byte: "%00" is kept as is. */

/* The event's source (enum clambda_http_source). */
CLAMBDA_API int clambda_http_request_source(const clambda_http_request *req);

/* The HTTP method as sent ("GET", "POST", ...). */
CLAMBDA_API const char *clambda_http_request_method(const clambda_http_request *req);

/* The path as delivered: v2/Function URL rawPath (percent-encoded, with the stage prefix on a
 * named stage), v1/ALB `path`. */
CLAMBDA_API const char *clambda_http_request_raw_path(const clambda_http_request *req);

/* The raw path, percent-decoded ("+" stays "+"). */
CLAMBDA_API const char *clambda_http_request_path(const clambda_http_request *req);

/* The query string without "?" ("" when none): v2 rawQueryString byte for byte; v1 and ALB
 * have none, so it is rebuilt from the parameters (percent-encoded, "&"-joined). */
CLAMBDA_API const char *clambda_http_request_raw_query(const clambda_http_request *req);

/* The value of query parameter name (decoded), or NULL when absent. A repeated key gives its
 * LAST value on every source (what AWS's own single-value maps hold for v1 and ALB); v2
 * values come from re-parsing rawQueryString, so repeated keys are never comma-joined. */
CLAMBDA_API const char *clambda_http_request_query(const clambda_http_request *req,
                                                   const char *name);

/* Number of values of query parameter name (0 when absent). */
CLAMBDA_API size_t clambda_http_request_query_count(const clambda_http_request *req,
                                                    const char *name);

/* The i-th value (from 0, in order of arrival) of query parameter name, or NULL. */
CLAMBDA_API const char *clambda_http_request_query_nth(const clambda_http_request *req,
                                                       const char *name, size_t i);

/* Number of (name, value) query pairs; a repeated key counts once per value. */
CLAMBDA_API size_t clambda_http_request_n_queries(const clambda_http_request *req);

/* The i-th query pair: returns its decoded name and sets *value (OUT, may be NULL) to its
 * decoded value. NULL (and *value NULL) when i >= clambda_http_request_n_queries(). */
CLAMBDA_API const char *clambda_http_request_query_at(const clambda_http_request *req, size_t i,
                                                      const char **value);

/* The first value of header name (case-insensitive), or NULL. v2/Function URL events carry
 * repeated headers as one comma-joined value (AWS joins them); v1 and ALB multi-value mode
 * carry each value separately. */
CLAMBDA_API const char *clambda_http_request_header(const clambda_http_request *req,
                                                    const char *name);

/* Number of values of header name (0 when absent). */
CLAMBDA_API size_t clambda_http_request_header_count(const clambda_http_request *req,
                                                     const char *name);

/* The i-th value (from 0) of header name, or NULL. */
CLAMBDA_API const char *clambda_http_request_header_nth(const clambda_http_request *req,
                                                        const char *name, size_t i);

/* Number of (name, value) header pairs; a repeated header counts once per value. */
CLAMBDA_API size_t clambda_http_request_n_headers(const clambda_http_request *req);

/* The i-th header pair: returns its name (casing as delivered) and sets *value (OUT, may be
 * NULL). NULL (and *value NULL) when out of range. */
CLAMBDA_API const char *clambda_http_request_header_at(const clambda_http_request *req, size_t i,
                                                       const char **value);

/* The value of the first cookie called name, or NULL. Cookies come from the v2 `cookies`
 * array, else from the Cookie header(s) split on ";". Double quotes around a value are
 * removed. */
CLAMBDA_API const char *clambda_http_request_cookie(const clambda_http_request *req,
                                                    const char *name);

/* Number of cookies the client sent. */
CLAMBDA_API size_t clambda_http_request_n_cookies(const clambda_http_request *req);

/* The i-th cookie as sent ("name=value", trimmed), or NULL when out of range. */
CLAMBDA_API const char *clambda_http_request_cookie_at(const clambda_http_request *req, size_t i);

/* The value of path parameter name (v1/v2 pathParameters, e.g. "proxy"), or NULL. */
CLAMBDA_API const char *clambda_http_request_path_param(const clambda_http_request *req,
                                                        const char *name);

/* requestContext.stage ("prod", "$default"), or NULL (ALB). */
CLAMBDA_API const char *clambda_http_request_stage(const clambda_http_request *req);

/* The client address: v1 requestContext.identity.sourceIp, v2 requestContext.http.sourceIp,
 * ALB the first hop of X-Forwarded-For (also the fallback when the context has none). NULL
 * when unknown. */
CLAMBDA_API const char *clambda_http_request_source_ip(const clambda_http_request *req);

/* The gateway's request id (requestContext.requestId), or NULL (ALB sends none). This is not
 * the Lambda request id (clambda_invocation_request_id()). */
CLAMBDA_API const char *clambda_http_request_id(const clambda_http_request *req);

/* The event's requestContext object as JSON text on one line (the blanks between its tokens
 * removed), for what the view does not expose: authorizer claims, identity, domain, ... NULL
 * when the event has none (a hand-written event). *len (OUT, may be NULL) gets its length. */
CLAMBDA_API const char *clambda_http_request_context(const clambda_http_request *req, size_t *len);

/* The request body, base64-decoded when the event had isBase64Encoded; never NULL (an absent
 * body reads as ""). *len (OUT, may be NULL) gets its size. A NUL follows the last byte, but
 * the body may contain NULs: use *len. */
CLAMBDA_API const uint8_t *clambda_http_request_body(const clambda_http_request *req, size_t *len);

/* True when the event carried the body base64-encoded (isBase64Encoded). */
CLAMBDA_API bool clambda_http_request_is_base64(const clambda_http_request *req);

/* ---- Responses ---- */

/* Creates an empty response: status 200, no headers, no cookies, empty body.
 * OUT: *out (NULL on error), free with clambda_http_response_free().
 * Errors: CLAMBDA_EINVAL (out NULL), CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_http_response_new(clambda_http_response **out);

/* Frees a response. NULL is a no-op. */
CLAMBDA_API void clambda_http_response_free(clambda_http_response *resp);

/* Empties resp for reuse: status 200, no headers, cookies or body, not forced binary. Its
 * memory is kept, so a response reused across invocations stops allocating once it has grown
 * to their size (clambda_http_respond() keeps its serialised document in resp too).
 * Errors: CLAMBDA_EINVAL (resp NULL). */
CLAMBDA_API int clambda_http_response_reset(clambda_http_response *resp);

/* Sets the status code (100..599). Errors: CLAMBDA_EINVAL. */
CLAMBDA_API int clambda_http_response_set_status(clambda_http_response *resp, int status);

/* Adds one header value (copied); adding a name again adds a value (names compare
 * case-insensitively, the first spelling is kept). "Set-Cookie" is the same as
 * clambda_http_response_add_cookie(). Errors: CLAMBDA_EINVAL (NULL, a name that is not an
 * HTTP token, a value with control bytes such as CR/LF), CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_http_response_add_header(clambda_http_response *resp, const char *name,
                                                 const char *value);

/* As clambda_http_response_add_header() after removing every value of name. */
CLAMBDA_API int clambda_http_response_set_header(clambda_http_response *resp, const char *name,
                                                 const char *value);

/* Adds a cookie: a whole Set-Cookie value such as "id=42; Path=/; HttpOnly" (copied).
 * Errors: CLAMBDA_EINVAL (NULL, empty, control bytes), CLAMBDA_ENOMEM. */
CLAMBDA_API int clambda_http_response_add_cookie(clambda_http_response *resp,
                                                 const char *set_cookie);

/* Sets the body to a copy of len bytes (any bytes; body may be NULL when len is 0).
 * Errors: CLAMBDA_EINVAL, CLAMBDA_ETOOBIG (over 16 MiB), CLAMBDA_ENOMEM (the body is then
 * unchanged). */
CLAMBDA_API int clambda_http_response_set_body(clambda_http_response *resp, const void *body,
                                               size_t len);

/* Forces the body to be sent base64-encoded (isBase64Encoded: true). Without it, the body
 * is base64-encoded anyway when it is not empty and either the Content-Type is not text
 * (text/..., application/json, application/javascript, application/xml, application/yaml,
 * ...+json, ...+xml, ...+yaml) or the bytes are not valid UTF-8. No Content-Type at all
 * counts as text. Errors: CLAMBDA_EINVAL (resp NULL). */
CLAMBDA_API int clambda_http_response_set_binary(clambda_http_response *resp, bool is_binary);

/* Writes resp as the JSON document that source (enum clambda_http_source, not UNKNOWN)
 * expects:
 *  - APIGW_V1: statusCode, headers (names with one value), multiValueHeaders (names with
 *    several values, and Set-Cookie), body, isBase64Encoded;
 *  - APIGW_V2 / FUNCTION_URL: statusCode, headers (several values comma-joined), cookies,
 *    body, isBase64Encoded;
 *  - ALB: statusCode, statusDescription ("200 OK"), headers (comma-joined; Set-Cookie: the
 *    last cookie only) and multiValueHeaders (everything), body, isBase64Encoded.
 * OUT: *out (a NUL follows the JSON) and *len; free *out with clambda_free().
 * Errors: CLAMBDA_EINVAL, CLAMBDA_ETOOBIG (over 16 MiB), CLAMBDA_ENOMEM. Does not block. */
CLAMBDA_API int clambda_http_response_serialize(const clambda_http_response *resp, int source,
                                                uint8_t **out, size_t *len);

/* Answers inv with resp in the shape req's source expects (see
 * clambda_http_response_serialize()), posted with Content-Type application/json through
 * clambda_runtime_respond(). resp and req stay the caller's. Blocks like
 * clambda_runtime_respond(). Errors: CLAMBDA_EINVAL (NULL argument, request of unknown
 * source), those of clambda_http_response_serialize() and clambda_runtime_respond(). */
CLAMBDA_API int clambda_http_respond(clambda_runtime *rt, clambda_invocation *inv,
                                     const clambda_http_request *req,
                                     const clambda_http_response *resp);

/* Starts a streamed HTTP response (Function URL / API Gateway response streaming): opens a
 * stream with content type application/vnd.awslambda.http-integration-response and writes,
 * as its first chunk, the prelude {"statusCode":...,"headers":{...},"cookies":[...]} from
 * head (headers comma-joined), 8 NUL bytes, then head's body if it has one. head may be NULL
 * (status 200, nothing else) and stays the caller's. Continue with clambda_stream_write()
 * and end with clambda_stream_finish() or clambda_stream_fail().
 * OUT: *out (NULL on error). Blocks until the first chunk is written.
 * Errors: CLAMBDA_EINVAL, CLAMBDA_ENOMEM, those of clambda_stream_open() and
 * clambda_stream_write() (the stream is then already closed). */
CLAMBDA_API int clambda_http_stream_open(clambda_runtime *rt, clambda_invocation *inv,
                                         const clambda_http_response *head, clambda_stream **out);

#ifdef __cplusplus
}
#endif

#endif /* CLAMBDA_HTTP_H */
