/* SPDX-License-Identifier: MIT */
/* Asynchronous invocations; see async.h. One timer drives the workers: it fires at once when
 * an event is enqueued or an invocation ends, otherwise at the earliest next-attempt time of a
 * function that has room. Completion callbacks never drain directly (the pool may complete an
 * invocation inside pool_submit, in the middle of a drain): they only re-arm the timer.
 * Ordering for at-least-once: a destination record is committed before the event that caused
 * it is deleted, so a crash in between repeats the record instead of losing it. */
#include "invoke/async.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "base/func.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "exec/pool.h"
#include "state/store.h"

struct async {
    uv_loop_t *loop;
    struct async_config cfg;
    struct pool *pool;
    struct queue *q;
    struct store *store;           /* event invoke configs of versions and aliases, or NULL */
    const struct aliases *aliases; /* or NULL */
    uv_timer_t timer;
    struct async_count *counts; /* events in flight per function name */
    size_t n_counts;
    bool draining, rekick, stopping;
};

struct async_count {
    char *name;
    int n;
};

/* One event on its way through the pool; inv->owner. */
struct async_job {
    struct async *a;
    size_t count;          /* index of its function's in-flight counter (never removed) */
    struct queue_event ev; /* payload moved into the inv */
    char *version;         /* the version it runs (an alias's pick) */
};

