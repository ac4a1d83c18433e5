/* SPDX-License-Identifier: MIT */
/* Execution environments: one runtime process (through sandbox.h), its private Runtime API
 * listener on 127.0.0.1:<ephemeral port>, its log stream and its lifecycle:
 *
 *   INIT --first next--> IDLE --deliver--> BUSY --/response or /error--> RESPONDED --next--> IDLE
 *
 * An invocation is answered when the runtime calls `next` after posting its result (as AWS's
 * emulator does), so a finished environment is always idle again before its caller hears
 * back. Init failure, timeout, a crash or an exit kill the environment; the pool is told once
 * through on_gone and forgets it; the environment frees itself when libuv has closed its
 * handles. */
#ifndef CLAMBDA_SERVER_ENV_H
#define CLAMBDA_SERVER_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "base/func.h"
#include "exec/inv.h"
#include "observe/metrics.h"

struct env;
struct sandbox_full;
struct sandbox_full_fn;

/* Pool notifications: the environment became idle (a `next` is waiting), or it is gone
 * (never usable again; the pool must drop its pointer now). */
typedef void env_event_fn(struct env *e, void *arg);
/* An on-demand init failed in the Init phase while inv waited: AWS re-runs init inside that
 * invocation ("suppressed init"). The pool takes inv (true) and starts a fresh environment
 * with suppressed_init set, or declines (false) and the environment fails inv itself. Called
 * before on_gone; e is about to stop and must be forgotten. */
typedef bool env_retry_fn(struct env *e, struct inv *inv, void *arg);

/* How to build an environment. Pointers are borrowed and must outlive it. */
struct env_config {
    uv_loop_t *loop;
    const struct function_config *fn;
    const char *state_dir;
    const char *region;
    const char *account;
    int init_timeout_ms;
    bool provisioned;       /* provisioned concurrency: initialised ahead of invocations */
    char *const *extra_env; /* passed through to the runtime ("KEY=VALUE"), NULL-terminated */
    env_event_fn *on_idle;
    env_event_fn *on_gone;
    env_retry_fn *on_retry; /* NULL: init failures fail the waiting invocation at once */
    /* This environment re-runs a failed init inside its first invocation: START is logged at
     * spawn, the init counts into the invocation's Duration and timeout (no separate init
     * limit, no Init Duration), and a failure is logged with Phase: invoke and fails it. */
    bool suppressed_init;
    void *arg;                      /* for the callbacks */
    void *owner;                    /* the pool's per-function record, returned by env_owner() */
    struct sandbox_full *full;      /* full isolation: the server's shared state; NULL: none */
    struct sandbox_full_fn *sbx_fn; /* full isolation: the function's prepared state */
    struct metrics *metrics;        /* finished invocations are metered here (or NULL) */
    uint64_t log_max_bytes;         /* log rotation (logs_set_limits) */
    uint64_t log_retain_bytes;
    bool isolate_net; /* full isolation in its own network namespace: the Runtime API listens
                         there on 127.0.0.1:9001 */
};

/* Starts an environment whose init will be followed by first (borrowed until completed), or
 * with first NULL one that becomes idle after init (provisioned concurrency). OUT: *out. 0, or
 * a negative errno with a message in err; then first is untouched. */
int env_spawn(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
              size_t errlen);
/* Prepares the next environment of cfg->fn ahead of time (full isolation: a set-up sandbox
 * waiting for its runtime, so that a cold start only execs). A no-op for isolation none or
 * when one is ready. 0 or a negative errno with a message in err. */
int env_prepare(const struct env_config *cfg, char *err, size_t errlen);
/* True when the environment is idle with a runtime waiting in `next`. */
bool env_available(const struct env *e);
/* Hands inv to an available environment (START is logged, the deadline starts). */
void env_deliver(struct env *e, struct inv *inv);
/* Shuts the environment down: sig to its process group (SIGTERM gets a SIGKILL after
 * grace_ms). An attached invocation fails when the process exits. Calls on_gone once. */
void env_stop(struct env *e, int sig, int grace_ms);
/* Monotonic time (ns) since which the environment has been idle. */
uint64_t env_idle_since(const struct env *e);
/* The owner pointer given in env_config. */
void *env_owner(const struct env *e);
/* True for an environment started as provisioned concurrency. */
bool env_provisioned(const struct env *e);
/* True once init has finished (the runtime called `next` at least once). */
bool env_initialised(const struct env *e);
/* True while an invocation is attached (waiting for init, running or answered). */
bool env_has_invocation(const struct env *e);
/* The runtime's pid. */
pid_t env_pid(const struct env *e);

/* Connections the Runtime API listeners refused since start: not from their environment's
 * own processes (clambda_rapi_refused_total). */
uint64_t env_rapi_refused(void);

/* Monotonic clock in ns (uv_hrtime). */
uint64_t env_now_ns(void);

#endif /* CLAMBDA_SERVER_ENV_H */
