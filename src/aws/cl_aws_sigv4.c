/* SPDX-License-Identifier: MIT */
/* SigV4 signing; see cl_aws_sigv4.h. The canonical request is built in one buffer: the path
 * and the query are encoded into it directly, the query pairs and the headers are sorted
 * through small index arrays. SHA-256 and HMAC-SHA-256 are mbedTLS's (mbedtls_md), never
 * written here. */
#include "cl_aws_sigv4.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/md.h>

#include "cl_alloc.h"
#include "cl_hex.h"

#define MAX_HEADERS 64
#define MAX_PARAMS  256
/* The canonical request holds every signed header: a session token alone can be 2 KB. */
#define MAX_CANONICAL ((size_t)1 << 16)

void cl_aws_sha256_hex(const uint8_t *data, size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t sum[32] = {0};
    (void)mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), data, len, sum);
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = digits[sum[i] >> 4];
        hex[2 * i + 1] = digits[sum[i] & 15];
    }
    hex[64] = '\0';
}

static bool is_unreserved(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* Appends s[0..len) with every byte outside the unreserved set as %XX (RFC 3986). */
static int uri_encode(struct cl_buf *out, const uint8_t *s, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        if (is_unreserved(s[i])) {
            rc = cl_buf_append_byte(out, s[i]);
        } else {
            char esc[3] = {'%', digits[s[i] >> 4], digits[s[i] & 15]};
            rc = cl_buf_append(out, esc, 3);
        }
    }
    return rc;
}

/* Removes the last encoded segment (and its slash) written after start. */
static void pop_segment(struct cl_buf *out, size_t start)
{
    while (out->len > start && out->data[out->len - 1] != '/') {
        out->len--;
    }
    if (out->len > start) {
        out->len--;
    }
}

/* Canonical URI: "." and empty segments dropped, ".." removes the previous segment, a
 * trailing slash kept (as botocore's normpath-based rule), each segment encoded. */
static int canonical_path(struct cl_buf *out, const char *path)
{
    if (path == NULL || *path == '\0') {
        path = "/";
    }
    size_t start = out->len;
    int rc = 0;
    for (const char *p = path; rc == 0 && *p != '\0';) {
        p += strspn(p, "/");
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            pop_segment(out, start);
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            rc = cl_buf_append_byte(out, '/');
            rc = rc == 0 ? uri_encode(out, (const uint8_t *)p, n) : rc;
        }
        p += n;
    }
    bool is_root = out->len == start;
    if (rc == 0 && (is_root || path[strlen(path) - 1] == '/')) {
        rc = cl_buf_append_byte(out, '/');
    }
    if (rc == 0 && out->data != NULL) {
        out->data[out->len] = '\0';
    }
    return rc;
}

/* Percent-decodes s[0..len) into tmp (a '%' not followed by two hex digits stays as is),
 * then appends it encoded to out. */
static int reencode(struct cl_buf *out, struct cl_buf *tmp, const char *s, size_t len)
{
    cl_buf_reset(tmp);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        int hi = i + 2 < len && s[i] == '%' ? cl_hex_value((unsigned char)s[i + 1]) : -1;
        int lo = hi >= 0 ? cl_hex_value((unsigned char)s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            rc = cl_buf_append_byte(tmp, (uint8_t)(hi * 16 + lo));
            i += 2;
        } else {
            rc = cl_buf_append_byte(tmp, (uint8_t)s[i]);
        }
    }
    return rc == 0 ? uri_encode(out, tmp->data, tmp->len) : rc;
}

struct span {
    const uint8_t *k;
    size_t k_len;
    const uint8_t *v;
    size_t v_len;
    size_t order;
};

static int span_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    return c != 0 ? c : (a_len > b_len) - (a_len < b_len);
}

static int param_cmp(const void *pa, const void *pb)
{
    const struct span *a = pa, *b = pb;
    int c = span_cmp(a->k, a->k_len, b->k, b->k_len);
    return c != 0 ? c : span_cmp(a->v, a->v_len, b->v, b->v_len);
}

/* Re-encodes each pair of query into enc, recording where its key and value are. */
static int split_query(const char *query, struct cl_buf *enc, size_t offs[][4], size_t *n)
{
    struct cl_buf tmp;
    cl_buf_init(&tmp, enc->max);
    int rc = 0;
    *n = 0;
    for (const char *p = query; rc == 0 && *p != '\0';
         p += strcspn(p, "&") + (p[strcspn(p, "&")] == '&')) {
        size_t len = strcspn(p, "&");
        if (len == 0) {
            continue;
        }
        if (*n == MAX_PARAMS) {
            rc = -EINVAL;
            break;
        }
        const char *eq = memchr(p, '=', len);
        size_t k_len = eq != NULL ? (size_t)(eq - p) : len;
        offs[*n][0] = enc->len;
        rc = reencode(enc, &tmp, p, k_len);
        offs[*n][1] = offs[*n][2] = enc->len;
        if (rc == 0 && eq != NULL) {
            rc = reencode(enc, &tmp, eq + 1, len - k_len - 1);
        }
        offs[*n][3] = enc->len;
        (*n)++;
    }
    cl_buf_fini(&tmp);
    return rc;
}

