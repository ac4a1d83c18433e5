/* SPDX-License-Identifier: MIT */
/* The environment pool; see pool.h. One 100 ms tick timer expires waiting invocations and
 * reaps idle environments, instead of a timer per waiter: a wait of 1 s needs no finer clock,
 * and there is nothing to close per invocation. */
#include "pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "xalloc.h"

#define POOL_TICK_MS 100

struct pool_fn {
    struct function_config cfg;
    struct env **envs; /* live environments (not stopping) */
    size_t n_envs;
    size_t cap_envs;
    struct inv *wait_head, *wait_tail;
};

struct pool {
    uv_loop_t *loop;
    struct pool_config cfg;
    struct pool_fn **fns;
    size_t n_fns;
    size_t n_envs; /* live environments of every function */
    uv_timer_t tick;
    bool shutting_down;
    bool dispatching; /* inside a dispatch: an environment stopped to make room must not
                       * start a nested round of dispatching */
};

static struct pool_fn *find_fn(const struct pool *p, const char *name)
{
    for (size_t i = 0; i < p->n_fns; i++) {
        if (strcmp(p->fns[i]->cfg.name, name) == 0) {
            return p->fns[i];
        }
    }
    return NULL;
}

const struct function_config *pool_function(const struct pool *p, const char *name)
{
    struct pool_fn *f = find_fn(p, name);
    return f ? &f->cfg : NULL;
}

const struct function_config *pool_function_at(const struct pool *p, size_t i)
{
    return i < p->n_fns ? &p->fns[i]->cfg : NULL;
}

size_t pool_n_functions(const struct pool *p)
{
    return p->n_fns;
}

int pool_add_function(struct pool *p, struct function_config *cfg)
{
    if (find_fn(p, cfg->name)) {
        return -EEXIST;
    }
    struct pool_fn *f = xcalloc(1, sizeof(*f));
    f->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    p->fns = xrealloc(p->fns, (p->n_fns + 1) * sizeof(struct pool_fn *));
    p->fns[p->n_fns++] = f;
    return 0;
}

static void remove_env(struct pool *p, struct pool_fn *f, struct env *e)
{
    for (size_t i = 0; i < f->n_envs; i++) {
        if (f->envs[i] == e) {
            f->envs[i] = f->envs[--f->n_envs];
            p->n_envs--;
            return;
        }
    }
}

/* The idle environment of f used most recently, or NULL. */
static struct env *pick_idle(struct pool_fn *f)
{
    struct env *best = NULL;
    for (size_t i = 0; i < f->n_envs; i++) {
        struct env *e = f->envs[i];
        if (env_available(e) && (best == NULL || env_idle_since(e) > env_idle_since(best))) {
            best = e;
        }
    }
    return best;
}

/* Stops the least recently used idle environment of another function than f. */
static bool reclaim_idle(struct pool *p, const struct pool_fn *f)
{
    struct env *victim = NULL;
    for (size_t i = 0; i < p->n_fns; i++) {
        if (p->fns[i] == f) {
            continue;
        }
        for (size_t j = 0; j < p->fns[i]->n_envs; j++) {
            struct env *e = p->fns[i]->envs[j];
            if (env_available(e) &&
                (victim == NULL || env_idle_since(e) < env_idle_since(victim))) {
                victim = e;
            }
        }
    }
    if (victim) {
        env_stop(victim, SIGKILL, 0); /* on_gone frees its slot now */
    }
    return victim != NULL;
}

static bool can_spawn(struct pool *p, struct pool_fn *f)
{
    if (p->shutting_down) {
        return false;
    }
    if (f->cfg.reserved >= 0 && f->n_envs >= (size_t)f->cfg.reserved) {
        return false;
    }
    return p->n_envs < (size_t)p->cfg.max_envs || reclaim_idle(p, f);
}

static void on_env_idle(struct env *e, void *arg);
static void on_env_gone(struct env *e, void *arg);

/* Starts an environment for inv. False only when limits forbid; a spawn failure completes inv
 * with Runtime.InvalidEntrypoint and counts as handled. */
static bool spawn_for(struct pool *p, struct pool_fn *f, struct inv *inv)
{
    if (!can_spawn(p, f)) {
        return false;
    }
    struct env_config ec = {.loop = p->loop,
                            .fn = &f->cfg,
                            .state_dir = p->cfg.state_dir,
                            .region = p->cfg.region,
                            .account = p->cfg.account,
                            .init_timeout_ms = p->cfg.init_timeout_ms,
                            .extra_env = p->cfg.extra_env,
                            .on_idle = on_env_idle,
                            .on_gone = on_env_gone,
                            .arg = p,
                            .owner = f};
    struct env *e = NULL;
    char err[512];
    if (env_spawn(&ec, inv, &e, err, sizeof(err)) < 0) {
        (void)fprintf(stderr, "clambda: %s: cannot start environment: %s\n", f->cfg.name, err);
        inv_fail(inv, "Runtime.InvalidEntrypoint", err);
        return true;
    }
    if (f->n_envs == f->cap_envs) {
        f->cap_envs = f->cap_envs ? 2 * f->cap_envs : 4;
        f->envs = xrealloc(f->envs, f->cap_envs * sizeof(struct env *));
    }
    f->envs[f->n_envs++] = e;
    p->n_envs++;
    return true;
}

