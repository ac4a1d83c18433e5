/* SPDX-License-Identifier: MIT */
/* Function URLs on the public listener; see funcurl.h. The URL configs are kept in memory
 * (struct funcurl_cache) and read from the store again after any write to it, so a config
 * created, changed or deleted through the API applies to the next request. */
#include "gateway/funcurl.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/arn.h"
#include "auth/creds.h"
#include "auth/sigv4.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "exec/inv.h"
#include "exec/pool.h"
#include "gateway/gwanswer.h"
#include "gateway/gwevent.h"
#include "http/url.h"
#include "state/store.h"

/* Largest event (AWS: the 6 MB synchronous payload limit). */
#define FUNCURL_MAX_EVENT 6291456
/* Longest URL id accepted in a Host (ours are 32 characters). */
#define FUNCURL_ID_MAX 63

/* The URL config a request is for. */
struct target {
    char name[65];
    char qualifier[URL_QUALIFIER_MAX + 1]; /* "" or an alias */
    char id[FUNCURL_ID_MAX + 1];
    json_t *cfg; /* the stored document */
};

/* One request being answered; inv->owner points here. */
struct url_call {
    struct httpd_conn *c; /* NULL once the client is gone or answered */
    struct inv *inv;
    json_t *cors; /* the URL's Cors (a reference) */
    char *origin; /* copies of what CORS needs of the request */
    char *req_method;
    struct gwanswer_cors_request crq;
    bool is_head; /* a HEAD request: answers carry no body */
    bool started; /* a streamed answer's head went out */
    bool paused;
    bool decided;    /* whether the stream has a prelude is known */
    bool is_prelude; /* the stream starts with a prelude */
    struct cl_buf pre;
};

/* ---- matching -------------------------------------------------------------------------------- */

/* The URL id of req's Host, when it is a Function URL host of region. OUT: id. */
static bool host_id(const struct http1_request *req, const char *region, char *id)
{
    const char *host = http1_header(req, "Host");
    if (host == NULL) {
        return false;
    }
    size_t len = strcspn(host, ":");
    static const char *const suffixes[] = {".localhost", ".on.aws", NULL};
    for (size_t i = 0; suffixes[i]; i++) {
        char tail[128];
        int n = snprintf(tail, sizeof(tail), ".lambda-url.%s%s", region, suffixes[i]);
        size_t tl = (size_t)n;
        if (n < 0 || tl >= sizeof(tail) || len <= tl || len - tl > FUNCURL_ID_MAX ||
            strncasecmp(host + len - tl, tail, tl) != 0) {
            continue;
        }
        size_t idl = len - tl;
        for (size_t k = 0; k < idl; k++) {
            id[k] = (char)(host[k] >= 'A' && host[k] <= 'Z' ? host[k] + 32 : host[k]);
        }
        id[idl] = '\0';
        return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") == idl;
    }
    return false;
}

bool funcurl_match(const struct call_ctx *ctl, const struct http1_request *req)
{
    char id[FUNCURL_ID_MAX + 1];
    return strncmp(req->url, FUNCURL_PATH_PREFIX, strlen(FUNCURL_PATH_PREFIX)) == 0 ||
           host_id(req, ctl->region, id);
}

/* The id in a stored config's FunctionUrl ("http[s]://<id>.lambda-url..."). OUT: id. */
static void id_of(const json_t *cfg, char *id)
{
    const char *url = json_string_value(json_object_get(cfg, "FunctionUrl"));
    const char *p = url ? strstr(url, "//") : NULL;
    size_t n = p ? strcspn(p + 2, ".") : 0;
    if (n > FUNCURL_ID_MAX) {
        n = 0;
    }
    memcpy(id, p ? p + 2 : "", n);
    id[n] = '\0';
}

/* Every stored URL config (of every function's $LATEST, by qualifier), read from the store
 * again when the store's generation moved (store_generation: any write, so a config created,
 * changed or deleted through the API, a function deleted or a template reloaded applies to the
 * next request). Between writes a request costs no store query. */
struct funcurl_cache {
    uint64_t generation;
    bool loaded;
    struct target *t; /* t[i].cfg owned */
    size_t n, cap;
};

struct funcurl_cache *funcurl_cache_new(void)
{
    return xcalloc(1, sizeof(struct funcurl_cache));
}

