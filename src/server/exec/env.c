/* SPDX-License-Identifier: MIT */
/* Execution environments: spawning, the lifecycle state machine, deadlines, exits and the
 * platform log lines. The Runtime API requests that drive the state machine are parsed in
 * rapi.c; this file owns every state change. */
#include "exec/env_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/func.h"
#include "base/xalloc.h"
#include "exec/envvars.h"
#include "exec/foreign.h"
#include "exec/platform_events.h"
#include "observe/report.h"

/* Read buffer for runtime output: the loop runs on one thread and libuv calls alloc and read
 * back to back, so one buffer serves every pipe. */
static uint8_t out_buf[64 * 1024];

static uint64_t env_now_ns(void)
{
    return uv_hrtime();
}

static int64_t epoch_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void env_free(struct env *e)
{
    sandbox_close_fds(&e->proc);
    logs_close(e->log);
    free(e->result_body);
    free(e->result_ctype);
    free(e);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct env *e = h->data;
    if (--e->n_open == 0) {
        env_free(e);
    }
}

/* Reads whatever the runtime wrote and the loop has not seen yet, so that its last lines come
 * before END/REPORT and into the log tail. Bounded per call. */
static void drain(struct env *e, uv_pipe_t *p, enum logs_source src)
{
    uv_os_fd_t fd;
    if (uv_is_closing((uv_handle_t *)p) || uv_fileno((uv_handle_t *)p, &fd) < 0) {
        return;
    }
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(fd, out_buf, sizeof(out_buf));
        if (n <= 0) {
            break;
        }
        logs_feed(e->log, src, out_buf, (size_t)n);
        telemetry_feed(e->tel, TELEMETRY_FUNCTION, out_buf, (size_t)n);
    }
}

static void drain_all(struct env *e)
{
    drain(e, &e->out_pipe, LOGS_STDOUT);
    drain(e, &e->err_pipe, LOGS_STDERR);
}

static void on_out_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init((char *)out_buf, sizeof(out_buf));
}

static void on_out_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct env *e = st->data;
    enum logs_source src = st == (uv_stream_t *)&e->out_pipe ? LOGS_STDOUT : LOGS_STDERR;
    if (nread > 0) {
        logs_feed(e->log, src, (const uint8_t *)buf->base, (size_t)nread);
        telemetry_feed(e->tel, TELEMETRY_FUNCTION, (const uint8_t *)buf->base, (size_t)nread);
    } else if (nread < 0) {
        logs_flush(e->log, src);
        (void)uv_read_stop(st);
    }
}

/* The environment can no longer be used: tell the pool once. */
static void mark_gone(struct env *e)
{
    if (e->stopping) {
        return;
    }
    e->stopping = true;
    e->state = ENV_DEAD;
    e->cfg.on_gone(e, e->cfg.arg);
}

