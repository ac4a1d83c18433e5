/* SPDX-License-Identifier: MIT */
/* The public listener's front door: the route table, the one place that lists every route of
 * the listener (Invoke first, then the code downloads, metrics, the Logs API and every Lambda
 * operation, implemented or not) and what runs before each handler: authentication, the body
 * cap, and the checks that go to the thread pool (code uploads always: signature, parse,
 * extraction; invoke payloads from ROUTES_OFFLOAD_MIN bytes: signature and JSON check). */
#include "front/routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/awserr.h"
#include "api/call.h"
#include "api/upload.h"
#include "auth/creds.h"
#include "auth/sigv4.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "catalog/catalog.h"
#include "control/aliases_api.h"
#include "control/concurrency.h"
#include "control/download.h"
#include "control/functions.h"
#include "control/layers.h"
#include "control/manage.h"
#include "control/settings.h"
#include "control/versions.h"
#include "gateway/funcurl.h"
#include "invoke/invoke.h"
#include "invoke/payload.h"
#include "observe/logs_api.h"
#include "observe/metrics.h"
#include "state/code_url.h"

/* A control-plane operation; code uploads (70 MB bodies, checked and unpacked on the thread
 * pool before fn runs). */
/* clang-format off */
#define OP(method, pattern, name, fn)     {method, pattern, name, ROUTES_OP, fn, 0}
#define UPLOAD(method, pattern, name, fn) {method, pattern, name, ROUTES_OP, fn, CODE}
/* clang-format on */
#define CODE (ROUTES_CODE_BODY | ROUTES_OFFLOAD)

