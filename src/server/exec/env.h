/* SPDX-License-Identifier: MIT */
/* Execution environments: one runtime process (through sandbox.h), its private Runtime API
 * listener on 127.0.0.1:<ephemeral port>, its log stream and its lifecycle:
 *
 *   INIT --first next--> IDLE --deliver--> BUSY --/response or /error--> RESPONDED --next--> IDLE
 *
 * The caller gets the result when the runtime posts it (as AWS does; a caller that wants the
 * log tail of an environment without extensions waits for END and REPORT instead). The
 * invocation ends, is logged and metered when the runtime has called `next` again and every
 * INVOKE-subscribed extension has called event/next (ext.h), within the function timeout; the
 * pool queues a sequential client's next request for such a finishing environment rather than
 * cold-start. Init failure, timeout, a crash or an exit kill the environment; the pool is told once
 * through on_gone and forgets it; the environment frees itself when libuv has closed its
 * handles. The pool reaches environments only through struct env_ops (env_default_ops), so
 * that its policy can be tested with a fake (docs/internals/pool.md). */
#ifndef CLAMBDA_SERVER_ENV_H
#define CLAMBDA_SERVER_ENV_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/func.h"
#include "exec/inv.h"
#include "observe/metrics.h"

struct env;
struct sandbox_full;
struct sandbox_full_fn;

/* Pool notifications. on_idle: the environment became available (a `next` is waiting) after a
 * provisioned init, after answering an invocation (inv_complete has been called) or when its
 * runtime reconnected its `next`; not after the init of an environment spawned with a first
 * invocation, which is delivered at once. on_gone: never usable again (stopped, exited, timed
 * out); the pool must drop its pointer now. */
typedef void env_event_fn(struct env *e, void *arg);
/* An on-demand init failed in the Init phase while inv waited: AWS re-runs init inside that
 * invocation ("suppressed init"). The pool takes inv (true) and starts a fresh environment
 * with suppressed_init set, or declines (false) and the environment fails inv itself. Called
 * before on_gone; e is about to stop and must be forgotten. */
typedef bool env_retry_fn(struct env *e, struct inv *inv, void *arg);

/* How to build an environment. Pointers are borrowed and must outlive it. */
struct rolecreds;

struct env_config {
    uv_loop_t *loop;
    const struct function_config *fn;
    const char *state_dir;
    const char *region;
    const char *account;
    int init_timeout_ms;
    bool provisioned;       /* provisioned concurrency: initialised ahead of invocations */
    char *const *extra_env; /* passed through to the runtime ("KEY=VALUE"), NULL-terminated */
    const struct rolecreds *role_creds; /* fn->role's credentials go to the runtime; or NULL */
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

/* What the pool does with environments: the seam between pool.c and this module. The pool
 * holds environments only as opaque pointers and acts on them only through one of these
 * tables; env_default_ops runs real runtimes, tests/unit/server/test_pool_policy.c a fake. What
 * an environment tells the pool comes back through env_config's on_idle, on_gone and on_retry.
 * A spawned environment stays valid until on_gone has returned; after that the pool must not
 * pass it to any operation. docs/internals/pool.md draws both directions and the states. */
struct env_ops {
    /* Starts an environment whose init will be followed by first (borrowed until completed),
     * or with first NULL one that becomes idle after init (provisioned concurrency). OUT:
     * *out. 0, or a negative errno with a message in err; then first is untouched. No
     * callback is called before this returns. */
    int (*spawn)(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
                 size_t errlen);
    /* Prepares the next environment of cfg->fn ahead of time (full isolation: a set-up sandbox
     * waiting for its runtime, so that a cold start only execs). A no-op for isolation none or
     * when one is ready. 0 or a negative errno with a message in err. */
    int (*prepare)(const struct env_config *cfg, char *err, size_t errlen);
    /* Hands inv to an available environment (START is logged, the deadline starts). The
     * environment answers inv with inv_complete() and then calls on_idle (or on_gone). */
    void (*deliver)(struct env *e, struct inv *inv);
    /* Shuts the environment down: sig to its process group (SIGTERM gets a SIGKILL after
     * grace_ms). Calls on_gone once, before returning (nothing when it was already gone). An
     * attached invocation fails later, when the process exits. */
    void (*stop)(struct env *e, int sig, int grace_ms);
    /* True when the environment is idle with a runtime waiting in `next`. */
    bool (*available)(const struct env *e);
    /* Sets the CPUs its processes may run on (exec/cpuplace.h): set for the runtime and its
     * extensions, apart for the extensions subscribed to INVOKE (now or when they register).
     * NULL in fakes: nothing to place. */
    void (*set_cpus)(struct env *e, const cpu_set_t *set, const cpu_set_t *apart);
    /* True while an invocation is attached (waiting for init, running or answered). */
    bool (*has_invocation)(const struct env *e);
    /* True once init has finished (the runtime called `next` at least once). */
    bool (*initialised)(const struct env *e);
    /* Time (now_ns) since which the environment has been idle. */
    uint64_t (*idle_since)(const struct env *e);
    /* The configuration it was spawned with (owner, provisioned, fn; borrowed). */
    const struct env_config *(*config)(const struct env *e);
    /* True while the caller has its answer but the environment is still finishing the
     * invocation (the runtime's next, extensions' post-runtime work): it will be available
     * soon, so the pool queues the next request for it rather than cold-start. May be NULL. */
    bool (*finishing)(const struct env *e);
    /* Monotonic clock in ns (uv_hrtime for real environments); the pool's clock too. */
    uint64_t (*now_ns)(void);
};

/* Real environments: runtime processes through sandbox.h, their Runtime API in rapi.c. */
extern const struct env_ops env_default_ops;

/* Connections the Runtime API listeners refused since start: not from their environment's
 * own processes (clambda_rapi_refused_total). */
uint64_t env_rapi_refused(void);

#endif /* CLAMBDA_SERVER_ENV_H */
