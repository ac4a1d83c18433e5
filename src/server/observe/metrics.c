/* SPDX-License-Identifier: MIT */
/* Metrics registry and Prometheus text rendering; see metrics.h. Functions are few (tens), so a
 * flat array searched by name is enough; counters are plain integers and doubles, updated on
 * the loop thread only. Values are printed with 17 significant digits, so a scraper reads back
 * exactly what was summed. */
#include "observe/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Bucket upper bounds in ns (exact integer comparisons) and as printed. */
static const uint64_t bucket_ns[METRICS_N_BUCKETS] = {
    1000000ULL,     5000000ULL,     10000000ULL,     25000000ULL,    50000000ULL,   100000000ULL,
    250000000ULL,   500000000ULL,   1000000000ULL,   2500000000ULL,  5000000000ULL, 10000000000ULL,
    30000000000ULL, 60000000000ULL, 300000000000ULL, 900000000000ULL};
static const char *const bucket_le[METRICS_N_BUCKETS] = {
    "0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
    "1",     "2.5",   "5",    "10",    "30",   "60",  "300",  "900"};

struct hist {
    uint64_t buckets[METRICS_N_BUCKETS]; /* not cumulative; summed when rendered */
    uint64_t count;
    double sum; /* seconds */
};

struct mfn {
    char *name;
    uint64_t outcomes[3];
    uint64_t cold_starts;
    struct hist duration, init;
    uint64_t billed_ms;
    double gb_seconds, duration_cost, request_cost;
    double post_runtime_ms; /* PostRuntimeExtensionsDuration, summed */
    struct metrics_live live;
};

struct gauge {
    char *name, *help, *labels;
    metrics_gauge_fn *fn;
    void *arg;
};

struct metrics {
    const char *state_dir;
    uint64_t metering_max;
    struct metering_prices prices;
    struct metering_file meter; /* the metering file last written, shared by every function */
    struct mfn **fns;
    size_t n_fns;
    struct gauge *gauges;
    size_t n_gauges;
    metrics_live_fn *live_fn;
    void *live_arg;
    metrics_queue_depth_fn *depth_fn;
    void *depth_arg;
};

void metrics_new(const char *state_dir, uint64_t metering_max_bytes, struct metrics **out)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->state_dir = state_dir;
    m->metering_max = metering_max_bytes;
    metering_prices_default(&m->prices);
    metering_file_init(&m->meter);
    *out = m;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL) {
        return;
    }
    metering_file_fini(&m->meter);
    for (size_t i = 0; i < m->n_fns; i++) {
        free(m->fns[i]->name);
        free(m->fns[i]);
    }
    for (size_t i = 0; i < m->n_gauges; i++) {
        free(m->gauges[i].name);
        free(m->gauges[i].help);
        free(m->gauges[i].labels);
    }
    free(m->gauges);
    free(m->fns);
    free(m);
}

void metrics_set_live(struct metrics *m, metrics_live_fn *fn, void *arg)
{
    m->live_fn = fn;
    m->live_arg = arg;
}

void metrics_set_queue_depth(struct metrics *m, metrics_queue_depth_fn *fn, void *arg)
{
    m->depth_fn = fn;
    m->depth_arg = arg;
}

void metrics_add_gauge(struct metrics *m, const char *name, const char *help, const char *labels,
                       metrics_gauge_fn *fn, void *arg)
{
    m->gauges = xrealloc(m->gauges, (m->n_gauges + 1) * sizeof(*m->gauges));
    m->gauges[m->n_gauges++] =
        (struct gauge){xstrdup(name), xstrdup(help), xstrdup(labels ? labels : ""), fn, arg};
}

/* The record of function name, created on first use. */
static struct mfn *fn_get(struct metrics *m, const char *name)
{
    for (size_t i = 0; i < m->n_fns; i++) {
        if (strcmp(m->fns[i]->name, name) == 0) {
            return m->fns[i];
        }
    }
    struct mfn *f = xcalloc(1, sizeof(*f));
    f->name = xstrdup(name);
    m->fns = xrealloc(m->fns, (m->n_fns + 1) * sizeof(struct mfn *));
    m->fns[m->n_fns++] = f;
    return f;
}

static void hist_observe(struct hist *h, uint64_t ns)
{
    size_t i = 0;
    while (i < METRICS_N_BUCKETS && ns > bucket_ns[i]) {
        i++;
    }
    if (i < METRICS_N_BUCKETS) {
        h->buckets[i]++;
    }
    h->count++;
    h->sum += (double)ns / 1e9;
}

