/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648 section 4); see cl_b64.h. Both directions size the output exactly, reserve
 * it once and write in place, so a failed call leaves the buffer as it was. Decoding accepts
 * input with or without the final padding, but padding must then be complete ("QQ==", not
 * "QQ="); unused low bits of the last character are not checked. */
#include "cl_b64.h"

#include <errno.h>
#include <stdbool.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int cl_b64_encode(struct cl_buf *out, const uint8_t *src, size_t len)
{
    if (src == NULL && len > 0) {
        return -EINVAL;
    }
    if (len / 3 >= SIZE_MAX / 4) {
        return -E2BIG;
    }
    size_t n = (len + 2) / 3 * 4;
    if (n == 0) {
        return 0;
    }
    int rc = cl_buf_reserve(out, n);
    if (rc < 0) {
        return rc;
    }
    uint8_t *o = out->data + out->len;
    size_t i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t v = ((uint32_t)src[i] << 16) | ((uint32_t)src[i + 1] << 8) | src[i + 2];
        *o++ = (uint8_t)alphabet[v >> 18];
        *o++ = (uint8_t)alphabet[(v >> 12) & 0x3F];
        *o++ = (uint8_t)alphabet[(v >> 6) & 0x3F];
        *o++ = (uint8_t)alphabet[v & 0x3F];
    }
    if (i < len) {
        uint32_t v = ((uint32_t)src[i] << 16) | (len - i == 2 ? (uint32_t)src[i + 1] << 8 : 0);
        *o++ = (uint8_t)alphabet[v >> 18];
        *o++ = (uint8_t)alphabet[(v >> 12) & 0x3F];
        *o++ = len - i == 2 ? (uint8_t)alphabet[(v >> 6) & 0x3F] : '=';
        *o++ = '=';
    }
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}

/* Value of a base64 character, or -1. */
static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    return c == '/' ? 63 : -1;
}

/* Strips complete padding from *len; -EBADMSG when the length cannot be base64. */
static int strip_padding(const uint8_t *src, size_t *len)
{
    size_t n = *len;
    if (n > 0 && src[n - 1] == '=') {
        if (n % 4 != 0) {
            return -EBADMSG; /* padding must complete the last quantum */
        }
        n -= src[n - 2] == '=' ? 2 : 1;
    }
    if (n % 4 == 1) {
        return -EBADMSG; /* one character carries only 6 bits */
    }
    *len = n;
    return 0;
}

/* Decodes n (2, 3 or 4) characters at s into n - 1 bytes at o. */
static bool decode_quantum(const uint8_t *s, size_t n, uint8_t *o)
{
    uint32_t v = 0;
    for (size_t k = 0; k < 4; k++) {
        int d = k < n ? b64_val(s[k]) : 0;
        if (d < 0) {
            return false;
        }
        v = (v << 6) | (uint32_t)d;
    }
    o[0] = (uint8_t)(v >> 16);
    if (n > 2) {
        o[1] = (uint8_t)(v >> 8);
    }
    if (n > 3) {
        o[2] = (uint8_t)v;
    }
    return true;
}

int cl_b64_decode(struct cl_buf *out, const uint8_t *src, size_t len)
{
    if (src == NULL && len > 0) {
        return -EINVAL;
    }
    if (strip_padding(src, &len) < 0) {
        return -EBADMSG;
    }
    size_t n = len / 4 * 3 + (len % 4 != 0 ? len % 4 - 1 : 0);
    if (n == 0) {
        return 0;
    }
    int rc = cl_buf_reserve(out, n);
    if (rc < 0) {
        return rc;
    }
    uint8_t *o = out->data + out->len;
    for (size_t i = 0; i < len; i += 4) {
        size_t q = len - i < 4 ? len - i : 4;
        if (!decode_quantum(src + i, q, o)) {
            out->data[out->len] = '\0'; /* the NUL may have been overwritten */
            return -EBADMSG;
        }
        o += q - 1;
    }
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}
