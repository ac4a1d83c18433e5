/* SPDX-License-Identifier: MIT */
/* libclambda runtime API: the loop a Lambda function's `bootstrap` runs. It talks to the Runtime
 * API named by AWS_LAMBDA_RUNTIME_API over one keep-alive HTTP/1.1 connection, with libc only.
 * The same static binary runs on AWS Lambda (provided.al2023) and on `clambda serve`.
 *
 * Threading: a clambda_runtime and everything obtained from it belong to one thread at a time.
 * No function keeps global state except clambda_runtime_on_sigterm(), which installs a signal
 * handler for the process. */
#ifndef CLAMBDA_RUNTIME_H
#define CLAMBDA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLAMBDA_VERSION_MAJOR 0
#define CLAMBDA_VERSION_MINOR 1
#define CLAMBDA_VERSION_PATCH 0
#define CLAMBDA_VERSION_NUM \
    (CLAMBDA_VERSION_MAJOR * 10000 + CLAMBDA_VERSION_MINOR * 100 + CLAMBDA_VERSION_PATCH)

#if defined(CLAMBDA_BUILDING) && defined(__GNUC__)
#define CLAMBDA_API __attribute__((visibility("default")))
#else
#define CLAMBDA_API
#endif

/* Error codes. Values are never renumbered, only appended. */
enum clambda_error {
    CLAMBDA_OK = 0,
    CLAMBDA_ENOMEM = -1,       /* an allocation failed */
    CLAMBDA_EINVAL = -2,       /* bad argument (NULL handle, malformed endpoint, ...) */
    CLAMBDA_ENOENV = -3,       /* AWS_LAMBDA_RUNTIME_API is not set */
    CLAMBDA_ECONNECT = -4,     /* the Runtime API could not be reached (after retries) */
    CLAMBDA_EIO = -5,          /* the connection failed mid-request */
    CLAMBDA_EPROTO = -6,       /* the server sent something that is not valid HTTP/1.1 */
    CLAMBDA_ETOOBIG = -7,      /* 413: payload over the platform's limit, or over a local cap */
    CLAMBDA_EREQUESTID = -8,   /* 400 InvalidRequestID: not the current invocation */
    CLAMBDA_ESTATE = -9,       /* 403 InvalidStateTransition, or already answered locally */
    CLAMBDA_ESERVER = -10,     /* 500 or another unexpected status: the runtime should exit */
    CLAMBDA_ESHUTDOWN = -11,   /* SIGTERM arrived while waiting; the shutdown hook has run */
    CLAMBDA_EBADREQUEST = -12, /* 400 with another error type (e.g. a bad response mode) */
    CLAMBDA_ENOTHTTP = -13,    /* the event is not an HTTP event (http.h) */
    /* -64 to -79: <clambda/aws.h> (libclambda_aws), kept apart from the runtime's codes. */
    CLAMBDA_EAWS = -64,       /* an AWS service answered with an error (clambda_aws_client_*) */
    CLAMBDA_ECONDITION = -65, /* DynamoDB ConditionalCheckFailedException */
    CLAMBDA_ETHROTTLED = -66, /* throttled by the service, retries spent */
    CLAMBDA_ETLS = -67,       /* TLS failed: handshake, certificate or CA bundle */
    CLAMBDA_ENOCREDS = -68,   /* no AWS credentials or region in the environment */
    CLAMBDA_ETIMEDOUT = -69,  /* the service did not answer in time, retries spent */
};

/* Returns a static English description of a clambda_error value; never NULL. */
CLAMBDA_API const char *clambda_strerror(int err);

/* Returns CLAMBDA_VERSION_NUM of the library actually linked. */
CLAMBDA_API int clambda_version_num(void);

typedef struct clambda_runtime clambda_runtime;       /* one per process */
typedef struct clambda_invocation clambda_invocation; /* owned by the runtime */
typedef struct clambda_stream clambda_stream;         /* a streamed response in progress */

/* Opens a runtime on the endpoint in AWS_LAMBDA_RUNTIME_API ("host:port", "[v6]:port").
 * Reads the function's configuration from the environment once. Does not connect yet.
 * OUT: *out, free with clambda_runtime_close(). Errors: CLAMBDA_ENOENV, CLAMBDA_EINVAL,
 * CLAMBDA_ENOMEM. Does not block. */
CLAMBDA_API int clambda_runtime_open(clambda_runtime **out);

/* As clambda_runtime_open() with an explicit "host:port" endpoint (tests, proxies). */
CLAMBDA_API int clambda_runtime_open_at(const char *endpoint, clambda_runtime **out);

/* Frees the runtime, its connection and any current invocation. NULL is a no-op. */
CLAMBDA_API void clambda_runtime_close(clambda_runtime *rt);

