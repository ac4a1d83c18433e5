/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4 signing (header-based, AWS4-HMAC-SHA256), the client side of
 * sigv4.h: used by `clambda deploy` and `clambda invoke --remote`. It builds the canonical
 * request with the verifier's own sigv4_canonical_request (so what clambda signs is what a
 * clambda server, and AWS, recompute), signs host, x-amz-content-sha256, x-amz-date and, with
 * a session token, x-amz-security-token. Pure apart from libcrypto: the caller passes "now". */
#ifndef CLAMBDA_SERVER_SIGV4_SIGN_H
#define CLAMBDA_SERVER_SIGV4_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Who signs, for which scope; everything borrowed. */
struct sigv4_sign_key {
    const char *access_key;
    const char *secret;
    const char *session_token; /* NULL without one */
    const char *region;        /* "us-east-1" */
    const char *service;       /* "lambda" */
};

/* The headers to send with the request (besides Host, which must be the host signed). */
struct sigv4_sign_headers {
    char amz_date[17];       /* X-Amz-Date: "20150830T123600Z" */
    char content_sha256[65]; /* X-Amz-Content-Sha256 */
    char authorization[768]; /* Authorization */
};

/* Signs method target (the raw request target as sent: percent-encoded path[?query]) for host
 * ("lambda.us-east-1.amazonaws.com" or "127.0.0.1:9000") with body at time now.
 * OUT: *out. 0, -EINVAL (a missing key field or a target the canonical form refuses),
 * -E2BIG (a request whose canonical form exceeds 64 KiB). */
int sigv4_sign_request(const struct sigv4_sign_key *key, const char *method, const char *target,
                       const char *host, const uint8_t *body, size_t body_len, time_t now,
                       struct sigv4_sign_headers *out);

#endif /* CLAMBDA_SERVER_SIGV4_SIGN_H */