static void cache_clear(struct funcurl_cache *fc)
{
    for (size_t i = 0; i < fc->n; i++) {
        json_decref(fc->t[i].cfg);
    }
    fc->n = 0;
    fc->loaded = false;
}

void funcurl_cache_free(struct funcurl_cache *fc)
{
    if (fc) {
        cache_clear(fc);
        free(fc->t);
        free(fc);
    }
}

/* Reads every URL config into fc. */
static void cache_load(struct call_ctx *ctl, struct funcurl_cache *fc)
{
    const struct function_config *fn;
    cache_clear(fc);
    for (size_t i = 0; (fn = pool_function_at(ctl->pool, i)) != NULL; i++) {
        struct store_setting *ss = NULL;
        size_t n = 0;
        if (strcmp(fn->version, "$LATEST") != 0 || strlen(fn->name) >= sizeof(fc->t->name) ||
            store_setting_list(ctl->store, fn->name, "url", &ss, &n) < 0) {
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            json_t *cfg = json_loads(ss[k].json, 0, NULL);
            if (cfg == NULL || strlen(ss[k].qualifier) >= sizeof(fc->t->qualifier)) {
                json_decref(cfg);
                continue;
            }
            if (fc->n == fc->cap) {
                fc->cap = fc->cap ? 2 * fc->cap : 8;
                fc->t = xrealloc(fc->t, fc->cap * sizeof(*fc->t));
            }
            struct target *t = &fc->t[fc->n++];
            (void)snprintf(t->name, sizeof(t->name), "%s", fn->name);
            (void)snprintf(t->qualifier, sizeof(t->qualifier), "%s", ss[k].qualifier);
            id_of(cfg, t->id);
            t->cfg = cfg;
        }
        store_setting_list_free(ss, n);
    }
    fc->generation = store_generation(ctl->store);
    fc->loaded = true;
}

/* The cached config whose URL id is id (id != NULL), or of (name, qualifier); copied into *t
 * with a reference to its cfg. */
static bool cache_find(struct call_ctx *ctl, const char *id, const char *name,
                       const char *qualifier, struct target *t)
{
    if (ctl->urls == NULL) {
        ctl->urls = funcurl_cache_new(); /* freed by routes_fini */
    }
    struct funcurl_cache *fc = ctl->urls;
    if (!fc->loaded || fc->generation != store_generation(ctl->store)) {
        cache_load(ctl, fc);
    }
    for (size_t i = 0; i < fc->n; i++) {
        const struct target *c = &fc->t[i];
        if (id ? strcmp(c->id, id) == 0
               : strcmp(c->name, name) == 0 && strcmp(c->qualifier, qualifier) == 0) {
            *t = *c;
            t->cfg = json_incref(c->cfg);
            return true;
        }
    }
    return false;
}

/* Finds the config of (name, qualifier). */
static bool load(struct call_ctx *ctl, const char *name, const char *qualifier, struct target *t)
{
    return cache_find(ctl, NULL, name, qualifier, t);
}

/* Finds the config whose URL id is id among the stored functions' configs. */
static bool find_by_id(struct call_ctx *ctl, const char *id, struct target *t)
{
    return id[0] != '\0' && cache_find(ctl, id, NULL, NULL, t);
}

/* The next path segment of p, percent-decoded into out (cap bytes). OUT: *end. */
static bool segment(const char *p, char *out, size_t cap, const char **end)
{
    size_t n = strcspn(p, "/?");
    *end = p + n;
    return n > 0 && url_pct_decode(p, n, out, cap) > 0;
}

/* The config and the function's own path of req. OUT: *t, *path (into req->url; "" means
 * "/"). False when no URL config matches. */
static bool find_target(struct call_ctx *ctl, const struct http1_request *req, struct target *t,
                        const char **path)
{
    char id[FUNCURL_ID_MAX + 1];
    memset(t, 0, sizeof(*t));
    if (host_id(req, ctl->region, id)) {
        *path = req->url;
        return find_by_id(ctl, id, t);
    }
    char name[65];
    char q[URL_QUALIFIER_MAX + 1];
    const char *p = req->url + strlen(FUNCURL_PATH_PREFIX);
    const char *after_name;
    const char *after_q;
    if (!segment(p, name, sizeof(name), &after_name)) {
        return false;
    }
    /* /lambda-url/fn/prod/...: "prod" is a qualifier when fn has a URL for that alias */
    if (*after_name == '/' && segment(after_name + 1, q, sizeof(q), &after_q) &&
        load(ctl, name, q, t)) {
        *path = after_q;
        return true;
    }
    *path = after_name;
    return load(ctl, name, "", t);
}

