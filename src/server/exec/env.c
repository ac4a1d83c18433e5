/* SPDX-License-Identifier: MIT */
/* Execution environments: the lifecycle state machine (init, deliver, respond, next, idle),
 * deadlines, the end of an invocation (END, REPORT, metering, platform.report) and stopping.
 * The Runtime API requests that drive it are parsed in rapi.c; processes, output and exits
 * are env_spawn.c's, the extensions' side env_ext.c's, streamed responses env_stream.c's. */
#include "exec/env_int.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/func.h"
#include "base/xalloc.h"
#include "exec/platform_events.h"
#include "observe/report.h"

uint64_t env_now_ns(void)
{
    return uv_hrtime();
}

int64_t env_epoch_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The environment can no longer be used: tell the pool once. */
void env_mark_gone(struct env *e)
{
    if (e->stopping) {
        return;
    }
    e->stopping = true;
    e->state = ENV_DEAD;
    e->cfg.on_gone(e, e->cfg.arg);
}

/* The finished invocation's metering record (false without metrics). */
static bool meter_record(const struct env *e, const struct inv *inv, const struct report *rep,
                         enum inv_outcome outcome, struct metering_record *m)
{
    if (e->cfg.metrics == NULL) {
        return false;
    }
    *m = (struct metering_record){
        .function = inv->function,
        .version = e->cfg.fn->version,
        .request_id = inv->id,
        .arch = e->cfg.fn->arch,
        .outcome = outcome == INV_OK ? "success" : "function_error",
        .timestamp_ms = env_epoch_ms(),
        .duration_ns = rep->duration_ns,
        .init_ns = rep->has_init ? rep->init_ns : 0,
        .is_cold = rep->has_init,
        .memory_mb = rep->memory_mb,
        .post_runtime_ns = e->state == ENV_RESPONDED ? env_now_ns() - e->response_ns : 0};
    return true;
}

/* Counts the finished invocation and appends its metering record. */
static void meter(const struct env *e, struct metering_record *m, enum inv_outcome outcome)
{
    metrics_invocation(e->cfg.metrics, m,
                       outcome == INV_OK ? METRICS_SUCCESS : METRICS_FUNCTION_ERROR);
}

void env_flush_pending(struct env *e)
{
    struct inv *inv = e->pending_inv;
    if (inv == NULL) {
        return;
    }
    (void)uv_check_stop(&e->after);
    e->pending_inv = NULL;
    logs_release(e->log);
    if (e->has_pending_meter) {
        e->has_pending_meter = false;
        meter(e, &e->pending_meter, e->pending_outcome); /* its strings: inv's and e's */
    }
    struct inv_result r = {.outcome = e->pending_outcome};
    inv_complete(inv, &r);
}

void env_on_after(uv_check_t *h)
{
    env_flush_pending(h->data);
}

/* platform.report for the finished invocation (before finish() leaves RESPONDED). */
static void report_event(const struct env *e, const struct report *rep, enum inv_outcome outcome)
{
    bool post = e->state == ENV_RESPONDED;
    struct platform_events_report r = {
        .request_id = rep->request_id,
        .status = rep->status ? rep->status : (outcome == INV_OK ? "success" : "error"),
        .error_type = rep->error_type,
        .duration_ns = rep->duration_ns,
        .billed_ms = report_billed_ms(rep->duration_ns, rep->has_init ? rep->init_ns : 0),
        .init_ns = rep->has_init ? rep->init_ns : 0,
        .memory_mb = rep->memory_mb,
        .max_memory_used_mb = rep->max_memory_used_mb,
        .post_runtime_ns = post ? env_now_ns() - e->response_ns : 0,
        .post_runtime_start_ms = e->response_epoch_ms};
    platform_events_report(e->tel, &r);
}

/* Writes END and REPORT (and START when the invocation never started) and answers the
 * invocation with r. */
