/* SPDX-License-Identifier: MIT */
/* Unit tests of the pool's policy (src/server/exec/pool.c) with a fake environment behind
 * struct env_ops: no process, no socket. The fake keeps the real environment's contract
 * (exec/env.h): an environment spawned with a first invocation runs it as soon as its init
 * ends, an answered invocation is completed before on_idle, stop calls on_gone at once and an
 * attached invocation fails only when the process exits. The test plays the runtimes' side
 * (fake_init, fake_answer, fake_exit) synchronously and owns the clock; the pool's 100 ms tick
 * (waiters' deadlines, keep-warm, provisioned replacements) runs on the real loop (run_tick).
 * The real environment is covered by test_pool.c and the integration tests. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "base/xalloc.h"
#include "exec/env.h"
#include "exec/pool.h"

#define MAX_FAKES 32
#define MAX_SUBS  32
#define SEC       1000000000ULL
#define MS        1000000ULL

/* One fake environment; the pool sees it as a struct env. */
struct fake_env {
    struct env_config cfg;
    struct inv *inv;  /* attached invocation */
    bool initialised; /* the runtime's first `next` came */
    bool waiting;     /* a `next` is waiting: idle */
    bool gone;        /* on_gone sent (stopped or exited) */
    bool exited;
    bool finishing; /* answered at /response, extensions still at work */
    int stop_sig;   /* 0 until stopped */
    uint64_t idle_ns;
};

/* One submitted invocation and how it ended. */
struct sub {
    char tag[8];
    struct inv *inv; /* NULL once completed (and freed) */
    bool done;
    enum inv_outcome outcome;
    char reason[64];
    char body[256];
};

static struct {
    uint64_t now;
    struct fake_env *envs[MAX_FAKES]; /* every spawned environment, in spawn order */
    int n_envs;
    int fail_spawn; /* the next spawns fail */
    int n_prepared;
    struct sub subs[MAX_SUBS];
    int n_subs;
    uv_loop_t loop;
    struct pool *pool;
} fk;

static struct fake_env *fake_of(struct env *e)
{
    return (struct fake_env *)e;
}

static const struct fake_env *cfake_of(const struct env *e)
{
    return (const struct fake_env *)e;
}

static struct env *env_of(struct fake_env *fe)
{
    return (struct env *)fe;
}

/* ---- the fake environment: struct env_ops ---- */

static int fake_spawn(const struct env_config *cfg, struct inv *first, struct env **out, char *err,
                      size_t errlen)
{
    if (fk.fail_spawn > 0) {
        fk.fail_spawn--;
        (void)snprintf(err, errlen, "fork/exec /var/task/bootstrap: no such file");
        return -ENOENT;
    }
    assert_true(fk.n_envs < MAX_FAKES);
    struct fake_env *fe = xcalloc(1, sizeof(*fe));
    fe->cfg = *cfg;
    fe->inv = first;
    fk.envs[fk.n_envs++] = fe;
    *out = env_of(fe);
    return 0;
}

static int fake_prepare(const struct env_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    if (errlen > 0) {
        err[0] = '\0';
    }
    fk.n_prepared++;
    return 0;
}

static bool fake_available(const struct env *e)
{
    const struct fake_env *fe = cfake_of(e);
    return fe->waiting && !fe->gone;
}

static void fake_deliver(struct env *e, struct inv *inv)
{
    struct fake_env *fe = fake_of(e);
    assert_true(fake_available(e)); /* the pool delivers only to available environments */
    assert_null(fe->inv);
    fe->inv = inv;
    fe->waiting = false;
}

static void fake_stop(struct env *e, int sig, int grace_ms)
{
    struct fake_env *fe = fake_of(e);
    (void)grace_ms;
    if (fe->gone) {
        return;
    }
    fe->gone = true;
    fe->waiting = false;
    fe->stop_sig = sig;
    fe->cfg.on_gone(e, fe->cfg.arg);
}

static bool fake_has_invocation(const struct env *e)
{
    return cfake_of(e)->inv != NULL;
}

static bool fake_initialised(const struct env *e)
{
    return cfake_of(e)->initialised;
}