/* Waits for the next event (GET /runtime/invocation/next). Blocks with no timeout: the
 * environment may be frozen between invocations. Reconnects with backoff when the connection
 * drops. An unanswered previous invocation is failed first (Runtime.NoResponse).
 * OUT: *out, borrowed, valid until the next clambda_runtime_next() or close. Sets
 * _X_AMZN_TRACE_ID for the invocation when a trace id is present (and unsets it otherwise).
 * Errors: CLAMBDA_ECONNECT, CLAMBDA_EPROTO, CLAMBDA_ESERVER, CLAMBDA_ETOOBIG, CLAMBDA_ENOMEM,
 * CLAMBDA_ESHUTDOWN. */
CLAMBDA_API int clambda_runtime_next(clambda_runtime *rt, clambda_invocation **out);

/* Posts the whole response (POST /runtime/invocation/{id}/response). content_type may be
 * NULL ("application/json"). Blocks until the platform answers. The invocation counts as
 * answered whatever the outcome, except CLAMBDA_EINVAL and local CLAMBDA_ENOMEM.
 * Errors: CLAMBDA_ESTATE (already answered), CLAMBDA_EREQUESTID, CLAMBDA_ETOOBIG (413, the
 * platform then fails the invocation with Function.ResponseSizeTooLarge), CLAMBDA_EIO, ... */
CLAMBDA_API int clambda_runtime_respond(clambda_runtime *rt, clambda_invocation *inv,
                                        const void *body, size_t len, const char *content_type);

/* Fails the invocation: posts {"errorMessage","errorType","stackTrace":[]} to
 * /runtime/invocation/{id}/error with Lambda-Runtime-Function-Error-Type. error_type NULL
 * means "Function.Unhandled"; message may be NULL. Any bytes are escaped correctly: valid
 * UTF-8 is kept, control bytes become \u00XX, invalid UTF-8 becomes U+FFFD. */
CLAMBDA_API int clambda_runtime_fail(clambda_runtime *rt, clambda_invocation *inv,
                                     const char *error_type, const char *message);

/* As clambda_runtime_fail() with a stack trace of n_frames strings (may be 0). */
CLAMBDA_API int clambda_runtime_fail_trace(clambda_runtime *rt, clambda_invocation *inv,
                                           const char *error_type, const char *message,
                                           const char *const *frames, size_t n_frames);

/* Reports an init failure (POST /runtime/init/error). Only valid before the first
 * clambda_runtime_next(); the caller should then exit with a non-zero status.
 * Errors: CLAMBDA_ESTATE after the first next, transport errors. */
CLAMBDA_API int clambda_runtime_init_error(clambda_runtime *rt, const char *error_type,
                                           const char *message);

/* ---- Invocation accessors. Strings are borrowed (valid as the invocation) and never NULL
 * unless stated: an absent header reads as NULL for the optional ones. ---- */

/* Event payload bytes, exactly as sent; *len gets the size. Not NUL-terminated in general
 * (a NUL is appended after the last byte for convenience). */
CLAMBDA_API const uint8_t *clambda_invocation_payload(const clambda_invocation *inv, size_t *len);
CLAMBDA_API const char *clambda_invocation_request_id(const clambda_invocation *inv);
/* Deadline in Unix epoch milliseconds (Lambda-Runtime-Deadline-Ms); 0 when absent. */
CLAMBDA_API int64_t clambda_invocation_deadline_ms(const clambda_invocation *inv);
/* Milliseconds left until the deadline, never negative. */
CLAMBDA_API int64_t clambda_invocation_remaining_ms(const clambda_invocation *inv);
CLAMBDA_API const char *clambda_invocation_function_arn(const clambda_invocation *inv);
/* Optional headers: NULL when the platform did not send them. */
CLAMBDA_API const char *clambda_invocation_trace_id(const clambda_invocation *inv);
CLAMBDA_API const char *clambda_invocation_client_context(const clambda_invocation *inv);
CLAMBDA_API const char *clambda_invocation_cognito_identity(const clambda_invocation *inv);
CLAMBDA_API const char *clambda_invocation_tenant_id(const clambda_invocation *inv);
/* The event's Content-Type; "application/json" when absent. */
CLAMBDA_API const char *clambda_invocation_content_type(const clambda_invocation *inv);

/* ---- Function configuration, read from the environment at open. Borrowed, valid until
 * clambda_runtime_close(); "" when the variable is unset. ---- */
