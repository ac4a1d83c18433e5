/* SPDX-License-Identifier: MIT */
/* API Gateway on the template's listener; see apigw.h. The routes live in a reference-counted
 * table: a reload swaps the table, and a request under way keeps the one it started with. A
 * request goes through at most two invocations (its authorizer, then its function) and an
 * integration timer; struct gw_call holds it until the last of them is done. */
#include "gateway/apigw.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/arn.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "exec/inv.h"
#include "exec/pool.h"
#include "gateway/apiroute.h"
#include "gateway/authz.h"
#include "gateway/gwanswer.h"
#include "gateway/gwevent.h"

/* Largest event (AWS: the 6 MB synchronous payload limit). */
#define APIGW_MAX_EVENT 6291456
/* API Gateway's integration timeouts: HTTP API 30 s, REST API 29 s. */
#define APIGW_HTTP_TIMEOUT_MS 30000
#define APIGW_REST_TIMEOUT_MS 29000

/* An API as served: its template entry and what is read from it once. */
struct api_view {
    const struct sam_api *api;
    char id[11];  /* apiId: 10 characters derived from the logical id */
    json_t *cors; /* parsed cors_json, or NULL */
    json_t *stage_vars;
};

/* The routes of one template. */
struct table {
    int refs;
    struct sam_template t; /* apis and routes only */
    struct api_view *views;
    bool rest_only; /* only REST APIs: an unknown path is REST's 403 */
};

struct apigw {
    struct call_ctx *ctl;
    uv_loop_t *loop;
    struct httpd *http;
    struct table *tab;
    struct authz_cache *cache;
};

/* One request being answered. */
struct gw_call {
    struct apigw *g;
    struct table *tab;
    const struct sam_route *route;
    const struct api_view *view;
    struct httpd_conn *c;            /* NULL once answered or gone */
    const struct http1_request *req; /* valid while c is not NULL */
    struct apiroute_match m;
    char *request_id;
    char *route_arn;
    json_t *identity;
    json_t *authorizer; /* requestContext.authorizer for the function */
    struct gwanswer_cors_request crq;
    char *origin;
    char *acrm;
    bool is_head;
    bool is_v1;
    int pending; /* invocations and the timer still to end */
    uv_timer_t timer;
};

/* ---- the table ------------------------------------------------------------------------------ */

static void api_id(const char *logical, char out[11])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = logical; *p; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    }
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < 10; i++) {
        out[i] = digits[h % 36];
        h /= 36;
    }
    out[10] = '\0';
}

static struct table *table_new(struct sam_template *t)
{
    struct table *tab = xcalloc(1, sizeof(*tab));
    tab->refs = 1;
    tab->t.apis = t->apis;
    tab->t.n_apis = t->n_apis;
    tab->t.routes = t->routes;
    tab->t.n_routes = t->n_routes;
    t->apis = NULL;
    t->n_apis = 0;
    t->routes = NULL;
    t->n_routes = 0;
    tab->views = xcalloc(tab->t.n_apis + 1, sizeof(*tab->views));
    tab->rest_only = tab->t.n_apis > 0;
    for (size_t i = 0; i < tab->t.n_apis; i++) {
        const struct sam_api *a = &tab->t.apis[i];
        struct api_view *v = &tab->views[i];
        v->api = a;
        api_id(a->id, v->id);
        v->cors = a->cors_json ? json_loads(a->cors_json, 0, NULL) : NULL;
        v->stage_vars = a->stage_vars_json ? json_loads(a->stage_vars_json, 0, NULL) : NULL;
        tab->rest_only = tab->rest_only && !a->is_http_api;
    }
    return tab;
}

static void table_unref(struct table *tab)
{
    if (tab == NULL || --tab->refs > 0) {
        return;
    }
    for (size_t i = 0; i < tab->t.n_apis; i++) {
        json_decref(tab->views[i].cors);
        json_decref(tab->views[i].stage_vars);
    }
    free(tab->views);
    sam_fini(&tab->t);
    free(tab);
}

/* The API a route belongs to (routes of templates without API entries: a bare view). */
static const struct api_view *view_of(const struct table *tab, const struct sam_route *r)
{
    static const struct api_view bare = {NULL, "local", NULL, NULL};
    return r->api < tab->t.n_apis ? &tab->views[r->api] : &bare;
}