/* Counts the finished invocation and appends its metering record. */
static void meter(const struct env *e, const struct inv *inv, const struct report *rep,
                  enum inv_outcome outcome)
{
    if (e->cfg.metrics == NULL) {
        return;
    }
    struct metering_record m = {.function = inv->function,
                                .version = e->cfg.fn->version,
                                .request_id = inv->id,
                                .arch = e->cfg.fn->arch,
                                .outcome = outcome == INV_OK ? "success" : "function_error",
                                .timestamp_ms = epoch_ms(),
                                .duration_ns = rep->duration_ns,
                                .init_ns = rep->has_init ? rep->init_ns : 0,
                                .is_cold = rep->has_init,
                                .memory_mb = rep->memory_mb,
                                .post_runtime_ns =
                                    e->state == ENV_RESPONDED ? env_now_ns() - e->response_ns : 0};
    metrics_invocation(e->cfg.metrics, &m,
                       outcome == INV_OK ? METRICS_SUCCESS : METRICS_FUNCTION_ERROR);
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

/* Stops forwarding a streamed response to inv (the invocation is ending). */
static void stream_detach(struct env *e, struct inv *inv)
{
    inv->resume = NULL;
    inv->producer = NULL;
    if (e->stream_conn) {
        httpd_conn_set_abort(e->stream_conn, NULL, NULL);
        httpd_conn_resume_read(e->stream_conn);
        e->stream_conn = NULL;
    }
}

/* Writes END and REPORT (and START when the invocation never started) and answers the
 * invocation with r. */
static void finish(struct env *e, const struct inv_result *r, const char *status,
                   const char *error_type, bool timed_out)
{
    struct inv *inv = e->inv;
    uint64_t now = env_now_ns();
    stream_detach(e, inv);
    if (!e->exited) {
        drain_all(e);
        uint64_t kb = sandbox_peak_rss_kb(&e->proc);
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
        (void)report_timeout_line(&text, epoch_ms(), inv->id, e->cfg.fn->timeout_s);
    }
    logs_platform(e->log, &text);
    cl_buf_fini(&text);
    logs_attach(e->log, NULL);
    memcpy(e->last_id, inv->id, sizeof(e->last_id));
    meter(e, inv, &rep, r->outcome);
    report_event(e, &rep, r->outcome);
    e->inv = NULL;
    e->started = false;
    e->is_answered = false;
    e->runtime_done = false;
    inv_complete(inv, r);
}

/* Answers the current invocation with the result the runtime posted. */
static void finish_posted(struct env *e)
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

static void fail_platform(struct env *e, const char *type, const char *msg, const char *status,
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

static void log_init_report(struct env *e, const char *status, const char *error_type)
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
static bool retry_init(struct env *e)
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

/* "Runtime exited with error: exit status 1", "... signal: killed", or no reason. */
static void exit_message(int ws, char *out, size_t cap)
{
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
        (void)snprintf(out, cap, "Runtime exited without providing a reason");
    } else if (WIFEXITED(ws)) {
        (void)snprintf(out, cap, "Runtime exited with error: exit status %d", WEXITSTATUS(ws));
    } else if (WIFSIGNALED(ws)) {
        char name[64];
        const char *s = strsignal(WTERMSIG(ws));
        size_t i = 0;
        for (; s && s[i] && i + 1 < sizeof(name); i++) {
            char c = s[i];
            name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); /* as Go prints it */
        }
        name[i] = '\0';
        (void)snprintf(out, cap, "Runtime exited with error: signal: %s", name);
    } else {
        (void)snprintf(out, cap, "Runtime exited with error: exit status %d", ws);
    }
}

static void destroy(struct env *e)
{
    if (uv_is_closing((uv_handle_t *)&e->timer)) {
        return; /* destroyed already */
    }
    ext_close(e->exts);
    e->exts = NULL;
    telemetry_close(e->tel);
    e->tel = NULL;
    httpd_close(e->rapi); /* aborts a waiting next: on_next_abort clears next_conn */
    e->rapi = NULL;
    uv_close((uv_handle_t *)&e->out_pipe, on_handle_closed);
    uv_close((uv_handle_t *)&e->err_pipe, on_handle_closed);
    uv_close((uv_handle_t *)&e->exit_poll, on_handle_closed);
    uv_close((uv_handle_t *)&e->timer, on_handle_closed);
}

static void on_timer(uv_timer_t *t);

/* Sends SHUTDOWN to the subscribed external extensions once (the others are killed) and arms
 * the timer that kills what is left at the deadline. True when some got the event. */
static bool shutdown_exts(struct env *e)
{
    if (e->exts == NULL || e->is_ext_shutdown) {
        return false;
    }
    e->is_ext_shutdown = true;
    const char *reason = e->shutdown_reason ? e->shutdown_reason : "spindown";
    bool any = ext_shutdown(e->exts, reason, epoch_ms() + EXT_SHUTDOWN_MS);
    if (any || ext_running(e->exts)) {
        (void)uv_timer_start(&e->timer, on_timer, EXT_SHUTDOWN_MS, 0);
    }
    return any;
}