CLAMBDA_API const char *clambda_runtime_function_name(const clambda_runtime *rt);
CLAMBDA_API const char *clambda_runtime_function_version(const clambda_runtime *rt);
/* AWS_LAMBDA_FUNCTION_MEMORY_SIZE in MB, 0 when unset or malformed. */
CLAMBDA_API int clambda_runtime_memory_mb(const clambda_runtime *rt);
CLAMBDA_API const char *clambda_runtime_log_group(const clambda_runtime *rt);
CLAMBDA_API const char *clambda_runtime_log_stream(const clambda_runtime *rt);
CLAMBDA_API const char *clambda_runtime_handler(const clambda_runtime *rt);

/* ---- Response streaming (Lambda-Runtime-Function-Response-Mode: streaming). ---- */

/* Starts a streamed response for inv with a chunked body. content_type NULL means
 * "application/octet-stream". OUT: *out, finish it with clambda_stream_finish() or
 * clambda_stream_fail(), which free it. Errors: CLAMBDA_ESTATE, transport errors. */
CLAMBDA_API int clambda_stream_open(clambda_runtime *rt, clambda_invocation *inv,
                                    const char *content_type, clambda_stream **out);

/* Sends len bytes as one chunk (len 0 is a no-op). Blocks until written. */
CLAMBDA_API int clambda_stream_write(clambda_stream *s, const void *data, size_t len);

/* Ends the stream successfully, reads the platform's answer and frees s. */
CLAMBDA_API int clambda_stream_finish(clambda_stream *s);

/* Ends the stream with an error: the last chunk is followed by the HTTP trailers
 * Lambda-Runtime-Function-Error-Type and Lambda-Runtime-Function-Error-Body (base64 of the
 * error JSON). Reads the platform's answer and frees s. */
CLAMBDA_API int clambda_stream_fail(clambda_stream *s, const char *error_type, const char *message);

/* ---- The loop. ---- */

/* A handler answers inv with clambda_runtime_respond(), _fail() or a stream. Returning without
 * answering makes the loop fail the invocation for it (errorType "Runtime.NoResponse", or
 * "Runtime.HandlerError" with clambda_strerror(ret) when ret != 0). */
typedef int clambda_handler_fn(clambda_runtime *rt, clambda_invocation *inv, void *user);

/* Opens the runtime from the environment and serves invocations until a fatal error
 * (CLAMBDA_ESERVER, CLAMBDA_ECONNECT after retries) or SIGTERM with a hook. One bad invocation
 * never ends the loop. Returns the error that ended it (CLAMBDA_ESHUTDOWN after SIGTERM). */
CLAMBDA_API int clambda_run(clambda_handler_fn *handler, void *user);

/* Runs once before the first event, after the runtime is opened: load configuration, open
 * connections. Return 0 to go on. */
typedef int clambda_init_fn(clambda_runtime *rt, void *user);

/* clambda_run() with an init step. When init returns non-zero, init has failed: unless it
 * already called clambda_runtime_init_error() itself, one is posted for it (errorType
 * "Runtime.InitError", the message names the return value), nothing is served, and the return
 * value is init's, so that main() exits non-zero as Lambda expects. */
CLAMBDA_API int clambda_run_init(clambda_init_fn *init, clambda_handler_fn *handler, void *user);

/* Same loop on an already opened runtime (which the caller still owns). */
CLAMBDA_API int clambda_runtime_run(clambda_runtime *rt, clambda_handler_fn *handler, void *user);

/* Installs a SIGTERM handler for the process. When SIGTERM arrives, the next (or current
 * blocking) call into rt runs fn(user) from normal context, then returns CLAMBDA_ESHUTDOWN.
 * Lambda sends SIGTERM to the runtime only when an extension is registered. */
typedef void clambda_shutdown_fn(void *user);
CLAMBDA_API int clambda_runtime_on_sigterm(clambda_runtime *rt, clambda_shutdown_fn *fn,
                                           void *user);

/* ---- Logging. ---- */

enum clambda_log_level {
    CLAMBDA_LOG_TRACE = 0,
    CLAMBDA_LOG_DEBUG = 1,
    CLAMBDA_LOG_INFO = 2,
    CLAMBDA_LOG_WARN = 3,
    CLAMBDA_LOG_ERROR = 4,
    CLAMBDA_LOG_FATAL = 5,
};

/* Writes one log line to stderr, as one write(2). AWS_LAMBDA_LOG_FORMAT=JSON gives
 * {"timestamp","level","message","requestId"} lines (requestId of rt's current invocation);
 * otherwise "<ISO time>\t<request id>\t<LEVEL>\t<message>". Lines below
 * AWS_LAMBDA_LOG_LEVEL (JSON format only, default INFO) are dropped. rt may be NULL. */
CLAMBDA_API void clambda_log(const clambda_runtime *rt, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* CLAMBDA_RUNTIME_H */
