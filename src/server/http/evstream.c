/* SPDX-License-Identifier: MIT */
/* AWS event-stream encoder and checking decoder; see evstream.h. */
#include "http/evstream.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

uint32_t evstream_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Size of the encoded headers, or 0 with -EINVAL in *err. */
static size_t headers_size(const struct evstream_header *hdrs, size_t n, int *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(hdrs[i].name);
        size_t vl = strlen(hdrs[i].value);
        if (nl == 0 || nl > UINT8_MAX || vl > UINT16_MAX) {
            *err = -EINVAL;
            return 0;
        }
        total += 1 + nl + 1 + 2 + vl;
    }
    if (total > EVSTREAM_MAX_HEADERS) {
        *err = -EINVAL;
    }
    return total;
}

int evstream_encode(struct cl_buf *out, const struct evstream_header *hdrs, size_t n_hdrs,
                    const uint8_t *payload, size_t len)
{
    int err = 0;
    size_t hlen = headers_size(hdrs, n_hdrs, &err);
    if (err < 0 || len > EVSTREAM_MAX_PAYLOAD) {
        return -EINVAL;
    }
    size_t total = EVSTREAM_OVERHEAD + hlen + len;
    int rc = cl_buf_reserve(out, total);
    if (rc < 0) {
        return rc;
    }
    size_t start = out->len;
    uint8_t *p = out->data + start;
    put_u32(p, (uint32_t)total);
    put_u32(p + 4, (uint32_t)hlen);
    put_u32(p + 8, evstream_crc32(0, p, 8));
    p += 12;
    for (size_t i = 0; i < n_hdrs; i++) {
        size_t nl = strlen(hdrs[i].name);
        size_t vl = strlen(hdrs[i].value);
        *p++ = (uint8_t)nl;
        memcpy(p, hdrs[i].name, nl);
        p += nl;
        *p++ = 7; /* string */
        *p++ = (uint8_t)(vl >> 8);
        *p++ = (uint8_t)vl;
        memcpy(p, hdrs[i].value, vl);
        p += vl;
    }
    if (len > 0) {
        memcpy(p, payload, len);
        p += len;
    }
    put_u32(p, evstream_crc32(0, out->data + start, total - 4));
    out->len = start + total;
    out->data[out->len] = 0; /* cl_buf keeps a NUL after the data */
    return 0;
}

/* Decodes the headers block h[0..hlen) into msg. 0 or -EBADMSG. */
static int decode_headers(const uint8_t *h, size_t hlen, struct evstream_msg *msg)
{
    size_t off = 0;
    msg->n_headers = 0;
    while (off < hlen) {
        if (msg->n_headers == EVSTREAM_MAX_DECODED_HEADERS || hlen - off < 1) {
            return -EBADMSG;
        }
        size_t nl = h[off];
        if (nl == 0 || hlen - off < 1 + nl + 3 || h[off + 1 + nl] != 7) {
            return -EBADMSG;
        }
        size_t vl = (size_t)h[off + 2 + nl] << 8 | h[off + 3 + nl];
        if (hlen - off - (4 + nl) < vl) {
            return -EBADMSG;
        }
        msg->headers[msg->n_headers].name = h + off + 1;
        msg->headers[msg->n_headers].name_len = nl;
        msg->headers[msg->n_headers].value = h + off + 4 + nl;
        msg->headers[msg->n_headers].value_len = vl;
        msg->n_headers++;
        off += 4 + nl + vl;
    }
    return 0;
}

int evstream_decode(const uint8_t *p, size_t len, struct evstream_msg *msg)
{
    if (len < 12) {
        return -EAGAIN;
    }
    uint32_t total = get_u32(p);
    uint32_t hlen = get_u32(p + 4);
    if (get_u32(p + 8) != evstream_crc32(0, p, 8) || total < EVSTREAM_OVERHEAD ||
        hlen > total - EVSTREAM_OVERHEAD || hlen > EVSTREAM_MAX_HEADERS ||
        total - EVSTREAM_OVERHEAD - hlen > EVSTREAM_MAX_PAYLOAD || total > INT_MAX) {
        return -EBADMSG;
    }
    if (len < total) {
        return -EAGAIN;
    }
    if (get_u32(p + total - 4) != evstream_crc32(0, p, total - 4)) {
        return -EBADMSG;
    }
    if (decode_headers(p + 12, hlen, msg) < 0) {
        return -EBADMSG;
    }
    msg->payload = p + 12 + hlen;
    msg->payload_len = total - EVSTREAM_OVERHEAD - hlen;
    return (int)total;
}
