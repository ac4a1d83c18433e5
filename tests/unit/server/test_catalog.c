/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/catalog/catalog.c on a real store in a temp dir and a real pool on
 * a libuv loop (nothing is invoked, so no runtime starts): create, update, publish, delete of a
 * function and of a version, a manifest reload that adds, replaces and removes, the start-up
 * restore, and a store write that fails leaving the pool as it was. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "base/func.h"
#include "catalog/aliases.h"
#include "catalog/catalog.h"
#include "exec/pool.h"
#include "state/store.h"
#include "tmpdir_fixture.h"

struct fixture {
    char *dir; /* the state dir (tmpdir_setup) */
    char code[4200];
    uv_loop_t loop;
    struct store *store;
    struct pool *pool;
    struct aliases *aliases;
    struct catalog cat;
};

static int setup(void **state)
{
    if (tmpdir_setup(state) < 0) {
        return -1;
    }
    struct fixture *fx = calloc(1, sizeof(*fx));
    fx->dir = *state;
    (void)snprintf(fx->code, sizeof(fx->code), "%s/code", fx->dir);
    assert_int_equal(mkdir(fx->code, 0755), 0);
    tmpdir_write(fx->code, "bootstrap", "#!/bin/sh\n", 0755);
    char err[512];
    assert_int_equal(store_open(fx->dir, &fx->store, err, sizeof(err)), 0);
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    static char *const no_env[] = {NULL};
    struct pool_config pc = {.state_dir = fx->dir,
                             .region = "us-east-1",
                             .account = "000000000000",
                             .max_envs = 8,
                             .keep_warm_s = 300,
                             .wait_ms = 5000,
                             .init_timeout_ms = 10000,
                             .extra_env = no_env};
    pool_new(&fx->loop, &pc, &fx->pool);
    aliases_new(&fx->aliases);
    catalog_init(&fx->cat, fx->store, fx->pool, fx->aliases);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    pool_shutdown(fx->pool, 0);
    (void)uv_run(&fx->loop, UV_RUN_DEFAULT);
    pool_free(fx->pool);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    aliases_free(fx->aliases);
    store_close(fx->store);
    void *dir = fx->dir;
    free(fx);
    return tmpdir_teardown(&dir);
}

/* A configuration of function name in the fixture's code directory, with setting applied
 * (func_config_set syntax, NULL: none). */
static struct function_config config(struct fixture *fx, const char *name, const char *setting)
{
    struct function_config cfg;
    char err[256];
    func_config_init(&cfg, name, fx->code);
    if (setting) {
        assert_int_equal(func_config_set(&cfg, setting, err, sizeof(err)), 0);
    }
    return cfg;
}

/* Creates stored function name with setting. */
static void create(struct fixture *fx, const char *name, const char *setting)
{
    struct function_config cfg = config(fx, name, setting);
    struct err err = {0};
    assert_int_equal(catalog_create(&fx->cat, &cfg, NULL, NULL, CATALOG_STORED, &err), 0);
    func_config_fini(&cfg);
}

static char *setting(struct fixture *fx, const char *name, const char *kind)
{
    char *doc = NULL;
    return store_setting_get(fx->store, name, kind, "", &doc) == 0 ? doc : NULL;
}

static void test_catalog_create_stores_then_serves(void **state)
{
    struct fixture *fx = *state;
    struct function_config cfg = config(fx, "fn", "memory=256");
    struct err err = {0};
    assert_int_equal(catalog_create(&fx->cat, &cfg, "arn:aws:iam::000000000000:role/r",
                                    "{\"team\":\"a\"}", CATALOG_STORED, &err),
                     0);
    assert_non_null(cfg.revision_id); /* still the caller's, with the saved revision */
    assert_non_null(cfg.last_modified);
    struct store_function sf;
    assert_int_equal(store_function_get(fx->store, "fn", &sf), 0);
    assert_string_equal(sf.revision_id, cfg.revision_id);
    store_function_fini(&sf);
    const struct function_config *served = pool_function(fx->pool, "fn");
    assert_non_null(served);
    assert_int_equal(served->memory_mb, 256);
    assert_string_equal(served->revision_id, cfg.revision_id);
    char *role = setting(fx, "fn", "role");
    char *tags = setting(fx, "fn", "tags");
    assert_string_equal(role, "\"arn:aws:iam::000000000000:role/r\"");
    assert_string_equal(tags, "{\"team\":\"a\"}");
    free(role);
    free(tags);

    assert_int_equal(catalog_create(&fx->cat, &cfg, NULL, NULL, CATALOG_STORED, &err), -EEXIST);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.type, "ResourceConflictException");
    assert_string_equal(err.message, "Function already exist: fn");
    func_config_fini(&cfg);
    err_fini(&err);
}

