/* SPDX-License-Identifier: MIT */
/* Private to the HTTP helpers (http_request.c, http_response.c): shared caps and the mapping
 * from internal negative errno values to the public clambda_error codes. Nothing here is API. */
#ifndef CLAMBDA_RUNTIME_HTTP_INT_H
#define CLAMBDA_RUNTIME_HTTP_INT_H

#include <errno.h>

#include "clambda/http.h"

/* Largest body (decoded request body, or serialised response) the helpers handle. Lambda's
 * own limit is 6 MB buffered; leave room for base64 and JSON escaping. */
#define HTTP_MAX_BODY (16u << 20)
/* JSON tokens in one event: real HTTP events have a few hundred. */
#define HTTP_MAX_TOKENS 65536

/* Maps 0 / -ENOMEM / -E2BIG / anything else to CLAMBDA_OK / ENOMEM / ETOOBIG / EINVAL. */
static inline int http_map_errno(int rc)
{
    if (rc >= 0) {
        return CLAMBDA_OK;
    }
    if (rc == -ENOMEM) {
        return CLAMBDA_ENOMEM;
    }
    return rc == -E2BIG ? CLAMBDA_ETOOBIG : CLAMBDA_EINVAL;
}

#endif /* CLAMBDA_RUNTIME_HTTP_INT_H */
