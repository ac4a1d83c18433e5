/* SPDX-License-Identifier: MIT */
/* `clambda tune`; see cmd_tune.h. Every request goes through cli_aws (SigV4, libcurl), so the
 * same code tunes a function on AWS and on a clambda server (--endpoint-url). The arithmetic is
 * cli_tune, the chart cli_tune_svg. */
#include "cmd_tune.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cli_aws.h"
#include "cli_http.h"
#include "cli_tune.h"
#include "cli_tune_svg.h"

#define TUNE_MAX_SIZES  32
#define TUNE_MAX_INVOKE 1000
#define TUNE_WAIT_S     300

enum { OPT_MEMORY, OPT_INVOCATIONS, OPT_PAYLOAD, OPT_SVG, OPT_ENDPOINT, OPT_PROFILE, OPT_REGION };

static const struct cli_opt opts[] = {
    {OPT_MEMORY, "memory", "MB,MB,...", "the memory sizes to try, 128..10240 (required)", NULL},
    {OPT_INVOCATIONS, "invocations", "N", "warm invocations per size (default 10)", NULL},
    {OPT_PAYLOAD, "payload", "JSON", "the event of every invocation (default {})", NULL},
    {OPT_SVG, "svg", "FILE", "write a chart of cost and duration against memory", "@file"},
    {OPT_ENDPOINT, "endpoint-url", "URL", "a clambda server (or other endpoint) instead of AWS",
     NULL},
    {OPT_PROFILE, "profile", "NAME", "the AWS profile (default $AWS_PROFILE or default)", NULL},
    {OPT_REGION, "region", "REGION", "the AWS region (default $AWS_REGION, then the profile's)",
     NULL},
};

static int tune_main(int argc, char **argv);

const struct cli_cmd cmd_tune_cmd = {
    .name = "tune",
    .synopsis = "NAME",
    .summary = "power tuning: duration and cost of a function at each memory size",
    .details = "For each --memory size: UpdateFunctionConfiguration (which makes new "
               "environments, so the next invocation is cold), wait until the update is "
               "Successful, one cold invocation, then --invocations warm ones, each with "
               "LogType Tail to read its REPORT line. Prints p50/p90 duration, mean billed ms, "
               "Max Memory Used and the cost of 1M invocations at AWS's price for the "
               "function's architecture, with the cheapest and the fastest size; --svg writes "
               "a chart. The original memory size is restored at the end (also after an error "
               "or Ctrl-C). Invocations cost money on AWS.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = tune_main,
};

struct tune {
    struct cli_aws a;
    const char *name, *payload, *svg, *endpoint, *profile, *region;
    char name_enc[512];
    long sizes[TUNE_MAX_SIZES];
    size_t n_sizes;
    long invocations;
    long original_mb;
    char arch[16];
    struct cli_tune_row rows[TUNE_MAX_SIZES];
    size_t n_rows;
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- command line ------------------------------------------------------------------------- */

static int parse_sizes(struct tune *t, const char *arg)
{
    const char *p = arg;
    while (*p) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || (*end && *end != ',') || v < 128 || v > 10240) {
            return cli_opts_usage_error(&cmd_tune_cmd,
                                        "--memory %s: want sizes 128..10240 (MB) "
                                        "separated by commas",
                                        arg);
        }
        if (t->n_sizes == TUNE_MAX_SIZES) {
            return cli_opts_usage_error(&cmd_tune_cmd, "--memory: at most %d sizes",
                                        TUNE_MAX_SIZES);
        }
        t->sizes[t->n_sizes++] = v;
        p = *end ? end + 1 : end;
    }
    return t->n_sizes ? 0 : cli_opts_usage_error(&cmd_tune_cmd, "--memory: no sizes");
}

