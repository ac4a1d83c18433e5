/* SPDX-License-Identifier: MIT */
/* One invocation through the web app; see lwa_proxy.h. The event is read with libclambda's
 * HTTP request view; the app request is written straight from it (header names and values are
 * borrowed, the few generated values live in buffers reused across invocations) and sent with
 * cl_httpc on one kept-alive connection. Buffered answers go back through the HTTP response
 * builder, so their shape per source is the library's (docs/http.md); streamed answers are
 * written to the runtime as the app produces them. */
#include "lwa_proxy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cl_json.h"
#include "lwa_ready.h"

#define APP_MAX_BODY   (20u << 20) /* buffered: the platform refuses more than 6 MB anyway */
#define APP_PIECE_MAX  (1u << 20)  /* streamed: one piece at a time */
#define MAX_JSON_TOKS  (1 << 22)
#define ERR_APP        "WebAdapter.AppError"
#define ERR_STATUS     "WebAdapter.ErrorStatusCode"
#define STATUS_MESSAGE "Request failed with configured error status code: %d"

static long realtime_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lwa_proxy_init(struct lwa_proxy *p, const struct lwa_config *cfg, bool is_ready)
{
    char endpoint[300];
    memset(p, 0, sizeof(*p));
    p->cfg = cfg;
    p->is_ready = is_ready;
    (void)snprintf(endpoint, sizeof(endpoint), "%s:%s", cfg->host, cfg->port);
    int rc = cl_httpc_init(&p->app, endpoint);
    p->app.retry_budget_ms = 0; /* the app is up: a refusal is an error, not a restart */
    cl_http1_resp_init(&p->resp, APP_MAX_BODY);
    struct cl_buf *bufs[] = {&p->target,  &p->host,       &p->cookie,
                             &p->req_ctx, &p->lambda_ctx, &p->field};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        cl_buf_init(bufs[i], CL_HTTP1_MAX_HEAD);
    }
    if (rc == 0) {
        rc = cl_buf_printf(&p->host, "%s:%s", cfg->host, cfg->port);
    }
    if (rc == 0 && clambda_http_response_new(&p->out) != CLAMBDA_OK) {
        rc = -ENOMEM;
    }
    return rc;
}

void lwa_proxy_fini(struct lwa_proxy *p)
{
    if (p == NULL) {
        return;
    }
    cl_httpc_fini(&p->app);
    cl_http1_resp_fini(&p->resp);
    clambda_http_response_free(p->out);
    struct cl_buf *bufs[] = {&p->target,  &p->host,       &p->cookie,
                             &p->req_ctx, &p->lambda_ctx, &p->field};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        cl_buf_fini(bufs[i]);
    }
    free(p->hdrs);
}

/* ---- The request target ---- */

/* Appends s percent-encoding what the WHATWG set for a path (is_query false) or a special
 * URL's query escapes; in a path "\" reads as "/" as in a special URL. */
static int append_encoded(struct cl_buf *out, const char *s, bool is_query)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0' && rc == 0; c++) {
        bool is_escaped = *c <= 0x20 || *c >= 0x7f || strchr("\"#<>", *c) != NULL ||
                          (is_query ? *c == '\'' : strchr("?`{}", *c) != NULL);
        if (!is_query && *c == '\\') {
            rc = cl_buf_append_byte(out, '/');
        } else if (is_escaped) {
            uint8_t e[3] = {'%', (uint8_t)hex[*c >> 4], (uint8_t)hex[*c & 15]};
            rc = cl_buf_append(out, e, 3);
        } else {
            rc = cl_buf_append_byte(out, *c);
        }
    }
    return rc;
}

int lwa_proxy_target(struct cl_buf *out, const char *base_path, const char *raw_path,
                     const char *raw_query)
{
    size_t base_len = base_path != NULL ? strlen(base_path) : 0;
    while (base_len > 0 && strncmp(raw_path, base_path, base_len) == 0) {
        raw_path += base_len;
    }
    cl_buf_reset(out);
    int rc = raw_path[0] != '/' && raw_path[0] != '\\' ? cl_buf_append_byte(out, '/') : 0;
    rc = rc == 0 ? append_encoded(out, raw_path, false) : rc;
    if (rc == 0 && raw_query != NULL && *raw_query != '\0') {
        rc = cl_buf_append_byte(out, '?');
        rc = rc == 0 ? append_encoded(out, raw_query, true) : rc;
    }
    return rc;
}