#define F15 "/2015-03-31/functions/{}"
static const struct routes_route routes[] = {
    /* Function URLs first: their Host (or /lambda-url/ path) wins over any path below */
    {NULL, "", "FunctionUrl", ROUTES_FUNCURL, NULL, ROUTES_UNSIGNED},
    /* first, and matched by prefix and suffix alone: the hot path */
    {"POST", F15 "/invocations", "Invoke", ROUTES_INVOKE, NULL, ROUTES_OFFLOAD_LG},
    {"POST", "/2021-11-15/functions/{}/response-streaming-invocations", "InvokeWithResponseStream",
     ROUTES_INVOKE_STREAM, NULL, ROUTES_OFFLOAD_LG},
    /* presigned: the URL is the credential (control/download.h) */
    {"GET", CODE_URL_PREFIX, "GetCodeDownload", ROUTES_DOWNLOAD, NULL, ROUTES_UNSIGNED},
    {"GET", "/metrics", "GetMetrics", ROUTES_METRICS, NULL, 0},
    /* with an X-Amz-Target of Logs_20140328.* */
    {"POST", "/", "LogsApi", ROUTES_LOGS, NULL, 0},
    OP("GET", "/2015-03-31/functions", "ListFunctions", functions_list),
    UPLOAD("POST", "/2015-03-31/functions", "CreateFunction", manage_create_function),
    OP("GET", F15, "GetFunction", functions_get),
    OP("DELETE", F15, "DeleteFunction", manage_delete_function),
    OP("GET", F15 "/configuration", "GetFunctionConfiguration", functions_get_configuration),
    OP("PUT", F15 "/configuration", "UpdateFunctionConfiguration", manage_update_configuration),
    UPLOAD("PUT", F15 "/code", "UpdateFunctionCode", manage_update_code),
    OP("POST", F15 "/versions", "PublishVersion", versions_publish),
    OP("GET", F15 "/versions", "ListVersionsByFunction", versions_list),
    OP("POST", F15 "/aliases", "CreateAlias", aliases_api_create),
    OP("GET", F15 "/aliases", "ListAliases", aliases_api_list),
    OP("GET", F15 "/aliases/{}", "GetAlias", aliases_api_get),
    OP("PUT", F15 "/aliases/{}", "UpdateAlias", aliases_api_update),
    OP("DELETE", F15 "/aliases/{}", "DeleteAlias", aliases_api_delete),
    OP("POST", F15 "/policy", "AddPermission", policy_add_permission),
    OP("GET", F15 "/policy", "GetPolicy", policy_get),
    OP("DELETE", F15 "/policy/{}", "RemovePermission", policy_remove_permission),
    OP("GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings", NULL),
    OP("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", NULL),
    OP("GET", "/2015-03-31/event-source-mappings/{}", "GetEventSourceMapping", NULL),
    OP("PUT", "/2015-03-31/event-source-mappings/{}", "UpdateEventSourceMapping", NULL),
    OP("DELETE", "/2015-03-31/event-source-mappings/{}", "DeleteEventSourceMapping", NULL),
    OP("GET", "/2016-08-19/account-settings", "GetAccountSettings", functions_account_settings),
    OP("POST", "/2017-03-31/tags/{}", "TagResource", settings_tag_resource),
    OP("GET", "/2017-03-31/tags/{}", "ListTags", settings_list_tags),
    OP("DELETE", "/2017-03-31/tags/{}", "UntagResource", settings_untag_resource),
    OP("PUT", "/2017-10-31/functions/{}/concurrency", "PutFunctionConcurrency",
       manage_put_concurrency),
    OP("DELETE", "/2017-10-31/functions/{}/concurrency", "DeleteFunctionConcurrency",
       manage_delete_concurrency),
    OP("GET", "/2019-09-30/functions/{}/concurrency", "GetFunctionConcurrency",
       functions_get_concurrency),
    OP("GET", "/2019-09-30/functions/{}/provisioned-concurrency?List=ALL",
       "ListProvisionedConcurrencyConfigs", concurrency_list_provisioned),
    OP("PUT", "/2019-09-30/functions/{}/provisioned-concurrency", "PutProvisionedConcurrencyConfig",
       concurrency_put_provisioned),
    OP("GET", "/2019-09-30/functions/{}/provisioned-concurrency", "GetProvisionedConcurrencyConfig",
       concurrency_get_provisioned),
    OP("DELETE", "/2019-09-30/functions/{}/provisioned-concurrency",
       "DeleteProvisionedConcurrencyConfig", concurrency_delete_provisioned),
    OP("PUT", "/2019-09-25/functions/{}/event-invoke-config", "PutFunctionEventInvokeConfig",
       eic_put),
    OP("POST", "/2019-09-25/functions/{}/event-invoke-config", "UpdateFunctionEventInvokeConfig",
       eic_update),
    OP("GET", "/2019-09-25/functions/{}/event-invoke-config", "GetFunctionEventInvokeConfig",
       eic_get),
    OP("DELETE", "/2019-09-25/functions/{}/event-invoke-config", "DeleteFunctionEventInvokeConfig",
       eic_delete),
    OP("GET", "/2019-09-25/functions/{}/event-invoke-config/list", "ListFunctionEventInvokeConfigs",
       eic_list),
    OP("POST", "/2021-10-31/functions/{}/url", "CreateFunctionUrlConfig", urls_create),
    OP("GET", "/2021-10-31/functions/{}/url", "GetFunctionUrlConfig", urls_get),
    OP("PUT", "/2021-10-31/functions/{}/url", "UpdateFunctionUrlConfig", urls_update),
    OP("DELETE", "/2021-10-31/functions/{}/url", "DeleteFunctionUrlConfig", urls_delete),
    OP("GET", "/2021-10-31/functions/{}/urls", "ListFunctionUrlConfigs", urls_list),
    OP("POST", "/2014-11-13/functions/{}/invoke-async", "InvokeAsync", NULL),
    OP("GET", "/2018-10-31/layers?find=LayerVersion", "GetLayerVersionByArn", layers_get_by_arn),
    OP("GET", "/2018-10-31/layers", "ListLayers", layers_list),
    UPLOAD("POST", "/2018-10-31/layers/{}/versions", "PublishLayerVersion", layers_publish),
    OP("GET", "/2018-10-31/layers/{}/versions", "ListLayerVersions", layers_list_versions),
    OP("GET", "/2018-10-31/layers/{}/versions/{}", "GetLayerVersion", layers_get_version),
    OP("DELETE", "/2018-10-31/layers/{}/versions/{}", "DeleteLayerVersion", layers_delete_version),
    OP("POST", "/2018-10-31/layers/{}/versions/{}/policy", "AddLayerVersionPermission", NULL),
    OP("GET", "/2018-10-31/layers/{}/versions/{}/policy", "GetLayerVersionPolicy", NULL),
    OP("DELETE", "/2018-10-31/layers/{}/versions/{}/policy/{}", "RemoveLayerVersionPermission",
       NULL),
    OP("POST", "/2020-04-22/code-signing-configs", "CreateCodeSigningConfig", NULL),
    OP("GET", "/2020-04-22/code-signing-configs", "ListCodeSigningConfigs", NULL),
    OP("GET", "/2020-04-22/code-signing-configs/{}", "GetCodeSigningConfig", NULL),
    OP("PUT", "/2020-04-22/code-signing-configs/{}", "UpdateCodeSigningConfig", NULL),
    OP("DELETE", "/2020-04-22/code-signing-configs/{}", "DeleteCodeSigningConfig", NULL),
    OP("GET", "/2020-04-22/code-signing-configs/{}/functions", "ListFunctionsByCodeSigningConfig",
       NULL),
    OP("GET", "/2020-06-30/functions/{}/code-signing-config", "GetFunctionCodeSigningConfig", NULL),
    OP("PUT", "/2020-06-30/functions/{}/code-signing-config", "PutFunctionCodeSigningConfig", NULL),
    OP("DELETE", "/2020-06-30/functions/{}/code-signing-config", "DeleteFunctionCodeSigningConfig",
       NULL),
    OP("GET", "/2021-07-20/functions/{}/runtime-management-config", "GetRuntimeManagementConfig",
       NULL),
    OP("PUT", "/2021-07-20/functions/{}/runtime-management-config", "PutRuntimeManagementConfig",
       NULL),
    OP("GET", "/2024-08-31/functions/{}/recursion-config", "GetFunctionRecursionConfig", NULL),
    OP("PUT", "/2024-08-31/functions/{}/recursion-config", "PutFunctionRecursionConfig", NULL),
    {NULL, NULL, "UnknownOperation", ROUTES_UNKNOWN, NULL, 0},
};