static int take(struct tune *t, int c, const char *arg)
{
    char *end = NULL;
    switch (c) {
    case OPT_MEMORY:
        return parse_sizes(t, arg);
    case OPT_INVOCATIONS:
        errno = 0;
        t->invocations = strtol(arg, &end, 10);
        if (errno || end == arg || *end || t->invocations < 1 || t->invocations > TUNE_MAX_INVOKE) {
            return cli_opts_usage_error(&cmd_tune_cmd, "--invocations %s: want 1..%d", arg,
                                        TUNE_MAX_INVOKE);
        }
        return 0;
    case OPT_PAYLOAD: {
        json_t *j = json_loads(arg, JSON_DECODE_ANY, NULL);
        json_decref(j);
        t->payload = arg;
        return j ? 0 : cli_opts_usage_error(&cmd_tune_cmd, "--payload: not JSON: %s", arg);
    }
    default:
        break;
    }
    t->svg = c == OPT_SVG ? arg : t->svg;
    t->endpoint = c == OPT_ENDPOINT ? arg : t->endpoint;
    t->profile = c == OPT_PROFILE ? arg : t->profile;
    t->region = c == OPT_REGION ? arg : t->region;
    return 0;
}

/* 0 to go on, -1 after --help, else the exit status. */
static int parse(struct tune *t, int argc, char **argv)
{
    struct cli_opts_state st;
    int c, rc = 0;
    cli_opts_init(&st, &cmd_tune_cmd);
    while (rc == 0 && (c = cli_opts_next(&st, argc, argv)) >= 0) {
        rc = take(t, c, st.arg);
    }
    cli_opts_fini(&st);
    if (rc != 0 || c != CLI_OPTS_END) {
        return rc ? rc : c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (argc - optind != 1) {
        return cli_opts_usage_error(&cmd_tune_cmd,
                                    argc == optind ? "the function NAME is missing"
                                                   : "unexpected argument %s",
                                    argv[argc - 1]);
    }
    if (t->n_sizes == 0) {
        return cli_opts_usage_error(&cmd_tune_cmd, "--memory MB,MB,... is required");
    }
    t->name = argv[optind];
    cli_aws_path_segment(t->name, t->name_enc, sizeof(t->name_enc));
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------- */

/* Sends a JSON request (body consumed, may be NULL). OUT: *answer (JSON or NULL). 0 when it
 * succeeded (2xx), -1 after printing the failure. */
static int call(struct tune *t, const char *what, const char *method, const char *target,
                json_t *body, json_t **answer)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct cli_aws_req req = {method, target, (const uint8_t *)text, text ? strlen(text) : 0,
                              NULL,   NULL};
    struct cli_aws_resp r;
    int rc = cli_aws_call(&t->a, &req, &r);
    free(text);
    bool ok = rc == 0 && r.status >= 200 && r.status < 300;
    if (rc == 0 && !ok) {
        cli_aws_print_error(&t->a, what, &r);
    }
    if (answer) {
        *answer = ok ? json_loadb((const char *)r.body.data, r.body.len, 0, NULL) : NULL;
    }
    cli_aws_resp_fini(&r);
    return ok ? 0 : -1;
}

/* GetFunctionConfiguration: the memory size to restore and the architecture. */
static int read_config(struct tune *t)
{
    char target[700];
    json_t *j = NULL;
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", t->name_enc);
    if (call(t, "GetFunctionConfiguration", "GET", target, NULL, &j) < 0) {
        return -1;
    }
    t->original_mb = (long)json_integer_value(json_object_get(j, "MemorySize"));
    const char *arch = json_string_value(json_array_get(json_object_get(j, "Architectures"), 0));
    (void)snprintf(t->arch, sizeof(t->arch), "%s", arch ? arch : "x86_64");
    json_decref(j);
    if (t->original_mb <= 0 || cli_tune_price_gb_s(t->arch) < 0) {
        (void)fprintf(stderr, "clambda tune: %s: unexpected MemorySize %ld / architecture %s\n",
                      t->name, t->original_mb, t->arch);
        return -1;
    }
    return 0;
}

/* UpdateFunctionConfiguration MemorySize, then waits until LastUpdateStatus is Successful. */
static int set_memory(struct tune *t, long mb)
{
    char target[700];
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/configuration", t->name_enc);
    if (call(t, "UpdateFunctionConfiguration", "PUT", target, json_pack("{s:i}", "MemorySize", mb),
             NULL) < 0) {
        return -1;
    }
    for (int waited = 0; waited <= TUNE_WAIT_S * 10; waited++) {
        json_t *j = NULL;
        if (call(t, "GetFunctionConfiguration", "GET", target, NULL, &j) < 0) {
            return -1;
        }
        const char *upd = json_string_value(json_object_get(j, "LastUpdateStatus"));
        const char *state = json_string_value(json_object_get(j, "State"));
        bool done = (upd == NULL || strcmp(upd, "Successful") == 0) &&
                    (state == NULL || strcmp(state, "Active") == 0);
        bool failed = upd && strcmp(upd, "Failed") == 0;
        json_decref(j);
        if (done || failed) {
            if (failed) {
                (void)fprintf(stderr, "clambda tune: the update to %ld MB failed\n", mb);
            }
            return done ? 0 : -1;
        }
        struct timespec tick = {0, 100000000L};
        (void)nanosleep(&tick, NULL);
    }
    (void)fprintf(stderr, "clambda tune: %s is not updated after %d s\n", t->name, TUNE_WAIT_S);
    return -1;
}

/* One invocation with LogType Tail; its REPORT line into *r. 0 or -1 (printed). */
static int invoke(struct tune *t, struct cli_tune_report *r)
{
    static const char *const hdrs[] = {"X-Amz-Log-Type: Tail", NULL};
    char target[700], tail[8192], err[64];
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/invocations", t->name_enc);
    const char *payload = t->payload ? t->payload : "{}";
    struct cli_aws_req req = {"POST",          target, (const uint8_t *)payload,
                              strlen(payload), NULL,   hdrs};
    struct cli_aws_resp resp;
    int rc = cli_aws_call(&t->a, &req, &resp);
    const char *head = rc == 0 ? cl_buf_str(&resp.head) : "";
    if (rc == 0 && resp.status != 200) {
        cli_aws_print_error(&t->a, "Invoke", &resp);
        rc = -1;
    } else if (rc == 0 && cli_http_header(head, "X-Amz-Function-Error", err, sizeof(err))) {
        (void)fprintf(stderr, "clambda tune: %s failed (%s): %.*s\n", t->name, err,
                      (int)(resp.body.len < 1024 ? resp.body.len : 1024),
                      (const char *)resp.body.data);
        rc = -1;
    } else if (rc == 0 && !cli_http_header(head, "X-Amz-Log-Result", tail, sizeof(tail))) {
        (void)fprintf(stderr, "clambda tune: the answer has no X-Amz-Log-Result (LogType Tail)\n");
        rc = -1;
    }
    struct cl_buf log;
    cl_buf_init(&log, sizeof(tail));
    if (rc == 0 && (cl_b64_decode(&log, (const uint8_t *)tail, strlen(tail)) < 0 ||
                    cli_tune_parse_report((const char *)log.data, log.len, r) < 0)) {
        (void)fprintf(stderr, "clambda tune: no REPORT line in the log tail:\n%.*s\n", (int)log.len,
                      (const char *)log.data);
        rc = -1;
    }
    cl_buf_fini(&log);
    cli_aws_resp_fini(&resp); /* initialised by cli_aws_call whatever happened */
    return rc;
}

/* One memory size: configure, one cold and N warm invocations. */
static int measure(struct tune *t, long mb)
{
    (void)fprintf(stderr, "clambda tune: %s at %ld MB: configuring...", t->name, mb);
    if (set_memory(t, mb) < 0) {
        return -1;
    }
    struct cli_tune_report cold;
    (void)fprintf(stderr, " cold invoke...");
    if (invoke(t, &cold) < 0) {
        return -1;
    }
    if (!cold.has_init) {
        (void)fprintf(stderr, " (its REPORT has no Init Duration: it was not cold)");
    }
    struct cli_tune_report *warm = xcalloc((size_t)t->invocations, sizeof(*warm));
    int rc = 0;
    bool tty = isatty(STDERR_FILENO) == 1;
    (void)fprintf(stderr, " %ld warm invokes...", t->invocations);
    for (long i = 0; rc == 0 && i < t->invocations && !interrupted; i++) {
        if (tty) {
            (void)fprintf(stderr, "\r\033[Kclambda tune: %s at %ld MB: warm %ld/%ld", t->name, mb,
                          i + 1, t->invocations);
        }
        rc = invoke(t, &warm[i]);
    }
    (void)fputs(rc == 0 && !interrupted ? " done\n" : "\n", stderr);
    if (rc == 0 && !interrupted) {
        cli_tune_row_fill(&t->rows[t->n_rows++], t->arch, mb, &cold, warm, (size_t)t->invocations);
    }
    free(warm);
    return interrupted ? -1 : rc;
}

static int restore(struct tune *t)
{
    (void)fprintf(stderr, "clambda tune: restoring %s to %ld MB\n", t->name, t->original_mb);
    if (set_memory(t, t->original_mb) < 0) {
        (void)fprintf(stderr,
                      "clambda tune: %s is left at another memory size: set it back with "
                      "`clambda deploy --memory %ld`\n",
                      t->name, t->original_mb);
        return -1;
    }
    return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static void print_table(const struct tune *t)
{
    (void)printf("%s (%s), %ld warm invocations per size\n\n", t->name, t->arch, t->invocations);
    (void)printf("%8s %10s %10s %10s %10s %10s %8s %12s\n", "memory", "cold init", "cold dur",
                 "p50 ms", "p90 ms", "billed ms", "max MB", "$ per 1M");
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct cli_tune_row *r = &t->rows[i];
        (void)printf("%8ld %10.2f %10.2f %10.2f %10.2f %10.1f %8ld %12.4f\n", r->memory_mb,
                     r->cold_init_ms, r->cold_duration_ms, r->p50_ms, r->p90_ms, r->billed_mean_ms,
                     r->max_memory_mb, r->cost_per_million);
    }
    size_t cheap, fast;
    cli_tune_best(t->rows, t->n_rows, &cheap, &fast);
    (void)printf("\ncheapest: %ld MB ($%.4f per 1M invocations, p50 %.2f ms)\n",
                 t->rows[cheap].memory_mb, t->rows[cheap].cost_per_million, t->rows[cheap].p50_ms);
    (void)printf("fastest:  %ld MB (p50 %.2f ms, $%.4f per 1M invocations)\n",
                 t->rows[fast].memory_mb, t->rows[fast].p50_ms, t->rows[fast].cost_per_million);
    (void)printf("prices: %s; cost = mean billed ms of the warm invocations\n",
                 cli_tune_price_source());
}

static int write_svg(const struct tune *t)
{
    char tmp[4200], title[512];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", t->svg);
    (void)snprintf(title, sizeof(title), "clambda tune %s (%s): p50 duration and cost vs memory",
                   t->name, t->arch);
    FILE *f = fopen(tmp, "we");
    int rc = f ? cli_tune_svg_write(f, t->rows, t->n_rows, title) : -errno;
    rc = f && fclose(f) != 0 && rc == 0 ? -errno : rc;
    rc = rc == 0 && rename(tmp, t->svg) < 0 ? -errno : rc;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda tune: writing %s: %s\n", t->svg, strerror(-rc));
        (void)unlink(tmp);
        return -1;
    }
    (void)printf("chart: %s\n", t->svg);
    return 0;
}

static int tune_main(int argc, char **argv)
{
    struct tune *t = xcalloc(1, sizeof(*t));
    t->invocations = 10;
    int rc = parse(t, argc, argv);
    if (rc != 0) {
        free(t);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    rc = cli_aws_open(&t->a, "clambda tune", t->endpoint, t->profile, t->region, false) < 0 ||
                 read_config(t) < 0
             ? -1
             : 0;
    if (rc == 0) {
        struct sigaction sa = {.sa_handler = on_interrupt};
        (void)sigaction(SIGINT, &sa, NULL);
        (void)sigaction(SIGTERM, &sa, NULL);
        for (size_t i = 0; rc == 0 && i < t->n_sizes; i++) {
            rc = measure(t, t->sizes[i]);
        }
        if (interrupted) {
            (void)fprintf(stderr, "clambda tune: interrupted\n");
        }
        rc = restore(t) < 0 ? -1 : rc;
    }
    if (t->n_rows > 0) {
        print_table(t);
        rc = t->svg && write_svg(t) < 0 ? -1 : rc;
    }
    cli_aws_close(&t->a);
    free(t);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
