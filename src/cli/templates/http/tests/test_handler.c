/* {{name}}: unit test of the routes, with API Gateway HTTP API (payload 2.0) events parsed by
 * libclambda exactly as in Lambda. Exits 0 when every check passes. */
#include <stdio.h>
#include <string.h>

#include <clambda/http.h>

#include "handler.h"

static int failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            (void)fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

/* Routes an HTTP API event for method, path and raw query; returns the serialized answer
 * (static buffer). */
static const char *call(const char *method, const char *path, const char *query)
{
    static char out[4096];
    char event[2048];
    (void)snprintf(event, sizeof(event),
                   "{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":\"%s\","
                   "\"rawQueryString\":\"%s\",\"headers\":{\"host\":\"example.com\"},"
                   "\"requestContext\":{\"domainName\":\"example.com\",\"http\":{\"method\":"
                   "\"%s\",\"path\":\"%s\",\"protocol\":\"HTTP/1.1\",\"sourceIp\":\"192.0.2.1\"},"
                   "\"stage\":\"$default\"},\"isBase64Encoded\":false}",
                   path, query, method, path);
    clambda_http_request *req = NULL;
    clambda_http_response *resp = NULL;
    uint8_t *json = NULL;
    size_t len = 0;
    int rc = clambda_http_request_parse((const uint8_t *)event, strlen(event), &req);
    rc = rc != CLAMBDA_OK ? rc : clambda_http_response_new(&resp);
    rc = rc != CLAMBDA_OK ? rc : handler_route(req, resp);
    rc = rc != CLAMBDA_OK
             ? rc
             : clambda_http_response_serialize(resp, clambda_http_request_source(req), &json, &len);
    (void)snprintf(out, sizeof(out), "%s", rc == CLAMBDA_OK ? (const char *)json : "(error)");
    clambda_free(json);
    clambda_http_response_free(resp);
    clambda_http_request_free(req);
    return out;
}

int main(void)
{
    const char *r = call("GET", "/hello", "name=Ada");
    CHECK(strstr(r, "\"statusCode\":200") != NULL);
    CHECK(strstr(r, "hello Ada") != NULL);
    CHECK(strstr(call("GET", "/hello", ""), "hello world") != NULL);
    CHECK(strstr(call("POST", "/nowhere", ""), "\"statusCode\":404") != NULL);
    if (failures == 0) {
        (void)puts("test_handler: all checks passed");
    }
    return failures == 0 ? 0 : 1;
}
