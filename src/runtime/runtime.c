/* SPDX-License-Identifier: MIT */
/* The Runtime API client: open, next, respond, fail, init/error and the loop that ties them
 * together. One invocation is live at a time; its header values are NUL-terminated in place in
 * the response head, so an invocation costs no allocation beyond the payload buffer, which is
 * reused from one invocation to the next. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cl_alloc.h"
#include "cl_json.h"
#include "runtime_int.h"

/* Set by the SIGTERM handler; the only process-wide state, as a signal handler needs it. */
static volatile sig_atomic_t sigterm_seen;

static const char *const error_names[] = {
    "success",
    "out of memory",
    "invalid argument",
    "AWS_LAMBDA_RUNTIME_API is not set",
    "cannot connect to the server (Runtime API or AWS endpoint)",
    "connection to the Runtime API failed",
    "malformed HTTP from the server",
    "payload too large",
    "invalid request id",
    "invalid state transition (already answered?)",
    "Runtime API server error",
    "shutting down (SIGTERM)",
    "bad request",
    "not an HTTP event",
};

/* Codes of <clambda/aws.h>, from CLAMBDA_EAWS down. */
static const char *const aws_error_names[] = {
    "AWS service error",
    "condition check failed",
    "throttled by the AWS service",
    "TLS error",
    "no AWS credentials or region in the environment",
    "AWS service timed out",
};

const char *clambda_strerror(int err)
{
    size_t i = (size_t)(err <= 0 ? -(long)err : 0x7fff);
    if (i < sizeof(error_names) / sizeof(error_names[0])) {
        return error_names[i];
    }
    size_t j = (size_t)(err <= CLAMBDA_EAWS ? (long)CLAMBDA_EAWS - err : 0x7fff);
    if (j < sizeof(aws_error_names) / sizeof(aws_error_names[0])) {
        return aws_error_names[j];
    }
    return "unknown error";
}

int clambda_version_num(void)
{
    return CLAMBDA_VERSION_NUM;
}

static char *env_dup(const char *name, bool *oom)
{
    const char *v = getenv(name);
    char *d = cl_alloc_strdup(v != NULL ? v : "");
    if (d == NULL) {
        *oom = true;
    }
    return d;
}

static int log_level_from_env(void)
{
    static const char *const names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    const char *v = getenv("AWS_LAMBDA_LOG_LEVEL");
    for (int i = 0; v != NULL && i < 6; i++) {
        if (strcasecmp(v, names[i]) == 0) {
            return i;
        }
    }
    return CLAMBDA_LOG_INFO;
}

static void read_config(clambda_runtime *rt, bool *oom)
{
    rt->function_name = env_dup("AWS_LAMBDA_FUNCTION_NAME", oom);
    rt->function_version = env_dup("AWS_LAMBDA_FUNCTION_VERSION", oom);
    rt->log_group = env_dup("AWS_LAMBDA_LOG_GROUP_NAME", oom);
    rt->log_stream = env_dup("AWS_LAMBDA_LOG_STREAM_NAME", oom);
    rt->handler = env_dup("_HANDLER", oom);
    const char *mem = getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    char *end = NULL;
    long mb = mem != NULL ? strtol(mem, &end, 10) : 0;
    rt->memory_mb =
        (end != NULL && end != mem && *end == '\0' && mb > 0 && mb < 1 << 20) ? (int)mb : 0;
    const char *fmt = getenv("AWS_LAMBDA_LOG_FORMAT");
    rt->is_log_json = fmt != NULL && strcasecmp(fmt, "JSON") == 0;
    rt->log_level = log_level_from_env();
}

