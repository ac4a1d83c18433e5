/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/exec/cpuplace.c: when an environment shares the server's CPU, and
 * that pinning the server's thread and freeing it again really change its affinity, and where
 * INVOKE-subscribed extensions go. */
#include <sched.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exec/cpuplace.h"

static void test_cpuplace_wants_pin(void **state)
{
    (void)state;
    struct cpuplace cp;
    const unsigned long long s = 1000000000ULL;
    cpuplace_init(&cp, true);
    assert_true(cpuplace_wants_pin(&cp, 0, 128, 5 * s));
    assert_true(cpuplace_wants_pin(&cp, 0, CPUPLACE_ONE_CPU_MB, 5 * s));
    assert_false(cpuplace_wants_pin(&cp, 0, CPUPLACE_ONE_CPU_MB + 1, 5 * s)); /* > one vCPU */
    assert_false(cpuplace_wants_pin(&cp, 0, 0, 5 * s));
    assert_false(cpuplace_wants_pin(&cp, 1, 128, 6 * s)); /* concurrent environments spread */
    assert_false(cpuplace_wants_pin(&cp, 0, 128, 6 * s + CPUPLACE_CALM_NS - 1)); /* not yet */
    assert_true(cpuplace_wants_pin(&cp, 0, 128, 6 * s + CPUPLACE_CALM_NS));      /* calm again */
    cpuplace_init(&cp, false); /* --cpu-affinity none */
    assert_false(cpuplace_wants_pin(&cp, 0, 128, 5 * s));
}

static void test_cpuplace_pinned_set(void **state)
{
    (void)state;
    static struct cpuplace cp;
    int envs[CPUPLACE_MAX_PINNED + 1];
    cpuplace_init(&cp, true);
    assert_false(cpuplace_is_pinned(&cp, &envs[0]));
    for (int i = 0; i < CPUPLACE_MAX_PINNED; i++) {
        assert_true(cpuplace_add_pinned(&cp, &envs[i]));
    }
    assert_false(cpuplace_add_pinned(&cp, &envs[CPUPLACE_MAX_PINNED])); /* full */
    assert_true(cpuplace_is_pinned(&cp, &envs[3]));
    cpuplace_forget(&cp, &envs[3]);
    assert_false(cpuplace_is_pinned(&cp, &envs[3]));
    assert_true(cpuplace_is_pinned(&cp, &envs[CPUPLACE_MAX_PINNED - 1])); /* moved, kept */
    cpuplace_forget(&cp, &envs[3]);                                       /* not there: nothing */
    assert_int_equal(cp.n_pinned, CPUPLACE_MAX_PINNED - 1);
    assert_true(cpuplace_add_pinned(&cp, &envs[CPUPLACE_MAX_PINNED]));
}

static int allowed(void)
{
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
    return CPU_COUNT(&set);
}

static void test_cpuplace_pin_and_free_self(void **state)
{
    (void)state;
    int before = allowed();
    struct cpuplace cp;
    cpuplace_init(&cp, true);
    int cpu = cpuplace_pin_self(&cp);
    assert_true(cpu >= 0);
    assert_int_equal(allowed(), 1);
    assert_int_equal(sched_getcpu(), cpu);
    assert_int_equal(cpuplace_pin_self(&cp), cpu); /* pinned already */
    cpuplace_free_self(&cp);
    assert_int_equal(cp.server_cpu, -1);
    assert_int_equal(allowed(), before);
    cpuplace_free_self(&cp); /* not pinned: nothing */
    assert_int_equal(allowed(), before);
}

static void test_cpuplace_apart_set(void **state)
{
    (void)state;
    struct cpuplace cp;
    cpuplace_init(&cp, true);
    CPU_ZERO(&cp.all);
    CPU_SET(0, &cp.all);
    CPU_SET(1, &cp.all);
    CPU_SET(3, &cp.all);
    cpu_set_t set;
    cpuplace_apart_set(&cp, 1, &set); /* every CPU but the server's */
    assert_int_equal(CPU_COUNT(&set), 2);
    assert_true(CPU_ISSET(0, &set) && CPU_ISSET(3, &set) && !CPU_ISSET(1, &set));
    cpuplace_apart_set(&cp, -1, &set); /* unpinned: all of them */
    assert_true(CPU_EQUAL(&set, &cp.all));
    CPU_ZERO(&cp.all);
    CPU_SET(2, &cp.all);
    cpuplace_apart_set(&cp, 2, &set); /* one CPU: nowhere else to go */
    assert_true(CPU_EQUAL(&set, &cp.all));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpuplace_wants_pin),
        cmocka_unit_test(test_cpuplace_pinned_set),
        cmocka_unit_test(test_cpuplace_pin_and_free_self),
        cmocka_unit_test(test_cpuplace_apart_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
