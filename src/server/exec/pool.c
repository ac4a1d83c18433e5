/* SPDX-License-Identifier: MIT */
/* The environment pool; see pool.h. One 100 ms tick timer expires waiting invocations and
 * reaps idle environments, instead of a timer per waiter: a wait of 1 s needs no finer clock,
 * and there is nothing to close per invocation. Environments are reached only through
 * p->ops (struct env_ops, exec/env.h) and report back through on_env_idle, on_env_gone and
 * on_env_retry; docs/internals/pool.md draws both directions. */
#include "exec/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/func.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "exec/cpuplace.h"
#include "exec/env.h"
#include "sandbox_full.h"

#define POOL_TICK_MS 100

/* One configuration of a function. A code or configuration change replaces it with a new one
 * and retires the old: its idle environments stop at once, busy ones when their invocation is
 * answered, and the record is freed with its last environment (envs borrow its cfg). */
struct pool_fn {
    struct function_config cfg;
    struct env **envs; /* live environments (not stopping) */
    size_t n_envs;
    size_t cap_envs;
    struct inv *wait_head, *wait_tail;
    bool is_retired;
    struct sandbox_full_fn *sbx; /* full isolation: cgroup parent, made at the first spawn */
    uint64_t prov_retry_ns;      /* provisioned: no new attempt before this time */
    uint64_t prov_backoff_ms;    /* doubles after each failed provisioned init, up to 60 s */
};

struct pool {
    uv_loop_t *loop;
    struct pool_config cfg;
    const struct env_ops *ops; /* the only way to environments (cfg.env_ops or the default) */
    struct pool_fn **fns;      /* current configurations */
    size_t n_fns;
    struct pool_fn **retired; /* replaced or removed, with environments still alive */
    size_t n_retired;
    size_t n_envs; /* live environments of every function */
    uv_timer_t tick;
    bool shutting_down;
    bool dispatching; /* inside a dispatch: an environment stopped to make room must not
                       * start a nested round of dispatching */
    bool retiring;    /* inside retire(): the retired record must outlive the loop */
};

/* The configuration record an environment was started for. */
static struct pool_fn *owner_of(const struct pool *p, const struct env *e)
{
    return p->ops->config(e)->owner;
}

static bool is_provisioned(const struct pool *p, const struct env *e)
{
    return p->ops->config(e)->provisioned;
}

/* The index in p->fns of name's version, or p->n_fns. */
static size_t fn_index(const struct pool *p, const char *name, const char *version)
{
    for (size_t i = 0; i < p->n_fns; i++) {
        const struct function_config *c = &p->fns[i]->cfg;
        if (strcmp(c->name, name) == 0 && strcmp(c->version, version) == 0) {
            return i;
        }
    }
    return p->n_fns;
}

static struct pool_fn *find_fn(const struct pool *p, const char *name, const char *version)
{
    size_t i = fn_index(p, name, version);
    return i < p->n_fns ? p->fns[i] : NULL;
}

const struct function_config *pool_function(const struct pool *p, const char *name)
{
    return pool_function_version(p, name, "$LATEST");
}

const struct function_config *pool_function_version(const struct pool *p, const char *name,
                                                    const char *version)
{
    struct pool_fn *f = find_fn(p, name, version);
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

static struct pool_fn *fn_new(struct function_config *cfg)
{
    struct pool_fn *f = xcalloc(1, sizeof(*f));
    f->cfg = *cfg;
    memset(cfg, 0, sizeof(*cfg));
    return f;
}

static void fn_free(struct pool_fn *f)
{
    sandbox_full_fn_free(f->sbx);
    func_config_fini(&f->cfg);
    free(f->envs);
    free(f);
}

static void ensure_provisioned(struct pool *p, struct pool_fn *f);

int pool_add_function(struct pool *p, struct function_config *cfg)
{
    if (find_fn(p, cfg->name, cfg->version)) {
        return -EEXIST;
    }
    struct pool_fn *f = fn_new(cfg);
    p->fns = xrealloc(p->fns, (p->n_fns + 1) * sizeof(struct pool_fn *));
    p->fns[p->n_fns++] = f;
    ensure_provisioned(p, f);
    return 0;
}

/* How many environments but e have an invocation they are still working on (one that has
 * answered and is about to ask for its next event does not count). */
static size_t busy_others(const struct pool *p, const struct env *e)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_fns + p->n_retired; i++) {
        const struct pool_fn *f = i < p->n_fns ? p->fns[i] : p->retired[i - p->n_fns];
        for (size_t j = 0; j < f->n_envs; j++) {
            const struct env *o = f->envs[j];
            n += o != e && p->ops->has_invocation(o) &&
                 !(p->ops->finishing != NULL && p->ops->finishing(o));
        }
    }
    return n;
}

