/* SPDX-License-Identifier: MIT */
/* examples/http-api: a small HTTP API behind API Gateway (REST or HTTP API), a Function URL
 * or an ALB; the same code answers all four, http.h picks the response shape.
 *   GET  /hello?name=X  200 text "hello X"
 *   GET  /headers       200 JSON {"x-test": <header>, "session": <cookie>}
 *   POST /echo          200 the request body and Content-Type, byte for byte
 *   GET  /cookie        200 and two Set-Cookie
 *   anything else       404 {"message":"not found"}
 * A non-HTTP event fails the invocation with errorType "InvalidEvent". */
#include <stdio.h>
#include <string.h>

#include <clambda/http.h>
#include <clambda/runtime.h>

/* Writes s into out (cap >= 8 bytes) as a JSON string, or null for NULL; a value too long
 * for out is cut short. */
static void json_string(char *out, size_t cap, const char *s)
{
    size_t len = 0;
    if (s == NULL) {
        (void)snprintf(out, cap, "null");
        return;
    }
    out[len++] = '"';
    for (; *s != '\0' && len + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[len++] = '\\';
            out[len++] = (char)c;
        } else if (c < 0x20) {
            len += (size_t)snprintf(out + len, cap - len, "\\u%04x", c);
        } else {
            out[len++] = (char)c;
        }
    }
    out[len++] = '"';
    out[len] = '\0';
}

static int hello(const clambda_http_request *req, clambda_http_response *resp)
{
    const char *name = clambda_http_request_query(req, "name");
    char text[512];
    (void)snprintf(text, sizeof(text), "hello %s", name != NULL ? name : "world");
    clambda_http_response_add_header(resp, "Content-Type", "text/plain; charset=utf-8");
    return clambda_http_response_set_body(resp, text, strlen(text));
}

static int headers(const clambda_http_request *req, clambda_http_response *resp)
{
    char test[1024], session[1024], json[2100];
    json_string(test, sizeof(test), clambda_http_request_header(req, "x-test"));
    json_string(session, sizeof(session), clambda_http_request_cookie(req, "session"));
    (void)snprintf(json, sizeof(json), "{\"x-test\":%s,\"session\":%s}", test, session);
    clambda_http_response_add_header(resp, "Content-Type", "application/json");
    return clambda_http_response_set_body(resp, json, strlen(json));
}

static int echo(const clambda_http_request *req, clambda_http_response *resp)
{
    size_t len;
    const uint8_t *body = clambda_http_request_body(req, &len);
    const char *type = clambda_http_request_header(req, "content-type");
    clambda_http_response_add_header(resp, "Content-Type",
                                     type != NULL ? type : "application/octet-stream");
    return clambda_http_response_set_body(resp, body, len);
}

static int cookie(clambda_http_response *resp)
{
    clambda_http_response_add_cookie(resp, "session=abc123; Path=/; HttpOnly");
    clambda_http_response_add_cookie(resp, "theme=dark; Path=/; Max-Age=3600");
    clambda_http_response_add_header(resp, "Content-Type", "text/plain");
    return clambda_http_response_set_body(resp, "cookies set", 11);
}

static int not_found(clambda_http_response *resp)
{
    static const char body[] = "{\"message\":\"not found\"}";
    clambda_http_response_set_status(resp, 404);
    clambda_http_response_add_header(resp, "Content-Type", "application/json");
    return clambda_http_response_set_body(resp, body, sizeof(body) - 1);
}

static int route(const clambda_http_request *req, clambda_http_response *resp)
{
    const char *method = clambda_http_request_method(req);
    const char *path = clambda_http_request_path(req);
    bool is_get = strcmp(method, "GET") == 0;
    if (is_get && strcmp(path, "/hello") == 0) {
        return hello(req, resp);
    }
    if (is_get && strcmp(path, "/headers") == 0) {
        return headers(req, resp);
    }
    if (strcmp(method, "POST") == 0 && strcmp(path, "/echo") == 0) {
        return echo(req, resp);
    }
    if (is_get && strcmp(path, "/cookie") == 0) {
        return cookie(resp);
    }
    return not_found(resp);
}

static int handler(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    clambda_http_request *req;
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
        rc = route(req, resp);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_respond(rt, inv, req, resp);
    }
    clambda_http_response_free(resp);
    clambda_http_request_free(req);
    return rc; /* on an error before respond, the loop fails the invocation for us */
}

int main(void)
{
    return clambda_run(handler, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
