/* SPDX-License-Identifier: MIT */
/* Unit tests for catalog/lifecycle.c: Pending and InProgress last CLAMBDA_TEST_STATE_DELAY_MS
 * (read once), per function, and end by themselves; without the variable they never outlast
 * the operation's answer. */
#include <stdlib.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog/lifecycle.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL);
}

static void test_lifecycle_delay(void **state)
{
    (void)state;
    assert_int_equal(setenv("CLAMBDA_TEST_STATE_DELAY_MS", "2000", 1), 0);
    assert_int_equal(lifecycle_delay_ms(), 2000);
    lifecycle_created("a");
    assert_true(lifecycle_pending("a"));
    assert_false(lifecycle_updating("a"));
    assert_false(lifecycle_pending("b"));
    lifecycle_updated("b");
    assert_true(lifecycle_updating("b"));
    assert_false(lifecycle_pending("b"));
    lifecycle_forget("a");
    assert_false(lifecycle_pending("a"));
    /* the variable is read once: changing it later changes nothing */
    assert_int_equal(setenv("CLAMBDA_TEST_STATE_DELAY_MS", "0", 1), 0);
    assert_int_equal(lifecycle_delay_ms(), 2000);
    lifecycle_created("c");
    sleep_ms(2200);
    assert_false(lifecycle_pending("c"));
    assert_false(lifecycle_updating("b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
