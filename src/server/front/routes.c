/* SPDX-License-Identifier: MIT */
/* The public listener's front door: authentication and the route table, the one place that
 * lists every Lambda operation and says which are implemented, and the code uploads that are
 * verified, parsed and extracted on the thread pool before their handler runs. */
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
#include "control/validate.h"
#include "control/versions.h"
#include "gateway/funcurl.h"
#include "invoke/invoke.h"
#include "observe/logs_api.h"

typedef void op_fn(struct call *call);

/* One operation: method, path pattern ("{}" is a label; "?key=value" when operations share a
 * path and a query parameter tells them apart: such entries come first) and its handler (NULL
 * when it is not implemented yet). */
struct op {
    const char *method;
    const char *pattern;
    const char *name;
    op_fn *fn;
};

#define F15 "/2015-03-31/functions/{}"
static const struct op ops[] = {
    {"GET", "/2015-03-31/functions", "ListFunctions", functions_list},
    {"POST", "/2015-03-31/functions", "CreateFunction", manage_create_function},
    {"GET", F15, "GetFunction", functions_get},
    {"DELETE", F15, "DeleteFunction", manage_delete_function},
    {"GET", F15 "/configuration", "GetFunctionConfiguration", functions_get_configuration},
    {"PUT", F15 "/configuration", "UpdateFunctionConfiguration", manage_update_configuration},
    {"PUT", F15 "/code", "UpdateFunctionCode", manage_update_code},
    {"POST", F15 "/versions", "PublishVersion", versions_publish},
    {"GET", F15 "/versions", "ListVersionsByFunction", versions_list},
    {"POST", F15 "/aliases", "CreateAlias", aliases_api_create},
    {"GET", F15 "/aliases", "ListAliases", aliases_api_list},
    {"GET", F15 "/aliases/{}", "GetAlias", aliases_api_get},
    {"PUT", F15 "/aliases/{}", "UpdateAlias", aliases_api_update},
    {"DELETE", F15 "/aliases/{}", "DeleteAlias", aliases_api_delete},
    {"POST", F15 "/policy", "AddPermission", policy_add_permission},
    {"GET", F15 "/policy", "GetPolicy", policy_get},
    {"DELETE", F15 "/policy/{}", "RemovePermission", policy_remove_permission},
    {"GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings", NULL},
    {"POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", NULL},
    {"GET", "/2015-03-31/event-source-mappings/{}", "GetEventSourceMapping", NULL},
    {"PUT", "/2015-03-31/event-source-mappings/{}", "UpdateEventSourceMapping", NULL},
    {"DELETE", "/2015-03-31/event-source-mappings/{}", "DeleteEventSourceMapping", NULL},
    {"GET", "/2016-08-19/account-settings", "GetAccountSettings", functions_account_settings},
    {"POST", "/2017-03-31/tags/{}", "TagResource", settings_tag_resource},
    {"GET", "/2017-03-31/tags/{}", "ListTags", settings_list_tags},
    {"DELETE", "/2017-03-31/tags/{}", "UntagResource", settings_untag_resource},
    {"PUT", "/2017-10-31/functions/{}/concurrency", "PutFunctionConcurrency",
     manage_put_concurrency},
    {"DELETE", "/2017-10-31/functions/{}/concurrency", "DeleteFunctionConcurrency",
     manage_delete_concurrency},
    {"GET", "/2019-09-30/functions/{}/concurrency", "GetFunctionConcurrency",
     functions_get_concurrency},
    {"GET", "/2019-09-30/functions/{}/provisioned-concurrency?List=ALL",
     "ListProvisionedConcurrencyConfigs", concurrency_list_provisioned},
    {"PUT", "/2019-09-30/functions/{}/provisioned-concurrency", "PutProvisionedConcurrencyConfig",
     concurrency_put_provisioned},
    {"GET", "/2019-09-30/functions/{}/provisioned-concurrency", "GetProvisionedConcurrencyConfig",
     concurrency_get_provisioned},
    {"DELETE", "/2019-09-30/functions/{}/provisioned-concurrency",
     "DeleteProvisionedConcurrencyConfig", concurrency_delete_provisioned},
    {"PUT", "/2019-09-25/functions/{}/event-invoke-config", "PutFunctionEventInvokeConfig",
     eic_put},
    {"POST", "/2019-09-25/functions/{}/event-invoke-config", "UpdateFunctionEventInvokeConfig",
     eic_update},
    {"GET", "/2019-09-25/functions/{}/event-invoke-config", "GetFunctionEventInvokeConfig",
     eic_get},
    {"DELETE", "/2019-09-25/functions/{}/event-invoke-config", "DeleteFunctionEventInvokeConfig",
     eic_delete},
    {"GET", "/2019-09-25/functions/{}/event-invoke-config/list", "ListFunctionEventInvokeConfigs",
     eic_list},
    {"POST", "/2021-10-31/functions/{}/url", "CreateFunctionUrlConfig", urls_create},
    {"GET", "/2021-10-31/functions/{}/url", "GetFunctionUrlConfig", urls_get},
    {"PUT", "/2021-10-31/functions/{}/url", "UpdateFunctionUrlConfig", urls_update},
    {"DELETE", "/2021-10-31/functions/{}/url", "DeleteFunctionUrlConfig", urls_delete},
    {"GET", "/2021-10-31/functions/{}/urls", "ListFunctionUrlConfigs", urls_list},
    {"POST", "/2014-11-13/functions/{}/invoke-async", "InvokeAsync", NULL},
    {"GET", "/2018-10-31/layers?find=LayerVersion", "GetLayerVersionByArn", layers_get_by_arn},
    {"GET", "/2018-10-31/layers", "ListLayers", layers_list},
    {"POST", "/2018-10-31/layers/{}/versions", "PublishLayerVersion", layers_publish},
    {"GET", "/2018-10-31/layers/{}/versions", "ListLayerVersions", layers_list_versions},
    {"GET", "/2018-10-31/layers/{}/versions/{}", "GetLayerVersion", layers_get_version},
    {"DELETE", "/2018-10-31/layers/{}/versions/{}", "DeleteLayerVersion", layers_delete_version},
    {"POST", "/2018-10-31/layers/{}/versions/{}/policy", "AddLayerVersionPermission", NULL},
    {"GET", "/2018-10-31/layers/{}/versions/{}/policy", "GetLayerVersionPolicy", NULL},
    {"DELETE", "/2018-10-31/layers/{}/versions/{}/policy/{}", "RemoveLayerVersionPermission", NULL},
    {"POST", "/2020-04-22/code-signing-configs", "CreateCodeSigningConfig", NULL},
    {"GET", "/2020-04-22/code-signing-configs", "ListCodeSigningConfigs", NULL},
    {"GET", "/2020-04-22/code-signing-configs/{}", "GetCodeSigningConfig", NULL},
    {"PUT", "/2020-04-22/code-signing-configs/{}", "UpdateCodeSigningConfig", NULL},
    {"DELETE", "/2020-04-22/code-signing-configs/{}", "DeleteCodeSigningConfig", NULL},
    {"GET", "/2020-04-22/code-signing-configs/{}/functions", "ListFunctionsByCodeSigningConfig",
     NULL},
    {"GET", "/2020-06-30/functions/{}/code-signing-config", "GetFunctionCodeSigningConfig", NULL},
    {"PUT", "/2020-06-30/functions/{}/code-signing-config", "PutFunctionCodeSigningConfig", NULL},
    {"DELETE", "/2020-06-30/functions/{}/code-signing-config", "DeleteFunctionCodeSigningConfig",
     NULL},
    {"GET", "/2021-07-20/functions/{}/runtime-management-config", "GetRuntimeManagementConfig",
     NULL},
    {"PUT", "/2021-07-20/functions/{}/runtime-management-config", "PutRuntimeManagementConfig",
     NULL},
    {"GET", "/2024-08-31/functions/{}/recursion-config", "GetFunctionRecursionConfig", NULL},
    {"PUT", "/2024-08-31/functions/{}/recursion-config", "PutFunctionRecursionConfig", NULL},
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

/* ---- routing -------------------------------------------------------------------------------- */

enum match { NO_MATCH, MATCH, BAD_LABEL };

/* Matches path[0..len) against pattern, decoding "{}" labels into call->label. */
static enum match match(const char *pattern, const char *path, size_t len, struct call *call)
{
    int n_labels = 0;
    size_t i = 0;
    const char *p = pattern;
    bool bad = false;
    while (*p && i <= len) {
        if (*p != '/' || i >= len || path[i] != '/') {
            return NO_MATCH;
        }
        p++;
        i++;
        size_t plen = strcspn(p, "/");
        size_t seg = 0;
        while (i + seg < len && path[i + seg] != '/') {
            seg++;
        }
        if (plen == 2 && p[0] == '{' && p[1] == '}') {
            if (seg == 0 || n_labels == 3) {
                return NO_MATCH;
            }
            bad |= url_pct_decode(path + i, seg, call->label[n_labels], URL_ID_MAX + 1) < 0;
            n_labels++;
        } else if (plen != seg || strncmp(p, path + i, seg) != 0) {
            return NO_MATCH;
        }
        p += plen;
        i += seg;
    }
    if (*p || i != len) {
        return NO_MATCH;
    }
    return bad ? BAD_LABEL : MATCH;
}

/* Copies the path part of pattern into path (cap bytes); returns its "key=value" or NULL. */
static const char *split_pattern(const char *pattern, char *path, size_t cap)
{
    size_t n = strcspn(pattern, "?");
    (void)snprintf(path, cap, "%.*s", (int)n, pattern);
    return pattern[n] == '?' ? pattern + n + 1 : NULL;
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

/* Answers call when its method and path are a control-plane operation. False when they are
 * not (Invoke, InvokeWithResponseStream, /metrics, the Logs API or an unknown path: all of
 * them api_invoke's). */
static bool route(struct call *call)
{
    const char *url = call->req->url;
    size_t len = strcspn(url, "?");
    if (len > 1 && url[len - 1] == '/') {
        len--; /* botocore's ListFunctions and GetAccountSettings paths end in '/' */
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(ops[i].method, call->req->method) != 0) {
            continue;
        }
        char pattern[128];
        const char *q = split_pattern(ops[i].pattern, pattern, sizeof(pattern));
        enum match m = match(pattern, url, len, call);
        if (m == NO_MATCH || (q && !has_query(url, q))) {
            continue;
        }
        call->op = ops[i].name;
        if (m == BAD_LABEL) {
            struct validate_error err;
            validate_one(&err, "(malformed)", "path",
                         "Member must be percent-encoded UTF-8 of at most 256 bytes");
            call_error(call, err.status, err.type, err.message);
        } else if (ops[i].fn) {
            ops[i].fn(call);
        } else {
            not_implemented(call);
        }
        return true;
    }
    return false;
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

/* Verifies the request when auth is on. OUT: *account (the caller's). False after answering. */
static bool authenticate(struct call_ctx *ctl, struct httpd_conn *c,
                         const struct http1_request *req, const char **account)
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
    bool logs_api = logs_api_match(req);
    if (verify(ctl, &sr, logs_api, time(NULL), &v, account) < 0) {
        refuse_auth(c, req->method, req->url, &v, logs_api);
        return false;
    }
    return true;
}

/* The kind of code upload method and url are (CreateFunction, UpdateFunctionCode,
 * PublishLayerVersion), or -1. */
static int code_upload_kind(const char *method, const char *url)
{
    size_t n = strcspn(url, "?");
    static const char fns[] = "/2015-03-31/functions";
    static const char layers[] = "/2018-10-31/layers/";
    static const char code[] = "/code";
    static const char versions[] = "/versions";
    if (strcmp(method, "POST") == 0 && n == sizeof(fns) - 1 && strncmp(url, fns, n) == 0) {
        return UPLOAD_FUNCTION;
    }
    if (strcmp(method, "PUT") == 0 && strncmp(url, fns, sizeof(fns) - 1) == 0 &&
        n > sizeof(code) - 1 &&
        strncmp(url + n - (sizeof(code) - 1), code, sizeof(code) - 1) == 0) {
        return UPLOAD_CODE;
    }
    if (strcmp(method, "POST") == 0 && strncmp(url, layers, sizeof(layers) - 1) == 0 &&
        n > sizeof(versions) - 1 &&
        strncmp(url + n - (sizeof(versions) - 1), versions, sizeof(versions) - 1) == 0) {
        return UPLOAD_LAYER;
    }
    return -1;
}

void routes_head(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    (void)user;
    if (code_upload_kind(req->method, req->url) >= 0) {
        httpd_conn_set_body_max(c, CALL_MAX_CODE_REQUEST);
    }
}

/* Routes an authenticated request: a control-plane operation, else the invoke API. */
static void dispatch(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req,
                     const char *account, struct upload *upload)
{
    struct call call;
    memset(&call, 0, sizeof(call));
    call.ctl = ctl;
    call.c = c;
    call.req = req;
    call.account = account;
    call.upload = upload;
    if (!route(&call)) {
        /* api_invoke keeps no pointer to its context past its return (the Logs API keeps
         * inv.logs, which points into serve's struct): a copy can carry the caller's account */
        struct invoke inv = *ctl->invoke;
        inv.account = account;
        invoke_handle(c, req, &inv);
    }
}

/* ---- code uploads on the thread pool (api_upload.h) ------------------------------------------ */

/* A code upload being verified, parsed and extracted by a worker. The worker reads only what
 * the job owns: the body is taken from the request and the signed headers are copied, because
 * the connection (and the request in it) is freed if the client goes away meanwhile. */
struct upload_job {
    uv_work_t work;
    struct call_ctx *ctl;
    struct httpd_conn *c;            /* NULL once the client is gone */
    const struct http1_request *req; /* c's request (without its body): valid while c is */
    enum upload_kind kind;
    char *method; /* copies of the request's method, target and headers (auth on) */
    char *url;
    uint8_t *body;
    size_t body_len;
    struct sigv4_header *hs; /* views of hstr: name, value, name, value, ... */
    char **hstr;
    size_t n_hs;
    time_t received; /* the date check is against arrival, not the worker's start */
    bool refused;    /* the signature was refused (verdict) */
    struct sigv4_verdict verdict;
    const char *account;
    struct upload up;
};

static void job_free(struct upload_job *job)
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
    struct upload_job *job = arg;
    (void)c;
    job->c = NULL;
    job->req = NULL;
}

