/* SPDX-License-Identifier: MIT */
/* Presigned download URLs of kept code packages (code.h: <state-dir>/code/<sha256hex>.zip),
 * in the manner of S3's presigned URLs, which is what AWS's GetFunction answers as
 * Code.Location:
 *
 *   http://HOST/clambda/code/<sha256hex>.zip?X-Clambda-Expires=<epoch s>&X-Clambda-Signature=<hex>
 *
 * The signature is HMAC-SHA256, under a random key made when the server starts, of
 * "clambda-code-v1\n<sha256hex>\n<expires>": the URL itself is the credential (no SigV4), it
 * names one package, and it stops working at <expires> (CODE_URL_TTL_S after it was made) or
 * when the server restarts. Pure apart from code_url_key_init's random bytes. */
#ifndef CLAMBDA_SERVER_CODE_URL_H
#define CLAMBDA_SERVER_CODE_URL_H

#include <stdbool.h>
#include <stdint.h>

/* How long a URL is valid: AWS's 10 minutes. */
#define CODE_URL_TTL_S 600
/* The path every download URL starts with. */
#define CODE_URL_PREFIX "/clambda/code/"

/* The signing key. */
struct code_url_key {
    uint8_t bytes[32];
};

/* Fills key with random bytes (OpenSSL's RAND_bytes). 0, or -EIO when no randomness is
 * available. */
int code_url_key_init(struct code_url_key *key);

/* True when host (a Host header value) is a plain host[:port] or [v6]:port that may go into a
 * URL: 1-255 bytes of letters, digits and "-._:[]". */
bool code_url_host_ok(const char *host);

/* The URL of package sha256_hex (64 lowercase hex digits) on host, valid until
 * now + CODE_URL_TTL_S. Returns a new string (free()). */
char *code_url_make(const struct code_url_key *key, const char *host, const char *sha256_hex,
                    int64_t now);

/* True when target (a request target: path and query) is under CODE_URL_PREFIX. */
bool code_url_match(const char *target);

/* Checks a request target made by code_url_make. OUT: hex (the package's sha256hex, 65 bytes)
 * on success. 0; -ENOENT when the path is not CODE_URL_PREFIX<64 hex>.zip; -EACCES when the
 * signature or the expiry is missing, malformed or wrong; -ETIMEDOUT when it expired before
 * now. The signature is compared in constant time. */
int code_url_verify(const struct code_url_key *key, const char *target, int64_t now, char hex[65]);

#endif /* CLAMBDA_SERVER_CODE_URL_H */