/* ---- answers -------------------------------------------------------------------------------- */

static void call_unref(struct gw_call *gc)
{
    if (--gc->pending > 0) {
        return;
    }
    apiroute_match_fini(&gc->m);
    table_unref(gc->tab);
    free(gc->request_id);
    free(gc->route_arn);
    json_decref(gc->identity);
    json_decref(gc->authorizer);
    free(gc->origin);
    free(gc->acrm);
    free(gc);
}

static bool is_http_api(const struct gw_call *gc)
{
    return gc->route == NULL || gc->route->is_http_api;
}

/* Sends a (plus CORS and the request id headers) and lets go of the connection. */
static void send_answer(struct gw_call *gc, struct gwanswer *a)
{
    if (gc->c == NULL) {
        return;
    }
    httpd_conn_set_abort(gc->c, NULL, NULL);
    gwanswer_cors(gc->view ? gc->view->cors : NULL, &gc->crq, a);
    gwanswer_set_header(a, is_http_api(gc) ? "Apigw-Requestid" : "x-amzn-RequestId",
                        gc->request_id);
    httpd_respond(gc->c, a->status, a->headers, a->n_headers, gc->is_head ? NULL : a->body,
                  gc->is_head ? 0 : a->body_len);
    gc->c = NULL;
}

/* One of API Gateway's own answers: {"message": message}. */
static void send_message(struct gw_call *gc, int status, const char *message)
{
    struct gwanswer a;
    gwanswer_init(&a);
    a.status = status;
    gwanswer_set_header(&a, "Content-Type", "application/json");
    json_t *body = json_pack("{s:s}", "message", message);
    a.body = (uint8_t *)json_dumps(body, JSON_COMPACT);
    a.body_len = strlen((char *)a.body);
    json_decref(body);
    send_answer(gc, &a);
    gwanswer_fini(&a);
}

/* A function error, a throttle or a malformed answer. */
static void integration_failed(struct gw_call *gc)
{
    if (is_http_api(gc)) {
        send_message(gc, 500, "Internal Server Error");
    } else {
        send_message(gc, 502, "Internal server error");
    }
}

static void on_caller_gone(struct httpd_conn *c, void *arg)
{
    struct gw_call *gc = arg;
    (void)c;
    gc->c = NULL; /* the invocation runs on (as on AWS); its answer is dropped */
}

/* ---- the function --------------------------------------------------------------------------- */

static void on_timer_closed(uv_handle_t *h)
{
    call_unref(h->data);
}

static void on_timeout(uv_timer_t *t)
{
    struct gw_call *gc = t->data;
    log_warn("%s %s: integration timeout", gc->route ? gc->route->function : "?", gc->request_id);
    if (is_http_api(gc)) {
        send_message(gc, 503, "Service Unavailable");
    } else {
        send_message(gc, 504, "Endpoint request timed out");
    }
}

static void on_function_done(struct inv *inv, const struct inv_result *r)
{
    struct gw_call *gc = inv->owner;
    (void)uv_timer_stop(&gc->timer);
    if (gc->c && r->outcome != INV_OK) {
        log_error("%s %s: %s: %d", gc->route->function, gc->request_id,
                  r->outcome == INV_THROTTLED ? "throttled" : "function error",
                  is_http_api(gc) ? 500 : 502);
        integration_failed(gc);
    } else if (gc->c) {
        struct gwanswer a;
        gwanswer_init(&a);
        int rc = gc->is_v1 ? gwanswer_from_result_v1(r->body, r->len, &a)
                           : gwanswer_from_result(r->body, r->len, &a);
        if (rc < 0) {
            log_error("%s %s: malformed Lambda proxy response (%zu bytes)", gc->route->function,
                      gc->request_id, r->len);
            integration_failed(gc);
        } else {
            send_answer(gc, &a);
        }
        gwanswer_fini(&a);
    }
    inv_free(inv);
    uv_close((uv_handle_t *)&gc->timer, on_timer_closed);
}

/* Per-request storage of the event's borrowed strings. */
struct req_bufs {
    struct http1_header hs[HTTP1_MAX_HEADERS + 3];
    char port[8];
    char ip[64];
    char key[512];
    char domain[320];
    char *path;
};

