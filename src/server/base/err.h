/* SPDX-License-Identifier: MIT */
/* The one carrier of an error the server answers in AWS's shape: HTTP status, AWS's error type
 * and a message of any length (never cut at a buffer size). Filled by the code that knows what
 * failed (validation in api/validate_err, target lookup in api/target, the catalog) and sent as
 * is by the handler (call_reject). */
#ifndef CLAMBDA_SERVER_BASE_ERR_H
#define CLAMBDA_SERVER_BASE_ERR_H

#include <stdarg.h>

/* An error to answer as is. Zero-initialise it ({0}); err_fini frees the message. */
struct err {
    int status;       /* 400, 404, 409, 413, 500, ... */
    const char *type; /* static: "ValidationException", "ResourceNotFoundException", ... */
    char *message;    /* owned (err_fini); NULL until set */
};

/* Frees e's message. NULL is a no-op; e may be set again afterwards. */
void err_fini(struct err *e);

/* Sets *e to status, type (a static string) and a message from fmt (any length), replacing
 * what it held. Returns -EINVAL, so that a caller can `return err_set(...)`. */
int err_set(struct err *e, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* err_set with a va_list. Returns -EINVAL. */
int err_setv(struct err *e, int status, const char *type, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Sets *e to status and type and takes message (heap, freed by err_fini) over, replacing what
 * it held. Returns -EINVAL. */
int err_take(struct err *e, int status, const char *type, char *message);

#endif /* CLAMBDA_SERVER_BASE_ERR_H */
