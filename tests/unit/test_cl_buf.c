/* SPDX-License-Identifier: MIT */
/* Unit tests for cl_buf.c: growth up to the cap, failed appends leave the buffer unchanged,
 * printf, consume, and the NUL after the data. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "cl_buf.h"

static void test_cl_buf_append_cap(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 10);
    assert_string_equal(cl_buf_str(&b), "");
    assert_int_equal(cl_buf_append(&b, "0123456789", 10), 0);
    assert_int_equal(b.len, 10);
    assert_int_equal(b.data[10], '\0');
    assert_int_equal(cl_buf_append_byte(&b, 'x'), -E2BIG);
    assert_int_equal(b.len, 10);
    assert_int_equal(cl_buf_append(&b, "", 0), 0);
    assert_true(b.cap <= 11);
    cl_buf_fini(&b);
    cl_buf_fini(NULL);
}

static void test_cl_buf_append_grows(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, SIZE_MAX);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(cl_buf_append_str(&b, "abc"), 0);
    }
    assert_int_equal(b.len, 30000);
    assert_int_equal(cl_buf_reserve(&b, SIZE_MAX), -E2BIG);
    cl_buf_fini(&b);
}

static void test_cl_buf_printf_consume(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 64);
    assert_int_equal(cl_buf_printf(&b, "%s-%d", "id", 42), 0);
    assert_string_equal(cl_buf_str(&b), "id-42");
    cl_buf_consume(&b, 3);
    assert_string_equal(cl_buf_str(&b), "42");
    cl_buf_consume(&b, 99);
    assert_int_equal(b.len, 0);
    assert_string_equal(cl_buf_str(&b), "");
    char big[100];
    memset(big, 'a', sizeof(big) - 1);
    big[99] = '\0';
    assert_int_equal(cl_buf_printf(&b, "%s", big), -E2BIG);
    assert_int_equal(b.len, 0);
    cl_buf_fini(&b);
}

static void test_cl_buf_append_oom(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 1024);
    cl_alloc_fail_after(0);
    assert_int_equal(cl_buf_append_str(&b, "x"), -ENOMEM);
    assert_int_equal(b.len, 0);
    assert_null(cl_alloc_strdup("y"));
    cl_alloc_fail_after(-1);
    assert_int_equal(cl_buf_append_str(&b, "x"), 0);
    char *d = cl_alloc_strndup("hello", 3);
    assert_string_equal(d, "hel");
    cl_alloc_free(d);
    assert_null(cl_alloc_strdup(NULL));
    cl_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cl_buf_append_cap),
        cmocka_unit_test(test_cl_buf_append_grows),
        cmocka_unit_test(test_cl_buf_printf_consume),
        cmocka_unit_test(test_cl_buf_append_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
