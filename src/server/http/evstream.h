/* SPDX-License-Identifier: MIT */
/* AWS event-stream framing (application/vnd.amazon.eventstream), as InvokeWithResponseStream
 * answers: each message is total_len u32 BE | headers_len u32 BE | CRC32 of those 8 bytes |
 * headers | payload | CRC32 of everything before it. A header is name_len u8 | name |
 * type u8 | value; only string values (type 7: len u16 BE | bytes) are encoded, which is all
 * Lambda sends. The decoder exists to check the encoder (tests) and reads string headers only.
 * Pure functions, no libuv. */
#ifndef CLAMBDA_SERVER_EVSTREAM_H
#define CLAMBDA_SERVER_EVSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* Prelude (12 bytes) plus message CRC (4 bytes). */
#define EVSTREAM_OVERHEAD 16
/* botocore's limits: headers <= 128 KiB, payload <= 24 MiB per message. */
#define EVSTREAM_MAX_HEADERS ((size_t)128 * 1024)
#define EVSTREAM_MAX_PAYLOAD ((size_t)24 * 1024 * 1024)
/* Most headers the decoder returns per message. */
#define EVSTREAM_MAX_DECODED_HEADERS 16

/* One string header (NUL-terminated name <= 255 bytes, value <= 65535 bytes). */
struct evstream_header {
    const char *name;
    const char *value;
};

/* A decoded message; pointers borrow the input buffer (names and values are NOT
 * NUL-terminated: use the lengths). */
struct evstream_msg {
    struct {
        const uint8_t *name;
        size_t name_len;
        const uint8_t *value;
        size_t value_len;
    } headers[EVSTREAM_MAX_DECODED_HEADERS];
    size_t n_headers;
    const uint8_t *payload;
    size_t payload_len;
};

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib's crc32): continues crc over p[0..len).
 * Start with 0. */
uint32_t evstream_crc32(uint32_t crc, const uint8_t *p, size_t len);

/* Appends one message to out. 0, -EINVAL for a name or value over its size field or headers
 * or payload over botocore's limits, or -E2BIG/-ENOMEM from out. */
int evstream_encode(struct cl_buf *out, const struct evstream_header *hdrs, size_t n_hdrs,
                    const uint8_t *payload, size_t len);

/* Decodes the message at the start of p[0..len). OUT: *msg. Returns the bytes it used (> 0),
 * -EAGAIN when the message is incomplete, -EBADMSG for a bad length, CRC or header. */
int evstream_decode(const uint8_t *p, size_t len, struct evstream_msg *msg);

#endif /* CLAMBDA_SERVER_EVSTREAM_H */
