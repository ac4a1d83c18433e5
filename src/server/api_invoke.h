/* SPDX-License-Identifier: MIT */
/* The public Invoke API (control-api.md "Invoke"): POST
 * /2015-03-31/functions/{FunctionName}/invocations with RequestResponse, Event and DryRun,
 * log tails, client context, payload limits and AWS's error shape (x-amzn-ErrorType header plus
 * a JSON body with Type and message/Message), which botocore turns into its exceptions. Also
 * InvokeWithResponseStream (POST /2021-11-15/functions/{FunctionName}/response-streaming-
 * invocations): the same checks, answered as an AWS event stream. */
#ifndef CLAMBDA_SERVER_API_INVOKE_H
#define CLAMBDA_SERVER_API_INVOKE_H

#include "api_logs.h"
#include "async.h"
#include "httpd.h"
#include "metrics.h"
#include "pool.h"

/* Largest synchronous request payload (AWS: 6 MB). */
#define API_INVOKE_MAX_SYNC 6291456
/* Largest asynchronous (Event) payload (AWS since Oct 2025: 1 MB). */
#define API_INVOKE_MAX_ASYNC 1048576

/* The API's context: the pool, the asynchronous queue and the names used in ARNs. Borrowed
 * pointers. */
struct api_invoke {
    struct pool *pool;
    const char *region;
    const char *account;
    struct metrics *metrics;     /* GET /metrics (NULL: 404) */
    const struct api_logs *logs; /* the Logs API on POST / (NULL: 404) */
    struct async *async;
};

/* httpd request handler; user is a struct api_invoke. */
void api_invoke_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

struct inv;
/* Makes c the streaming caller of inv (InvokeWithResponseStream): the runtime's bytes go out as
 * PayloadChunk events as they come (a buffered response as one), then InvokeComplete. */
void api_invoke_stream_attach(struct httpd_conn *c, struct inv *inv);

/* Sends an AWS error: status, x-amzn-ErrorType: type, body {"Type":"User"|"Service",
 * "<msg_key>":"<message>"[,"Reason":"<reason>"]}. request_id goes in x-amzn-RequestId. */
void api_invoke_error(struct httpd_conn *c, int status, const char *type, const char *msg_key,
                      const char *message, const char *reason, const char *request_id);

#endif /* CLAMBDA_SERVER_API_INVOKE_H */