/* ---- answers --------------------------------------------------------------------------------- */

static void call_free(struct url_call *uc)
{
    if (uc == NULL) {
        return;
    }
    json_decref(uc->cors);
    free(uc->origin);
    free(uc->req_method);
    cl_buf_fini(&uc->pre);
    free(uc);
}

/* Sends a (plus CORS and the request id) as the whole answer. */
static void send_answer(struct url_call *uc, struct gwanswer *a, const char *request_id)
{
    gwanswer_cors(uc->cors, &uc->crq, a);
    if (request_id) {
        gwanswer_set_header(a, "x-amzn-RequestId", request_id);
    }
    /* HEAD: the head only (its Content-Length then says 0, not the GET's length) */
    httpd_respond(uc->c, a->status, a->headers, a->n_headers, uc->is_head ? NULL : a->body,
                  uc->is_head ? 0 : a->body_len);
    uc->c = NULL;
}

/* Sends one of the gateway's own answers (errors, preflights). */
static void send_simple(struct url_call *uc, int status, const char *body, const char *request_id)
{
    struct gwanswer a;
    gwanswer_init(&a);
    a.status = status;
    if (body) {
        gwanswer_set_header(&a, "Content-Type", "application/json");
        a.body = (uint8_t *)xstrdup(body);
        a.body_len = strlen(body);
    }
    if (status == 429) {
        gwanswer_set_header(&a, "Retry-After", "1");
    }
    send_answer(uc, &a, request_id);
    gwanswer_fini(&a);
}

static void bad_gateway(struct url_call *uc, const char *request_id)
{
    send_simple(uc, 502, "Internal Server Error", request_id);
}

/* A buffered result (also a prelude-framed one, when the function streamed without being
 * asked to). */
static void answer_result(struct url_call *uc, struct inv *inv, const struct inv_result *r)
{
    struct gwanswer a;
    gwanswer_init(&a);
    int rc;
    size_t plen = 0;
    long off = -1;
    if (r->content_type && strcmp(r->content_type, GWANSWER_PRELUDE_TYPE) == 0) {
        off = gwanswer_prelude_end(r->body, r->len, &plen);
    }
    if (off >= 0) {
        rc = gwanswer_from_prelude(r->body, plen, &a);
        a.body_len = r->len - (size_t)off;
        a.body = a.body_len ? xmalloc(a.body_len) : NULL;
        if (a.body_len) {
            memcpy(a.body, r->body + off, a.body_len);
        }
    } else {
        rc = gwanswer_from_result(r->body, r->len, &a);
    }
    if (rc < 0) {
        log_error("function URL of %s: malformed response (%zu bytes): 502", inv->function, r->len);
        bad_gateway(uc, inv->id);
    } else {
        send_answer(uc, &a, inv->id);
    }
    gwanswer_fini(&a);
}

/* A stream that ended before its first byte went out. */
static void answer_unstarted(struct url_call *uc, struct inv *inv, const struct inv_result *r)
{
    if (!uc->decided) {
        answer_result(uc, inv, r); /* nothing was streamed: a buffered answer */
        return;
    }
    struct gwanswer a;
    gwanswer_init(&a);
    /* a prelude without the 8 NULs (or nothing at all) */
    if (uc->pre.len > 0 && gwanswer_from_prelude(uc->pre.data, uc->pre.len, &a) < 0) {
        bad_gateway(uc, inv->id);
    } else {
        send_answer(uc, &a, inv->id);
    }
    gwanswer_fini(&a);
}

static void on_done(struct inv *inv, const struct inv_result *r)
{
    struct url_call *uc = inv->owner;
    if (uc->c && uc->started) {
        httpd_stream_set_drain(uc->c, NULL, NULL);
        if (r->outcome == INV_OK) {
            httpd_stream_end(uc->c, NULL, 0);
        } else {
            httpd_stream_abort(uc->c); /* the status went out: a truncated body says it */
        }
    } else if (uc->c && r->outcome == INV_THROTTLED) {
        send_simple(uc, 429, "{\"Message\":\"Rate Exceeded.\"}", inv->id);
    } else if (uc->c && r->outcome == INV_FUNCTION_ERROR) {
        bad_gateway(uc, inv->id);
    } else if (uc->c) {
        answer_unstarted(uc, inv, r);
    }
    call_free(uc);
    inv_free(inv);
}

