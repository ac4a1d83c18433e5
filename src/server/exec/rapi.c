/* SPDX-License-Identifier: MIT */
/* The Runtime API of one environment (runtime-api.md sections 2-6): routing, request-id and
 * state checks and the exact AWS answers; state changes are env.c's. Every environment has its
 * own listener, so a runtime can only ever see and answer its own invocations. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "exec/env_int.h"

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
    if (e->state == ENV_BUSY || (e->state != ENV_DEAD && e->next_conn != NULL)) {
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
    if (e->stream_conn == c) { /* forwarded as it came: only the end remains */
        bool oversized = env_on_stream_end(e, c);
        reply_accepted(c);
        if (trailer_type) {
            stream_error(e, req, trailer_type);
        } else if (oversized) {
            char *j = inv_error_json("Function.ResponseSizeTooLarge", e->inv->id,
                                     "Response payload size exceeded maximum allowed payload "
                                     "size (209715200 bytes).");
            env_on_result(e, INV_FUNCTION_ERROR, (uint8_t *)j, strlen(j), "application/json",
                          "error", "Function.ResponseSizeTooLarge");
        } else {
            env_on_result(e, INV_OK, NULL, 0, "application/octet-stream", NULL, NULL);
        }
        return;
    }
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
    if (mode && trailer_type) {
        reply_accepted(c);
        stream_error(e, req, trailer_type);
        return;
    }
    const char *ctype = http1_header(req, "Content-Type");
    size_t len = 0;
    uint8_t *body = httpd_conn_take_body(c, &len);
    /* the caller's answer first (env_on_result sends it), then the runtime's 202: the caller
     * is on the critical path, the runtime only has to ask for its next event */
    env_on_result(e, INV_OK, body, len, ctype ? ctype : "application/json", NULL, NULL);
    reply_accepted(c);
}

/* Go's encoding/json, which AWS's Runtime API uses to re-encode the error, escapes <, >, &,
 * U+2028 and U+2029; jansson does not. Outside strings none of them can occur. */
static char *go_escape(const char *s)
{
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    int rc = 0;
    for (const char *p = s; *p && rc == 0; p++) {
        if (*p == '<' || *p == '>' || *p == '&') {
            rc = cl_buf_printf(&b, "\\u%04x", (unsigned)*p);
        } else if (strncmp(p, "\xe2\x80\xa8", 3) == 0 || strncmp(p, "\xe2\x80\xa9", 3) == 0) {
            rc = cl_buf_printf(&b, "\\u%04x", p[2] == '\xa8' ? 0x2028u : 0x2029u);
            p += 2;
        } else {
            rc = cl_buf_append_byte(&b, (uint8_t)*p);
        }
    }
    if (rc < 0) {
        abort();
    }
    char *out = xstrdup(cl_buf_str(&b));
    cl_buf_fini(&b);
    return out;
}

/* A string member as Go decodes it into a string field: absent or null is "", anything but a
 * string is an error (false). */
static bool str_member(const json_t *o, const char *key, const char **out)
{
    const json_t *v = json_object_get(o, key);
    *out = json_is_string(v) ? json_string_value(v) : "";
    return v == NULL || json_is_null(v) || json_is_string(v);
}

/* The body of an error posted as application/vnd.aws.lambda.error.cause+json, as AWS
 * forwards it: {errorMessage, errorType, stackTrace (omitted when empty)} re-encoded, the
 * errorCause member (X-Ray's) and unknown members dropped. When the body does not decode
 * into that shape: the JSON string "Invalid error body", as application/octet-stream. OUT:
 * *len, *ctype. Caller frees the result. */
