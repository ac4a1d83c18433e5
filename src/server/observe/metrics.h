/* SPDX-License-Identifier: MIT */
/* Metrics: per-function counters and histograms fed by the pool and the environments (one call
 * per event), live gauges read from their owners at scrape time, and their rendering in the
 * Prometheus text exposition format 0.0.4 for `GET /metrics`. Every metric name is listed in
 * docs/serve.md "Metrics". Each finished invocation's metering record (metering.h) is also
 * appended to <state>/metering/<function>.jsonl from here. */
#ifndef CLAMBDA_SERVER_METRICS_H
#define CLAMBDA_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"
#include "observe/metering.h"

/* Histogram upper bounds in seconds (plus +Inf). */
#define METRICS_N_BUCKETS 16

struct metrics;

/* How an invocation ended, the `outcome` label of clambda_invocations_total. */
enum metrics_outcome { METRICS_SUCCESS = 0, METRICS_FUNCTION_ERROR, METRICS_THROTTLED };

/* Gauges of one function read at scrape time (summed over its versions). */
struct metrics_live {
    long envs_alive;  /* environments alive (initialising, idle or busy) */
    long envs_idle;   /* idle with a runtime waiting in `next` */
    long concurrent;  /* environments running an invocation */
    long queue_depth; /* asynchronous invocations waiting */
};

/* Enumerates functions: fills *name (borrowed until the callback returns to render) and *out
 * for the i-th function configuration; returns 0, or -ENOENT past the last one. */
typedef int metrics_live_fn(void *arg, size_t i, const char **name, struct metrics_live *out);
/* Depth of function's asynchronous queue (the durable queue registers one); < 0: unknown. */
typedef long metrics_queue_depth_fn(void *arg, const char *function);
/* A server-wide gauge's current value. */
typedef double metrics_gauge_fn(void *arg);

/* A new, empty registry. state_dir (borrowed; NULL: no metering files) receives metering
 * records, rolled over past metering_max_bytes. OUT: *out (metrics_free). */
void metrics_new(const char *state_dir, uint64_t metering_max_bytes, struct metrics **out);
/* Frees m. NULL is a no-op. */
void metrics_free(struct metrics *m);
/* Sets where live gauges come from (the pool). */
void metrics_set_live(struct metrics *m, metrics_live_fn *fn, void *arg);
/* Replaces the queue depth from the live source by fn (the durable queue's queue_depth()). */
void metrics_set_queue_depth(struct metrics *m, metrics_queue_depth_fn *fn, void *arg);
/* Registers a server-wide gauge `name{labels} value` (labels: "" or `key="value",...`, already
 * escaped; strings copied). Use it for server-wide state (isolation mode, ...). */
void metrics_add_gauge(struct metrics *m, const char *name, const char *help, const char *labels,
                       metrics_gauge_fn *fn, void *arg);

/* An invocation finished (success or function error): computes r's metering figures with the
 * default prices, counts it and appends its metering record. */
void metrics_invocation(struct metrics *m, struct metering_record *r, enum metrics_outcome o);
/* An invocation of function was throttled (429 or never served). */
void metrics_throttle(struct metrics *m, const char *function);

/* Appends the exposition text of every metric to out. 0 or -E2BIG. */
int metrics_render(struct metrics *m, struct cl_buf *out);
/* Appends s as a label value, escaping backslash, double quote and line feed. */
int metrics_escape_label(struct cl_buf *out, const char *s);

#endif /* CLAMBDA_SERVER_METRICS_H */
