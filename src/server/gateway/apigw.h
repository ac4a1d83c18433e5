/* SPDX-License-Identifier: MIT */
/* API Gateway for the HTTP APIs and REST APIs of a SAM template (`clambda serve --template`,
 * docs/gateway.md), on its own listener (--http-listen, default 127.0.0.1:3000, as `sam local
 * start-api`; every API of the template on it). A request is matched to a route (apiroute.h),
 * CORS preflights are answered by the gateway, a Lambda authorizer runs first when the route
 * has one (authz.h, its answers cached for the TTL), then the function gets the payload format
 * 2.0 or 1.0 event (gwevent.h) through exec/pool like a synchronous Invoke and its result
 * becomes the answer (gwanswer.h). API Gateway's own answers: 404 {"message":"Not Found"}
 * (REST only: 403 "Missing Authentication Token"), 401/403 from authorizers, 413, and for a
 * function error, a throttle or a malformed answer HTTP API's 500 "Internal Server Error" or
 * REST's 502 "Internal server error", and at the integration timeout (TimeoutInMillis, 30 s /
 * 29 s) HTTP API's 503 or REST's 504. Runs on the loop thread. */
#ifndef CLAMBDA_SERVER_GATEWAY_APIGW_H
#define CLAMBDA_SERVER_GATEWAY_APIGW_H

#include <stdio.h>
#include <uv.h>

#include "api/call.h"
#include "catalog/sam.h"
#include "http/httpd.h"

struct apigw;

/* Largest request body API Gateway takes (10 MB). */
#define APIGW_MAX_BODY ((size_t)10 * 1024 * 1024)

/* Opens the listener of cfg (its max_body is raised to APIGW_MAX_BODY) serving t's APIs and
 * routes, taken from t (t keeps its functions and URL configs). ctl is the public listener's
 * context (pool, store, region, account), borrowed. OUT: *out (apigw_close). 0 or a negative
 * errno (the listener). */
int apigw_open(uv_loop_t *loop, struct call_ctx *ctl, const struct httpd_config *cfg,
               struct sam_template *t, struct apigw **out);
/* The bound port. */
int apigw_port(const struct apigw *g);
/* Serves t's APIs and routes from now on (taken from t, as apigw_open); requests under way
 * finish with the routes they started with. */
void apigw_set_routes(struct apigw *g, struct sam_template *t);
/* Prints the routes as `sam local start-api` does ("Mounting fn at http://host:port/path
 * [GET]"), and routes no request can reach. */
void apigw_print_routes(const struct apigw *g, const char *host, FILE *f);
/* Closes the listener (answers under way are dropped) and frees g. NULL is a no-op. */
void apigw_close(struct apigw *g);

#endif /* CLAMBDA_SERVER_GATEWAY_APIGW_H */
