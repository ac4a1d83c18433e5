/* SPDX-License-Identifier: MIT */
/* Lambda authorizers of HTTP APIs, REQUEST type (docs/gateway.md): the identity sources a
 * request must carry (else 401 without calling the authorizer), the event the authorizer
 * function receives (payload format 2.0 or 1.0, with routeArn / methodArn and identitySource),
 * the decision read from its answer (a simple response {"isAuthorized", "context"} when the
 * authorizer enables simple responses, else an IAM policy whose Allow statements must cover the
 * route's ARN and no Deny may), and a cache of answers by identity for the authorizer's TTL.
 * Pure apart from the clock the caller passes: unit tests drive it directly. */
#ifndef CLAMBDA_SERVER_GATEWAY_AUTHZ_H
#define CLAMBDA_SERVER_GATEWAY_AUTHZ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/sam.h"
#include "gateway/gwevent.h"

/* The identity of a request for authorizer a: the values of its identity sources, in order.
 * OUT: *values (a JSON array of strings; json_decref). 0, or -ENOENT when one is missing or
 * empty (API Gateway answers 401 then). An authorizer without identity sources has the empty
 * identity and is never cached. */
int authz_identity(const struct sam_authorizer *a, const struct gwevent_request *r,
                   json_t **values);

/* The route ARN API Gateway gives the authorizer:
 * arn:aws:execute-api:<region>:<account>:<api_id>/<stage>/<METHOD><path>. Caller frees. */
char *authz_route_arn(const char *region, const char *account, const char *api_id,
                      const char *stage, const char *method, const char *path);

/* The authorizer's event for request r (r's route fields filled) as compact JSON. OUT: *json
 * (free()), *len. 0 or -EINVAL. */
int authz_event(const struct sam_authorizer *a, const struct gwevent_request *r,
                const char *route_arn, const json_t *identity, char **json, size_t *len);

/* What an authorizer's answer decides. */
enum authz_verdict { AUTHZ_ALLOW, AUTHZ_DENY, AUTHZ_MALFORMED };

/* Reads the authorizer's answer out[0..len) for route_arn. OUT: *context (when allowed: the
 * answer's context object, or NULL; json_decref), *principal (IAM form: principalId, or NULL;
 * free()). */
enum authz_verdict authz_decide(const struct sam_authorizer *a, const uint8_t *out, size_t len,
                                const char *route_arn, json_t **context, char **principal);

/* The requestContext.authorizer the function receives for an allowed request: {"lambda":
 * context} for payload 2.0, the context's members with principalId for 1.0. Consumes
 * context; principal borrowed (may be NULL). */
json_t *authz_function_view(json_t *context, const char *principal, bool is_v1);

/* Answers of authorizers by identity, kept for each authorizer's TTL. */
struct authz_cache;
struct authz_cache *authz_cache_new(void);
void authz_cache_free(struct authz_cache *c);
/* The cached answer of authorizer api_id/name for identity at now_ms, or NULL (borrowed until
 * the next put). */
const char *authz_cache_get(struct authz_cache *c, const char *api_id, const char *name,
                            const json_t *identity, int64_t now_ms, size_t *len);
/* Keeps answer out[0..len) until now_ms + ttl_s (ttl_s 0 or no identity: nothing kept). */
void authz_cache_put(struct authz_cache *c, const char *api_id, const char *name,
                     const json_t *identity, int ttl_s, const uint8_t *out, size_t len,
                     int64_t now_ms);

#endif /* CLAMBDA_SERVER_GATEWAY_AUTHZ_H */
