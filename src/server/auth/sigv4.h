/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4 verification (header-based, AWS4-HMAC-SHA256) for the public API.
 * Rebuilds the canonical request the way botocore signs a non-S3 service (the request path is
 * normalised and percent-encoded once more, so "%3A" is signed as "%253A"; query parameters are
 * decoded, re-encoded and sorted; signed headers are trimmed, whitespace-collapsed and joined
 * with ','), derives the signing key from the caller's secret and compares the signature in
 * constant time. Failures come back as AWS's error type, HTTP status and message (403
 * InvalidSignatureException, UnrecognizedClientException, IncompleteSignatureException,
 * MissingAuthenticationTokenException). Pure apart from libcrypto: no I/O, no clock (the caller
 * passes "now"), so unit and fuzz tests drive it directly. See docs/api.md "Authentication". */
#ifndef CLAMBDA_SERVER_SIGV4_H
#define CLAMBDA_SERVER_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cl_buf.h"

/* Skew AWS Lambda allows between X-Amz-Date and its clock ("Signature expired: ... (... - 5
 * min.)" in Lambda's own errors; STS and others allow 15 minutes). */
#define SIGV4_LAMBDA_MAX_SKEW_S 300
/* Longest access key id accepted (AWS: 16-128 characters). */
#define SIGV4_KEY_MAX 128

/* One request header (as received; names compared case-insensitively). */
struct sigv4_header {
    const char *name;
    const char *value;
};

/* The request to verify; everything borrowed. */
struct sigv4_request {
    const char *method; /* "GET" */
    const char *target; /* raw request target: path[?query], not decoded */
    const struct sigv4_header *headers;
    size_t n_headers;
    const uint8_t *body; /* may be NULL when body_len is 0 */
    size_t body_len;
};

/* The Authorization header taken apart. */
struct sigv4_auth {
    char access_key[SIGV4_KEY_MAX + 1];
    char date[9]; /* scope date YYYYMMDD */
    char region[64];
    char service[64];
    char terminator[32];      /* "aws4_request" */
    char signed_headers[512]; /* "host;x-amz-date" as sent */
    char signature[65];       /* 64 lowercase hex digits */
};

/* What the verifier expects of the credential scope and the clock. */
struct sigv4_expect {
    const char *region;  /* e.g. "us-east-1" */
    const char *service; /* "lambda" */
    time_t now;
    int max_skew_s; /* SIGV4_LAMBDA_MAX_SKEW_S */
};

/* Looks up the secret of access_key; NULL when the key is unknown. */
typedef const char *sigv4_secret_fn(const void *user, const char *access_key);

/* Why a request was refused, in AWS's words. */
struct sigv4_verdict {
    int status;       /* 403 */
    const char *type; /* "InvalidSignatureException", ... (static string) */
    char message[1024];
    char access_key[SIGV4_KEY_MAX + 1]; /* the caller's key once parsed ("" before) */
};

/* Parses "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex". OUT: *out. 0, or -EBADMSG with the missing or malformed
 * parts named in msg (msglen bytes, AWS's IncompleteSignatureException wording). */
int sigv4_parse_auth(const char *header, struct sigv4_auth *out, char *msg, size_t msglen);

/* Appends the canonical request of req to out for the given signed header list (";"-separated,
 * lowercase) and hex payload hash. 0, -EBADMSG (bad percent escape in the query, a signed
 * header name that is not lowercase) or -E2BIG (out's cap). */
int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers,
                            const char *payload_hash, struct cl_buf *out);

/* Computes the hex signature over canonical (the canonical request) for the scope
 * date/region/service and the request timestamp amz_date ("20150830T123600Z"). OUT: hex[65]. */
void sigv4_signature(const char *secret, const struct sigv4_auth *scope, const char *amz_date,
                     const char *canonical, size_t canonical_len, char *hex);

/* Writes the lowercase hex SHA-256 of data into hex[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char *hex);

/* Verifies req's Authorization header against the secret from secret_fn. OUT: *v (filled on
 * failure; v->access_key also on success). 0 when the signature is valid, -EACCES when not. */
int sigv4_verify(const struct sigv4_request *req, const struct sigv4_expect *exp,
                 sigv4_secret_fn *secret_fn, const void *user, struct sigv4_verdict *v);

/* Formats t as "YYYYMMDDTHHMMSSZ" into out[17]. */
void sigv4_format_date(time_t t, char *out);
/* Parses "YYYYMMDDTHHMMSSZ". OUT: *t. 0 or -EINVAL. */
int sigv4_parse_date(const char *s, time_t *t);

#endif /* CLAMBDA_SERVER_SIGV4_H */
