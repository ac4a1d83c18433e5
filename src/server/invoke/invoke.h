/* SPDX-License-Identifier: MIT */
/* The public Invoke API (control-api.md "Invoke"): POST
 * /2015-03-31/functions/{FunctionName}/invocations with RequestResponse, Event and DryRun,
 * log tails, client context, payload limits and AWS's error shape (x-amzn-ErrorType header plus
 * a JSON body with Type and message/Message), which botocore turns into its exceptions. Also
 * InvokeWithResponseStream (POST /2021-11-15/functions/{FunctionName}/response-streaming-
 * invocations): the same checks, answered as an AWS event stream. */
#ifndef CLAMBDA_SERVER_API_INVOKE_H
#define CLAMBDA_SERVER_API_INVOKE_H

#include "exec/pool.h"
#include "http/httpd.h"
#include "invoke/async.h"
#include "observe/logs_api.h"
#include "observe/metrics.h"

struct aliases;

/* Largest synchronous request payload (AWS: 6 MB). */
#define INVOKE_MAX_SYNC 6291456
/* Largest asynchronous (Event) payload (AWS since Oct 2025: 1 MB). */
#define INVOKE_MAX_ASYNC 1048576

/* The API's context: the pool, the asynchronous queue and the names used in ARNs. Borrowed
 * pointers. */
struct invoke {
    struct pool *pool;
    const char *region;
    const char *account;
    struct metrics *metrics;     /* GET /metrics (NULL: 404) */
    const struct logs_api *logs; /* the Logs API on POST / (NULL: 404) */
    struct async *async;
    const struct aliases *aliases; /* name:alias resolution (aliases.h); NULL: none */
};

/* httpd request handler; user is a struct invoke. */
void invoke_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

struct inv;
/* Makes c the streaming caller of inv (InvokeWithResponseStream): the runtime's bytes go out as
 * PayloadChunk events as they come (a buffered response as one), then InvokeComplete. */
void invoke_stream_attach(struct httpd_conn *c, struct inv *inv);

#endif /* CLAMBDA_SERVER_API_INVOKE_H */
