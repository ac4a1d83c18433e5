/* SPDX-License-Identifier: MIT */
/* Execution environments, the extensions' side (ext.h reports, this decides): init and
 * invocations that wait for the extensions, their failures (Extension.Crash, .InitError,
 * .ExitError reset the environment), the EXTENSION log lines and the SHUTDOWN events. */
#include "exec/env_int.h"

#include <signal.h>
#include <stdio.h>

/* Sends SHUTDOWN to the subscribed external extensions once (the others are killed) and arms
 * the timer that kills what is left at the deadline. True when some got the event. */
bool env_shutdown_exts(struct env *e)
{
    if (e->exts == NULL || e->is_ext_shutdown) {
        return false;
    }
    e->is_ext_shutdown = true;
    const char *reason = e->shutdown_reason ? e->shutdown_reason : "spindown";
    bool any = ext_shutdown(e->exts, reason, env_epoch_ms() + EXT_SHUTDOWN_MS);
    if (any || ext_running(e->exts)) {
        (void)uv_timer_start(&e->timer, env_on_timer, EXT_SHUTDOWN_MS, 0);
    }
    return any;
}

void env_log_extensions(struct env *e)
{
    struct cl_buf text;
    cl_buf_init(&text, 8192);
    ext_log_ready(e->exts, &text);
    if (text.len > 0) {
        logs_platform(e->log, &text);
    }
    cl_buf_fini(&text);
}

void env_on_ext_progress(void *arg)
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
        env_complete_invocation(e);
    }
}

/* Extension.InitError, .ExitError or .Crash: fails init, or resets the environment (an
 * attached invocation fails unless its caller has its answer). */
static void ext_failed(struct env *e, const char *name, const char *type)
{
    char msg[320];
    (void)snprintf(msg, sizeof(msg), "Extension %s failed: %s", name, type);
    if (e->state == ENV_INIT) {
        env_log_init_report(e, "error", type);
        if (e->inv) {
            env_fail_platform(e, type, msg, "error", false);
        }
    } else if (e->state == ENV_BUSY && e->inv) {
        env_fail_platform(e, type, msg, "error", false);
    } else if (e->state == ENV_RESPONDED && e->inv) {
        e->result_status = "error";
        e->result_error_type = type;
        env_finish_posted(e);
    }
    e->shutdown_reason = "failure";
    env_stop(e, SIGKILL, 0);
}

void env_on_ext_error(void *arg, const char *name, const char *type)
{
    struct env *e = arg;
    if (!e->stopping) {
        ext_failed(e, name, type);
    }
}

void env_on_ext_exit(void *arg, const char *name, bool is_crash)
{
    struct env *e = arg;
    if (!e->stopping && is_crash) {
        ext_failed(e, name, "Extension.Crash");
    } else if (e->stopping && e->exited && !ext_running(e->exts)) {
        env_destroy(e);
    }
}
