/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/store.c: schema creation and versioning, functions, versions,
 * aliases and settings, revision preconditions, and bad state files. Each test has its own
 * temporary state directory. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "state/code.h"
#include "state/store.h"

/* A writable copy of a string literal, for the owned-string fields of input structs. */
#define W(lit) ((char[]){lit})

static struct store *open_ok(const char *dir)
{
    struct store *st = NULL;
    char err[256];
    assert_int_equal(store_open(dir, &st, err, sizeof(err)), 0);
    return st;
}

static void put_fn(struct store *st, const char *name, const char *rev)
{
    char name_buf[64];
    char rev_buf[64];
    (void)snprintf(name_buf, sizeof(name_buf), "%s", name);
    (void)snprintf(rev_buf, sizeof(rev_buf), "%s", rev);
    struct store_function f = {.name = name_buf,
                               .config_json = W("{\"Timeout\":3}"),
                               .code_sha256 = W("abc="),
                               .code_size = 42,
                               .code_location = W("/code/x"),
                               .revision_id = rev_buf,
                               .last_modified = W("2026-11-26T22:00:00.000+0000")};
    assert_int_equal(store_function_put(st, &f, NULL), 0);
}

/* Runs one SQL statement on a second connection and returns the first column as an int. */
static long long query_int(const char *dir, const char *sql)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/clambda.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Runs sql (statements without results) on a second connection. */
static void exec_sql(const char *dir, const char *sql)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/clambda.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_store_open_creates_schema(void **state)
{
    struct store *st = open_ok(*state);
    assert_int_equal(query_int(*state, "SELECT version FROM schema_versions WHERE "
                                       "component = 'registry'"),
                     STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(*state, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    put_fn(st, "a", "r1");
    store_close(st);
    store_close(NULL);
    /* Reopening migrates nothing and keeps the data. */
    st = open_ok(*state);
    struct store_function f;
    assert_int_equal(store_function_get(st, "a", &f), 0);
    assert_string_equal(f.code_sha256, "abc=");
    assert_int_equal(f.code_size, 42);
    assert_string_equal(f.state, "Active");
    store_function_fini(&f);
    store_function_fini(NULL);
    store_close(st);
}

static void test_store_open_shares_file_with_queue(void **state)
{
    /* Another component's tables and schema row in the same file are left alone. */
    struct store *st = open_ok(*state);
    store_close(st);
    exec_sql(*state, "CREATE TABLE events (id INTEGER PRIMARY KEY);"
                     "INSERT INTO schema_versions VALUES ('queue', 7)");
    st = open_ok(*state);
    store_close(st);
    assert_int_equal(query_int(*state, "SELECT version FROM schema_versions WHERE "
                                       "component = 'queue'"),
                     7);
}

static void test_store_open_rejects_newer_schema(void **state)
{
    struct store *st = open_ok(*state);
    store_close(st);
    exec_sql(*state, "UPDATE schema_versions SET version = 99 WHERE component = 'registry'");
    char err[256];
    assert_int_equal(store_open(*state, &st, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "newer than this build"));
}

static void test_store_open_rejects_garbage(void **state)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/clambda.db", (char *)*state);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++) {
        (void)fputs("this is not an SQLite database, ", f);
    }
    assert_int_equal(fclose(f), 0);
    struct store *st = NULL;
    char err[512];
    assert_true(store_open(*state, &st, err, sizeof(err)) < 0);
    assert_null(st);
    assert_non_null(strstr(err, "not a database"));
    assert_non_null(strstr(err, path));
    /* A state directory that is a file. */
    assert_true(store_open(path, &st, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "clambda.db"));
}

/* Overwrites page (1-based) of dir's clambda.db with garbage. */
static void damage_page(const char *dir, long long page, long long page_size)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/clambda.db", dir);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)((page - 1) * page_size), SEEK_SET), 0);
    for (long long i = 0; i < page_size; i++) {
        assert_int_not_equal(fputc(0xa5, f), EOF);
    }
    assert_int_equal(fclose(f), 0);
}

