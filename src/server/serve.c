/* SPDX-License-Identifier: MIT */
/* `clambda serve`; see serve.h and docs/serve.md for every flag. */
#include "serve.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <uv.h>

#include "api_invoke.h"
#include "func.h"
#include "httpd.h"
#include "pool.h"
#include "xalloc.h"

/* Everything the command line says. */
struct serve_opts {
    char host[64];
    int port;
    char *state_dir;
    struct function_config *fns;
    size_t n_fns;
    const char **sets; /* NAME.KEY=VALUE, applied after every --function */
    size_t n_sets;
    int max_envs;
    int keep_warm_s;
    int wait_ms;
    int init_timeout_s;
    int grace_ms;
    char region[32];
};

/* The running server, reachable from the signal callbacks. */
struct serve {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    struct httpd *api;
    struct pool *pool;
    struct api_invoke invoke;
    int grace_ms;
    bool stopping;
};

static const char usage[] =
    "usage: clambda serve [--listen HOST:PORT] [--state-dir DIR] [--function NAME=PATH]...\n"
    "                     [--set NAME.KEY=VALUE]... [--max-concurrency N] [--keep-warm SECONDS]\n"
    "                     [--throttle-wait-ms MS] [--init-timeout SECONDS]\n"
    "                     [--shutdown-grace-ms MS] [--region REGION] [--isolation none]\n"
    "KEY: timeout, memory, reserved, ephemeral-storage, handler, runtime, architecture,\n"
    "     env.NAME (see docs/serve.md)\n";

static int parse_listen(const char *s, struct serve_opts *o)
{
    const char *colon = strrchr(s, ':');
    const char *host = s;
    size_t host_len = colon ? (size_t)(colon - s) : 0;
    if (colon == NULL) {
        return -EINVAL;
    }
    if (host_len >= 2 && s[0] == '[' && s[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port < 0 || port > 65535 || host_len == 0 ||
        host_len >= sizeof(o->host)) {
        return -EINVAL;
    }
    memcpy(o->host, host, host_len);
    o->host[host_len] = '\0';
    o->port = (int)port;
    return 0;
}

static int parse_num(const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        return -EINVAL;
    }
    *out = (int)v;
    return 0;
}

static char *default_state_dir(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg) {
        return xasprintf("%s/clambda", xdg);
    }
    const char *home = getenv("HOME");
    return xasprintf("%s/.local/share/clambda", home && *home ? home : ".");
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

