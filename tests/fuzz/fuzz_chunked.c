/* SPDX-License-Identifier: MIT */
/* libFuzzer target: chunked transfer decoding, fed one byte at a time for the first half of
 * the input and in one piece for the rest, so split points inside every state are covered. */
#include <stddef.h>
#include <stdint.h>

#include "cl_http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cl_chunked c;
    struct cl_buf out, trailers;
    cl_chunked_init(&c);
    cl_buf_init(&out, 1 << 16);
    cl_buf_init(&trailers, 1 << 12);
    size_t i = 0;
    while (i < size / 2 && !c.is_done) {
        long n = cl_chunked_decode(&c, data + i, 1, &out, &trailers);
        if (n < 0) {
            goto done;
        }
        i += (size_t)n;
    }
    if (!c.is_done) {
        (void)cl_chunked_decode(&c, data + i, size - i, &out, &trailers);
    }
done:
    cl_buf_fini(&out);
    cl_buf_fini(&trailers);
    return 0;
}