static void test_store_open_refuses_damaged_page(void **state)
{
    struct store *st = open_ok(*state);
    for (int i = 0; i < 100; i++) {
        char name[32];
        (void)snprintf(name, sizeof(name), "fn%03d", i);
        put_fn(st, name, "r1");
    }
    store_close(st); /* the last connection: the log is checkpointed into the file */
    long long root = query_int(*state, "SELECT rootpage FROM sqlite_master WHERE name = "
                                       "'functions'");
    long long n_pages = query_int(*state, "PRAGMA page_count");
    assert_true(root > 1 && root < n_pages);
    damage_page(*state, root, query_int(*state, "PRAGMA page_size"));
    char err[1024];
    st = NULL;
    assert_int_equal(store_open(*state, &st, err, sizeof(err)), -EUCLEAN);
    assert_null(st);
    assert_non_null(strstr(err, "is damaged"));
    assert_non_null(strstr(err, "clambda.db"));
    assert_non_null(strstr(err, "move it aside"));
    assert_non_null(strstr(err, "restore a backup"));
}

static void test_store_open_refuses_emptied(void **state)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/clambda.db", (char *)*state);
    struct store *st = open_ok(*state);
    put_fn(st, "fn", "r1");
    store_close(st);
    assert_int_equal(truncate(path, 0), 0);
    char err[1024];
    st = NULL;
    assert_int_equal(store_open(*state, &st, err, sizeof(err)), -EUCLEAN);
    assert_non_null(strstr(err, "is empty (0 bytes)"));
    assert_non_null(strstr(err, path));
    /* A database without the registry's tables: opened (and migrated) when the directory keeps
     * no code packages, refused when it does. */
    assert_int_equal(unlink(path), 0);
    exec_sql(*state, "CREATE TABLE other (x)");
    st = open_ok(*state);
    store_close(st);
    assert_int_equal(unlink(path), 0);
    exec_sql(*state, "CREATE TABLE other (x)");
    char code[512];
    (void)snprintf(code, sizeof(code), "%s/code", (char *)*state);
    assert_int_equal(mkdir(code, 0755), 0);
    tmpdir_write(code, "package.zip", "zip", 0644);
    assert_int_equal(store_open(*state, &st, err, sizeof(err)), -EUCLEAN);
    assert_non_null(strstr(err, "has no function registry"));
    /* Moved aside, as the message says: a new empty registry. */
    assert_int_equal(unlink(path), 0);
    st = open_ok(*state);
    store_close(st);
}

/* A write that fails inside a transaction is rolled back with everything before it. */
static void test_store_write_failure_rolls_back(void **state)
{
    struct store *st = open_ok(*state);
    assert_int_equal(store_begin(st), 0);
    put_fn(st, "fn", "r1");
    store_fail_write_after(st, 1);
    assert_int_equal(store_setting_put(st, "fn", "role", "", "\"arn\""), -EIO);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_rollback(st), 0); /* none open: a no-op */
    struct store_function f;
    assert_int_equal(store_function_get(st, "fn", &f), -ENOENT);
    put_fn(st, "fn", "r2"); /* the hook fired once */
    assert_int_equal(store_function_get(st, "fn", &f), 0);
    store_function_fini(&f);
    store_close(st);
}

