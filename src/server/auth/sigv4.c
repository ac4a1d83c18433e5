/* SPDX-License-Identifier: MIT */
/* SigV4 verification; see sigv4.h. Every buffer is capped (the canonical request cannot grow
 * past SIGV4_CANON_MAX), so a hostile Authorization header or target costs bounded memory. */
#include "auth/sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cl_hex.h"

#define SIGV4_CANON_MAX   ((size_t)512 * 1024)
#define SIGV4_MAX_QPARAMS 256
#define SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD  "UNSIGNED-PAYLOAD"

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[p[i] >> 4];
        out[2 * i + 1] = hexdig[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char *hex)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1) {
        abort(); /* only on a broken libcrypto */
    }
    to_hex(md, n, hex);
}

static void hmac(const uint8_t *key, size_t key_len, const char *msg, size_t msg_len, uint8_t *out)
{
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, msg_len, out, &n) ==
        NULL) {
        abort();
    }
}

void sigv4_signature(const char *secret, const struct sigv4_auth *scope, const char *amz_date,
                     const char *canonical, size_t canonical_len, char *hex)
{
    uint8_t k[32];
    char canon_hash[65];
    size_t slen = strlen(secret);
    char *first = malloc(slen + 5);
    if (first == NULL) {
        abort();
    }
    (void)snprintf(first, slen + 5, "AWS4%s", secret);
    hmac((const uint8_t *)first, slen + 4, scope->date, strlen(scope->date), k);
    OPENSSL_cleanse(first, slen + 4);
    free(first);
    hmac(k, 32, scope->region, strlen(scope->region), k);
    hmac(k, 32, scope->service, strlen(scope->service), k);
    hmac(k, 32, "aws4_request", 12, k);
    sigv4_sha256_hex(canonical, canonical_len, canon_hash);
    char sts[512];
    int n = snprintf(sts, sizeof(sts), SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date,
                     scope->date, scope->region, scope->service, canon_hash);
    uint8_t sig[32];
    hmac(k, 32, sts, n > 0 && (size_t)n < sizeof(sts) ? (size_t)n : strlen(sts), sig);
    OPENSSL_cleanse(k, sizeof(k));
    to_hex(sig, 32, hex);
}

/* ---- canonical request ------------------------------------------------------------------- */

static bool unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Appends s[0..len) percent-encoded (uppercase hex); '/' kept when keep_slash. */
static int encode(struct cl_buf *out, const char *s, size_t len, bool keep_slash)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (unreserved(c) || (keep_slash && c == '/')) {
            rc = cl_buf_append_byte(out, c);
        } else {
            rc = cl_buf_printf(out, "%%%02X", c);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Path: dot segments and empty segments removed (as botocore's remove_dot_segments), a
 * trailing '/' kept, then every byte but unreserved ones and '/' percent-encoded again. */
static int canonical_uri(struct cl_buf *out, const char *path, size_t len)
{
    const char *segs[256];
    size_t lens[256];
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && path[j] != '/') {
            j++;
        }
        size_t sl = j - i;
        if (sl == 2 && path[i] == '.' && path[i + 1] == '.') {
            n = n ? n - 1 : 0;
        } else if (sl > 0 && !(sl == 1 && path[i] == '.')) {
            if (n == 256) {
                return -E2BIG;
            }
            segs[n] = path + i;
            lens[n++] = sl;
        }
        i = j + 1;
    }
    int rc = cl_buf_append_byte(out, '/');
    for (size_t k = 0; rc == 0 && k < n; k++) {
        rc = encode(out, segs[k], lens[k], false);
        if (rc == 0 && (k + 1 < n || (len > 1 && path[len - 1] == '/'))) {
            rc = cl_buf_append_byte(out, '/');
        }
    }
    return rc;
}

/* Decodes %XX in s[0..len) into a fresh NUL-terminated string (bytes kept as they are). */
static char *pct_decode(const char *s, size_t len)
{
    char *o = malloc(len + 1);
    size_t n = 0;
    if (o == NULL) {
        abort();
    }
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < len ? cl_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < len ? cl_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(o);
                return NULL;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        o[n++] = (char)c;
    }
    o[n] = '\0';
    return o;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One query parameter re-encoded as "key=value" (a fresh string), or NULL on a bad escape. */
