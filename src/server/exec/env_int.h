/* SPDX-License-Identifier: MIT */
/* The environment's private state, shared by env.c (the lifecycle state machine), env_spawn.c
 * (processes, output, exits, teardown), env_ext.c (the extensions' side), env_stream.c
 * (streamed responses) and rapi.c (the Runtime API requests that drive the state machine). */
#ifndef CLAMBDA_SERVER_ENV_INT_H
#define CLAMBDA_SERVER_ENV_INT_H

#include "exec/env.h"
#include "exec/ext.h"
#include "http/httpd.h"
#include "observe/logs.h"
#include "sandbox.h"

/* Largest buffered /response body (6 MiB + 100, as AWS). */
#define ENV_MAX_RESPONSE 6291556
/* Largest streamed response (AWS since 2025-07-31: 200 MB). */
#define ENV_MAX_STREAM ((uint64_t)200 * 1024 * 1024)
/* Full isolation: an idle environment is frozen after this long without an event, so that
 * back-to-back invocations pay neither the freeze nor the thaw (docs/sandbox.md, figures). */
#define ENV_FREEZE_DELAY_MS 10

enum env_state { ENV_INIT, ENV_IDLE, ENV_BUSY, ENV_RESPONDED, ENV_DEAD };

struct env {
    struct env_config cfg;
    enum env_state state;
    bool stopping; /* env_stop called or the process exited: on_gone already sent */
    bool exited;   /* reaped */
    struct httpd *rapi;
    char api_addr[32];
    struct sandbox_proc proc;
    uv_pipe_t out_pipe;
    uv_pipe_t err_pipe;
    uv_poll_t exit_poll;
    uv_timer_t timer;
    int n_open; /* libuv handles not yet closed */
    struct logs_stream *log;
    struct inv *inv;              /* current invocation (waiting for init, or running) */
    struct httpd_conn *next_conn; /* a runtime blocked in `next` */
    char last_id[IDS_UUID_LEN];   /* the last answered request id (403 vs 400) */
    uint64_t spawn_ns, init_ns, start_ns, idle_ns;
    bool report_init;    /* the next REPORT carries Init Duration */
    bool started;        /* START written for inv */
    bool is_initialised; /* the first `next` came */
    uint64_t peak_kb;
    /* The result posted by the runtime, returned to the caller at its next `next`. */
    struct inv_result result;
    uint8_t *result_body;
    char *result_ctype;
    const char *result_status; /* REPORT Status (NULL, "error", "timeout") */
    const char *result_error_type;
    /* A streamed /response being forwarded to a streaming caller as it arrives. */
    struct httpd_conn *stream_conn;
    uint64_t stream_bytes;
    bool stream_oversized;
    /* Extensions (ext.c): the runtime's `next` is held (next_conn, state INIT or RESPONDED)
     * until every extension is done; the caller may have had its answer at /response already
     * (inv is then a stand-in carrying the request's ids, see answer_early). */
    struct ext_set *exts;
    struct telemetry *tel;       /* Telemetry/Logs API subscriptions */
    int64_t start_epoch_ms;      /* the invocation's start (telemetry spans) */
    int64_t response_epoch_ms;   /* when the runtime posted its result */
    uint64_t response_ns;        /* the same, monotonic (PostRuntimeExtensionsDuration) */
    const char *shutdown_reason; /* for SHUTDOWN events: "spindown", "timeout", "failure" */
    bool is_answered;            /* the caller has its result; inv is the stand-in */
    bool runtime_done;           /* RESPONDED: the runtime asked for its next event */
    bool is_ext_shutdown;        /* SHUTDOWN sent (or nobody to send it to) */
    /* The held end of an invocation whose caller had its answer at /response: its metering
     * record and the stand-in's completion wait for the check phase of this turn of the loop
     * (after the events of the turn, such as the caller's next request), as its END and REPORT
     * wait in the log stream (logs_platform_hold). env_flush_pending runs them. */
    uv_check_t after;
    struct inv *pending_inv; /* the stand-in, or NULL when nothing is held */
    struct metering_record pending_meter;
    /* its version and architecture: copies, since the function's configuration may be
     * replaced (and freed) before the record goes out */
    char pending_version[24];
    char pending_arch[16];
    bool has_pending_meter;
    enum inv_outcome pending_outcome;
};