/* Fills er from gc's request (c still there). */
static void fill_request(struct gw_call *gc, struct gwevent_request *er, struct req_bufs *b)
{
    const struct http1_request *req = gc->req;
    const struct sam_route *r = gc->route;
    size_t plen = strcspn(req->url, "?");
    const char *q = strchr(req->url, '?');
    b->path = plen ? xstrndup(req->url, plen) : xstrdup("/");
    (void)snprintf(b->ip, sizeof(b->ip), "127.0.0.1");
    (void)httpd_conn_peer(gc->c, b->ip, sizeof(b->ip));
    const char *host = http1_header(req, "Host");
    (void)snprintf(b->domain, sizeof(b->domain), "%.*s", host ? (int)strcspn(host, ":") : 9,
                   host ? host : "localhost");
    apiroute_key(r, b->key, sizeof(b->key));
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    const struct sam_api *api = gc->view->api;
    *er = (struct gwevent_request){
        .method = req->method,
        .path = b->path,
        .query = q ? q + 1 : "",
        .headers = b->hs,
        .n_headers = gwevent_forwarded(req, b->ip, b->hs, b->port),
        .body = req->body,
        .body_len = req->body_len,
        .source_ip = b->ip,
        .url_id = gc->view->id,
        .domain_name = b->domain,
        .account = gc->g->ctl->account,
        .request_id = gc->request_id,
        .time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
        .route_key = b->key,
        .resource = strcmp(r->path, "$default") == 0 ? "/{proxy+}" : r->path,
        .stage = api ? api->stage : "$default",
        .path_params = gc->m.params,
        .stage_vars = gc->view->stage_vars,
        .authorizer = gc->authorizer,
        .binary_types = api ? (const char *const *)api->binary_types : NULL,
        .n_binary_types = api ? api->n_binary_types : 0,
        .is_rest = !r->is_http_api,
    };
}

static void run_function(struct gw_call *gc)
{
    struct apigw *g = gc->g;
    const struct function_config *fn =
        pool_function_version(g->ctl->pool, gc->route->function, "$LATEST");
    if (fn == NULL) {
        log_error("route %s %s: function %s is not registered", gc->route->method, gc->route->path,
                  gc->route->function);
        integration_failed(gc);
        return;
    }
    struct gwevent_request er;
    struct req_bufs b;
    fill_request(gc, &er, &b);
    char *event = NULL;
    size_t len = 0;
    int rc = gc->is_v1 ? gwevent_build_v1(&er, &event, &len) : gwevent_build(&er, &event, &len);
    free(b.path);
    if (rc < 0 || len > APIGW_MAX_EVENT) {
        free(event);
        send_message(gc, 413, "Request Entity Too Large");
        return;
    }
    char *arn = arn_function(g->ctl->region, g->ctl->account, fn->name, NULL);
    struct inv *inv = inv_new(fn->name, arn, (uint8_t *)event, len, false, on_function_done);
    free(arn);
    inv_set_version(inv, fn->version);
    inv->owner = gc;
    gc->pending++; /* the timer's close ends this one */
    (void)uv_timer_init(g->loop, &gc->timer);
    gc->timer.data = gc;
    int ms = gc->route->timeout_ms > 0 ? gc->route->timeout_ms
             : gc->route->is_http_api  ? APIGW_HTTP_TIMEOUT_MS
                                       : APIGW_REST_TIMEOUT_MS;
    (void)uv_timer_start(&gc->timer, on_timeout, (uint64_t)ms, 0);
    pool_submit(g->ctl->pool, inv);
}

/* ---- the authorizer ------------------------------------------------------------------------- */

