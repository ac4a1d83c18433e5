/* SPDX-License-Identifier: MIT */
/* AWS's validation messages and the error carrier; see validate_err.h. */
#include "base/validate_err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/xalloc.h"

int validate_err_one(struct err *err, const char *value, const char *member, const char *constraint)
{
    if (value == NULL) {
        return err_take(err, 400, "ValidationException",
                        xasprintf("1 validation error detected: Value at '%s' failed to "
                                  "satisfy constraint: %s",
                                  member, constraint));
    }
    return err_take(err, 400, "ValidationException",
                    xasprintf("1 validation error detected: Value '%s' at '%s' failed to "
                              "satisfy constraint: %s",
                              value, member, constraint));
}

int validate_err_null(struct err *err, const char *member)
{
    return err_take(err, 400, "ValidationException",
                    xasprintf("1 validation error detected: Value null at '%s' failed to "
                              "satisfy constraint: Member must not be null",
                              member));
}

int validate_err_type(struct err *err, const char *member, const char *want)
{
    return err_take(err, 400, "InvalidRequestContentException",
                    xasprintf("Could not parse request body into json: Could not deserialize "
                              "member '%s': expected %s",
                              member, want));
}

int validate_err_invalid_param(struct err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = err_setv(err, 400, "InvalidParameterValueException", fmt, ap);
    va_end(ap);
    return rc;
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

int validate_err_list_done(struct validate_err_list *l, struct err *err)
{
    int rc = 0;
    if (l->n > 0) {
        rc = err_take(err, 400, "ValidationException",
                      xasprintf("%d validation error%s detected: %s", l->n, l->n == 1 ? "" : "s",
                                cl_buf_str(&l->msg)));
    }
    cl_buf_fini(&l->msg);
    l->n = 0;
    return rc;
}