/* Handles one request on the environment's Runtime API listener (rapi.c). */
void rapi_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

/* Head handler of the Runtime API listener: lets a streamed /response reach a streaming
 * caller as it arrives (rapi.c). */
void rapi_head(struct httpd_conn *c, const struct http1_request *req, void *user);

/* A streamed /response for the current invocation has started on c and its caller streams:
 * forward the body to inv->chunk as it arrives, with flow control. */
void env_on_stream_start(struct env *e, struct httpd_conn *c);
/* The streamed body is complete (c's request is delivered); true when it went over the
 * streaming limit. */
bool env_on_stream_end(struct env *e, struct httpd_conn *c);

/* The runtime called `next` (rapi.c checked the state). */
void env_on_next(struct env *e, struct httpd_conn *c);
/* The runtime posted a result for the current invocation: keep it until the next `next`.
 * Takes body (malloc'd). status/error_type describe platform errors for REPORT. */
void env_on_result(struct env *e, enum inv_outcome outcome, uint8_t *body, size_t len,
                   const char *content_type, const char *status, const char *error_type);
/* The runtime posted /init/error: fail the waiting invocation with body, kill the runtime. */
void env_on_init_error(struct env *e, const uint8_t *body, size_t len, const char *ctype,
                       const char *error_type);

/* ---- between the env_*.c files ---- */

/* Clocks: monotonic ns (the pool's clock too) and epoch ms. */
uint64_t env_now_ns(void);
int64_t env_epoch_ms(void);
/* Runs what the end of the last invocation held (metering record, stand-in completion, END
 * and REPORT) now. */
void env_flush_pending(struct env *e);
/* The check handle's callback: env_flush_pending. */
void env_on_after(uv_check_t *h);
/* The environment can no longer be used: tells the pool once (on_gone). */
void env_mark_gone(struct env *e);
/* Ends the current invocation with the result the runtime posted (END, REPORT, metering). */
void env_finish_posted(struct env *e);
/* Ends the current invocation with a platform error of type (msg in its body); status and
 * timed_out for REPORT. */
void env_fail_platform(struct env *e, const char *type, const char *msg, const char *status,
                       bool timed_out);
/* INIT_REPORT and platform.initRuntimeDone of a failed or finished init. */
void env_log_init_report(struct env *e, const char *status, const char *error_type);
/* After a failed on-demand init: hands the waiting invocation to the pool for a suppressed
 * init. True when the pool took it. */
bool env_retry_init(struct env *e);
/* The environment's timer: deadlines, freezing, the end of a grace period. */
void env_on_timer(uv_timer_t *t);
/* The runtime and every extension called next after the invocation: it ends now. */
void env_complete_invocation(struct env *e);
/* Stops the environment: sig to the runtime (SIGTERM gets SIGKILL after grace_ms), SHUTDOWN to
 * the extensions, on_gone once. */
void env_stop(struct env *e, int sig, int grace_ms);
/* "on-demand" or "provisioned-concurrency". */
const char *env_init_type(const struct env *e);
/* Reads what the runtime wrote and the loop has not seen yet (before END/REPORT). */
void env_drain_all(struct env *e);
/* Closes the environment's handles; it frees itself when libuv is done (env_spawn.c). */
void env_destroy(struct env *e);
/* Starts an environment / prepares the next one (env_ops spawn and prepare). */
int env_spawn(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
              size_t errlen);
int env_prepare(const struct env_config *cfg, char *err, size_t errlen);
/* Stops forwarding a streamed response to inv (the invocation is ending). */
void env_stream_detach(struct env *e, struct inv *inv);
/* SHUTDOWN to the subscribed external extensions once (the others are killed), and the timer
 * for the deadline. True when some got the event. */
bool env_shutdown_exts(struct env *e);
/* The EXTENSION lines (and platform.extension events) at the end of init. */
void env_log_extensions(struct env *e);
/* What the extensions report (struct ext_config's callbacks). */
void env_on_ext_progress(void *arg);
void env_on_ext_error(void *arg, const char *name, const char *type);
void env_on_ext_exit(void *arg, const char *name, bool is_crash);

#endif /* CLAMBDA_SERVER_ENV_INT_H */
