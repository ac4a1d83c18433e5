/* SPDX-License-Identifier: MIT */
/* cli_tune and cli_tune_svg: REPORT lines read back (with and without Init Duration, the
 * "Duration" inside "Billed Duration" not mistaken for it), nearest-rank percentiles, the cost
 * of a million invocations at each architecture's price, the cheapest and fastest rows, and the
 * chart's elements (two series of one point per row, an escaped title). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_tune.h"
#include "cli_tune_svg.h"

static const char cold_log[] =
    "INIT_START Runtime Version: provided:al2023\n"
    "START RequestId: 1 Version: $LATEST\n"
    "END RequestId: 1\n"
    "REPORT RequestId: 1\tDuration: 12.34 ms\tBilled Duration: 20 ms\tMemory Size: 256 MB\t"
    "Max Memory Used: 17 MB\tInit Duration: 7.50 ms\t\n";

static void report_cold(void **state)
{
    (void)state;
    struct cli_tune_report r;
    assert_int_equal(cli_tune_parse_report(cold_log, strlen(cold_log), &r), 0);
    assert_true(fabs(r.duration_ms - 12.34) < 1e-9);
    assert_true(fabs(r.billed_ms - 20) < 1e-9);
    assert_true(r.has_init);
    assert_true(fabs(r.init_ms - 7.5) < 1e-9);
    assert_int_equal(r.memory_mb, 256);
    assert_int_equal(r.max_memory_mb, 17);
}

static void report_warm_last_line_wins(void **state)
{
    (void)state;
    const char log[] = "REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\t\n"
                       "some output\n"
                       "REPORT RequestId: b\tDuration: 3.25 ms\tBilled Duration: 4 ms\t"
                       "Memory Size: 128 MB\tMax Memory Used: 9 MB\t";
    struct cli_tune_report r;
    assert_int_equal(cli_tune_parse_report(log, strlen(log), &r), 0);
    assert_true(fabs(r.duration_ms - 3.25) < 1e-9);
    assert_false(r.has_init);
    assert_int_equal(r.max_memory_mb, 9);
}

static void report_missing(void **state)
{
    (void)state;
    struct cli_tune_report r;
    const char none[] = "START RequestId: 1\nEND RequestId: 1\n";
    assert_int_equal(cli_tune_parse_report(none, strlen(none), &r), -ENOENT);
    /* only "Billed Duration": the Duration field itself is missing */
    const char bad[] = "REPORT RequestId: 1\tBilled Duration: 4 ms\t\n";
    assert_int_equal(cli_tune_parse_report(bad, strlen(bad), &r), -EBADMSG);
    /* not at a line's start: text that merely contains the tag */
    const char inner[] = "say REPORT RequestId: 1\tDuration: 1 ms\tBilled Duration: 1 ms\n";
    assert_int_equal(cli_tune_parse_report(inner, strlen(inner), &r), -ENOENT);
}

static void percentiles(void **state)
{
    (void)state;
    double v[] = {50, 10, 40, 20, 30, 60, 70, 80, 90, 100};
    assert_true(cli_tune_percentile(v, 10, 0.5) == 50);
    assert_true(cli_tune_percentile(v, 10, 0.9) == 90);
    double one[] = {7};
    assert_true(cli_tune_percentile(one, 1, 0.9) == 7);
    double three[] = {3, 1, 2};
    assert_true(cli_tune_percentile(three, 3, 0.5) == 2);
}

static void cost(void **state)
{
    (void)state;
    /* 1 GB for 100 ms = 0.1 GB-s: x86_64 1.66667 $ + 0.20 $ of requests per million */
    assert_true(fabs(cli_tune_cost_per_million("x86_64", 1024, 100) - 1.86667) < 1e-4);
    assert_true(fabs(cli_tune_cost_per_million("arm64", 1024, 100) - 1.53334) < 1e-4);
    assert_true(fabs(cli_tune_cost_per_million("x86_64", 128, 1) - (0.0020833 + 0.2)) < 1e-4);
    assert_true(cli_tune_cost_per_million("mips", 128, 1) < 0);
    assert_true(cli_tune_price_request() * 1e6 > 0.1999 && cli_tune_price_request() * 1e6 < 0.2001);
    assert_non_null(strstr(cli_tune_price_source(), "aws.amazon.com/lambda/pricing"));
    assert_non_null(strstr(cli_tune_price_source(), "x86_64 $0.0000166667/GB-s"));
    assert_non_null(strstr(cli_tune_price_source(), "arm64 $0.0000133334/GB-s"));
}

static void rows_and_best(void **state)
{
    (void)state;
    struct cli_tune_report cold = {
        .duration_ms = 50, .init_ms = 8, .has_init = true, .max_memory_mb = 20};
    struct cli_tune_report warm[4] = {{.duration_ms = 40, .billed_ms = 40, .max_memory_mb = 21},
                                      {.duration_ms = 10, .billed_ms = 10},
                                      {.duration_ms = 30, .billed_ms = 30},
                                      {.duration_ms = 20, .billed_ms = 20}};
    struct cli_tune_row rows[3];
    cli_tune_row_fill(&rows[0], "x86_64", 128, &cold, warm, 4);
    assert_true(rows[0].p50_ms == 20 && rows[0].p90_ms == 40);
    assert_true(rows[0].billed_mean_ms == 25);
    assert_true(rows[0].cold_init_ms == 8 && rows[0].cold_duration_ms == 50);
    assert_int_equal(rows[0].max_memory_mb, 21);
    rows[1] = rows[0];
    rows[1].memory_mb = 1024;
    rows[1].p50_ms = 5;
    rows[1].cost_per_million = rows[0].cost_per_million * 2;
    rows[2] = rows[1];
    rows[2].memory_mb = 2048;
    rows[2].cost_per_million = rows[1].cost_per_million * 2; /* as fast, dearer */
    size_t cheap, fast;
    cli_tune_best(rows, 3, &cheap, &fast);
    assert_int_equal(cheap, 0);
    assert_int_equal(fast, 1);
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) {
        n++;
    }
    return n;
}

static void svg(void **state)
{
    (void)state;
    struct cli_tune_row rows[3] = {{.memory_mb = 128, .p50_ms = 200, .cost_per_million = 0.6},
                                   {.memory_mb = 512, .p50_ms = 50, .cost_per_million = 0.6},
                                   {.memory_mb = 1024, .p50_ms = 25, .cost_per_million = 0.63}};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(cli_tune_svg_write(f, rows, 3, "fn <a&b>"), 0);
    assert_int_equal(fclose(f), 0);
    assert_non_null(strstr(text, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(text, "<title>fn &lt;a&amp;b&gt;</title>"));
    assert_int_equal(count(text, "<polyline "), 2);
    assert_int_equal(count(text, "<circle class=\"duration\""), 3);
    assert_int_equal(count(text, "<circle class=\"cost\""), 3);
    assert_non_null(strstr(text, ">1024</text>"));
    /* duration axis up to 200 (a nice maximum): the 128 MB point sits on the top gridline */
    assert_non_null(strstr(text, "<circle class=\"duration\" cx=\"80.0\" cy=\"60.0\""));
    assert_non_null(strstr(text, "</svg>\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_cold),
        cmocka_unit_test(report_warm_last_line_wins),
        cmocka_unit_test(report_missing),
        cmocka_unit_test(percentiles),
        cmocka_unit_test(cost),
        cmocka_unit_test(rows_and_best),
        cmocka_unit_test(svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