/* --cpu-affinity auto, as an invocation goes to e: while invocations come one at a time e
 * shares the server's CPU (exec/cpuplace.h), else the server and every environment pinned
 * before get all CPUs back. Nothing to do, the common case, costs the scan of busy_others. */
static void place_for(struct pool *p, struct env *e)
{
    struct cpuplace *cp = p->cfg.place;
    if (cp == NULL || !cp->enabled || p->ops->set_cpus == NULL) {
        return;
    }
    bool pin = cpuplace_wants_pin(cp, busy_others(p, e), p->ops->config(e)->fn->memory_mb,
                                  p->ops->now_ns());
    cpu_set_t set;
    cpu_set_t apart;
    if (pin) {
        if (cpuplace_is_pinned(cp, e)) {
            return;
        }
        int cpu = cpuplace_pin_self(cp);
        if (cpu >= 0 && cpuplace_add_pinned(cp, e)) {
            cpuplace_env_set(cp, cpu, &set);
            cpuplace_apart_set(cp, cpu, &apart);
            p->ops->set_cpus(e, &set, &apart);
        }
        return;
    }
    if (cp->n_pinned == 0 && cp->server_cpu < 0) {
        return;
    }
    cpuplace_env_set(cp, -1, &set);
    while (cp->n_pinned > 0) {
        struct env *o = (struct env *)(uintptr_t)cp->pinned[cp->n_pinned - 1];
        cpuplace_forget(cp, o);
        p->ops->set_cpus(o, &set, &set);
    }
    cpuplace_free_self(cp);
}

/* A new environment was started by a server pinned to one CPU, and inherited it (a parked
 * one too): every CPU, until place_for decides. */
static void place_new(struct pool *p, struct env *e)
{
    struct cpuplace *cp = p->cfg.place;
    if (cp != NULL && cp->enabled && p->ops->set_cpus != NULL) {
        cpu_set_t set;
        cpuplace_env_set(cp, -1, &set);
        p->ops->set_cpus(e, &set, &set);
    }
}

static void remove_env(struct pool *p, struct pool_fn *f, struct env *e)
{
    for (size_t i = 0; i < f->n_envs; i++) {
        if (f->envs[i] == e) {
            f->envs[i] = f->envs[--f->n_envs];
            p->n_envs--;
            if (p->cfg.place != NULL) {
                cpuplace_forget(p->cfg.place, e); /* stopping: nothing to give back */
            }
            return;
        }
    }
}

/* The idle environment of f used most recently, or NULL. */
static struct env *pick_idle(const struct pool *p, struct pool_fn *f)
{
    struct env *best = NULL;
    for (size_t i = 0; i < f->n_envs; i++) {
        struct env *e = f->envs[i];
        if (p->ops->available(e) &&
            (best == NULL || p->ops->idle_since(e) > p->ops->idle_since(best))) {
            best = e;
        }
    }
    return best;
}

/* Stops the least recently used idle on-demand environment of another configuration than f
 * (only of f's function, another version, when same_function). */
static bool reclaim_idle(struct pool *p, const struct pool_fn *f, bool same_function)
{
    struct env *victim = NULL;
    for (size_t i = 0; i < p->n_fns; i++) {
        if (p->fns[i] == f || (same_function && strcmp(p->fns[i]->cfg.name, f->cfg.name) != 0)) {
            continue;
        }
        for (size_t j = 0; j < p->fns[i]->n_envs; j++) {
            struct env *e = p->fns[i]->envs[j];
            if (p->ops->available(e) && !is_provisioned(p, e) &&
                (victim == NULL || p->ops->idle_since(e) < p->ops->idle_since(victim))) {
                victim = e;
            }
        }
    }
    if (victim) {
        p->ops->stop(victim, SIGKILL, 0); /* on_gone frees its slot now */
    }
    return victim != NULL;
}

