/* {{name}}: the Lambda loop. Each event is parsed as an HTTP request (API Gateway v1/v2,
 * Function URL or ALB), routed by handler.c, and answered in the shape its source expects. */
#include <clambda/http.h>
#include <clambda/runtime.h>

#include "handler.h"

static int handle(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    clambda_http_request *req = NULL;
    clambda_http_response *resp = NULL;
    (void)user;
    int rc = clambda_http_request_from(inv, &req);
    if (rc == CLAMBDA_ENOTHTTP || rc == CLAMBDA_EINVAL) {
        return clambda_runtime_fail(rt, inv, "InvalidEvent", clambda_strerror(rc));
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_response_new(&resp);
    }
    if (rc == CLAMBDA_OK) {
        rc = handler_route(req, resp);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_respond(rt, inv, req, resp);
    }
    clambda_http_response_free(resp);
    clambda_http_request_free(req);
    return rc; /* an error before respond: the loop fails the invocation for us */
}

int main(void)
{
    return clambda_run(handle, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
