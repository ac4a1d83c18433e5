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
#include "invoke/payload.h"

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
    struct async *async;
    const struct aliases *aliases; /* name:alias resolution (aliases.h); NULL: none */
};

/* One Invoke or InvokeWithResponseStream request, as the front door (front/routes.c) hands it
 * over once the route, the signature and, for a large payload, the JSON check are done. */
struct invoke_req {
    const struct http1_request *req; /* the request's target and headers (its body: payload) */
    bool is_stream;                  /* InvokeWithResponseStream */
    const char *function;            /* the FunctionName label, decoded; NULL when malformed */
    uint8_t *payload;                /* the body (malloc'd; NULL when empty): invoke_handle's */
    size_t len;
    const struct payload_verdict *checked; /* the JSON check's verdict; NULL: not run yet */
};

/* Answers ir on c (api->account is the caller's account): the function and qualifier, the
 * invocation type, log type, payload and client context, then the invocation, whose result is
 * c's answer (or, streaming, its events). Takes ir->payload (ir->payload is NULL on return);
 * keeps no pointer to api or ir. */
void invoke_handle(const struct invoke *api, struct httpd_conn *c, struct invoke_req *ir);

struct inv;
/* Makes c the streaming caller of inv (InvokeWithResponseStream): the runtime's bytes go out as
 * PayloadChunk events as they come (a buffered response as one), then InvokeComplete. */
void invoke_stream_attach(struct httpd_conn *c, struct inv *inv);

#endif /* CLAMBDA_SERVER_API_INVOKE_H */
