/* SPDX-License-Identifier: MIT */
/* The Runtime API of one environment (runtime-api.md sections 2-6): routing, request-id and
 * state checks and the exact AWS answers; state changes are env.c's. Every environment has its
 * own listener, so a runtime can only ever see and answer its own invocations. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cl_b64.h"
#include "env_int.h"
#include "xalloc.h"

#define RAPI_PREFIX     "/2018-06-01/runtime/"
#define RAPI_INVOCATION RAPI_PREFIX "invocation/"

static void reply(struct httpd_conn *c, int status, const char *json)
{
    static const struct httpd_header h[] = {{"Content-Type", "application/json"}};
    httpd_respond(c, status, h, 1, json, strlen(json));
}

static void reply_accepted(struct httpd_conn *c)
{
    reply(c, 202, "{\"status\":\"OK\"}");
}

static void reply_bad_id(struct httpd_conn *c)
{
    reply(c, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
}

static void reply_state(struct httpd_conn *c, const char *from, const char *to)
{
    char *m = xasprintf("{\"errorMessage\":\"State transition from %s to %s failed for runtime. "
                        "Error: State transition is not allowed\","
                        "\"errorType\":\"InvalidStateTransition\"}",
                        from, to);
    reply(c, 403, m);
    free(m);
}

static const char *state_name(const struct env *e)
{
    static const char *const names[] = {"Initializing", "Ready", "Invoking", "ResponseSent",
                                        "Shutdown"};
    return names[e->state];
}

/* RIE's sanitising of error types for REPORT/INIT_REPORT: (Runtime|Function).[A-Z][a-zA-Z]+
 * is kept, other Function.* become Function.Unknown, the rest Runtime.Unknown. Returns a
 * static string or t itself. */
static const char *sanitize_type(const char *t)
{
    const char *dot = t ? strchr(t, '.') : NULL;
    bool ok = dot && (strncmp(t, "Runtime.", 8) == 0 || strncmp(t, "Function.", 9) == 0) &&
              dot[1] >= 'A' && dot[1] <= 'Z';
    for (const char *p = dot ? dot + 1 : NULL; ok && *p; p++) {
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
    }
    if (ok && strlen(dot + 1) >= 2) {
        return t;
    }
    return (t && strncmp(t, "Function.", 9) == 0) ? "Function.Unknown" : "Runtime.Unknown";
}

static bool is_json(const uint8_t *p, size_t len)
{
    json_error_t jerr;
    json_t *v =
        len ? json_loadb((const char *)p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr) : NULL;
    bool ok = v != NULL;
    json_decref(v);
    return ok;
}

static void handle_next(struct env *e, struct httpd_conn *c)
{
    if (e->state == ENV_BUSY || (e->state == ENV_IDLE && e->next_conn != NULL)) {
        reply_state(c, state_name(e), "Ready");
        return;
    }
    env_on_next(e, c);
}

/* The result of a streamed response that ended with error trailers. */
static void stream_error(struct env *e, const struct http1_request *req, const char *type)
{
    const char *b64 = http1_header(req, "Lambda-Runtime-Function-Error-Body");
    struct cl_buf body;
    cl_buf_init(&body, 1 << 20);
    if (b64 == NULL || cl_b64_decode(&body, (const uint8_t *)b64, strlen(b64)) < 0) {
        cl_buf_reset(&body);
        char *j = xasprintf("{\"errorMessage\":\"\",\"errorType\":\"%s\"}", sanitize_type(type));
        (void)cl_buf_append_str(&body, j);
        free(j);
    }
    size_t len = body.len;
    uint8_t *p = body.data ? body.data : (uint8_t *)xstrdup("");
    env_on_result(e, INV_FUNCTION_ERROR, p, len, "application/json", NULL, NULL);
}

static void oversized(struct env *e, struct httpd_conn *c)
{
    static const char body[] = "{\"errorMessage\":\"Response payload size exceeded maximum allowed "
                               "payload size (6291556 bytes).\",\"errorType\":"
                               "\"Function.ResponseSizeTooLarge\"}";
    reply(c, 413,
          "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\","
          "\"errorType\":\"RequestEntityTooLarge\"}");
    env_on_result(e, INV_FUNCTION_ERROR, (uint8_t *)xstrdup(body), sizeof(body) - 1,
                  "application/json", "error", "Function.ResponseSizeTooLarge");
}

static void handle_response(struct env *e, struct httpd_conn *c, const struct http1_request *req)
{
    const char *mode = http1_header(req, "Lambda-Runtime-Function-Response-Mode");
    const char *trailer_type = http1_header(req, "Lambda-Runtime-Function-Error-Type");
    if (req->body_too_large) {
        oversized(e, c);
        return;
    }
    if (mode && strcasecmp(mode, "streaming") != 0) {
        reply(c, 400,
              "{\"errorMessage\":\"Invalid function response mode\","
              "\"errorType\":\"InvalidFunctionResponseMode\"}");
        char *j = inv_error_json("Runtime.InvalidResponseModeHeader", e->inv->id,
                                 "Invalid function response mode");
        env_on_result(e, INV_FUNCTION_ERROR, (uint8_t *)j, strlen(j), "application/json", "error",
                      "Runtime.InvalidResponseModeHeader");
        return;
    }
    reply_accepted(c);
    if (mode && trailer_type) {
        stream_error(e, req, trailer_type);
        return;
    }
    const char *ctype = http1_header(req, "Content-Type");
    size_t len = 0;
    uint8_t *body = httpd_conn_take_body(c, &len);
    env_on_result(e, INV_OK, body, len, ctype ? ctype : "application/json", NULL, NULL);
}

