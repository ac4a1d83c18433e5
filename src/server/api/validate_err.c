/* SPDX-License-Identifier: MIT */
/* AWS's validation messages and the error carrier; see validate_err.h. */
#include "api/validate_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

/* A newly allocated string from fmt and ap, however long. */
static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) {
        abort(); /* a bad format: a bug, as xasprintf */
    }
    char *s = xmalloc((size_t)n + 1);
    (void)vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

void validate_err_fini(struct validate_err *err)
{
    if (err) {
        free(err->message);
        err->message = NULL;
    }
}

/* Sets status and type and takes message over. -EINVAL. */
static int set_taken(struct validate_err *err, int status, const char *type, char *message)
{
    err->status = status;
    err->type = type;
    err->message = message;
    return -EINVAL;
}

int validate_err_set(struct validate_err *err, int status, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = vformat(fmt, ap);
    va_end(ap);
    return set_taken(err, status, type, m);
}

int validate_err_one(struct validate_err *err, const char *value, const char *member,
                     const char *constraint)
{
    if (value == NULL) {
        return set_taken(err, 400, "ValidationException",
                         xasprintf("1 validation error detected: Value at '%s' failed to "
                                   "satisfy constraint: %s",
                                   member, constraint));
    }
    return set_taken(err, 400, "ValidationException",
                     xasprintf("1 validation error detected: Value '%s' at '%s' failed to "
                               "satisfy constraint: %s",
                               value, member, constraint));
}

int validate_err_null(struct validate_err *err, const char *member)
{
    return set_taken(err, 400, "ValidationException",
                     xasprintf("1 validation error detected: Value null at '%s' failed to "
                               "satisfy constraint: Member must not be null",
                               member));
}

int validate_err_type(struct validate_err *err, const char *member, const char *want)
{
    return set_taken(err, 400, "InvalidRequestContentException",
                     xasprintf("Could not parse request body into json: Could not deserialize "
                               "member '%s': expected %s",
                               member, want));
}

int validate_err_invalid_param(struct validate_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = vformat(fmt, ap);
    va_end(ap);
    return set_taken(err, 400, "InvalidParameterValueException", m);
}

void validate_err_list_init(struct validate_err_list *l)
{
    l->n = 0;
    cl_buf_init(&l->msg, VALIDATE_ERR_MAX);
}

void validate_err_add(struct validate_err_list *l, const char *value, const char *member,
                      const char *fmt, ...)
{
    va_list ap;
    if (l->n++ > 0) {
        (void)cl_buf_append_str(&l->msg, "; ");
    }
    (void)cl_buf_printf(&l->msg, "Value '%s' at '%s' failed to satisfy constraint: ", value,
                        member);
    va_start(ap, fmt);
    (void)cl_buf_vprintf(&l->msg, fmt, ap);
    va_end(ap);
}

int validate_err_list_done(struct validate_err_list *l, struct validate_err *err)
{
    int rc = 0;
    if (l->n > 0) {
        rc = set_taken(err, 400, "ValidationException",
                       xasprintf("%d validation error%s detected: %s", l->n, l->n == 1 ? "" : "s",
                                 cl_buf_str(&l->msg)));
    }
    cl_buf_fini(&l->msg);
    l->n = 0;
    return rc;
}