static void finish(struct env *e, const struct inv_result *r, const char *status,
                   const char *error_type, bool timed_out)
{
    struct inv *inv = e->inv;
    uint64_t now = env_now_ns();
    /* The caller has its answer (inv is the stand-in): the rest may wait for the check phase. */
    bool hold = e->is_answered && inv->tail == NULL && inv->chunk == NULL;
    env_flush_pending(e);
    env_stream_detach(e, inv);
    if (!e->exited) {
        env_drain_all(e);
        /* the environment's: extensions too (isolation none: processes of their own) */
        uint64_t kb = sandbox_peak_rss_kb(&e->proc) + ext_peak_rss_kb(e->exts);
        e->peak_kb = kb > e->peak_kb ? kb : e->peak_kb;
    }
    struct report rep = {.request_id = inv->id,
                         .duration_ns = e->started ? now - e->start_ns : 0,
                         .memory_mb = e->cfg.fn->memory_mb,
                         .max_memory_used_mb = report_mb_from_kb(e->peak_kb),
                         .status = status,
                         .error_type = error_type};
    if (e->state == ENV_INIT) {
        rep.has_init = true;
        rep.init_ns = now - e->spawn_ns;
    } else if (e->report_init) {
        rep.has_init = true;
        rep.init_ns = e->init_ns;
        e->report_init = false;
    }
    struct cl_buf text;
    cl_buf_init(&text, (size_t)64 * 1024);
    int rc = e->started ? 0 : report_start(&text, inv->id, e->cfg.fn->version);
    rc = rc ? rc : report_end(&text, inv->id);
    rc = rc ? rc : report_report(&text, &rep);
    if (rc == 0 && timed_out) {
        (void)report_timeout_line(&text, env_epoch_ms(), inv->id, e->cfg.fn->timeout_s);
    }
    if (hold) {
        logs_platform_hold(e->log, &text);
    } else {
        logs_platform(e->log, &text);
    }
    cl_buf_fini(&text);
    logs_attach(e->log, NULL);
    memcpy(e->last_id, inv->id, sizeof(e->last_id));
    struct metering_record m = {0};
    bool has_meter = meter_record(e, inv, &rep, r->outcome, &m);
    report_event(e, &rep, r->outcome);
    e->inv = NULL;
    e->started = false;
    e->is_answered = false;
    e->runtime_done = false;
    if (hold) {
        e->pending_inv = inv;
        if (has_meter) { /* (m is not filled without one) */
            e->pending_meter = m;
            (void)snprintf(e->pending_version, sizeof(e->pending_version), "%s",
                           m.version ? m.version : "");
            (void)snprintf(e->pending_arch, sizeof(e->pending_arch), "%s", m.arch ? m.arch : "");
            e->pending_meter.version = e->pending_version;
            e->pending_meter.arch = e->pending_arch;
        }
        e->has_pending_meter = has_meter;
        e->pending_outcome = r->outcome;
        (void)uv_check_start(&e->after, env_on_after);
        return;
    }
    if (has_meter) {
        meter(e, &m, r->outcome);
    }
    inv_complete(inv, r);
}

/* Answers the current invocation with the result the runtime posted. */
void env_finish_posted(struct env *e)
{
    struct inv_result r = e->result;
    r.body = e->result_body;
    r.owner = &e->result_body;
    r.content_type = e->result_ctype;
    finish(e, &r, e->result_status, e->result_error_type, false);
    free(e->result_body);
    free(e->result_ctype);
    e->result_body = NULL;
    e->result_ctype = NULL;
}

void env_fail_platform(struct env *e, const char *type, const char *msg, const char *status,
                       bool timed_out)
{
    char *body = inv_error_json(type, e->inv->id, msg);
    struct inv_result r = {.outcome = INV_FUNCTION_ERROR,
                           .body = (const uint8_t *)body,
                           .len = strlen(body),
                           .content_type = "application/json"};
    finish(e, &r, status, type, timed_out);
    free(body);
}

void env_log_init_report(struct env *e, const char *status, const char *error_type)
{
    struct cl_buf text;
    const char *phase = e->cfg.suppressed_init ? "invoke" : "init";
    cl_buf_init(&text, 4096);
    platform_events_init_done(e->tel, e->cfg.provisioned ? "provisioned-concurrency" : "on-demand",
                              phase, status, error_type, env_now_ns() - e->spawn_ns);
    if (report_init_report_phase(&text, env_now_ns() - e->spawn_ns, phase, status, error_type) ==
        0) {
        logs_platform(e->log, &text);
    }
    cl_buf_fini(&text);
}

/* After a failed on-demand init (INIT_REPORT already logged): hands the waiting invocation to
 * the pool for a suppressed init in a fresh environment. True when the pool took it. */