static void handle_error(struct env *e, struct httpd_conn *c, const struct http1_request *req)
{
    const char *type = http1_header(req, "Lambda-Runtime-Function-Error-Type");
    if (req->body_too_large) {
        oversized(e, c);
        return;
    }
    reply_accepted(c);
    size_t len = 0;
    uint8_t *body = httpd_conn_take_body(c, &len);
    if (body == NULL) {
        char *j = xasprintf("{\"errorMessage\":\"\",\"errorType\":\"%s\"}", sanitize_type(type));
        len = strlen(j);
        body = (uint8_t *)j;
    }
    env_on_result(e, INV_FUNCTION_ERROR, body, len, "application/json", NULL, NULL);
}

static void handle_init_error(struct env *e, struct httpd_conn *c, const struct http1_request *req)
{
    if (e->state != ENV_INIT) {
        reply_state(c, state_name(e), "InitError");
        return;
    }
    const char *type = sanitize_type(http1_header(req, "Lambda-Runtime-Function-Error-Type"));
    reply_accepted(c);
    size_t len = 0;
    uint8_t *body = httpd_conn_take_body(c, &len);
    const char *ctype = is_json(body, len) ? "application/json" : "application/octet-stream";
    env_on_init_error(e, body, len, ctype, type);
    free(body);
}

/* Routes /invocation/{id}/response and /invocation/{id}/error after the id checks. */
static void handle_invocation_post(struct env *e, struct httpd_conn *c,
                                   const struct http1_request *req, const char *rest,
                                   size_t rest_len)
{
    const char *slash = memchr(rest, '/', rest_len);
    size_t id_len = slash ? (size_t)(slash - rest) : rest_len;
    size_t verb_len = slash ? rest_len - id_len - 1 : 0;
    bool is_response = slash && verb_len == 8 && memcmp(slash + 1, "response", 8) == 0;
    bool is_error = slash && verb_len == 5 && memcmp(slash + 1, "error", 5) == 0;
    if (!is_response && !is_error) {
        reply(c, 404, "{\"errorMessage\":\"Not Found\",\"errorType\":\"NotFound\"}");
        return;
    }
    bool current = e->inv && id_len == strlen(e->inv->id) && memcmp(rest, e->inv->id, id_len) == 0;
    /* An async retry reuses its request id: the id answered last may be the current one. */
    bool answered = (id_len == strlen(e->last_id) && id_len > 0 &&
                     memcmp(rest, e->last_id, id_len) == 0 && !(current && e->state == ENV_BUSY)) ||
                    (current && e->state == ENV_RESPONDED);
    if (answered) {
        reply_state(c, state_name(e), is_response ? "InvocationResponse" : "InvocationError");
    } else if (!current || e->state != ENV_BUSY) {
        reply_bad_id(c);
    } else if (is_response) {
        handle_response(e, c, req);
    } else {
        handle_error(e, c, req);
    }
}

void api_runtime_handle(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct env *e = user;
    size_t path_len = strcspn(req->url, "?");
    bool is_get = strcmp(req->method, "GET") == 0;
    bool is_post = strcmp(req->method, "POST") == 0;
    static const char next[] = RAPI_INVOCATION "next";
    static const char init_error[] = RAPI_PREFIX "init/error";
    if (e->state == ENV_DEAD) {
        reply(c, 500,
              "{\"errorMessage\":\"Internal Server Error\","
              "\"errorType\":\"InternalServerError\"}");
    } else if (path_len == sizeof(next) - 1 && memcmp(req->url, next, path_len) == 0) {
        if (is_get) {
            handle_next(e, c);
        } else {
            reply(c, 405,
                  "{\"errorMessage\":\"Method Not Allowed\",\"errorType\":\"MethodNotAllowed\"}");
        }
    } else if (path_len == sizeof(init_error) - 1 && memcmp(req->url, init_error, path_len) == 0 &&
               is_post) {
        handle_init_error(e, c, req);
    } else if (path_len > strlen(RAPI_INVOCATION) &&
               strncmp(req->url, RAPI_INVOCATION, strlen(RAPI_INVOCATION)) == 0 && is_post) {
        size_t off = strlen(RAPI_INVOCATION);
        handle_invocation_post(e, c, req, req->url + off, path_len - off);
    } else {
        reply(c, 404, "{\"errorMessage\":\"Not Found\",\"errorType\":\"NotFound\"}");
    }
}