/* ---- operations answered here --------------------------------------------------------------- */

static void not_implemented(struct call *call)
{
    char *m = xasprintf("%s is not implemented by clambda yet (see docs/api.md for the supported "
                        "operations).",
                        call->op);
    call_error(call, 501, "NotImplementedException", m);
    free(m);
}

/* GET /metrics: the Prometheus text exposition format 0.0.4, handed to the writer. */
static void serve_metrics(struct metrics *m, struct httpd_conn *c)
{
    struct cl_buf text;
    cl_buf_init(&text, (size_t)16 * 1024 * 1024);
    if (metrics_render(m, &text) < 0) {
        abort(); /* 16 MB of metrics: thousands of functions, not a runtime condition */
    }
    struct httpd_header h[] = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};
    httpd_respond_take(c, 200, h, 1, text.data, text.len);
}

static void unknown_operation(struct httpd_conn *c)
{
    awserr_send(c, 404, "UnknownOperationException", "message", "Unknown operation", NULL, NULL);
}

/* ---- routing -------------------------------------------------------------------------------- */

enum match { NO_MATCH, MATCH, BAD_LABEL };

/* Matches path[0..len) against pattern (up to its '?'), decoding "{}" labels into label
 * (NULL: the shape alone, never BAD_LABEL). */
