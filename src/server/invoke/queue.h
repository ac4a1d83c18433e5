/* SPDX-License-Identifier: MIT */
/* The durable store of asynchronous (Event) invocations: one SQLite table, queue_events, in
 * <state-dir>/clambda.db, written through this module's own connection (WAL, synchronous=
 * NORMAL: a committed event survives a crash or kill -9 of the server, not a power loss). An
 * event is pending (waiting for its next-attempt time) or in flight (claimed by a worker);
 * finished events are deleted. Also the retry policy (AWS's: function errors retried up to
 * max_retries times after fixed delays, throttles with exponential backoff, everything bounded
 * by the maximum event age), kept here so it is unit-tested without a server. Not
 * thread-safe: one thread (the server loop) uses a queue. See docs/internals/queue.md. */
#ifndef CLAMBDA_SERVER_QUEUE_H
#define CLAMBDA_SERVER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ids.h"

struct queue;

/* Where a stored event stands. */
enum queue_state {
    QUEUE_PENDING = 0,
    QUEUE_IN_FLIGHT = 1,
};

/* One stored event. Strings and payload are owned (queue_event_fini frees them). */
struct queue_event {
    int64_t seq; /* row id */
    char id[IDS_UUID_LEN];
    char *function;
    char *qualifier; /* "" when invoked unqualified */
    uint8_t *payload;
    size_t len;
    char *client_context; /* decoded JSON or NULL */
    int64_t received_ms;  /* wall clock (ms since the epoch) of the 202 */
    int attempts;         /* invocations that ended in a function error */
    int throttles;        /* attempts that found no environment (throttle, platform error) */
    int64_t next_ms;      /* not before this wall-clock time */
    enum queue_state state;
};

/* Opens (creating when needed) <state_dir>/clambda.db and the queue's tables. OUT: *out
 * (queue_close). 0, or -EIO with a message naming the failing step in err (errlen bytes). */
int queue_open(const char *state_dir, struct queue **out, char *err, size_t errlen);
/* Closes the connection. NULL is a no-op. */
void queue_close(struct queue *q);

/* A new event, as the Invoke API received it; every pointer is borrowed. */
struct queue_new {
    const char *id;
    const char *function;
    const char *qualifier; /* "" or NULL when invoked unqualified */
    const uint8_t *payload;
    size_t len;
    const char *client_context; /* or NULL */
    int64_t received_ms;
};

/* Stores ev as pending (due at once, no attempts) and commits. OUT: *seq, its row id. 0 or
 * -EIO. */
int queue_enqueue(struct queue *q, const struct queue_new *ev, int64_t *seq);
/* Takes the due (next_ms <= now_ms) pending event of function that is due first and marks it
 * in flight. OUT: *ev (queue_event_fini). 0, -ENOENT when none is due, -EIO. */
int queue_claim(struct queue *q, const char *function, int64_t now_ms, struct queue_event *ev);
/* Deletes event seq (delivered, or discarded). 0 or -EIO. */
int queue_ack(struct queue *q, int64_t seq);
/* Puts event seq back to pending with the given counters and next-attempt time. 0 or -EIO. */
int queue_retry(struct queue *q, int64_t seq, int attempts, int throttles, int64_t next_ms);
/* Marks every in-flight event pending again (at start: those a previous process had claimed
 * when it died). OUT: *n_resumed. 0 or -EIO. */
int queue_resume(struct queue *q, int *n_resumed);
/* Events waiting (pending, including scheduled retries; not in flight) for function, or for
 * every function when function is NULL. OUT: *n. 0 or -EIO. */
int queue_depth(struct queue *q, const char *function, int64_t *n);
/* Earliest next_ms of function's pending events. OUT: *next_ms. 0, -ENOENT when none, -EIO. */
int queue_next_due(struct queue *q, const char *function, int64_t *next_ms);
/* Frees what ev owns. NULL is a no-op. */
void queue_event_fini(struct queue_event *ev);

/* Retry settings of a function (AWS's EventInvokeConfig plus the delay table). */
struct queue_policy {
    int max_retries;       /* 0..2 (AWS default 2) */
    int max_event_age_s;   /* 60..21600 (AWS default 21600) */
    int retry_delay_ms[2]; /* before the 2nd and the 3rd attempt (AWS: 60000, 120000) */
};

/* What to do with an event after a failed attempt. */
enum queue_verdict {
    QUEUE_RETRY,             /* *next_ms says when */
    QUEUE_RETRIES_EXHAUSTED, /* function error with no retry left */
    QUEUE_AGE_EXCEEDED,      /* the next attempt would come after the maximum event age */
};

/* Throttle backoff: first delay and ceiling (AWS: 1 s doubling up to 5 min). */
#define QUEUE_THROTTLE_FIRST_MS 1000
#define QUEUE_THROTTLE_MAX_MS   300000

/* Decides after a failed attempt of ev (counters not yet updated): a function error counts
 * against max_retries and waits retry_delay_ms[attempt]; a throttle (is_throttle) does not count
 * and waits QUEUE_THROTTLE_FIRST_MS doubled per earlier throttle up to QUEUE_THROTTLE_MAX_MS.
 * Either way the event is given up when the next attempt would start after received_ms +
 * max_event_age_s. OUT: *next_ms when QUEUE_RETRY. */
enum queue_verdict queue_plan_retry(const struct queue_policy *p, const struct queue_event *ev,
                                    bool is_throttle, int64_t now_ms, int64_t *next_ms);
/* True when ev is older than the maximum event age at now_ms. */
bool queue_expired(const struct queue_policy *p, const struct queue_event *ev, int64_t now_ms);

#endif /* CLAMBDA_SERVER_QUEUE_H */
