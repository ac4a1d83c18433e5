/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the JSON string writer as a round-trip property, bytes >= 0x80 included.
 * For any input, cl_json_write_str's output parses as exactly one JSON string whose unescaped
 * value is valid UTF-8 (RFC 3629); if the input was valid UTF-8, the value equals the input
 * (control characters are escaped by the writer and come back from the unescaper). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the well-formed UTF-8 sequence at p, or 0; independent of the code under test. */
static size_t utf8_seq(const uint8_t *p, size_t len)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t cp;
    if (p[0] < 0x80) {
        return 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    bool ok = cp >= min[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    return ok ? n : 0;
}

static bool is_utf8(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq(p + i, len - i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cl_buf w, v;
    struct cl_json doc;
    cl_buf_init(&w, 6 * size + 2);
    cl_buf_init(&v, 3 * size + 1);
    if (cl_json_write_str(&w, data, size) != 0) {
        abort();
    }
    for (size_t i = 0; i < w.len; i++) {
        if (w.data[i] < 0x20 || w.data[i] == 0x7F) {
            abort(); /* control bytes never appear raw in the output */
        }
    }
    if (cl_json_parse(&doc, w.data, w.len, 1) != 0 || cl_json_type(&doc, 0) != CL_JSON_STRING) {
        abort();
    }
    if (cl_json_str(&doc, 0, &v) != 0 || !is_utf8(v.data, v.len)) {
        abort();
    }
    if (is_utf8(data, size) && (v.len != size || (size > 0 && memcmp(v.data, data, size) != 0))) {
        abort();
    }
    cl_json_fini(&doc);
    cl_buf_fini(&w);
    cl_buf_fini(&v);
    return 0;
}
