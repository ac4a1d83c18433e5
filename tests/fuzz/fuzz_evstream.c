/* SPDX-License-Identifier: MIT */
/* libFuzzer target for src/server/evstream.c: evstream_decode never reads out of bounds, and
 * every message it accepts re-encodes to the same bytes (the encoder and decoder agree). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/evstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct evstream_msg m;
    int n = evstream_decode(data, size, &m);
    if (n <= 0) {
        return 0;
    }
    /* Re-encode the accepted message (names and values as NUL-terminated copies). */
    struct evstream_header h[EVSTREAM_MAX_DECODED_HEADERS];
    char *copies[2 * EVSTREAM_MAX_DECODED_HEADERS];
    size_t n_copies = 0;
    int ok = 1;
    for (size_t i = 0; i < m.n_headers; i++) {
        char *name = strndup((const char *)m.headers[i].name, m.headers[i].name_len);
        char *value = strndup((const char *)m.headers[i].value, m.headers[i].value_len);
        copies[n_copies++] = name;
        copies[n_copies++] = value;
        if (name == NULL || value == NULL || strlen(name) != m.headers[i].name_len ||
            strlen(value) != m.headers[i].value_len) {
            ok = 0; /* an embedded NUL: not representable as a C string header */
        }
        h[i].name = name;
        h[i].value = value;
    }
    if (ok) {
        struct cl_buf b;
        cl_buf_init(&b, (size_t)n + 1);
        if (evstream_encode(&b, h, m.n_headers, m.payload, m.payload_len) != 0 ||
            b.len != (size_t)n || memcmp(b.data, data, (size_t)n) != 0) {
            abort();
        }
        cl_buf_fini(&b);
    }
    for (size_t i = 0; i < n_copies; i++) {
        free(copies[i]);
    }
    return 0;
}
