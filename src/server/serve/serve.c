/* SPDX-License-Identifier: MIT */
/* `clambda serve`; see serve.h and docs/serve.md for every flag. */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "auth/creds.h"
#include "base/func.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/catalog.h"
#include "catalog/manifest.h"
#include "catalog/registry.h"
#include "exec/cpuplace.h"
#include "exec/env.h"
#include "exec/pool.h"
#include "exec/rolecreds.h"
#include "front/routes.h"
#include "gateway/apigw.h"
#include "gateway/funcurl.h"
#include "http/httpd.h"
#include "invoke/async.h"
#include "invoke/invoke.h"
#include "invoke/queue.h"
#include "observe/logs.h"
#include "observe/logs_api.h"
#include "observe/metrics.h"
#include "sandbox_full.h"
#include "serve/serve_args.h"
#include "state/store.h"

/* The running server, reachable from the signal callbacks. */
struct serve {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm, sighup;
    const struct serve_opts *opts; /* for SIGHUP: --manifest, --set, --provisioned */
    char **manifest_names;         /* the functions the manifest defined last */
    size_t n_manifest_names;
    char **template_names; /* the functions the template defined last */
    size_t n_template_names;
    struct httpd *api;
    struct apigw *gateway; /* --template's APIs on --http-listen, or NULL */
    struct pool *pool;
    struct cpuplace place; /* --cpu-affinity (exec/cpuplace.h) */
    struct async *async;
    struct invoke invoke;
    struct logs_api logs;
    struct metrics *metrics;
    struct call_ctx control;
    struct creds *creds;
    struct rolecreds *role_creds; /* --role-credentials, replaced in place on SIGHUP */
    struct store *store;          /* the registry's state database */
    struct sandbox_full *full;    /* NULL: isolation none */
    int grace_ms;
    bool stopping;
};

/* The FunctionUrlConfig of a template's functions, stored unless a config exists. */
static void put_urls(struct serve *s, const struct sam_template *t)
{
    for (size_t i = 0; i < t->n_urls; i++) {
        const struct sam_url *u = &t->urls[i];
        char *url = NULL;
        int rc = funcurl_put_default(&s->control, u->function, u->auth_type, u->invoke_mode,
                                     u->cors_json, httpd_port(s->api), &url);
        if (rc < 0) {
            log_error("--template: URL config of %s: %s", u->function, strerror(-rc));
        } else if (url) {
            log_info("function URL of %s: %s", u->function, url);
        }
        free(url);
    }
}

/* What the server runs with, for GET /metrics and status pages (serve_isolation_mode). */
static const char *isolation_mode = "none";
static char isolation_reason[512];

const char *serve_isolation_mode(void)
{
    return isolation_mode;
}

const char *serve_isolation_reason(void)
{
    return isolation_reason;
}

/* mkdir -p dir. 0 or -errno. */
static int make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                rc = -errno;
            }
            *s = c;
            if (c == '\0' || rc < 0) {
                break;
            }
        }
    }
    free(p);
    return rc;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct serve *s = h->data;
    if (s->stopping) {
        return;
    }
    s->stopping = true;
    log_info("%s, shutting down", strsignal(signum));
    httpd_close(s->api);
    s->api = NULL;
    apigw_close(s->gateway);
    s->gateway = NULL;
    async_shutdown(s->async); /* first: events cut short by the pool stay queued */
    pool_shutdown(s->pool, s->grace_ms);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sighup, NULL);
}