/* Worker thread: the signature, then the body and the package. */
static void job_run(uv_work_t *w)
{
    struct upload_job *job = w->data;
    const struct call_ctx *ctl = job->ctl;
    if (ctl->creds) {
        struct sigv4_request sr = {job->method, job->url,  job->hs,
                                   job->n_hs,   job->body, job->body_len};
        job->refused = verify(ctl, &sr, false, job->received, &job->verdict, &job->account) < 0;
    }
    if (!job->refused) {
        upload_prepare(job->kind, job->body, job->body_len, ctl->state_dir, ctl->bucket_dir,
                       &job->up);
    }
    free(job->body); /* parsed: the 70 MB need not wait for the loop */
    job->body = NULL;
}

/* Loop thread: the operation itself, unless the client left. */
static void job_done(uv_work_t *w, int status)
{
    struct upload_job *job = w->data;
    (void)status;
    if (job->c) {
        httpd_conn_set_abort(job->c, NULL, NULL);
        if (job->refused) {
            refuse_auth(job->c, job->method, job->url, &job->verdict, false);
        } else {
            dispatch(job->ctl, job->c, job->req, job->account, &job->up);
        }
    }
    job_free(job);
}

/* Starts a code upload's job: on the thread pool, or inline without a loop. */
static void upload_start(struct call_ctx *ctl, struct httpd_conn *c,
                         const struct http1_request *req, enum upload_kind kind)
{
    struct upload_job *job = xcalloc(1, sizeof(*job));
    job->ctl = ctl;
    job->c = c;
    job->req = req;
    job->kind = kind;
    job->account = ctl->account;
    job->work.data = job;
    job->received = time(NULL);
    job->method = xstrdup(req->method);
    job->url = xstrdup(req->url);
    if (ctl->creds) {
        size_t n = req->n_headers;
        job->hs = xcalloc(n ? n : 1, sizeof(*job->hs));
        job->hstr = xcalloc(n ? 2 * n : 1, sizeof(*job->hstr));
        for (size_t i = 0; i < n; i++) {
            job->hstr[2 * i] = xstrdup(req->headers[i].name);
            job->hstr[2 * i + 1] = xstrdup(req->headers[i].value);
            job->hs[i] = (struct sigv4_header){job->hstr[2 * i], job->hstr[2 * i + 1]};
        }
        job->n_hs = req->n_headers;
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

void routes_handle(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct call_ctx *ctl = user;
    const char *account = NULL;
    if (funcurl_match(ctl, req)) {
        funcurl_handle(ctl, c, req); /* a Function URL, by Host or /lambda-url/ (funcurl.h) */
        return;
    }
    if (download_handle(ctl, c, req)) {
        return; /* a presigned code download: the URL is its credential (api_download.h) */
    }
    int kind = code_upload_kind(req->method, req->url);
    if (req->body_too_large && kind >= 0) {
        char *m = xasprintf("Request must be smaller than %zu bytes for the %s operation",
                            CALL_MAX_CODE_REQUEST,
                            kind == UPLOAD_CODE    ? "UpdateFunctionCode"
                            : kind == UPLOAD_LAYER ? "PublishLayerVersion"
                                                   : "CreateFunction");
        awserr_send(c, 413, "RequestEntityTooLargeException", "message", m, NULL, NULL);
        free(m);
        return; /* the body is gone: nothing to verify or run */
    }
    if (kind >= 0) {
        upload_start(ctl, c, req, (enum upload_kind)kind);
        return;
    }
    if (authenticate(ctl, c, req, &account)) {
        dispatch(ctl, c, req, account, NULL);
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
    }
}
