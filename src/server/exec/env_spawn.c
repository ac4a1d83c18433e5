/* SPDX-License-Identifier: MIT */
/* Execution environments' processes: the Runtime API listener, the runtime and its external
 * extensions started through sandbox.h, their output into the log stream, the runtime's exit
 * and the teardown once libuv has closed every handle. */
#include "exec/env_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/func.h"
#include "base/xalloc.h"
#include "exec/envvars.h"
#include "exec/foreign.h"
#include "exec/platform_events.h"
#include "exec/rolecreds.h"
#include "observe/report.h"

/* Read buffer for runtime output: the loop runs on one thread and libuv calls alloc and read
 * back to back, so one buffer serves every pipe. */
static uint8_t out_buf[64 * 1024];

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

/* Both pipes at once: one poll tells which hold anything (on every invocation, usually
 * neither), rather than a read of each that says EAGAIN. */
void env_drain_all(struct env *e)
{
    uv_pipe_t *pipes[2] = {&e->out_pipe, &e->err_pipe};
    struct pollfd pfd[2];
    for (int i = 0; i < 2; i++) {
        uv_os_fd_t fd = -1;
        if (uv_is_closing((uv_handle_t *)pipes[i]) || uv_fileno((uv_handle_t *)pipes[i], &fd) < 0) {
            fd = -1; /* poll skips it */
        }
        pfd[i] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    int n = poll(pfd, 2, 0);
    for (int i = 0; i < 2; i++) {
        if (n < 0 || (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
            drain(e, pipes[i], i == 0 ? LOGS_STDOUT : LOGS_STDERR);
        }
    }
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

void env_destroy(struct env *e)
{
    if (uv_is_closing((uv_handle_t *)&e->timer)) {
        return; /* destroyed already */
    }
    env_flush_pending(e);
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
    uv_close((uv_handle_t *)&e->after, on_handle_closed);
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
    (void)sandbox_signal(&e->proc, SIGKILL); /* whatever the runtime left behind (thawed) */
    telemetry_set_frozen(e->tel, false);
    env_drain_all(e);
    if (e->inv && e->state == ENV_RESPONDED) {
        env_finish_posted(e); /* answered, then exited before calling next */
    } else if (e->inv) {
        /* The cgroup's OOM killer (full isolation): AWS answers Runtime.OutOfMemory, with the
         * same "signal: killed" message as any other SIGKILL. */
        const char *type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        char msg[128];
        exit_message(ws, msg, sizeof(msg));
        if (e->state == ENV_INIT) {
            env_log_init_report(e, "error", type);
        }
        if (e->state != ENV_INIT || !env_retry_init(e)) {
            env_fail_platform(e, type, msg, "error", false);
        }
    } else if (e->state == ENV_INIT) {
        env_log_init_report(e, "error", oom ? "Runtime.OutOfMemory" : "Runtime.ExitError");
    }
    if (!e->stopping) {
        e->shutdown_reason = "failure";
    }
    env_mark_gone(e);
    if (env_shutdown_exts(e) || ext_running(e->exts)) {
        return; /* destroyed when the last extension has exited (env_on_ext_exit) */
    }
    env_destroy(e);
}

static int open_handles(struct env *e)
{
    uv_loop_t *loop = e->cfg.loop;
    int rc = uv_pipe_init(loop, &e->out_pipe, 0);
    rc = rc ? rc : uv_pipe_init(loop, &e->err_pipe, 0);
    rc = rc ? rc : uv_poll_init(loop, &e->exit_poll, e->proc.exit_fd);
    rc = rc ? rc : uv_timer_init(loop, &e->timer);
    rc = rc ? rc : uv_check_init(loop, &e->after);
    if (rc < 0) {
        return rc; /* only EBADF/ENOMEM-class failures; the caller aborts */
    }
    e->n_open = 5;
    e->out_pipe.data = e->err_pipe.data = e->exit_poll.data = e->timer.data = e->after.data = e;
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
    (void)uv_timer_start(&e->timer, env_on_timer, limit, 0);
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
    const struct rolecreds_entry *keys = rolecreds_find(e->cfg.role_creds, fn->role);
    if (keys != NULL) { /* read at each start: a SIGHUP's new file reaches new environments */
        in.access_key_id = keys->key_id;
        in.secret_access_key = keys->secret;
        in.session_token = keys->token;
    }
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
                            .on_progress = env_on_ext_progress,
                            .on_error = env_on_ext_error,
                            .on_exit = env_on_ext_exit,
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

int env_prepare(const struct env_config *cfg, char *err, size_t errlen)
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

const char *env_init_type(const struct env *e)
{
    return e->cfg.provisioned ? "provisioned-concurrency" : "on-demand";
}

int env_spawn(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
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
    platform_events_init_start(e->tel, env_init_type(e), cfg->suppressed_init ? "invoke" : "init",
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