static bool name_in(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

/* Replaces a list of names (*names, *n) with the names of fns. */
static void remember_names(char ***names, size_t *n_names, const struct function_config *fns,
                           size_t n)
{
    for (size_t i = 0; i < *n_names; i++) {
        free((*names)[i]);
    }
    *names = xrealloc(*names, (n + 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        (*names)[i] = xstrdup(fns[i].name);
    }
    *n_names = n;
}

/* Replaces the list of functions the manifest defines. */
static void remember_manifest(struct serve *s, const struct function_config *fns, size_t n)
{
    remember_names(&s->manifest_names, &s->n_manifest_names, fns, n);
}

/* Loads the manifest again and checks it against the functions from elsewhere. */
static int reload_load(struct serve *s, struct function_config **fns, size_t *n)
{
    char err[1024];
    if (manifest_load(s->opts->manifest, fns, n, err, sizeof(err)) < 0) {
        log_error("SIGHUP: %s; keeping the running functions", err);
        return -EINVAL;
    }
    for (size_t i = 0; i < *n; i++) {
        const char *name = (*fns)[i].name;
        if (pool_function(s->pool, name) &&
            !name_in(s->manifest_names, s->n_manifest_names, name)) {
            log_error("SIGHUP: function %s is also given by --function; keeping "
                      "the running functions",
                      name);
            manifest_free(*fns, *n);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < *n; i++) {
        if (registry_prepare_code(s->opts->state_dir, &(*fns)[i], err, sizeof(err)) < 0) {
            log_error("SIGHUP: %s; keeping the running functions", err);
            manifest_free(*fns, *n);
            return -EINVAL;
        }
    }
    if (serve_args_apply_sets(s->opts, *fns, *n, false) < 0) {
        manifest_free(*fns, *n);
        return -EINVAL;
    }
    serve_args_apply_provisioned(s->opts, *fns, *n);
    return 0;
}

/* --role-credentials, read before the pool starts: environments get their role's credentials.
 * 0 or -errno (logged). */
static int load_role_creds(struct serve *s, const struct serve_opts *o)
{
    char err[512];
    if (o->role_credentials == NULL) {
        return 0;
    }
    int rc = rolecreds_load(o->role_credentials, &s->role_creds, err, sizeof(err));
    if (rc < 0) {
        log_error("--role-credentials: %s", err);
        return rc;
    }
    log_info("--role-credentials: %zu role(s) from %s", s->role_creds->n_entries,
             o->role_credentials);
    if (s->full == NULL) {
        log_warn("--role-credentials under isolation none: functions run as one user and can "
                 "read each other's environment (/proc/PID/environ), credentials included; "
                 "only full isolation keeps them apart");
    }
    return 0;
}

/* SIGHUP: reads --role-credentials again; a file that does not load keeps the old one. New
 * environments get the new credentials, running ones keep those they started with. */
static void reload_role_creds(struct serve *s)
{
    struct rolecreds *fresh = NULL;
    char err[512];
    if (rolecreds_load(s->opts->role_credentials, &fresh, err, sizeof(err)) < 0) {
        log_error("SIGHUP: --role-credentials: %s; keeping the credentials read before", err);
        return;
    }
    size_t n = fresh->n_entries;
    rolecreds_replace(s->role_creds, fresh);
    log_info("SIGHUP: reloaded %s: %zu role(s); environments started from now on get them",
             s->opts->role_credentials, n);
}

/* SIGHUP with --template: its functions through the catalog (stored, as at start), its URL
 * configs (added when missing) and its routes (the gateway's, swapped). A template that does
 * not load, or that names a function of --function or --manifest, changes nothing. */
static void reload_template(struct serve *s)
{
    struct sam_template t;
    char err[1024];
    const char *path = s->opts->template_path;
    const struct sam_context cx = {NULL, s->opts->region, "000000000000", "local"};
    if (sam_load(path, &cx, &t, err, sizeof(err)) < 0) {
        log_error("SIGHUP: %s; keeping the running functions and routes", err);
        return;
    }
    for (size_t i = 0; i < t.n_fns; i++) {
        const char *name = t.fns[i].name;
        bool clash = (pool_function(s->pool, name) &&
                      !name_in(s->template_names, s->n_template_names, name)) ||
                     name_in(s->manifest_names, s->n_manifest_names, name);
        if (clash || registry_prepare_code(s->opts->state_dir, &t.fns[i], err, sizeof(err)) < 0) {
            log_error("SIGHUP: %s: %s; keeping the running functions and routes", path,
                      clash ? "a function is also given by --function or --manifest" : err);
            sam_fini(&t);
            return;
        }
    }
    struct catalog_reload_counts c;
    catalog_reload(&s->control.catalog, CATALOG_STORED, s->template_names, s->n_template_names,
                   t.fns, t.n_fns, &c);
    remember_names(&s->template_names, &s->n_template_names, t.fns, t.n_fns);
    put_urls(s, &t);
    if (s->gateway) {
        apigw_set_routes(s->gateway, &t);
        apigw_print_routes(s->gateway, s->opts->http_host, stdout);
    } else if (t.n_routes > 0) {
        log_error("SIGHUP: %s now has routes: restart to serve them on --http-listen", path);
    }
    log_info("SIGHUP: reloaded %s: %zu added, %zu replaced, %zu unchanged or rescaled, %zu "
             "removed",
             path, c.added, c.replaced, c.unchanged, c.removed);
    sam_fini(&t);
}

/* SIGHUP: applies the manifest's changes through the catalog (catalog_reload), and the
 * template's (reload_template). Changed functions get new environments (in-flight invocations
 * finish on the old ones); functions no longer in it are removed. */
static void on_sighup(uv_signal_t *h, int signum)
{
    struct serve *s = h->data;
    struct function_config *fns = NULL;
    size_t n = 0;
    (void)signum;
    if (s->stopping) {
        return;
    }
    if (s->role_creds != NULL) {
        reload_role_creds(s);
    }
    if (s->opts->template_path) {
        reload_template(s);
    }
    if (s->opts->manifest == NULL) {
        if (s->opts->template_path == NULL && s->role_creds == NULL) {
            log_error("SIGHUP: no --manifest to reload (nor --template, nor --role-credentials)");
        }
        return;
    }
    if (reload_load(s, &fns, &n) < 0) {
        return;
    }
    struct catalog_reload_counts c;
    catalog_reload(&s->control.catalog, CATALOG_MANIFEST, s->manifest_names, s->n_manifest_names,
                   fns, n, &c);
    remember_manifest(s, fns, n);
    manifest_free(fns, n);
    log_info("SIGHUP: reloaded %s: %zu added, %zu replaced, %zu unchanged or "
             "rescaled, %zu removed",
             s->opts->manifest, c.added, c.replaced, c.unchanged, c.removed);
}

/* Sanitizer settings of the server pass through to runtimes built with sanitizers too. */
static char **sanitizer_env(void)
{
    static const char *const names[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                                        "ASAN_SYMBOLIZER_PATH", NULL};
    char **env = xcalloc(5, sizeof(*env));
    size_t n = 0;
    for (size_t i = 0; names[i]; i++) {
        const char *v = getenv(names[i]);
        if (v) {
            env[n++] = xasprintf("%s=%s", names[i], v);
        }
    }
    return env;
}

/* Falls back to isolation none, loudly (never silently unsandboxed). */
static void fall_back(const char *why)
{
    isolation_mode = "none";
    (void)snprintf(isolation_reason, sizeof(isolation_reason), "%s", why);
    log_error("WARNING: full isolation is not available here (%s).\n"
              "clambda: WARNING: functions run UNSANDBOXED, as plain processes of this "
              "user (--isolation none).\n"
              "clambda: WARNING: pass --isolation full to refuse to start instead, or "
              "--isolation none to choose this knowingly.",
              why);
}

/* Probes, prepares (skeleton root, seccomp program, cgroup parent) and tries one throw-away
 * environment. On failure s->full stays NULL and d says why. swept[0..1] add up what
 * sandbox_full_new removed from the cgroup parent (processes, cgroups), also on a failure. */
static int try_full(struct serve *s, const struct sandbox_full_config *cfg, struct sandbox_diag *d,
                    int swept[2])
{
    int rc = sandbox_full_probe(cfg, d);
    rc = rc < 0 ? rc : sandbox_full_new(cfg, &s->full, d);
    if (rc == 0) {
        int procs = 0, cgroups = 0;
        (void)sandbox_full_swept(s->full, &procs, &cgroups);
        swept[0] += procs;
        swept[1] += cgroups;
    }
    rc = rc < 0 ? rc : sandbox_full_selftest(s->full, d);
    if (rc < 0) {
        sandbox_full_free(s->full);
        s->full = NULL;
    }
    return rc;
}

/* What the environments' network is, for the start-up line. */
static const char *net_words(const struct sandbox_full_config *cfg)
{
    if (!cfg->isolate_net) {
        return "";
    }
    return cfg->nat ? ", network namespace per environment (NAT to the outside, Runtime API at "
                      "127.0.0.1:9001)"
                    : ", network namespace per environment (no network but its Runtime API)";
}

static void say_full(const struct sandbox_full_config *cfg, const char *no_userns)
{
    isolation_mode = "full";
    isolation_reason[0] = '\0';
    if (!cfg->isolate_net) {
        log_error("WARNING: --network host: environments share the host's network: they reach "
                  "the host's loopback services, the public API and other environments' "
                  "listeners (a Runtime API still serves only its own environment)");
    }
    if (cfg->userns) {
        log_info("isolation full: namespaces, pivot_root, seccomp, cgroups%s, user namespace "
                 "(host uids %u-%u)",
                 net_words(cfg), SANDBOX_USERNS_BASE, SANDBOX_USERNS_BASE + 65535);
    } else {
        log_info("isolation full: namespaces, pivot_root, seccomp, cgroups%s; no user namespace "
                 "(%s): the setup runs as root until it drops to uid 993",
                 net_words(cfg), no_userns);
    }
}

/* Says what a killed predecessor left in the cgroup parent and sandbox_full_new removed. */
static void say_swept(const struct sandbox_full *full, const int swept[2])
{
    int procs = 0, cgroups = 0;
    const char *dir = sandbox_full_swept(full, &procs, &cgroups);
    log_info("cgroup parent %s", dir);
    if (swept[0] > 0 || swept[1] > 0) {
        log_info("removed what a previous server left in %s: %d processes, %d cgroups", dir,
                 swept[0], swept[1]);
    }
}

/* --isolation: full isolation when it can be had (with a user namespace when possible), else
 * refuse (full) or fall back loudly (auto). 0, or -1 after printing why not. */
static int setup_isolation(struct serve *s, const struct serve_opts *o)
{
    if (strcmp(o->isolation, "none") == 0) {
        (void)snprintf(isolation_reason, sizeof(isolation_reason), "--isolation none");
        log_info("isolation none: functions run as plain processes");
        return 0;
    }
    char *sbx_dir = xasprintf("%s/sandbox", o->state_dir);
    char *root = xasprintf("%s/root", sbx_dir);
    char cg_name[32];
    sandbox_full_cgroup_name(o->state_dir, cg_name, sizeof(cg_name));
    struct sandbox_full_config cfg = {.root_dir = root,
                                      .cgroup_mount = o->cgroup_root,
                                      .cgroup_self = "/proc/self/cgroup",
                                      .cgroup_name = cg_name,
                                      .uid = 993,
                                      .gid = 990,
                                      .isolate_net = o->isolate_net,
                                      .userns = o->userns,
                                      .host_root = o->root_dir,
                                      .nat = strcmp(o->network, "nat") == 0,
                                      .host_ports = o->host_ports,
                                      .n_host_ports = o->n_host_ports};
    struct sandbox_diag d = {0, ""};
    char no_userns[256] = "--userns off";
    int rc = mkdir(sbx_dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
    if (rc < 0) {
        (void)snprintf(d.msg, sizeof(d.msg), "mkdir(%s): %s", sbx_dir, strerror(-rc));
    }
    int swept[2] = {0, 0};
    rc = rc < 0 ? rc : try_full(s, &cfg, &d, swept);
    if (rc < 0 && cfg.userns && geteuid() == 0) {
        (void)snprintf(no_userns, sizeof(no_userns), "%s", d.msg);
        cfg.userns = false;
        rc = try_full(s, &cfg, &d, swept);
    }
    free(root);
    free(sbx_dir);
    if (rc == 0) {
        say_full(&cfg, no_userns);
        say_swept(s->full, swept);
        return 0;
    }
    bool net = o->isolate_net && o->network_given;
    if (strcmp(o->isolation, "full") == 0 || net) {
        log_error("%s%s cannot be had: %s", net ? "--network " : "--isolation full",
                  net ? o->network : "", d.msg);
        return -1;
    }
    fall_back(d.msg);
    return 0;
}

static double gauge_one(void *arg)
{
    (void)arg;
    return 1;
}

static double rapi_refused(void *arg)
{
    (void)arg;
    return (double)env_rapi_refused();
}

/* metrics_queue_depth_fn over the durable Event queue (arg: the async worker). */
static long async_depth(void *arg, const char *function)
{
    int64_t n = 0;
    return queue_depth(async_queue(arg), function, &n) == 0 ? (long)n : -1;
}

/* Live gauges from the pool, and server-wide gauges: add new ones here. */
static void register_metrics(struct serve *s)
{
    char labels[64];
    metrics_set_live(s->metrics, pool_metrics_live, s->pool);
    (void)snprintf(labels, sizeof(labels), "mode=\"%s\"", serve_isolation_mode());
    metrics_add_gauge(s->metrics, "clambda_rapi_refused_total",
                      "Connections to a Runtime API refused: not from its environment.", "",
                      rapi_refused, NULL);
    metrics_add_gauge(s->metrics, "clambda_isolation_info",
                      "The isolation mode environments run with (value 1).", labels, gauge_one,
                      NULL);
}

/* The durable Event queue (async.h) on clambda.db in the state dir. */
static int start_async(struct serve *s, const struct serve_opts *o)
{
    struct async_config ac = {.state_dir = o->state_dir,
                              .region = o->region,
                              .account = "000000000000",
                              .retry_delay_ms = {o->retry_delay_ms[0], o->retry_delay_ms[1]},
                              .max_in_flight = o->max_envs};
    char err[512];
    if (async_open(&s->loop, &ac, s->pool, &s->async, err, sizeof(err)) < 0) {
        log_error("event queue: %s", err);
        return -EIO;
    }
    return 0;
}

/* A public listener's settings: the connection cap and timeouts of the command line. */
static struct httpd_config listener_config(const struct serve_opts *o, const char *host, int port,
                                           size_t max_body, const char *name)
{
    return (struct httpd_config){host,
                                 port,
                                 max_body,
                                 (size_t)o->max_conns,
                                 name,
                                 (uint64_t)o->header_timeout_s * 1000,
                                 (uint64_t)o->body_timeout_s * 1000,
                                 (uint64_t)o->idle_timeout_s * 1000};
}

/* The template's APIs on --http-listen (when it has routes, or the flag was given). */
static int start_gateway(struct serve *s, struct serve_opts *o)
{
    if (o->template_def.n_routes == 0 && !o->http_listen_given) {
        return 0;
    }
    struct httpd_config hc =
        listener_config(o, o->http_host, o->http_port, APIGW_MAX_BODY, "http-api");
    int rc = apigw_open(&s->loop, &s->control, &hc, &o->template_def, &s->gateway);
    if (rc < 0) {
        log_error("--http-listen %s:%d: %s", o->http_host, o->http_port, uv_strerror(rc));
        return rc;
    }
    apigw_print_routes(s->gateway, o->http_host, stdout);
    bool v6 = strchr(o->http_host, ':') != NULL;
    (void)printf("clambda: APIs on http://%s%s%s:%d\n", v6 ? "[" : "", o->http_host, v6 ? "]" : "",
                 apigw_port(s->gateway));
    (void)fflush(stdout);
    return 0;
}

/* Grew with the network, template and catalog steps of this session: to be split by phase.
 * NOLINTNEXTLINE(readability-function-size) */
static int start(struct serve *s, struct serve_opts *o, char **extra_env)
{
    if (setup_isolation(s, o) < 0) {
        return -EPERM;
    }
    s->opts = o;
    if (load_role_creds(s, o) < 0) {
        return -EINVAL;
    }
    struct pool_config pc = {.state_dir = o->state_dir,
                             .region = o->region,
                             .account = "000000000000",
                             .max_envs = o->max_envs,
                             .keep_warm_s = o->keep_warm_s,
                             .wait_ms = o->wait_ms,
                             .init_timeout_ms = o->init_timeout_s * 1000,
                             .extra_env = extra_env,
                             .role_creds = s->role_creds,
                             .full = s->full,
                             .isolate_net =
                                 o->isolate_net && s->full != NULL, /* none after a fallback */
                             .log_max_bytes = (uint64_t)o->log_max_bytes,
                             .log_retain_bytes = (uint64_t)o->log_retain_bytes};
    metrics_new(o->state_dir, (uint64_t)o->log_max_bytes, &s->metrics);
    pc.metrics = s->metrics;
    cpuplace_init(&s->place, o->cpu_auto);
    pc.place = &s->place;
    pool_new(&s->loop, &pc, &s->pool);
    register_metrics(s);
    remember_manifest(s, o->fns + o->n_cli_fns, o->n_fns - o->n_cli_fns);
    s->template_names = xcalloc(o->n_template_names + 1, sizeof(char *));
    for (size_t i = 0; i < o->n_template_names; i++) {
        s->template_names[s->n_template_names++] = xstrdup(o->template_names[i]);
    }
    for (size_t i = 0; i < o->n_fns; i++) {
        const char *name = o->fns[i].name;
        if (pool_add_function(s->pool, &o->fns[i]) < 0) {
            log_error("function %s registered twice", name);
            return -EEXIST;
        }
    }
    s->logs = (struct logs_api){&s->loop, o->state_dir, o->region, "000000000000"};
    if (start_async(s, o) < 0) {
        return -EIO;
    }
    metrics_set_queue_depth(s->metrics, async_depth, s->async);
    s->invoke = (struct invoke){s->pool, o->region, "000000000000", s->async, NULL};
    if (o->auth_sigv4) {
        char err[512];
        int rc = creds_load(o->credentials, &s->creds, err, sizeof(err));
        if (rc < 0) {
            log_error("--credentials: %s", err);
            return rc;
        }
    }
    s->control = (struct call_ctx){.invoke = &s->invoke,
                                   .pool = s->pool,
                                   .region = o->region,
                                   .account = "000000000000",
                                   .creds = s->creds,
                                   .max_concurrency = o->max_envs,
                                   .store = s->store,
                                   .state_dir = o->state_dir,
                                   .bucket_dir = o->code_bucket_dir,
                                   .metrics = s->metrics,
                                   .logs = &s->logs,
                                   .loop = &s->loop};
    routes_init(&s->control);
    async_set_qualifiers(s->async, s->store, s->control.aliases);
    struct httpd_config hc = listener_config(o, o->host, o->port, INVOKE_MAX_SYNC, "api");
    int rc = httpd_open(&s->loop, &hc, routes_handle, &s->control, &s->api);
    if (rc < 0) {
        log_error("listen on %s:%d: %s", o->host, o->port, uv_strerror(rc));
        return rc;
    }
    httpd_set_head_handler(s->api, routes_head); /* before the loop accepts anyone */
    put_urls(s, &o->template_def);
    /* handlers first: whoever reads the line below may signal at once */
    (void)uv_signal_init(&s->loop, &s->sigint);
    (void)uv_signal_init(&s->loop, &s->sigterm);
    (void)uv_signal_init(&s->loop, &s->sighup);
    s->sigint.data = s->sigterm.data = s->sighup.data = s;
    (void)uv_signal_start(&s->sigint, on_signal, SIGINT);
    (void)uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    (void)uv_signal_start(&s->sighup, on_sighup, SIGHUP);
    bool v6 = strchr(o->host, ':') != NULL;
    (void)printf("clambda: listening on http://%s%s%s:%d\n", v6 ? "[" : "", o->host, v6 ? "]" : "",
                 httpd_port(s->api));
    (void)fflush(stdout);
    return start_gateway(s, o); /* its lines after that one, which scripts wait for */
}

/* Drops the entries of r (stored functions) that the manifest defines: the manifest wins. */
static void drop_shadowed(struct function_config *r, size_t *n_r,
                          const struct function_config *manifest, size_t n_manifest)
{
    size_t k = 0;
    for (size_t i = 0; i < *n_r; i++) {
        bool shadowed = false;
        for (size_t j = 0; j < n_manifest; j++) {
            shadowed = shadowed || strcmp(r[i].name, manifest[j].name) == 0;
        }
        if (shadowed) {
            func_config_fini(&r[i]);
        } else {
            r[k++] = r[i];
        }
    }
    *n_r = k;
}

/* Saves a function given at start with its Role (--set NAME.role) in one transaction; a new
 * Role gives a new revision, as UpdateFunctionConfiguration's does. 0 or -errno with err. */
static int save_function(struct store *st, struct function_config *cfg, char *err, size_t errlen)
{
    char *stored = registry_stored_role(st, cfg->name);
    bool new_role = cfg->role && (stored == NULL || strcmp(stored, cfg->role) != 0);
    free(stored);
    int rc = store_begin(st);
    if (rc == 0) {
        rc = new_role ? registry_save_revised(st, cfg, err, errlen)
                      : registry_save(st, cfg, err, errlen);
    }
    if (rc == 0 && new_role && (rc = registry_save_role(st, cfg->name, cfg->role)) < 0) {
        (void)snprintf(err, errlen, "save the Role of function %s: %s", cfg->name, strerror(-rc));
    }
    rc = rc == 0 ? store_commit(st) : rc;
    if (rc < 0) {
        (void)store_rollback(st);
        if (err[0] == '\0') {
            (void)snprintf(err, errlen, "save function %s: %s", cfg->name, strerror(-rc));
        }
    }
    return rc;
}

/* o->fns becomes: stored functions with --function over them (then saved, after --set), then
 * the manifest's. Returns a negative errno with the message in err. */
static int merge_registry(struct serve *s, struct serve_opts *o, char *err, size_t errlen)
{
    struct function_config *r = NULL;
    size_t n_r = 0;
    size_t n_manifest = o->n_fns - o->n_cli_fns;
    struct function_config *manifest = n_manifest ? o->fns + o->n_cli_fns : NULL;
    int rc = registry_load(s->store, o->state_dir, o->fns, o->n_cli_fns, &r, &n_r, err, errlen);
    for (size_t i = 0; rc == 0 && i < n_manifest; i++) {
        rc = registry_prepare_code(o->state_dir, &manifest[i], err, errlen);
    }
    if (rc < 0) {
        registry_list_free(r, n_r);
        return rc;
    }
    drop_shadowed(r, &n_r, manifest, n_manifest);
    r = xrealloc(r, (n_r + n_manifest + 1) * sizeof(*r));
    if (n_manifest > 0) {
        memcpy(r + n_r, manifest, n_manifest * sizeof(*r));
    }
    free(o->fns); /* the --function entries were taken over (zeroed), the manifest's moved */
    o->fns = r;
    o->n_cli_fns = n_r;
    o->n_fns = n_r + n_manifest;
    if (serve_args_apply_sets(o, o->fns, o->n_fns, true) < 0) {
        err[0] = '\0'; /* apply_sets printed why */
        return -EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < o->n_cli_fns; i++) {
        err[0] = '\0';
        rc = save_function(s->store, &o->fns[i], err, errlen);
    }
    serve_args_apply_provisioned(o, o->fns, o->n_fns);
    return rc;
}

/* Opens the state database and builds the function list. 0, 2 for a bad --function, --set or
 * manifest code or a damaged or emptied database (never served as an empty registry), 1 for a
 * state directory that cannot be used (message printed). */
static int open_registry(struct serve *s, struct serve_opts *o)
{
    char err[1024];
    int rc = store_open(o->state_dir, &s->store, err, sizeof(err));
    if (rc < 0) {
        log_error("%s", err);
        return rc == -EUCLEAN ? 2 : 1;
    }
    rc = merge_registry(s, o, err, sizeof(err));
    if (rc < 0) {
        if (err[0] != '\0') {
            log_error("%s", err);
        }
        store_close(s->store);
        s->store = NULL;
        return rc == -EINVAL ? 2 : 1;
    }
    return 0;
}

/* File descriptors per live environment: its Runtime API listener and connection, stdout and
 * stderr pipes, pidfd and log stream (.log and .ts): 7, counted in /proc/<pid>/fd with 1,000
 * environments. */
#define FDS_PER_ENV 7

/* Raises the soft RLIMIT_NOFILE to the hard limit (the usual 1024 holds only ~160
 * environments), and says so when even that is too low for max_envs environments and
 * max_conns API connections. Runtimes still get 1024 (sandbox_spec.max_files). */
static void raise_nofile(int max_envs, int max_conns)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        return;
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t need = (rlim_t)max_envs * FDS_PER_ENV + (rlim_t)max_conns + 256;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        log_warn("RLIMIT_NOFILE is %llu; --max-concurrency %d and --max-connections %d need "
                 "about %llu file descriptors (raise the hard limit, e.g. ulimit -Hn)",
                 (unsigned long long)rl.rlim_cur, max_envs, max_conns, (unsigned long long)need);
    }
}

/* --code-bucket-dir (default <state-dir>/buckets): created when missing, made absolute. */
static int open_bucket_dir(struct serve_opts *o)
{
    if (o->code_bucket_dir == NULL) {
        o->code_bucket_dir = xasprintf("%s/buckets", o->state_dir);
    }
    int rc = make_dirs(o->code_bucket_dir);
    char *abs_dir = rc < 0 ? NULL : realpath(o->code_bucket_dir, NULL);
    if (abs_dir == NULL) {
        log_error("--code-bucket-dir: mkdir(%s): %s", o->code_bucket_dir,
                  strerror(rc < 0 ? -rc : errno));
        return -EINVAL;
    }
    free(o->code_bucket_dir);
    o->code_bucket_dir = abs_dir;
    return 0;
}

int serve_main(int argc, char **argv)
{
    /* jansson allocates through the server's aborting allocator, so a json_* call fails only
     * on bad input (invalid UTF-8, a wrong type), never for want of memory; set before any
     * JSON value or worker thread exists. */
    json_set_alloc_funcs(xmalloc, free);
    log_set_level_from_env();
    struct serve_opts o;
    int rc = serve_args_parse(argc, argv, &o);
    if (rc != 0) {
        serve_args_fini(&o);
        return rc == 1 ? 0 : 2;
    }
    rc = make_dirs(o.state_dir);
    char *abs_dir = rc < 0 ? NULL : realpath(o.state_dir, NULL);
    if (abs_dir == NULL) {
        log_error("mkdir(%s): %s", o.state_dir, strerror(rc < 0 ? -rc : errno));
        serve_args_fini(&o);
        return 1;
    }
    free(o.state_dir); /* absolute from here on: the sandbox, code and log paths need it */
    o.state_dir = abs_dir;
    if (open_bucket_dir(&o) < 0) {
        serve_args_fini(&o);
        return 1;
    }
    (void)logs_seal(o.state_dir); /* log files a killed server left open become prunable */
    struct serve s;
    memset(&s, 0, sizeof(s));
    rc = open_registry(&s, &o);
    if (rc != 0) {
        serve_args_fini(&o);
        return rc;
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &ign, NULL); /* a vanished peer is an error return, not death */
    raise_nofile(o.max_envs, o.max_conns);
    s.grace_ms = o.grace_ms;
    /* libuv's thread pool (4 threads by default) carries code uploads, code downloads and the
     * Logs API: a few long extractions must not starve the others. An explicit setting wins. */
    (void)setenv("UV_THREADPOOL_SIZE", "16", 0);
    (void)uv_loop_init(&s.loop);
    char **extra_env = sanitizer_env();
    rc = start(&s, &o, extra_env);
    if (rc < 0) {
        httpd_close(s.api);
        apigw_close(s.gateway);
        async_shutdown(s.async);
        if (s.pool != NULL) { /* NULL: refused before the pool (--isolation full) */
            pool_shutdown(s.pool, 0);
        }
    }
    (void)uv_run(&s.loop, UV_RUN_DEFAULT);
    async_free(s.async);
    pool_free(s.pool);
    metrics_free(s.metrics);
    routes_fini(&s.control);
    creds_free(s.creds);
    rolecreds_free(s.role_creds);
    store_close(s.store);
    sandbox_full_free(s.full);
    (void)uv_loop_close(&s.loop);
    remember_manifest(&s, NULL, 0);
    free(s.manifest_names);
    remember_names(&s.template_names, &s.n_template_names, NULL, 0);
    free(s.template_names);
    for (size_t i = 0; extra_env[i]; i++) {
        free(extra_env[i]);
    }
    free(extra_env);
    serve_args_fini(&o);
    return rc < 0 ? 1 : 0;
}
