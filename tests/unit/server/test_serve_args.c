/* SPDX-License-Identifier: MIT */
/* serve_args: options that own strings are parsed and freed once each, whatever their order
 * (regression: --cgroup-root freed --root's string, which serve_args_fini freed again). */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "serve/serve_args.h"

static void test_root_then_cgroup_root(void **state)
{
    (void)state;
    char a[][32] = {"serve",         "--root",           "/srv/al2023",
                    "--cgroup-root", "/sys/fs/cgroup/x", "--isolation",
                    "none",          "--state-dir",      "/tmp/clambda-test-args"};
    char *argv[] = {a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], NULL};
    struct serve_opts o;
    optind = 1;
    assert_int_equal(serve_args_parse(9, argv, &o), 0);
    assert_string_equal(o.root_dir, "/srv/al2023");
    assert_string_equal(o.cgroup_root, "/sys/fs/cgroup/x");
    serve_args_fini(&o); /* ASan: each string freed once */
}

static void test_relative_roots_refused(void **state)
{
    (void)state;
    char a[][16] = {"serve", "--cgroup-root", "relative"};
    char *argv[] = {a[0], a[1], a[2], NULL};
    struct serve_opts o;
    optind = 1;
    assert_true(serve_args_parse(3, argv, &o) != 0);
    serve_args_fini(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_then_cgroup_root),
        cmocka_unit_test(test_relative_roots_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
