/* SPDX-License-Identifier: MIT */
/* The request half of a Function URL or an API Gateway route (http-events.md §1.1, §2.1, §3):
 * an HTTP request turned into the payload format 2.0 event (or 1.0, gwevent_build_v1) the
 * function receives. For a Function URL routeKey and stage are "$default";
 * headers are lower-cased with repeated values joined by ','; the Cookie header becomes the
 * cookies array; query values are percent-decoded and repeated keys joined by ','; the body is
 * text or base64 by content type, as AWS does. Pure: no I/O and no clock (the caller passes the
 * time), so unit tests drive it directly. */
#ifndef CLAMBDA_SERVER_GATEWAY_GWEVENT_H
#define CLAMBDA_SERVER_GATEWAY_GWEVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http1.h"

/* One request as the gateway saw it; everything borrowed. */
struct gwevent_request {
    const char *method;
    const char *path;  /* rawPath: the path as received (still percent-encoded), "/..." */
    const char *query; /* rawQueryString: without '?', "" when none */
    const struct http1_header *headers;
    size_t n_headers;
    const uint8_t *body; /* NULL when body_len is 0 */
    size_t body_len;
    const char *source_ip;   /* the TCP peer */
    const char *url_id;      /* apiId and domainPrefix */
    const char *domain_name; /* e.g. "<url_id>.lambda-url.us-east-1.localhost" */
    const char *account;
    const char *request_id;
    int64_t time_ms;            /* when the request arrived, epoch ms */
    const char *iam_access_key; /* AWS_IAM: the caller's access key; NULL with AuthType NONE */
    const char *iam_account;    /* AWS_IAM: the caller's account */
    /* API Gateway only (NULL for a Function URL): */
    const char *route_key;           /* "GET /items/{id}"; NULL: "$default" */
    const char *resource;            /* payload 1.0: the route's path ("/items/{id}") */
    const char *stage;               /* NULL: "$default" */
    const json_t *path_params;       /* pathParameters, an object of strings */
    const json_t *stage_vars;        /* stageVariables */
    const json_t *authorizer;        /* requestContext.authorizer as the format writes it */
    const char *const *binary_types; /* payload 1.0 of a REST API: its BinaryMediaTypes decide */
    size_t n_binary_types;           /* which bodies are base64 ("*" + "/" + "*" any) */
    bool is_rest;                    /* a REST API (binary_types), not an HTTP API */
};

/* True when a body of content type ctype (NULL: none) goes to the function as text, false
 * when it is base64-encoded: text/..., application/json, application/javascript,
 * application/xml, application/yaml, application/x-www-form-urlencoded and any type ending in
 * +json, +xml or +yaml (parameters after ';' ignored, case-insensitive). */
bool gwevent_is_text(const char *ctype);

/* Builds the event of r as compact JSON. OUT: *json (caller frees with free()), *json_len.
 * 0, or -EINVAL when a header value is not valid UTF-8 (such values are replaced, so this does
 * not happen in practice; kept for the contract). */
int gwevent_build(const struct gwevent_request *r, char **json, size_t *json_len);

/* req's headers plus what AWS's front end adds: x-forwarded-for ip (joined after a client's
 * own with ','), x-forwarded-proto and x-forwarded-port. OUT: hs (HTTP1_MAX_HEADERS + 3 of
 * them; they borrow from req and ip), port (8 bytes). Returns how many. */
size_t gwevent_forwarded(const struct http1_request *req, const char *ip, struct http1_header *hs,
                         char *port);

/* The payload format 1.0 event of r (REST APIs, and HTTP APIs that ask for it): headers and
 * multiValueHeaders (the last value in the first), queryStringParameters and
 * multiValueQueryStringParameters, null for each empty collection and for no body; body base64
 * when r->is_rest and its content type matches r->binary_types (else text), or for an HTTP API
 * by gwevent_is_text. OUT: *json (free()), *json_len. 0 or -EINVAL. */
int gwevent_build_v1(const struct gwevent_request *r, char **json, size_t *json_len);

/* True when content type ctype matches one of types ("image/png", "image/ *" written without
 * the space, "*" + "/" + "*"). */
bool gwevent_type_matches(const char *ctype, const char *const *types, size_t n);

#endif /* CLAMBDA_SERVER_GATEWAY_GWEVENT_H */