/* The reserved concurrency of f's function: its $LATEST's (set by PutFunctionConcurrency),
 * which every version shares; f's own when there is no $LATEST. */
static int fn_reserved(const struct pool *p, const struct pool_fn *f)
{
    for (size_t i = 0; i < p->n_fns; i++) {
        const struct function_config *c = &p->fns[i]->cfg;
        if (strcmp(c->name, f->cfg.name) == 0 && strcmp(c->version, "$LATEST") == 0) {
            return c->reserved;
        }
    }
    return f->cfg.reserved;
}

/* Environments of every version of f's function: reserved concurrency is per function. */
static size_t function_envs(const struct pool *p, const struct pool_fn *f)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_fns; i++) {
        n += strcmp(p->fns[i]->cfg.name, f->cfg.name) == 0 ? p->fns[i]->n_envs : 0;
    }
    return n;
}

static bool can_spawn(struct pool *p, struct pool_fn *f)
{
    if (p->shutting_down) {
        return false;
    }
    /* an idle environment of another version gives way (concurrency counts executions) */
    int reserved = fn_reserved(p, f);
    while (reserved >= 0 && function_envs(p, f) >= (size_t)reserved) {
        if (!reclaim_idle(p, f, true)) {
            return false;
        }
    }
    return p->n_envs < (size_t)p->cfg.max_envs || reclaim_idle(p, f, false);
}

static void on_env_idle(struct env *e, void *arg);
static void on_env_gone(struct env *e, void *arg);
static bool on_env_retry(struct env *e, struct inv *inv, void *arg);

/* The environment settings of f's runtimes. */
static void env_config_of(struct pool *p, struct pool_fn *f, bool provisioned,
                          struct env_config *ec)
{
    *ec = (struct env_config){.loop = p->loop,
                              .fn = &f->cfg,
                              .state_dir = p->cfg.state_dir,
                              .region = p->cfg.region,
                              .account = p->cfg.account,
                              .init_timeout_ms = p->cfg.init_timeout_ms,
                              .provisioned = provisioned,
                              .extra_env = p->cfg.extra_env,
                              .role_creds = p->cfg.role_creds,
                              .on_idle = on_env_idle,
                              .on_gone = on_env_gone,
                              .on_retry = on_env_retry,
                              .arg = p,
                              .owner = f,
                              .full = p->cfg.full,
                              .sbx_fn = f->sbx,
                              .isolate_net = p->cfg.isolate_net,
                              .metrics = p->cfg.metrics,
                              .log_max_bytes = p->cfg.log_max_bytes,
                              .log_retain_bytes = p->cfg.log_retain_bytes};
}

/* Full isolation: the function's cgroup parent, made once. 0 or -errno with err. */
static int prepare_fn(struct pool *p, struct pool_fn *f, char *err, size_t errlen)
{
    struct sandbox_diag d = {0, ""};
    if (p->cfg.full == NULL || f->sbx != NULL) {
        return 0;
    }
    int rc = sandbox_full_fn_new(p->cfg.full, f->cfg.name, &f->sbx, &d);
    if (rc < 0) {
        (void)snprintf(err, errlen, "cannot prepare its sandbox: %s", d.msg);
    }
    return rc;
}

/* Starts an environment of f for inv (NULL: a provisioned one; suppressed: a retried init,
 * see env.h). 0 or -errno with err. */
static int start_env(struct pool *p, struct pool_fn *f, struct inv *inv, bool suppressed, char *err,
                     size_t errlen)
{
    int rc = prepare_fn(p, f, err, errlen);
    if (rc < 0) {
        return rc;
    }
    struct env_config ec;
    env_config_of(p, f, inv == NULL, &ec);
    ec.suppressed_init = suppressed;
    struct env *e = NULL;
    rc = p->ops->spawn(&ec, inv, &e, err, errlen);
    if (rc < 0) {
        return rc;
    }
    if (f->n_envs == f->cap_envs) {
        f->cap_envs = f->cap_envs ? 2 * f->cap_envs : 4;
        f->envs = xrealloc(f->envs, f->cap_envs * sizeof(struct env *));
    }
    f->envs[f->n_envs++] = e;
    p->n_envs++;
    place_new(p, e);
    if (inv != NULL) {
        place_for(p, e);
    }
    return 0;
}

