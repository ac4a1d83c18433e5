/* SPDX-License-Identifier: MIT */
/* The environment pool: which environment serves an invocation. A warm idle environment of the
 * function is reused (most recently used first); otherwise a new one is started if the
 * function's reserved concurrency and the server-wide limit allow (an idle environment of
 * another function is reclaimed to make room); otherwise synchronous invocations wait up to
 * wait_ms and are then throttled (429), asynchronous ones wait in the in-memory queue until an
 * environment frees up. Idle environments are stopped after keep_warm_s (scale to zero),
 * except provisioned ones: a function's `provisioned` environments are started ahead of
 * invocations (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency), kept however long they
 * idle, and replaced when they die (with a backoff when their init fails). */
#ifndef CLAMBDA_SERVER_POOL_H
#define CLAMBDA_SERVER_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "base/func.h"
#include "exec/inv.h"
#include "observe/metrics.h"

struct env_ops;
struct pool;
struct sandbox_full;

/* Pool settings; strings are borrowed and must outlive the pool. */
struct rolecreds;

struct cpuplace;

struct pool_config {
    const char *state_dir;
    const char *region;
    const char *account;
    int max_envs;           /* server-wide concurrency (environments alive) */
    int keep_warm_s;        /* idle time before an environment is stopped */
    int wait_ms;            /* how long a sync invoke waits for an environment before 429 */
    int init_timeout_ms;    /* init phase limit (AWS: 10 s) */
    char *const *extra_env; /* passed to every runtime ("KEY=VALUE", NULL-terminated) */
    /* --role-credentials: a function's environments get its role's credentials (or NULL:
     * none). Borrowed for the pool's life; replaced in place on SIGHUP (rolecreds_replace). */
    const struct rolecreds *role_creds;
    struct sandbox_full *full; /* full isolation: shared state (serve.c); NULL: none */
    bool isolate_net;          /* full isolation with a network namespace per environment */
    struct metrics *metrics;   /* counters fed by the pool and its environments (or NULL) */
    uint64_t log_max_bytes;    /* a log stream file rolls over past this (0: never) */
    uint64_t log_retain_bytes; /* a function's log files are pruned to this (0: never) */
    struct cpuplace *place;    /* --cpu-affinity pack: where environments run; NULL: anywhere */
    /* How environments run (exec/env.h): NULL for real runtimes (env_default_ops); the unit
     * tests of the pool's policy pass a fake. */
    const struct env_ops *env_ops;
};

/* Creates a pool on loop. OUT: *out (pool_free). */
void pool_new(uv_loop_t *loop, const struct pool_config *cfg, struct pool **out);
/* Adds a function version (cfg->name, cfg->version), taking over cfg's contents (cfg is
 * zeroed). -EEXIST if that version exists. */
int pool_add_function(struct pool *p, struct function_config *cfg);
/* What pool_update_function did. */
enum { POOL_ADDED = 0, POOL_UPDATED = 1, POOL_REPLACED = 2 };

/* Adds or changes a function, taking over cfg's contents (cfg is zeroed). When only scaling
 * settings changed (reserved, provisioned) they apply in place (POOL_UPDATED); any other change
 * makes a new configuration (POOL_REPLACED): waiting invocations move to it, the old
 * configuration's idle environments stop at once and its busy ones as soon as their invocation
 * is answered, so no in-flight invocation fails. POOL_ADDED for a new name. */
int pool_update_function(struct pool *p, struct function_config *cfg);
/* Removes version of function name (every version when NULL): its waiting invocations fail,
 * its environments stop as in a replacement. 0 or -ENOENT. */
int pool_remove_function(struct pool *p, const char *name, const char *version);
/* The configuration of function name's $LATEST, or NULL (borrowed, valid until the function is
 * updated or removed). */
const struct function_config *pool_function(const struct pool *p, const char *name);
/* The i-th current configuration (any function, any version; 0 <= i < pool_n_functions), or
 * NULL when i is past the last: iterate from 0 until NULL without updating the pool meanwhile
 * (borrowed, valid until that configuration is updated or removed; indexes change when a
 * function is removed). */
const struct function_config *pool_function_at(const struct pool *p, size_t i);
/* The same for a version ("$LATEST" or a published number), or NULL. */
const struct function_config *pool_function_version(const struct pool *p, const char *name,
                                                    const char *version);
/* How many function versions the pool has. */
size_t pool_n_functions(const struct pool *p);
/* How many of the provisioned environments of name's version have finished their init. */
size_t pool_provisioned_ready(const struct pool *p, const char *name, const char *version);
/* Runs inv on an environment of inv->function's inv->version; inv_complete() is called exactly
 * once, possibly before this returns (spawn failure, or ResourceNotFoundException when that
 * version no longer exists). */
void pool_submit(struct pool *p, struct inv *inv);
/* Shutdown: throttles waiting invocations, sends SIGTERM to every environment's process group
 * and SIGKILL after grace_ms; stops the pool's timer. Handles close asynchronously. */
void pool_shutdown(struct pool *p, int grace_ms);
/* metrics_live_fn over the pool (arg: the pool): the live gauges of its i-th function
 * configuration, current or retired (environments alive, idle, busy, asynchronous invocations
 * waiting). */
int pool_metrics_live(void *arg, size_t i, const char **name, struct metrics_live *out);
/* Frees the pool after the loop has finished (uv_run returned). NULL is a no-op. */
void pool_free(struct pool *p);

#endif /* CLAMBDA_SERVER_POOL_H */