/* ---- streaming (InvokeMode RESPONSE_STREAM) ------------------------------------------------- */

static void resume_producer(struct url_call *uc)
{
    if (uc->paused) {
        uc->paused = false;
        if (uc->inv->resume) {
            uc->inv->resume(uc->inv->producer);
        }
    }
}

static void on_drain(struct httpd_conn *c, void *arg)
{
    (void)c;
    resume_producer(arg);
}

static void on_caller_gone(struct httpd_conn *c, void *arg)
{
    struct url_call *uc = arg;
    (void)c;
    uc->c = NULL; /* the invocation runs on (as on AWS); its answer is dropped */
    resume_producer(uc);
}

/* Starts the chunked answer with a's head. False when the connection is gone. */
static bool stream_start(struct url_call *uc, struct gwanswer *a)
{
    gwanswer_cors(uc->cors, &uc->crq, a);
    gwanswer_set_header(a, "x-amzn-RequestId", uc->inv->id);
    uc->started = true;
    if (httpd_stream_start(uc->c, a->status, a->headers, a->n_headers) < 0) {
        return false;
    }
    httpd_stream_set_drain(uc->c, on_drain, uc);
    return true;
}

/* The first bytes of a stream: its head from the prelude or the content type. Returns the
 * offset in uc->pre (prelude) or data (no prelude) where the body starts, or -1 when more is
 * needed or the answer is done. */
static long stream_head(struct url_call *uc, const uint8_t *data, size_t len)
{
    struct gwanswer a;
    gwanswer_init(&a);
    if (!uc->decided) {
        uc->decided = true;
        uc->is_prelude =
            uc->inv->stream_ctype && strcasecmp(uc->inv->stream_ctype, GWANSWER_PRELUDE_TYPE) == 0;
    }
    long off = 0;
    if (uc->is_prelude) {
        size_t plen = 0;
        if (cl_buf_append(&uc->pre, data, len) < 0) {
            abort(); /* unbounded buffer: only ENOMEM */
        }
        off = gwanswer_prelude_end(uc->pre.data, uc->pre.len, &plen);
        if (off == -EAGAIN) {
            return -1;
        }
        if (off < 0 || gwanswer_from_prelude(uc->pre.data, plen, &a) < 0) {
            gwanswer_fini(&a);
            bad_gateway(uc, uc->inv->id);
            return -1;
        }
    } else {
        const char *ct = uc->inv->stream_ctype;
        gwanswer_set_header(&a, "Content-Type", ct ? ct : "application/octet-stream");
    }
    bool ok = stream_start(uc, &a);
    gwanswer_fini(&a);
    return ok ? off : -1;
}

static int on_chunk(struct inv *inv, const uint8_t *data, size_t len)
{
    struct url_call *uc = inv->owner;
    if (uc->c == NULL || len == 0) {
        return 0;
    }
    int rc = 0;
    if (!uc->started) {
        long off = stream_head(uc, data, len);
        if (off < 0 || uc->c == NULL) {
            return 0;
        }
        if (uc->is_prelude) {
            data = uc->pre.data + off;
            len = uc->pre.len - (size_t)off;
        }
    }
    if (len > 0) {
        rc = httpd_stream_write(uc->c, data, len);
    }
    if (uc->is_prelude && uc->pre.len) {
        cl_buf_reset(&uc->pre); /* written: the rest of the stream passes straight through */
    }
    if (rc == 1) {
        uc->paused = true;
        return 1;
    }
    return 0;
}

/* ---- the request ----------------------------------------------------------------------------- */

static const char *secret_of(const void *user, const char *key)
{
    const struct creds_entry *e = creds_find(user, key);
    return e ? e->secret : NULL;
}

/* AuthType AWS_IAM: a SigV4 signature for service "lambda", verified against the credentials
 * file when the server has one (--auth sigv4), else only required to be well-formed. OUT:
 * *key and *account of the caller. */
