/* SPDX-License-Identifier: MIT */
/* The alias cache and the weighted pick (aliases.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/aliases.h"

static struct alias_target target(const char *v, const char *extra, double w)
{
    struct alias_target t;
    memset(&t, 0, sizeof(t));
    (void)snprintf(t.version, sizeof(t.version), "%s", v);
    (void)snprintf(t.extra, sizeof(t.extra), "%s", extra);
    t.weight = w;
    return t;
}

static void test_pick_by_weight(void **state)
{
    (void)state;
    struct alias_target t = target("1", "2", 0.25);
    assert_string_equal(aliases_pick(&t, 0.0), "2");
    assert_string_equal(aliases_pick(&t, 0.2499), "2");
    assert_string_equal(aliases_pick(&t, 0.25), "1");
    assert_string_equal(aliases_pick(&t, 0.9999), "1");
    /* a uniform sweep of r gives the weight's share */
    int extra = 0;
    for (int i = 0; i < 1000; i++) {
        extra += strcmp(aliases_pick(&t, i / 1000.0), "2") == 0;
    }
    assert_int_equal(extra, 250);
}

static void test_uniform01(void **state)
{
    (void)state;
    int low = 0;
    for (int i = 0; i < 10000; i++) {
        double r = aliases_uniform01();
        assert_true(r >= 0.0 && r < 1.0);
        low += r < 0.5;
    }
    assert_in_range(low, 4500, 5500); /* roughly uniform */
}

static void test_pick_edges(void **state)
{
    (void)state;
    struct alias_target none = target("3", "", 0.9);
    assert_string_equal(aliases_pick(&none, 0.0), "3"); /* no routing: weight ignored */
    struct alias_target zero = target("1", "2", 0.0);
    assert_string_equal(aliases_pick(&zero, 0.0), "1");
    struct alias_target all = target("1", "2", 1.0);
    assert_string_equal(aliases_pick(&all, 0.99999), "2");
}

static void test_cache(void **state)
{
    (void)state;
    struct aliases *a = NULL;
    aliases_new(&a);
    struct alias_target t1 = target("1", "", 0);
    struct alias_target t2 = target("2", "3", 0.5);
    aliases_set(a, "f", "live", &t1);
    aliases_set(a, "f", "canary", &t2);
    aliases_set(a, "g", "live", &t2);
    assert_string_equal(aliases_get(a, "f", "live")->version, "1");
    assert_null(aliases_get(a, "f", "nope"));
    assert_null(aliases_get(NULL, "f", "live"));
    aliases_set(a, "f", "live", &t2); /* replace */
    assert_string_equal(aliases_get(a, "f", "live")->version, "2");
    char name[ALIASES_NAME_MAX + 1];
    assert_true(aliases_uses(a, "f", "3", name, sizeof(name)));
    assert_false(aliases_uses(a, "f", "1", name, sizeof(name)));
    aliases_remove(a, "f", "live");
    assert_null(aliases_get(a, "f", "live"));
    assert_non_null(aliases_get(a, "f", "canary"));
    aliases_remove(a, "f", NULL);
    assert_null(aliases_get(a, "f", "canary"));
    assert_non_null(aliases_get(a, "g", "live"));
    aliases_free(a);
    aliases_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_by_weight),
        cmocka_unit_test(test_pick_edges),
        cmocka_unit_test(test_uniform01),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
