/* SPDX-License-Identifier: MIT */
/* The Extensions API client: register, event/next and the init/exit error reports, over the
 * same blocking keep-alive HTTP/1.1 client as the runtime (cl_httpc). Unlike a runtime
 * invocation, whose fields arrive as headers, an extension event is a JSON document: its
 * strings are unescaped into small owned copies that live until the next event. The parser is
 * non-static (extension_int.h) so that tests and the fuzz target reach it without a socket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cl_alloc.h"
#include "cl_buf.h"
#include "cl_json.h"
#include "extension_int.h"
#include "runtime_int.h"

#define ALL_EVENTS ((unsigned)(CLAMBDA_EXT_INVOKE | CLAMBDA_EXT_SHUTDOWN))
/* Error documents: a huge message is replaced rather than sent cut in the middle. */
#define MAX_ERROR_BODY (1u << 20)

/* ---- event parsing ---- */

static bool is_absent(const struct cl_json *doc, int tok)
{
    enum cl_json_type t = cl_json_type(doc, tok);
    return t == CL_JSON_INVALID || t == CL_JSON_NULL;
}

/* Copies string member key of obj into *out (left NULL when absent or null). */
static int get_str(const struct cl_json *doc, int obj, const char *key, char **out)
{
    int tok = cl_json_get(doc, obj, key);
    if (is_absent(doc, tok)) {
        return 0;
    }
    if (cl_json_type(doc, tok) != CL_JSON_STRING) {
        return -EBADMSG;
    }
    int rc = cl_json_strdup(doc, tok, out, NULL);
    return rc == -ENOMEM ? -ENOMEM : (rc < 0 ? -EBADMSG : 0);
}

/* Reads integer member key of obj into *out (0 when absent or null). */
static int get_int(const struct cl_json *doc, int obj, const char *key, int64_t *out)
{
    int tok = cl_json_get(doc, obj, key);
    *out = 0;
    if (is_absent(doc, tok)) {
        return 0;
    }
    if (cl_json_type(doc, tok) != CL_JSON_NUMBER || cl_json_int64(doc, tok, out) < 0) {
        *out = 0;
        return -EBADMSG;
    }
    return 0;
}

static int parse_event_type(const struct cl_json *doc, struct clambda_extension_event *ev)
{
    char *type = NULL;
    int rc = get_str(doc, 0, "eventType", &type);
    if (rc == 0 && type != NULL && strcasecmp(type, "INVOKE") == 0) {
        ev->type = CLAMBDA_EXT_INVOKE;
    } else if (rc == 0 && type != NULL && strcasecmp(type, "SHUTDOWN") == 0) {
        ev->type = CLAMBDA_EXT_SHUTDOWN;
    } else if (rc == 0) {
        rc = -EBADMSG; /* absent or unknown: we only ever register for these two */
    }
    cl_alloc_free(type);
    return rc;
}

static int parse_invoke(const struct cl_json *doc, struct clambda_extension_event *ev)
{
    int rc = get_str(doc, 0, "requestId", &ev->request_id);
    if (rc == 0 && ev->request_id == NULL) {
        rc = -EBADMSG;
    }
    if (rc == 0) {
        rc = get_str(doc, 0, "invokedFunctionArn", &ev->arn);
    }
    int tracing = cl_json_get(doc, 0, "tracing");
    if (rc == 0 && !is_absent(doc, tracing)) {
        if (cl_json_type(doc, tracing) != CL_JSON_OBJECT) {
            return -EBADMSG;
        }
        rc = get_str(doc, tracing, "type", &ev->tracing_type);
        if (rc == 0) {
            rc = get_str(doc, tracing, "value", &ev->tracing_value);
        }
    }
    return rc;
}

static int parse_shutdown(const struct cl_json *doc, struct clambda_extension_event *ev)
{
    static const char *const reasons[] = {"spindown", "timeout", "failure"};
    int rc = get_str(doc, 0, "shutdownReason", &ev->reason_str);
    ev->reason = CLAMBDA_EXT_REASON_OTHER;
    for (int i = 0; rc == 0 && ev->reason_str != NULL && i < 3; i++) {
        if (strcasecmp(ev->reason_str, reasons[i]) == 0) {
            ev->reason = CLAMBDA_EXT_SPINDOWN + i;
        }
    }
    return rc;
}

