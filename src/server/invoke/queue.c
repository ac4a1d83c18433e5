/* SPDX-License-Identifier: MIT */
/* The durable event store and the retry policy; see queue.h. Every write is one autocommit
 * statement, so "committed" is simply "the statement returned SQLITE_DONE". Statements are
 * prepared per call: the cost (microseconds) is small next to an invocation, and nothing is
 * kept that another helper's schema change could invalidate. */
#include "invoke/queue.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Bumped when queue_events changes shape; kept in queue_meta, our own table, so that other
 * modules sharing clambda.db keep their own version rows. */
#define QUEUE_SCHEMA_VERSION 1
/* How long a statement waits for another connection's lock before failing. */
#define QUEUE_BUSY_MS 5000

struct queue {
    sqlite3 *db;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS queue_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO queue_meta(key, value) VALUES('schema_version', '1');"
    "CREATE TABLE IF NOT EXISTS queue_events("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " request_id TEXT NOT NULL,"
    " function TEXT NOT NULL,"
    " qualifier TEXT NOT NULL DEFAULT '',"
    " payload BLOB NOT NULL,"
    " client_context TEXT,"
    " received_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " throttles INTEGER NOT NULL DEFAULT 0,"
    " next_ms INTEGER NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS queue_events_due ON queue_events(function, state, next_ms);";

static int exec_step(struct queue *q, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("queue: %s", sqlite3_errmsg(q->db));
    }
    return rc;
}

static sqlite3_stmt *prepare(struct queue *q, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("queue: prepare: %s", sqlite3_errmsg(q->db));
        return NULL;
    }
    return st;
}

static int check_version(struct queue *q, char *err, size_t errlen)
{
    sqlite3_stmt *st = prepare(q, "SELECT value FROM queue_meta WHERE key='schema_version'");
    int rc = -EIO;
    if (st && exec_step(q, st) == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        rc = v == QUEUE_SCHEMA_VERSION ? 0 : -EIO;
        if (rc < 0) {
            (void)snprintf(err, errlen, "queue schema version %d is not %d (newer clambda?)", v,
                           QUEUE_SCHEMA_VERSION);
        }
    } else {
        (void)snprintf(err, errlen, "reading queue_meta: %s", sqlite3_errmsg(q->db));
    }
    sqlite3_finalize(st);
    return rc;
}

int queue_open(const char *state_dir, struct queue **out, char *err, size_t errlen)
{
    struct queue *q = xcalloc(1, sizeof(*q));
    char *path = xasprintf("%s/clambda.db", state_dir);
    const char *step = "open";
    char *msg = NULL;
    *out = NULL;
    int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        step = "busy_timeout";
        rc = sqlite3_busy_timeout(q->db, QUEUE_BUSY_MS);
    }
    if (rc == SQLITE_OK) {
        step = "PRAGMA journal_mode=WAL";
        rc = sqlite3_exec(q->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
                          &msg);
    }
    if (rc == SQLITE_OK) {
        step = "create tables";
        rc = sqlite3_exec(q->db, schema, NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK) {
        (void)snprintf(err, errlen, "%s: %s: %s", path, step,
                       msg ? msg : (q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc)));
        goto fail;
    }
    if (check_version(q, err, errlen) < 0) {
        goto fail;
    }
    free(path);
    *out = q;
    return 0;
fail:
    sqlite3_free(msg);
    free(path);
    queue_close(q);
    return -EIO;
}

void queue_close(struct queue *q)
{
    if (q == NULL) {
        return;
    }
    (void)sqlite3_close(q->db);
    free(q);
}

int queue_enqueue(struct queue *q, const struct queue_new *ev, int64_t *seq)
{
    sqlite3_stmt *st = prepare(q, "INSERT INTO queue_events(request_id, function, qualifier, "
                                  "payload, client_context, received_ms, next_ms, state) "
                                  "VALUES(?,?,?,?,?,?,?,0)");
    if (st == NULL) {
        return -EIO;
    }
    (void)sqlite3_bind_text(st, 1, ev->id, -1, SQLITE_STATIC);
    (void)sqlite3_bind_text(st, 2, ev->function, -1, SQLITE_STATIC);
    (void)sqlite3_bind_text(st, 3, ev->qualifier ? ev->qualifier : "", -1, SQLITE_STATIC);
    (void)sqlite3_bind_blob64(st, 4, ev->len ? (const void *)ev->payload : "", ev->len,
                              SQLITE_STATIC);
    if (ev->client_context) {
        (void)sqlite3_bind_text(st, 5, ev->client_context, -1, SQLITE_STATIC);
    }
    (void)sqlite3_bind_int64(st, 6, ev->received_ms);
    (void)sqlite3_bind_int64(st, 7, ev->received_ms);
    int rc = exec_step(q, st) == SQLITE_DONE ? 0 : -EIO;
    sqlite3_finalize(st);
    *seq = rc == 0 ? sqlite3_last_insert_rowid(q->db) : 0;
    return rc;
}

static char *column_str(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? xstrdup((const char *)s) : NULL;
}

static void read_row(sqlite3_stmt *st, struct queue_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->seq = sqlite3_column_int64(st, 0);
    const unsigned char *id = sqlite3_column_text(st, 1);
    (void)snprintf(ev->id, sizeof(ev->id), "%s", id ? (const char *)id : "");
    ev->function = column_str(st, 2);
    ev->qualifier = column_str(st, 3);
    const void *p = sqlite3_column_blob(st, 4);
    ev->len = (size_t)sqlite3_column_bytes(st, 4);
    ev->payload = xmalloc(ev->len + 1);
    if (ev->len) {
        memcpy(ev->payload, p, ev->len);
    }
    ev->payload[ev->len] = '\0';
    ev->client_context = column_str(st, 5);
    ev->received_ms = sqlite3_column_int64(st, 6);
    ev->attempts = sqlite3_column_int(st, 7);
    ev->throttles = sqlite3_column_int(st, 8);
    ev->next_ms = sqlite3_column_int64(st, 9);
    ev->state = (enum queue_state)sqlite3_column_int(st, 10);
}