/* ---- Header fields ---- */

static bool is_token(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c <= 0x20 || *c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *c) != NULL) {
            return false;
        }
    }
    return true;
}

/* No CR, LF, NUL or other control byte but tab: a value that cannot split the head. */
static bool is_field_value(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
            return false;
        }
    }
    return true;
}

static int add_hdr(struct lwa_proxy *p, size_t *n, const char *name, const char *value)
{
    if (*n == p->cap_hdrs) {
        size_t cap = p->cap_hdrs == 0 ? 32 : p->cap_hdrs * 2;
        struct cl_hdr *h = realloc(p->hdrs, cap * sizeof(*h));
        if (h == NULL) {
            return -ENOMEM;
        }
        p->hdrs = h;
        p->cap_hdrs = cap;
    }
    p->hdrs[(*n)++] = (struct cl_hdr){name, value};
    return 0;
}

/* Fields the adapter sets itself, or that describe the event's framing rather than the body
 * the app receives (the body is decoded, its length is cl_httpc's). */
static bool is_replaced(const char *name)
{
    static const char *const names[] = {
        "content-length", "transfer-encoding",      "connection",
        "keep-alive",     "x-amzn-request-context", "x-amzn-lambda-context"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- Generated header values ---- */

/* Appends the JSON text raw[0..len) without the blanks between tokens: an event may be
 * pretty-printed, a header value is one line. JSON strings hold no raw control bytes. */
static int append_minified(struct cl_buf *out, const char *raw, size_t len)
{
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = raw[i];
        if (in_str && c == '\\' && i + 1 < len) {
            int rc = cl_buf_append(out, raw + i, 2);
            if (rc < 0) {
                return rc;
            }
            i++;
            continue;
        }
        if (c == '"') {
            in_str = !in_str;
        } else if (!in_str && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            continue;
        }
        int rc = cl_buf_append_byte(out, (uint8_t)c);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* x-amzn-request-context: the event's requestContext as JSON on one line, "null" when there is
 * none. */
static int build_request_context(struct lwa_proxy *p, const clambda_http_request *req)
{
    size_t len;
    const char *ctx = clambda_http_request_context(req, &len);
    cl_buf_reset(&p->req_ctx);
    return ctx != NULL ? cl_buf_append(&p->req_ctx, ctx, len)
                       : cl_buf_append_str(&p->req_ctx, "null");
}

/* A JSON member whose value is the JSON text in a runtime header (client context, Cognito
 * identity), or null when absent or not JSON. */
static int write_json_member(struct cl_buf *b, const char *key, const char *json)
{
    struct cl_json doc;
    bool is_json = json != NULL &&
                   cl_json_parse(&doc, (const uint8_t *)json, strlen(json), MAX_JSON_TOKS) == 0;
    if (json != NULL && is_json) {
        cl_json_fini(&doc);
    }
    int rc = cl_buf_printf(b, ",\"%s\":", key);
    if (rc == 0 && is_json) {
        rc = append_minified(b, json, strlen(json));
    } else if (rc == 0) {
        rc = cl_buf_append_str(b, "null");
    }
    return rc;
}

/* x-amzn-lambda-context: the invocation as LWA's Rust runtime serialises its Context. */
static int build_lambda_context(struct lwa_proxy *p, clambda_runtime *rt,
                                const clambda_invocation *inv)
{
    struct cl_buf *b = &p->lambda_ctx;
    cl_buf_reset(b);
    int rc = cl_buf_append_str(b, "{\"request_id\":");
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_invocation_request_id(inv)) : rc;
    rc = rc == 0 ? cl_buf_printf(b, ",\"deadline\":%lld,\"invoked_function_arn\":",
                                 (long long)clambda_invocation_deadline_ms(inv))
                 : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_invocation_function_arn(inv)) : rc;
    rc = rc == 0 ? cl_buf_append_str(b, ",\"xray_trace_id\":") : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_invocation_trace_id(inv)) : rc;
    rc = rc == 0 ? write_json_member(b, "client_context", clambda_invocation_client_context(inv))
                 : rc;
    rc = rc == 0 ? write_json_member(b, "identity", clambda_invocation_cognito_identity(inv)) : rc;
    rc = rc == 0 ? cl_buf_append_str(b, ",\"env_config\":{\"function_name\":") : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_runtime_function_name(rt)) : rc;
    rc = rc == 0 ? cl_buf_printf(b, ",\"memory\":%d,\"version\":", clambda_runtime_memory_mb(rt))
                 : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_runtime_function_version(rt)) : rc;
    rc = rc == 0 ? cl_buf_append_str(b, ",\"log_stream\":") : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_runtime_log_stream(rt)) : rc;
    rc = rc == 0 ? cl_buf_append_str(b, ",\"log_group\":") : rc;
    rc = rc == 0 ? cl_json_write_cstr(b, clambda_runtime_log_group(rt)) : rc;
    return rc == 0 ? cl_buf_append_str(b, "}}") : rc;
}

