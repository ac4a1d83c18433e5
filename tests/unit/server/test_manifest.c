/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/manifest.c: the JSON manifest of `clambda serve --manifest`. */
#include <errno.h>
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

#include "catalog/manifest.h"

static char dir[64];

/* Writes text to <dir>/m.json and loads it. */
static int load(const char *text, struct function_config **fns, size_t *n, char *err, size_t errlen)
{
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/m.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return manifest_load(path, fns, n, err, errlen);
}

static int setup(void **state)
{
    (void)state;
    (void)snprintf(dir, sizeof(dir), "/tmp/clambda-manifest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char code[96];
    (void)snprintf(code, sizeof(code), "%s/code", dir);
    assert_int_equal(mkdir(code, 0755), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/m.json", dir);
    (void)unlink(path);
    (void)snprintf(path, sizeof(path), "%s/code", dir);
    (void)rmdir(path);
    (void)rmdir(dir);
    return 0;
}

static void test_manifest_good(void **state)
{
    (void)state;
    struct function_config *fns = NULL;
    size_t n = 0;
    char err[1024];
    int rc =
        load("{\"functions\": {\"a\": {\"code\": \"code\", \"memory\": 256, \"timeout\": \"9\","
             " \"provisioned\": 2, \"environment\": {\"K_1\": \"v\"}},"
             " \"b\": {\"code\": \"./code/\"}}}",
             &fns, &n, err, sizeof(err));
    assert_int_equal(rc, 0);
    assert_int_equal(n, 2);
    assert_string_equal(fns[0].name, "a");
    assert_int_equal(fns[0].memory_mb, 256);
    assert_int_equal(fns[0].timeout_s, 9);
    assert_int_equal(fns[0].provisioned, 2);
    assert_int_equal(fns[0].n_env, 1);
    assert_string_equal(fns[0].env[0], "K_1=v");
    char want[96];
    (void)snprintf(want, sizeof(want), "%s/code", dir);
    assert_string_equal(fns[0].code_dir, want); /* relative to the manifest, made absolute */
    assert_string_equal(fns[1].code_dir, want);
    assert_int_equal(fns[1].memory_mb, 128);
    manifest_free(fns, n);
    manifest_free(NULL, 0);
}

static void test_manifest_bad(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "line"},
        {"[]", "expected {\"functions\""},
        {"{\"functions\": {}, \"x\": 1}", "expected {\"functions\""},
        {"{\"functions\": {\"a\": {\"code\": \"code\"}, \"a\": {\"code\": \"code\"}}}", "line"},
        {"{\"functions\": {\"a\": 1}}", "functions.a: expected an object"},
        {"{\"functions\": {\"a\": {\"code\": \"\"}}}", "functions.a: expected an object"},
        {"{\"functions\": {\"a\": {\"code\": \"nope\"}}}", "functions.a.code"},
        {"{\"functions\": {\"a\": {\"code\": \"code\", \"memory\": 99999}}}",
         "functions.a.memory: invalid value 99999"},
        {"{\"functions\": {\"a\": {\"code\": \"code\", \"memory\": null}}}",
         "functions.a.memory: expected a string or an integer"},
        {"{\"functions\": {\"a\": {\"code\": \"code\", \"environment\": {\"K\": 1}}}}",
         "functions.a.environment.K: expected a string"},
        {"{\"functions\": {\"a\": {\"code\": \"code\"}, \"b!\": {\"code\": \"code\"}}}",
         "functions.b!.code"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct function_config *fns = NULL;
        size_t n = 0;
        char err[1024] = "";
        assert_int_equal(load(cases[i][0], &fns, &n, err, sizeof(err)), -EINVAL);
        assert_null(fns);
        if (strstr(err, cases[i][1]) == NULL || strstr(err, "m.json") == NULL) {
            fail_msg("case %zu: %s", i, err);
        }
    }
    char err[256];
    struct function_config *fns = NULL;
    size_t n = 0;
    assert_int_equal(manifest_load("/no/such/m.json", &fns, &n, err, sizeof(err)), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_good),
        cmocka_unit_test(test_manifest_bad),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