static enum match match(const char *pattern, const char *path, size_t len,
                        char (*label)[URL_ID_MAX + 1])
{
    int n_labels = 0;
    size_t i = 0;
    const char *p = pattern;
    bool bad = false;
    while (*p && *p != '?' && i <= len) {
        if (*p != '/' || i >= len || path[i] != '/') {
            return NO_MATCH;
        }
        p++;
        i++;
        size_t plen = strcspn(p, "/?");
        size_t seg = 0;
        while (i + seg < len && path[i + seg] != '/') {
            seg++;
        }
        if (plen == 2 && p[0] == '{' && p[1] == '}') {
            if (seg == 0 || n_labels == 3) {
                return NO_MATCH;
            }
            if (label) {
                bad |= url_pct_decode(path + i, seg, label[n_labels], URL_ID_MAX + 1) < 0;
            }
            n_labels++;
        } else if (plen != seg || strncmp(p, path + i, seg) != 0) {
            return NO_MATCH;
        }
        p += plen;
        i += seg;
    }
    if ((*p && *p != '?') || i != len) {
        return NO_MATCH;
    }
    return bad ? BAD_LABEL : MATCH;
}

/* True when url's query has key=value as given in "key=value". */
static bool has_query(const char *url, const char *kv)
{
    char key[32];
    char value[64];
    size_t klen = strcspn(kv, "=");
    (void)snprintf(key, sizeof(key), "%.*s", (int)klen, kv);
    return url_query_get(url, key, value, sizeof(value)) == 0 && kv[klen] == '=' &&
           strcmp(value, kv + klen + 1) == 0;
}

/* The length of url's path as the operations read it: without the query, and without one
 * trailing '/' (botocore's ListFunctions and GetAccountSettings paths end in '/'). */
static size_t op_path_len(const char *url)
{
    size_t len = strcspn(url, "?");
    return len > 1 && url[len - 1] == '/' ? len - 1 : len;
}

/* Matches an operation's pattern, labels decoded into label (NULL: not decoded). */
static enum match match_op(const struct routes_route *r, const char *url,
                           char (*label)[URL_ID_MAX + 1])
{
    enum match m = match(r->pattern, url, op_path_len(url), label);
    const char *q = strchr(r->pattern, '?');
    return m != NO_MATCH && q && !has_query(url, q + 1) ? NO_MATCH : m;
}

/* The Invoke paths, prefix{}suffix with one label of at least a byte (the query ignored, no
 * trailing '/' taken off): two comparisons, no walk through the operations. OUT: the label,
 * undecoded (both may be NULL). */
static bool match_invoke(const char *pattern, const char *url, const char **label,
                         size_t *label_len)
{
    size_t len = strcspn(url, "?");
    const char *hole = strstr(pattern, "{}");
    size_t plen = (size_t)(hole - pattern);
    size_t slen = strlen(hole + 2);
    if (len <= plen + slen || strncmp(url, pattern, plen) != 0 ||
        memcmp(url + len - slen, hole + 2, slen) != 0 ||
        memchr(url + plen, '/', len - plen - slen) != NULL) {
        return false;
    }
    if (label) {
        *label = url + plen;
        *label_len = len - plen - slen;
    }
    return true;
}

static bool matches(const struct call_ctx *ctl, const struct routes_route *r,
                    const struct http1_request *req)
{
    if (r->method && strcmp(r->method, req->method) != 0) {
        return false;
    }
    switch (r->kind) {
    case ROUTES_FUNCURL:
        return ctl && funcurl_match(ctl, req);
    case ROUTES_INVOKE:
    case ROUTES_INVOKE_STREAM:
        return match_invoke(r->pattern, req->url, NULL, NULL);
    case ROUTES_DOWNLOAD:
        return code_url_match(req->url);
    case ROUTES_METRICS:
        return strcspn(req->url, "?") == strlen(r->pattern) &&
               strncmp(req->url, r->pattern, strlen(r->pattern)) == 0;
    case ROUTES_LOGS:
        return strcmp(req->url, r->pattern) == 0 && logs_api_match(req);
    case ROUTES_OP:
        return match_op(r, req->url, NULL) != NO_MATCH;
    default:
        return true;
    }
}

