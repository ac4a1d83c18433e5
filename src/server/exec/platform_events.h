/* SPDX-License-Identifier: MIT */
/* The Telemetry API's platform events of an environment's lifecycle (extensions-api.md section
 * 4), built from plain values so that env.c only says what happened. Every function is a no-op
 * when nobody can receive the event (t NULL). */
#ifndef CLAMBDA_SERVER_PLATFORM_EVENTS_H
#define CLAMBDA_SERVER_PLATFORM_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/telemetry.h"

/* platform.initStart. init_type: "on-demand" or "provisioned-concurrency". */
void platform_events_init_start(struct telemetry *t, const char *init_type, const char *phase,
                                const char *function, const char *version, int memory_mb);
/* platform.initRuntimeDone and platform.initReport. status: "success", "error", "failure" or
 * "timeout"; error_type NULL when none. */
void platform_events_init_done(struct telemetry *t, const char *init_type, const char *phase,
                               const char *status, const char *error_type, uint64_t init_ns);
/* platform.start. */
void platform_events_start(struct telemetry *t, const char *request_id, const char *version);
/* platform.runtimeDone: the runtime posted its result (status "success" or "error") after
 * duration_ns; start_ms is the invocation's start (epoch ms). */
void platform_events_runtime_done(struct telemetry *t, const char *request_id, const char *status,
                                  const char *error_type, uint64_t duration_ns,
                                  uint64_t produced_bytes, int64_t start_ms);
/* The values of platform.report. */
struct platform_events_report {
    const char *request_id;
    const char *status; /* "success", "error", "timeout" */
    const char *error_type;
    uint64_t duration_ns, billed_ms, init_ns; /* init_ns: 0 when no Init Duration */
    int memory_mb, max_memory_used_mb;
    uint64_t post_runtime_ns; /* extensionOverhead span (0: none) */
    int64_t post_runtime_start_ms;
};
/* platform.report. */
void platform_events_report(struct telemetry *t, const struct platform_events_report *r);
/* platform.extension for one registered extension. events: "INVOKE"/"SHUTDOWN" flags. */
void platform_events_extension(struct telemetry *t, const char *name, bool invoke, bool shutdown);

#endif /* CLAMBDA_SERVER_PLATFORM_EVENTS_H */