void metrics_invocation(struct metrics *m, struct metering_record *r, enum metrics_outcome o)
{
    struct mfn *f = fn_get(m, r->function);
    metering_compute(r, &m->prices);
    f->outcomes[o]++;
    hist_observe(&f->duration, r->duration_ns);
    if (r->is_cold) {
        f->cold_starts++;
        hist_observe(&f->init, r->init_ns);
    }
    f->billed_ms += r->billed_ms;
    f->post_runtime_ms += (double)r->post_runtime_ns / 1e6;
    f->gb_seconds += r->gb_seconds;
    f->duration_cost += r->duration_cost;
    f->request_cost += r->request_cost;
    if (m->state_dir) {
        int rc = metering_append(m->state_dir, r, m->metering_max, &m->meter);
        if (rc < 0) {
            log_error("metering record of %s: %s", r->function, strerror(-rc));
        }
    }
}

void metrics_throttle(struct metrics *m, const char *function)
{
    fn_get(m, function)->outcomes[METRICS_THROTTLED]++;
}

int metrics_escape_label(struct cl_buf *out, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        if (*s == '\\' || *s == '"') {
            rc = cl_buf_printf(out, "\\%c", *s);
        } else if (*s == '\n') {
            rc = cl_buf_append_str(out, "\\n");
        } else {
            rc = cl_buf_append_byte(out, (uint8_t)*s);
        }
    }
    return rc;
}

/* Reads the live gauges of every function into the registry (creating records). */
static void refresh_live(struct metrics *m)
{
    for (size_t i = 0; i < m->n_fns; i++) {
        memset(&m->fns[i]->live, 0, sizeof(m->fns[i]->live));
    }
    const char *name = NULL;
    struct metrics_live l;
    for (size_t i = 0; m->live_fn && m->live_fn(m->live_arg, i, &name, &l) == 0; i++) {
        struct metrics_live *d = &fn_get(m, name)->live;
        d->envs_alive += l.envs_alive;
        d->envs_idle += l.envs_idle;
        d->concurrent += l.concurrent;
        d->queue_depth += l.queue_depth;
    }
    for (size_t i = 0; m->depth_fn && i < m->n_fns; i++) {
        long d = m->depth_fn(m->depth_arg, m->fns[i]->name);
        if (d >= 0) {
            m->fns[i]->live.queue_depth = d;
        }
    }
}