const struct routes_route *routes_find(const struct call_ctx *ctl, const struct http1_request *req)
{
    const struct routes_route *r = routes;
    while (r->kind != ROUTES_UNKNOWN && !matches(ctl, r, req)) {
        r++;
    }
    return r;
}

size_t routes_body_max(const struct routes_route *r)
{
    return r->flags & ROUTES_CODE_BODY ? CALL_MAX_CODE_REQUEST : INVOKE_MAX_SYNC;
}

/* ---- authentication ------------------------------------------------------------------------- */

static const char *secret_of(const void *user, const char *key)
{
    const struct creds_entry *e = creds_find(user, key);
    return e ? e->secret : NULL;
}

/* AWS's authentication errors carry only "message" (no Type) in their body; JSON-protocol
 * services (the Logs API) put the type in "__type", where their clients look for it. */
static void auth_error(struct httpd_conn *c, const struct sigv4_verdict *v, bool is_json_protocol)
{
    json_t *o = is_json_protocol ? json_pack("{s:s, s:s}", "__type", v->type, "message", v->message)
                                 : json_pack("{s:s}", "message", v->message);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (body == NULL) {
        body = xstrdup("{\"message\":\"(invalid UTF-8)\"}");
    }
    char rid[IDS_UUID_LEN];
    ids_uuid(rid);
    struct httpd_header h[] = {{"Content-Type", "application/json"},
                               {"x-amzn-RequestId", rid},
                               {"x-amzn-ErrorType", v->type}};
    httpd_respond(c, v->status, h, 3, body, strlen(body));
    free(body);
}

/* A request's parts that the signature covers. */
static struct sigv4_request sigv4_parts(const struct http1_request *req, struct sigv4_header *hs)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        hs[i] = (struct sigv4_header){req->headers[i].name, req->headers[i].value};
    }
    return (struct sigv4_request){req->method,    req->url,  hs,
                                  req->n_headers, req->body, req->body_len};
}

/* Verifies sr against the credentials (ctl->creds set). Thread-safe. OUT: *v, *account (the
 * caller's, on success). 0, or -1 when refused. */
static int verify(const struct call_ctx *ctl, const struct sigv4_request *sr, bool logs_api,
                  time_t received, struct sigv4_verdict *v, const char **account)
{
    /* the CloudWatch Logs API on the same listener is signed for service "logs" */
    struct sigv4_expect ex = {ctl->region, logs_api ? "logs" : "lambda", received,
                              SIGV4_LAMBDA_MAX_SKEW_S};
    if (sigv4_verify(sr, &ex, secret_of, ctl->creds, v) < 0) {
        return -1;
    }
    *account = creds_find(ctl->creds, v->access_key)->account;
    return 0;
}

/* Logs and answers a refused signature. */
static void refuse_auth(struct httpd_conn *c, const char *method, const char *url,
                        const struct sigv4_verdict *v, bool logs_api)
{
    log_error("%s %.200s: refused (%s, key '%s'): %s", method, url, v->type, v->access_key,
              v->message);
    auth_error(c, v, logs_api);
}

/* True when r is signed for service "logs": the Logs API, and an unknown path carrying its
 * X-Amz-Target (which the Logs API answers). */
static bool is_logs_signed(const struct routes_route *r, const struct http1_request *req)
{
    return r->kind == ROUTES_LOGS || (r->kind == ROUTES_UNKNOWN && logs_api_match(req));
}