static void test_catalog_update_replaces_or_rescales(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", NULL);
    char *rev = strdup(pool_function(fx->pool, "fn")->revision_id);
    struct function_config cfg = config(fx, "fn", "env.MODE=new");
    struct err err = {0};
    int what = -1;
    assert_int_equal(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, &what, &err), 0);
    assert_int_equal(what, POOL_REPLACED); /* new environments; the old ones retire */
    assert_string_not_equal(cfg.revision_id, rev);
    assert_string_equal(pool_function(fx->pool, "fn")->env[0], "MODE=new");
    func_config_fini(&cfg);

    cfg = config(fx, "fn", "env.MODE=new"); /* a new Role: its credentials, new environments */
    assert_int_equal(catalog_update(&fx->cat, &cfg, "arn:aws:iam::000000000000:role/s",
                                    CATALOG_STORED, &what, &err),
                     0);
    assert_int_equal(what, POOL_REPLACED);
    assert_string_equal(pool_function(fx->pool, "fn")->role, "arn:aws:iam::000000000000:role/s");
    assert_string_equal(pool_function(fx->pool, "fn")->revision_id, cfg.revision_id);
    char *role = setting(fx, "fn", "role");
    assert_string_equal(role, "\"arn:aws:iam::000000000000:role/s\"");
    free(role);
    func_config_fini(&cfg);

    cfg = config(fx, "fn", "env.MODE=new"); /* plus reserved, no Role: scaling only, in place */
    cfg.reserved = 2;
    assert_int_equal(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, &what, &err), 0);
    assert_int_equal(what, POOL_UPDATED);
    assert_int_equal(pool_function(fx->pool, "fn")->reserved, 2);
    assert_string_equal(pool_function(fx->pool, "fn")->role, "arn:aws:iam::000000000000:role/s");
    func_config_fini(&cfg);
    free(rev);

    cfg = config(fx, "nope", NULL);
    assert_int_equal(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, NULL, &err), -ENOENT);
    assert_int_equal(err.status, 404);
    func_config_fini(&cfg);
    err_fini(&err);
}

static void test_catalog_manifest_functions_are_not_stored(void **state)
{
    struct fixture *fx = *state;
    struct function_config cfg = config(fx, "m", NULL);
    struct err err = {0};
    assert_int_equal(catalog_create(&fx->cat, &cfg, NULL, NULL, CATALOG_MANIFEST, &err), 0);
    func_config_fini(&cfg);
    struct store_function sf;
    assert_int_equal(store_function_get(fx->store, "m", &sf), -ENOENT);
    assert_non_null(pool_function(fx->pool, "m"));

    cfg = config(fx, "m", "memory=512"); /* the API may not change or delete it */
    assert_int_equal(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, NULL, &err), -ENOENT);
    assert_int_equal(err.status, 409);
    assert_int_equal(pool_function(fx->pool, "m")->memory_mb, 128);
    func_config_fini(&cfg);
    assert_int_equal(catalog_delete(&fx->cat, "m", CATALOG_STORED, &err), -ENOENT);
    assert_int_equal(err.status, 409);
    int64_t number = 0;
    assert_int_equal(catalog_publish(&fx->cat, "m", NULL, &number, &err), -ENOENT);
    assert_int_equal(err.status, 409);
    assert_non_null(pool_function(fx->pool, "m"));
    assert_int_equal(catalog_delete(&fx->cat, "m", CATALOG_MANIFEST, &err), 0);
    assert_null(pool_function(fx->pool, "m"));
    err_fini(&err);
}

static void test_catalog_publish_numbers_versions(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", "reserved=3");
    struct err err = {0};
    int64_t number = 0;
    assert_int_equal(catalog_publish(&fx->cat, "fn", "first", &number, &err), 0);
    assert_int_equal(number, 1);
    const struct function_config *v1 = pool_function_version(fx->pool, "fn", "1");
    assert_non_null(v1);
    assert_string_equal(v1->description, "first");
    assert_int_equal(v1->reserved, 3); /* counted against the function's */
    struct store_version sv;
    assert_int_equal(store_version_get(fx->store, "fn", 1, &sv), 0);
    store_version_fini(&sv);

    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    assert_int_equal(number, 1); /* $LATEST unchanged: the newest version again */

    struct function_config cfg = config(fx, "fn", "timeout=9");
    cfg.reserved = 3;
    assert_int_equal(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, NULL, &err), 0);
    func_config_fini(&cfg);
    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    assert_int_equal(number, 2);
    assert_int_equal(pool_function_version(fx->pool, "fn", "2")->timeout_s, 9);
    assert_int_equal(pool_function_version(fx->pool, "fn", "1")->timeout_s, 3);

    assert_int_equal(catalog_publish(&fx->cat, "nope", NULL, &number, &err), -ENOENT);
    assert_int_equal(err.status, 404);
    err_fini(&err);
}