bool env_retry_init(struct env *e)
{
    struct inv *inv = e->inv;
    if (e->cfg.suppressed_init || inv == NULL || e->cfg.on_retry == NULL) {
        return false;
    }
    logs_attach(e->log, NULL);
    e->inv = NULL;
    if (e->cfg.on_retry(e, inv, e->cfg.arg)) {
        return true;
    }
    e->inv = inv;
    logs_attach(e->log, inv->tail);
    return false;
}

void env_on_timer(uv_timer_t *t)
{
    struct env *e = t->data;
    if (e->stopping) {
        if (!e->exited) {
            (void)sandbox_signal(&e->proc, SIGKILL); /* the grace period is over */
        }
        ext_kill(e->exts);
        return;
    }
    if (e->state == ENV_IDLE && e->inv == NULL) {
        /* idle for ENV_FREEZE_DELAY_MS: nothing runs now, telemetry waits for the thaw */
        if (sandbox_freeze(&e->proc) == 0 && e->proc.frozen) {
            telemetry_set_frozen(e->tel, true);
        }
        return;
    }
    if (e->state == ENV_INIT && e->inv && e->cfg.suppressed_init) {
        char msg[96]; /* the retried init ran out of the invocation's own timeout */
        (void)snprintf(msg, sizeof(msg), "Task timed out after %d.00 seconds",
                       e->cfg.fn->timeout_s);
        env_log_init_report(e, "timeout", NULL);
        env_fail_platform(e, "Sandbox.Timedout", msg, "timeout", true);
    } else if (e->state == ENV_INIT && e->inv) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "Init timed out after %d.%02d seconds",
                       e->cfg.init_timeout_ms / 1000, e->cfg.init_timeout_ms % 1000 / 10);
        env_log_init_report(e, "timeout", NULL);
        if (!env_retry_init(e)) {
            env_fail_platform(e, "Runtime.InitError", msg, "timeout", false);
        }
    } else if (e->state == ENV_BUSY && e->inv) {
        char msg[96];
        e->shutdown_reason = "timeout";
        (void)snprintf(msg, sizeof(msg), "Task timed out after %d.00 seconds",
                       e->cfg.fn->timeout_s);
        env_fail_platform(e, "Sandbox.Timedout", msg, "timeout", true);
    } else if (e->state == ENV_RESPONDED && e->inv) {
        if (!ext_all_idle(e->exts)) { /* an extension overran the function timeout */
            e->shutdown_reason = "timeout";
            e->result_status = "timeout";
            e->result_error_type = NULL;
        }
        env_finish_posted(e); /* answered but never called next again */
    } else if (e->state == ENV_INIT) {
        env_log_init_report(e, "timeout", NULL); /* provisioned: nobody waits */
    }
    env_stop(e, SIGKILL, 0);
}

static void on_next_abort(struct httpd_conn *c, void *arg)
{
    struct env *e = arg;
    if (e->next_conn == c) {
        e->next_conn = NULL;
    }
}

static bool env_available(const struct env *e)
{
    return e->state == ENV_IDLE && e->next_conn != NULL && !e->stopping;
}

static void env_deliver(struct env *e, struct inv *inv)
{
    char deadline[24];
    struct httpd_header h[6];
    size_t n = 0;
    struct cl_buf text;
    uint64_t now = env_now_ns();
    bool resumed = e->started && e->inv == inv; /* after a suppressed init: START is out */
    (void)sandbox_thaw(&e->proc);               /* frozen while idle (full isolation) */
    telemetry_set_frozen(e->tel, false);
    e->inv = inv;
    e->state = ENV_BUSY;
    if (!resumed) {
        e->start_ns = now;
        e->start_epoch_ms = env_epoch_ms();
        platform_events_start(e->tel, inv->id, e->cfg.fn->version);
        e->started = true;
    }
    uint64_t timeout_ms = (uint64_t)e->cfg.fn->timeout_s * 1000;
    uint64_t used_ms = (now - e->start_ns) / 1000000;
    uint64_t left_ms = used_ms < timeout_ms ? timeout_ms - used_ms : 1;
    int64_t deadline_ms = env_epoch_ms() + (int64_t)left_ms;
    (void)snprintf(deadline, sizeof(deadline), "%lld", (long long)deadline_ms);
    h[n++] = (struct httpd_header){"Content-Type", "application/json"};
    h[n++] = (struct httpd_header){"Lambda-Runtime-Aws-Request-Id", inv->id};
    h[n++] = (struct httpd_header){"Lambda-Runtime-Deadline-Ms", deadline};
    h[n++] = (struct httpd_header){"Lambda-Runtime-Invoked-Function-Arn", inv->arn};
    h[n++] = (struct httpd_header){"Lambda-Runtime-Trace-Id", inv->trace};
    if (inv->client_context) {
        h[n++] = (struct httpd_header){"Lambda-Runtime-Client-Context", inv->client_context};
    }
    struct httpd_conn *c = e->next_conn;
    e->next_conn = NULL;
    httpd_conn_set_abort(c, NULL, NULL);
    httpd_respond(c, 200, h, n, inv->payload, inv->len);
    ext_invoke(e->exts, inv, deadline_ms); /* at the same time as the runtime's event */
    if (!resumed) {
        /* START after the event went out: the runtime works while it is written (before any
         * line of its output, which the loop reads later; after the held END and REPORT of
         * the previous invocation, which logs.c writes first). */
        logs_attach(e->log, inv->tail);
        cl_buf_init(&text, 4096);
        if (report_start(&text, inv->id, e->cfg.fn->version) == 0) {
            logs_platform(e->log, &text);
        }
        cl_buf_fini(&text);
    }
    (void)uv_timer_start(&e->timer, env_on_timer, left_ms, 0);
}