/* Starts an environment for inv (suppressed: a retried init). False only when limits forbid;
 * a spawn failure completes inv with Runtime.InvalidEntrypoint and counts as handled. */
static bool spawn_env(struct pool *p, struct pool_fn *f, struct inv *inv, bool suppressed)
{
    if (!can_spawn(p, f)) {
        return false;
    }
    char err[512];
    if (start_env(p, f, inv, suppressed, err, sizeof(err)) < 0) {
        log_error("%s: cannot start environment: %s", f->cfg.name, err);
        inv_fail(inv, "Runtime.InvalidEntrypoint", err);
    }
    return true;
}

static bool spawn_for(struct pool *p, struct pool_fn *f, struct inv *inv)
{
    return spawn_env(p, f, inv, false);
}

/* A failed on-demand init: the invocation that waited for it gets a fresh environment that
 * re-runs init inside it, in the failed one's slot (which is freed first, so a reserved
 * concurrency of 1 still allows it). */
static bool on_env_retry(struct env *e, struct inv *inv, void *arg)
{
    struct pool *p = arg;
    struct pool_fn *f = owner_of(p, e);
    remove_env(p, f, e); /* on_gone will find nothing left to remove */
    bool was = p->dispatching;
    p->dispatching = true;
    bool taken = spawn_env(p, f, inv, true);
    p->dispatching = was;
    return taken;
}

static size_t count_provisioned(const struct pool *p, const struct pool_fn *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_envs; i++) {
        n += is_provisioned(p, f->envs[i]);
    }
    return n;
}

/* A provisioned environment failed to start or to init: wait before the next attempt
 * (1 s, doubling up to 60 s), so a broken function does not spin. */
static void provisioned_failed(const struct pool *p, struct pool_fn *f)
{
    f->prov_backoff_ms = f->prov_backoff_ms ? 2 * f->prov_backoff_ms : 1000;
    if (f->prov_backoff_ms > 60000) {
        f->prov_backoff_ms = 60000;
    }
    f->prov_retry_ns = p->ops->now_ns() + f->prov_backoff_ms * 1000000;
}

/* Starts provisioned environments until f has cfg.provisioned of them (within the limits;
 * they never displace another function's provisioned environments). */
static void ensure_provisioned(struct pool *p, struct pool_fn *f)
{
    if (p->shutting_down || f->is_retired || p->ops->now_ns() < f->prov_retry_ns) {
        return;
    }
    for (size_t n = count_provisioned(p, f); n < (size_t)f->cfg.provisioned; n++) {
        if (!can_spawn(p, f)) {
            return;
        }
        char err[512];
        if (start_env(p, f, NULL, false, err, sizeof(err)) < 0) {
            log_error("%s: cannot start provisioned environment: %s", f->cfg.name, err);
            provisioned_failed(p, f);
            return;
        }
    }
}

/* True when f runs as many invocations as its reserved concurrency allows (warm idle
 * environments beyond it, left from a higher setting, must not be used either). */
static bool at_reserved_limit(const struct pool *p, const struct pool_fn *f)
{
    int reserved = fn_reserved(p, f);
    if (reserved < 0) {
        return false;
    }
    size_t busy = 0; /* of every version: the reservation is the function's */
    for (size_t k = 0; k < p->n_fns; k++) {
        const struct pool_fn *g = p->fns[k];
        for (size_t i = 0; strcmp(g->cfg.name, f->cfg.name) == 0 && i < g->n_envs; i++) {
            busy += p->ops->has_invocation(g->envs[i]);
        }
    }
    return busy >= (size_t)reserved;
}

/* True when an environment of f has answered its caller and is finishing its invocation
 * (extensions' post-runtime work): a sequential client's next request should wait for it. */