/* Verifies the request when auth is on. OUT: *account (the caller's). False after answering. */
static bool authenticate(struct call_ctx *ctl, struct httpd_conn *c,
                         const struct http1_request *req, const struct routes_route *r,
                         const char **account)
{
    *account = ctl->account;
    if (ctl->creds == NULL) {
        return true;
    }
    if (req->body_too_large) {
        /* the body is gone, so the signature cannot be checked: refuse before anything runs */
        char *m = xasprintf("Request must be smaller than %d bytes for the %s operation",
                            INVOKE_MAX_SYNC, "InvokeFunction");
        awserr_send(c, 413, "RequestEntityTooLargeException", "message", m, NULL, NULL);
        free(m);
        return false;
    }
    struct sigv4_header hs[HTTP1_MAX_HEADERS];
    struct sigv4_request sr = sigv4_parts(req, hs);
    struct sigv4_verdict v;
    bool logs = is_logs_signed(r, req);
    if (verify(ctl, &sr, logs, time(NULL), &v, account) < 0) {
        refuse_auth(c, req->method, req->url, &v, logs);
        return false;
    }
    return true;
}

void routes_head(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    httpd_conn_set_body_max(c, routes_body_max(routes_find(user, req)));
}

/* ---- dispatch ------------------------------------------------------------------------------- */

struct job;
static uint8_t *job_take_body(struct job *job, size_t *len);
static struct upload *job_upload(struct job *job);
static const struct payload_verdict *job_payload(const struct job *job);

/* A control-plane operation: its labels, then its handler. */
static void run_op(struct call *call, const struct routes_route *r)
{
    call->op = r->name;
    if (match_op(r, call->req->url, call->label) == BAD_LABEL) {
        call_invalid(call, "(malformed)", "path",
                     "Member must be percent-encoded UTF-8 of at most 256 bytes");
    } else if (r->fn) {
        r->fn(call);
    } else {
        not_implemented(call);
    }
}

/* Invoke or InvokeWithResponseStream, with the payload (and its JSON check) the job took, if
 * one ran. */
static void run_invoke(struct call *call, const struct routes_route *r, struct job *job)
{
    const char *label = NULL;
    size_t label_len = 0;
    char id[URL_ID_MAX + 1];
    (void)match_invoke(r->pattern, call->req->url, &label, &label_len);
    bool ok = url_pct_decode(label, label_len, id, sizeof(id)) >= 0;
    /* invoke keeps no pointer to its context past its return: a copy carries the account */
    struct invoke api = *call->ctl->invoke;
    api.account = call->account;
    struct invoke_req ir = {call->req, r->kind == ROUTES_INVOKE_STREAM, ok ? id : NULL, NULL, 0,
                            NULL};
    if (job) {
        ir.payload = job_take_body(job, &ir.len);
        ir.checked = job_payload(job);
    } else {
        ir.payload = httpd_conn_take_body(call->c, &ir.len);
    }
    invoke_handle(&api, call->c, &ir);
}

/* Runs r's handler for an authenticated request; job is what ran on the thread pool first, or
 * NULL. */
static void dispatch(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req,
                     const struct routes_route *r, const char *account, struct job *job)
{
    struct call call;
    memset(&call, 0, sizeof(call));
    call.ctl = ctl;
    call.c = c;
    call.req = req;
    call.account = account;
    call.upload = job ? job_upload(job) : NULL;
    switch (r->kind) {
    case ROUTES_FUNCURL:
        funcurl_handle(ctl, c, req); /* its own auth (AuthType), limits and answers */
        break;
    case ROUTES_OP:
        run_op(&call, r);
        break;
    case ROUTES_INVOKE:
    case ROUTES_INVOKE_STREAM:
        run_invoke(&call, r, job);
        break;
    case ROUTES_DOWNLOAD:
        if (!download_handle(ctl, c, req)) {
            unknown_operation(c); /* cannot happen: the same prefix */
        }
        break;
    case ROUTES_METRICS:
        if (ctl->metrics) {
            serve_metrics(ctl->metrics, c);
        } else {
            unknown_operation(c);
        }
        break;
    default: /* the Logs API; an unknown path with its X-Amz-Target gets its answer */
        if (ctl->logs && logs_api_match(req)) {
            logs_api_handle(ctl->logs, c, req);
        } else {
            unknown_operation(c);
        }
        break;
    }
}