static void on_exit_ready(uv_poll_t *h, int status, int events)
{
    struct env *e = h->data;
    int ws = 0;
    uint64_t kb = 0;
    bool oom = false;
    (void)status;
    (void)events;
    int rc = sandbox_reap(&e->proc, &ws, &kb, &oom);
    if (rc == -EAGAIN) {
        return;
    }
    (void)uv_poll_stop(h);
    e->exited = true;
    e->peak_kb = kb > e->peak_kb ? kb : e->peak_kb;
    (void)sandbox_signal(&e->proc, SIGKILL); /* whatever the runtime left behind */
    drain_all(e);
    if (e->inv && e->state == ENV_RESPONDED) {
        finish_posted(e); /* answered, then exited before calling next */
    } else if (e->inv) {
        /* The cgroup's OOM killer (full isolation): AWS answers Runtime.OutOfMemory, with the
         * same "signal: killed" message as any other SIGKILL. */
        const char *type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        char msg[128];
        exit_message(ws, msg, sizeof(msg));
        if (e->state == ENV_INIT) {
            log_init_report(e, "error", type);
        }
        if (e->state != ENV_INIT || !retry_init(e)) {
            fail_platform(e, type, msg, "error", false);
        }
    } else if (e->state == ENV_INIT) {
        log_init_report(e, "error", oom ? "Runtime.OutOfMemory" : "Runtime.ExitError");
    }
    if (!e->stopping) {
        e->shutdown_reason = "failure";
    }
    mark_gone(e);
    if (shutdown_exts(e) || ext_running(e->exts)) {
        return; /* destroyed when the last extension has exited (env_on_ext_exit) */
    }
    destroy(e);
}

static void env_stop(struct env *e, int sig, int grace_ms);
/* What the extensions (ext.c) report: see struct ext_config. */
static void on_ext_progress(void *arg);
static void on_ext_error(void *arg, const char *name, const char *type);
static void on_ext_exit(void *arg, const char *name, bool is_crash);
static void on_timer(uv_timer_t *t)
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
        log_init_report(e, "timeout", NULL);
        fail_platform(e, "Sandbox.Timedout", msg, "timeout", true);
    } else if (e->state == ENV_INIT && e->inv) {
        char msg[96];
        (void)snprintf(msg, sizeof(msg), "Init timed out after %d.%02d seconds",
                       e->cfg.init_timeout_ms / 1000, e->cfg.init_timeout_ms % 1000 / 10);
        log_init_report(e, "timeout", NULL);
        if (!retry_init(e)) {
            fail_platform(e, "Runtime.InitError", msg, "timeout", false);
        }
    } else if (e->state == ENV_BUSY && e->inv) {
        char msg[96];
        e->shutdown_reason = "timeout";
        (void)snprintf(msg, sizeof(msg), "Task timed out after %d.00 seconds",
                       e->cfg.fn->timeout_s);
        fail_platform(e, "Sandbox.Timedout", msg, "timeout", true);
    } else if (e->state == ENV_RESPONDED && e->inv) {
        if (!ext_all_idle(e->exts)) { /* an extension overran the function timeout */
            e->shutdown_reason = "timeout";
            e->result_status = "timeout";
            e->result_error_type = NULL;
        }
        finish_posted(e); /* answered but never called next again */
    } else if (e->state == ENV_INIT) {
        log_init_report(e, "timeout", NULL); /* provisioned: nobody waits */
    }
    env_stop(e, SIGKILL, 0);
}

static int open_handles(struct env *e)
{
    uv_loop_t *loop = e->cfg.loop;
    int rc = uv_pipe_init(loop, &e->out_pipe, 0);
    rc = rc ? rc : uv_pipe_init(loop, &e->err_pipe, 0);
    rc = rc ? rc : uv_poll_init(loop, &e->exit_poll, e->proc.exit_fd);
    rc = rc ? rc : uv_timer_init(loop, &e->timer);
    if (rc < 0) {
        return rc; /* only EBADF/ENOMEM-class failures; the caller aborts */
    }
    e->n_open = 4;
    e->out_pipe.data = e->err_pipe.data = e->exit_poll.data = e->timer.data = e;
    if (uv_pipe_open(&e->out_pipe, e->proc.out_fd) == 0) {
        e->proc.out_fd = -1; /* libuv owns and closes it now */
        (void)uv_read_start((uv_stream_t *)&e->out_pipe, on_out_alloc, on_out_read);
    }
    if (uv_pipe_open(&e->err_pipe, e->proc.err_fd) == 0) {
        e->proc.err_fd = -1;
        (void)uv_read_start((uv_stream_t *)&e->err_pipe, on_out_alloc, on_out_read);
    }
    (void)uv_poll_start(&e->exit_poll, UV_READABLE, on_exit_ready);
    uint64_t limit = e->cfg.suppressed_init ? (uint64_t)e->cfg.fn->timeout_s * 1000
                                            : (uint64_t)e->cfg.init_timeout_ms;
    (void)uv_timer_start(&e->timer, on_timer, limit, 0);
    return 0;
}

