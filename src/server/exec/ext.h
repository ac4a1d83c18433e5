/* SPDX-License-Identifier: MIT */
/* Lambda extensions of one environment (extensions-api.md sections 2-3): the external
 * extension processes found in /opt/extensions, the registrations (external and internal,
 * at most 10), the Extensions API requests on the environment's Runtime API listener and the
 * INVOKE and SHUTDOWN events. The lifecycle decisions stay in env.c: this module tells it when
 * an extension finished its part of a phase (env_on_ext_progress) or failed
 * (env_on_ext_error). */
#ifndef CLAMBDA_SERVER_EXT_H
#define CLAMBDA_SERVER_EXT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "base/func.h"
#include "exec/telemetry.h"
#include "http/http1.h"
#include "http/httpd.h"
#include "observe/logs.h"

struct ext_set;
struct inv;
struct cl_buf;

/* Most extensions per function (AWS). */
#define EXT_MAX 10
/* How long subscribed extensions get to handle SHUTDOWN before they are killed (AWS). */
#define EXT_SHUTDOWN_MS 2000

/* What the extensions of one environment need from it. Pointers are borrowed and must outlive
 * the set (until ext_close). */
struct ext_config {
    uv_loop_t *loop;
    struct logs_stream *log; /* extension output goes to the function's log stream */
    const struct function_config *fn;
    const char *account;
    struct telemetry *tel; /* subscriptions; extension output and platform.extension go here */
    /* An extension called event/next after its part of init or of an invocation. */
    void (*on_progress)(void *arg);
    /* An extension reported init/error or exit/error (type "Extension.InitError" or
     * "Extension.ExitError"). */
    void (*on_error)(void *arg, const char *name, const char *type);
    /* An external extension's process exited; is_crash: it had not reported an error first. */
    void (*on_exit)(void *arg, const char *name, bool is_crash);
    void *arg;
};

/* Finds the external extensions: every regular executable file directly in
 * <opt_dir>/extensions (the function's merged layers on the host; NULL: none), sorted by name.
 * They are started by the runtime's sandbox_spawn (ext_companions, then ext_started). OUT:
 * *out (free with ext_close; never NULL). */
void ext_open(const struct ext_config *cfg, const char *opt_dir, struct ext_set **out);
/* The external extensions as companions for the runtime's sandbox_spawn: paths inside the
 * sandbox (/opt/extensions/<name>) when in_sandbox, else on the host. OUT: *n. Borrowed:
 * valid until ext_close; the spawn fills in each one's process. */
struct sandbox_companion *ext_companions(struct ext_set *s, bool in_sandbox, int *n);
/* The extensions' environment: envp without the runtime-only variables (extensions-api.md
 * section 1); AWS_LAMBDA_RUNTIME_API stays. The array is the caller's to free(); the strings
 * are envp's. */
char **ext_envp(char *const *envp);
/* After a successful sandbox_spawn: takes the extensions' processes (output into the log
 * stream, exits watched); one that could not start is logged ("State: LaunchError") and never
 * registers. */
void ext_started(struct ext_set *s);
/* Handles req when it is an Extensions API request (/2020-01-01/extension/...) or a Telemetry
 * or Logs API subscription (PUT /2022-07-01/telemetry, /2020-08-15/logs): true when it answered
 * it, false when the request is the Runtime API's. */
bool ext_handle(struct ext_set *s, struct httpd_conn *c, const struct http1_request *req);
/* True when every launched extension has registered and every registered one waits in
 * event/next (its part of init or of the last invocation is done). */
bool ext_all_idle(const struct ext_set *s);
/* Number of registered extensions (external and internal). */
int ext_count(const struct ext_set *s);
/* The runtime asked for its first event: internal extensions can no longer register. */
void ext_close_registration(struct ext_set *s);
/* Appends one "EXTENSION\tName: ...\tState: Ready\tEvents: [...]" line per extension and
 * emits its platform.extension event. */
void ext_log_ready(const struct ext_set *s, struct cl_buf *out);
/* Sends INVOKE for inv to every extension subscribed to it. */
void ext_invoke(struct ext_set *s, const struct inv *inv, int64_t deadline_ms);
/* Begins shutdown: SHUTDOWN (reason "spindown", "timeout" or "failure") to the subscribed
 * external extensions, SIGKILL to the others. True when some got the event (the caller waits
 * up to EXT_SHUTDOWN_MS, then calls ext_kill). */
bool ext_shutdown(struct ext_set *s, const char *reason, int64_t deadline_ms);
/* SIGKILLs every extension process still running. */
void ext_kill(struct ext_set *s);
/* True while some external extension process has not been reaped. */
bool ext_running(const struct ext_set *s);
/* Sets the CPUs of the running extensions' processes: apart for those subscribed to INVOKE,
 * set for the others (under full isolation the runtime's placement of its cgroup set them
 * already). An extension that subscribes to INVOKE later is placed apart as it registers. */
void ext_set_cpus(struct ext_set *s, const cpu_set_t *set, const cpu_set_t *apart);
/* Max Memory Used of the running external extensions in kB (sandbox_peak_rss_kb of each: under
 * full isolation 0, as the runtime's cgroup counts them; under isolation none each one's
 * status is read again only after a page fault of it, as the runtime's: sandbox/memuse.h).
 * NULL: 0. */
uint64_t ext_peak_rss_kb(struct ext_set *s);
/* Closes the listeners' waiting requests and the processes' handles (each closed handle is
 * closed too) and frees s once libuv is done with them. NULL is a no-op. */
void ext_close(struct ext_set *s);

#endif /* CLAMBDA_SERVER_EXT_H */
