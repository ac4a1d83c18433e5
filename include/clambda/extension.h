/* SPDX-License-Identifier: MIT */
/* libclambda Extensions API client. An extension is a process (external: an executable in
 * /opt/extensions/ started by the platform) or a thread inside the runtime (internal) that
 * registers with the Extensions API, then loops on clambda_extension_next() to receive INVOKE
 * and SHUTDOWN events. Calling next is also the extension's "I am done" signal: for init, and
 * for each invoke. See docs/extensions.md.
 *
 * Threading: a clambda_extension and the events obtained from it belong to one thread at a
 * time; different handles may be used from different threads. No global state. */
#ifndef CLAMBDA_EXTENSION_H
#define CLAMBDA_EXTENSION_H

#include <stddef.h>
#include <stdint.h>

#include "runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct clambda_extension clambda_extension;             /* one per registration */
typedef struct clambda_extension_event clambda_extension_event; /* owned by the extension */

/* Event types, also used as the bit mask given to clambda_extension_register(). */
enum clambda_ext_events {
    CLAMBDA_EXT_INVOKE = 1,
    CLAMBDA_EXT_SHUTDOWN = 2, /* external extensions only */
};

/* Why the environment shuts down (SHUTDOWN events). */
enum clambda_ext_shutdown_reason {
    CLAMBDA_EXT_REASON_OTHER = 0, /* absent or not one of the values below */
    CLAMBDA_EXT_SPINDOWN = 1,     /* idle environment reclaimed */
    CLAMBDA_EXT_TIMEOUT = 2,      /* the function or an extension ran past the timeout */
    CLAMBDA_EXT_FAILURE = 3,      /* a crash or another failure reset the environment */
};

/* Registers an extension with the Extensions API at AWS_LAMBDA_RUNTIME_API
 * (POST /2020-01-01/extension/register). name goes into Lambda-Extension-Name: an external
 * extension must pass its executable's file name (basename of argv[0]), which is how the
 * platform matches the registration to the process it started. events is a mask of
 * enum clambda_ext_events; internal extensions may only ask for CLAMBDA_EXT_INVOKE, and with
 * 0 next never returns (the platform kills the extension at shutdown). Asks for the account
 * id too (Lambda-Extension-Accept-Feature: accountId).
 * Blocks until the platform answers (connection refusals are retried for up to 10 s).
 * OUT: *out (NULL on error), free with clambda_extension_close().
 * Errors: CLAMBDA_EINVAL (NULL/empty name, control bytes in name, unknown event bits),
 * CLAMBDA_ENOENV, CLAMBDA_ENOMEM, CLAMBDA_ECONNECT, CLAMBDA_EIO, CLAMBDA_EBADREQUEST (400),
 * CLAMBDA_ESTATE (403: name, events, registration closed, too many extensions),
 * CLAMBDA_ESERVER (500 or another status: exit), CLAMBDA_EPROTO (no identifier or a body that
 * is not a JSON object). */
CLAMBDA_API int clambda_extension_register(const char *name, unsigned events,
                                           clambda_extension **out);

/* As clambda_extension_register() with an explicit "host:port" endpoint (tests, proxies). */
CLAMBDA_API int clambda_extension_register_at(const char *endpoint, const char *name,
                                              unsigned events, clambda_extension **out);

/* Frees the extension, its connection and its current event. NULL is a no-op. Does not tell
 * the platform anything: an extension simply exits after SHUTDOWN. */
CLAMBDA_API void clambda_extension_close(clambda_extension *ext);

/* ---- Registration results. Borrowed, valid until clambda_extension_close(); never NULL for
 * a non-NULL ext ("" when the platform did not send the value). ---- */

/* The Lambda-Extension-Identifier the platform assigned; sent on every later call. */
CLAMBDA_API const char *clambda_extension_id(const clambda_extension *ext);
CLAMBDA_API const char *clambda_extension_function_name(const clambda_extension *ext);
CLAMBDA_API const char *clambda_extension_function_version(const clambda_extension *ext);
CLAMBDA_API const char *clambda_extension_handler(const clambda_extension *ext);
/* The AWS account id ("" when the platform does not support the accountId feature). */
CLAMBDA_API const char *clambda_extension_account_id(const clambda_extension *ext);

/* ---- Events. ---- */

/* Waits for the next event (GET /2020-01-01/extension/event/next). Blocks with no timeout:
 * the environment may be frozen between invocations. The first call ends the extension's
 * init; each later one tells the platform the extension is done with the previous INVOKE.
 * OUT: *out (NULL on error), borrowed, valid until the next clambda_extension_next() or
 * clambda_extension_close(). After a SHUTDOWN the extension should clean up and exit before
 * the event's deadline.
 * Errors: CLAMBDA_EINVAL, CLAMBDA_ESTATE (403, or after an init/exit error was reported),
 * CLAMBDA_EBADREQUEST (400), CLAMBDA_ESERVER (500: exit), CLAMBDA_ECONNECT, CLAMBDA_EIO,
 * CLAMBDA_ENOMEM, CLAMBDA_ETOOBIG (event over 64 KiB), CLAMBDA_EPROTO (malformed event JSON
 * or an unknown eventType: the event is skipped and calling next again is safe). */