int clambda_runtime_open_at(const char *endpoint, clambda_runtime **out)
{
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    clambda_runtime *rt = cl_alloc_calloc(1, sizeof(*rt));
    if (rt == NULL) {
        return CLAMBDA_ENOMEM;
    }
    cl_http1_resp_init(&rt->inv.resp, RUNTIME_MAX_EVENT);
    cl_http1_resp_init(&rt->ack, RUNTIME_MAX_ACK);
    if (cl_httpc_init(&rt->conn, endpoint) < 0) {
        clambda_runtime_close(rt);
        return CLAMBDA_EINVAL;
    }
    bool oom = false;
    read_config(rt, &oom);
    if (oom) {
        clambda_runtime_close(rt);
        return CLAMBDA_ENOMEM;
    }
    *out = rt;
    return CLAMBDA_OK;
}

int clambda_runtime_open(clambda_runtime **out)
{
    const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
    if (out != NULL) {
        *out = NULL;
    }
    if (endpoint == NULL || *endpoint == '\0') {
        return CLAMBDA_ENOENV;
    }
    return clambda_runtime_open_at(endpoint, out);
}

void clambda_runtime_close(clambda_runtime *rt)
{
    if (rt == NULL) {
        return;
    }
    cl_httpc_fini(&rt->conn);
    cl_http1_resp_fini(&rt->inv.resp);
    cl_http1_resp_fini(&rt->ack);
    cl_alloc_free(rt->function_name);
    cl_alloc_free(rt->function_version);
    cl_alloc_free(rt->log_group);
    cl_alloc_free(rt->log_stream);
    cl_alloc_free(rt->handler);
    cl_alloc_free(rt);
}

/* ---- shared helpers (runtime_int.h) ---- */

int runtime_errno_to_error(int rc)
{
    switch (rc) {
    case 0:
        return CLAMBDA_OK;
    case -ENOMEM:
        return CLAMBDA_ENOMEM;
    case -E2BIG:
        return CLAMBDA_ETOOBIG;
    case -EBADMSG:
        return CLAMBDA_EPROTO;
    case -ECONNREFUSED:
    case -EHOSTUNREACH:
        return CLAMBDA_ECONNECT;
    case -EINTR:
        return CLAMBDA_ESHUTDOWN;
    default:
        return CLAMBDA_EIO;
    }
}

int runtime_map_errno(clambda_runtime *rt, int rc)
{
    if (rc == -EINTR && rt->shutdown_fn != NULL) {
        clambda_shutdown_fn *fn = rt->shutdown_fn;
        rt->shutdown_fn = NULL; /* run once */
        fn(rt->shutdown_user);
    }
    return runtime_errno_to_error(rc);
}

static bool body_has_type(const struct cl_http1_resp *r, const char *type)
{
    struct cl_json doc;
    bool found = false;
    if (cl_json_parse(&doc, r->body.data, r->body.len, 64) == 0) {
        found = cl_json_str_eq(&doc, cl_json_get(&doc, 0, "errorType"), type);
        cl_json_fini(&doc);
    }
    return found;
}

int runtime_map_ack(clambda_runtime *rt, const struct cl_http1_resp *ack)
{
    if (ack->status >= 200 && ack->status < 300) {
        return CLAMBDA_OK;
    }
    switch (ack->status) {
    case 400:
        return body_has_type(ack, "InvalidRequestID") ? CLAMBDA_EREQUESTID : CLAMBDA_EBADREQUEST;
    case 403:
        return CLAMBDA_ESTATE;
    case 413:
        return CLAMBDA_ETOOBIG;
    default:
        rt->is_fatal = true;
        return CLAMBDA_ESERVER;
    }
}

int runtime_invocation_path(struct cl_buf *out, const char *request_id, const char *what)
{
    int rc = cl_buf_append_str(out, RUNTIME_API_PREFIX "/invocation/");
    for (const unsigned char *p = (const unsigned char *)request_id; rc == 0 && *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~';
        rc = plain ? cl_buf_append_byte(out, *p) : cl_buf_printf(out, "%%%02X", *p);
    }
    if (rc == 0) {
        rc = cl_buf_printf(out, "/%s", what);
    }
    return rc;
}

