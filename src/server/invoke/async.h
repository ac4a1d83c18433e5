/* SPDX-License-Identifier: MIT */
/* Asynchronous (Event) invocations: the Invoke API commits each event to the durable queue
 * (queue.h) before answering 202; workers on the server loop claim due events and run them on
 * the pool, then acknowledge, reschedule (AWS's retry policy, queue_plan_retry) or discard them,
 * sending AWS's destination record to the function's on-success / on-failure destination
 * (another function, invoked asynchronously through this same queue). At most the function's
 * reserved concurrency (or the server-wide limit) of its events are in flight at once. */
#ifndef CLAMBDA_SERVER_ASYNC_H
#define CLAMBDA_SERVER_ASYNC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "catalog/aliases.h"
#include "exec/pool.h"
#include "invoke/queue.h"
#include "state/store.h"

struct async;

/* Settings; strings are borrowed and must outlive the struct async. */
struct async_config {
    const char *state_dir; /* holds clambda.db */
    const char *region;
    const char *account;
    int retry_delay_ms[2]; /* before the 2nd and 3rd attempt (AWS: 60000, 120000) */
    int max_in_flight;     /* per function without reserved concurrency */
};

/* Opens the queue in cfg->state_dir, marks events left in flight by a previous process pending
 * again, and starts draining on loop into pool. OUT: *out (async_free). 0, or -EIO with a
 * message in err (errlen bytes). */
int async_open(uv_loop_t *loop, const struct async_config *cfg, struct pool *pool,
               struct async **out, char *err, size_t errlen);
/* Commits one event for function (with qualifier, "" for none) under request id; takes
 * nothing (payload and client_context are copied). Returns only once the event is durable.
 * 0 or -EIO. */
int async_enqueue(struct async *a, const char *id, const char *function, const char *qualifier,
                  const uint8_t *payload, size_t len, const char *client_context);
/* Where events invoked through a version or an alias find their qualifier's event invoke
 * config (store: setting kind "event-invoke", read at each decision) and an alias its version
 * (aliases). Both borrowed until async_free; NULL: every event follows its version's function
 * settings, and an alias qualifier is run as a version. */
void async_set_qualifiers(struct async *a, struct store *store, const struct aliases *aliases);
/* The store, for queue_depth() (metrics). Borrowed until async_free. */
struct queue *async_queue(struct async *a);
/* Stops taking events: invocations still running end normally; their events, and those the
 * pool throttles while shutting down, stay in the store for the next start. */
void async_shutdown(struct async *a);
/* Frees a after the loop has finished; closes the queue. NULL is a no-op. */
void async_free(struct async *a);

#endif /* CLAMBDA_SERVER_ASYNC_H */