/* The sandbox spec of fn's runtime (envp and, under full isolation, the prepared function
 * state from cfg). path is the caller's to free. */
static struct sandbox_spec make_spec(const struct env_config *cfg, char *const *envp, char **path,
                                     const char *interp)
{
    const struct function_config *fn = cfg->fn;
    bool full = cfg->full != NULL;
    *path = full ? xstrdup("/var/task/bootstrap") : xasprintf("%s/bootstrap", fn->code_dir);
    return (struct sandbox_spec){.isolation = full ? SANDBOX_FULL : SANDBOX_NONE,
                                 .path = *path,
                                 .interp = interp,
                                 .cwd = fn->code_dir,
                                 .envp = envp,
                                 .max_files = 1024,
                                 .full = cfg->full,
                                 .fn = cfg->sbx_fn,
                                 .opt_dir = full ? fn->opt_dir : NULL,
                                 .memory_mb = (uint32_t)fn->memory_mb,
                                 .tmp_mb = (uint32_t)fn->ephemeral_mb};
}

static int start_process(struct env *e, char *err, size_t errlen)
{
    const struct function_config *fn = e->cfg.fn;
    struct envvars_input in = {.cfg = fn,
                               .runtime_api = e->api_addr,
                               .log_stream = logs_name(e->log),
                               .region = e->cfg.region,
                               .task_root = e->cfg.full != NULL ? "/var/task" : fn->code_dir,
                               .init_type = e->cfg.provisioned ? "provisioned-concurrency" : NULL,
                               .extra = (const char *const *)e->cfg.extra_env};
    char **envp = NULL;
    char *path = NULL;
    const char *interp = NULL; /* qemu-user for a function of another architecture */
    int rc = foreign_interp(fn->arch, &interp, err, errlen);
    if (rc < 0) {
        return rc;
    }
    envvars_build(&in, &envp);
    /* External extensions start before the runtime, in its sandbox (its companions). */
    struct ext_config xc = {.loop = e->cfg.loop,
                            .log = e->log,
                            .fn = fn,
                            .account = e->cfg.account,
                            .tel = e->tel,
                            .on_progress = on_ext_progress,
                            .on_error = on_ext_error,
                            .on_exit = on_ext_exit,
                            .arg = e};
    ext_open(&xc, fn->opt_dir, &e->exts);
    char **xenv = ext_envp(envp);
    struct sandbox_spec spec = make_spec(&e->cfg, envp, &path, interp);
    spec.companions = ext_companions(e->exts, e->cfg.full != NULL, &spec.n_companions);
    spec.companion_envp = xenv;
    rc = sandbox_spawn(&spec, &e->proc, err, errlen);
    if (rc == 0) {
        ext_started(e->exts);
        telemetry_set_proc(e->tel, &e->proc);
    }
    free(xenv);
    envvars_free(envp);
    free(path);
    return rc;
}

static int env_prepare(const struct env_config *cfg, char *err, size_t errlen)
{
    char *path = NULL;
    const char *interp = NULL;
    int rc = foreign_interp(cfg->fn->arch, &interp, err, errlen);
    if (rc < 0) {
        return 0; /* nothing to prepare: the spawn says what is missing */
    }
    struct sandbox_spec spec = make_spec(cfg, NULL, &path, interp);
    rc = sandbox_prepare(&spec, err, errlen);
    free(path);
    return rc;
}

/* Connections refused by the Runtime API listeners (not from their environment's processes). */
static uint64_t rapi_refused;

uint64_t env_rapi_refused(void)
{
    return rapi_refused;
}

/* Accept filter of the Runtime API listener: only the environment's own processes. */
static bool rapi_accept(int fd, void *user)
{
    struct env *e = user;
    if (sandbox_peer_is_own(&e->proc, fd) == 1) {
        return true;
    }
    rapi_refused++;
    return false;
}