int runtime_error_json(struct cl_buf *out, const char *error_type, const char *message,
                       const char *const *frames, size_t n_frames)
{
    int rc = cl_buf_append_str(out, "{\"errorMessage\":");
    if (rc == 0) {
        rc = cl_json_write_cstr(out, message != NULL ? message : "");
    }
    if (rc == 0) {
        rc = cl_buf_append_str(out, ",\"errorType\":");
    }
    if (rc == 0) {
        rc = cl_json_write_cstr(out, error_type);
    }
    if (rc == 0) {
        rc = cl_buf_append_str(out, ",\"stackTrace\":[");
    }
    for (size_t i = 0; rc == 0 && i < n_frames; i++) {
        rc = i > 0 ? cl_buf_append_byte(out, ',') : 0;
        if (rc == 0) {
            rc = cl_json_write_cstr(out, frames[i] != NULL ? frames[i] : "");
        }
    }
    if (rc == 0) {
        rc = cl_buf_append_str(out, "]}");
    }
    return rc;
}

void runtime_header_safe(char *dst, size_t n, const char *error_type)
{
    size_t i = 0;
    for (const unsigned char *p = (const unsigned char *)error_type; *p && i + 1 < n; p++) {
        dst[i++] = (char)((*p >= 0x21 && *p <= 0x7e) ? *p : '_');
    }
    dst[i] = '\0';
}

void runtime_mark_answered(clambda_invocation *inv)
{
    inv->is_answered = true;
    (void)unsetenv("_X_AMZN_TRACE_ID");
}

int runtime_check_open(const clambda_runtime *rt, const clambda_invocation *inv)
{
    if (rt == NULL || inv == NULL || inv != &rt->inv || !inv->is_active) {
        return CLAMBDA_EINVAL;
    }
    return inv->is_answered ? CLAMBDA_ESTATE : CLAMBDA_OK;
}

/* ---- next ---- */

/* NUL-terminates every field value in place (the byte after a value is CR, LF or OWS). */
static void terminate_fields(struct cl_http1_resp *r)
{
    for (int i = 0; i < r->n_fields; i++) {
        r->head.data[r->fields[i].value_off + r->fields[i].value_len] = '\0';
    }
}

static const char *field(const struct cl_http1_resp *r, const char *name)
{
    size_t len;
    const char *v = cl_http1_resp_field(r, name, &len);
    return v != NULL && len > 0 ? v : NULL;
}

static int64_t parse_deadline(const char *v)
{
    char *end = NULL;
    long long ms = v != NULL ? strtoll(v, &end, 10) : 0;
    return (end != NULL && end != v && *end == '\0' && ms > 0) ? (int64_t)ms : 0;
}

static void load_invocation(clambda_invocation *inv)
{
    struct cl_http1_resp *r = &inv->resp;
    terminate_fields(r);
    inv->request_id = field(r, "Lambda-Runtime-Aws-Request-Id");
    inv->deadline_ms = parse_deadline(field(r, "Lambda-Runtime-Deadline-Ms"));
    inv->arn = field(r, "Lambda-Runtime-Invoked-Function-Arn");
    inv->trace_id = field(r, "Lambda-Runtime-Trace-Id");
    inv->client_context = field(r, "Lambda-Runtime-Client-Context");
    inv->cognito = field(r, "Lambda-Runtime-Cognito-Identity");
    inv->tenant_id = field(r, "Lambda-Runtime-Aws-Tenant-Id");
    inv->content_type = field(r, "Content-Type");
    if (inv->arn == NULL) {
        inv->arn = "";
    }
    if (inv->content_type == NULL) {
        inv->content_type = "application/json";
    }
}

/* An event over RUNTIME_MAX_EVENT: its head was read, so fail it by id on a fresh connection. */
static void fail_oversize_event(clambda_runtime *rt)
{
    struct cl_http1_resp *r = &rt->inv.resp;
    cl_httpc_disconnect(&rt->conn);
    if (!r->is_head_done) {
        return;
    }
    terminate_fields(r);
    const char *id = field(r, "Lambda-Runtime-Aws-Request-Id");
    if (id == NULL) {
        return;
    }
    rt->inv.request_id = id;
    rt->inv.is_active = true;
    rt->inv.is_answered = false;
    (void)clambda_runtime_fail(rt, &rt->inv, "Runtime.EventTooLarge",
                               "event payload exceeds libclambda's 16 MiB limit");
    rt->inv.is_active = false;
}