/* Canonical query: pairs decoded, re-encoded strictly, sorted by key then value. */
static int canonical_query(struct cl_buf *out, const char *query)
{
    if (query == NULL || *query == '\0') {
        return 0;
    }
    struct cl_buf enc;
    cl_buf_init(&enc, out->max);
    size_t offs[MAX_PARAMS][4];
    size_t n = 0;
    int rc = split_query(query, &enc, offs, &n);
    struct span pairs[MAX_PARAMS];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        pairs[i] = (struct span){enc.data + offs[i][0], offs[i][1] - offs[i][0],
                                 enc.data + offs[i][2], offs[i][3] - offs[i][2], i};
    }
    if (rc == 0 && n > 0) {
        qsort(pairs, n, sizeof(pairs[0]), param_cmp);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = cl_buf_append(out, "&", i > 0 ? 1 : 0);
        rc = rc == 0 ? cl_buf_append(out, pairs[i].k, pairs[i].k_len) : rc;
        rc = rc == 0 ? cl_buf_append_byte(out, '=') : rc;
        rc = rc == 0 ? cl_buf_append(out, pairs[i].v, pairs[i].v_len) : rc;
    }
    cl_buf_fini(&enc);
    return rc;
}

/* Header order: lowercase name, then the order given (values of a repeated name keep it). */
static int header_cmp(const void *pa, const void *pb)
{
    const struct span *a = pa, *b = pb;
    int c = span_cmp(a->k, a->k_len, b->k, b->k_len);
    return c != 0 ? c : (a->order > b->order) - (a->order < b->order);
}

/* Appends v without leading and trailing blanks, each run of blanks inside as one space. */
static int append_trimmed(struct cl_buf *text, const char *v)
{
    v += strspn(v, " \t");
    int rc = 0;
    bool blank = false;
    for (; rc == 0 && *v != '\0'; v++) {
        if (*v == ' ' || *v == '\t') {
            blank = true;
            continue;
        }
        rc = blank ? cl_buf_append_byte(text, ' ') : 0;
        blank = false;
        rc = rc == 0 ? cl_buf_append_byte(text, (uint8_t)*v) : rc;
    }
    return rc;
}

/* Lowercases names and trims values into text. */
static int fold_headers(const struct cl_aws_sigv4_req *r, struct cl_buf *text, size_t offs[][3])
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n_hdrs; i++) {
        const char *name = r->hdrs[i].name;
        if (*name == '\0' || strpbrk(name, ": \t\r\n") != NULL) {
            return -EINVAL;
        }
        offs[i][0] = text->len;
        for (const char *c = name; rc == 0 && *c != '\0'; c++) {
            rc = cl_buf_append_byte(text, (uint8_t)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
        }
        offs[i][1] = text->len;
        rc = rc == 0 ? append_trimmed(text, r->hdrs[i].value ? r->hdrs[i].value : "") : rc;
        offs[i][2] = text->len;
    }
    return rc;
}

static bool same_name(const struct span *a, const struct span *b)
{
    return span_cmp(a->k, a->k_len, b->k, b->k_len) == 0;
}

/* "name:v1,v2\n" for each name, in order, then the blank line. */
static int header_lines(struct cl_buf *out, const struct span *h, size_t n)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool same = i > 0 && same_name(&h[i], &h[i - 1]);
        rc = same ? cl_buf_append_byte(out, ',') : cl_buf_append(out, h[i].k, h[i].k_len);
        rc = rc == 0 && !same ? cl_buf_append_byte(out, ':') : rc;
        rc = rc == 0 ? cl_buf_append(out, h[i].v, h[i].v_len) : rc;
        bool last = i + 1 == n || !same_name(&h[i], &h[i + 1]);
        rc = rc == 0 && last ? cl_buf_append_byte(out, '\n') : rc;
    }
    return rc == 0 ? cl_buf_append_byte(out, '\n') : rc;
}

/* "name1;name2" (each name once), appended to out and, when not NULL, to list. */
static int signed_names(struct cl_buf *out, const struct span *h, size_t n, struct cl_buf *list)
{
    size_t start = out->len;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0 && same_name(&h[i], &h[i - 1])) {
            continue;
        }
        rc = cl_buf_append(out, ";", out->len > start ? 1 : 0);
        rc = rc == 0 ? cl_buf_append(out, h[i].k, h[i].k_len) : rc;
    }
    if (rc == 0 && list != NULL) {
        rc = cl_buf_append(list, out->data + start, out->len - start);
    }
    return rc == 0 ? cl_buf_append_byte(out, '\n') : rc;
}

