/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/pool.c on a real libuv loop with real runtimes (the Python fixture
 * runtime tests/integration/runtimes/pyrt): warm reuse, in-place rescaling, replacement of a
 * changed configuration without failing the invocation in flight, removal. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "base/xalloc.h"
#include "exec/pool.h"

#ifndef CLAMBDA_PYRT_DIR
#error "CLAMBDA_PYRT_DIR must name tests/integration/runtimes/pyrt"
#endif

struct fixture {
    uv_loop_t loop;
    struct pool *pool;
    char state_dir[64];
    int n_done;
    enum inv_outcome outcome[4];
    char body[4][16384];
};

static struct fixture *fx_now;

static void on_done(struct inv *inv, const struct inv_result *r)
{
    struct fixture *fx = fx_now;
    int i = fx->n_done++;
    if (i < 4) {
        fx->outcome[i] = r->outcome;
        size_t n = r->len < sizeof(fx->body[i]) - 1 ? r->len : sizeof(fx->body[i]) - 1;
        memcpy(fx->body[i], r->body, n);
        fx->body[i][n] = '\0';
    }
    inv_free(inv);
}

static void submit_version(struct fixture *fx, const char *name, const char *version,
                           const char *json)
{
    uint8_t *payload = (uint8_t *)xstrdup(json);
    struct inv *inv = inv_new(name, "arn:aws:lambda:us-east-1:000000000000:function:py", payload,
                              strlen(json), false, on_done);
    if (version) {
        inv_set_version(inv, version);
    }
    pool_submit(fx->pool, inv);
}

static void submit(struct fixture *fx, const char *name, const char *json)
{
    submit_version(fx, name, NULL, json);
}

/* Runs the loop until n invocations in total have completed (or 30 s pass). */
static void run_until(struct fixture *fx, int n)
{
    uint64_t deadline = uv_hrtime() + 30000000000ULL;
    while (fx->n_done < n && uv_hrtime() < deadline) {
        (void)uv_run(&fx->loop, UV_RUN_ONCE);
    }
    assert_int_equal(fx->n_done, n);
}

static struct function_config py_config(const char *extra_set)
{
    struct function_config cfg;
    char err[512];
    func_config_init(&cfg, "py", CLAMBDA_PYRT_DIR);
    assert_int_equal(func_config_set(&cfg, "timeout=30", err, sizeof(err)), 0);
    if (extra_set) {
        assert_int_equal(func_config_set(&cfg, extra_set, err, sizeof(err)), 0);
    }
    return cfg;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    static struct fixture fx;
    memset(&fx, 0, sizeof(fx));
    (void)snprintf(fx.state_dir, sizeof(fx.state_dir), "/tmp/clambda-pool-XXXXXX");
    assert_non_null(mkdtemp(fx.state_dir));
    assert_int_equal(uv_loop_init(&fx.loop), 0);
    static char *const no_env[] = {NULL};
    struct pool_config pc = {.state_dir = fx.state_dir,
                             .region = "us-east-1",
                             .account = "000000000000",
                             .max_envs = 8,
                             .keep_warm_s = 300,
                             .wait_ms = 5000,
                             .init_timeout_ms = 10000,
                             .extra_env = no_env};
    pool_new(&fx.loop, &pc, &fx.pool);
    fx_now = &fx;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    pool_shutdown(fx->pool, 0);
    (void)uv_run(&fx->loop, UV_RUN_DEFAULT);
    pool_free(fx->pool);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    assert_int_equal(nftw(fx->state_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
    return 0;
}

static void test_pool_reuse_rescale_replace_remove(void **state)
{
    struct fixture *fx = *state;
    struct function_config cfg = py_config(NULL);
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_ADDED);
    assert_null(cfg.name); /* taken over */
    submit(fx, "py", "{\"action\":\"count\"}");
    run_until(fx, 1);
    submit(fx, "py", "{\"action\":\"count\"}");
    run_until(fx, 2);
    assert_int_equal(fx->outcome[1], INV_OK);
    assert_non_null(strstr(fx->body[1], "\"count\": 2")); /* the same warm environment */

    cfg = py_config("reserved=3"); /* scaling only: the warm environment stays */
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_UPDATED);
    assert_int_equal(pool_function(fx->pool, "py")->reserved, 3);
    submit(fx, "py", "{\"action\":\"count\"}");
    run_until(fx, 3);
    assert_non_null(strstr(fx->body[2], "\"count\": 3"));