static uint64_t fake_idle_since(const struct env *e)
{
    return cfake_of(e)->idle_ns;
}

static const struct env_config *fake_config(const struct env *e)
{
    return &cfake_of(e)->cfg;
}

static bool fake_finishing(const struct env *e)
{
    const struct fake_env *fe = cfake_of(e);
    return fe->finishing && !fe->gone;
}

static uint64_t fake_now_ns(void)
{
    return fk.now;
}

static const struct env_ops fake_ops = {.spawn = fake_spawn,
                                        .prepare = fake_prepare,
                                        .deliver = fake_deliver,
                                        .stop = fake_stop,
                                        .available = fake_available,
                                        .has_invocation = fake_has_invocation,
                                        .initialised = fake_initialised,
                                        .idle_since = fake_idle_since,
                                        .config = fake_config,
                                        .finishing = fake_finishing,
                                        .now_ns = fake_now_ns};

/* ---- the runtimes' side ---- */

static void become_idle(struct fake_env *fe)
{
    fe->waiting = true;
    fe->idle_ns = fk.now;
    fe->cfg.on_idle(env_of(fe), fe->cfg.arg);
}

/* Environment i's runtime calls `next` for the first time: the invocation it was started for
 * runs at once (no on_idle), or it becomes idle. */
static void fake_init(int i)
{
    struct fake_env *fe = fk.envs[i];
    assert_false(fe->gone);
    assert_false(fe->initialised);
    fe->initialised = true;
    if (fe->inv == NULL) {
        become_idle(fe);
    }
}

/* Environment i's runtime answers its invocation and calls `next` again. */
static void fake_answer(int i)
{
    struct fake_env *fe = fk.envs[i];
    assert_true(fe->initialised);
    assert_non_null(fe->inv);
    struct inv *inv = fe->inv;
    fe->inv = NULL;
    struct inv_result r = {.outcome = INV_OK, .body = (const uint8_t *)"\"ok\"", .len = 4};
    inv_complete(inv, &r);
    if (!fe->gone) {
        become_idle(fe);
    }
}

/* Environment i's runtime posts its result (the caller is answered) while its extensions still
 * work on the invocation; fake_finish(i) ends it. */
static void fake_respond(int i)
{
    struct fake_env *fe = fk.envs[i];
    struct inv *inv = fe->inv;
    fe->inv = NULL;
    fe->finishing = true;
    struct inv_result r = {.outcome = INV_OK, .body = (const uint8_t *)"\"ok\"", .len = 4};
    inv_complete(inv, &r);
}

static void fake_finish(int i)
{
    struct fake_env *fe = fk.envs[i];
    fe->finishing = false;
    become_idle(fe);
}

/* Environment i's process exits (a crash, or the end after a stop): an attached invocation
 * fails, or during an on-demand init it is offered to the pool for a suppressed init. */
static void fake_exit(int i)
{
    struct fake_env *fe = fk.envs[i];
    assert_false(fe->exited);
    fe->exited = true;
    fe->waiting = false;
    struct inv *inv = fe->inv;
    fe->inv = NULL;
    bool retry =
        inv && !fe->initialised && !fe->cfg.suppressed_init && fe->cfg.on_retry && !fe->gone;
    if (!(retry && fe->cfg.on_retry(env_of(fe), inv, fe->cfg.arg)) && inv) {
        inv_fail(inv, "Runtime.ExitError", "Runtime exited with error: signal: killed");
    }
    if (!fe->gone) {
        fe->gone = true;
        fe->cfg.on_gone(env_of(fe), fe->cfg.arg);
    }
}

/* ---- invocations ---- */

static void on_done(struct inv *inv, const struct inv_result *r)
{
    for (int i = 0; i < fk.n_subs; i++) {
        struct sub *s = &fk.subs[i];
        if (s->inv == inv) {
            assert_false(s->done); /* exactly once */
            s->done = true;
            s->inv = NULL;
            s->outcome = r->outcome;
            (void)snprintf(s->reason, sizeof(s->reason), "%s", r->reason ? r->reason : "");
            (void)snprintf(s->body, sizeof(s->body), "%.*s", (int)r->len,
                           r->body ? (const char *)r->body : "");
            inv_free(inv);
            return;
        }
    }
    fail_msg("completion of an unknown invocation");
}