/* Canonical headers (sorted, repeated names joined) then the signed header list. */
static int canonical_headers(struct cl_buf *out, const struct cl_aws_sigv4_req *r,
                             struct cl_buf *signed_list)
{
    if (r->n_hdrs > MAX_HEADERS) {
        return -EINVAL;
    }
    struct cl_buf text;
    cl_buf_init(&text, out->max);
    size_t offs[MAX_HEADERS][3];
    struct span h[MAX_HEADERS];
    int rc = fold_headers(r, &text, offs);
    for (size_t i = 0; rc == 0 && i < r->n_hdrs; i++) {
        h[i] = (struct span){text.data + offs[i][0], offs[i][1] - offs[i][0],
                             text.data + offs[i][1], offs[i][2] - offs[i][1], i};
    }
    if (rc == 0 && r->n_hdrs > 0) {
        qsort(h, r->n_hdrs, sizeof(h[0]), header_cmp);
    }
    rc = rc == 0 ? header_lines(out, h, r->n_hdrs) : rc;
    rc = rc == 0 ? signed_names(out, h, r->n_hdrs, signed_list) : rc;
    cl_buf_fini(&text);
    return rc;
}

static int canonical_request(const struct cl_aws_sigv4_req *r, const char *payload_hash,
                             struct cl_buf *out, struct cl_buf *signed_list)
{
    int rc = cl_buf_printf(out, "%s\n", r->method);
    if (rc == 0) {
        rc = canonical_path(out, r->path);
    }
    if (rc == 0) {
        rc = cl_buf_append_byte(out, '\n');
    }
    if (rc == 0) {
        rc = canonical_query(out, r->query);
    }
    if (rc == 0) {
        rc = cl_buf_append_byte(out, '\n');
    }
    if (rc == 0) {
        rc = canonical_headers(out, r, signed_list);
    }
    if (rc == 0) {
        rc = cl_buf_append_str(out, payload_hash);
    }
    return rc;
}

int cl_aws_sigv4_canonical_request(const struct cl_aws_sigv4_req *r, const char *payload_hash,
                                   struct cl_buf *out)
{
    return canonical_request(r, payload_hash, out, NULL);
}

int cl_aws_sigv4_string_to_sign(const char *amz_date, const struct cl_aws_sigv4_key *k,
                                const uint8_t *creq, size_t creq_len, struct cl_buf *out)
{
    char hash[65];
    cl_aws_sha256_hex(creq, creq_len, hash);
    return cl_buf_printf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date,
                         amz_date, k->region, k->service, hash);
}

static int hmac(const uint8_t *key, size_t key_len, const char *msg, size_t msg_len,
                uint8_t out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    return mbedtls_md_hmac(md, key, key_len, (const uint8_t *)msg, msg_len, out) == 0 ? 0 : -EIO;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
 * then the signature is HMAC(kSigning, string to sign). */
static int signature(const struct cl_aws_sigv4_key *k, const char *amz_date,
                     const struct cl_buf *sts, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    char secret[256];
    int n = snprintf(secret, sizeof(secret), "AWS4%s", k->secret_access_key);
    if (n < 0 || (size_t)n >= sizeof(secret)) {
        return -EINVAL;
    }
    uint8_t key[32] = {0}, next[32] = {0};
    int rc = hmac((const uint8_t *)secret, (size_t)n, amz_date, 8, key);
    const char *parts[] = {k->region, k->service, "aws4_request"};
    for (int i = 0; rc == 0 && i < 3; i++) {
        rc = hmac(key, 32, parts[i], strlen(parts[i]), next);
        memcpy(key, next, 32);
    }
    if (rc == 0) {
        rc = hmac(key, 32, (const char *)sts->data, sts->len, next);
    }
    for (size_t i = 0; i < 32; i++) {
        hex[2 * i] = digits[next[i] >> 4];
        hex[2 * i + 1] = digits[next[i] & 15];
    }
    hex[64] = '\0';
    memset(secret, 0, sizeof(secret));
    memset(key, 0, sizeof(key));
    return rc;
}

int cl_aws_sigv4_authorization(const struct cl_aws_sigv4_req *r, const struct cl_aws_sigv4_key *k,
                               const char *amz_date, struct cl_buf *out)
{
    if (strlen(amz_date) != 16) {
        return -EINVAL;
    }
    char payload[65], sig[65];
    cl_aws_sha256_hex(r->body, r->body_len, payload);
    struct cl_buf creq, list, sts;
    cl_buf_init(&creq, MAX_CANONICAL);
    cl_buf_init(&list, 4096);
    cl_buf_init(&sts, 4096);
    int rc = canonical_request(r, payload, &creq, &list);
    if (rc == 0) {
        rc = cl_aws_sigv4_string_to_sign(amz_date, k, creq.data, creq.len, &sts);
    }
    if (rc == 0) {
        rc = signature(k, amz_date, &sts, sig);
    }
    if (rc == 0) {
        rc = cl_buf_printf(out,
                           "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                           "SignedHeaders=%s, Signature=%s",
                           k->access_key_id, amz_date, k->region, k->service, cl_buf_str(&list),
                           sig);
    }
    cl_buf_fini(&creq);
    cl_buf_fini(&list);
    cl_buf_fini(&sts);
    return rc;
}

void cl_aws_sigv4_date(int64_t t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        memcpy(out, "19700101T000000Z", 17);
    }
}