int extension_event_parse(const uint8_t *body, size_t len, struct clambda_extension_event *ev)
{
    struct cl_json doc;
    memset(ev, 0, sizeof(*ev));
    memset(&doc, 0, sizeof(doc));
    int rc =
        cl_json_parse(&doc, body != NULL ? body : (const uint8_t *)"", len, EXTENSION_MAX_TOKS);
    if (rc < 0) {
        return rc == -ENOMEM ? -ENOMEM : -EBADMSG;
    }
    rc = cl_json_type(&doc, 0) == CL_JSON_OBJECT ? parse_event_type(&doc, ev) : -EBADMSG;
    if (rc == 0) {
        rc = get_int(&doc, 0, "deadlineMs", &ev->deadline_ms);
    }
    if (rc == 0) {
        rc = ev->type == CLAMBDA_EXT_INVOKE ? parse_invoke(&doc, ev) : parse_shutdown(&doc, ev);
    }
    cl_json_fini(&doc);
    if (rc < 0) {
        extension_event_fini(ev);
    }
    return rc;
}

void extension_event_fini(struct clambda_extension_event *ev)
{
    if (ev == NULL) {
        return;
    }
    cl_alloc_free(ev->request_id);
    cl_alloc_free(ev->arn);
    cl_alloc_free(ev->tracing_type);
    cl_alloc_free(ev->tracing_value);
    cl_alloc_free(ev->reason_str);
    memset(ev, 0, sizeof(*ev));
}

/* ---- transport ---- */

static int map_status(int status)
{
    if (status >= 200 && status < 300) {
        return CLAMBDA_OK;
    }
    switch (status) {
    case 400:
        return CLAMBDA_EBADREQUEST;
    case 403:
        return CLAMBDA_ESTATE;
    case 413:
        return CLAMBDA_ETOOBIG;
    default:
        return CLAMBDA_ESERVER; /* 500, or 404 when the Extensions API is disabled */
    }
}

/* Sends one request; maps the transport result, then the status. */
static int call(clambda_extension *ext, const char *method, const char *path,
                const struct cl_hdr *hdrs, size_t n_hdrs, const void *body, size_t len)
{
    int rc = cl_httpc_request(&ext->conn, method, path, hdrs, n_hdrs, body, len, &ext->resp);
    return rc < 0 ? runtime_errno_to_error(rc) : map_status(ext->resp.status);
}

/* A header value must not carry CR, LF or other control bytes (header injection). */
static bool is_header_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

/* ---- register ---- */

static int parse_registration_body(clambda_extension *ext)
{
    const struct cl_buf *b = &ext->resp.body;
    struct cl_json doc;
    if (b->len == 0) {
        return CLAMBDA_OK; /* tolerated: the fields then read as "" */
    }
    memset(&doc, 0, sizeof(doc));
    int rc = cl_json_parse(&doc, b->data, b->len, EXTENSION_MAX_TOKS);
    if (rc < 0) {
        return rc == -ENOMEM ? CLAMBDA_ENOMEM : CLAMBDA_EPROTO;
    }
    rc = cl_json_type(&doc, 0) == CL_JSON_OBJECT ? 0 : -EBADMSG;
    if (rc == 0) {
        rc = get_str(&doc, 0, "functionName", &ext->function_name);
    }
    if (rc == 0) {
        rc = get_str(&doc, 0, "functionVersion", &ext->function_version);
    }
    if (rc == 0) {
        rc = get_str(&doc, 0, "handler", &ext->handler);
    }
    if (rc == 0) {
        rc = get_str(&doc, 0, "accountId", &ext->account_id);
    }
    cl_json_fini(&doc);
    return rc == 0 ? CLAMBDA_OK : (rc == -ENOMEM ? CLAMBDA_ENOMEM : CLAMBDA_EPROTO);
}

static int load_registration(clambda_extension *ext)
{
    size_t len;
    const char *id = cl_http1_resp_field(&ext->resp, "Lambda-Extension-Identifier", &len);
    if (id == NULL || len == 0) {
        return CLAMBDA_EPROTO;
    }
    ext->id = cl_alloc_strndup(id, len);
    if (ext->id == NULL) {
        return CLAMBDA_ENOMEM;
    }
    if (strlen(ext->id) != len || !is_header_safe(ext->id)) {
        return CLAMBDA_EPROTO;
    }
    return parse_registration_body(ext);
}