static int add_function(struct serve_opts *o, const char *spec)
{
    char err[512];
    struct function_config cfg;
    if (func_config_parse(&cfg, spec, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda: %s\n", err);
        return -EINVAL;
    }
    o->fns = xrealloc(o->fns, (o->n_fns + 1) * sizeof(*o->fns));
    o->fns[o->n_fns++] = cfg;
    return 0;
}

static int apply_sets(struct serve_opts *o)
{
    for (size_t i = 0; i < o->n_sets; i++) {
        const char *s = o->sets[i];
        const char *dot = strchr(s, '.');
        struct function_config *cfg = NULL;
        for (size_t j = 0; dot && j < o->n_fns; j++) {
            if (strlen(o->fns[j].name) == (size_t)(dot - s) &&
                strncmp(o->fns[j].name, s, (size_t)(dot - s)) == 0) {
                cfg = &o->fns[j];
            }
        }
        char err[512];
        if (cfg == NULL) {
            (void)fprintf(stderr, "clambda: --set %s: no --function with that name\n", s);
            return -EINVAL;
        }
        if (func_config_set(cfg, dot + 1, err, sizeof(err)) < 0) {
            (void)fprintf(stderr, "clambda: %s\n", err);
            return -EINVAL;
        }
    }
    return 0;
}

enum {
    OPT_LISTEN = 256,
    OPT_STATE,
    OPT_FUNCTION,
    OPT_SET,
    OPT_MAXC,
    OPT_KEEP,
    OPT_WAIT,
    OPT_INIT,
    OPT_GRACE,
    OPT_REGION,
    OPT_ISOLATION,
    OPT_HELP
};

static const struct option long_opts[] = {{"listen", required_argument, NULL, OPT_LISTEN},
                                          {"state-dir", required_argument, NULL, OPT_STATE},
                                          {"function", required_argument, NULL, OPT_FUNCTION},
                                          {"set", required_argument, NULL, OPT_SET},
                                          {"max-concurrency", required_argument, NULL, OPT_MAXC},
                                          {"keep-warm", required_argument, NULL, OPT_KEEP},
                                          {"throttle-wait-ms", required_argument, NULL, OPT_WAIT},
                                          {"init-timeout", required_argument, NULL, OPT_INIT},
                                          {"shutdown-grace-ms", required_argument, NULL, OPT_GRACE},
                                          {"region", required_argument, NULL, OPT_REGION},
                                          {"isolation", required_argument, NULL, OPT_ISOLATION},
                                          {"help", no_argument, NULL, OPT_HELP},
                                          {NULL, 0, NULL, 0}};

/* Handles one option. 0, 1 for --help, or -EINVAL. */
static int parse_opt(struct serve_opts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_LISTEN:
        return parse_listen(arg, o);
    case OPT_STATE:
        free(o->state_dir);
        o->state_dir = xstrdup(arg);
        return 0;
    case OPT_FUNCTION:
        return add_function(o, arg);
    case OPT_SET:
        o->sets = xrealloc(o->sets, (o->n_sets + 1) * sizeof(*o->sets));
        o->sets[o->n_sets++] = arg;
        return 0;
    case OPT_MAXC:
        return parse_num(arg, 1, 100000, &o->max_envs);
    case OPT_KEEP:
        return parse_num(arg, 0, 86400 * 365, &o->keep_warm_s);
    case OPT_WAIT:
        return parse_num(arg, 0, 600000, &o->wait_ms);
    case OPT_INIT:
        return parse_num(arg, 1, 900, &o->init_timeout_s);
    case OPT_GRACE:
        return parse_num(arg, 0, 60000, &o->grace_ms);
    case OPT_REGION:
        if (strlen(arg) == 0 || strlen(arg) >= sizeof(o->region)) {
            return -EINVAL;
        }
        memcpy(o->region, arg, strlen(arg) + 1);
        return 0;
    case OPT_ISOLATION:
        return strcmp(arg, "none") == 0 ? 0 : -EINVAL;
    case OPT_HELP:
        return 1;
    default:
        return -EINVAL;
    }
}

static void opts_fini(struct serve_opts *o)
{
    for (size_t i = 0; i < o->n_fns; i++) {
        func_config_fini(&o->fns[i]);
    }
    free(o->fns);
    free(o->sets);
    free(o->state_dir);
}