static void become_idle(struct env *e, struct httpd_conn *c)
{
    e->state = ENV_IDLE;
    e->next_conn = c;
    e->idle_ns = env_now_ns();
    if (c) {
        httpd_conn_set_abort(c, on_next_abort, e);
    }
    if (e->proc.full != NULL) { /* freeze soon, unless an event comes first (env_deliver) */
        (void)uv_timer_start(&e->timer, env_on_timer, ENV_FREEZE_DELAY_MS, 0);
    }
}

/* Keeps the runtime's `next` waiting until the extensions are done. */
static void hold_next(struct env *e, struct httpd_conn *c)
{
    e->next_conn = c;
    httpd_conn_set_abort(c, on_next_abort, e);
}

/* The runtime and every extension called next after the invocation: it ends now. */
void env_complete_invocation(struct env *e)
{
    struct httpd_conn *c = e->next_conn;
    e->next_conn = NULL;
    (void)uv_timer_stop(&e->timer);
    env_finish_posted(e);
    become_idle(e, c);
    e->cfg.on_idle(e, e->cfg.arg);
}

void env_on_next(struct env *e, struct httpd_conn *c)
{
    if (e->stopping) {
        /* shutting down: the runtime's next waits, as on AWS, and the grace timer stays (it
         * must not become the idle freeze timer, which would kill the runtime at once); a
         * second waiting next stays with the listener, which closes it with the rest */
        if (e->next_conn == NULL) {
            hold_next(e, c);
        }
        return;
    }
    if (e->state == ENV_INIT) {
        ext_close_registration(e->exts);
        if (!ext_all_idle(e->exts)) {
            hold_next(e, c); /* init ends when the extensions are done too */
            return;
        }
        env_log_extensions(e);
        e->init_ns = env_now_ns() - e->spawn_ns;
        platform_events_init_done(e->tel, env_init_type(e),
                                  e->cfg.suppressed_init ? "invoke" : "init", "success", NULL,
                                  e->init_ns);
        /* AWS: no Init Duration in provisioned REPORTs; a suppressed init is in Duration */
        e->report_init = !e->cfg.provisioned && !e->cfg.suppressed_init;
        e->is_initialised = true;
        (void)uv_timer_stop(&e->timer);
        struct inv *first = e->inv;
        become_idle(e, c);
        if (first) {
            env_deliver(e, first);
            return;
        }
    } else if (e->state == ENV_RESPONDED) {
        e->runtime_done = true;
        hold_next(e, c);
        if (ext_all_idle(e->exts)) {
            env_complete_invocation(e);
        }
        return;
    } else {
        become_idle(e, c); /* IDLE: the runtime reconnected after dropping its `next` */
    }
    e->cfg.on_idle(e, e->cfg.arg);
}

static void standin_done(struct inv *inv, const struct inv_result *r)
{
    (void)r;
    inv_free(inv);
}

/* Answers the caller with the posted result now (AWS answers at /response). The rest of the
 * invocation (the runtime's next, the extensions' post-runtime work, END, REPORT, metering)
 * runs on a stand-in invocation with the same ids, which nobody waits for. */
