/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the server's HTTP/1.1 request parser (src/server/http1.c): the input is
 * fed in pieces whose sizes come from the first byte, pipelined requests are walked with
 * http1_parser_next, and every delivered request is checked for consistency (body within its
 * cap, headers NUL-terminated and findable). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct http1_request *r, size_t max_body)
{
    if (r->body_len > max_body || (r->body == NULL) != (r->body_len == 0)) {
        abort();
    }
    for (size_t i = 0; i < r->n_headers; i++) {
        if (http1_header(r, r->headers[i].name) == NULL) {
            abort();
        }
    }
    if (strlen(r->method) == 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t step = (size_t)data[0] % 17 + 1;
    const size_t max_body = 64;
    struct http1_parser p;
    http1_parser_init(&p, 4096, max_body);
    size_t off = 1;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;
        size_t used = 0;
        int rc = http1_parser_feed(&p, data + off, n, &used);
        if (rc < 0) {
            break;
        }
        off += used;
        if (rc == 1) {
            check(&p.req, max_body);
            size_t len = 0;
            free(http1_parser_take_body(&p, &len));
            (void)http1_parser_take_continue(&p);
            http1_parser_next(&p);
        } else if (used < n) {
            abort(); /* 0 means everything was consumed */
        }
    }
    http1_parser_fini(&p);
    return 0;
}