/* The environment's Runtime API: on the host's loopback at an ephemeral port, or (isolated
 * network) on 127.0.0.1:9001 inside its namespace, adopted after the spawn. */
static int open_rapi(struct env *e, char *err, size_t errlen)
{
    /* No idle timeout: between a runtime's requests its function runs (as long as its own
     * timeout) or its environment is frozen; `next` waits unanswered, which is never timed. */
    struct httpd_config hc = {"127.0.0.1", 0, ENV_MAX_RESPONSE, 16, "runtime-api",
                              0,           0, HTTPD_NO_TIMEOUT};
    int rc = 0;
    if (e->cfg.isolate_net) {
        (void)snprintf(e->api_addr, sizeof(e->api_addr), "127.0.0.1:9001");
        rc = start_process(e, err, errlen);
        if (rc == 0) {
            rc = httpd_open_fd(e->cfg.loop, &hc, e->proc.api_fd, rapi_handle, e, &e->rapi);
            e->proc.api_fd = -1; /* the listener's now */
            if (rc == 0) {
                httpd_set_head_handler(e->rapi, rapi_head);
            }
            if (rc < 0) {
                (void)snprintf(err, errlen, "Runtime API listener: %s", uv_strerror(rc));
                sandbox_close_fds(&e->proc);
            }
        }
        return rc;
    }
    rc = httpd_open(e->cfg.loop, &hc, rapi_handle, e, &e->rapi);
    if (rc < 0) {
        (void)snprintf(err, errlen, "Runtime API listener: %s", uv_strerror(rc));
        return rc;
    }
    httpd_set_head_handler(e->rapi, rapi_head);
    httpd_set_accept_filter(e->rapi, rapi_accept);
    (void)snprintf(e->api_addr, sizeof(e->api_addr), "127.0.0.1:%d", httpd_port(e->rapi));
    return start_process(e, err, errlen);
}

static const char *init_type(const struct env *e)
{
    return e->cfg.provisioned ? "provisioned-concurrency" : "on-demand";
}

static int env_spawn(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
                     size_t errlen)
{
    struct env *e = xcalloc(1, sizeof(*e));
    e->cfg = *cfg;
    e->proc.exit_fd = e->proc.out_fd = e->proc.err_fd = e->proc.api_fd = -1;
    e->spawn_ns = env_now_ns();
    int rc = logs_open(cfg->state_dir, cfg->fn->name, cfg->fn->version, &e->log);
    if (rc < 0) {
        (void)snprintf(err, errlen, "open log stream under %s: %s", cfg->state_dir, strerror(-rc));
        free(e);
        return rc;
    }
    logs_set_limits(e->log, cfg->log_max_bytes, cfg->log_retain_bytes);
    telemetry_new(cfg->loop, &e->tel);
    platform_events_init_start(e->tel, init_type(e), cfg->suppressed_init ? "invoke" : "init",
                               cfg->fn->name, cfg->fn->version, cfg->fn->memory_mb);
    rc = open_rapi(e, err, errlen);
    if (rc == 0 && open_handles(e) < 0) {
        abort();
    }
    if (rc < 0) {
        ext_close(e->exts);
        telemetry_close(e->tel);
        httpd_close(e->rapi);
        logs_close(e->log);
        free(e);
        return rc;
    }
    e->inv = first;
    logs_attach(e->log, first ? first->tail : NULL);
    e->state = ENV_INIT;
    if (cfg->suppressed_init) { /* the invocation starts now, its init inside it */
        struct cl_buf text;
        cl_buf_init(&text, 4096);
        if (report_start(&text, first->id, cfg->fn->version) == 0) {
            logs_platform(e->log, &text);
        }
        cl_buf_fini(&text);
        e->started = true;
        e->start_ns = e->spawn_ns;
    }
    *out = e;
    return 0;
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
        e->start_epoch_ms = epoch_ms();
        platform_events_start(e->tel, inv->id, e->cfg.fn->version);
        e->started = true;
        logs_attach(e->log, inv->tail);
        cl_buf_init(&text, 4096);
        if (report_start(&text, inv->id, e->cfg.fn->version) == 0) {
            logs_platform(e->log, &text);
        }
        cl_buf_fini(&text);
    }
    uint64_t timeout_ms = (uint64_t)e->cfg.fn->timeout_s * 1000;
    uint64_t used_ms = (now - e->start_ns) / 1000000;
    uint64_t left_ms = used_ms < timeout_ms ? timeout_ms - used_ms : 1;
    int64_t deadline_ms = epoch_ms() + (int64_t)left_ms;
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
    (void)uv_timer_start(&e->timer, on_timer, left_ms, 0);
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
        (void)uv_timer_start(&e->timer, on_timer, ENV_FREEZE_DELAY_MS, 0);
    }
}