static void test_catalog_delete_version(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", NULL);
    struct err err = {0};
    int64_t number = 0;
    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    struct alias_target t = {.version = "1"};
    aliases_set(fx->aliases, "fn", "live", &t);
    assert_int_equal(catalog_delete_version(&fx->cat, "fn", "1", &err), -EBUSY);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.message, "Unable to delete version because the following aliases "
                                     "reference it: [live]");
    aliases_remove(fx->aliases, "fn", "live");
    assert_int_equal(catalog_delete_version(&fx->cat, "fn", "$LATEST", &err), -EINVAL);
    assert_int_equal(err.status, 400);
    assert_int_equal(catalog_delete_version(&fx->cat, "fn", "7", &err), -ENOENT);
    assert_int_equal(err.status, 404);

    assert_int_equal(catalog_delete_version(&fx->cat, "fn", "1", &err), 0);
    assert_null(pool_function_version(fx->pool, "fn", "1"));
    assert_non_null(pool_function(fx->pool, "fn"));
    struct store_version sv;
    assert_int_equal(store_version_get(fx->store, "fn", 1, &sv), -ENOENT);
    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    assert_int_equal(number, 2); /* numbers are never reused */
    err_fini(&err);
}

static void test_catalog_delete_function(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", NULL);
    struct err err = {0};
    int64_t number = 0;
    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    struct alias_target t = {.version = "1"};
    aliases_set(fx->aliases, "fn", "live", &t);

    assert_int_equal(catalog_delete(&fx->cat, "fn", CATALOG_STORED, &err), 0);
    struct store_function sf;
    assert_int_equal(store_function_get(fx->store, "fn", &sf), -ENOENT);
    assert_null(pool_function(fx->pool, "fn"));
    assert_null(pool_function_version(fx->pool, "fn", "1"));
    assert_null(aliases_get(fx->aliases, "fn", "live"));
    assert_int_equal(catalog_delete(&fx->cat, "fn", CATALOG_STORED, &err), -ENOENT);
    assert_int_equal(err.status, 404);
    err_fini(&err);
}

/* A second connection holds the write lock: the store write fails (after busy_timeout) and the
 * pool keeps what it had. */
static void test_catalog_store_failure_leaves_pool(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", NULL);
    struct store *other = NULL;
    char msg[512];
    assert_int_equal(store_open(fx->dir, &other, msg, sizeof(msg)), 0);
    assert_int_equal(store_begin(other), 0);
    struct function_config cfg = config(fx, "fn", "memory=1024");
    struct err err = {0};
    assert_true(catalog_update(&fx->cat, &cfg, NULL, CATALOG_STORED, NULL, &err) < 0);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.type, "ServiceException");
    assert_int_equal(pool_function(fx->pool, "fn")->memory_mb, 128);
    func_config_fini(&cfg);
    assert_int_equal(store_rollback(other), 0);
    store_close(other);
    err_fini(&err);
}

#define ROLE "arn:aws:iam::123456789012:role/r"

/* The Nth of CreateFunction's writes (function, Tags, Role) fails: nothing of the function is
 * kept, in the store or the pool, and the call is a 500 ServiceException. */
static void test_catalog_create_write_failure_keeps_nothing(void **state)
{
    struct fixture *fx = *state;
    for (unsigned nth = 1; nth <= 3; nth++) {
        struct function_config cfg = config(fx, "fn", NULL);
        struct err err = {0};
        store_fail_write_after(fx->store, nth);
        assert_true(catalog_create(&fx->cat, &cfg, ROLE, "{\"k\":\"v\"}", CATALOG_STORED, &err) <
                    0);
        assert_int_equal(err.status, 500);
        assert_string_equal(err.type, "ServiceException");
        struct store_function sf;
        assert_int_equal(store_function_get(fx->store, "fn", &sf), -ENOENT);
        assert_null(setting(fx, "fn", "tags"));
        assert_null(setting(fx, "fn", "role"));
        assert_null(pool_function(fx->pool, "fn"));
        func_config_fini(&cfg);
        err_fini(&err);
    }
    struct function_config cfg = config(fx, "fn", NULL);
    struct err err = {0};
    assert_int_equal(catalog_create(&fx->cat, &cfg, ROLE, "{\"k\":\"v\"}", CATALOG_STORED, &err),
                     0);
    char *role = setting(fx, "fn", "role");
    assert_non_null(role);
    free(role);
    func_config_fini(&cfg);
    err_fini(&err);
}

