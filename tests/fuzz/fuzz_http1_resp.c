/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the Runtime API response parser. Feeds the input in two pieces (split at a
 * position taken from the first byte) and reads every field back. */
#include <stddef.h>
#include <stdint.h>

#include "cl_http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t split = data[0] % size;
    struct cl_http1_resp r;
    cl_http1_resp_init(&r, 1 << 16);
    long n = cl_http1_resp_feed(&r, data + 1, split > 0 ? split - 1 : 0);
    if (n >= 0 && !r.is_done) {
        n = cl_http1_resp_feed(&r, data + split, size - split);
    }
    if (n >= 0) {
        (void)cl_http1_resp_eof(&r);
    }
    for (int i = 0; i < r.n_fields; i++) {
        size_t len;
        (void)cl_http1_resp_field(&r, "Lambda-Runtime-Aws-Request-Id", &len);
    }
    cl_http1_resp_fini(&r);
    return 0;
}