static void submit_to(const char *fn, const char *version, const char *tag, bool is_async)
{
    assert_true(fk.n_subs < MAX_SUBS);
    struct sub *s = &fk.subs[fk.n_subs++];
    (void)snprintf(s->tag, sizeof(s->tag), "%s", tag);
    uint8_t *payload = (uint8_t *)xstrdup("{}");
    s->inv =
        inv_new(fn, "arn:aws:lambda:us-east-1:000000000000:function:f", payload, 2, false, on_done);
    s->inv->is_async = is_async;
    if (version) {
        inv_set_version(s->inv, version);
    }
    pool_submit(fk.pool, s->inv);
}

static void submit(const char *tag)
{
    submit_to("f", NULL, tag, false);
}

static struct sub *sub_of(const char *tag)
{
    for (int i = 0; i < fk.n_subs; i++) {
        if (strcmp(fk.subs[i].tag, tag) == 0) {
            return &fk.subs[i];
        }
    }
    fail_msg("no invocation %s", tag);
    return NULL;
}

/* The environment that holds invocation tag, or -1. */
static int env_holding(const char *tag)
{
    const struct sub *s = sub_of(tag);
    for (int i = 0; s->inv && i < fk.n_envs; i++) {
        if (fk.envs[i]->inv == s->inv) {
            return i;
        }
    }
    return -1;
}

static void assert_pending(const char *tag)
{
    assert_false(sub_of(tag)->done);
}

static void assert_ok(const char *tag)
{
    const struct sub *s = sub_of(tag);
    assert_true(s->done);
    assert_int_equal(s->outcome, INV_OK);
}

static void assert_throttled(const char *tag, const char *reason)
{
    const struct sub *s = sub_of(tag);
    assert_true(s->done);
    assert_int_equal(s->outcome, INV_THROTTLED);
    assert_string_equal(s->reason, reason);
}

static void assert_failed(const char *tag, const char *error_type)
{
    const struct sub *s = sub_of(tag);
    assert_true(s->done);
    assert_int_equal(s->outcome, INV_FUNCTION_ERROR);
    assert_non_null(strstr(s->body, error_type));
}

/* ---- the pool ---- */

static void open_pool(int max_envs, int keep_warm_s, int wait_ms)
{
    static char *const no_env[] = {NULL};
    struct pool_config pc = {.state_dir = "/nonexistent",
                             .region = "us-east-1",
                             .account = "000000000000",
                             .max_envs = max_envs,
                             .keep_warm_s = keep_warm_s,
                             .wait_ms = wait_ms,
                             .init_timeout_ms = 10000,
                             .extra_env = no_env,
                             .env_ops = &fake_ops};
    pool_new(&fk.loop, &pc, &fk.pool);
}

/* Adds or changes function name's version (NULL: $LATEST) with settings ("reserved=2", ...,
 * NULL-terminated); returns what pool_update_function did. */
static int put_version(const char *name, const char *version, const char *const *settings)
{
    struct function_config cfg;
    char err[256];
    func_config_init(&cfg, name, "/nonexistent/code");
    if (version) {
        free(cfg.version);
        cfg.version = xstrdup(version);
    }
    for (size_t i = 0; settings && settings[i]; i++) {
        assert_int_equal(func_config_set(&cfg, settings[i], err, sizeof(err)), 0);
    }
    return pool_update_function(fk.pool, &cfg);
}

static int put(const char *name, const char *setting)
{
    const char *settings[] = {setting, NULL};
    return put_version(name, NULL, settings);
}

static void on_tick_wait(uv_timer_t *t)
{
    (void)t;
}

/* Lets the pool's tick run at least once at the fake time fk.now: the tick repeats every
 * 100 ms and is due before this 150 ms timer, which is the only handle keeping the loop
 * alive (libuv runs due timers in order of their due time). */