    cfg = py_config("env.VERSION=2"); /* a real change: a new environment */
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_REPLACED);
    submit(fx, "py", "{\"action\":\"count\"}");
    run_until(fx, 4);
    assert_int_equal(fx->outcome[3], INV_OK);
    assert_non_null(strstr(fx->body[3], "\"count\": 1"));

    assert_int_equal(pool_remove_function(fx->pool, "py", NULL), 0);
    assert_null(pool_function(fx->pool, "py"));
    assert_int_equal(pool_remove_function(fx->pool, "py", "$LATEST"), -ENOENT);
}

static void replace_now(uv_timer_t *t)
{
    struct fixture *fx = t->data;
    struct function_config cfg = py_config("env.VERSION=3");
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_REPLACED);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_pool_replace_keeps_inflight(void **state)
{
    struct fixture *fx = *state;
    struct function_config cfg = py_config(NULL);
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_ADDED);
    submit(fx, "py", "{\"action\":\"count\"}"); /* warm it up */
    run_until(fx, 1);
    submit(fx, "py", "{\"action\":\"sleep\",\"seconds\":1}");
    uv_timer_t t;
    assert_int_equal(uv_timer_init(&fx->loop, &t), 0);
    t.data = fx;
    assert_int_equal(uv_timer_start(&t, replace_now, 300, 0), 0); /* mid-sleep */
    run_until(fx, 2);
    assert_int_equal(fx->outcome[1], INV_OK); /* finished on the retired environment */
    assert_non_null(strstr(fx->body[1], "\"slept\": 1"));
    submit(fx, "py", "{\"action\":\"count\"}");
    run_until(fx, 3);
    assert_non_null(strstr(fx->body[2], "\"count\": 1")); /* the new configuration's */
}

static void test_pool_remove_fails_waiters(void **state)
{
    struct fixture *fx = *state;
    struct function_config cfg = py_config("reserved=1");
    assert_int_equal(pool_update_function(fx->pool, &cfg), POOL_ADDED);
    submit(fx, "py", "{\"action\":\"sleep\",\"seconds\":1}");
    submit(fx, "py", "{\"action\":\"count\"}"); /* waits: reserved 1 */
    assert_int_equal(pool_remove_function(fx->pool, "py", NULL), 0);
    run_until(fx, 2);
    /* the waiter fails at once, the running one finishes */
    assert_int_equal(fx->outcome[0], INV_FUNCTION_ERROR);
    assert_non_null(strstr(fx->body[0], "ResourceNotFoundException"));
    assert_int_equal(fx->outcome[1], INV_OK);
}

static void test_pool_versions(void **state)
{
    struct fixture *fx = *state;
    struct function_config latest = py_config("env.WHICH=latest");
    struct function_config v1 = py_config("env.WHICH=one");
    free(v1.version);
    v1.version = xstrdup("1");
    assert_int_equal(pool_update_function(fx->pool, &latest), POOL_ADDED);
    assert_int_equal(pool_update_function(fx->pool, &v1), POOL_ADDED);
    assert_string_equal(pool_function_version(fx->pool, "py", "1")->version, "1");
    assert_null(pool_function_version(fx->pool, "py", "2"));
    submit_version(fx, "py", "1", "{\"action\":\"env\"}");
    run_until(fx, 1);
    assert_non_null(strstr(fx->body[0], "\"AWS_LAMBDA_FUNCTION_VERSION\": \"1\""));
    assert_non_null(strstr(fx->body[0], "\"WHICH\": \"one\""));
    submit(fx, "py", "{\"action\":\"env\"}");
    run_until(fx, 2);
    assert_non_null(strstr(fx->body[1], "\"AWS_LAMBDA_FUNCTION_VERSION\": \"$LATEST\""));
    assert_int_equal(pool_remove_function(fx->pool, "py", "1"), 0);
    assert_non_null(pool_function(fx->pool, "py"));
    submit_version(fx, "py", "1", "{}"); /* gone: fails at once, no crash */
    run_until(fx, 3);
    assert_int_equal(fx->outcome[2], INV_FUNCTION_ERROR);
    assert_non_null(strstr(fx->body[2], "ResourceNotFoundException"));
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        (void)fprintf(stderr, "SKIP: the fixture runtime needs /usr/bin/python3\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pool_reuse_rescale_replace_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_replace_keeps_inflight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_remove_fails_waiters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