static int family(struct cl_buf *out, const char *name, const char *type, const char *help)
{
    return cl_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* `name{function="f"[,extra]} value\n` */
static int sample(struct cl_buf *out, const char *name, const struct mfn *f, const char *extra,
                  double v)
{
    int rc = cl_buf_printf(out, "%s{function=\"", name);
    rc = rc ? rc : metrics_escape_label(out, f->name);
    return rc ? rc : cl_buf_printf(out, "\"%s%s} %.17g\n", extra ? "," : "", extra ? extra : "", v);
}

static int render_hist(struct cl_buf *out, const char *name, const char *help, struct metrics *m,
                       size_t which)
{
    int rc = family(out, name, "histogram", help);
    char series[128], extra[64];
    for (size_t i = 0; rc == 0 && i < m->n_fns; i++) {
        const struct mfn *f = m->fns[i];
        const struct hist *h = which ? &f->init : &f->duration;
        uint64_t cum = 0;
        (void)snprintf(series, sizeof(series), "%s_bucket", name);
        for (size_t b = 0; rc == 0 && b < METRICS_N_BUCKETS; b++) {
            cum += h->buckets[b];
            (void)snprintf(extra, sizeof(extra), "le=\"%s\"", bucket_le[b]);
            rc = sample(out, series, f, extra, (double)cum);
        }
        rc = rc ? rc : sample(out, series, f, "le=\"+Inf\"", (double)h->count);
        (void)snprintf(series, sizeof(series), "%s_sum", name);
        rc = rc ? rc : sample(out, series, f, NULL, h->sum);
        (void)snprintf(series, sizeof(series), "%s_count", name);
        rc = rc ? rc : sample(out, series, f, NULL, (double)h->count);
    }
    return rc;
}

/* The value of simple metric k of f (see simple[] below). */
static double simple_value(const struct mfn *f, size_t k)
{
    switch (k) {
    case 0:
        return (double)f->outcomes[METRICS_FUNCTION_ERROR];
    case 1:
        return (double)f->outcomes[METRICS_THROTTLED];
    case 2:
        return (double)f->cold_starts;
    case 3:
        return (double)f->billed_ms;
    case 4:
        return f->gb_seconds;
    case 5:
        return (double)f->live.concurrent;
    case 6:
        return (double)f->live.envs_alive;
    case 7:
        return (double)f->live.envs_idle;
    case 8:
        return (double)f->live.queue_depth;
    default:
        return f->post_runtime_ms;
    }
}

static const struct {
    const char *name, *type, *help;
} simple[] = {
    {"clambda_errors_total", "counter", "Invocations that ended in a function error."},
    {"clambda_throttles_total", "counter", "Invocations throttled (429 TooManyRequests)."},
    {"clambda_cold_starts_total", "counter", "Invocations that waited for an environment's init."},
    {"clambda_billed_duration_milliseconds_total", "counter",
     "Billed duration (ms, rounded up per invocation, init included)."},
    {"clambda_billed_gb_seconds_total", "counter", "Billed GB-seconds (billed ms x memory GB)."},
    {"clambda_concurrent_executions", "gauge", "Invocations running now."},
    {"clambda_environments_alive", "gauge", "Execution environments alive."},
    {"clambda_environments_idle", "gauge", "Execution environments idle and warm."},
    {"clambda_async_queue_depth", "gauge", "Asynchronous invocations waiting to run."},
    {"clambda_post_runtime_extensions_duration_milliseconds_total", "counter",
     "Time extensions worked after the runtime's answer (AWS PostRuntimeExtensionsDuration)."},
};

static int render_outcomes(struct cl_buf *out, struct metrics *m)
{
    static const char *const label[] = {"outcome=\"success\"", "outcome=\"function_error\"",
                                        "outcome=\"throttled\""};
    int rc = family(out, "clambda_invocations_total", "counter",
                    "Invocations by outcome (success, function_error, throttled).");
    for (size_t i = 0; rc == 0 && i < m->n_fns; i++) {
        for (size_t o = 0; rc == 0 && o < 3; o++) {
            rc = sample(out, "clambda_invocations_total", m->fns[i], label[o],
                        (double)m->fns[i]->outcomes[o]);
        }
    }
    return rc;
}

static int render_cost(struct cl_buf *out, struct metrics *m)
{
    int rc = family(out, "clambda_cost_usd_total", "counter",
                    "Cost at AWS on-demand prices (kind: duration, request), US dollars.");
    for (size_t i = 0; rc == 0 && i < m->n_fns; i++) {
        rc = sample(out, "clambda_cost_usd_total", m->fns[i], "kind=\"duration\"",
                    m->fns[i]->duration_cost);
        rc = rc ? rc
                : sample(out, "clambda_cost_usd_total", m->fns[i], "kind=\"request\"",
                         m->fns[i]->request_cost);
    }
    return rc;
}

int metrics_render(struct metrics *m, struct cl_buf *out)
{
    refresh_live(m);
    int rc = render_outcomes(out, m);
    for (size_t k = 0; rc == 0 && k < sizeof(simple) / sizeof(simple[0]); k++) {
        rc = family(out, simple[k].name, simple[k].type, simple[k].help);
        for (size_t i = 0; rc == 0 && i < m->n_fns; i++) {
            rc = sample(out, simple[k].name, m->fns[i], NULL, simple_value(m->fns[i], k));
        }
    }
    rc = rc ? rc
            : render_hist(out, "clambda_duration_seconds", "Invocation duration (invoke phase).", m,
                          0);
    rc = rc ? rc
            : render_hist(out, "clambda_init_duration_seconds", "Init duration of cold starts.", m,
                          1);
    rc = rc ? rc : render_cost(out, m);
    /* Server-wide gauges registered by other modules (isolation mode, ...). */
    for (size_t g = 0; rc == 0 && g < m->n_gauges; g++) {
        const struct gauge *G = &m->gauges[g];
        rc = family(out, G->name, "gauge", G->help);
        rc = rc ? rc
                : cl_buf_printf(out, "%s%s%s%s %.17g\n", G->name, *G->labels ? "{" : "", G->labels,
                                *G->labels ? "}" : "", G->fn(G->arg));
    }
    return rc;
}
