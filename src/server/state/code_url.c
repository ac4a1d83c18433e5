/* SPDX-License-Identifier: MIT */
/* Presigned code download URLs; see code_url.h. The signed string names a version of the
 * scheme, the package and the expiry, so a signature cannot be moved to another package or
 * given a later expiry; the host is not signed (it only tells the client where to connect). */
#include "state/code_url.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "http/url.h"

#define HEX_LEN   64
#define SUFFIX    ".zip"
#define Q_EXPIRES "X-Clambda-Expires"
#define Q_SIG     "X-Clambda-Signature"

int code_url_key_init(struct code_url_key *key)
{
    return RAND_bytes(key->bytes, (int)sizeof(key->bytes)) == 1 ? 0 : -EIO;
}

bool code_url_host_ok(const char *host)
{
    size_t len = host ? strlen(host) : 0;
    return len >= 1 && len <= 255 &&
           strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:[]") ==
               len;
}

/* The signature of (hex, expires) as 64 hex digits plus NUL. */
static void sign(const struct code_url_key *key, const char *hex, long long expires,
                 char out[HEX_LEN + 1])
{
    char msg[128];
    int n = snprintf(msg, sizeof(msg), "clambda-code-v1\n%.64s\n%lld", hex, expires);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (HMAC(EVP_sha256(), key->bytes, (int)sizeof(key->bytes), (const unsigned char *)msg,
             (size_t)n, md, &md_len) == NULL) {
        abort(); /* only on a broken libcrypto */
    }
    for (unsigned int i = 0; i < md_len && i < HEX_LEN / 2; i++) {
        (void)snprintf(out + (size_t)2 * i, 3, "%02x", md[i]);
    }
}

char *code_url_make(const struct code_url_key *key, const char *host, const char *sha256_hex,
                    int64_t now)
{
    long long expires = (long long)now + CODE_URL_TTL_S;
    char sig[HEX_LEN + 1];
    sign(key, sha256_hex, expires, sig);
    return xasprintf("http://%s" CODE_URL_PREFIX "%s" SUFFIX "?" Q_EXPIRES "=%lld&" Q_SIG "=%s",
                     host, sha256_hex, expires, sig);
}

bool code_url_match(const char *target)
{
    return strncmp(target, CODE_URL_PREFIX, sizeof(CODE_URL_PREFIX) - 1) == 0;
}

/* True when s[0..n) are lowercase hex digits. */
static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* The expiry parameter: 1-18 decimal digits. 0 or -EACCES. */
static int parse_expires(const char *target, long long *out)
{
    char v[24];
    if (url_query_get(target, Q_EXPIRES, v, sizeof(v)) < 0) {
        return -EACCES;
    }
    size_t len = strlen(v);
    if (len == 0 || len > 18 || strspn(v, "0123456789") != len) {
        return -EACCES;
    }
    *out = strtoll(v, NULL, 10);
    return 0;
}

int code_url_verify(const struct code_url_key *key, const char *target, int64_t now, char hex[65])
{
    static const size_t prefix_len = sizeof(CODE_URL_PREFIX) - 1;
    size_t path_len = strcspn(target, "?");
    const char *name = target + prefix_len;
    if (!code_url_match(target) || path_len != prefix_len + HEX_LEN + strlen(SUFFIX) ||
        !is_hex(name, HEX_LEN) || strncmp(name + HEX_LEN, SUFFIX, strlen(SUFFIX)) != 0) {
        return -ENOENT;
    }
    long long expires = 0;
    char given[HEX_LEN + 2];
    if (parse_expires(target, &expires) < 0 ||
        url_query_get(target, Q_SIG, given, sizeof(given)) < 0 || strlen(given) != HEX_LEN) {
        return -EACCES;
    }
    char want[HEX_LEN + 1];
    sign(key, name, expires, want);
    if (CRYPTO_memcmp(want, given, HEX_LEN) != 0) {
        return -EACCES;
    }
    if ((long long)now > expires) {
        return -ETIMEDOUT;
    }
    (void)snprintf(hex, 65, "%.64s", name);
    return 0;
}
