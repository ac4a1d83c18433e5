/* SPDX-License-Identifier: MIT */
/* Platform events for the Telemetry API: the record shapes of AWS's telemetry schema
 * (platform.initStart ... platform.report), durations in ms with three decimals. */
#include "exec/platform_events.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

/* Milliseconds with whole microseconds, as AWS prints them. */
static double ms(uint64_t ns)
{
    uint64_t us = ns / 1000U;
    return (double)us * 0.001;
}

static json_t *iso(int64_t epoch_ms)
{
    char out[40];
    struct tm tm;
    time_t sec = (time_t)(epoch_ms / 1000);
    (void)gmtime_r(&sec, &tm);
    size_t n = strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(out + n, sizeof(out) - n, ".%03dZ", (int)(epoch_ms % 1000));
    return json_string(out);
}

static json_t *span(const char *name, int64_t start_ms, uint64_t ns)
{
    return json_pack("{s:s,s:o,s:f}", "name", name, "start", iso(start_ms), "durationMs", ms(ns));
}

void platform_events_init_start(struct telemetry *t, const char *init_type, const char *phase,
                                const char *function, const char *version, int memory_mb)
{
    if (!telemetry_wanted(t)) {
        return;
    }
    telemetry_platform(t, "platform.initStart",
                       json_pack("{s:s,s:s,s:s,s:s,s:i}", "initializationType", init_type, "phase",
                                 phase, "functionName", function, "functionVersion", version,
                                 "instanceMaxMemory", memory_mb));
}

void platform_events_init_done(struct telemetry *t, const char *init_type, const char *phase,
                               const char *status, const char *error_type, uint64_t init_ns)
{
    if (!telemetry_wanted(t)) {
        return;
    }
    json_t *done = json_pack("{s:s,s:s,s:s}", "initializationType", init_type, "phase", phase,
                             "status", status);
    json_t *rep = json_pack("{s:s,s:s,s:s,s:{s:f}}", "initializationType", init_type, "phase",
                            phase, "status", status, "metrics", "durationMs", ms(init_ns));
    if (error_type) {
        (void)json_object_set_new(done, "errorType", json_string(error_type));
        (void)json_object_set_new(rep, "errorType", json_string(error_type));
    }
    telemetry_platform(t, "platform.initRuntimeDone", done);
    telemetry_platform(t, "platform.initReport", rep);
}

void platform_events_start(struct telemetry *t, const char *request_id, const char *version)
{
    if (telemetry_wanted(t)) {
        telemetry_platform(t, "platform.start",
                           json_pack("{s:s,s:s}", "requestId", request_id, "version", version));
    }
}

void platform_events_runtime_done(struct telemetry *t, const char *request_id, const char *status,
                                  const char *error_type, uint64_t duration_ns,
                                  uint64_t produced_bytes, int64_t start_ms)
{
    if (!telemetry_wanted(t)) {
        return;
    }
    int64_t end_ms = start_ms + (int64_t)(duration_ns / 1000000);
    json_t *o = json_pack(
        "{s:s,s:s,s:{s:f,s:I},s:[o,o]}", "requestId", request_id, "status", status, "metrics",
        "durationMs", ms(duration_ns), "producedBytes", (json_int_t)produced_bytes, "spans",
        span("responseLatency", start_ms, duration_ns), span("responseDuration", end_ms, 0));
    if (error_type) {
        (void)json_object_set_new(o, "errorType", json_string(error_type));
    }
    telemetry_platform(t, "platform.runtimeDone", o);
}

void platform_events_report(struct telemetry *t, const struct platform_events_report *r)
{
    if (!telemetry_wanted(t)) {
        return;
    }
    json_t *m = json_pack("{s:f,s:I,s:i,s:i}", "durationMs", ms(r->duration_ns), "billedDurationMs",
                          (json_int_t)r->billed_ms, "memorySizeMB", r->memory_mb, "maxMemoryUsedMB",
                          r->max_memory_used_mb);
    if (r->init_ns) {
        (void)json_object_set_new(m, "initDurationMs", json_real(ms(r->init_ns)));
    }
    json_t *o =
        json_pack("{s:s,s:s,s:o}", "requestId", r->request_id, "status", r->status, "metrics", m);
    if (r->error_type) {
        (void)json_object_set_new(o, "errorType", json_string(r->error_type));
    }
    if (r->post_runtime_ns) {
        (void)json_object_set_new(
            o, "spans",
            json_pack("[o]",
                      span("extensionOverhead", r->post_runtime_start_ms, r->post_runtime_ns)));
    }
    telemetry_platform(t, "platform.report", o);
}

void platform_events_extension(struct telemetry *t, const char *name, bool invoke, bool shutdown)
{
    if (!telemetry_wanted(t)) {
        return;
    }
    json_t *ev = json_array();
    if (invoke) {
        (void)json_array_append_new(ev, json_string("INVOKE"));
    }
    if (shutdown) {
        (void)json_array_append_new(ev, json_string("SHUTDOWN"));
    }
    telemetry_platform(t, "platform.extension",
                       json_pack("{s:s,s:s,s:o}", "name", name, "state", "Ready", "events", ev));
}
