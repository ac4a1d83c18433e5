/* SPDX-License-Identifier: MIT */
/* libFuzzer target for src/server/gateway/gwanswer.c: a function's output (inference or the
 * structured form, and the 1.0 form of API Gateway) and a streamed response's prelude never make it
 * read out of bounds or leak, and no header it produces can split the response head (no CR or LF in
 * names or values). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gwanswer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct gwanswer *a)
{
    for (size_t i = 0; i < a->n_headers; i++) {
        if (strpbrk(a->headers[i].name, "\r\n") || strpbrk(a->headers[i].value, "\r\n")) {
            abort();
        }
    }
    if (a->status < 100 || a->status > 599) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gwanswer a;
    gwanswer_init(&a);
    if (gwanswer_from_result(data, size, &a) == 0) {
        check(&a);
    }
    gwanswer_fini(&a);
    gwanswer_init(&a);
    if (gwanswer_from_result_v1(data, size, &a) == 0) { /* payload 1.0, API Gateway */
        check(&a);
    }
    gwanswer_fini(&a);
    size_t plen = 0;
    long off = gwanswer_prelude_end(data, size, &plen);
    if (off >= 0) {
        if ((size_t)off > size || plen + 8 != (size_t)off) {
            abort();
        }
        gwanswer_init(&a);
        if (gwanswer_from_prelude(data, plen, &a) == 0) {
            check(&a);
        }
        gwanswer_fini(&a);
    }
    return 0;
}
