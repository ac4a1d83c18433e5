/* SPDX-License-Identifier: MIT */
/* libclambda's allocator: thin wrappers over malloc that never abort, plus a test-only hook that
 * makes the N-th next allocation fail, so that tests can walk every allocation point (OOM loop).
 * Internal symbols carry the cl_ prefix: libclambda is linked statically into user code and
 * must not collide with a function author's names. */
#ifndef CLAMBDA_COMMON_CL_ALLOC_H
#define CLAMBDA_COMMON_CL_ALLOC_H

#include <stddef.h>

/* Allocate / free. Return NULL on failure (or when the test hook says so). */
void *cl_alloc_malloc(size_t size);
void *cl_alloc_calloc(size_t n, size_t size);
void *cl_alloc_realloc(void *p, size_t size);
void cl_alloc_free(void *p);
/* Copies of C strings; caller frees with cl_alloc_free(). NULL in gives NULL out. */
char *cl_alloc_strdup(const char *s);
char *cl_alloc_strndup(const char *s, size_t n);

/* Test hook: after n more successful allocations in this thread, every allocation fails until
 * the hook is reset with n < 0. Tests only. */
void cl_alloc_fail_after(long n);

#endif /* CLAMBDA_COMMON_CL_ALLOC_H */