/* What rules an event's retries and records: the event invoke config of its qualifier. */
struct async_rules {
    int max_retries;
    int max_event_age_s;
    char *on_success, *on_failure; /* owned, or NULL */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_timer(uv_timer_t *t);

/* The index of function name's in-flight counter, created at 0. Counters are never removed
 * (one per function name ever seen), so an index stays valid while the array grows. */
static size_t count_index(struct async *a, const char *name)
{
    for (size_t i = 0; i < a->n_counts; i++) {
        if (strcmp(a->counts[i].name, name) == 0) {
            return i;
        }
    }
    a->counts = xrealloc(a->counts, (a->n_counts + 1) * sizeof(*a->counts));
    a->counts[a->n_counts] = (struct async_count){xstrdup(name), 0};
    return a->n_counts++;
}

/* The version an event runs: its qualifier, $LATEST when it had none. */
static const char *version_of(const struct queue_event *ev)
{
    return *ev->qualifier ? ev->qualifier : "$LATEST";
}

/* The configuration ev runs under (its version's, else $LATEST's), or NULL when gone. */
static const struct function_config *config_of(const struct async *a, const struct queue_event *ev)
{
    const struct function_config *fn = pool_function_version(a->pool, ev->function, version_of(ev));
    return fn ? fn : pool_function(a->pool, ev->function);
}

static bool is_unqualified(const struct queue_event *ev)
{
    return *ev->qualifier == '\0' || strcmp(ev->qualifier, "$LATEST") == 0;
}

static char *destination_in(json_t *dc, const char *which)
{
    const char *d = json_string_value(json_object_get(json_object_get(dc, which), "Destination"));
    return d ? xstrdup(d) : NULL;
}

/* The rules of ev. Unqualified or $LATEST: the function's settings (fn: its EventInvokeConfig,
 * --set, the manifest). A version or an alias: its own stored event invoke config, read at
 * each decision so a change reaches events already queued; without one, AWS's defaults (the
 * unqualified function's config does not apply, as on AWS). OUT: *r (rules_fini). */
static void rules_of(const struct async *a, const struct function_config *fn,
                     const struct queue_event *ev, struct async_rules *r)
{
    *r = (struct async_rules){.max_retries = 2, .max_event_age_s = 21600};
    if (is_unqualified(ev) || a->store == NULL) {
        if (fn) {
            r->max_retries = fn->max_retries;
            r->max_event_age_s = fn->max_event_age_s;
            r->on_success = fn->on_success ? xstrdup(fn->on_success) : NULL;
            r->on_failure = fn->on_failure ? xstrdup(fn->on_failure) : NULL;
        }
        return;
    }
    char *doc = NULL;
    if (store_setting_get(a->store, ev->function, "event-invoke", ev->qualifier, &doc) < 0) {
        return;
    }
    json_t *o = json_loads(doc, 0, NULL);
    free(doc);
    json_t *v = json_object_get(o, "MaximumRetryAttempts");
    r->max_retries = json_is_integer(v) ? (int)json_integer_value(v) : r->max_retries;
    v = json_object_get(o, "MaximumEventAgeInSeconds");
    r->max_event_age_s = json_is_integer(v) ? (int)json_integer_value(v) : r->max_event_age_s;
    json_t *dc = json_object_get(o, "DestinationConfig");
    r->on_success = destination_in(dc, "OnSuccess");
    r->on_failure = destination_in(dc, "OnFailure");
    json_decref(o);
}

static void rules_fini(struct async_rules *r)
{
    free(r->on_success);
    free(r->on_failure);
}

static void kick(struct async *a)
{
    if (a->draining) {
        a->rekick = true;
    } else if (!a->stopping) {
        (void)uv_timer_start(&a->timer, on_timer, 0, 0);
    }
}

int async_enqueue(struct async *a, const char *id, const char *function, const char *qualifier,
                  const uint8_t *payload, size_t len, const char *client_context)
{
    struct queue_new ev = {.id = id,
                           .function = function,
                           .qualifier = qualifier,
                           .payload = payload,
                           .len = len,
                           .client_context = client_context,
                           .received_ms = now_ms()};
    int64_t seq = 0;
    int rc = queue_enqueue(a->q, &ev, &seq);
    if (rc == 0) {
        kick(a);
    }
    return rc;
}

static struct queue_policy policy_of(const struct async *a, const struct async_rules *r)
{
    struct queue_policy p = {
        .max_retries = r->max_retries,
        .max_event_age_s = r->max_event_age_s,
        .retry_delay_ms = {a->cfg.retry_delay_ms[0], a->cfg.retry_delay_ms[1]}};
    return p;
}

/* A JSON value from bytes that should be JSON; a string when they are not, null when empty. */
static json_t *json_of(const uint8_t *p, size_t len)
{
    if (p == NULL || len == 0) {
        return json_null();
    }
    json_t *v = json_loadb((const char *)p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (v == NULL) {
        v = json_stringn((const char *)p, len); /* NULL for invalid UTF-8 */
    }
    return v ? v : json_null();
}

static json_t *timestamp(void)
{
    struct timespec ts;
    struct tm tm;
    char buf[64];
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    (void)snprintf(buf + n, sizeof(buf) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    return json_string(buf);
}

/* AWS's destination record (version 1.0). r is NULL when the event never ran; executed is the
 * version it ran (NULL: its qualifier's). */
static char *record(const struct async *a, const struct queue_event *ev, const char *executed,
                    const uint8_t *payload, size_t len, const char *condition,
                    const struct inv_result *r)
{
    json_t *o = json_object();
    json_t *rc = json_object();
    char *arn = arn_function(a->cfg.region, a->cfg.account, ev->function, version_of(ev));
    (void)json_object_set_new(o, "version", json_string("1.0"));
    (void)json_object_set_new(o, "timestamp", timestamp());
    (void)json_object_set_new(rc, "requestId", json_string(ev->id));
    (void)json_object_set_new(rc, "functionArn", json_string(arn));
    (void)json_object_set_new(rc, "condition", json_string(condition));
    (void)json_object_set_new(rc, "approximateInvokeCount", json_integer(ev->attempts));
    (void)json_object_set_new(o, "requestContext", rc);
    (void)json_object_set_new(o, "requestPayload", json_of(payload, len));
    if (r) {
        json_t *resp = json_object();
        (void)json_object_set_new(resp, "statusCode", json_integer(200));
        (void)json_object_set_new(resp, "executedVersion",
                                  json_string(executed ? executed : version_of(ev)));
        if (r->outcome == INV_FUNCTION_ERROR) {
            (void)json_object_set_new(resp, "functionError", json_string("Unhandled"));
        }
        (void)json_object_set_new(o, "responseContext", resp);
        (void)json_object_set_new(o, "responsePayload", json_of(r->body, r->len));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(arn); /* json_dumps allocates with xmalloc: never NULL */
    return s;
}

/* Sends the record of ev to dest (a function name or ARN), or logs why it cannot. */
static void send_record(struct async *a, const char *dest, const struct queue_event *ev,
                        const char *executed, const uint8_t *payload, size_t len,
                        const char *condition, const struct inv_result *r)
{
    char name[FUNC_NAME_MAX + 1];
    char err[256];
    if (func_destination_parse(dest, name, err, sizeof(err)) < 0 ||
        pool_function(a->pool, name) == NULL) {
        log_error("async: %s: event %s (%s): destination %s is not a known "
                  "function; record dropped",
                  ev->function, ev->id, condition, dest);
        return;
    }
    char *rec = record(a, ev, executed, payload, len, condition, r);
    char id[IDS_UUID_LEN];
    ids_uuid(id);
    if (async_enqueue(a, id, name, "", (const uint8_t *)rec, strlen(rec), NULL) < 0) {
        log_error("async: %s: event %s: cannot store the record for %s", ev->function, ev->id,
                  name);
    }
    free(rec);
}

/* Gives up on ev: record to the on-failure destination or a log line; then deletes it. */
static void discard(struct async *a, const struct async_rules *rules, const struct queue_event *ev,
                    const char *executed, const uint8_t *payload, size_t len, const char *condition,
                    const struct inv_result *r)
{
    if (rules->on_failure) {
        send_record(a, rules->on_failure, ev, executed, payload, len, condition, r);
    } else {
        log_error("async: %s: event %s dropped (%s after %d attempt%s, no "
                  "on-failure destination)",
                  ev->function, ev->id, condition, ev->attempts, ev->attempts == 1 ? "" : "s");
    }
    (void)queue_ack(a->q, ev->seq);
}

/* After a failed attempt: reschedule or discard. */
static void failed(struct async *a, const struct async_rules *rules, struct queue_event *ev,
                   const char *executed, const uint8_t *payload, size_t len,
                   const struct inv_result *r)
{
    bool is_throttle = r->outcome == INV_THROTTLED;
    struct queue_policy pol = policy_of(a, rules);
    int64_t next = 0;
    enum queue_verdict v = queue_plan_retry(&pol, ev, is_throttle, now_ms(), &next);
    ev->attempts += is_throttle ? 0 : 1;
    ev->throttles += is_throttle ? 1 : 0;
    if (v == QUEUE_RETRY) {
        (void)queue_retry(a->q, ev->seq, ev->attempts, ev->throttles, next);
        return;
    }
    discard(a, rules, ev, executed, payload, len,
            v == QUEUE_RETRIES_EXHAUSTED ? "RetriesExhausted" : "EventAgeExceeded",
            is_throttle ? NULL : r);
}

static void on_done(struct inv *inv, const struct inv_result *r)
{
    struct async_job *j = inv->owner;
    struct async *a = j->a;
    struct queue_event *ev = &j->ev;
    const struct function_config *fn = config_of(a, ev);
    struct async_rules rules;
    rules_of(a, fn, ev, &rules);
    a->counts[j->count].n--;
    if (r->outcome == INV_OK) {
        ev->attempts++;
        if (rules.on_success) {
            send_record(a, rules.on_success, ev, j->version, inv->payload, inv->len, "Success", r);
        }
        (void)queue_ack(a->q, ev->seq);
    } else if (a->stopping || fn == NULL) {
        /* Shutting down (or the function went away): the attempt was cut short by us, not by
         * the function; the event waits for the next start. */
        (void)queue_retry(a->q, ev->seq, ev->attempts, ev->throttles, ev->next_ms);
    } else {
        failed(a, &rules, ev, j->version, inv->payload, inv->len, r);
    }
    rules_fini(&rules);
    queue_event_fini(ev);
    free(j->version);
    free(j);
    inv_free(inv);
    kick(a);
}

/* The version ev runs: an alias's (picked by weight at each attempt, as AWS routes each
 * invocation), else its qualifier, else $LATEST. */
static const char *run_version(const struct async *a, const struct queue_event *ev)
{
    const struct alias_target *t =
        a->aliases && !is_unqualified(ev) &&
                pool_function_version(a->pool, ev->function, ev->qualifier) == NULL
            ? aliases_get(a->aliases, ev->function, ev->qualifier)
            : NULL;
    return t ? aliases_pick(t, aliases_uniform01()) : version_of(ev);
}

/* Runs claimed event ev (taken over) on the pool; count indexes its in-flight counter. */
static void run(struct async *a, size_t count, struct queue_event *ev)
{
    char *arn = arn_function(a->cfg.region, a->cfg.account, ev->function, ev->qualifier);
    struct inv *inv = inv_new(ev->function, arn, ev->payload, ev->len, false, on_done);
    free(arn);
    struct async_job *j = xcalloc(1, sizeof(*j));
    j->version = xstrdup(run_version(a, ev));
    inv_set_version(inv, j->version);
    j->a = a;
    j->count = count;
    j->ev = *ev;
    j->ev.payload = NULL;                     /* now the inv's */
    memcpy(inv->id, ev->id, sizeof(inv->id)); /* the 202's x-amzn-RequestId */
    inv->client_context = ev->client_context ? xstrdup(ev->client_context) : NULL;
    inv->is_async = true;
    inv->owner = j;
    a->counts[count].n++;
    pool_submit(a->pool, inv);
}

/* Claims and starts due events of function fn (any version) while it has room; returns its
 * next due time (INT64_MAX when none is waiting or it is full). */
static int64_t drain_function(struct async *a, const struct function_config *fn, int64_t now)
{
    size_t c = count_index(a, fn->name);
    int limit = fn->reserved >= 0 ? fn->reserved : a->cfg.max_in_flight;
    bool is_throttled = limit == 0; /* reserved 0: every attempt is throttled, as on AWS */
    struct queue_event ev;
    while ((is_throttled || a->counts[c].n < limit) && queue_claim(a->q, fn->name, now, &ev) == 0) {
        const struct function_config *vfn = config_of(a, &ev);
        struct async_rules rules;
        rules_of(a, vfn ? vfn : fn, &ev, &rules);
        struct queue_policy pol = policy_of(a, &rules);
        if (queue_expired(&pol, &ev, now)) {
            discard(a, &rules, &ev, NULL, ev.payload, ev.len, "EventAgeExceeded", NULL);
        } else if (is_throttled) {
            struct inv_result r = {.outcome = INV_THROTTLED};
            failed(a, &rules, &ev, NULL, ev.payload, ev.len, &r); /* backoff: not due now */
        } else {
            rules_fini(&rules);
            run(a, c, &ev);
            continue; /* ev now belongs to the invocation */
        }
        rules_fini(&rules);
        queue_event_fini(&ev);
    }
    int64_t next = INT64_MAX;
    if ((is_throttled || a->counts[c].n < limit) && queue_next_due(a->q, fn->name, &next) < 0) {
        next = INT64_MAX;
    }
    return next;
}

static void on_timer(uv_timer_t *t)
{
    struct async *a = t->data;
    if (a->stopping) {
        return;
    }
    int64_t now = now_ms();
    int64_t next = INT64_MAX;
    a->draining = true;
    a->rekick = false;
    for (size_t i = 0; i < pool_n_functions(a->pool); i++) {
        const struct function_config *fn = pool_function_at(a->pool, i);
        if (strcmp(fn->version, "$LATEST") == 0) { /* once per name: events of every version */
            int64_t due = drain_function(a, fn, now);
            next = due < next ? due : next;
        }
    }
    a->draining = false;
    if (a->rekick) {
        kick(a);
    } else if (next != INT64_MAX) {
        (void)uv_timer_start(&a->timer, on_timer, next > now ? (uint64_t)(next - now) : 0, 0);
    }
}

int async_open(uv_loop_t *loop, const struct async_config *cfg, struct pool *pool,
               struct async **out, char *err, size_t errlen)
{
    struct queue *q = NULL;
    int n = 0;
    *out = NULL;
    if (queue_open(cfg->state_dir, &q, err, errlen) < 0) {
        return -EIO;
    }
    if (queue_resume(q, &n) < 0) {
        (void)snprintf(err, errlen, "cannot resume the events in flight");
        queue_close(q);
        return -EIO;
    }
    struct async *a = xcalloc(1, sizeof(*a));
    a->loop = loop;
    a->cfg = *cfg;
    a->pool = pool;
    a->q = q;
    int64_t depth = 0;
    if (queue_depth(q, NULL, &depth) == 0 && depth > 0) {
        log_error("async: %" PRId64 " queued events (%d were in flight)", depth, n);
    }
    (void)uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    uv_unref((uv_handle_t *)&a->timer);
    kick(a);
    *out = a;
    return 0;
}

void async_set_qualifiers(struct async *a, struct store *store, const struct aliases *aliases)
{
    a->store = store;
    a->aliases = aliases;
}

struct queue *async_queue(struct async *a)
{
    return a->q;
}

void async_shutdown(struct async *a)
{
    if (a == NULL || a->stopping) {
        return;
    }
    a->stopping = true;
    uv_close((uv_handle_t *)&a->timer, NULL);
}

void async_free(struct async *a)
{
    if (a == NULL) {
        return;
    }
    queue_close(a->q);
    for (size_t i = 0; i < a->n_counts; i++) {
        free(a->counts[i].name);
    }
    free(a->counts);
    free(a);
}