/* ---- checks on the thread pool: code uploads, large invoke payloads -------------------------- */

/* A request being checked by a worker before its handler runs on the loop: the signature
 * (auth on), then a code upload's body and package (upload.h) or an invoke payload's JSON
 * (payload.h). The worker reads only what the job owns: the body is taken from the request and
 * the signed headers are copied, because the connection (and the request in it) is freed if
 * the client goes away meanwhile. */
struct job {
    uv_work_t work;
    struct call_ctx *ctl;
    const struct routes_route *route;
    struct httpd_conn *c;            /* NULL once the client is gone */
    const struct http1_request *req; /* c's request (without its body): valid while c is */
    char *method; /* copies of the request's method, target and headers (auth on) */
    char *url;
    uint8_t *body;
    size_t body_len;
    struct sigv4_header *hs; /* views of hstr: name, value, name, value, ... */
    char **hstr;
    size_t n_hs;
    time_t received; /* the date check is against arrival, not the worker's start */
    bool is_logs;    /* signed for service "logs" */
    bool refused;    /* the signature was refused (verdict) */
    struct sigv4_verdict verdict;
    const char *account;
    bool is_upload;                 /* a code upload (up), else an invoke (payload) */
    struct upload up;               /* the upload's parse and package */
    struct payload_verdict payload; /* the invoke payload's JSON check */
};

static uint8_t *job_take_body(struct job *job, size_t *len)
{
    uint8_t *b = job->body;
    *len = job->body_len;
    job->body = NULL;
    job->body_len = 0;
    return b;
}

static struct upload *job_upload(struct job *job)
{
    return job->is_upload ? &job->up : NULL;
}

static const struct payload_verdict *job_payload(const struct job *job)
{
    return job->is_upload ? NULL : &job->payload;
}

static void job_free(struct job *job)
{
    for (size_t i = 0; i < 2 * job->n_hs; i++) {
        free(job->hstr[i]);
    }
    free(job->hstr);
    free(job->hs);
    free(job->method);
    free(job->url);
    free(job->body);
    upload_fini(&job->up);
    free(job);
}

static void job_client_gone(struct httpd_conn *c, void *arg)
{
    struct job *job = arg;
    (void)c;
    job->c = NULL;
    job->req = NULL;
}

/* Which code upload r is. */
static enum upload_kind upload_kind_of(const struct routes_route *r)
{
    return r->fn == manage_update_code ? UPLOAD_CODE
           : r->fn == layers_publish   ? UPLOAD_LAYER
                                       : UPLOAD_FUNCTION;
}

/* Worker thread: the signature, then the body. */
static void job_run(uv_work_t *w)
{
    struct job *job = w->data;
    const struct call_ctx *ctl = job->ctl;
    if (ctl->creds) {
        struct sigv4_request sr = {job->method, job->url,  job->hs,
                                   job->n_hs,   job->body, job->body_len};
        job->refused =
            verify(ctl, &sr, job->is_logs, job->received, &job->verdict, &job->account) < 0;
    }
    if (job->refused) {
        return;
    }
    if (job->is_upload) {
        upload_prepare(upload_kind_of(job->route), job->body, job->body_len, ctl->state_dir,
                       ctl->bucket_dir, &job->up);
        free(job->body); /* parsed: the 70 MB need not wait for the loop */
        job->body = NULL;
    } else {
        payload_check(job->body, job->body_len, &job->payload);
    }
}

/* Loop thread: the handler, unless the client left. */
static void job_done(uv_work_t *w, int status)
{
    struct job *job = w->data;
    (void)status;
    if (job->c) {
        httpd_conn_set_abort(job->c, NULL, NULL);
        if (job->refused) {
            refuse_auth(job->c, job->method, job->url, &job->verdict, job->is_logs);
        } else {
            dispatch(job->ctl, job->c, job->req, job->route, job->account, job);
        }
    }
    job_free(job);
}