static bool iam_ok(const struct call_ctx *ctl, const struct http1_request *req,
                   struct sigv4_verdict *v, const char **account)
{
    const char *auth = http1_header(req, "Authorization");
    struct sigv4_auth pa;
    char msg[256];
    memset(v, 0, sizeof(*v));
    if (auth == NULL || sigv4_parse_auth(auth, &pa, msg, sizeof(msg)) < 0 ||
        strcmp(pa.service, "lambda") != 0) {
        return false;
    }
    *account = ctl->account;
    if (ctl->creds == NULL) {
        memcpy(v->access_key, pa.access_key, sizeof(v->access_key));
        return true;
    }
    struct sigv4_header hs[HTTP1_MAX_HEADERS];
    for (size_t i = 0; i < req->n_headers; i++) {
        hs[i] = (struct sigv4_header){req->headers[i].name, req->headers[i].value};
    }
    struct sigv4_request sr = {req->method, req->url, hs, req->n_headers, req->body, req->body_len};
    struct sigv4_expect ex = {ctl->region, "lambda", time(NULL), SIGV4_LAMBDA_MAX_SKEW_S};
    if (sigv4_verify(&sr, &ex, secret_of, ctl->creds, v) < 0) {
        log_error("function URL %s %.200s: refused (%s): %s", req->method, req->url, v->type,
                  v->message);
        return false;
    }
    *account = creds_find(ctl->creds, v->access_key)->account;
    return true;
}

/* The version the URL's function runs now ($LATEST, or the alias's pick). */
static const struct function_config *version_of(struct call_ctx *ctl, const struct target *t)
{
    if (*t->qualifier == '\0') {
        return pool_function_version(ctl->pool, t->name, "$LATEST");
    }
    const struct alias_target *at = aliases_get(ctl->aliases, t->name, t->qualifier);
    return at ? pool_function_version(ctl->pool, t->name, aliases_pick(at, aliases_uniform01()))
              : NULL;
}

static struct url_call *call_new(struct httpd_conn *c, const struct http1_request *req,
                                 const json_t *cfg)
{
    struct url_call *uc = xcalloc(1, sizeof(*uc));
    const char *origin = http1_header(req, "Origin");
    const char *acrm = http1_header(req, "Access-Control-Request-Method");
    uc->c = c;
    uc->is_head = strcmp(req->method, "HEAD") == 0;
    uc->cors = json_incref(json_object_get(cfg, "Cors"));
    uc->origin = origin ? xstrdup(origin) : NULL;
    uc->req_method = acrm ? xstrdup(acrm) : NULL;
    uc->crq = (struct gwanswer_cors_request){uc->origin, uc->req_method, NULL,
                                             strcmp(req->method, "OPTIONS") == 0 &&
                                                 origin != NULL && acrm != NULL};
    cl_buf_init(&uc->pre, (size_t)-1); /* holds at most a prelude and one read */
    return uc;
}

/* The event of req for t. OUT: *event, *len (free()). */
static void build_event(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req,
                        const struct target *t, const char *path, const char *request_id,
                        const struct sigv4_verdict *iam, const char *iam_account, char **event,
                        size_t *len)
{
    size_t plen = strcspn(path, "?");
    char *raw_path = plen ? xasprintf("%.*s", (int)plen, path) : xstrdup("/");
    const char *q = strchr(path, '?');
    char ip[64] = "127.0.0.1";
    (void)httpd_conn_peer(c, ip, sizeof(ip));
    char *domain = xasprintf("%s.lambda-url.%s.localhost", t->id, ctl->region);
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    struct http1_header hs[HTTP1_MAX_HEADERS + 3];
    char port[8];
    struct gwevent_request er = {
        .method = req->method,
        .path = raw_path,
        .query = q ? q + 1 : "",
        .headers = hs,
        .n_headers = gwevent_forwarded(req, ip, hs, port),
        .body = req->body,
        .body_len = req->body_len,
        .source_ip = ip,
        .url_id = t->id,
        .domain_name = domain,
        .account = ctl->account,
        .request_id = request_id,
        .time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
        .iam_access_key = iam ? iam->access_key : NULL,
        .iam_account = iam_account,
    };
    if (gwevent_build(&er, event, len) < 0) {
        *event = xstrdup("{}");
        *len = 2;
    }
    free(domain);
    free(raw_path);
}

/* Runs t's function for req: checks, the event, the invocation. True when the invocation owns
 * uc (it may have been answered and freed already), false when uc was answered here. */