/* Keeps the runtime's `next` waiting until the extensions are done. */
static void hold_next(struct env *e, struct httpd_conn *c)
{
    e->next_conn = c;
    httpd_conn_set_abort(c, on_next_abort, e);
}

static void log_extensions(struct env *e)
{
    struct cl_buf text;
    cl_buf_init(&text, 8192);
    ext_log_ready(e->exts, &text);
    if (text.len > 0) {
        logs_platform(e->log, &text);
    }
    cl_buf_fini(&text);
}

/* The runtime and every extension called next after the invocation: it ends now. */
static void complete_invocation(struct env *e)
{
    struct httpd_conn *c = e->next_conn;
    e->next_conn = NULL;
    (void)uv_timer_stop(&e->timer);
    finish_posted(e);
    become_idle(e, c);
    e->cfg.on_idle(e, e->cfg.arg);
}

static void on_ext_progress(void *arg)
{
    struct env *e = arg;
    if (e->stopping || !ext_all_idle(e->exts) || e->next_conn == NULL) {
        return;
    }
    if (e->state == ENV_INIT) {
        struct httpd_conn *c = e->next_conn;
        e->next_conn = NULL;
        env_on_next(e, c);
    } else if (e->state == ENV_RESPONDED && e->runtime_done) {
        complete_invocation(e);
    }
}