static char *error_cause_filter(const uint8_t *body, size_t len, size_t *out_len,
                                const char **ctype)
{
    json_error_t jerr;
    json_t *in = json_loadb((const char *)body, len, JSON_DECODE_ANY, &jerr);
    json_t *out = json_object();
    const char *msg = "";
    const char *type = "";
    bool ok = in != NULL && (json_is_object(in) || json_is_null(in));
    ok = ok && str_member(in, "errorMessage", &msg) && str_member(in, "errorType", &type);
    json_t *st = ok ? json_object_get(in, "stackTrace") : NULL;
    ok = ok && (st == NULL || json_is_null(st) || json_is_array(st));
    json_t *frames = json_array();
    for (size_t i = 0; ok && json_is_array(st) && i < json_array_size(st); i++) {
        const json_t *f = json_array_get(st, i);
        ok = json_is_string(f) || json_is_null(f);
        (void)json_array_append_new(frames,
                                    json_string(json_is_string(f) ? json_string_value(f) : ""));
    }
    (void)json_object_set_new(out, "errorMessage", json_string(msg));
    (void)json_object_set_new(out, "errorType", json_string(type));
    if (json_array_size(frames) > 0) {
        (void)json_object_set(out, "stackTrace", frames);
    }
    char *raw = ok ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(frames);
    json_decref(out);
    json_decref(in);
    char *res = raw ? go_escape(raw) : xstrdup("\"Invalid error body\"");
    free(raw);
    *ctype = ok ? "application/json" : "application/octet-stream";
    *out_len = strlen(res);
    return res;
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
    const char *ctype = http1_header(req, "Content-Type");
    const char *out_ctype = "application/json";
    if (ctype && strcmp(ctype, "application/vnd.aws.lambda.error.cause+json") == 0) {
        char *filtered = error_cause_filter(body, len, &len, &out_ctype);
        free(body);
        body = (uint8_t *)filtered;
    } else if (body == NULL) {
        char *j = xasprintf("{\"errorMessage\":\"\",\"errorType\":\"%s\"}", sanitize_type(type));
        len = strlen(j);
        body = (uint8_t *)j;
    }
    /* Lambda-Runtime-Function-XRay-Error-Cause (and errorCause) feed X-Ray only: no tracing
     * here, so they are accepted and dropped, as the payload never carries them. */
    env_on_result(e, INV_FUNCTION_ERROR, body, len, out_ctype, NULL, NULL);
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

void rapi_head(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct env *e = user;
    const char *mode = http1_header(req, "Lambda-Runtime-Function-Response-Mode");
    size_t path_len = strcspn(req->url, "?");
    size_t off = strlen(RAPI_INVOCATION);
    if (e->state != ENV_BUSY || e->inv == NULL || e->inv->chunk == NULL || mode == NULL ||
        strcasecmp(mode, "streaming") != 0 || strcmp(req->method, "POST") != 0 ||
        strncmp(req->url, RAPI_INVOCATION, off) != 0) {
        return; /* everything else is buffered and handled when complete */
    }
    size_t id_len = strlen(e->inv->id);
    if (path_len == off + id_len + strlen("/response") &&
        memcmp(req->url + off, e->inv->id, id_len) == 0 &&
        memcmp(req->url + off + id_len, "/response", strlen("/response")) == 0) {
        inv_set_stream_type(e->inv, http1_header(req, "Content-Type"));
        env_on_stream_start(e, c);
    }
}

void rapi_handle(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct env *e = user;
    size_t path_len = strcspn(req->url, "?");
    bool is_get = strcmp(req->method, "GET") == 0;
    bool is_post = strcmp(req->method, "POST") == 0;
    static const char next[] = RAPI_INVOCATION "next";
    static const char init_error[] = RAPI_PREFIX "init/error";
    if (ext_handle(e->exts, c, req)) {
        return; /* the Extensions API (ext.c) shares the listener */
    }
    bool is_next = path_len == sizeof(next) - 1 && memcmp(req->url, next, path_len) == 0;
    if (e->state == ENV_DEAD && is_next && is_get) {
        env_on_next(e, c); /* shutting down: it waits, as on AWS, until the runtime exits */
    } else if (e->state == ENV_DEAD) {
        reply(c, 500,
              "{\"errorMessage\":\"Internal Server Error\","
              "\"errorType\":\"InternalServerError\"}");
    } else if (is_next) {
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
