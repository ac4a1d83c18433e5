/* SPDX-License-Identifier: MIT */
/* `clambda serve`'s command line; see serve_args.h. */
#include "serve/serve_args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/manifest.h"

static const char usage[] =
    "usage: clambda serve [--listen HOST:PORT] [--state-dir DIR] [--function NAME=PATH]...\n"
    "                     [--code-bucket-dir DIR]\n"
    "                     [--manifest FILE] [--template FILE] [--http-listen HOST:PORT]\n"
    "                     [--set NAME.KEY=VALUE]... [--provisioned N]\n"
    "                     [--max-concurrency N] [--keep-warm SECONDS]\n"
    "                     [--throttle-wait-ms MS] [--init-timeout SECONDS]\n"
    "                     [--shutdown-grace-ms MS] [--region REGION]\n"
    "                     [--isolation auto|full|none] [--network nat|isolated|host]\n"
    "                     [--allow-host-port PORT]... [--root DIR]\n"
    "                     [--cgroup-root DIR] [--userns auto|off]\n"
    "                     [--log-max-bytes N] [--log-retain-bytes N]\n"
    "                     [--async-retry-delays-ms MS,MS]\n"
    "                     [--auth none|sigv4] [--credentials FILE]\n"
    "                     [--role-credentials FILE]\n"
    "                     [--header-timeout SECONDS] [--body-timeout SECONDS]\n"
    "                     [--idle-timeout SECONDS] [--max-connections N]\n"
    "                     [--cpu-affinity auto|none]\n"
    "KEY: timeout, memory, reserved, provisioned, ephemeral-storage, handler, runtime,\n"
    "     architecture, role, env.NAME, max-retry-attempts, max-event-age, on-success,\n"
    "     on-failure (see docs/serve.md)\n";

/* arg, one of two words: *is_first tells which. 0, or -EINVAL for any other word. */
static int parse_choice(const char *arg, const char *first, const char *second, bool *is_first)
{
    if (strcmp(arg, first) != 0 && strcmp(arg, second) != 0) {
        return -EINVAL;
    }
    *is_first = strcmp(arg, first) == 0;
    return 0;
}

/* HOST:PORT ([v6]:PORT) into host (cap bytes) and *port. 0 or -EINVAL. */
static int parse_hostport(const char *s, char *out_host, size_t cap, int *out_port)
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
        host_len >= cap) {
        return -EINVAL;
    }
    memcpy(out_host, host, host_len);
    out_host[host_len] = '\0';
    *out_port = (int)port;
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

/* A byte count, 0 (no cap) up to 2^50. */
static int parse_bytes(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > (1LL << 50)) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

/* "A,B": the delays before the 2nd and 3rd attempt of a failed Event invoke (a testing knob;
 * AWS waits 60000,120000). */