static void run_tick(void)
{
    uv_timer_t t;
    assert_int_equal(uv_timer_init(&fk.loop, &t), 0);
    assert_int_equal(uv_timer_start(&t, on_tick_wait, 150, 0), 0);
    (void)uv_run(&fk.loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    (void)uv_run(&fk.loop, UV_RUN_DEFAULT);
}

/* Live gauges of f's current configuration (index 0: tests with one function). */
static struct metrics_live live(size_t i)
{
    const char *name = NULL;
    struct metrics_live m = {0, 0, 0, 0};
    assert_int_equal(pool_metrics_live(fk.pool, i, &name, &m), 0);
    return m;
}

static int setup(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof(fk));
    fk.now = 1000 * SEC;
    assert_int_equal(uv_loop_init(&fk.loop), 0);
    return 0;
}

/* Shuts the pool down (every environment stopped, waiters throttled), lets the processes
 * "exit", and checks that every invocation was completed exactly once. */
static int teardown(void **state)
{
    (void)state;
    if (fk.pool) {
        pool_shutdown(fk.pool, 0);
        (void)uv_run(&fk.loop, UV_RUN_DEFAULT);
    }
    for (int i = 0; i < fk.n_envs; i++) {
        assert_true(fk.envs[i]->gone);
        if (!fk.envs[i]->exited) {
            fake_exit(i);
        }
    }
    pool_free(fk.pool);
    for (int i = 0; i < fk.n_envs; i++) {
        free(fk.envs[i]);
    }
    for (int i = 0; i < fk.n_subs; i++) {
        assert_true(fk.subs[i].done);
    }
    assert_int_equal(uv_loop_close(&fk.loop), 0);
    return 0;
}

/* ---- reuse and scale-out ---- */

static void test_pool_submit_reuses_warm_env(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    assert_int_equal(put("f", NULL), POOL_ADDED);
    submit("a");
    assert_int_equal(fk.n_envs, 1); /* a cold start for a */
    assert_false(fk.envs[0]->cfg.provisioned);
    assert_false(fk.envs[0]->cfg.suppressed_init);
    assert_int_equal(env_holding("a"), 0);
    fake_init(0);
    fake_answer(0);
    assert_ok("a");
    assert_true(fake_available(env_of(fk.envs[0])));

    submit("b"); /* warm: the same environment, nothing spawned */
    assert_int_equal(fk.n_envs, 1);
    assert_int_equal(env_holding("b"), 0);
    fake_answer(0);
    assert_ok("b");
}

/* A sequential client's next request waits for the environment that answered it and is
 * finishing (extensions after the answer) rather than cold-start. */
static void test_pool_submit_waits_for_finishing_env(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    assert_int_equal(put("f", NULL), POOL_ADDED);
    submit("a");
    fake_init(0);
    fake_respond(0);
    assert_ok("a");
    submit("b");
    assert_int_equal(fk.n_envs, 1);
    assert_pending("b");
    fake_finish(0);
    assert_int_equal(env_holding("b"), 0);
    fake_answer(0);
    assert_ok("b");
}

/* ... but only for the throttle wait: then it cold-starts when it may. */
static void test_pool_finishing_env_too_slow_cold_starts(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    assert_int_equal(put("f", NULL), POOL_ADDED);
    submit("a");
    fake_init(0);
    fake_respond(0);
    submit("b");
    assert_pending("b");
    fk.now += 1000 * MS;
    run_tick();
    assert_int_equal(fk.n_envs, 2);
    assert_int_equal(env_holding("b"), 1);
    fake_init(1);
    fake_answer(1);
    assert_ok("b");
    fake_finish(0);
}

static void test_pool_submit_picks_most_recently_used(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", NULL);
    submit("a");
    submit("b");
    fake_init(0);
    fake_init(1);
    fake_answer(0);
    fk.now += SEC;
    fake_answer(1); /* environment 1 is idle since later */
    submit("c");
    assert_int_equal(env_holding("c"), 1);
    fk.now += SEC;
    fake_answer(1);
    submit("d");
    assert_int_equal(env_holding("d"), 1);
    submit("e"); /* 1 is busy: the other warm one, still no spawn */
    assert_int_equal(env_holding("e"), 0);
    assert_int_equal(fk.n_envs, 2);
    fake_answer(0);
    fake_answer(1);
}