/* Adds the fields every app request gets: Host (unless the event had one), the trace id, the
 * tenant id and the two context headers. */
static int add_common(struct lwa_proxy *p, size_t *n, const clambda_invocation *inv, bool has_host)
{
    const char *trace = clambda_invocation_trace_id(inv);
    const char *tenant = clambda_invocation_tenant_id(inv);
    int rc = has_host ? 0 : add_hdr(p, n, "Host", cl_buf_str(&p->host));
    if (rc == 0 && trace != NULL && is_field_value(trace)) {
        rc = add_hdr(p, n, "x-amzn-trace-id", trace);
    }
    if (rc == 0 && tenant != NULL && is_field_value(tenant)) {
        rc = add_hdr(p, n, "x-amz-tenant-id", tenant);
    }
    rc = rc == 0 ? add_hdr(p, n, "x-amzn-request-context", cl_buf_str(&p->req_ctx)) : rc;
    return rc == 0 ? add_hdr(p, n, "x-amzn-lambda-context", cl_buf_str(&p->lambda_ctx)) : rc;
}

/* The v2 cookies array joined back into one Cookie field. */
static int build_cookie(struct lwa_proxy *p, const clambda_http_request *req)
{
    int rc = 0;
    cl_buf_reset(&p->cookie);
    for (size_t i = 0; i < clambda_http_request_n_cookies(req) && rc == 0; i++) {
        rc = i > 0 ? cl_buf_append_str(&p->cookie, "; ") : 0;
        rc = rc == 0 ? cl_buf_append_str(&p->cookie, clambda_http_request_cookie_at(req, i)) : rc;
    }
    return rc;
}

/* Whether the event's field name is dropped: replaced by the adapter, or superseded. */
static bool is_skipped(const char *name, bool has_cookies, const clambda_invocation *inv,
                       const char *auth_src)
{
    return is_replaced(name) || (has_cookies && strcasecmp(name, "cookie") == 0) ||
           (clambda_invocation_trace_id(inv) != NULL && strcasecmp(name, "x-amzn-trace-id") == 0) ||
           (clambda_invocation_tenant_id(inv) != NULL &&
            strcasecmp(name, "x-amz-tenant-id") == 0) ||
           (auth_src != NULL && strcasecmp(name, "authorization") == 0);
}

/* The app request's header fields for an HTTP event, in the event's order. */
static int http_headers(struct lwa_proxy *p, const clambda_http_request *req,
                        const clambda_invocation *inv, size_t *n)
{
    int source = clambda_http_request_source(req);
    bool has_cookies = (source == CLAMBDA_HTTP_APIGW_V2 || source == CLAMBDA_HTTP_FUNCTION_URL) &&
                       clambda_http_request_n_cookies(req) > 0;
    const char *auth_src = p->cfg->authorization_source;
    if (auth_src != NULL && clambda_http_request_header_count(req, auth_src) == 0) {
        clambda_log(NULL, CLAMBDA_LOG_WARN, "\"%s\" header not found in request headers", auth_src);
        auth_src = NULL;
    } else if (auth_src != NULL && strcasecmp(auth_src, "authorization") == 0) {
        auth_src = NULL; /* moving Authorization to itself changes nothing */
    }
    bool has_host = false;
    int rc = has_cookies ? build_cookie(p, req) : 0;
    *n = 0;
    for (size_t i = 0; i < clambda_http_request_n_headers(req) && rc == 0; i++) {
        const char *value, *name = clambda_http_request_header_at(req, i, &value);
        if (is_skipped(name, has_cookies, inv, auth_src)) {
            continue;
        }
        if (!is_token(name) || !is_field_value(value)) {
            clambda_log(NULL, CLAMBDA_LOG_WARN, "dropping a malformed request header");
            continue;
        }
        if (auth_src != NULL && strcasecmp(name, auth_src) == 0) {
            name = "authorization";
        }
        has_host = has_host || strcasecmp(name, "host") == 0;
        rc = add_hdr(p, n, name, value);
    }
    if (rc == 0 && has_cookies && is_field_value(cl_buf_str(&p->cookie))) {
        rc = add_hdr(p, n, "cookie", cl_buf_str(&p->cookie));
    }
    return rc == 0 ? add_common(p, n, inv, has_host) : rc;
}