int clambda_extension_register_at(const char *endpoint, const char *name, unsigned events,
                                  clambda_extension **out)
{
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    if (name == NULL || *name == '\0' || !is_header_safe(name) || (events & ~ALL_EVENTS) != 0) {
        return CLAMBDA_EINVAL;
    }
    clambda_extension *ext = cl_alloc_calloc(1, sizeof(*ext));
    if (ext == NULL) {
        return CLAMBDA_ENOMEM;
    }
    cl_http1_resp_init(&ext->resp, EXTENSION_MAX_BODY);
    if (cl_httpc_init(&ext->conn, endpoint) < 0) {
        clambda_extension_close(ext);
        return CLAMBDA_EINVAL;
    }
    bool invoke = (events & CLAMBDA_EXT_INVOKE) != 0,
         shutdown = (events & CLAMBDA_EXT_SHUTDOWN) != 0;
    char body[64];
    int n = snprintf(body, sizeof(body), "{\"events\":[%s%s%s]}", invoke ? "\"INVOKE\"" : "",
                     invoke && shutdown ? "," : "", shutdown ? "\"SHUTDOWN\"" : "");
    struct cl_hdr hdrs[] = {{"Lambda-Extension-Name", name},
                            {"Lambda-Extension-Accept-Feature", "accountId"},
                            {"Content-Type", "application/json"}};
    int rc = call(ext, "POST", EXTENSION_API_PREFIX "/register", hdrs, 3, body, (size_t)n);
    if (rc == CLAMBDA_OK) {
        rc = load_registration(ext);
    }
    if (rc != CLAMBDA_OK) {
        clambda_extension_close(ext);
        return rc;
    }
    *out = ext;
    return CLAMBDA_OK;
}

int clambda_extension_register(const char *name, unsigned events, clambda_extension **out)
{
    const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
    if (out != NULL) {
        *out = NULL;
    }
    if (endpoint == NULL || *endpoint == '\0') {
        return out == NULL ? CLAMBDA_EINVAL : CLAMBDA_ENOENV;
    }
    return clambda_extension_register_at(endpoint, name, events, out);
}

void clambda_extension_close(clambda_extension *ext)
{
    if (ext == NULL) {
        return;
    }
    cl_httpc_fini(&ext->conn);
    cl_http1_resp_fini(&ext->resp);
    extension_event_fini(&ext->event);
    cl_alloc_free(ext->id);
    cl_alloc_free(ext->function_name);
    cl_alloc_free(ext->function_version);
    cl_alloc_free(ext->handler);
    cl_alloc_free(ext->account_id);
    cl_alloc_free(ext);
}

/* ---- next ---- */