static void test_pool_submit_scales_out(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", NULL);
    submit("a");
    submit("b");
    submit("c");
    assert_int_equal(fk.n_envs, 3); /* one environment per concurrent invocation */
    assert_int_equal(env_holding("a"), 0);
    assert_int_equal(env_holding("b"), 1);
    assert_int_equal(env_holding("c"), 2);
    struct metrics_live m = live(0);
    assert_int_equal(m.envs_alive, 3);
    assert_int_equal(m.concurrent, 3); /* an init of a cold start counts */
    assert_int_equal(m.envs_idle, 0);
    for (int i = 0; i < 3; i++) {
        fake_init(i);
        fake_answer(i);
    }
    assert_ok("a");
    assert_ok("b");
    assert_ok("c");
    m = live(0);
    assert_int_equal(m.envs_idle, 3);
    assert_int_equal(m.concurrent, 0);
}

static void test_pool_submit_spawn_failure_fails_invocation(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", NULL);
    fk.fail_spawn = 1;
    submit("a");
    assert_failed("a", "Runtime.InvalidEntrypoint");
    assert_int_equal(live(0).envs_alive, 0);
    submit("b"); /* the next one tries again */
    assert_int_equal(fk.n_envs, 1);
    fake_init(0);
    fake_answer(0);
    assert_ok("b");
}

static void test_pool_submit_unknown_function(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    submit_to("nope", NULL, "a", false);
    assert_failed("a", "ResourceNotFoundException");
    assert_int_equal(fk.n_envs, 0);
}

/* ---- limits and throttling ---- */

static void test_pool_reserved_limit_waits_then_throttles(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=2");
    submit("a");
    submit("b");
    submit("c");                     /* sync: waits up to wait_ms */
    submit_to("f", NULL, "d", true); /* async: waits as long as it takes */
    assert_int_equal(fk.n_envs, 2);
    assert_pending("c");
    assert_int_equal(live(0).queue_depth, 1);

    fk.now += 999 * MS;
    run_tick();
    assert_pending("c"); /* its wait is not over */
    fk.now += 1 * MS;
    run_tick();
    assert_throttled("c", "ReservedFunctionConcurrentInvocationLimitExceeded");
    fk.now += 3600 * SEC;
    run_tick();
    assert_pending("d");

    fake_init(0);
    fake_answer(0); /* a slot frees: the async waiter takes the warm environment */
    assert_ok("a");
    assert_int_equal(env_holding("d"), 0);
    assert_int_equal(fk.n_envs, 2);
    fake_answer(0);
    assert_ok("d");
    fake_init(1);
    fake_answer(1);
}

static void test_pool_reserved_waiter_served_before_deadline(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    submit("b");
    assert_int_equal(fk.n_envs, 1);
    fake_init(0);
    fk.now += 500 * MS;
    fake_answer(0); /* within b's wait: b runs on the same environment */
    assert_ok("a");
    assert_int_equal(env_holding("b"), 0);
    fk.now += 5 * SEC;
    run_tick(); /* a running invocation is not throttled */
    assert_pending("b");
    fake_answer(0);
    assert_ok("b");
    assert_int_equal(fk.n_envs, 1);
}

static void test_pool_reserved_zero_throttles(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=0");
    submit("a");
    assert_int_equal(fk.n_envs, 0);
    fk.now += SEC;
    run_tick();
    assert_throttled("a", "ReservedFunctionConcurrentInvocationLimitExceeded");
}

static void test_pool_reserved_limit_ignores_extra_warm_envs(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", NULL);
    submit("a");
    submit("b");
    fake_init(0);
    fake_init(1);
    fake_answer(0);
    fake_answer(1);
    assert_int_equal(put("f", "reserved=1"), POOL_UPDATED); /* warm environments stay */
    assert_int_equal(live(0).envs_idle, 2);
    submit("c");
    submit("d"); /* a second warm one is idle, but only one may run */
    assert_pending("d");
    assert_int_equal(env_holding("d"), -1);
    fake_answer(env_holding("c"));
    assert_ok("c");
    assert_true(env_holding("d") >= 0);
    fake_answer(env_holding("d"));
    assert_ok("d");
}