/* UpdateFunctionConfiguration whose Role cannot be saved changes nothing: the stored revision
 * and the pool's configuration are the old ones. */
static void test_catalog_update_role_failure_changes_nothing(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", NULL);
    struct store_function before;
    assert_int_equal(store_function_get(fx->store, "fn", &before), 0);
    struct function_config cfg = config(fx, "fn", "memory=1024");
    struct err err = {0};
    store_fail_write_after(fx->store, 2); /* the function row, then the Role */
    assert_true(catalog_update(&fx->cat, &cfg, ROLE, CATALOG_STORED, NULL, &err) < 0);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.type, "ServiceException");
    struct store_function after;
    assert_int_equal(store_function_get(fx->store, "fn", &after), 0);
    assert_string_equal(after.revision_id, before.revision_id);
    assert_string_equal(after.config_json, before.config_json);
    assert_null(setting(fx, "fn", "role"));
    assert_int_equal(pool_function(fx->pool, "fn")->memory_mb, 128);
    store_function_fini(&before);
    store_function_fini(&after);
    func_config_fini(&cfg);
    err_fini(&err);
}

static void test_catalog_reload_adds_replaces_removes(void **state)
{
    struct fixture *fx = *state;
    struct function_config fns[3] = {config(fx, "a", NULL), config(fx, "b", NULL),
                                     config(fx, "c", NULL)};
    struct catalog_reload_counts c;
    catalog_reload(&fx->cat, CATALOG_MANIFEST, NULL, 0, fns, 2, &c); /* the first manifest: a, b */
    assert_int_equal(c.added, 2);
    assert_non_null(pool_function(fx->pool, "a"));
    func_config_fini(&fns[0]);
    func_config_fini(&fns[1]);

    char name_a[] = "a", name_b[] = "b", name_c[] = "c";
    char *old[] = {name_a, name_b};
    fns[0] = config(fx, "b", "env.VERSION=2"); /* changed */
    fns[1] = fns[2];                           /* new */
    catalog_reload(&fx->cat, CATALOG_MANIFEST, old, 2, fns, 2, &c);
    assert_int_equal(c.added, 1);
    assert_int_equal(c.replaced, 1);
    assert_int_equal(c.unchanged, 0);
    assert_int_equal(c.removed, 1);
    assert_null(pool_function(fx->pool, "a"));
    assert_string_equal(pool_function(fx->pool, "b")->env[0], "VERSION=2");
    assert_non_null(pool_function(fx->pool, "c"));
    struct store_function sf;
    assert_int_equal(store_function_get(fx->store, "b", &sf), -ENOENT); /* never stored */

    char *now[] = {name_b, name_c};
    fns[0].reserved = 1; /* rescaled only */
    catalog_reload(&fx->cat, CATALOG_MANIFEST, now, 2, fns, 2, &c);
    assert_int_equal(c.unchanged, 2);
    assert_int_equal(c.added + c.replaced + c.removed, 0);
    assert_int_equal(pool_function(fx->pool, "b")->reserved, 1);
    func_config_fini(&fns[0]);
    func_config_fini(&fns[1]);
}

/* What a restart finds: the stored $LATEST in a new pool, then versions and aliases. */
static void test_catalog_restore(void **state)
{
    struct fixture *fx = *state;
    create(fx, "fn", "reserved=2");
    struct err err = {0};
    int64_t number = 0;
    assert_int_equal(catalog_publish(&fx->cat, "fn", NULL, &number, &err), 0);
    char fn[] = "fn", live[] = "live", rev[] = "r1";
    struct store_alias a = {.function = fn, .name = live, .version = 1, .revision_id = rev};
    assert_int_equal(store_alias_put(fx->store, &a, NULL), 0);
    assert_int_equal(pool_remove_function(fx->pool, "fn", NULL), 0);

    struct store_function sf;
    assert_int_equal(store_function_get(fx->store, "fn", &sf), 0);
    struct function_config cfg = config(fx, "fn", "reserved=2");
    store_function_fini(&sf);
    assert_int_equal(pool_add_function(fx->pool, &cfg), 0);
    catalog_restore(&fx->cat);
    const struct function_config *v1 = pool_function_version(fx->pool, "fn", "1");
    assert_non_null(v1);
    assert_int_equal(v1->reserved, 2);
    const struct alias_target *t = aliases_get(fx->aliases, "fn", "live");
    assert_non_null(t);
    assert_string_equal(t->version, "1");
    err_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_catalog_create_stores_then_serves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_update_replaces_or_rescales, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_manifest_functions_are_not_stored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catalog_publish_numbers_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_delete_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_delete_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_store_failure_leaves_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_create_write_failure_keeps_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catalog_update_role_failure_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_catalog_reload_adds_replaces_removes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_restore, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