/* ---- Talking to the app ---- */

/* Sends the request; the answer is in p->resp (or went to p->resp.on_body). Closes a
 * connection idle for longer than the idle timeout first, as LWA's client pool does. */
static int send_app(struct lwa_proxy *p, const char *method, const struct cl_hdr *hdrs, size_t n,
                    const void *body, size_t len)
{
    long now = realtime_ms();
    if (p->app.fd >= 0 && now - p->last_use_ms > p->cfg->idle_timeout_ms) {
        cl_httpc_disconnect(&p->app);
    }
    int rc =
        cl_httpc_request(&p->app, method, cl_buf_str(&p->target), hdrs, n, body, len, &p->resp);
    p->last_use_ms = realtime_ms();
    return rc;
}

/* Fails inv for an app request that did not complete. */
static int fail_app(clambda_runtime *rt, clambda_invocation *inv, const struct lwa_config *cfg,
                    int rc)
{
    char msg[512];
    (void)snprintf(msg, sizeof(msg), "the web app at %s:%s did not answer: %s", cfg->host,
                   cfg->port, strerror(-rc));
    clambda_log(rt, CLAMBDA_LOG_ERROR, "%s", msg);
    return clambda_runtime_fail(rt, inv, ERR_APP, msg);
}

/* Fails inv when the app's status is one of AWS_LWA_ERROR_STATUS_CODES; 1 when it did. */
static int fail_status(clambda_runtime *rt, clambda_invocation *inv, const struct lwa_config *cfg,
                       int status, int *out_rc)
{
    char msg[128];
    if (!cfg->has_error_statuses || !lwa_status_in(&cfg->error_statuses, status)) {
        return 0;
    }
    (void)snprintf(msg, sizeof(msg), STATUS_MESSAGE, status);
    *out_rc = clambda_runtime_fail(rt, inv, ERR_STATUS, msg);
    return 1;
}

/* ---- The app's answer ---- */

static bool has_prefix_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0;
}