static const struct sam_authorizer *authorizer_of(const struct gw_call *gc)
{
    const struct sam_api *api = gc->view->api;
    for (size_t i = 0; api && gc->route->authorizer && i < api->n_auths; i++) {
        if (strcmp(api->auths[i].name, gc->route->authorizer) == 0) {
            return &api->auths[i];
        }
    }
    return NULL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Acts on an authorizer's answer: the function runs, or 403 / 500. */
static void decided(struct gw_call *gc, const struct sam_authorizer *a, const uint8_t *out,
                    size_t len)
{
    json_t *context = NULL;
    char *principal = NULL;
    enum authz_verdict v = authz_decide(a, out, len, gc->route_arn, &context, &principal);
    if (v == AUTHZ_ALLOW) {
        gc->authorizer = authz_function_view(context, principal, gc->is_v1);
        free(principal);
        run_function(gc);
    } else if (v == AUTHZ_DENY) {
        send_message(gc, 403, "Forbidden");
    } else {
        log_error("authorizer %s: malformed answer (%zu bytes)", a->name, len);
        send_message(gc, 500, "Internal Server Error");
    }
}

static void on_authorizer_done(struct inv *inv, const struct inv_result *r)
{
    struct gw_call *gc = inv->owner;
    const struct sam_authorizer *a = authorizer_of(gc);
    if (gc->c && (r->outcome != INV_OK || a == NULL)) {
        log_error("authorizer of %s %s: %s", gc->route->method, gc->route->path,
                  r->outcome == INV_THROTTLED ? "throttled" : "function error");
        send_message(gc, 500, "Internal Server Error");
    } else if (gc->c) {
        authz_cache_put(gc->g->cache, gc->view->id, a->name, gc->identity, a->ttl_s, r->body,
                        r->len, now_ms());
        decided(gc, a, r->body, r->len);
    }
    inv_free(inv);
    call_unref(gc);
}

/* The route's authorizer first, when it has one; then the function. */
static void authorize(struct gw_call *gc)
{
    const struct sam_authorizer *a = authorizer_of(gc);
    if (gc->route->authorizer == NULL) {
        run_function(gc);
        return;
    }
    if (a == NULL) {
        log_error("route %s %s: no authorizer %s", gc->route->method, gc->route->path,
                  gc->route->authorizer);
        send_message(gc, 500, "Internal Server Error");
        return;
    }
    struct gwevent_request er;
    struct req_bufs b;
    fill_request(gc, &er, &b);
    if (authz_identity(a, &er, &gc->identity) < 0) {
        free(b.path);
        send_message(gc, 401, "Unauthorized");
        return;
    }
    gc->route_arn = authz_route_arn(gc->g->ctl->region, gc->g->ctl->account, gc->view->id, er.stage,
                                    er.method, er.path);
    size_t len = 0;
    const char *cached =
        authz_cache_get(gc->g->cache, gc->view->id, a->name, gc->identity, now_ms(), &len);
    if (cached) {
        free(b.path);
        /* read by authz_decide before anything else runs: no put can come in between */
        decided(gc, a, (const uint8_t *)cached, len);
        return;
    }
    const struct function_config *fn =
        pool_function_version(gc->g->ctl->pool, a->function, "$LATEST");
    char *event = NULL;
    size_t elen = 0;
    int rc = fn ? authz_event(a, &er, gc->route_arn, gc->identity, &event, &elen) : -ENOENT;
    free(b.path);
    if (rc < 0) {
        log_error("authorizer %s: function %s: %s", a->name, a->function,
                  fn ? "no event" : "not registered");
        send_message(gc, 500, "Internal Server Error");
        return;
    }
    char *arn = arn_function(gc->g->ctl->region, gc->g->ctl->account, fn->name, NULL);
    struct inv *inv = inv_new(fn->name, arn, (uint8_t *)event, elen, false, on_authorizer_done);
    free(arn);
    inv_set_version(inv, fn->version);
    inv->owner = gc;
    gc->pending++;
    pool_submit(gc->g->ctl->pool, inv);
}

/* ---- the request ---------------------------------------------------------------------------- */

/* A preflight (OPTIONS with Origin and Access-Control-Request-Method) of an API with CORS:
 * answered here, 204 with the CORS headers, whether or not a route has OPTIONS. */
static bool preflight(struct gw_call *gc, const char *path)
{
    if (!gc->crq.is_preflight) {
        return false;
    }
    struct apiroute_match m;
    const struct table *tab = gc->tab;
    if (apiroute_find(&tab->t, gc->acrm, path, &m) == 0) {
        gc->view = view_of(tab, &tab->t.routes[m.route]);
        apiroute_match_fini(&m);
    } else if (tab->t.n_apis > 0) {
        gc->view = &tab->views[0];
    }
    if (gc->view == NULL || !gwanswer_cors_enabled(gc->view->cors)) {
        gc->view = NULL;
        return false;
    }
    struct gwanswer a;
    gwanswer_init(&a);
    a.status = 204;
    send_answer(gc, &a);
    gwanswer_fini(&a);
    return true;
}

static struct gw_call *call_new(struct apigw *g, struct httpd_conn *c,
                                const struct http1_request *req)
{
    struct gw_call *gc = xcalloc(1, sizeof(*gc));
    gc->g = g;
    gc->tab = g->tab;
    gc->tab->refs++;
    gc->c = c;
    gc->req = req;
    gc->pending = 1; /* the handler's own, dropped when it returns */
    gc->request_id = xmalloc(IDS_UUID_LEN);
    ids_uuid(gc->request_id);
    gc->is_head = strcmp(req->method, "HEAD") == 0;
    const char *origin = http1_header(req, "Origin");
    const char *acrm = http1_header(req, "Access-Control-Request-Method");
    gc->origin = origin ? xstrdup(origin) : NULL;
    gc->acrm = acrm ? xstrdup(acrm) : NULL;
    gc->crq = (struct gwanswer_cors_request){gc->origin, gc->acrm, NULL,
                                             strcmp(req->method, "OPTIONS") == 0 &&
                                                 origin != NULL && acrm != NULL};
    return gc;
}

static void handle(struct httpd_conn *c, const struct http1_request *req, void *user)
{
    struct apigw *g = user;
    struct gw_call *gc = call_new(g, c, req);
    httpd_conn_set_abort(c, on_caller_gone, gc);
    char *path = xstrndup(req->url, strcspn(req->url, "?"));
    if (req->body_too_large) {
        send_message(gc, 413, "Request Entity Too Large");
    } else if (preflight(gc, path)) {
        /* answered */
    } else if (apiroute_find(&gc->tab->t, req->method, path, &gc->m) < 0) {
        if (gc->tab->rest_only) {
            send_message(gc, 403, "Missing Authentication Token");
        } else {
            send_message(gc, 404, "Not Found");
        }
    } else {
        gc->route = &gc->tab->t.routes[gc->m.route];
        gc->view = view_of(gc->tab, gc->route);
        gc->is_v1 = strcmp(gc->route->payload_version, "1.0") == 0;
        authorize(gc);
    }
    free(path);
    call_unref(gc);
}

int apigw_open(uv_loop_t *loop, struct call_ctx *ctl, const struct httpd_config *cfg,
               struct sam_template *t, struct apigw **out)
{
    struct apigw *g = xcalloc(1, sizeof(*g));
    struct httpd_config hc = *cfg;
    hc.max_body = APIGW_MAX_BODY;
    g->ctl = ctl;
    g->loop = loop;
    g->cache = authz_cache_new();
    g->tab = table_new(t);
    int rc = httpd_open(loop, &hc, handle, g, &g->http);
    if (rc < 0) {
        apigw_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

int apigw_port(const struct apigw *g)
{
    return httpd_port(g->http);
}

void apigw_set_routes(struct apigw *g, struct sam_template *t)
{
    table_unref(g->tab);
    g->tab = table_new(t);
}

static void print_conflict(void *arg, const struct sam_route *a, const struct sam_route *b)
{
    (void)fprintf(arg, "clambda: route %s %s of %s is also a route of %s: %s serves it\n",
                  b->method, b->path, b->function, a->function, a->function);
}

void apigw_print_routes(const struct apigw *g, const char *host, FILE *f)
{
    const struct sam_template *t = &g->tab->t;
    bool v6 = strchr(host, ':') != NULL;
    for (size_t i = 0; i < t->n_routes; i++) {
        const struct sam_route *r = &t->routes[i];
        const struct api_view *v = view_of(g->tab, r);
        (void)fprintf(f, "clambda: mounting %s at http://%s%s%s:%d%s [%s] (%s, payload %s%s%s)\n",
                      r->function, v6 ? "[" : "", host, v6 ? "]" : "", apigw_port(g),
                      strcmp(r->path, "$default") == 0 ? "/ ($default)" : r->path, r->method,
                      v->api ? v->api->id : "api", r->payload_version,
                      r->authorizer ? ", authorizer " : "", r->authorizer ? r->authorizer : "");
    }
    (void)apiroute_conflicts(t, print_conflict, f);
    (void)fflush(f);
}

void apigw_close(struct apigw *g)
{
    if (g == NULL) {
        return;
    }
    httpd_close(g->http);
    table_unref(g->tab);
    authz_cache_free(g->cache);
    free(g);
}