static void answer_early(struct env *e)
{
    struct inv *real = e->inv;
    struct inv *standin = inv_new(real->function, real->arn, NULL, 0, false, standin_done);
    memcpy(standin->id, real->id, sizeof(standin->id));
    memcpy(standin->trace, real->trace, sizeof(standin->trace));
    inv_set_version(standin, real->version);
    standin->is_async = real->is_async;
    env_stream_detach(e, real);
    logs_attach(e->log, NULL);
    e->inv = standin;
    e->is_answered = true;
    struct inv_result r = e->result;
    r.body = e->result_body;
    r.owner = &e->result_body; /* the caller may take it; the stand-in needs no body */
    r.content_type = e->result_ctype;
    inv_complete(real, &r);
}

void env_on_result(struct env *e, enum inv_outcome outcome, uint8_t *body, size_t len,
                   const char *content_type, const char *status, const char *error_type)
{
    free(e->result_body);
    free(e->result_ctype);
    e->result = (struct inv_result){.outcome = outcome, .len = len};
    e->result_body = body;
    e->result_ctype = xstrdup(content_type);
    e->result_status = status;
    e->result_error_type = error_type;
    e->state = ENV_RESPONDED;
    e->response_ns = env_now_ns();
    e->response_epoch_ms = env_epoch_ms();
    platform_events_runtime_done(e->tel, e->inv->id, outcome == INV_OK ? "success" : "error",
                                 error_type, e->response_ns - e->start_ns, len, e->start_epoch_ms);
    /* A streamed answer ends with the stream; a caller that wants the log tail waits for END
     * and REPORT, which come after the extensions' post-runtime work (as on AWS, whose tail
     * holds the REPORT with that work in its Duration). */
    if (!e->is_answered && e->inv->chunk == NULL && e->inv->tail == NULL) {
        answer_early(e);
    }
}

void env_on_init_error(struct env *e, const uint8_t *body, size_t len, const char *ctype,
                       const char *error_type)
{
    env_log_init_report(e, "error", error_type);
    if (e->inv) {
        struct inv_result r = {
            .outcome = INV_FUNCTION_ERROR, .body = body, .len = len, .content_type = ctype};
        if (!env_retry_init(e)) {
            finish(e, &r, "error", error_type, false);
        }
    }
    env_stop(e, SIGKILL, 0); /* the runtime should exit; the next invoke re-inits */
}

void env_stop(struct env *e, int sig, int grace_ms)
{
    if (e->stopping || e->exited) {
        return;
    }
    if (e->inv && e->state == ENV_RESPONDED) {
        env_finish_posted(e); /* answered, its next not called yet: it ends as it was posted */
    }
    (void)sandbox_signal(&e->proc, sig); /* thaws it first */
    telemetry_set_frozen(e->tel, false);
    if (sig != SIGKILL) {
        (void)uv_timer_start(&e->timer, env_on_timer, (uint64_t)grace_ms, 0);
    }
    /* then SHUTDOWN to the extensions, within EXT_SHUTDOWN_MS (a longer grace wins) */
    if (env_shutdown_exts(e) && sig != SIGKILL && grace_ms > EXT_SHUTDOWN_MS) {
        (void)uv_timer_start(&e->timer, env_on_timer, (uint64_t)grace_ms, 0);
    }
    env_mark_gone(e);
}

static bool env_finishing(const struct env *e)
{
    return e->state == ENV_RESPONDED && !e->stopping;
}

static uint64_t env_idle_since(const struct env *e)
{
    return e->idle_ns;
}

static bool env_initialised(const struct env *e)
{
    return e->is_initialised;
}

static bool env_has_invocation(const struct env *e)
{
    return e->inv != NULL;
}

static const struct env_config *env_config(const struct env *e)
{
    return &e->cfg;
}

static void env_set_cpus(struct env *e, const cpu_set_t *set, const cpu_set_t *apart)
{
    (void)sandbox_set_cpus(&e->proc, set); /* best effort: unplaced, it still runs */
    ext_set_cpus(e->exts, set, apart);     /* after: full isolation set the whole cgroup */
}

const struct env_ops env_default_ops = {.spawn = env_spawn,
                                        .prepare = env_prepare,
                                        .deliver = env_deliver,
                                        .stop = env_stop,
                                        .available = env_available,
                                        .set_cpus = env_set_cpus,
                                        .has_invocation = env_has_invocation,
                                        .initialised = env_initialised,
                                        .idle_since = env_idle_since,
                                        .config = env_config,
                                        .finishing = env_finishing,
                                        .now_ns = env_now_ns};