bool lwa_proxy_is_binary(const char *content_type, size_t ct_len, bool has_content_encoding,
                         bool says_text)
{
    static const char *const prefixes[] = {"text", "application/json", "application/javascript",
                                           "application/xml", "application/yaml"};
    static const char *const suffixes[] = {"+xml", "+yaml", "+json"};
    if (has_content_encoding) {
        return true;
    }
    if (content_type == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (has_prefix_ci(content_type, ct_len, prefixes[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t n = strlen(suffixes[i]);
        if (ct_len >= n && strncasecmp(content_type + ct_len - n, suffixes[i], n) == 0) {
            return false;
        }
    }
    return !says_text;
}

/* Hop-by-hop fields of the app's answer, which mean nothing past the adapter. */
static bool is_hop_field(const char *name, size_t len)
{
    return (len == 17 && strncasecmp(name, "transfer-encoding", len) == 0) ||
           (len == 10 && strncasecmp(name, "connection", len) == 0) ||
           (len == 10 && strncasecmp(name, "keep-alive", len) == 0);
}

/* Copies the app's status and header fields (not its trailers) into out. */
static int copy_head(struct lwa_proxy *p, clambda_http_response *out)
{
    const struct cl_http1_resp *r = &p->resp;
    int rc = clambda_http_response_set_status(out, r->status);
    for (int i = 0; i < r->n_fields && rc == CLAMBDA_OK; i++) {
        const struct cl_http1_field *f = &r->fields[i];
        const char *h = (const char *)r->head.data;
        if (f->name_off >= r->trailer_off || is_hop_field(h + f->name_off, f->name_len)) {
            continue;
        }
        cl_buf_reset(&p->field);
        int brc = cl_buf_append(&p->field, h + f->name_off, f->name_len);
        brc = brc == 0 ? cl_buf_append_byte(&p->field, '\0') : brc;
        brc = brc == 0 ? cl_buf_append(&p->field, h + f->value_off, f->value_len) : brc;
        if (brc < 0) {
            return brc == -ENOMEM ? CLAMBDA_ENOMEM : CLAMBDA_ETOOBIG;
        }
        const char *name = (const char *)p->field.data;
        rc = clambda_http_response_add_header(out, name, name + f->name_len + 1);
        rc = rc == CLAMBDA_EINVAL ? CLAMBDA_OK : rc; /* a field API Gateway could not carry */
    }
    return rc;
}

/* The text-or-binary decision for the app's answer. */
static bool answer_is_binary(const struct cl_http1_resp *r)
{
    size_t ct_len = 0, te_len = 0;
    const char *ct = cl_http1_resp_field(r, "Content-Type", &ct_len);
    const char *te = cl_http1_resp_field(r, "X-Lambda-Http-Content-Encoding", &te_len);
    bool says_text = te != NULL && te_len == 4 && strncasecmp(te, "text", 4) == 0;
    return lwa_proxy_is_binary(ct, ct_len, cl_http1_resp_field(r, "Content-Encoding", NULL) != NULL,
                               says_text);
}

/* Answers an HTTP event from the buffered app answer. */
static int respond_http(struct lwa_proxy *p, clambda_runtime *rt, clambda_invocation *inv,
                        const clambda_http_request *req)
{
    clambda_http_response *out = p->out;
    int rc = clambda_http_response_reset(out);
    rc = rc == CLAMBDA_OK ? copy_head(p, out) : rc;
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_response_set_binary(out, answer_is_binary(&p->resp));
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_response_set_body(out, p->resp.body.data, p->resp.body.len);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_http_respond(rt, inv, req, out);
    } else {
        clambda_log(rt, CLAMBDA_LOG_ERROR, "cannot convert the app's answer: %s",
                    clambda_strerror(rc));
        rc = clambda_runtime_fail(rt, inv, ERR_APP, "the app's answer cannot be converted");
    }
    return rc;
}

/* on_body for streamed answers: the prelude once the head is in, then each piece. */
static int stream_piece(void *user, const struct cl_http1_resp *r, const uint8_t *data, size_t len)
{
    struct lwa_proxy *p = user;
    if (p->stream == NULL) {
        if (p->cfg->has_error_statuses && lwa_status_in(&p->cfg->error_statuses, r->status)) {
            p->error_status = r->status;
            return -ECANCELED;
        }
        int rc = clambda_http_response_reset(p->out);
        rc = rc == CLAMBDA_OK ? copy_head(p, p->out) : rc;
        rc = rc == CLAMBDA_OK ? clambda_http_stream_open(p->rt, p->inv, p->out, &p->stream) : rc;
        if (rc != CLAMBDA_OK) {
            p->stream_rc = rc;
            return -ECANCELED;
        }
    }
    int rc = clambda_stream_write(p->stream, data, len);
    if (rc != CLAMBDA_OK) {
        p->stream_rc = rc;
        return -ECANCELED;
    }
    return 0;
}

/* Sends the request for a streamed answer and ends the stream. */
static int stream_http(struct lwa_proxy *p, clambda_runtime *rt, clambda_invocation *inv,
                       const char *method, size_t n, const uint8_t *body, size_t len)
{
    p->rt = rt;
    p->inv = inv;
    p->stream = NULL;
    p->stream_rc = 0;
    p->error_status = 0;
    p->resp.on_body = stream_piece;
    p->resp.on_body_user = p;
    p->resp.body.max = APP_PIECE_MAX;
    int rc = send_app(p, method, p->hdrs, n, body, len);
    p->resp.on_body = NULL;
    p->resp.body.max = APP_MAX_BODY;
    int out_rc = CLAMBDA_OK;
    if (p->stream != NULL && rc == 0) {
        return clambda_stream_finish(p->stream);
    }
    if (p->stream != NULL) {
        return clambda_stream_fail(p->stream, ERR_APP, "the web app's answer was cut short");
    }
    if (p->error_status != 0 && fail_status(rt, inv, p->cfg, p->error_status, &out_rc)) {
        return out_rc;
    }
    return p->stream_rc != 0 ? p->stream_rc : fail_app(rt, inv, p->cfg, rc);
}

/* An HTTP event: the app request from the event, the answer in the source's shape. */
static int proxy_http(struct lwa_proxy *p, clambda_runtime *rt, clambda_invocation *inv,
                      const clambda_http_request *req)
{
    size_t n = 0, len = 0;
    const char *method = clambda_http_request_method(req);
    const uint8_t *body = clambda_http_request_body(req, &len);
    int rc = is_token(method) ? 0 : -EINVAL;
    rc = rc == 0
             ? lwa_proxy_target(&p->target, p->cfg->base_path, clambda_http_request_raw_path(req),
                                clambda_http_request_raw_query(req))
             : rc;
    rc = rc == 0 ? build_request_context(p, req) : rc;
    rc = rc == 0 ? build_lambda_context(p, rt, inv) : rc;
    rc = rc == 0 ? http_headers(p, req, inv, &n) : rc;
    if (rc < 0) {
        return clambda_runtime_fail(rt, inv, "WebAdapter.InvalidEvent",
                                    "the HTTP event cannot be sent to the app");
    }
    if (p->cfg->is_stream) {
        return stream_http(p, rt, inv, method, n, body, len);
    }
    rc = send_app(p, method, p->hdrs, n, body, len);
    if (rc < 0) {
        return fail_app(rt, inv, p->cfg, rc);
    }
    int out_rc;
    if (fail_status(rt, inv, p->cfg, p->resp.status, &out_rc)) {
        return out_rc;
    }
    return respond_http(p, rt, inv, req);
}

/* Any other event: POSTed as it is to the pass-through path; the app's body is the result
 * when it is text and valid JSON, else null (status and header fields are dropped), as LWA. */
static int proxy_pass_through(struct lwa_proxy *p, clambda_runtime *rt, clambda_invocation *inv)
{
    size_t n = 0, len;
    const uint8_t *payload = clambda_invocation_payload(inv, &len);
    cl_buf_reset(&p->target);
    cl_buf_reset(&p->req_ctx);
    int rc = cl_buf_append_str(&p->target, p->cfg->pass_through_path);
    rc = rc == 0 ? cl_buf_append_str(&p->req_ctx, "null") : rc;
    rc = rc == 0 ? build_lambda_context(p, rt, inv) : rc;
    rc = rc == 0 ? add_hdr(p, &n, "content-type", "application/json") : rc;
    rc = rc == 0 ? add_common(p, &n, inv, false) : rc;
    rc = rc == 0 ? send_app(p, "POST", p->hdrs, n, payload, len) : rc;
    if (rc < 0) {
        return fail_app(rt, inv, p->cfg, rc);
    }
    int out_rc;
    if (fail_status(rt, inv, p->cfg, p->resp.status, &out_rc)) {
        return out_rc;
    }
    struct cl_json doc;
    bool is_json = !answer_is_binary(&p->resp) && p->resp.body.len > 0 &&
                   cl_json_parse(&doc, p->resp.body.data, p->resp.body.len, MAX_JSON_TOKS) == 0;
    if (is_json) {
        cl_json_fini(&doc);
        return clambda_runtime_respond(rt, inv, p->resp.body.data, p->resp.body.len,
                                       "application/json");
    }
    return clambda_runtime_respond(rt, inv, "null", 4, "application/json");
}

int lwa_proxy_handle(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    struct lwa_proxy *p = user;
    clambda_http_request *req = NULL;
    if (!p->is_ready) {
        (void)lwa_ready_wait(p->cfg, -1); /* async init: the app had not started in time */
        p->is_ready = true;
    }
    int rc = clambda_http_request_from(inv, &req);
    if (rc == CLAMBDA_ENOTHTTP || rc == CLAMBDA_EINVAL) {
        return proxy_pass_through(p, rt, inv); /* LWA's lambda_http passes those through too */
    }
    if (rc != CLAMBDA_OK) {
        return clambda_runtime_fail(rt, inv, "WebAdapter.InvalidEvent", clambda_strerror(rc));
    }
    rc = proxy_http(p, rt, inv, req);
    clambda_http_request_free(req);
    return rc;
}