static bool try_dispatch(struct pool *p, struct pool_fn *f, struct inv *inv)
{
    struct env *e = pick_idle(f);
    if (e) {
        env_deliver(e, inv);
        return true;
    }
    return spawn_for(p, f, inv);
}

static struct inv *pop_waiter(struct pool_fn *f)
{
    struct inv *inv = f->wait_head;
    if (inv) {
        f->wait_head = inv->next;
        if (f->wait_head == NULL) {
            f->wait_tail = NULL;
        }
        inv->next = NULL;
    }
    return inv;
}

/* Serves waiting invocations of f while environments can be found. */
static void drain_waiters(struct pool *p, struct pool_fn *f)
{
    while (f->wait_head) {
        struct inv *inv = f->wait_head;
        struct env *e = pick_idle(f);
        if (e == NULL && !can_spawn(p, f)) {
            return;
        }
        (void)pop_waiter(f);
        if (e) {
            env_deliver(e, inv);
        } else {
            (void)spawn_for(p, f, inv);
        }
    }
}

static void on_env_idle(struct env *e, void *arg)
{
    struct pool *p = arg;
    struct pool_fn *f = env_owner(e);
    if (p->shutting_down) {
        env_stop(e, SIGKILL, 0);
        return;
    }
    struct inv *inv = pop_waiter(f);
    if (inv) {
        env_deliver(e, inv);
    }
}

static void on_env_gone(struct env *e, void *arg)
{
    struct pool *p = arg;
    struct pool_fn *f = env_owner(e);
    remove_env(p, f, e);
    if (!p->shutting_down && !p->dispatching) {
        p->dispatching = true;
        drain_waiters(p, f); /* this function first, then whoever waits for a global slot */
        for (size_t i = 0; i < p->n_fns; i++) {
            drain_waiters(p, p->fns[i]);
        }
        p->dispatching = false;
    }
}

void pool_submit(struct pool *p, struct inv *inv)
{
    struct pool_fn *f = find_fn(p, inv->function);
    p->dispatching = true;
    bool done = f->wait_head == NULL && try_dispatch(p, f, inv);
    p->dispatching = false;
    if (done) {
        return;
    }
    inv->wait_until_ns = env_now_ns() + (uint64_t)p->cfg.wait_ms * 1000000;
    inv->next = NULL;
    if (f->wait_tail) {
        f->wait_tail->next = inv;
    } else {
        f->wait_head = inv;
    }
    f->wait_tail = inv;
}

static void throttle(struct pool *p, struct pool_fn *f, struct inv *inv)
{
    bool reserved = f->cfg.reserved >= 0 && f->n_envs >= (size_t)f->cfg.reserved;
    struct inv_result r = {.outcome = INV_THROTTLED,
                           .reason = reserved ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                              : "ConcurrentInvocationLimitExceeded"};
    (void)p;
    inv_complete(inv, &r);
}

/* Throttles sync waiters whose wait is over (async ones wait for as long as it takes). */
static void expire_waiters(struct pool *p, struct pool_fn *f, uint64_t now, bool all)
{
    struct inv **link = &f->wait_head;
    f->wait_tail = NULL;
    while (*link) {
        struct inv *inv = *link;
        if (all || (!inv->is_async && now >= inv->wait_until_ns)) {
            *link = inv->next;
            inv->next = NULL;
            throttle(p, f, inv);
            continue;
        }
        f->wait_tail = inv;
        link = &inv->next;
    }
}

static void reap_idle(struct pool *p, struct pool_fn *f, uint64_t now)
{
    uint64_t keep = (uint64_t)p->cfg.keep_warm_s * 1000000000ULL;
    for (size_t i = f->n_envs; i-- > 0;) { /* backwards: stopping swaps the last one in */
        struct env *e = f->envs[i];
        if (env_available(e) && now - env_idle_since(e) >= keep) {
            env_stop(e, SIGKILL, 0); /* no extensions: AWS kills at once */
        }
    }
}

static void on_tick(uv_timer_t *t)
{
    struct pool *p = t->data;
    uint64_t now = env_now_ns();
    for (size_t i = 0; i < p->n_fns; i++) {
        expire_waiters(p, p->fns[i], now, false);
        reap_idle(p, p->fns[i], now);
    }
}

void pool_new(uv_loop_t *loop, const struct pool_config *cfg, struct pool **out)
{
    struct pool *p = xcalloc(1, sizeof(*p));
    p->loop = loop;
    p->cfg = *cfg;
    (void)uv_timer_init(loop, &p->tick);
    p->tick.data = p;
    (void)uv_timer_start(&p->tick, on_tick, POOL_TICK_MS, POOL_TICK_MS);
    uv_unref((uv_handle_t *)&p->tick); /* never keeps the loop alive by itself */
    *out = p;
}

void pool_shutdown(struct pool *p, int grace_ms)
{
    if (p->shutting_down) {
        return;
    }
    p->shutting_down = true;
    uv_close((uv_handle_t *)&p->tick, NULL);
    for (size_t i = 0; i < p->n_fns; i++) {
        struct pool_fn *f = p->fns[i];
        expire_waiters(p, f, 0, true);
        for (size_t j = f->n_envs; j-- > 0;) {
            env_stop(f->envs[j], SIGTERM, grace_ms);
        }
    }
}

void pool_free(struct pool *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n_fns; i++) {
        func_config_fini(&p->fns[i]->cfg);
        free(p->fns[i]->envs);
        free(p->fns[i]);
    }
    free(p->fns);
    free(p);
}
