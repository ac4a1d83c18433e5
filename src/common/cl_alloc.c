/* SPDX-License-Identifier: MIT */
/* libclambda's allocation wrappers. They exist so that one test hook can make the N-th next
 * allocation fail: the OOM test walks every allocation point of a call that way. */
#include "cl_alloc.h"

#include <stdlib.h>
#include <string.h>

/* Allocations left before the hook fails them; negative means the hook is off. Test-only,
 * per-thread state (so a test server thread is not affected); the real state lives in handles. */
static _Thread_local long fail_countdown = -1;

static int should_fail(void)
{
    if (fail_countdown < 0) {
        return 0;
    }
    if (fail_countdown == 0) {
        return 1;
    }
    fail_countdown--;
    return 0;
}

void cl_alloc_fail_after(long n)
{
    fail_countdown = n;
}

void *cl_alloc_malloc(size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(size ? size : 1);
}

void *cl_alloc_calloc(size_t n, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(n ? n : 1, size ? size : 1);
}

void *cl_alloc_realloc(void *p, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(p, size ? size : 1);
}

void cl_alloc_free(void *p)
{
    free(p);
}

char *cl_alloc_strndup(const char *s, size_t n)
{
    if (s == NULL) {
        return NULL;
    }
    size_t len = strnlen(s, n);
    char *d = cl_alloc_malloc(len + 1);
    if (d == NULL) {
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *cl_alloc_strdup(const char *s)
{
    return s == NULL ? NULL : cl_alloc_strndup(s, strlen(s));
}