void env_on_next(struct env *e, struct httpd_conn *c)
{
    if (e->state == ENV_INIT) {
        ext_close_registration(e->exts);
        if (!ext_all_idle(e->exts)) {
            hold_next(e, c); /* init ends when the extensions are done too */
            return;
        }
        log_extensions(e);
        e->init_ns = env_now_ns() - e->spawn_ns;
        platform_events_init_done(e->tel, init_type(e), e->cfg.suppressed_init ? "invoke" : "init",
                                  "success", NULL, e->init_ns);
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
            complete_invocation(e);
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
    stream_detach(e, real);
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
    e->response_epoch_ms = epoch_ms();
    platform_events_runtime_done(e->tel, e->inv->id, outcome == INV_OK ? "success" : "error",
                                 error_type, e->response_ns - e->start_ns, len, e->start_epoch_ms);
    /* A streamed answer ends with the stream; a caller that wants the log tail waits for END
     * and REPORT, which come after the extensions' post-runtime work (as on AWS, whose tail
     * holds the REPORT with that work in its Duration). */
    if (!e->is_answered && e->inv->chunk == NULL && e->inv->tail == NULL) {
        answer_early(e);
    }
}

static void on_stream_resume(void *producer)
{
    struct env *e = producer;
    if (e->stream_conn) {
        httpd_conn_resume_read(e->stream_conn);
    }
}

static void on_stream_body(struct httpd_conn *c, const uint8_t *data, size_t len, void *arg)
{
    struct env *e = arg;
    if (e->stream_conn != c || e->inv == NULL || e->stream_oversized) {
        return;
    }
    if (e->stream_bytes + len > ENV_MAX_STREAM) {
        e->stream_oversized = true; /* the rest is read and dropped; the caller gets an error */
        return;
    }
    e->stream_bytes += len;
    if (e->inv->chunk(e->inv, data, len) == 1) {
        httpd_conn_pause_read(c);
    }
}

/* The runtime dropped its connection in the middle of a streamed response. */
static void on_stream_abort(struct httpd_conn *c, void *arg)
{
    struct env *e = arg;
    if (e->stream_conn != c) {
        return;
    }
    e->stream_conn = NULL;
    if (e->inv && e->state == ENV_BUSY) {
        char *j = inv_error_json("Runtime.TruncatedResponse", e->inv->id,
                                 "The runtime closed the connection before the end of the "
                                 "streamed response");
        env_on_result(e, INV_FUNCTION_ERROR, (uint8_t *)j, strlen(j), "application/json", "error",
                      "Runtime.TruncatedResponse");
    }
}

void env_on_stream_start(struct env *e, struct httpd_conn *c)
{
    e->stream_conn = c;
    e->stream_bytes = 0;
    e->stream_oversized = false;
    e->inv->resume = on_stream_resume;
    e->inv->producer = e;
    httpd_conn_set_abort(c, on_stream_abort, e);
    httpd_conn_stream_body(c, on_stream_body, e);
}

bool env_on_stream_end(struct env *e, struct httpd_conn *c)
{
    bool oversized = e->stream_oversized;
    if (e->stream_conn == c) {
        e->stream_conn = NULL; /* the request is complete: the server owns c again */
        if (e->inv) {
            e->inv->resume = NULL;
            e->inv->producer = NULL;
        }
    }
    e->stream_oversized = false;
    return oversized;
}

void env_on_init_error(struct env *e, const uint8_t *body, size_t len, const char *ctype,
                       const char *error_type)
{
    log_init_report(e, "error", error_type);
    if (e->inv) {
        struct inv_result r = {
            .outcome = INV_FUNCTION_ERROR, .body = body, .len = len, .content_type = ctype};
        if (!retry_init(e)) {
            finish(e, &r, "error", error_type, false);
        }
    }
    env_stop(e, SIGKILL, 0); /* the runtime should exit; the next invoke re-inits */
}

static void env_stop(struct env *e, int sig, int grace_ms)
{
    if (e->stopping || e->exited) {
        return;
    }
    (void)sandbox_signal(&e->proc, sig); /* thaws it first */
    telemetry_set_frozen(e->tel, false);
    if (sig != SIGKILL) {
        (void)uv_timer_start(&e->timer, on_timer, (uint64_t)grace_ms, 0);
    }
    /* then SHUTDOWN to the extensions, within EXT_SHUTDOWN_MS (a longer grace wins) */
    if (shutdown_exts(e) && sig != SIGKILL && grace_ms > EXT_SHUTDOWN_MS) {
        (void)uv_timer_start(&e->timer, on_timer, (uint64_t)grace_ms, 0);
    }
    mark_gone(e);
}

/* Extension.InitError, .ExitError or .Crash: fails init, or resets the environment (an
 * attached invocation fails unless its caller has its answer). */
static void ext_failed(struct env *e, const char *name, const char *type)
{
    char msg[320];
    (void)snprintf(msg, sizeof(msg), "Extension %s failed: %s", name, type);
    if (e->state == ENV_INIT) {
        log_init_report(e, "error", type);
        if (e->inv) {
            fail_platform(e, type, msg, "error", false);
        }
    } else if (e->state == ENV_BUSY && e->inv) {
        fail_platform(e, type, msg, "error", false);
    } else if (e->state == ENV_RESPONDED && e->inv) {
        e->result_status = "error";
        e->result_error_type = type;
        finish_posted(e);
    }
    e->shutdown_reason = "failure";
    env_stop(e, SIGKILL, 0);
}

static void on_ext_error(void *arg, const char *name, const char *type)
{
    struct env *e = arg;
    if (!e->stopping) {
        ext_failed(e, name, type);
    }
}

static void on_ext_exit(void *arg, const char *name, bool is_crash)
{
    struct env *e = arg;
    if (!e->stopping && is_crash) {
        ext_failed(e, name, "Extension.Crash");
    } else if (e->stopping && e->exited && !ext_running(e->exts)) {
        destroy(e);
    }
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

const struct env_ops env_default_ops = {.spawn = env_spawn,
                                        .prepare = env_prepare,
                                        .deliver = env_deliver,
                                        .stop = env_stop,
                                        .available = env_available,
                                        .has_invocation = env_has_invocation,
                                        .initialised = env_initialised,
                                        .idle_since = env_idle_since,
                                        .config = env_config,
                                        .finishing = env_finishing,
                                        .now_ns = env_now_ns};