static char *query_pair(const char *p, size_t plen)
{
    const char *eq = memchr(p, '=', plen);
    size_t klen = eq ? (size_t)(eq - p) : plen;
    char *k = pct_decode(p, klen);
    char *v = eq ? pct_decode(eq + 1, plen - klen - 1) : pct_decode("", 0);
    char *res = NULL;
    if (k && v) {
        struct cl_buf b;
        cl_buf_init(&b, SIGV4_CANON_MAX);
        if (encode(&b, k, strlen(k), false) == 0 && cl_buf_append_byte(&b, '=') == 0 &&
            encode(&b, v, strlen(v), false) == 0) {
            res = strdup(cl_buf_str(&b));
        }
        cl_buf_fini(&b);
    }
    free(k);
    free(v);
    return res;
}

/* Query: parameters decoded, re-encoded with only unreserved bytes left as they are, and
 * sorted by key then value (the sort of the encoded "key=value" strings gives that order,
 * because '=' sorts below every encoded byte). */
static int canonical_query(struct cl_buf *out, const char *q)
{
    char *pairs[SIGV4_MAX_QPARAMS] = {NULL};
    size_t n = 0;
    int rc = 0;
    while (q && *q && rc == 0) {
        size_t plen = strcspn(q, "&");
        if (plen > 0) {
            char *pair = n < SIGV4_MAX_QPARAMS ? query_pair(q, plen) : NULL;
            if (pair == NULL) {
                rc = n < SIGV4_MAX_QPARAMS ? -EBADMSG : -E2BIG;
            } else {
                pairs[n++] = pair;
            }
        }
        q = q[plen] ? q + plen + 1 : NULL;
    }
    qsort(pairs, n, sizeof(*pairs), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && i > 0) {
            rc = cl_buf_append_byte(out, '&');
        }
        if (rc == 0) {
            rc = cl_buf_append_str(out, pairs[i]);
        }
        free(pairs[i]);
    }
    return rc;
}

/* Appends value trimmed, with runs of spaces/tabs collapsed to one space. */
static int append_trimmed(struct cl_buf *out, const char *v)
{
    bool space = false;
    bool any = false;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            space = any;
            continue;
        }
        if (space && cl_buf_append_byte(out, ' ') < 0) {
            return -E2BIG;
        }
        if (cl_buf_append_byte(out, (uint8_t)*v) < 0) {
            return -E2BIG;
        }
        space = false;
        any = true;
    }
    return 0;
}

/* "name:v1,v2\n" for every header called name (values of repeated headers joined by ','). */
static int canonical_header(struct cl_buf *out, const struct sigv4_request *req, const char *name,
                            size_t nlen)
{
    for (size_t i = 0; i < nlen; i++) {
        if (isupper((unsigned char)name[i])) {
            return -EBADMSG;
        }
    }
    int rc = cl_buf_append(out, name, nlen);
    rc = rc ? rc : cl_buf_append_byte(out, ':');
    bool first = true;
    for (size_t i = 0; rc == 0 && i < req->n_headers; i++) {
        const char *h = req->headers[i].name;
        if (strlen(h) == nlen && strncasecmp(h, name, nlen) == 0) {
            rc = first ? 0 : cl_buf_append_byte(out, ',');
            rc = rc ? rc : append_trimmed(out, req->headers[i].value);
            first = false;
        }
    }
    return rc ? rc : cl_buf_append_byte(out, '\n');
}