static void test_pool_account_limit_throttles(void **state)
{
    (void)state;
    open_pool(2, 300, 1000);
    (void)put("f", NULL);
    (void)put("g", NULL);
    submit("a");
    submit("b");
    submit_to("g", NULL, "c", false); /* both slots busy with f */
    assert_int_equal(fk.n_envs, 2);
    fk.now += SEC;
    run_tick();
    assert_throttled("c", "ConcurrentInvocationLimitExceeded");
    fake_init(0);
    fake_init(1);
    fake_answer(0);
    fake_answer(1);
}

static void test_pool_account_limit_reclaims_idle_env(void **state)
{
    (void)state;
    open_pool(1, 300, 1000);
    (void)put("f", NULL);
    (void)put("g", NULL);
    submit("a");
    fake_init(0);
    fake_answer(0);
    submit_to("g", NULL, "b", false); /* f's idle environment makes room */
    assert_true(fk.envs[0]->gone);
    assert_int_equal(fk.envs[0]->stop_sig, SIGKILL);
    assert_int_equal(fk.n_envs, 2);
    assert_string_equal(fk.envs[1]->cfg.fn->name, "g");
    assert_int_equal(env_holding("b"), 1);
    fake_init(1);
    fake_answer(1);
    assert_ok("b");
}

static void test_pool_reserved_slot_goes_to_other_version(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    (void)put_version("f", "1", NULL);
    submit("a");
    submit_to("f", "1", "b", false); /* the function's one slot is taken by $LATEST */
    assert_int_equal(fk.n_envs, 1);
    fake_init(0);
    fake_answer(0); /* $LATEST's idle environment gives its slot to version 1 */
    assert_ok("a");
    assert_true(fk.envs[0]->gone);
    assert_int_equal(fk.n_envs, 2);
    assert_string_equal(fk.envs[1]->cfg.fn->version, "1");
    assert_int_equal(env_holding("b"), 1);
    fake_init(1);
    fake_answer(1);
    assert_ok("b");
}

/* ---- provisioned concurrency ---- */

static void test_pool_provisioned_started_and_kept(void **state)
{
    (void)state;
    open_pool(8, 60, 1000);
    assert_int_equal(put("f", "provisioned=2"), POOL_ADDED);
    assert_int_equal(fk.n_envs, 2); /* before any invocation */
    for (int i = 0; i < 2; i++) {
        assert_true(fk.envs[i]->cfg.provisioned);
        assert_null(fk.envs[i]->inv);
    }
    assert_int_equal(pool_provisioned_ready(fk.pool, "f", "$LATEST"), 0);
    fake_init(0);
    fake_init(1);
    assert_int_equal(pool_provisioned_ready(fk.pool, "f", "$LATEST"), 2);

    submit("a"); /* served warm by a provisioned environment */
    assert_int_equal(fk.n_envs, 2);
    submit("b");
    submit("c"); /* both busy: spills over to an on-demand environment */
    assert_int_equal(fk.n_envs, 3);
    assert_false(fk.envs[2]->cfg.provisioned);
    assert_int_equal(env_holding("c"), 2);
    fake_answer(env_holding("a"));
    fake_answer(env_holding("b"));
    fake_init(2);
    fake_answer(2);

    fk.now += 3600 * SEC; /* keep-warm stops the on-demand one only */
    run_tick();
    assert_false(fk.envs[0]->gone);
    assert_false(fk.envs[1]->gone);
    assert_true(fk.envs[2]->gone);
    assert_int_equal(live(0).envs_alive, 2);
}

