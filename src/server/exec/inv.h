/* SPDX-License-Identifier: MIT */
/* One invocation on its way from the Invoke API to an environment and back: request id,
 * payload, client context, the caller's wishes (sync/async, log tail) and the completion
 * callback. The Invoke API owns it; the pool and an environment borrow it until they call
 * inv_complete(), after which they must not touch it. */
#ifndef CLAMBDA_SERVER_INV_H
#define CLAMBDA_SERVER_INV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ids.h"
#include "observe/logs.h"

struct inv;

/* How an invocation ended. */
enum inv_outcome {
    INV_OK = 0,         /* body = the function's response */
    INV_FUNCTION_ERROR, /* body = error JSON; X-Amz-Function-Error: Unhandled */
    INV_THROTTLED,      /* no environment in time: 429 with reason */
};

/* The end of an invocation; every pointer is borrowed for the duration of the callback. */
struct inv_result {
    enum inv_outcome outcome;
    const uint8_t *body;
    size_t len;
    const char *content_type;
    const char *reason; /* INV_THROTTLED: TooManyRequestsException Reason */
    /* When non-NULL, *owner == body is the producer's malloc'd buffer, and the done callback
     * may take it (set *owner = NULL, free it later) instead of copying it: a 6 MB answer is
     * then handed to the socket writer as it is. */
    uint8_t **owner;
};

/* Called exactly once per invocation; usually frees it (inv_free). */
typedef void inv_done_fn(struct inv *inv, const struct inv_result *r);
/* Streaming consumer: receives a streamed response's bytes as the runtime sends them. Returns
 * 1 when the producer should pause until inv->resume is called, else 0. */
typedef int inv_chunk_fn(struct inv *inv, const uint8_t *data, size_t len);
/* Resumes a paused producer. */
typedef void inv_resume_fn(void *producer);

struct inv {
    struct inv *next; /* wait-queue link, owned by the pool */
    char id[IDS_UUID_LEN];
    char trace[IDS_TRACE_LEN];
    char *function; /* function name */
    char *version;  /* the version it runs ("$LATEST" unless the API resolved another) */
    char *arn;      /* ARN as invoked, with qualifier when one was used */
    uint8_t *payload;
    size_t len;
    char *client_context; /* decoded JSON or NULL */
    bool is_async;
    struct logs_tail *tail; /* non-NULL when the caller asked for the log tail */
    uint64_t wait_until_ns; /* sync: give up waiting for an environment at this time */
    inv_done_fn *done;
    inv_chunk_fn *chunk;   /* set by a streaming caller (InvokeWithResponseStream) */
    inv_resume_fn *resume; /* set by the environment while it streams into chunk */
    void *producer;        /* argument of resume */
    void *owner;           /* the API's context (e.g. the caller's connection, NULL once gone) */
    char *stream_ctype;    /* a streamed response's Content-Type as the runtime set it, or NULL */
};

/* A new invocation of version $LATEST with a fresh request id and trace id; takes ownership of
 * payload (malloc'd) and copies the strings. inv_set_version() picks another version. want_tail
 * allocates the tail buffer. Free with inv_free(). */
struct inv *inv_new(const char *function, const char *arn, uint8_t *payload, size_t len,
                    bool want_tail, inv_done_fn *done);
/* Makes inv run version (copied). */
void inv_set_version(struct inv *inv, const char *version);
/* Records the Content-Type of the response the runtime starts to stream (copied; NULL: none). */
void inv_set_stream_type(struct inv *inv, const char *content_type);
/* Frees inv and everything it owns. NULL is a no-op. */
void inv_free(struct inv *inv);
/* Reports the result to the owner (calls inv->done). inv must not be used afterwards. */
void inv_complete(struct inv *inv, const struct inv_result *r);
/* Completes inv as a function error with the platform-built body
 * {"errorType":"<type>","errorMessage":"RequestId: <id> Error: <message>"}. */
void inv_fail(struct inv *inv, const char *error_type, const char *message);
/* Builds that platform error JSON. Caller frees the result with free(). */
char *inv_error_json(const char *error_type, const char *request_id, const char *message);

#endif /* CLAMBDA_SERVER_INV_H */