/* 0 to run, 1 after --help, or 2 for a usage error (message printed). */
static int parse_args(int argc, char **argv, struct serve_opts *o)
{
    *o = (struct serve_opts){.host = "127.0.0.1",
                             .port = 9000,
                             .max_envs = 64,
                             .keep_warm_s = 300,
                             .wait_ms = 1000,
                             .init_timeout_s = 10,
                             .grace_ms = 500,
                             .region = "us-east-1"};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        int rc = parse_opt(o, c, optarg);
        if (rc == 1) {
            (void)fputs(usage, stdout);
            return 1;
        }
        if (rc < 0) {
            if (c != OPT_FUNCTION && c != '?') {
                (void)fprintf(stderr, "clambda serve: invalid value for --%s: %s\n",
                              long_opts[c - OPT_LISTEN].name, optarg);
            }
            (void)fputs(usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        (void)fprintf(stderr, "clambda serve: unexpected argument %s\n%s", argv[optind], usage);
        return 2;
    }
    if (o->state_dir == NULL) {
        o->state_dir = default_state_dir();
    }
    return apply_sets(o) < 0 ? 2 : 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct serve *s = h->data;
    if (s->stopping) {
        return;
    }
    s->stopping = true;
    (void)fprintf(stderr, "clambda: %s, shutting down\n", strsignal(signum));
    httpd_close(s->api);
    s->api = NULL;
    pool_shutdown(s->pool, s->grace_ms);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
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

static int start(struct serve *s, struct serve_opts *o, char **extra_env)
{
    struct pool_config pc = {.state_dir = o->state_dir,
                             .region = o->region,
                             .account = "000000000000",
                             .max_envs = o->max_envs,
                             .keep_warm_s = o->keep_warm_s,
                             .wait_ms = o->wait_ms,
                             .init_timeout_ms = o->init_timeout_s * 1000,
                             .extra_env = extra_env};
    pool_new(&s->loop, &pc, &s->pool);
    for (size_t i = 0; i < o->n_fns; i++) {
        const char *name = o->fns[i].name;
        if (pool_add_function(s->pool, &o->fns[i]) < 0) {
            (void)fprintf(stderr, "clambda: --function %s given twice\n", name);
            return -EEXIST;
        }
    }
    s->invoke = (struct api_invoke){s->pool, o->region, "000000000000"};
    struct httpd_config hc = {o->host, o->port, API_INVOKE_MAX_SYNC, 4096, "api"};
    int rc = httpd_open(&s->loop, &hc, api_invoke_handle, &s->invoke, &s->api);
    if (rc < 0) {
        (void)fprintf(stderr, "clambda: listen on %s:%d: %s\n", o->host, o->port, uv_strerror(rc));
        return rc;
    }
    bool v6 = strchr(o->host, ':') != NULL;
    (void)printf("clambda: listening on http://%s%s%s:%d\n", v6 ? "[" : "", o->host, v6 ? "]" : "",
                 httpd_port(s->api));
    (void)fflush(stdout);
    (void)uv_signal_init(&s->loop, &s->sigint);
    (void)uv_signal_init(&s->loop, &s->sigterm);
    s->sigint.data = s->sigterm.data = s;
    (void)uv_signal_start(&s->sigint, on_signal, SIGINT);
    (void)uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    return 0;
}

/* File descriptors per live environment: its Runtime API listener and connection, stdout and
 * stderr pipes, pidfd and log stream. */
#define FDS_PER_ENV 6

/* Raises the soft RLIMIT_NOFILE to the hard limit (the usual 1024 holds only ~160
 * environments), and says so when even that is too low for max_envs. Runtimes still get 1024
 * (sandbox_spec.max_files). */
static void raise_nofile(int max_envs)
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
    rlim_t need = (rlim_t)max_envs * FDS_PER_ENV + 256;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        (void)fprintf(stderr,
                      "clambda: warning: RLIMIT_NOFILE is %llu; --max-concurrency %d needs about "
                      "%llu file descriptors (raise the hard limit, e.g. ulimit -Hn)\n",
                      (unsigned long long)rl.rlim_cur, max_envs, (unsigned long long)need);
    }
}

int serve_main(int argc, char **argv)
{
    struct serve_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        opts_fini(&o);
        return rc == 1 ? 0 : 2;
    }
    rc = make_dirs(o.state_dir);
    if (rc < 0) {
        (void)fprintf(stderr, "clambda: mkdir(%s): %s\n", o.state_dir, strerror(-rc));
        opts_fini(&o);
        return 1;
    }
    struct sigaction ign;
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &ign, NULL); /* a vanished peer is an error return, not death */
    raise_nofile(o.max_envs);
    struct serve s;
    memset(&s, 0, sizeof(s));
    s.grace_ms = o.grace_ms;
    (void)uv_loop_init(&s.loop);
    char **extra_env = sanitizer_env();
    rc = start(&s, &o, extra_env);
    if (rc < 0) {
        httpd_close(s.api);
        pool_shutdown(s.pool, 0);
    }
    (void)uv_run(&s.loop, UV_RUN_DEFAULT);
    pool_free(s.pool);
    (void)uv_loop_close(&s.loop);
    for (size_t i = 0; extra_env[i]; i++) {
        free(extra_env[i]);
    }
    free(extra_env);
    opts_fini(&o);
    return rc < 0 ? 1 : 0;
}
