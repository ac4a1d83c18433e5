/* {{name}}: the HTTP API's routes; see handler.h. */
#include "handler.h"

#include <stdio.h>
#include <string.h>

static int hello(const clambda_http_request *req, clambda_http_response *resp)
{
    const char *name = clambda_http_request_query(req, "name");
    char text[512];
    (void)snprintf(text, sizeof(text), "hello %s", name != NULL ? name : "world");
    int rc = clambda_http_response_add_header(resp, "Content-Type", "text/plain; charset=utf-8");
    return rc != CLAMBDA_OK ? rc : clambda_http_response_set_body(resp, text, strlen(text));
}

static int not_found(clambda_http_response *resp)
{
    static const char body[] = "{\"message\":\"not found\"}";
    int rc = clambda_http_response_set_status(resp, 404);
    rc = rc != CLAMBDA_OK
             ? rc
             : clambda_http_response_add_header(resp, "Content-Type", "application/json");
    return rc != CLAMBDA_OK ? rc : clambda_http_response_set_body(resp, body, sizeof(body) - 1);
}

int handler_route(const clambda_http_request *req, clambda_http_response *resp)
{
    const char *method = clambda_http_request_method(req);
    const char *path = clambda_http_request_path(req);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/hello") == 0) {
        return hello(req, resp);
    }
    return not_found(resp);
}
