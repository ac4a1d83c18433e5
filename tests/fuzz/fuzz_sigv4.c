/* SPDX-License-Identifier: MIT */
/* libFuzzer target for src/server/sigv4.c: the Authorization header parser and the canonical
 * request builder (path normalisation, query decoding and sorting, header folding) through a
 * full sigv4_verify. Input: "<Authorization>\n<request target>\n<X-Amz-Date>\n<body>". Every key
 * is known and the clock is the request's own date, so inputs reach the signature check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sigv4.h"

static const char *any_secret(const void *user, const char *key)
{
    (void)user;
    (void)key;
    return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
}

/* Next '\n'-terminated field of [*p, end) as a fresh string. */
static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl ? nl : end;
    char *s = malloc((size_t)(stop - *p) + 1);
    if (s == NULL) {
        abort();
    }
    memcpy(s, *p, (size_t)(stop - *p));
    s[stop - *p] = '\0';
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data;
    const uint8_t *end = data + size;
    char *authz = field(&p, end);
    char *target = field(&p, end);
    char *date = field(&p, end);
    struct sigv4_header h[] = {{"Host", "127.0.0.1:9000"},
                               {"X-Amz-Date", date},
                               {"Authorization", authz},
                               {"X-Amz-Log-Type", " a \t b  "},
                               {"x-amz-log-type", target}};
    struct sigv4_request req = {"POST", target, h, 5, p, (size_t)(end - p)};
    time_t now = 0;
    (void)sigv4_parse_date(date, &now);
    struct sigv4_expect ex = {"us-east-1", "lambda", now, SIGV4_LAMBDA_MAX_SKEW_S};
    struct sigv4_verdict v;
    (void)sigv4_verify(&req, &ex, any_secret, NULL, &v);
    struct sigv4_auth a;
    char msg[256];
    if (sigv4_parse_auth(authz, &a, msg, sizeof(msg)) == 0) {
        struct cl_buf b;
        cl_buf_init(&b, 1 << 20);
        (void)sigv4_canonical_request(&req, a.signed_headers, "UNSIGNED-PAYLOAD", &b);
        cl_buf_fini(&b);
    }
    free(authz);
    free(target);
    free(date);
    return 0;
}