static bool finishing_env(const struct pool *p, const struct pool_fn *f)
{
    for (size_t i = 0; p->ops->finishing && i < f->n_envs; i++) {
        if (p->ops->finishing(f->envs[i])) {
            return true;
        }
    }
    return false;
}

static bool try_dispatch(struct pool *p, struct pool_fn *f, struct inv *inv)
{
    if (at_reserved_limit(p, f)) {
        return false;
    }
    struct env *e = pick_idle(p, f);
    if (e) {
        place_for(p, e);
        p->ops->deliver(e, inv);
        return true;
    }
    if (finishing_env(p, f)) {
        return false; /* wait for it (on_env_idle) rather than cold-start, as AWS does */
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
    while (f->wait_head && !at_reserved_limit(p, f)) {
        struct inv *inv = f->wait_head;
        struct env *e = pick_idle(p, f);
        if (e == NULL && !can_spawn(p, f)) {
            return;
        }
        (void)pop_waiter(f);
        if (e) {
            place_for(p, e);
            p->ops->deliver(e, inv);
        } else {
            (void)spawn_for(p, f, inv);
        }
    }
}

/* True when an invocation of another version of f's function waits. */
static bool sibling_waits(const struct pool *p, const struct pool_fn *f)
{
    for (size_t i = 0; i < p->n_fns; i++) {
        const struct pool_fn *g = p->fns[i];
        if (g != f && g->wait_head && strcmp(g->cfg.name, f->cfg.name) == 0) {
            return true;
        }
    }
    return false;
}

static void on_env_idle(struct env *e, void *arg)
{
    struct pool *p = arg;
    struct pool_fn *f = owner_of(p, e);
    if (p->shutting_down || f->is_retired) {
        p->ops->stop(e, SIGKILL, 0); /* a retired configuration's environment is done */
        return;
    }
    if (is_provisioned(p, e)) {
        f->prov_backoff_ms = 0;
    }
    struct inv *inv = at_reserved_limit(p, f) ? NULL : pop_waiter(f);
    if (inv) {
        place_for(p, e);
        p->ops->deliver(e, inv);
    } else if (fn_reserved(p, f) >= 0 && !at_reserved_limit(p, f) && !is_provisioned(p, e) &&
               sibling_waits(p, f)) {
        /* its slot of the reserved concurrency goes to a waiter of another version
         * (on_env_gone serves the waiters) */
        p->ops->stop(e, SIGKILL, 0);
    }
}

static void drop_retired(struct pool *p, struct pool_fn *f)
{
    for (size_t i = 0; i < p->n_retired; i++) {
        if (p->retired[i] == f) {
            p->retired[i] = p->retired[--p->n_retired];
            fn_free(f);
            return;
        }
    }
}

static void on_env_gone(struct env *e, void *arg)
{
    struct pool *p = arg;
    struct pool_fn *f = owner_of(p, e);
    remove_env(p, f, e);
    if (is_provisioned(p, e) && !p->ops->initialised(e) && !f->is_retired) {
        provisioned_failed(p, f);
    }
    if (f->is_retired) {
        if (f->n_envs == 0 && !p->retiring) {
            drop_retired(p, f);
        }
        f = NULL;
    }
    if (!p->shutting_down && !p->dispatching) {
        p->dispatching = true;
        if (f) {
            drain_waiters(p, f); /* this function first, then whoever waits for a slot */
        }
        for (size_t i = 0; i < p->n_fns; i++) {
            drain_waiters(p, p->fns[i]);
        }
        p->dispatching = false;
    }
}

static void throttle(struct pool *p, struct pool_fn *f, struct inv *inv);

void pool_submit(struct pool *p, struct inv *inv)
{
    struct pool_fn *f = find_fn(p, inv->function, inv->version);
    if (f == NULL) { /* removed since the caller looked it up (a queued event) */
        inv_fail(inv, "ResourceNotFoundException", "Function not found");
        return;
    }
    if (!inv->is_async && fn_reserved(p, f) == 0) {
        throttle(p, f, inv); /* reserved concurrency 0: no environment will ever free up */
        return;
    }
    p->dispatching = true;
    bool done = f->wait_head == NULL && try_dispatch(p, f, inv);
    p->dispatching = false;
    if (done) {
        return;
    }
    inv->wait_until_ns = p->ops->now_ns() + (uint64_t)p->cfg.wait_ms * 1000000;
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
    int limit = fn_reserved(p, f);
    bool reserved = at_reserved_limit(p, f) || (limit >= 0 && function_envs(p, f) >= (size_t)limit);
    struct inv_result r = {.outcome = INV_THROTTLED,
                           .reason = reserved ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                              : "ConcurrentInvocationLimitExceeded"};
    if (p->cfg.metrics) {
        metrics_throttle(p->cfg.metrics, inv->function);
    }
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
            /* it waited for a finishing environment: cold-start after all when allowed */
            bool was = p->dispatching;
            p->dispatching = true;
            if (all || at_reserved_limit(p, f) || !spawn_env(p, f, inv, false)) {
                throttle(p, f, inv);
            }
            p->dispatching = was;
            continue;
        }
        f->wait_tail = inv;
        link = &inv->next;
    }
}

