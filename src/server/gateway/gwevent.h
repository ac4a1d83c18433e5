/* SPDX-License-Identifier: MIT */
/* The request half of a Function URL (http-events.md §2.1, §3): an HTTP request turned into
 * the payload format 2.0 event the function receives. routeKey and stage are "$default";
 * headers are lower-cased with repeated values joined by ','; the Cookie header becomes the
 * cookies array; query values are percent-decoded and repeated keys joined by ','; the body is
 * text or base64 by content type, as AWS does. Pure: no I/O and no clock (the caller passes the
 * time), so unit tests drive it directly. */
#ifndef CLAMBDA_SERVER_GATEWAY_GWEVENT_H
#define CLAMBDA_SERVER_GATEWAY_GWEVENT_H

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

#endif /* CLAMBDA_SERVER_GATEWAY_GWEVENT_H */