int sigv4_canonical_request(const struct sigv4_request *req, const char *signed_headers,
                            const char *payload_hash, struct cl_buf *out)
{
    size_t plen = strcspn(req->target, "?");
    const char *q = req->target[plen] == '?' ? req->target + plen + 1 : NULL;
    int rc = cl_buf_printf(out, "%s\n", req->method);
    rc = rc ? rc : canonical_uri(out, req->target, plen);
    rc = rc ? rc : cl_buf_append_byte(out, '\n');
    rc = rc ? rc : canonical_query(out, q);
    rc = rc ? rc : cl_buf_append_byte(out, '\n');
    for (const char *h = signed_headers; rc == 0 && *h;) {
        size_t n = strcspn(h, ";");
        rc = n ? canonical_header(out, req, h, n) : -EBADMSG;
        h += n + (h[n] == ';');
    }
    rc = rc ? rc : cl_buf_printf(out, "\n%s\n%s", signed_headers, payload_hash);
    return rc == -ENOMEM ? -E2BIG : rc;
}

/* ---- dates -------------------------------------------------------------------------------- */

void sigv4_format_date(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    (void)strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int sigv4_parse_date(const char *s, time_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') {
        return -EINVAL;
    }
    for (int i = 0; i < 15; i++) {
        if (i != 8 && !isdigit((unsigned char)s[i])) {
            return -EINVAL;
        }
    }
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (end == NULL || *end != '\0') {
        return -EINVAL;
    }
    *t = timegm(&tm);
    return 0;
}

/* ---- Authorization header ----------------------------------------------------------------- */

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t') {
        (*p)++;
    }
}

static bool copy_field(char *dst, size_t cap, const char *s, size_t len)
{
    if (len == 0 || len >= cap) {
        return false;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* Credential=KEY/DATE/REGION/SERVICE/TERMINATOR. */
static bool parse_credential(const char *v, size_t len, struct sigv4_auth *out)
{
    char *parts[5] = {out->access_key, out->date, out->region, out->service, out->terminator};
    size_t caps[5] = {sizeof(out->access_key), sizeof(out->date), sizeof(out->region),
                      sizeof(out->service), sizeof(out->terminator)};
    const char *end = v + len;
    for (int i = 0; i < 5; i++) {
        const char *slash = memchr(v, '/', (size_t)(end - v));
        const char *stop = i < 4 ? slash : end;
        if (stop == NULL || (i == 4 && slash != NULL) ||
            !copy_field(parts[i], caps[i], v, (size_t)(stop - v))) {
            return false;
        }
        v = stop + 1;
    }
    return true;
}

/* Handles one "Key=Value" component. 0, or -EBADMSG with msg filled. */
static int parse_component(const char *c, size_t len, const char *header, struct sigv4_auth *out,
                           unsigned *seen, char *msg, size_t msglen)
{
    const char *eq = memchr(c, '=', len);
    if (eq == NULL) {
        (void)snprintf(msg, msglen,
                       "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization "
                       "header: '%s'.",
                       (int)len, c, header);
        return -EBADMSG;
    }
    size_t klen = (size_t)(eq - c);
    const char *v = eq + 1;
    size_t vlen = len - klen - 1;
    bool ok = true;
    if (klen == 10 && strncmp(c, "Credential", 10) == 0) {
        ok = parse_credential(v, vlen, out);
        *seen |= 1;
    } else if (klen == 13 && strncmp(c, "SignedHeaders", 13) == 0) {
        ok = copy_field(out->signed_headers, sizeof(out->signed_headers), v, vlen);
        *seen |= 2;
    } else if (klen == 9 && strncmp(c, "Signature", 9) == 0) {
        ok = copy_field(out->signature, sizeof(out->signature), v, vlen);
        *seen |= 4;
    }
    if (!ok) {
        (void)snprintf(msg, msglen,
                       "Authorization header is malformed: '%.*s'; expecting "
                       "Credential=<access key>/YYYYMMDD/<region>/<service>/aws4_request, "
                       "SignedHeaders=<a;b;c>, Signature=<64 hex digits>.",
                       (int)len, c);
        return -EBADMSG;
    }
    return 0;
}

static void missing_message(unsigned seen, const char *header, char *msg, size_t msglen)
{
    static const char *const names[] = {"Credential", "Signature", "SignedHeaders"};
    static const unsigned bits[] = {1, 4, 2};
    size_t n = 0;
    msg[0] = '\0';
    for (int i = 0; i < 3; i++) {
        if (!(seen & bits[i]) && n < msglen) {
            int w = snprintf(msg + n, msglen - n, "Authorization header requires '%s' parameter. ",
                             names[i]);
            n += w > 0 ? (size_t)w : 0;
        }
    }
    if (n < msglen) {
        (void)snprintf(msg + n, msglen - n, "Authorization=%s", header);
    }
}

int sigv4_parse_auth(const char *header, struct sigv4_auth *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof(*out));
    const char *p = header;
    skip_spaces(&p);
    size_t alen = strcspn(p, " \t");
    unsigned seen = 0;
    if (alen == strlen(SIGV4_ALGORITHM) && strncmp(p, SIGV4_ALGORITHM, alen) == 0) {
        p += alen;
        while (*p) {
            skip_spaces(&p);
            size_t clen = strcspn(p, ",");
            size_t trimmed = clen;
            while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t')) {
                trimmed--;
            }
            if (trimmed > 0 && parse_component(p, trimmed, header, out, &seen, msg, msglen) < 0) {
                return -EBADMSG;
            }
            p += clen + (p[clen] == ',');
        }
    }
    if (seen != 7) {
        missing_message(seen, header, msg, msglen);
        return -EBADMSG;
    }
    bool hex = strlen(out->signature) == 64;
    for (const char *s = out->signature; hex && *s; s++) {
        hex = cl_hex_value((unsigned char)*s) >= 0;
    }
    if (!hex) {
        (void)snprintf(msg, msglen, "Signature is not 64 hexadecimal digits: '%s'.",
                       out->signature);
        return -EBADMSG;
    }
    return 0;
}