static int parse_delays(const char *s, int out[2])
{
    const char *comma = strchr(s, ',');
    char first[16];
    if (comma == NULL || (size_t)(comma - s) >= sizeof(first)) {
        return -EINVAL;
    }
    memcpy(first, s, (size_t)(comma - s));
    first[comma - s] = '\0';
    if (parse_num(first, 0, 3600000, &out[0]) < 0) {
        return -EINVAL;
    }
    return parse_num(comma + 1, 0, 3600000, &out[1]);
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

static int add_function(struct serve_opts *o, const char *spec)
{
    char err[512];
    struct function_config cfg;
    if (func_config_parse(&cfg, spec, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return -EINVAL;
    }
    o->fns = xrealloc(o->fns, (o->n_fns + 1) * sizeof(*o->fns));
    o->fns[o->n_fns++] = cfg;
    return 0;
}

void serve_args_apply_provisioned(const struct serve_opts *o, struct function_config *fns,
                                  size_t n_fns)
{
    for (size_t j = 0; o->provisioned > 0 && j < n_fns; j++) {
        if (fns[j].provisioned == 0) {
            fns[j].provisioned = o->provisioned;
        }
    }
}

int serve_args_apply_sets(const struct serve_opts *o, struct function_config *fns, size_t n_fns,
                          bool is_strict)
{
    for (size_t i = 0; i < o->n_sets; i++) {
        const char *s = o->sets[i];
        const char *dot = strchr(s, '.');
        struct function_config *cfg = NULL;
        for (size_t j = 0; dot && j < n_fns; j++) {
            if (strlen(fns[j].name) == (size_t)(dot - s) &&
                strncmp(fns[j].name, s, (size_t)(dot - s)) == 0) {
                cfg = &fns[j];
            }
        }
        char err[512];
        if (cfg == NULL && !is_strict) {
            continue;
        }
        if (cfg == NULL) {
            log_error("--set %s: no function with that name", s);
            return -EINVAL;
        }
        if (func_config_set(cfg, dot + 1, err, sizeof(err)) < 0) {
            log_error("%s", err);
            return -EINVAL;
        }
    }
    return 0;
}

/* Appends the manifest's functions to o->fns (a name given twice is an error). */
static int add_manifest(struct serve_opts *o)
{
    char err[1024];
    struct function_config *fns = NULL;
    size_t n = 0;
    if (manifest_load(o->manifest, &fns, &n, err, sizeof(err)) < 0) {
        log_error("%s", err);
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < o->n_fns; j++) {
            if (strcmp(fns[i].name, o->fns[j].name) == 0) {
                log_error("function %s is both in --function and in %s", fns[i].name, o->manifest);
                manifest_free(fns, n);
                return -EINVAL;
            }
        }
    }
    o->n_cli_fns = o->n_fns;
    o->fns = xrealloc(o->fns, (o->n_fns + n) * sizeof(*o->fns));
    memcpy(o->fns + o->n_fns, fns, n * sizeof(*fns));
    o->n_fns += n;
    free(fns); /* the contents moved to o->fns */
    return 0;
}

/* Appends the functions of --template to o->fns like --function ones (stored); keeps its URL
 * configs in o->template_def for serve.c. */
static int add_template(struct serve_opts *o)
{
    char err[1024];
    struct sam_template *t = &o->template_def;
    /* the account of the server's ARNs (serve.c); the stack name as `sam local` has it */
    const struct sam_context cx = {NULL, o->region, "000000000000", "local"};
    if (sam_load(o->template_path, &cx, t, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda serve: --template %s\n", err);
        return -EINVAL;
    }
    for (size_t i = 0; i < t->n_fns; i++) {
        for (size_t j = 0; j < o->n_fns; j++) {
            if (strcmp(t->fns[i].name, o->fns[j].name) == 0) {
                log_error("function %s is both in --function and in %s", t->fns[i].name,
                          o->template_path);
                return -EINVAL;
            }
        }
    }
    o->template_names = xcalloc(t->n_fns + 1, sizeof(char *));
    for (size_t i = 0; i < t->n_fns; i++) {
        o->template_names[o->n_template_names++] = xstrdup(t->fns[i].name);
    }
    o->fns = xrealloc(o->fns, (o->n_fns + t->n_fns) * sizeof(*o->fns));
    memcpy(o->fns + o->n_fns, t->fns, t->n_fns * sizeof(*t->fns));
    o->n_fns += t->n_fns;
    free(t->fns); /* the contents moved to o->fns */
    t->fns = NULL;
    t->n_fns = 0;
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
    OPT_MANIFEST,
    OPT_PROVISIONED,
    OPT_AUTH,
    OPT_CREDENTIALS,
    OPT_HELP,
    OPT_NETWORK,
    OPT_CGROUP,
    OPT_USERNS,
    OPT_LOG_MAX,
    OPT_LOG_RETAIN,
    OPT_DELAYS,
    OPT_BUCKETS,
    OPT_HOST_PORT,
    OPT_ROOT,
    OPT_TEMPLATE,
    OPT_HEADER_TIMEOUT,
    OPT_BODY_TIMEOUT,
    OPT_IDLE_TIMEOUT,
    OPT_MAX_CONNS,
    OPT_HTTP_LISTEN,
    OPT_ROLE_CREDS,
    OPT_CPU_AFFINITY
};

static const struct option long_opts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
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
    {"manifest", required_argument, NULL, OPT_MANIFEST},
    {"provisioned", required_argument, NULL, OPT_PROVISIONED},
    {"auth", required_argument, NULL, OPT_AUTH},
    {"credentials", required_argument, NULL, OPT_CREDENTIALS},
    {"help", no_argument, NULL, OPT_HELP},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"cgroup-root", required_argument, NULL, OPT_CGROUP},
    {"userns", required_argument, NULL, OPT_USERNS},
    {"log-max-bytes", required_argument, NULL, OPT_LOG_MAX},
    {"log-retain-bytes", required_argument, NULL, OPT_LOG_RETAIN},
    {"async-retry-delays-ms", required_argument, NULL, OPT_DELAYS},
    {"code-bucket-dir", required_argument, NULL, OPT_BUCKETS},
    {"allow-host-port", required_argument, NULL, OPT_HOST_PORT},
    {"root", required_argument, NULL, OPT_ROOT},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
    {"body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNS},
    {"http-listen", required_argument, NULL, OPT_HTTP_LISTEN}, /* in the enum's order */
    {"role-credentials", required_argument, NULL, OPT_ROLE_CREDS},
    {"cpu-affinity", required_argument, NULL, OPT_CPU_AFFINITY},
    {NULL, 0, NULL, 0}};

/* Replaces *dst with a copy of arg, which may not be empty. */
static int set_string(char **dst, const char *arg)
{
    if (arg[0] == '\0') {
        return -EINVAL;
    }
    free(*dst);
    *dst = xstrdup(arg);
    return 0;
}

/* Handles one option. 0, 1 for --help, or -EINVAL. One case per flag; to become a table like
 * the CLI's (src/cli/cli_opts.c). NOLINTNEXTLINE(readability-function-size) */
static int parse_opt(struct serve_opts *o, int c, const char *arg)
{
    switch (c) {
    case OPT_LISTEN:
        return parse_hostport(arg, o->host, sizeof(o->host), &o->port);
    case OPT_HTTP_LISTEN:
        o->http_listen_given = true;
        return parse_hostport(arg, o->http_host, sizeof(o->http_host), &o->http_port);
    case OPT_STATE:
        return set_string(&o->state_dir, arg);
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
        if (strcmp(arg, "none") != 0 && strcmp(arg, "full") != 0 && strcmp(arg, "auto") != 0) {
            return -EINVAL;
        }
        (void)snprintf(o->isolation, sizeof(o->isolation), "%s", arg);
        return 0;
    case OPT_NETWORK:
        if (strcmp(arg, "host") != 0 && strcmp(arg, "isolated") != 0 && strcmp(arg, "nat") != 0) {
            return -EINVAL;
        }
        (void)snprintf(o->network, sizeof(o->network), "%s", arg);
        o->network_given = true;
        return 0;
    case OPT_HOST_PORT: {
        int port = 0;
        if (o->n_host_ports >= SERVE_MAX_HOST_PORTS || parse_num(arg, 1, 65535, &port) < 0) {
            return -EINVAL;
        }
        o->host_ports[o->n_host_ports++] = (uint16_t)port;
        return 0;
    }
    case OPT_ROOT:
        return arg[0] == '/' ? set_string(&o->root_dir, arg) : -EINVAL;
    case OPT_CGROUP:
        if (arg[0] != '/') {
            return -EINVAL;
        }
        return set_string(&o->cgroup_root, arg);
    case OPT_USERNS:
        return parse_choice(arg, "auto", "off", &o->userns);
    case OPT_BUCKETS:
        return set_string(&o->code_bucket_dir, arg);
    case OPT_MANIFEST:
        return set_string(&o->manifest, arg);
    case OPT_TEMPLATE:
        return set_string(&o->template_path, arg);
    case OPT_PROVISIONED:
        return parse_num(arg, 0, 100000, &o->provisioned);
    case OPT_LOG_MAX:
        return parse_bytes(arg, &o->log_max_bytes);
    case OPT_LOG_RETAIN:
        return parse_bytes(arg, &o->log_retain_bytes);
    case OPT_DELAYS:
        return parse_delays(arg, o->retry_delay_ms);
    case OPT_AUTH:
        o->auth_sigv4 = strcmp(arg, "sigv4") == 0;
        return o->auth_sigv4 || strcmp(arg, "none") == 0 ? 0 : -EINVAL;
    case OPT_CREDENTIALS:
        o->credentials = arg;
        return 0;
    case OPT_ROLE_CREDS:
        o->role_credentials = arg;
        return 0;
    case OPT_HEADER_TIMEOUT:
        return parse_num(arg, 1, 86400, &o->header_timeout_s);
    case OPT_BODY_TIMEOUT:
        return parse_num(arg, 1, 86400, &o->body_timeout_s);
    case OPT_IDLE_TIMEOUT:
        return parse_num(arg, 1, 86400, &o->idle_timeout_s);
    case OPT_MAX_CONNS:
        return parse_num(arg, 1, 1000000, &o->max_conns);
    case OPT_CPU_AFFINITY:
        return parse_choice(arg, "auto", "none", &o->cpu_auto);
    case OPT_HELP:
        return 1;
    default:
        return -EINVAL;
    }
}

void serve_args_fini(struct serve_opts *o)
{
    for (size_t i = 0; i < o->n_fns; i++) {
        func_config_fini(&o->fns[i]);
    }
    free(o->fns);
    free(o->sets);
    free(o->state_dir);
    free(o->code_bucket_dir);
    free(o->cgroup_root);
    free(o->root_dir);
    free(o->manifest);
    free(o->template_path);
    sam_fini(&o->template_def);
    for (size_t i = 0; i < o->n_template_names; i++) {
        free(o->template_names[i]);
    }
    free(o->template_names);
}

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static bool is_loopback(const char *host)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, host, a) == 1) {
        return a[0] == 127;
    }
    if (inet_pton(AF_INET6, host, a) != 1) {
        return false;
    }
    static const unsigned char one[16] = {[15] = 1};
    static const unsigned char v4mapped[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(a, one, 16) == 0 || (memcmp(a, v4mapped, 12) == 0 && a[12] == 127);
}