static bool run(struct call_ctx *ctl, struct url_call *uc, const struct http1_request *req,
                const struct target *t, const char *path)
{
    const char *auth = json_string_value(json_object_get(t->cfg, "AuthType"));
    struct sigv4_verdict v;
    const char *iam_account = NULL;
    bool is_iam = auth && strcmp(auth, "AWS_IAM") == 0;
    if (is_iam && !iam_ok(ctl, req, &v, &iam_account)) {
        send_simple(uc, 403, "{\"Message\":\"Forbidden\"}", NULL);
        return false;
    }
    const struct function_config *fn = version_of(ctl, t);
    if (fn == NULL) {
        send_simple(uc, 404, "{\"Message\":\"Not Found\"}", NULL);
        return false;
    }
    char *arn = arn_function(ctl->region, ctl->account, t->name, t->qualifier);
    struct inv *inv = inv_new(fn->name, arn, NULL, 0, false, on_done);
    free(arn);
    inv_set_version(inv, fn->version);
    char *event = NULL;
    size_t len = 0;
    build_event(ctl, uc->c, req, t, path, inv->id, is_iam ? &v : NULL, iam_account, &event, &len);
    if (req->body_too_large || len > FUNCURL_MAX_EVENT) {
        free(event);
        send_simple(uc, 413,
                    "{\"Message\":\"Request must be smaller than 6291456 bytes for the "
                    "InvokeFunction operation\"}",
                    inv->id);
        inv_free(inv);
        return false;
    }
    inv->payload = (uint8_t *)event;
    inv->len = len;
    inv->owner = uc;
    uc->inv = inv;
    const char *mode = json_string_value(json_object_get(t->cfg, "InvokeMode"));
    if (mode && strcmp(mode, "RESPONSE_STREAM") == 0 && !uc->is_head) {
        inv->chunk = on_chunk; /* (a HEAD is answered buffered: a chunked body cannot follow) */
    }
    httpd_conn_set_abort(uc->c, on_caller_gone, uc);
    pool_submit(ctl->pool, inv);
    return true;
}

void funcurl_handle(struct call_ctx *ctl, struct httpd_conn *c, const struct http1_request *req)
{
    struct target t;
    const char *path = NULL;
    bool found = ctl->store && find_target(ctl, req, &t, &path);
    struct url_call *uc = call_new(c, req, found ? t.cfg : NULL);
    bool handed_off = false;
    if (!found) {
        send_simple(uc, 403, "{\"Message\":\"Forbidden\"}", NULL);
    } else if (uc->crq.is_preflight && gwanswer_cors_enabled(uc->cors)) {
        send_simple(uc, 200, NULL, NULL); /* answered here, the function is not invoked */
    } else {
        handed_off = run(ctl, uc, req, &t, path);
    }
    if (found) {
        json_decref(t.cfg);
    }
    if (!handed_off) {
        call_free(uc);
    }
}

int funcurl_put_default(struct call_ctx *ctl, const char *name, const char *auth_type,
                        const char *invoke_mode, const char *cors_json, int port, char **url)
{
    char *doc = NULL;
    *url = NULL;
    if (store_setting_get(ctl->store, name, "url", "", &doc) == 0) {
        free(doc);
        return 0; /* made through the API (or by an earlier start): it stays as it is */
    }
    char id[33];
    char now[IDS_TIME_LEN];
    ids_hex(id, 16);
    ids_now_iso(now, 6, "Z");
    char *address = xasprintf("http://%s.lambda-url.%s.localhost:%d/", id, ctl->region, port);
    char *arn = arn_function(ctl->region, ctl->account, name, NULL);
    json_t *cors = cors_json ? json_loads(cors_json, 0, NULL) : NULL;
    json_t *cfg = json_pack(
        "{s:s,s:s,s:s,s:o,s:s,s:s,s:s}", "FunctionUrl", address, "FunctionArn", arn, "AuthType",
        auth_type, "Cors", json_is_object(cors) ? json_incref(cors) : json_object(), "CreationTime",
        now, "LastModifiedTime", now, "InvokeMode", invoke_mode);
    json_decref(cors);
    free(arn);
    char *text = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(cfg);
    int rc = text ? store_setting_put(ctl->store, name, "url", "", text) : -EINVAL;
    free(text);
    if (rc < 0) {
        free(address);
        return rc;
    }
    *url = address;
    return 0;
}