static void test_pool_provisioned_replaced_when_dead(void **state)
{
    (void)state;
    open_pool(8, 60, 1000);
    (void)put("f", "provisioned=1");
    fake_init(0);
    fake_exit(0); /* an initialised one died: replaced at the next tick */
    assert_int_equal(fk.n_envs, 1);
    run_tick();
    assert_int_equal(fk.n_envs, 2);
    assert_true(fk.envs[1]->cfg.provisioned);

    fake_exit(1); /* died in its init: the next attempt waits 1 s, then 2 s */
    run_tick();
    assert_int_equal(fk.n_envs, 2);
    fk.now += SEC;
    run_tick();
    assert_int_equal(fk.n_envs, 3);
    fake_exit(2);
    fk.now += SEC;
    run_tick();
    assert_int_equal(fk.n_envs, 3);
    fk.now += SEC;
    run_tick();
    assert_int_equal(fk.n_envs, 4);
    fake_init(3); /* a good init resets the backoff: the next failure waits 1 s again */
    fake_exit(3);
    run_tick();
    assert_int_equal(fk.n_envs, 5);
    fake_exit(4);
    fk.now += SEC;
    run_tick();
    assert_int_equal(fk.n_envs, 6);
    fake_init(5);
    assert_int_equal(pool_provisioned_ready(fk.pool, "f", "$LATEST"), 1);
}

static void test_pool_provisioned_lowered_stops_extra(void **state)
{
    (void)state;
    open_pool(8, 60, 1000);
    (void)put("f", "provisioned=2");
    fake_init(0);
    fake_init(1);
    assert_int_equal(put("f", "provisioned=1"), POOL_UPDATED);
    run_tick();
    assert_int_equal(fk.envs[0]->gone + fk.envs[1]->gone, 1);
    assert_int_equal(pool_provisioned_ready(fk.pool, "f", "$LATEST"), 1);
}

/* ---- replaced configurations ---- */

static void test_pool_replace_retires_without_failing_inflight(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", NULL);
    submit("a");
    submit("b");
    fake_init(0);
    fake_init(1);
    fake_answer(1); /* 0 busy with a, 1 idle */
    assert_int_equal(put("f", "memory=256"), POOL_REPLACED);
    assert_true(fk.envs[1]->gone); /* the idle one stops at once */
    assert_false(fk.envs[0]->gone);
    assert_pending("a");
    assert_int_equal(live(1).concurrent, 1); /* the retired configuration is still counted */

    submit("c"); /* the new configuration: a new environment */
    assert_int_equal(fk.n_envs, 3);
    assert_int_equal(fk.envs[2]->cfg.fn->memory_mb, 256);
    assert_int_equal(env_holding("c"), 2);

    fake_answer(0); /* a finishes on the retired environment, which then stops */
    assert_ok("a");
    assert_true(fk.envs[0]->gone);
    const char *name = NULL;
    struct metrics_live m;
    assert_int_equal(pool_metrics_live(fk.pool, 1, &name, &m), -ENOENT); /* record freed */
    fake_init(2);
    fake_answer(2);
    assert_ok("c");
}

static void test_pool_replace_moves_waiters(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    submit("b"); /* waits for the function's one slot */
    assert_int_equal(fk.n_envs, 1);
    const char *settings[] = {"reserved=1", "timeout=9", NULL};
    assert_int_equal(put_version("f", NULL, settings), POOL_REPLACED);
    /* the retired busy environment no longer counts: b starts on the new configuration */
    assert_int_equal(fk.n_envs, 2);
    assert_int_equal(fk.envs[1]->cfg.fn->timeout_s, 9);
    assert_int_equal(env_holding("b"), 1);
    fake_init(0);
    fake_answer(0);
    assert_ok("a");
    fake_init(1);
    fake_answer(1);
    assert_ok("b");
}

static void test_pool_remove_fails_waiters_keeps_running(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    submit("b");
    assert_int_equal(pool_remove_function(fk.pool, "f", NULL), 0);
    assert_failed("b", "ResourceNotFoundException");
    assert_pending("a");
    fake_init(0);
    fake_answer(0);
    assert_ok("a");
    assert_true(fk.envs[0]->gone);
}

/* ---- environments that die ---- */

static void test_pool_env_dies_mid_invocation(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    submit("b");
    fake_init(0);
    fake_exit(0); /* crash while running a: its slot goes to the waiter */
    assert_failed("a", "Runtime.ExitError");
    assert_int_equal(fk.n_envs, 2);
    assert_int_equal(env_holding("b"), 1);
    assert_int_equal(live(0).envs_alive, 1);
    fake_init(1);
    fake_answer(1);
    assert_ok("b");
    submit("c"); /* the dead one is never used again */
    assert_int_equal(env_holding("c"), 1);
    fake_answer(1);
}

