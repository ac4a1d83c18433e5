/* SPDX-License-Identifier: MIT */
/* libFuzzer target: cl_json_parse on arbitrary bytes. On success every token is visited with
 * every accessor (type, size, children, skip, raw text, unescaping, int64, member lookups), so
 * navigation over any accepted document must stay in bounds and never leak. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_alloc.h"
#include "cl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void visit_container(const struct cl_json *doc, int tok)
{
    int n = cl_json_size(doc, tok);
    int prev = tok;
    for (int i = 0; i < n; i++) {
        int c = cl_json_child(doc, tok, i);
        if (c <= prev || c >= doc->n_toks) {
            abort(); /* children are in text order and inside the document */
        }
        prev = c;
    }
    if (cl_json_child(doc, tok, n) != -1 || cl_json_skip(doc, tok) > doc->n_toks) {
        abort();
    }
    if (cl_json_type(doc, tok) == CL_JSON_OBJECT && n > 0) {
        /* Look up the first key again: the first member with that name must be found. */
        char *key = NULL;
        size_t key_len = 0;
        int k = cl_json_child(doc, tok, 0);
        if (cl_json_strdup(doc, k, &key, &key_len) == 0 && strlen(key) == key_len) {
            if (cl_json_get(doc, tok, key) != k + 1 || cl_json_get_ci(doc, tok, key) < 0) {
                abort();
            }
            const char *const path[] = {key, NULL};
            (void)cl_json_path(doc, tok, path);
        }
        cl_alloc_free(key);
    }
}

static void visit_string(const struct cl_json *doc, int tok)
{
    struct cl_buf b;
    cl_buf_init(&b, 1 << 20);
    size_t raw_len;
    (void)cl_json_raw(doc, tok, &raw_len);
    if (cl_json_str(doc, tok, &b) != 0 || b.len > raw_len) {
        abort(); /* an accepted string always unescapes, never to more bytes */
    }
    char *s = NULL;
    size_t len = 0;
    if (cl_json_strdup(doc, tok, &s, &len) != 0 || len != b.len ||
        (len > 0 && memcmp(s, b.data, len) != 0)) {
        abort();
    }
    if (memchr(s, '\0', len) == NULL && !cl_json_str_eq(doc, tok, s)) {
        abort();
    }
    cl_alloc_free(s);
    cl_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cl_json doc;
    if (cl_json_parse(&doc, data, size, 4096) != 0) {
        return 0;
    }
    for (int t = 0; t < doc.n_toks; t++) {
        size_t len;
        if (cl_json_raw(&doc, t, &len) == NULL || len > size) {
            abort();
        }
        int64_t v;
        switch (cl_json_type(&doc, t)) {
        case CL_JSON_OBJECT:
        case CL_JSON_ARRAY:
            visit_container(&doc, t);
            break;
        case CL_JSON_STRING:
            visit_string(&doc, t);
            break;
        case CL_JSON_NUMBER:
            (void)cl_json_int64(&doc, t, &v);
            break;
        case CL_JSON_TRUE:
        case CL_JSON_FALSE:
        case CL_JSON_NULL:
            (void)cl_json_is_true(&doc, t);
            break;
        default:
            abort();
        }
    }
    if (cl_json_skip(&doc, 0) != doc.n_toks) {
        abort(); /* one root covering everything */
    }
    cl_json_fini(&doc);
    return 0;
}