/* ---- verification ------------------------------------------------------------------------- */

static const char *find_header(const struct sigv4_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

static int refuse(struct sigv4_verdict *v, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct sigv4_verdict *v, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
    v->status = 403;
    v->type = type;
    return -EACCES;
}

/* The request time from X-Amz-Date (or an RFC 1123 Date header). OUT: *t and amz[17]. */
static int request_date(const struct sigv4_request *req, const char *authz, struct sigv4_verdict *v,
                        time_t *t, char *amz)
{
    const char *d = find_header(req, "X-Amz-Date");
    if (d == NULL) {
        const char *date = find_header(req, "Date");
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = date ? strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
        if (date == NULL) {
            return refuse(v, "IncompleteSignatureException",
                          "Authorization header requires existence of either a 'X-Amz-Date' or "
                          "a 'Date' header. Authorization=%s",
                          authz);
        }
        if (end == NULL || *end != '\0') {
            return refuse(v, "IncompleteSignatureException",
                          "Date must be in ISO-8601 'basic format'. Got '%s'.", date);
        }
        *t = timegm(&tm);
        sigv4_format_date(*t, amz);
        return 0;
    }
    if (sigv4_parse_date(d, t) < 0) {
        return refuse(v, "IncompleteSignatureException",
                      "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                      "http://en.wikipedia.org/wiki/ISO_8601",
                      d);
    }
    memcpy(amz, d, 17);
    return 0;
}

static int check_scope(const struct sigv4_auth *a, const char *amz, const struct sigv4_expect *e,
                       struct sigv4_verdict *v)
{
    if (strncmp(a->date, amz, 8) != 0) {
        return refuse(v, "InvalidSignatureException",
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                      "date from HTTP: '%s' != '%.8s', from '%s'.",
                      a->date, amz, amz);
    }
    if (strcmp(a->region, e->region) != 0) {
        return refuse(v, "InvalidSignatureException",
                      "Credential should be scoped to a valid region, not '%s'. ", a->region);
    }
    if (strcmp(a->service, e->service) != 0) {
        return refuse(v, "InvalidSignatureException",
                      "Credential should be scoped to correct service: '%s'. ", e->service);
    }
    if (strcmp(a->terminator, "aws4_request") != 0) {
        return refuse(v, "InvalidSignatureException",
                      "Credential should be scoped with a valid terminator: 'aws4_request', not "
                      "'%s'. ",
                      a->terminator);
    }
    return 0;
}

static int check_skew(time_t t, const char *amz, const struct sigv4_expect *e,
                      struct sigv4_verdict *v)
{
    char now[17], edge[17];
    sigv4_format_date(e->now, now);
    if (t < e->now - e->max_skew_s) {
        sigv4_format_date(e->now - e->max_skew_s, edge);
        return refuse(v, "InvalidSignatureException",
                      "Signature expired: %s is now earlier than %s (%s - %d min.)", amz, edge, now,
                      e->max_skew_s / 60);
    }
    if (t > e->now + e->max_skew_s) {
        sigv4_format_date(e->now + e->max_skew_s, edge);
        return refuse(v, "InvalidSignatureException",
                      "Signature not yet current: %s is still later than %s (%s + %d min.)", amz,
                      edge, now, e->max_skew_s / 60);
    }
    return 0;
}

static bool signs_host(const char *signed_headers)
{
    for (const char *h = signed_headers; *h;) {
        size_t n = strcspn(h, ";");
        if (n == 4 && strncmp(h, "host", 4) == 0) {
            return true;
        }
        h += n + (h[n] == ';');
    }
    return false;
}

/* The payload hash to sign with. OUT: hash[65]. */
static int payload_hash(const struct sigv4_request *req, struct sigv4_verdict *v, char *hash)
{
    const char *declared = find_header(req, "x-amz-content-sha256");
    sigv4_sha256_hex(req->body ? (const void *)req->body : "", req->body_len, hash);
    if (declared == NULL) {
        return 0;
    }
    if (strcmp(declared, UNSIGNED_PAYLOAD) == 0) {
        memcpy(hash, UNSIGNED_PAYLOAD, sizeof(UNSIGNED_PAYLOAD));
        return 0;
    }
    if (strcasecmp(declared, hash) != 0) {
        return refuse(v, "InvalidSignatureException",
                      "The provided 'x-amz-content-sha256' header does not match what was "
                      "computed.");
    }
    return 0;
}

static int check_signature(const struct sigv4_request *req, const struct sigv4_auth *a,
                           const char *secret, const char *amz, struct sigv4_verdict *v)
{
    char hash[65];
    if (payload_hash(req, v, hash) < 0) {
        return -EACCES;
    }
    struct cl_buf canon;
    cl_buf_init(&canon, SIGV4_CANON_MAX);
    int rc = sigv4_canonical_request(req, a->signed_headers, hash, &canon);
    char sig[65];
    if (rc == 0) {
        sigv4_signature(secret, a, amz, cl_buf_str(&canon), canon.len, sig);
    }
    cl_buf_fini(&canon);
    if (rc < 0 || strlen(a->signature) != 64 || CRYPTO_memcmp(sig, a->signature, 64) != 0) {
        return refuse(v, "InvalidSignatureException",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                      "service documentation for details.");
    }
    return 0;
}

int sigv4_verify(const struct sigv4_request *req, const struct sigv4_expect *exp,
                 sigv4_secret_fn *secret_fn, const void *user, struct sigv4_verdict *v)
{
    struct sigv4_auth a;
    memset(v, 0, sizeof(*v));
    const char *authz = find_header(req, "Authorization");
    if (authz == NULL) {
        return refuse(v, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    char msg[sizeof(v->message)];
    if (sigv4_parse_auth(authz, &a, msg, sizeof(msg)) < 0) {
        return refuse(v, "IncompleteSignatureException", "%s", msg);
    }
    memcpy(v->access_key, a.access_key, sizeof(a.access_key));
    time_t t = 0;
    char amz[17];
    if (request_date(req, authz, v, &t, amz) < 0 || check_scope(&a, amz, exp, v) < 0) {
        return -EACCES;
    }
    if (!signs_host(a.signed_headers)) {
        return refuse(v, "InvalidSignatureException",
                      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const char *secret = secret_fn(user, a.access_key);
    if (secret == NULL) {
        return refuse(v, "UnrecognizedClientException",
                      "The security token included in the request is invalid.");
    }
    if (check_skew(t, amz, exp, v) < 0) {
        return -EACCES;
    }
    return check_signature(req, &a, secret, amz, v);
}
