/* SPDX-License-Identifier: MIT */
/* Aborting allocation for the server and the CLI (as redis's zmalloc): per-request memory is
 * bounded by caps, so running out of memory is a bug or a dying host, and the only sane answer
 * is to log the size and abort. libclambda never uses these (it returns CLAMBDA_ENOMEM). */
#ifndef CLAMBDA_SERVER_XALLOC_H
#define CLAMBDA_SERVER_XALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc that never return NULL: on failure they print the size to stderr and
 * abort(). Free the result with free(). */
void *xmalloc(size_t size);
/* As xmalloc, zero-filled; n * size must not overflow (checked, aborts). */
void *xcalloc(size_t n, size_t size);
/* As realloc; aborts instead of returning NULL. */
void *xrealloc(void *p, size_t size);
/* A copy of the NUL-terminated s (NULL gives NULL); free with free(). */
char *xstrdup(const char *s);
/* A NUL-terminated copy of the first n bytes of s; free with free(). */
char *xstrndup(const char *s, size_t n);
/* A newly allocated printf-formatted string; free with free(). Aborts on a bad format. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CLAMBDA_SERVER_XALLOC_H */