CLAMBDA_API int clambda_extension_next(clambda_extension *ext, clambda_extension_event **out);

/* CLAMBDA_EXT_INVOKE or CLAMBDA_EXT_SHUTDOWN. */
CLAMBDA_API int clambda_extension_event_type(const clambda_extension_event *ev);
/* INVOKE: the invocation's deadline; SHUTDOWN: when the extension must have exited. Unix epoch
 * milliseconds, 0 when absent. */
CLAMBDA_API int64_t clambda_extension_event_deadline_ms(const clambda_extension_event *ev);

/* Strings below are borrowed, valid as the event; NULL when absent or not applicable. */

/* INVOKE: the invocation's request id (never NULL for INVOKE). */
CLAMBDA_API const char *clambda_extension_event_request_id(const clambda_extension_event *ev);
/* INVOKE: the invoked function's ARN, with qualifier ("" when absent). */
CLAMBDA_API const char *
clambda_extension_event_invoked_function_arn(const clambda_extension_event *ev);
/* INVOKE: tracing.type ("X-Amzn-Trace-Id") and tracing.value (the trace header value). */
CLAMBDA_API const char *clambda_extension_event_tracing_type(const clambda_extension_event *ev);
CLAMBDA_API const char *clambda_extension_event_tracing_value(const clambda_extension_event *ev);
/* SHUTDOWN: the reason as enum clambda_ext_shutdown_reason (compared case-insensitively);
 * CLAMBDA_EXT_REASON_OTHER for INVOKE. */
CLAMBDA_API int clambda_extension_event_shutdown_reason(const clambda_extension_event *ev);
/* SHUTDOWN: shutdownReason exactly as sent ("spindown", "timeout", "failure", ...). */
CLAMBDA_API const char *
clambda_extension_event_shutdown_reason_str(const clambda_extension_event *ev);

/* ---- Failures. Both post {"errorMessage","errorType","stackTrace":[]} with headers
 * Lambda-Extension-Identifier and Lambda-Extension-Function-Error-Type. error_type NULL means
 * "Extension.Unknown" (bytes outside printable ASCII become '_' in the header); message may be
 * NULL, and any bytes in it are escaped correctly. Block until the platform answers (202).
 * Afterwards every call but close returns CLAMBDA_ESTATE: the extension should exit non-zero.
 * Errors: CLAMBDA_EINVAL, CLAMBDA_ESTATE, CLAMBDA_ENOMEM, transport and status errors as for
 * next. ---- */

/* Reports that the extension failed to initialise (POST /2020-01-01/extension/init/error).
 * Only before the first clambda_extension_next() (CLAMBDA_ESTATE afterwards). The platform
 * fails the environment's init with Extension.InitError. */
CLAMBDA_API int clambda_extension_init_error(clambda_extension *ext, const char *error_type,
                                             const char *message);

/* Reports that the extension hit an error it cannot recover from
 * (POST /2020-01-01/extension/exit/error); the platform resets the environment with
 * Extension.ExitError. */
CLAMBDA_API int clambda_extension_exit_error(clambda_extension *ext, const char *error_type,
                                             const char *message);

/* ---- Telemetry API ---- */

/* The streams a subscription receives (combine with |). */
enum clambda_telemetry_types {
    CLAMBDA_TELEMETRY_PLATFORM = 1,  /* platform.* events */
    CLAMBDA_TELEMETRY_FUNCTION = 2,  /* the function's log lines */
    CLAMBDA_TELEMETRY_EXTENSION = 4, /* the extensions' log lines (beware: not your own output,
                                        or every line you print comes back to you) */
};

/* Subscribes ext to the Telemetry API (PUT /2022-07-01/telemetry, schemaVersion 2022-12-13):
 * from now on the platform POSTs JSON arrays of {"time","type","record"} events to
 * http://sandbox.localdomain:<port><path>, a listener the extension runs itself (port 9001 is
 * reserved). types: enum clambda_telemetry_types flags. max_items (1,000-10,000), max_bytes
 * (262,144-1,048,576) and timeout_ms (25-30,000) set the buffering; 0 keeps AWS's default
 * (10,000, 262,144 and 1,000). Subscribe during init, before the first
 * clambda_extension_next(). Blocks until the platform answers.
 * Errors: CLAMBDA_EINVAL (NULL ext, types 0, port out of range, path not starting with '/' or
 * holding quotes, backslashes or control bytes), CLAMBDA_EBADREQUEST (400 ValidationError: a
 * value out of range), CLAMBDA_ESTATE (403), transport and status errors as for next. */
CLAMBDA_API int clambda_extension_telemetry_subscribe(clambda_extension *ext, unsigned types,
                                                      int port, const char *path,
                                                      uint32_t max_items, uint32_t max_bytes,
                                                      uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* CLAMBDA_EXTENSION_H */
