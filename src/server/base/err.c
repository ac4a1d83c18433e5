/* SPDX-License-Identifier: MIT */
/* The error carrier; see err.h. */
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

void err_fini(struct err *e)
{
    if (e) {
        free(e->message);
        e->message = NULL;
    }
}

int err_take(struct err *e, int status, const char *type, char *message)
{
    free(e->message);
    e->status = status;
    e->type = type;
    e->message = message;
    return -EINVAL;
}

int err_setv(struct err *e, int status, const char *type, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) {
        abort(); /* a bad format: a bug, as in xasprintf */
    }
    char *m = xmalloc((size_t)n + 1);
    (void)vsnprintf(m, (size_t)n + 1, fmt, again);
    va_end(again);
    return err_take(e, status, type, m);
}

int err_set(struct err *e, int status, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = err_setv(e, status, type, fmt, ap);
    va_end(ap);
    return rc;
}