/* Stops idle on-demand environments after keep-warm, and provisioned ones beyond the
 * function's provisioned count (after it was lowered). */
static void reap_idle(struct pool *p, struct pool_fn *f, uint64_t now)
{
    uint64_t keep = (uint64_t)p->cfg.keep_warm_s * 1000000000ULL;
    size_t n_prov = count_provisioned(p, f);
    for (size_t i = f->n_envs; i-- > 0;) { /* backwards: stopping swaps the last one in */
        struct env *e = f->envs[i];
        if (!p->ops->available(e)) {
            continue;
        }
        if (is_provisioned(p, e) && n_prov > (size_t)f->cfg.provisioned) {
            n_prov--;
            p->ops->stop(e, SIGKILL, 0);
        } else if (!is_provisioned(p, e) && now - p->ops->idle_since(e) >= keep) {
            p->ops->stop(e, SIGKILL, 0); /* no extensions: AWS kills at once */
        }
    }
}

/* Full isolation: keeps one set-up environment ready per function, so that the next cold
 * start only execs (see env_prepare). Failures show when an environment is really needed. */
static void prepare_next(struct pool *p, struct pool_fn *f)
{
    char err[256];
    struct env_config ec;
    if (p->cfg.full == NULL || p->shutting_down || prepare_fn(p, f, err, sizeof(err)) < 0) {
        return;
    }
    env_config_of(p, f, false, &ec);
    (void)p->ops->prepare(&ec, err, sizeof(err));
}

static void on_tick(uv_timer_t *t)
{
    struct pool *p = t->data;
    uint64_t now = p->ops->now_ns();
    for (size_t i = 0; i < p->n_fns; i++) {
        expire_waiters(p, p->fns[i], now, false);
        reap_idle(p, p->fns[i], now);
        prepare_next(p, p->fns[i]);
    }
    p->dispatching = true;
    for (size_t i = 0; i < p->n_fns; i++) {
        ensure_provisioned(p, p->fns[i]);
    }
    p->dispatching = false;
}

/* Fails or hands over f's waiting invocations, stops its environments that hold no
 * invocation, and keeps it in the retired list until its last environment is gone. */
static void retire(struct pool *p, struct pool_fn *f, struct pool_fn *heir)
{
    f->is_retired = true;
    if (heir) {
        heir->wait_head = f->wait_head;
        heir->wait_tail = f->wait_tail;
    } else {
        struct inv *inv;
        while ((inv = pop_waiter(f)) != NULL) {
            inv_fail(inv, "ResourceNotFoundException", "Function was deleted");
        }
    }
    f->wait_head = f->wait_tail = NULL;
    p->retired = xrealloc(p->retired, (p->n_retired + 1) * sizeof(struct pool_fn *));
    p->retired[p->n_retired++] = f;
    p->retiring = true;
    for (size_t i = f->n_envs; i-- > 0;) {
        if (!p->ops->has_invocation(f->envs[i])) {
            p->ops->stop(f->envs[i], SIGKILL, 0);
        }
    }
    p->retiring = false;
    if (f->n_envs == 0) {
        drop_retired(p, f);
    }
}