static int next_once(clambda_runtime *rt, clambda_invocation **out)
{
    clambda_invocation *inv = &rt->inv;
    int rc = cl_httpc_request(&rt->conn, "GET", RUNTIME_API_PREFIX "/invocation/next", NULL, 0,
                              NULL, 0, &inv->resp);
    rt->has_called_next = true;
    if (rc == -E2BIG) {
        fail_oversize_event(rt);
    }
    if (rc < 0) {
        return runtime_map_errno(rt, rc);
    }
    if (inv->resp.status != 200) {
        return inv->resp.status == 403 ? CLAMBDA_ESTATE : CLAMBDA_ESERVER;
    }
    load_invocation(inv);
    if (inv->request_id == NULL) {
        return CLAMBDA_EPROTO;
    }
    if (inv->trace_id != NULL) {
        (void)setenv("_X_AMZN_TRACE_ID", inv->trace_id, 1);
    } else {
        (void)unsetenv("_X_AMZN_TRACE_ID");
    }
    inv->is_active = true;
    inv->is_answered = false;
    *out = inv;
    return CLAMBDA_OK;
}

int clambda_runtime_next(clambda_runtime *rt, clambda_invocation **out)
{
    if (rt == NULL || out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    if (rt->inv.is_active && !rt->inv.is_answered) {
        (void)clambda_runtime_fail(rt, &rt->inv, "Runtime.NoResponse",
                                   "the handler returned without responding");
    }
    rt->inv.is_active = false;
    if (sigterm_seen) {
        return runtime_map_errno(rt, -EINTR);
    }
    return next_once(rt, out);
}

/* ---- answers ---- */

/* POSTs body to path with the given headers and maps the platform's answer. */
static int post(clambda_runtime *rt, const char *path, const struct cl_hdr *hdrs, size_t n_hdrs,
                const void *body, size_t len)
{
    int rc = cl_httpc_request(&rt->conn, "POST", path, hdrs, n_hdrs, body, len, &rt->ack);
    if (rc < 0) {
        return runtime_map_errno(rt, rc);
    }
    return runtime_map_ack(rt, &rt->ack);
}

int clambda_runtime_respond(clambda_runtime *rt, clambda_invocation *inv, const void *body,
                            size_t len, const char *content_type)
{
    int rc = runtime_check_open(rt, inv);
    if (rc != CLAMBDA_OK || (body == NULL && len > 0)) {
        return rc != CLAMBDA_OK ? rc : CLAMBDA_EINVAL;
    }
    struct cl_buf path;
    cl_buf_init(&path, 1024);
    if (runtime_invocation_path(&path, inv->request_id, "response") < 0) {
        cl_buf_fini(&path);
        return CLAMBDA_ENOMEM;
    }
    struct cl_hdr hdrs[] = {
        {"Content-Type", content_type != NULL ? content_type : "application/json"}};
    runtime_mark_answered(inv);
    rc = post(rt, cl_buf_str(&path), hdrs, 1, body, len);
    cl_buf_fini(&path);
    return rc;
}

/* Posts an error document to path (an invocation's /error or /init/error). */
static int post_error(clambda_runtime *rt, const char *path, const char *error_type,
                      const char *message, const char *const *frames, size_t n_frames)
{
    struct cl_buf body;
    char type_hdr[256];
    cl_buf_init(&body, 1u << 20);
    if (error_type == NULL || *error_type == '\0') {
        error_type = "Function.Unhandled";
    }
    runtime_header_safe(type_hdr, sizeof(type_hdr), error_type);
    int rc = runtime_error_json(&body, error_type, message, frames, n_frames);
    if (rc == -E2BIG) { /* a huge message: send it cut, rather than nothing */
        cl_buf_reset(&body);
        rc = runtime_error_json(&body, error_type, "(error message too large)", NULL, 0);
    }
    if (rc < 0) {
        cl_buf_fini(&body);
        return CLAMBDA_ENOMEM;
    }
    struct cl_hdr hdrs[] = {{"Content-Type", "application/json"},
                            {"Lambda-Runtime-Function-Error-Type", type_hdr}};
    rc = post(rt, path, hdrs, 2, body.data, body.len);
    cl_buf_fini(&body);
    return rc;
}

int clambda_runtime_fail_trace(clambda_runtime *rt, clambda_invocation *inv, const char *error_type,
                               const char *message, const char *const *frames, size_t n_frames)
{
    int rc = runtime_check_open(rt, inv);
    if (rc != CLAMBDA_OK || (frames == NULL && n_frames > 0)) {
        return rc != CLAMBDA_OK ? rc : CLAMBDA_EINVAL;
    }
    struct cl_buf path;
    cl_buf_init(&path, 1024);
    if (runtime_invocation_path(&path, inv->request_id, "error") < 0) {
        cl_buf_fini(&path);
        return CLAMBDA_ENOMEM;
    }
    runtime_mark_answered(inv);
    rc = post_error(rt, cl_buf_str(&path), error_type, message, frames, n_frames);
    cl_buf_fini(&path);
    return rc;
}

int clambda_runtime_fail(clambda_runtime *rt, clambda_invocation *inv, const char *error_type,
                         const char *message)
{
    return clambda_runtime_fail_trace(rt, inv, error_type, message, NULL, 0);
}

int clambda_runtime_init_error(clambda_runtime *rt, const char *error_type, const char *message)
{
    if (rt == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (rt->has_called_next) {
        return CLAMBDA_ESTATE;
    }
    rt->has_init_error = true;
    return post_error(rt, RUNTIME_API_PREFIX "/init/error", error_type, message, NULL, 0);
}

/* ---- accessors ---- */

const uint8_t *clambda_invocation_payload(const clambda_invocation *inv, size_t *len)
{
    if (len != NULL) {
        *len = inv->resp.body.len;
    }
    return inv->resp.body.data != NULL ? inv->resp.body.data : (const uint8_t *)"";
}

const char *clambda_invocation_request_id(const clambda_invocation *inv)
{
    return inv->request_id;
}

int64_t clambda_invocation_deadline_ms(const clambda_invocation *inv)
{
    return inv->deadline_ms;
}

int64_t clambda_invocation_remaining_ms(const clambda_invocation *inv)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return inv->deadline_ms > now ? inv->deadline_ms - now : 0;
}

const char *clambda_invocation_function_arn(const clambda_invocation *inv)
{
    return inv->arn;
}

const char *clambda_invocation_trace_id(const clambda_invocation *inv)
{
    return inv->trace_id;
}

const char *clambda_invocation_client_context(const clambda_invocation *inv)
{
    return inv->client_context;
}

const char *clambda_invocation_cognito_identity(const clambda_invocation *inv)
{
    return inv->cognito;
}

const char *clambda_invocation_tenant_id(const clambda_invocation *inv)
{
    return inv->tenant_id;
}

const char *clambda_invocation_content_type(const clambda_invocation *inv)
{
    return inv->content_type;
}

const char *clambda_runtime_function_name(const clambda_runtime *rt)
{
    return rt->function_name;
}

const char *clambda_runtime_function_version(const clambda_runtime *rt)
{
    return rt->function_version;
}

int clambda_runtime_memory_mb(const clambda_runtime *rt)
{
    return rt->memory_mb;
}

const char *clambda_runtime_log_group(const clambda_runtime *rt)
{
    return rt->log_group;
}

const char *clambda_runtime_log_stream(const clambda_runtime *rt)
{
    return rt->log_stream;
}

const char *clambda_runtime_handler(const clambda_runtime *rt)
{
    return rt->handler;
}

/* ---- the loop ---- */

static void on_sigterm(int sig)
{
    (void)sig;
    sigterm_seen = 1;
}

int clambda_runtime_on_sigterm(clambda_runtime *rt, clambda_shutdown_fn *fn, void *user)
{
    if (rt == NULL || fn == NULL) {
        return CLAMBDA_EINVAL;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigterm; /* no SA_RESTART: a blocked recv() returns EINTR */
    (void)sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) < 0) {
        return CLAMBDA_EINVAL;
    }
    rt->shutdown_fn = fn;
    rt->shutdown_user = user;
    rt->conn.intr = &sigterm_seen;
    return CLAMBDA_OK;
}

