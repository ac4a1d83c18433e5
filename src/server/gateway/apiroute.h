/* SPDX-License-Identifier: MIT */
/* Which route of a SAM template's APIs a request is for (docs/gateway.md): API Gateway's
 * choice among routes with literal segments, path parameters ({id}), a greedy last segment
 * ({proxy+}), a method or ANY, and an HttpApi's $default. The most specific route wins,
 * segment by segment from the left (a literal over a {param} over a {proxy+}), then a method
 * over ANY; $default only when nothing else matches. Every API of the template shares one
 * listener, as `sam local start-api` serves them: among equally specific routes of different
 * APIs the first in the template wins (apiroute_conflicts names them at start). Paths are
 * matched without a stage prefix, as SAM does. Pure: unit tests drive it directly. */
#ifndef CLAMBDA_SERVER_GATEWAY_APIROUTE_H
#define CLAMBDA_SERVER_GATEWAY_APIROUTE_H

#include <jansson.h>
#include <stddef.h>

#include "catalog/sam.h"

/* A request's match. params: the path parameters (percent-decoded; a greedy one without its
 * '+'), an object of strings, NULL when the route has none (apiroute_match_fini). */
struct apiroute_match {
    size_t route; /* index in the template's routes */
    json_t *params;
};

/* Finds the route of t for method and path (the request path, percent-encoded, without its
 * query). OUT: *m. 0, or -ENOENT when no route matches (the API's 404). */
int apiroute_find(const struct sam_template *t, const char *method, const char *path,
                  struct apiroute_match *m);
/* Frees what m holds. */
void apiroute_match_fini(struct apiroute_match *m);

/* The route key of r as API Gateway writes it: "GET /items/{id}", "ANY /{proxy+}", "$default".
 * OUT: key (cap bytes, truncated). */
void apiroute_key(const struct sam_route *r, char *key, size_t cap);

/* Calls fn(arg, a, b) for each pair of routes of t that are the same key on different APIs or
 * twice on one (the later one is never chosen). Returns how many. */
size_t apiroute_conflicts(const struct sam_template *t,
                          void (*fn)(void *arg, const struct sam_route *a,
                                     const struct sam_route *b),
                          void *arg);

#endif /* CLAMBDA_SERVER_GATEWAY_APIROUTE_H */