static void test_pool_init_failure_retried_in_fresh_env(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    fake_exit(0); /* dies in its init: a is kept for a suppressed init in its slot */
    assert_pending("a");
    assert_int_equal(fk.n_envs, 2);
    assert_true(fk.envs[1]->cfg.suppressed_init);
    assert_int_equal(env_holding("a"), 1);
    assert_int_equal(live(0).envs_alive, 1);
    fake_exit(1); /* the retried init fails too: a fails, no third attempt */
    assert_failed("a", "Runtime.ExitError");
    assert_int_equal(fk.n_envs, 2);
}

/* ---- keep-warm and shutdown ---- */

static void test_pool_keep_warm_expiry(void **state)
{
    (void)state;
    open_pool(8, 60, 1000);
    (void)put("f", NULL);
    submit("a");
    fake_init(0);
    fake_answer(0);
    fk.now += 59 * SEC;
    run_tick();
    assert_false(fk.envs[0]->gone);
    submit("b"); /* used again: idle time starts over */
    fake_answer(0);
    fk.now += 59 * SEC;
    run_tick();
    assert_false(fk.envs[0]->gone);
    fk.now += 1 * SEC;
    run_tick();
    assert_true(fk.envs[0]->gone);
    assert_int_equal(fk.envs[0]->stop_sig, SIGKILL);
    submit("c"); /* scale to zero: a cold start */
    assert_int_equal(fk.n_envs, 2);
    fake_init(1);
    fake_answer(1);
}

static void test_pool_shutdown_throttles_waiters_stops_envs(void **state)
{
    (void)state;
    open_pool(8, 300, 1000);
    (void)put("f", "reserved=1");
    submit("a");
    submit_to("f", NULL, "b", true);
    fake_init(0);
    pool_shutdown(fk.pool, 500);
    assert_throttled("b", "ReservedFunctionConcurrentInvocationLimitExceeded");
    assert_true(fk.envs[0]->gone);
    assert_int_equal(fk.envs[0]->stop_sig, SIGTERM);
    assert_pending("a"); /* fails when its process exits (teardown) */
    assert_int_equal(live(0).envs_alive, 0);
}

/* Every test opens its own pool; teardown shuts it down and checks the invocations. */
#define POLICY_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        POLICY_TEST(test_pool_submit_reuses_warm_env),
        POLICY_TEST(test_pool_submit_waits_for_finishing_env),
        POLICY_TEST(test_pool_finishing_env_too_slow_cold_starts),
        POLICY_TEST(test_pool_submit_picks_most_recently_used),
        POLICY_TEST(test_pool_submit_scales_out),
        POLICY_TEST(test_pool_submit_spawn_failure_fails_invocation),
        POLICY_TEST(test_pool_submit_unknown_function),
        POLICY_TEST(test_pool_reserved_limit_waits_then_throttles),
        POLICY_TEST(test_pool_reserved_waiter_served_before_deadline),
        POLICY_TEST(test_pool_reserved_zero_throttles),
        POLICY_TEST(test_pool_reserved_limit_ignores_extra_warm_envs),
        POLICY_TEST(test_pool_account_limit_throttles),
        POLICY_TEST(test_pool_account_limit_reclaims_idle_env),
        POLICY_TEST(test_pool_reserved_slot_goes_to_other_version),
        POLICY_TEST(test_pool_provisioned_started_and_kept),
        POLICY_TEST(test_pool_provisioned_replaced_when_dead),
        POLICY_TEST(test_pool_provisioned_lowered_stops_extra),
        POLICY_TEST(test_pool_replace_retires_without_failing_inflight),
        POLICY_TEST(test_pool_replace_moves_waiters),
        POLICY_TEST(test_pool_remove_fails_waiters_keeps_running),
        POLICY_TEST(test_pool_env_dies_mid_invocation),
        POLICY_TEST(test_pool_init_failure_retried_in_fresh_env),
        POLICY_TEST(test_pool_keep_warm_expiry),
        POLICY_TEST(test_pool_shutdown_throttles_waiters_stops_envs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
