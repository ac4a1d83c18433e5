/* SPDX-License-Identifier: MIT */
/* The adapter's per-invocation work: turns an HTTP event (API Gateway payload 1.0 / 2.0,
 * Function URL, ALB) into an HTTP/1.1 request to the web app over one kept-alive connection,
 * and the app's answer into the response document the event's source expects, or a streamed
 * response with the HTTP integration prelude. Other events are POSTed to the pass-through
 * path and the app's JSON body is the function's result. */
#ifndef CLAMBDA_ADAPTER_LWA_PROXY_H
#define CLAMBDA_ADAPTER_LWA_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <clambda/http.h>
#include <clambda/runtime.h>

#include "cl_buf.h"
#include "cl_http1.h"
#include "cl_httpc.h"
#include "lwa_config.h"

struct lwa_proxy {
    const struct lwa_config *cfg;
    struct cl_httpc app;       /* the connection to the app */
    struct cl_http1_resp resp; /* the app's answer, reused */
    struct cl_hdr *hdrs;       /* the request's header fields, reused */
    size_t cap_hdrs;
    /* Reused text: request target, generated header values, one app header copied out. */
    struct cl_buf target, host, cookie, req_ctx, lambda_ctx, field;
    clambda_http_response *out; /* the answer being built, reset for each invocation */
    long last_use_ms;           /* CLOCK_REALTIME of the last app request (the idle timeout) */
    bool is_ready;              /* the readiness check passed (async init re-checks once) */
    /* a streamed answer in progress */
    clambda_runtime *rt;
    clambda_invocation *inv;
    clambda_stream *stream;
    int stream_rc;    /* the clambda_error that stopped the stream, or 0 */
    int error_status; /* an app status configured as an error, or 0 */
};

/* Prepares p for cfg (borrowed, must outlive p). is_ready: the readiness check already
 * passed. 0, -EINVAL (bad host/port) or -ENOMEM; lwa_proxy_fini() either way. Does not
 * connect. */
int lwa_proxy_init(struct lwa_proxy *p, const struct lwa_config *cfg, bool is_ready);

/* Frees p's buffers and closes the app connection. NULL is a no-op. */
void lwa_proxy_fini(struct lwa_proxy *p);

/* clambda_handler_fn with user = struct lwa_proxy *: answers inv through the app. Blocks
 * until the app has answered. Always answers inv (a function error when the app cannot be
 * reached or its status is one of AWS_LWA_ERROR_STATUS_CODES). */
int lwa_proxy_handle(clambda_runtime *rt, clambda_invocation *inv, void *user);

/* Exposed for unit tests. */

/* Appends the request target for raw_path and raw_query to out: the base path stripped (every
 * leading repetition, as LWA's trim_start_matches), a leading "/" ensured, and bytes that may
 * not appear in a path or query percent-encoded (WHATWG path and query sets). */
int lwa_proxy_target(struct cl_buf *out, const char *base_path, const char *raw_path,
                     const char *raw_query);

/* LWA's text-or-binary rule for an app response: binary with Content-Encoding; text without
 * Content-Type; text for text..., application/json..., application/javascript...,
 * application/xml..., application/yaml... and types ending in +xml, +yaml, +json; text with
 * X-Lambda-Http-Content-Encoding: text; binary otherwise. Arguments may be NULL (absent). */
bool lwa_proxy_is_binary(const char *content_type, size_t ct_len, bool has_content_encoding,
                         bool says_text);

#endif /* CLAMBDA_ADAPTER_LWA_PROXY_H */
