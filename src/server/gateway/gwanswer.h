/* SPDX-License-Identifier: MIT */
/* The response half of a Function URL (http-events.md §2.2, §3): the function's result turned
 * into an HTTP answer. A JSON object with statusCode is read as {statusCode, headers, cookies,
 * body, isBase64Encoded} (each cookie a Set-Cookie header); anything else is the body of a 200
 * application/json, unchanged (a JSON string keeps its quotes). A streamed response
 * (RESPONSE_STREAM) of content type application/vnd.awslambda.http-integration-response
 * starts with the same object without body as a prelude, then 8 NUL bytes, then the body. The
 * URL's Cors settings add Access-Control-* headers, the configured values winning over the
 * function's. Pure: unit tests drive it directly. */
#ifndef CLAMBDA_SERVER_GATEWAY_GWANSWER_H
#define CLAMBDA_SERVER_GATEWAY_GWANSWER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/httpd.h"

/* Content type of a streamed response that starts with a prelude. */
#define GWANSWER_PRELUDE_TYPE "application/vnd.awslambda.http-integration-response"
/* Longest prelude accepted (AWS: it must arrive within the first 16 KB). */
#define GWANSWER_PRELUDE_MAX ((size_t)16 * 1024)
/* Most headers one answer carries (the function's, its cookies and CORS). */
#define GWANSWER_MAX_HEADERS 128

/* An HTTP answer; names, values and body owned (gwanswer_fini). */
struct gwanswer {
    int status;
    struct httpd_header headers[GWANSWER_MAX_HEADERS];
    size_t n_headers;
    uint8_t *body; /* NULL when empty */
    size_t body_len;
};

/* Zeroes a (status 200, nothing else). */
void gwanswer_init(struct gwanswer *a);
/* Frees what a owns and zeroes it. NULL is a no-op. */
void gwanswer_fini(struct gwanswer *a);
/* Sets header name to value (copies; an existing header of that name, compared without case,
 * is replaced; Set-Cookie is always added). Headers past GWANSWER_MAX_HEADERS are dropped. */
void gwanswer_set_header(struct gwanswer *a, const char *name, const char *value);
/* Adds header name: value (copies) even when one of that name is there. */
void gwanswer_add_header(struct gwanswer *a, const char *name, const char *value);
/* The value of header name in a, or NULL (borrowed). */
const char *gwanswer_header(const struct gwanswer *a, const char *name);

/* Fills a (gwanswer_init'ed) from the function's buffered result out[0..len). 0, or -EBADMSG
 * when it is an object with statusCode but not a valid response (statusCode not an integer of
 * 100-599, headers not an object, cookies not an array, body base64 that does not decode):
 * AWS answers 502 then. */
int gwanswer_from_result(const uint8_t *out, size_t len, struct gwanswer *a);

/* Fills a (gwanswer_init'ed) from a payload format 1.0 result (API Gateway REST, or an HTTP
 * API at 1.0): {statusCode, headers, multiValueHeaders, body, isBase64Encoded}. 0, or -EBADMSG
 * when it is not such an object (no inference: API Gateway answers 502 / 500 then). */
int gwanswer_from_result_v1(const uint8_t *out, size_t len, struct gwanswer *a);

/* Looks for the end of a prelude in buf[0..len): OUT: *prelude_len (bytes before the 8 NULs).
 * Returns the offset where the body starts, -EAGAIN when the 8 NULs have not arrived yet, or
 * -E2BIG when len is past GWANSWER_PRELUDE_MAX without them. */
long gwanswer_prelude_end(const uint8_t *buf, size_t len, size_t *prelude_len);
/* Fills a (gwanswer_init'ed) with the status, headers and cookies of a prelude (no body).
 * 0 or -EBADMSG. */
int gwanswer_from_prelude(const uint8_t *prelude, size_t len, struct gwanswer *a);

/* What a request asks of CORS. */
struct gwanswer_cors_request {
    const char *origin;  /* the Origin header, NULL when none */
    const char *method;  /* Access-Control-Request-Method (preflight), else NULL */
    const char *headers; /* Access-Control-Request-Headers (preflight), else NULL */
    bool is_preflight;   /* OPTIONS with Origin and Access-Control-Request-Method */
};

/* True when cors (the URL config's Cors object, may be NULL) has any setting, so that the
 * gateway answers preflights itself. */
bool gwanswer_cors_enabled(const json_t *cors);
/* Adds the Access-Control-* headers cors prescribes for rq to a (replacing the function's):
 * Allow-Origin (the request's origin when AllowOrigins lists it, "*" when it lists "*"),
 * Allow-Credentials, Expose-Headers; for a preflight also Allow-Methods, Allow-Headers and
 * Max-Age. Nothing when the origin is not allowed. */
void gwanswer_cors(const json_t *cors, const struct gwanswer_cors_request *rq, struct gwanswer *a);

#endif /* CLAMBDA_SERVER_GATEWAY_GWANSWER_H */