/* Copies the request's headers for the worker's signature check. */
static void job_copy_headers(struct job *job, const struct http1_request *req)
{
    size_t n = req->n_headers;
    job->hs = xcalloc(n ? n : 1, sizeof(*job->hs));
    job->hstr = xcalloc(n ? 2 * n : 1, sizeof(*job->hstr));
    for (size_t i = 0; i < n; i++) {
        job->hstr[2 * i] = xstrdup(req->headers[i].name);
        job->hstr[2 * i + 1] = xstrdup(req->headers[i].value);
        job->hs[i] = (struct sigv4_header){job->hstr[2 * i], job->hstr[2 * i + 1]};
    }
    job->n_hs = n;
}

/* Starts a job for req (route r): on the thread pool, or inline without a loop. */
static void job_start(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req,
                      const struct routes_route *r)
{
    struct job *job = xcalloc(1, sizeof(*job));
    job->ctl = ctl;
    job->route = r;
    job->c = c;
    job->req = req;
    job->is_upload = (r->flags & ROUTES_CODE_BODY) != 0;
    job->is_logs = is_logs_signed(r, req);
    job->account = ctl->account;
    job->work.data = job;
    job->received = time(NULL);
    job->method = xstrdup(req->method);
    job->url = xstrdup(req->url);
    if (ctl->creds) {
        job_copy_headers(job, req);
    }
    job->body = httpd_conn_take_body(c, &job->body_len);
    if (ctl->loop != NULL) {
        httpd_conn_set_abort(c, job_client_gone, job);
        if (uv_queue_work(ctl->loop, &job->work, job_run, job_done) == 0) {
            return;
        }
        httpd_conn_set_abort(c, NULL, NULL); /* cannot happen with a live loop */
    }
    job_run(&job->work); /* no loop (or no queue): inline, rather than never */
    job_done(&job->work, 0);
}

/* True when r's checks run on the thread pool for req. */
static bool is_offloaded(const struct routes_route *r, const struct http1_request *req)
{
    return (r->flags & ROUTES_OFFLOAD) ||
           ((r->flags & ROUTES_OFFLOAD_LG) && req->body_len >= ROUTES_OFFLOAD_MIN);
}

void routes_handle(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct call_ctx *ctl = user;
    const struct routes_route *r = routes_find(ctl, req);
    const char *account = ctl->account;
    if (r->flags & ROUTES_UNSIGNED) {
        dispatch(ctl, c, req, r, account, NULL);
        return;
    }
    if (req->body_too_large && (r->flags & ROUTES_CODE_BODY)) {
        char *m = xasprintf("Request must be smaller than %zu bytes for the %s operation",
                            CALL_MAX_CODE_REQUEST, r->name);
        awserr_send(c, 413, "RequestEntityTooLargeException", "message", m, NULL, NULL);
        free(m);
        return; /* the body is gone: nothing to verify or run */
    }
    if (is_offloaded(r, req)) {
        job_start(ctl, c, req, r);
        return;
    }
    if (authenticate(ctl, c, req, r, &account)) {
        dispatch(ctl, c, req, r, account, NULL);
    }
}

void routes_init(struct call_ctx *ctl)
{
    if (code_url_key_init(&ctl->url_key) < 0) {
        log_error("no random bytes for the code download key");
        abort();
    }
    aliases_new(&ctl->aliases);
    catalog_init(&ctl->catalog, ctl->store, ctl->pool, ctl->aliases);
    catalog_restore(&ctl->catalog);
    if (ctl->invoke) {
        ctl->invoke->aliases = ctl->aliases;
    }
    ctl->fns = functions_new(ctl->pool, ctl->store);
}

void routes_fini(struct call_ctx *ctl)
{
    if (ctl) {
        functions_free(ctl->fns);
        ctl->fns = NULL;
        aliases_free(ctl->aliases);
        ctl->aliases = NULL;
        funcurl_cache_free(ctl->urls);
        ctl->urls = NULL;
    }
}
