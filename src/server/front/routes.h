/* SPDX-License-Identifier: MIT */
/* The public API's front door (control-api.md): every request on the API listener comes here
 * first and is matched to its route in one table (Invoke, InvokeWithResponseStream, code
 * downloads, GET /metrics, the Logs API, the control-plane operations), whose flags say what
 * happens before the handler: with --auth sigv4 the signature is verified (sigv4.h) against the
 * credentials file, on the thread pool for code uploads and large payloads. Every path of the
 * 2015-03-31 / 2016-08-19 / 2017-03-31 / 2017-10-31 / 2018-10-31 / 2019-09-25 / 2019-09-30 /
 * 2021-10-31 / 2021-11-15 API versions is matched (labels percent-decoded) to its operation.
 * Operations that are not implemented answer 501 NotImplementedException naming the operation,
 * never a silent success; unknown paths or methods answer 404 UnknownOperationException.
 * docs/api.md lists every operation. */
#ifndef CLAMBDA_SERVER_FRONT_ROUTES_H
#define CLAMBDA_SERVER_FRONT_ROUTES_H

#include "api/call.h"

/* Sets up ctl->fns, ctl->aliases and ctl->catalog once the other members are filled: loads the
 * stored versions, aliases and concurrency settings of the pool's functions (catalog_restore)
 * and gives the invoke API the alias cache; makes ctl->url_key. */
void routes_init(struct call_ctx *ctl);
/* Frees ctl->fns. NULL is a no-op. */
void routes_fini(struct call_ctx *ctl);

/* ---- the route table ------------------------------------------------------------------------ */

/* Route flags: what the front door does before a route's handler runs. */
#define ROUTES_UNSIGNED   0x1u /* no SigV4 even with --auth sigv4: the URL is the credential */
#define ROUTES_CODE_BODY  0x2u /* the body may be CALL_MAX_CODE_REQUEST bytes, not the 6 MB cap */
#define ROUTES_OFFLOAD    0x4u /* signature and body are checked on the thread pool */
#define ROUTES_OFFLOAD_LG 0x8u /* the same, when the body is ROUTES_OFFLOAD_MIN bytes or more */

/* The body size from which ROUTES_OFFLOAD_LG routes are checked off the loop: below it the SigV4
 * body hash and the JSON scan take less time than a trip through the thread pool. */
#define ROUTES_OFFLOAD_MIN ((size_t)64 * 1024)

/* What kind of route. */
enum routes_kind {
    ROUTES_FUNCURL,       /* a Function URL, by Host or /lambda-url/ (gateway/funcurl.h) */
    ROUTES_OP,            /* a control-plane operation: fn */
    ROUTES_INVOKE,        /* Invoke (invoke/invoke.h) */
    ROUTES_INVOKE_STREAM, /* InvokeWithResponseStream */
    ROUTES_DOWNLOAD,      /* a code download (control/download.h) */
    ROUTES_METRICS,       /* GET /metrics (observe/metrics.h) */
    ROUTES_LOGS,          /* the CloudWatch Logs API (observe/logs_api.h) */
    ROUTES_UNKNOWN,       /* nothing else: 404 UnknownOperationException */
};

/* One route of the public listener. */
/* Field order follows the table's initialisers (method, pattern, name, kind, fn, flags), read
 * top-down; the 8 bytes of padding in 66 rows are not worth a less readable table.
 * NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding) */
struct routes_route {
    const char *method;  /* NULL: any */
    const char *pattern; /* path; "{}" is a label; "?key=value" when operations share a path and
                          * a query parameter tells them apart (such entries come first) */
    const char *name;    /* the operation: "GetFunction", "Invoke", ... */
    enum routes_kind kind;
    void (*fn)(struct call *call); /* ROUTES_OP's handler; NULL: not implemented yet (501) */
    unsigned flags;                /* ROUTES_* */
};

/* The route of req, from its method, target and headers (not its body; req may be a head):
 * Invoke and InvokeWithResponseStream first, by their prefix and suffix alone, then code
 * downloads, GET /metrics, the Logs API (POST / with X-Amz-Target: Logs_20140328.*), the
 * control-plane operations, and last the unknown route. Never NULL; borrowed from the table.
 * Pure. */
const struct routes_route *routes_find(const struct call_ctx *ctl, const struct http1_request *req);
/* The largest body route r takes (CALL_MAX_CODE_REQUEST or INVOKE_MAX_SYNC). */
size_t routes_body_max(const struct routes_route *r);

/* httpd head handler for the public listener: sets the request's body cap from its route
 * (routes_body_max). */
void routes_head(struct httpd_conn *c, const struct http1_request *req, void *user);
/* httpd request handler for the public listener; user is a struct call_ctx. */
void routes_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

#endif /* CLAMBDA_SERVER_FRONT_ROUTES_H */
