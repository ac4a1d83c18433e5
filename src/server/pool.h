/* SPDX-License-Identifier: MIT */
/* The environment pool: which environment serves an invocation. A warm idle environment of the
 * function is reused (most recently used first); otherwise a new one is started if the
 * function's reserved concurrency and the server-wide limit allow (an idle environment of
 * another function is reclaimed to make room); otherwise synchronous invocations wait up to
 * wait_ms and are then throttled (429), asynchronous ones wait in the in-memory queue until an
 * environment frees up. Idle environments are stopped after keep_warm_s (scale to zero). */
#ifndef CLAMBDA_SERVER_POOL_H
#define CLAMBDA_SERVER_POOL_H

#include <stddef.h>
#include <uv.h>

#include "func.h"
#include "inv.h"

struct pool;

/* Pool settings; strings are borrowed and must outlive the pool. */
struct pool_config {
    const char *state_dir;
    const char *region;
    const char *account;
    int max_envs;           /* server-wide concurrency (environments alive) */
    int keep_warm_s;        /* idle time before an environment is stopped */
    int wait_ms;            /* how long a sync invoke waits for an environment before 429 */
    int init_timeout_ms;    /* init phase limit (AWS: 10 s) */
    char *const *extra_env; /* passed to every runtime ("KEY=VALUE", NULL-terminated) */
};

/* Creates a pool on loop. OUT: *out (pool_free). */
void pool_new(uv_loop_t *loop, const struct pool_config *cfg, struct pool **out);
/* Adds a function, taking over cfg's contents (cfg is zeroed). -EEXIST if the name is taken. */
int pool_add_function(struct pool *p, struct function_config *cfg);
/* The configuration of function name, or NULL (borrowed, valid while the pool lives). */
const struct function_config *pool_function(const struct pool *p, const char *name);
/* The i-th function (0 <= i < pool_n_functions), borrowed as pool_function's result. */
const struct function_config *pool_function_at(const struct pool *p, size_t i);
/* How many functions the pool has. */
size_t pool_n_functions(const struct pool *p);
/* Runs inv on an environment of inv->function (which must exist); inv_complete() is called
 * exactly once, possibly before this returns (spawn failure). */
void pool_submit(struct pool *p, struct inv *inv);
/* Shutdown: throttles waiting invocations, sends SIGTERM to every environment's process group
 * and SIGKILL after grace_ms; stops the pool's timer. Handles close asynchronously. */
void pool_shutdown(struct pool *p, int grace_ms);
/* Frees the pool after the loop has finished (uv_run returned). NULL is a no-op. */
void pool_free(struct pool *p);

#endif /* CLAMBDA_SERVER_POOL_H */