int queue_claim(struct queue *q, const char *function, int64_t now_ms, struct queue_event *ev)
{
    /* One statement picks and marks the row, so a claim is atomic without a transaction. */
    sqlite3_stmt *st = prepare(
        q, "UPDATE queue_events SET state=1 WHERE seq=(SELECT seq FROM queue_events WHERE "
           "function=? AND state=0 AND next_ms<=? ORDER BY next_ms, seq LIMIT 1) RETURNING seq, "
           "request_id, function, qualifier, payload, client_context, received_ms, attempts, "
           "throttles, next_ms, state");
    if (st == NULL) {
        return -EIO;
    }
    (void)sqlite3_bind_text(st, 1, function, -1, SQLITE_STATIC);
    (void)sqlite3_bind_int64(st, 2, now_ms);
    int rc = exec_step(q, st);
    if (rc == SQLITE_ROW) {
        read_row(st, ev);
        rc = exec_step(q, st) == SQLITE_DONE ? 0 : -EIO; /* RETURNING commits at DONE */
        if (rc < 0) {
            queue_event_fini(ev);
        }
    } else {
        rc = rc == SQLITE_DONE ? -ENOENT : -EIO;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Runs a write statement with int64 parameters. 0 or -EIO. */
static int write_ints(struct queue *q, const char *sql, const int64_t *v, int n)
{
    sqlite3_stmt *st = prepare(q, sql);
    if (st == NULL) {
        return -EIO;
    }
    for (int i = 0; i < n; i++) {
        (void)sqlite3_bind_int64(st, i + 1, v[i]);
    }
    int rc = exec_step(q, st) == SQLITE_DONE ? 0 : -EIO;
    sqlite3_finalize(st);
    return rc;
}

int queue_ack(struct queue *q, int64_t seq)
{
    return write_ints(q, "DELETE FROM queue_events WHERE seq=?", &seq, 1);
}

int queue_retry(struct queue *q, int64_t seq, int attempts, int throttles, int64_t next_ms)
{
    int64_t v[] = {attempts, throttles, next_ms, seq};
    return write_ints(q,
                      "UPDATE queue_events SET state=0, attempts=?, throttles=?, next_ms=? "
                      "WHERE seq=?",
                      v, 4);
}

int queue_resume(struct queue *q, int *n_resumed)
{
    int rc = write_ints(q, "UPDATE queue_events SET state=0 WHERE state=1", NULL, 0);
    *n_resumed = rc == 0 ? sqlite3_changes(q->db) : 0;
    return rc;
}

/* Runs a one-value query with an optional text parameter. 0, -ENOENT for NULL, or -EIO. */
static int query_int(struct queue *q, const char *sql, const char *param, int64_t *out)
{
    sqlite3_stmt *st = prepare(q, sql);
    if (st == NULL) {
        return -EIO;
    }
    if (param) {
        (void)sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    }
    int rc = -EIO;
    if (exec_step(q, st) == SQLITE_ROW) {
        rc = sqlite3_column_type(st, 0) == SQLITE_NULL ? -ENOENT : 0;
        *out = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

int queue_depth(struct queue *q, const char *function, int64_t *n)
{
    if (function == NULL) {
        return query_int(q, "SELECT count(*) FROM queue_events WHERE state=0", NULL, n);
    }
    return query_int(q, "SELECT count(*) FROM queue_events WHERE state=0 AND function=?", function,
                     n);
}

int queue_next_due(struct queue *q, const char *function, int64_t *next_ms)
{
    return query_int(q, "SELECT min(next_ms) FROM queue_events WHERE state=0 AND function=?",
                     function, next_ms);
}

void queue_event_fini(struct queue_event *ev)
{
    if (ev == NULL) {
        return;
    }
    free(ev->function);
    free(ev->qualifier);
    free(ev->payload);
    free(ev->client_context);
    memset(ev, 0, sizeof(*ev));
}

bool queue_expired(const struct queue_policy *p, const struct queue_event *ev, int64_t now_ms)
{
    return now_ms - ev->received_ms > (int64_t)p->max_event_age_s * 1000;
}

enum queue_verdict queue_plan_retry(const struct queue_policy *p, const struct queue_event *ev,
                                    bool is_throttle, int64_t now_ms, int64_t *next_ms)
{
    int64_t delay;
    if (is_throttle) {
        delay = QUEUE_THROTTLE_FIRST_MS;
        for (int i = 0; i < ev->throttles && delay < QUEUE_THROTTLE_MAX_MS; i++) {
            delay *= 2;
        }
        delay = delay < QUEUE_THROTTLE_MAX_MS ? delay : QUEUE_THROTTLE_MAX_MS;
    } else {
        if (ev->attempts >= p->max_retries) {
            return QUEUE_RETRIES_EXHAUSTED;
        }
        delay = p->retry_delay_ms[ev->attempts < 1 ? 0 : 1];
    }
    int64_t at = now_ms + delay;
    if (at - ev->received_ms > (int64_t)p->max_event_age_s * 1000) {
        return QUEUE_AGE_EXCEEDED;
    }
    *next_ms = at;
    return QUEUE_RETRY;
}