/* --auth/--credentials consistency, and no unauthenticated listener off loopback. */
static int check_auth(const struct serve_opts *o)
{
    if (o->auth_sigv4 && o->credentials == NULL) {
        (void)fprintf(stderr, "clambda serve: --auth sigv4 needs --credentials FILE\n");
        return -EINVAL;
    }
    if (!o->auth_sigv4 && o->credentials != NULL) {
        (void)fprintf(stderr, "clambda serve: --credentials is used only with --auth sigv4\n");
        return -EINVAL;
    }
    if (!o->auth_sigv4 && !is_loopback(o->host)) {
        (void)fprintf(stderr,
                      "clambda serve: refusing to listen on %s without authentication: anyone "
                      "who can reach it could run code. Use --auth sigv4 --credentials FILE, or "
                      "a loopback address (127.0.0.1, [::1]).\n",
                      o->host);
        return -EINVAL;
    }
    return 0;
}

int serve_args_parse(int argc, char **argv, struct serve_opts *o)
{
    *o = (struct serve_opts){.host = "127.0.0.1",
                             .port = 9000,
                             .http_host = "127.0.0.1",
                             .http_port = 3000,
                             .max_envs = 64,
                             .keep_warm_s = 300,
                             .wait_ms = 1000,
                             .init_timeout_s = 10,
                             .grace_ms = 500,
                             .header_timeout_s = 60,
                             .body_timeout_s = 60,
                             .idle_timeout_s = 75,
                             .max_conns = 4096,
                             .retry_delay_ms = {60000, 120000},
                             .provisioned = -1,
                             .region = "us-east-1",
                             .isolation = "auto",
                             .userns = true,
                             .cpu_auto = true,
                             .log_max_bytes = 10LL << 20,
                             .log_retain_bytes = 100LL << 20};
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
    if (o->cgroup_root == NULL) {
        o->cgroup_root = xstrdup("/sys/fs/cgroup");
    }
    if (o->network[0] == '\0') { /* a namespace per environment with NAT under full isolation */
        (void)snprintf(o->network, sizeof(o->network), "%s",
                       strcmp(o->isolation, "none") == 0 ? "host" : "nat");
    } else if (strcmp(o->network, "host") != 0 && strcmp(o->isolation, "none") == 0) {
        (void)fprintf(stderr, "clambda serve: --network %s needs --isolation full\n", o->network);
        return 2;
    }
    o->isolate_net = strcmp(o->network, "host") != 0;
    if (o->n_host_ports > 0 && strcmp(o->network, "nat") != 0) {
        (void)fprintf(stderr, "clambda serve: --allow-host-port needs --network nat\n");
        return 2;
    }
    if (o->template_path && add_template(o) < 0) {
        return 2;
    }
    o->n_cli_fns = o->n_fns;
    if (check_auth(o) < 0 || (o->manifest && add_manifest(o) < 0)) {
        return 2;
    }
    return 0; /* --set is applied by open_registry, once stored functions are known */
}