/* Errors after which the runtime cannot go on: the platform said so, or is gone. */
static bool is_fatal(int rc)
{
    return rc == CLAMBDA_ESERVER || rc == CLAMBDA_ECONNECT || rc == CLAMBDA_ESHUTDOWN ||
           rc == CLAMBDA_ESTATE || rc == CLAMBDA_EINVAL;
}

int clambda_runtime_run(clambda_runtime *rt, clambda_handler_fn *handler, void *user)
{
    if (rt == NULL || handler == NULL) {
        return CLAMBDA_EINVAL;
    }
    for (;;) {
        clambda_invocation *inv;
        int rc = clambda_runtime_next(rt, &inv);
        if (rc != CLAMBDA_OK) {
            if (is_fatal(rc)) {
                return rc;
            }
            clambda_log(rt, CLAMBDA_LOG_ERROR, "next: %s", clambda_strerror(rc));
            continue;
        }
        rc = handler(rt, inv, user);
        if (!rt->inv.is_answered) { /* inv is &rt->inv: the one live invocation */
            if (rc != 0) {
                (void)clambda_runtime_fail(rt, inv, "Runtime.HandlerError", clambda_strerror(rc));
            } else {
                (void)clambda_runtime_fail(rt, inv, "Runtime.NoResponse",
                                           "the handler returned without responding");
            }
        }
        if (rt->is_fatal) {
            return CLAMBDA_ESERVER;
        }
        if (sigterm_seen) {
            return runtime_map_errno(rt, -EINTR);
        }
    }
}

