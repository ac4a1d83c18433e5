/* SPDX-License-Identifier: MIT */
/* Capped growable byte buffer; see cl_buf.h. Growth doubles (at least 64 bytes) and never
 * passes max + 1 (the +1 keeps room for the terminating NUL). */
#include "cl_buf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cl_alloc.h"

void cl_buf_init(struct cl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void cl_buf_fini(struct cl_buf *b)
{
    if (b == NULL) {
        return;
    }
    cl_alloc_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void cl_buf_reset(struct cl_buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

int cl_buf_reserve(struct cl_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra) {
        return -E2BIG;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    if (b->max < SIZE_MAX && cap > b->max + 1) {
        cap = b->max + 1;
    }
    uint8_t *p = cl_alloc_realloc(b->data, cap);
    if (p == NULL) {
        return -ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int cl_buf_append(struct cl_buf *b, const void *p, size_t n)
{
    int rc = cl_buf_reserve(b, n);
    if (rc < 0) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cl_buf_append_str(struct cl_buf *b, const char *s)
{
    return cl_buf_append(b, s, strlen(s));
}

int cl_buf_append_byte(struct cl_buf *b, uint8_t c)
{
    return cl_buf_append(b, &c, 1);
}

int cl_buf_vprintf(struct cl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return -EINVAL;
    }
    int rc = cl_buf_reserve(b, (size_t)n);
    if (rc < 0) {
        return rc;
    }
    (void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int cl_buf_printf(struct cl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void cl_buf_consume(struct cl_buf *b, size_t n)
{
    if (n >= b->len) {
        cl_buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

const char *cl_buf_str(const struct cl_buf *b)
{
    return b->data == NULL ? "" : (const char *)b->data;
}
