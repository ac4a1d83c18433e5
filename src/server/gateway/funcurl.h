/* SPDX-License-Identifier: MIT */
/* Function URLs served (http-events.md §3, docs/gateway.md): every URL config the control plane
 * stored (control/urls.c) answers on the public listener, by Host
 * (http://<url-id>.lambda-url.<region>.localhost:<port>/...) or by path
 * (/lambda-url/<function>[/<alias>]/...). A request becomes a payload format 2.0 event
 * (gwevent.h), runs through exec/pool like a synchronous Invoke, and the result becomes the
 * HTTP answer (gwanswer.h): buffered, or with InvokeMode RESPONSE_STREAM chunked to the client
 * as the function produces it. AuthType AWS_IAM checks SigV4 (service "lambda"); Cors answers
 * preflights without invoking and adds Access-Control-* headers to every answer. Errors as AWS
 * answers them: 403 (no such URL, refused signature), 413, 429 with Retry-After, 502 for a
 * function error, a timeout or a malformed response. Runs on the loop thread. */
#ifndef CLAMBDA_SERVER_GATEWAY_FUNCURL_H
#define CLAMBDA_SERVER_GATEWAY_FUNCURL_H

#include <stdbool.h>

#include "api/call.h"

/* Prefix of the path form. */
#define FUNCURL_PATH_PREFIX "/lambda-url/"

/* True when req is for a Function URL: its Host ends in ".lambda-url.<region>.localhost" (or
 * AWS's ".lambda-url.<region>.on.aws"), port aside, or its path starts with
 * FUNCURL_PATH_PREFIX. */
bool funcurl_match(const struct call_ctx *ctl, const struct http1_request *req);

/* Stores a URL config for function name (unqualified) unless it has one: auth_type, invoke_mode,
 * cors_json (a JSON object as text, NULL: none), as CreateFunctionUrlConfig would with
 * FunctionUrl on port (a SAM template's FunctionUrlConfig at start). OUT: *url (free()) or NULL
 * when one existed. 0 or -errno (the store). */
int funcurl_put_default(struct call_ctx *ctl, const char *name, const char *auth_type,
                        const char *invoke_mode, const char *cors_json, int port, char **url);

/* The URL configs read from the store, kept while the store is not written
 * (call_ctx.urls: made by the first request, freed by routes_fini). */
struct funcurl_cache *funcurl_cache_new(void);
void funcurl_cache_free(struct funcurl_cache *fc);

/* Answers req (funcurl_match was true), now or once the invocation ends. */
void funcurl_handle(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req);

#endif /* CLAMBDA_SERVER_GATEWAY_FUNCURL_H */