/* Runs init; on failure posts the init error init did not post itself. */
static int run_init(clambda_runtime *rt, clambda_init_fn *init, void *user)
{
    int rc = init(rt, user);
    if (rc != 0 && !rt->has_init_error) {
        char msg[96];
        if (rc < 0 && rc >= CLAMBDA_ENOTHTTP) {
            (void)snprintf(msg, sizeof(msg), "init failed: %s", clambda_strerror(rc));
        } else {
            (void)snprintf(msg, sizeof(msg), "init failed: returned %d", rc);
        }
        (void)clambda_runtime_init_error(rt, "Runtime.InitError", msg);
    }
    if (rc != 0) {
        clambda_log(rt, CLAMBDA_LOG_FATAL, "init failed (%d): exiting", rc);
    }
    return rc;
}

int clambda_run_init(clambda_init_fn *init, clambda_handler_fn *handler, void *user)
{
    clambda_runtime *rt;
    int rc = clambda_runtime_open(&rt);
    if (rc != CLAMBDA_OK) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "clambda_runtime_open: %s", clambda_strerror(rc));
        return rc;
    }
    rc = init != NULL ? run_init(rt, init, user) : 0;
    if (rc != 0) {
        clambda_runtime_close(rt);
        return rc;
    }
    rc = clambda_runtime_run(rt, handler, user);
    if (rc != CLAMBDA_ESHUTDOWN) {
        clambda_log(rt, CLAMBDA_LOG_FATAL, "runtime loop ended: %s", clambda_strerror(rc));
    }
    clambda_runtime_close(rt);
    return rc;
}

int clambda_run(clambda_handler_fn *handler, void *user)
{
    return clambda_run_init(NULL, handler, user);
}