int pool_update_function(struct pool *p, struct function_config *cfg)
{
    size_t i = fn_index(p, cfg->name, cfg->version);
    if (i == p->n_fns) {
        return pool_add_function(p, cfg);
    }
    struct pool_fn *f = p->fns[i];
    int rc = POOL_UPDATED;
    if (func_config_equal(&f->cfg, cfg)) {
        f->cfg.reserved = cfg->reserved;
        f->cfg.provisioned = cfg->provisioned;
        func_config_move_async(&f->cfg, cfg);
        if (cfg->revision_id) { /* a stored scaling change is a new revision: carry it */
            free(f->cfg.revision_id);
            free(f->cfg.last_modified);
            f->cfg.revision_id = cfg->revision_id;
            f->cfg.last_modified = cfg->last_modified;
            cfg->revision_id = NULL;
            cfg->last_modified = NULL;
        }
        f->prov_backoff_ms = 0;
        f->prov_retry_ns = 0;
        func_config_fini(cfg);
    } else {
        struct pool_fn *nf = fn_new(cfg);
        p->fns[i] = nf;
        retire(p, f, nf);
        f = nf;
        rc = POOL_REPLACED;
    }
    p->dispatching = true;
    drain_waiters(p, f); /* the new configuration may allow more environments */
    ensure_provisioned(p, f);
    p->dispatching = false;
    return rc;
}

size_t pool_provisioned_ready(const struct pool *p, const char *name, const char *version)
{
    size_t i = fn_index(p, name, version);
    size_t n = 0;
    for (size_t k = 0; i < p->n_fns && k < p->fns[i]->n_envs; k++) {
        const struct env *e = p->fns[i]->envs[k];
        n += is_provisioned(p, e) && p->ops->initialised(e);
    }
    return n;
}

int pool_remove_function(struct pool *p, const char *name, const char *version)
{
    int rc = -ENOENT;
    for (size_t i = p->n_fns; i-- > 0;) { /* backwards: removal swaps the last one in */
        struct pool_fn *f = p->fns[i];
        if (strcmp(f->cfg.name, name) == 0 &&
            (version == NULL || strcmp(f->cfg.version, version) == 0)) {
            p->fns[i] = p->fns[--p->n_fns];
            retire(p, f, NULL);
            rc = 0;
        }
    }
    return rc;
}

void pool_new(uv_loop_t *loop, const struct pool_config *cfg, struct pool **out)
{
    struct pool *p = xcalloc(1, sizeof(*p));
    p->loop = loop;
    p->cfg = *cfg;
    p->ops = cfg->env_ops ? cfg->env_ops : &env_default_ops;
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
            p->ops->stop(f->envs[j], SIGTERM, grace_ms);
        }
    }
    p->retiring = true; /* retired records stay until pool_free */
    for (size_t i = 0; i < p->n_retired; i++) {
        struct pool_fn *f = p->retired[i];
        for (size_t j = f->n_envs; j-- > 0;) {
            p->ops->stop(f->envs[j], SIGTERM, grace_ms);
        }
    }
}

void pool_free(struct pool *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->n_fns; i++) {
        fn_free(p->fns[i]);
    }
    for (size_t i = 0; i < p->n_retired; i++) {
        fn_free(p->retired[i]);
    }
    free(p->fns);
    free(p->retired);
    free(p);
}

int pool_metrics_live(void *arg, size_t i, const char **name, struct metrics_live *out)
{
    const struct pool *p = arg;
    if (i >= p->n_fns + p->n_retired) {
        return -ENOENT;
    }
    /* retired configurations too: their busy environments still run */
    const struct pool_fn *f = i < p->n_fns ? p->fns[i] : p->retired[i - p->n_fns];
    *name = f->cfg.name;
    *out = (struct metrics_live){.envs_alive = (long)f->n_envs};
    for (size_t j = 0; j < f->n_envs; j++) {
        out->envs_idle += p->ops->available(f->envs[j]);
        out->concurrent += p->ops->has_invocation(f->envs[j]); /* init of a cold start included */
    }
    for (const struct inv *w = f->wait_head; w; w = w->next) {
        out->queue_depth += w->is_async;
    }
    return 0;
}
