/* SPDX-License-Identifier: MIT */
/* The Telemetry API (PUT /2022-07-01/telemetry) and the legacy Logs API (PUT
 * /2020-08-15/logs) of one environment (extensions-api.md section 4): subscriptions, their
 * buffers (maxItems, maxBytes, timeoutMs) and delivery by HTTP POST of JSON arrays to the
 * subscriber's listener. Delivery never waits for a subscriber: one POST at a time per
 * subscriber, records beyond twice its buffer are dropped and counted in
 * platform.logsDropped. Events from before a subscription (the init phase) are kept in a
 * small backlog and replayed to each new subscriber, as AWS does. */
#ifndef CLAMBDA_SERVER_TELEMETRY_H
#define CLAMBDA_SERVER_TELEMETRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "http/http1.h"
#include "http/httpd.h"

struct telemetry;
struct sandbox_proc;

/* Record streams (the subscription's "types"). */
enum telemetry_type {
    TELEMETRY_PLATFORM = 1,
    TELEMETRY_FUNCTION = 2,
    TELEMETRY_EXTENSION = 4,
};

/* A new, empty set of subscriptions. OUT: *out (telemetry_close). */
void telemetry_new(uv_loop_t *loop, struct telemetry **out);
/* Handles a subscription request from extension name (identified by the caller): validates
 * it with AWS's answers (200 "OK" or 400 ValidationError) and subscribes. is_logs_api: the
 * legacy Logs API (no schemaVersion; platform.logsSubscription). */
void telemetry_subscribe(struct telemetry *t, struct httpd_conn *c, const struct http1_request *req,
                         const char *name, bool is_logs_api);
/* Emits a platform event of type ("platform.start", ...) with record (reference stolen). */
void telemetry_platform(struct telemetry *t, const char *type, json_t *record);
/* Feeds output of the function (TELEMETRY_FUNCTION) or of an extension (TELEMETRY_EXTENSION):
 * every complete line becomes one record. */
void telemetry_feed(struct telemetry *t, enum telemetry_type type, const uint8_t *p, size_t n);
/* The environment's processes, once spawned: subscribers' listeners are reached in its
 * network namespace (sandbox_socket). Borrowed until telemetry_close. */
void telemetry_set_proc(struct telemetry *t, const struct sandbox_proc *p);
/* The environment was frozen / thawed: nothing is sent while frozen (a POST in flight waits,
 * untimed); on thaw what was held back goes out. NULL is a no-op. */
void telemetry_set_frozen(struct telemetry *t, bool is_frozen);
/* True when somebody subscribed. */
bool telemetry_active(const struct telemetry *t);
/* True when an event emitted now would go somewhere: to a subscriber, or into the backlog
 * replayed to later subscribers (the first events of the environment). False for NULL. The
 * platform events are not even built when it is false (most warm invokes: no JSON work). */
bool telemetry_wanted(const struct telemetry *t);
/* Stops delivery and frees t once libuv has closed its handles. NULL is a no-op. */
void telemetry_close(struct telemetry *t);

#endif /* CLAMBDA_SERVER_TELEMETRY_H */