int clambda_extension_next(clambda_extension *ext, clambda_extension_event **out)
{
    if (ext == NULL || out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    extension_event_fini(&ext->event);
    if (ext->has_reported_error) {
        return CLAMBDA_ESTATE;
    }
    struct cl_hdr hdrs[] = {{"Lambda-Extension-Identifier", ext->id}};
    ext->has_called_next = true;
    int rc = call(ext, "GET", EXTENSION_API_PREFIX "/event/next", hdrs, 1, NULL, 0);
    if (rc != CLAMBDA_OK) {
        return rc;
    }
    rc = extension_event_parse(ext->resp.body.data, ext->resp.body.len, &ext->event);
    if (rc < 0) {
        return rc == -ENOMEM ? CLAMBDA_ENOMEM : CLAMBDA_EPROTO;
    }
    *out = &ext->event;
    return CLAMBDA_OK;
}

/* ---- init/exit errors ---- */

static int report_error(clambda_extension *ext, const char *path, const char *error_type,
                        const char *message)
{
    char type_hdr[256];
    struct cl_buf body;
    if (error_type == NULL || *error_type == '\0') {
        error_type = "Extension.Unknown";
    }
    runtime_header_safe(type_hdr, sizeof(type_hdr), error_type);
    cl_buf_init(&body, MAX_ERROR_BODY);
    int rc = runtime_error_json(&body, error_type, message, NULL, 0);
    if (rc == -E2BIG) {
        cl_buf_reset(&body);
        rc = runtime_error_json(&body, error_type, "(error message too large)", NULL, 0);
    }
    if (rc < 0) {
        cl_buf_fini(&body);
        return rc == -ENOMEM ? CLAMBDA_ENOMEM : CLAMBDA_EINVAL;
    }
    struct cl_hdr hdrs[] = {{"Lambda-Extension-Identifier", ext->id},
                            {"Lambda-Extension-Function-Error-Type", type_hdr},
                            {"Content-Type", "application/json"}};
    ext->has_reported_error = true; /* whatever the answer: the platform may have acted on it */
    rc = call(ext, "POST", path, hdrs, 3, body.data, body.len);
    cl_buf_fini(&body);
    return rc;
}

int clambda_extension_init_error(clambda_extension *ext, const char *error_type,
                                 const char *message)
{
    if (ext == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (ext->has_called_next || ext->has_reported_error) {
        return CLAMBDA_ESTATE;
    }
    return report_error(ext, EXTENSION_API_PREFIX "/init/error", error_type, message);
}

int clambda_extension_exit_error(clambda_extension *ext, const char *error_type,
                                 const char *message)
{
    if (ext == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (ext->has_reported_error) {
        return CLAMBDA_ESTATE;
    }
    return report_error(ext, EXTENSION_API_PREFIX "/exit/error", error_type, message);
}

/* ---- Telemetry API ---- */

static bool is_path_safe(const char *p)
{
    if (p == NULL || p[0] != '/' || strlen(p) > 1024) {
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
        if (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\') {
            return false;
        }
    }
    return true;
}

/* Appends ,"key":value to out when value is set. */
static int buffering_member(char *out, size_t cap, const char *key, uint32_t value)
{
    size_t len = strlen(out);
    if (value == 0) {
        return 0;
    }
    int n = snprintf(out + len, cap - len, "%s\"%s\":%lu", len > 1 ? "," : "", key,
                     (unsigned long)value);
    return n < 0 || (size_t)n >= cap - len ? -1 : 0;
}

int clambda_extension_telemetry_subscribe(clambda_extension *ext, unsigned types, int port,
                                          const char *path, uint32_t max_items, uint32_t max_bytes,
                                          uint32_t timeout_ms)
{
    static const char *const names[] = {"platform", "function", "extension"};
    char list[64] = "";
    char buffering[128] = "{";
    if (ext == NULL || (types & 7u) == 0 || (types & ~7u) != 0 || port <= 0 || port > 65535 ||
        !is_path_safe(path)) {
        return CLAMBDA_EINVAL;
    }
    for (unsigned k = 0; k < 3; k++) {
        if (types & (1u << k)) {
            size_t len = strlen(list);
            (void)snprintf(list + len, sizeof(list) - len, "%s\"%s\"", len ? "," : "", names[k]);
        }
    }
    if (buffering_member(buffering, sizeof(buffering), "maxItems", max_items) < 0 ||
        buffering_member(buffering, sizeof(buffering), "maxBytes", max_bytes) < 0 ||
        buffering_member(buffering, sizeof(buffering), "timeoutMs", timeout_ms) < 0) {
        return CLAMBDA_EINVAL;
    }
    size_t cap = strlen(path) + 512;
    char *body = cl_alloc_malloc(cap);
    if (body == NULL) {
        return CLAMBDA_ENOMEM;
    }
    int n = snprintf(body, cap,
                     "{\"schemaVersion\":\"2022-12-13\",\"types\":[%s],\"buffering\":%s},"
                     "\"destination\":{\"protocol\":\"HTTP\","
                     "\"URI\":\"http://sandbox.localdomain:%d%s\"}}",
                     list, buffering, port, path);
    struct cl_hdr hdrs[] = {{"Lambda-Extension-Identifier", ext->id},
                            {"Content-Type", "application/json"}};
    int rc = n < 0 || (size_t)n >= cap
                 ? CLAMBDA_EINVAL
                 : call(ext, "PUT", "/2022-07-01/telemetry", hdrs, 2, body, (size_t)n);
    cl_alloc_free(body);
    return rc;
}

/* ---- accessors ---- */

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

const char *clambda_extension_id(const clambda_extension *ext)
{
    return ext != NULL ? ext->id : NULL;
}

const char *clambda_extension_function_name(const clambda_extension *ext)
{
    return ext != NULL ? or_empty(ext->function_name) : NULL;
}

const char *clambda_extension_function_version(const clambda_extension *ext)
{
    return ext != NULL ? or_empty(ext->function_version) : NULL;
}

const char *clambda_extension_handler(const clambda_extension *ext)
{
    return ext != NULL ? or_empty(ext->handler) : NULL;
}

const char *clambda_extension_account_id(const clambda_extension *ext)
{
    return ext != NULL ? or_empty(ext->account_id) : NULL;
}

int clambda_extension_event_type(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->type : 0;
}

int64_t clambda_extension_event_deadline_ms(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->deadline_ms : 0;
}

const char *clambda_extension_event_request_id(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->request_id : NULL;
}

const char *clambda_extension_event_invoked_function_arn(const clambda_extension_event *ev)
{
    if (ev == NULL || ev->type != CLAMBDA_EXT_INVOKE) {
        return NULL;
    }
    return or_empty(ev->arn);
}

const char *clambda_extension_event_tracing_type(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->tracing_type : NULL;
}

const char *clambda_extension_event_tracing_value(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->tracing_value : NULL;
}

int clambda_extension_event_shutdown_reason(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->reason : CLAMBDA_EXT_REASON_OTHER;
}

const char *clambda_extension_event_shutdown_reason_str(const clambda_extension_event *ev)
{
    return ev != NULL ? ev->reason_str : NULL;
}