static void test_store_function_crud(void **state)
{
    struct store *st = open_ok(*state);
    static const char *const names[] = {"c", "a", "b", "d"};
    for (size_t i = 0; i < 4; i++) {
        put_fn(st, names[i], "r1");
    }
    struct store_function *fs = NULL;
    size_t n = 0;
    assert_int_equal(store_function_list(st, NULL, 0, &fs, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(fs[0].name, "a");
    assert_string_equal(fs[3].name, "d");
    store_function_list_free(fs, n);
    /* A page after "b" of at most 1. */
    assert_int_equal(store_function_list(st, "b", 1, &fs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fs[0].name, "c");
    store_function_list_free(fs, n);
    assert_int_equal(store_function_delete(st, "b"), 0);
    assert_int_equal(store_function_delete(st, "b"), -ENOENT);
    struct store_function f;
    assert_int_equal(store_function_get(st, "b", &f), -ENOENT);
    assert_int_equal(store_function_list(st, NULL, 0, &fs, &n), 0);
    assert_int_equal(n, 3);
    store_function_list_free(fs, n);
    store_close(st);
}

static void test_store_function_put_revision(void **state)
{
    struct store *st = open_ok(*state);
    struct store_function f = {.name = W("fn"),
                               .config_json = W("{}"),
                               .code_location = W("/x"),
                               .revision_id = W("r2"),
                               .last_modified = W("t")};
    assert_int_equal(store_function_put(st, &f, "r1"), -ENOENT);
    put_fn(st, "fn", "r1");
    assert_int_equal(store_function_put(st, &f, "wrong"), -ESTALE);
    assert_int_equal(store_function_put(st, &f, "r1"), 0);
    struct store_function got;
    assert_int_equal(store_function_get(st, "fn", &got), 0);
    assert_string_equal(got.revision_id, "r2");
    assert_null(got.code_sha256);
    store_function_fini(&got);
    /* A caller's transaction spans several calls and can be rolled back. */
    assert_int_equal(store_begin(st), 0);
    put_fn(st, "tx", "r1");
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_function_get(st, "tx", &got), -ENOENT);
    assert_int_equal(store_begin(st), 0);
    put_fn(st, "tx", "r1");
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(store_function_get(st, "tx", &got), 0);
    store_function_fini(&got);
    store_close(st);
}

static void test_store_version_numbers(void **state)
{
    struct store *st = open_ok(*state);
    int64_t v = 0;
    assert_int_equal(store_version_publish(st, "nope", "{}", &v), -ENOENT);
    put_fn(st, "fn", "r1");
    assert_int_equal(store_version_publish(st, "fn", "{\"v\":1}", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(store_version_publish(st, "fn", "{\"v\":2}", &v), 0);
    assert_int_equal(v, 2);
    /* Numbers are never reused, even after the latest is deleted. */
    assert_int_equal(store_version_delete(st, "fn", 2), 0);
    assert_int_equal(store_version_delete(st, "fn", 2), -ENOENT);
    assert_int_equal(store_version_publish(st, "fn", "{\"v\":3}", &v), 0);
    assert_int_equal(v, 3);
    struct store_version got;
    assert_int_equal(store_version_get(st, "fn", 3, &got), 0);
    assert_string_equal(got.snapshot_json, "{\"v\":3}");
    store_version_fini(&got);
    assert_int_equal(store_version_get(st, "fn", 2, &got), -ENOENT);
    struct store_version *vs = NULL;
    size_t n = 0;
    assert_int_equal(store_version_list(st, "fn", &vs, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(vs[0].version, 1);
    assert_int_equal(vs[1].version, 3);
    store_version_list_free(vs, n);
    /* Replacing the function keeps its versions and the counter. */
    put_fn(st, "fn", "r9");
    assert_int_equal(store_version_publish(st, "fn", "{}", &v), 0);
    assert_int_equal(v, 4);
    store_close(st);
}

static void test_store_alias_and_settings(void **state)
{
    struct store *st = open_ok(*state);
    struct store_alias a = {.function = W("fn"),
                            .name = W("live"),
                            .version = 1,
                            .routing_json = W("{\"2\":0.25}"),
                            .revision_id = W("a1")};
    assert_int_equal(store_alias_put(st, &a, NULL), -ENOENT);
    assert_int_equal(store_setting_put(st, "fn", "tags", "", "{}"), -ENOENT);
    put_fn(st, "fn", "r1");
    assert_int_equal(store_alias_put(st, &a, NULL), 0);
    a.revision_id = W("a2");
    a.version = 2;
    assert_int_equal(store_alias_put(st, &a, "bad"), -ESTALE);
    assert_int_equal(store_alias_put(st, &a, "a1"), 0);
    struct store_alias got;
    assert_int_equal(store_alias_get(st, "fn", "live", &got), 0);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.routing_json, "{\"2\":0.25}");
    assert_null(got.description);
    store_alias_fini(&got);
    struct store_alias *as = NULL;
    size_t n = 0;
    assert_int_equal(store_alias_list(st, "fn", &as, &n), 0);
    assert_int_equal(n, 1);
    store_alias_list_free(as, n);

    assert_int_equal(store_setting_put(st, "fn", "tags", "", "{\"k\":\"v\"}"), 0);
    assert_int_equal(store_setting_put(st, "fn", "url", "live", "{\"AuthType\":\"NONE\"}"), 0);
    char *json = NULL;
    assert_int_equal(store_setting_get(st, "fn", "tags", "", &json), 0);
    assert_string_equal(json, "{\"k\":\"v\"}");
    free(json);
    assert_int_equal(store_setting_get(st, "fn", "url", "", &json), -ENOENT);
    assert_null(json);
    assert_int_equal(store_setting_delete(st, "fn", "tags", ""), 0);
    assert_int_equal(store_setting_delete(st, "fn", "tags", ""), -ENOENT);

    /* Deleting the function deletes its aliases, versions and settings. */
    int64_t v;
    assert_int_equal(store_version_publish(st, "fn", "{}", &v), 0);
    assert_int_equal(store_function_delete(st, "fn"), 0);
    assert_int_equal(store_alias_get(st, "fn", "live", &got), -ENOENT);
    assert_int_equal(store_setting_get(st, "fn", "url", "live", &json), -ENOENT);
    struct store_version sv;
    assert_int_equal(store_version_get(st, "fn", v, &sv), -ENOENT);
    assert_int_equal(store_alias_delete(st, "fn", "live"), -ENOENT);
    store_close(st);
}

static void test_store_layers(void **state)
{
    struct store *st = open_ok(*state);
    store_close(st);
    /* a database of schema version 1 (no layer tables) is migrated at open */
    exec_sql(*state, "DROP TABLE layers; DROP TABLE layer_names;"
                     "UPDATE schema_versions SET version = 1 WHERE component = 'registry'");
    st = open_ok(*state);
    int64_t v = 0;
    assert_int_equal(store_layer_next(st, "lib", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(store_layer_put(st, "lib", v, "{\"Version\":1}"), 0);
    assert_int_equal(store_layer_next(st, "lib", &v), 0);
    assert_int_equal(store_layer_put(st, "lib", v, "{\"Version\":2}"), 0);
    assert_int_equal(store_layer_next(st, "alpha", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(store_layer_put(st, "alpha", v, "{\"Version\":1}"), 0);
    char *doc = NULL;
    assert_int_equal(store_layer_get(st, "lib", 2, &doc), 0);
    assert_string_equal(doc, "{\"Version\":2}");
    free(doc);
    assert_int_equal(store_layer_get(st, "lib", 3, &doc), -ENOENT);
    struct store_setting *ls = NULL;
    size_t n = 0;
    assert_int_equal(store_layer_list(st, NULL, &ls, &n), 0);
    assert_int_equal(n, 3); /* by name, newest first */
    assert_string_equal(ls[0].qualifier, "alpha");
    assert_string_equal(ls[1].json, "{\"Version\":2}");
    assert_string_equal(ls[2].json, "{\"Version\":1}");
    store_setting_list_free(ls, n);
    assert_int_equal(store_layer_delete(st, "lib", 2), 0);
    assert_int_equal(store_layer_delete(st, "lib", 2), -ENOENT);
    assert_int_equal(store_layer_next(st, "lib", &v), 0);
    assert_int_equal(v, 3); /* never reused */
    assert_int_equal(store_layer_list(st, "lib", &ls, &n), 0);
    assert_int_equal(n, 1);
    store_setting_list_free(ls, n);
    store_close(st);
}

static void test_store_setting_list(void **state)
{
    struct store *st = open_ok(*state);
    put_fn(st, "fn", "r1");
    assert_int_equal(store_setting_put(st, "fn", "url", "live", "{\"a\":1}"), 0);
    assert_int_equal(store_setting_put(st, "fn", "url", "", "{\"a\":0}"), 0);
    assert_int_equal(store_setting_put(st, "fn", "tags", "", "{}"), 0);
    struct store_setting *ss = NULL;
    size_t n = 0;
    assert_int_equal(store_setting_list(st, "fn", "url", &ss, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ss[0].qualifier, "");
    assert_string_equal(ss[1].qualifier, "live");
    assert_string_equal(ss[1].json, "{\"a\":1}");
    store_setting_list_free(ss, n);
    assert_int_equal(store_setting_list(st, "other", "url", &ss, &n), 0);
    assert_int_equal(n, 0);
    store_setting_list_free(ss, n);
    store_close(st);
}

static void test_store_generation(void **state)
{
    /* Every write (also a failed one, a delete and a rollback) moves the generation; reads do
     * not: gateway/funcurl keeps the URL configs it read while it stays the same. */
    struct store *st = open_ok(*state);
    uint64_t g = store_generation(st);
    put_fn(st, "fn", "r1");
    assert_true(store_generation(st) != g);
    g = store_generation(st);
    assert_int_equal(store_setting_put(st, "fn", "url", "", "{\"a\":0}"), 0);
    assert_true(store_generation(st) != g);
    g = store_generation(st);
    char *doc = NULL;
    assert_int_equal(store_setting_get(st, "fn", "url", "", &doc), 0);
    free(doc);
    struct store_setting *ss = NULL;
    size_t n = 0;
    assert_int_equal(store_setting_list(st, "fn", "url", &ss, &n), 0);
    store_setting_list_free(ss, n);
    assert_int_equal(store_generation(st), g);
    assert_int_equal(store_setting_delete(st, "fn", "url", "nosuch"), -ENOENT);
    assert_true(store_generation(st) != g);
    g = store_generation(st);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_setting_put(st, "fn", "url", "", "{\"a\":1}"), 0);
    uint64_t in_tx = store_generation(st);
    assert_true(in_tx != g);
    assert_int_equal(store_rollback(st), 0);
    assert_true(store_generation(st) != in_tx);
    assert_int_equal(store_function_delete(st, "fn"), 0);
    assert_true(store_generation(st) != in_tx);
    store_close(st);
}

static void test_store_list_failure_leaves_nothing(void **state)
{
    /* A list whose table is gone fails with -EIO and hands back no rows, whatever it held. */
    struct store *st = open_ok(*state);
    put_fn(st, "fn", "r1");
    exec_sql(*state, "DROP TABLE aliases; DROP TABLE versions");
    struct store_alias *as = (struct store_alias *)&as;
    size_t n = 99;
    assert_int_equal(store_alias_list(st, "fn", &as, &n), -EIO);
    assert_null(as);
    assert_int_equal(n, 0);
    store_alias_list_free(as, n);
    struct store_version *vs = NULL;
    assert_int_equal(store_version_list(st, "fn", &vs, &n), -EIO);
    assert_null(vs);
    assert_int_equal(n, 0);
    char *doc = (char *)&doc;
    assert_int_equal(store_layer_get(st, "lib", 1, &doc), -ENOENT);
    assert_null(doc);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_open_creates_schema, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_open_shares_file_with_queue, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_open_rejects_newer_schema, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_open_rejects_garbage, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_open_refuses_damaged_page, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_open_refuses_emptied, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_write_failure_rolls_back, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_function_crud, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_function_put_revision, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_version_numbers, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_alias_and_settings, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_layers, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_setting_list, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_generation, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_store_list_failure_leaves_nothing, tmpdir_setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
