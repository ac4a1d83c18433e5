/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/report.c: exact START/END/REPORT/INIT_REPORT lines, 2-decimal
 * durations and billing (ceil to 1 ms, INIT included). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "observe/report.h"

static void test_report_billed_ms(void **state)
{
    (void)state;
    assert_int_equal(report_billed_ms(0, 0), 1);
    assert_int_equal(report_billed_ms(1, 0), 1);
    assert_int_equal(report_billed_ms(1000000, 0), 1);
    assert_int_equal(report_billed_ms(1000001, 0), 2);
    assert_int_equal(report_billed_ms(12340000, 158350000), 171);
}

static void test_report_append_ms(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 256);
    assert_int_equal(report_append_ms(&b, 12345000), 0); /* 12.345 -> 12.35 (half up) */
    assert_int_equal(cl_buf_append_str(&b, " "), 0);
    assert_int_equal(report_append_ms(&b, 4999), 0);
    assert_int_equal(cl_buf_append_str(&b, " "), 0);
    assert_int_equal(report_append_ms(&b, 10009130000ULL), 0);
    assert_string_equal(cl_buf_str(&b), "12.35 0.00 10009.13");
    cl_buf_fini(&b);
}

static void test_report_lines(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 4096);
    struct report r = {.request_id = "id-1",
                       .duration_ns = 12340000,
                       .init_ns = 158350000,
                       .has_init = true,
                       .memory_mb = 128,
                       .max_memory_used_mb = 50};
    assert_int_equal(report_start(&b, "id-1", "$LATEST"), 0);
    assert_int_equal(report_end(&b, "id-1"), 0);
    assert_int_equal(report_report(&b, &r), 0);
    r.has_init = false;
    r.status = "timeout";
    assert_int_equal(report_report(&b, &r), 0);
    r.status = "error";
    r.error_type = "Runtime.ExitError";
    assert_int_equal(report_report(&b, &r), 0);
    assert_int_equal(report_init_report(&b, 10009130000ULL, "timeout", NULL), 0);
    assert_int_equal(report_init_report(&b, 1500000, "error", "Runtime.ExitError"), 0);
    assert_int_equal(report_init_report_phase(&b, 2000000, "invoke", "error", "Runtime.X"), 0);
    assert_string_equal(
        cl_buf_str(&b),
        "START RequestId: id-1 Version: $LATEST\n"
        "END RequestId: id-1\n"
        "REPORT RequestId: id-1\tDuration: 12.34 ms\tBilled Duration: 171 ms\tMemory Size: 128 "
        "MB\tMax Memory Used: 50 MB\tInit Duration: 158.35 ms\t\n"
        "REPORT RequestId: id-1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 "
        "MB\tMax Memory Used: 50 MB\tStatus: timeout\t\n"
        "REPORT RequestId: id-1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 "
        "MB\tMax Memory Used: 50 MB\tStatus: error\tError Type: Runtime.ExitError\t\n"
        "INIT_REPORT Init Duration: 10009.13 ms\tPhase: init\tStatus: timeout\n"
        "INIT_REPORT Init Duration: 1.50 ms\tPhase: init\tStatus: error\tError Type: "
        "Runtime.ExitError\n"
        "INIT_REPORT Init Duration: 2.00 ms\tPhase: invoke\tStatus: error\tError Type: "
        "Runtime.X\n");
    cl_buf_fini(&b);
}

static void test_report_timeout_line(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 256);
    assert_int_equal(report_timeout_line(&b, 1700000000123LL, "id-2", 3), 0);
    assert_string_equal(cl_buf_str(&b),
                        "2023-11-14T22:13:20.123Z id-2 Task timed out after 3.00 seconds\n");
    cl_buf_fini(&b);
    assert_int_equal(report_mb_from_kb(0), 1);
    assert_int_equal(report_mb_from_kb(1024), 1);
    assert_int_equal(report_mb_from_kb(1025), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_billed_ms),
        cmocka_unit_test(test_report_append_ms),
        cmocka_unit_test(test_report_lines),
        cmocka_unit_test(test_report_timeout_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
