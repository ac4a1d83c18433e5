/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a hard cap (as curl's dynbuf): appends past the cap fail with
 * -E2BIG, allocation failures with -ENOMEM, and the buffer is unchanged by a failed append.
 * The data is always followed by a NUL byte (not counted in len) once anything was appended. */
#ifndef CLAMBDA_COMMON_CL_BUF_H
#define CLAMBDA_COMMON_CL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct cl_buf {
    uint8_t *data; /* NULL until the first append */
    size_t len;
    size_t cap; /* allocated bytes */
    size_t max; /* hard cap on len */
};

/* Initialises an empty buffer in caller storage that may grow up to max bytes. */
void cl_buf_init(struct cl_buf *b, size_t max);
/* Frees the data; b may be reused after cl_buf_init(). NULL is a no-op. */
void cl_buf_fini(struct cl_buf *b);
/* Empties the buffer, keeping its memory. */
void cl_buf_reset(struct cl_buf *b);
/* Makes room for extra more bytes. 0, -E2BIG or -ENOMEM. */
int cl_buf_reserve(struct cl_buf *b, size_t extra);
/* Appends bytes. 0, -E2BIG or -ENOMEM. */
int cl_buf_append(struct cl_buf *b, const void *p, size_t n);
int cl_buf_append_str(struct cl_buf *b, const char *s);
int cl_buf_append_byte(struct cl_buf *b, uint8_t c);
/* Appends printf-formatted text. 0, -E2BIG, -ENOMEM or -EINVAL (bad format). */
int cl_buf_printf(struct cl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cl_buf_vprintf(struct cl_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Removes the first n bytes (n <= len). */
void cl_buf_consume(struct cl_buf *b, size_t n);
/* Returns the data as a NUL-terminated string ("" when empty); borrowed. */
const char *cl_buf_str(const struct cl_buf *b);

#endif /* CLAMBDA_COMMON_CL_BUF_H */
