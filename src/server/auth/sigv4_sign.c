/* SPDX-License-Identifier: MIT */
/* SigV4 signing; see sigv4_sign.h. */
#include "auth/sigv4_sign.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "auth/sigv4.h"
#include "cl_buf.h"

int sigv4_sign_request(const struct sigv4_sign_key *key, const char *method, const char *target,
                       const char *host, const uint8_t *body, size_t body_len, time_t now,
                       struct sigv4_sign_headers *out)
{
    if (!key->access_key || !key->secret || !key->region || !key->service || !*key->access_key) {
        return -EINVAL;
    }
    sigv4_format_date(now, out->amz_date);
    sigv4_sha256_hex(body_len ? (const void *)body : "", body_len, out->content_sha256);
    bool has_token = key->session_token && *key->session_token;
    struct sigv4_header hs[] = {{"host", host},
                                {"x-amz-content-sha256", out->content_sha256},
                                {"x-amz-date", out->amz_date},
                                {"x-amz-security-token", has_token ? key->session_token : ""}};
    struct sigv4_request req = {.method = method,
                                .target = target,
                                .headers = hs,
                                .n_headers = has_token ? 4 : 3,
                                .body = body,
                                .body_len = body_len};
    const char *signed_headers = has_token ? "host;x-amz-content-sha256;x-amz-date;"
                                             "x-amz-security-token"
                                           : "host;x-amz-content-sha256;x-amz-date";
    struct cl_buf canon;
    cl_buf_init(&canon, (size_t)64 * 1024);
    int rc = sigv4_canonical_request(&req, signed_headers, out->content_sha256, &canon);
    if (rc < 0) {
        cl_buf_fini(&canon);
        return rc == -E2BIG ? rc : -EINVAL;
    }
    struct sigv4_auth scope = {.date = ""};
    (void)snprintf(scope.date, sizeof(scope.date), "%.8s", out->amz_date);
    (void)snprintf(scope.region, sizeof(scope.region), "%s", key->region);
    (void)snprintf(scope.service, sizeof(scope.service), "%s", key->service);
    char sig[65];
    sigv4_signature(key->secret, &scope, out->amz_date, cl_buf_str(&canon), canon.len, sig);
    cl_buf_fini(&canon);
    int n = snprintf(out->authorization, sizeof(out->authorization),
                     "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
                     "Signature=%s",
                     key->access_key, scope.date, key->region, key->service, signed_headers, sig);
    return n < 0 || (size_t)n >= sizeof(out->authorization) ? -EINVAL : 0;
}
