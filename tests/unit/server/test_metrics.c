/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/metrics.c and metering.c: the Prometheus text format (HELP and
 * TYPE before every family, label escaping, cumulative histogram buckets, live and server-wide
 * gauges), the metering arithmetic and the metering file rollover. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "observe/metering.h"
#include "observe/metrics.h"

static void test_metering_compute(void **state)
{
    (void)state;
    struct metering_prices p;
    metering_prices_default(&p);
    struct metering_record r = {
        .arch = "x86_64", .duration_ns = 1500001, .init_ns = 0, .memory_mb = 128};
    metering_compute(&r, &p);
    assert_int_equal(r.billed_ms, 2); /* 1.500001 ms rounds up */
    assert_true(r.gb_seconds == 256.0 / 1024000.0);
    assert_true(r.duration_cost == r.gb_seconds * 0.0000166667);
    assert_true(r.request_cost == 0.0000002);
    r = (struct metering_record){
        .arch = "arm64", .duration_ns = 0, .init_ns = 0, .memory_mb = 1024};
    metering_compute(&r, &p);
    assert_int_equal(r.billed_ms, 1); /* at least 1 ms */
    assert_true(r.gb_seconds == 0.001);
    assert_true(r.duration_cost == 0.001 * 0.0000133334);
    r = (struct metering_record){
        .arch = "x86_64", .duration_ns = 3000000, .init_ns = 7000001, .memory_mb = 2048};
    metering_compute(&r, &p);
    assert_int_equal(r.billed_ms, 11); /* init is billed */
}

static void test_metering_append_rolls_over(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-meter-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct metering_prices p;
    metering_prices_default(&p);
    struct metering_record r = {.function = "f",
                                .version = "$LATEST",
                                .request_id = "id",
                                .arch = "x86_64",
                                .outcome = "success",
                                .memory_mb = 128,
                                .duration_ns = 1000000};
    metering_compute(&r, &p);
    char line[1024];
    int n = metering_format(&r, line, sizeof(line));
    assert_true(n > 0 && line[n - 1] == '\n');
    assert_non_null(strstr(line, "\"billedMs\":1,\"gbSeconds\":0.000125,"));
    assert_int_equal(metering_format(&r, line, 10), -E2BIG);
    struct metering_file mf;
    metering_file_init(&mf);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(metering_append(dir, &r, (uint64_t)n * 2, &mf), 0);
        assert_true(mf.fd >= 0); /* kept open for the next record */
    }
    metering_file_fini(&mf);
    metering_file_fini(&mf);
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/metering/f.jsonl", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    assert_int_equal(ftell(f), n); /* the third record started a new file */
    (void)fclose(f);
    char old[140];
    (void)snprintf(old, sizeof(old), "%s.1", path);
    assert_int_equal(access(old, F_OK), 0);
    (void)unlink(old);
    (void)unlink(path);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    (void)fclose(f);
    return n;
}

/* The kept descriptor follows the path: a file moved aside, a metering directory removed (a
 * deleted function's state) and another function's record each reopen, and no record is
 * written to a file the path no longer names. */
static void test_metering_file_follows_the_path(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-meter-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct metering_prices p;
    metering_prices_default(&p);
    struct metering_record r = {.function = "f",
                                .version = "$LATEST",
                                .request_id = "id",
                                .arch = "x86_64",
                                .outcome = "success",
                                .memory_mb = 128,
                                .duration_ns = 1000000};
    metering_compute(&r, &p);
    char line[1024];
    long n = metering_format(&r, line, sizeof(line));
    char fpath[128], gpath[128], moved[140], mdir[80];
    (void)snprintf(mdir, sizeof(mdir), "%s/metering", dir);
    (void)snprintf(fpath, sizeof(fpath), "%s/f.jsonl", mdir);
    (void)snprintf(gpath, sizeof(gpath), "%s/g.jsonl", mdir);
    (void)snprintf(moved, sizeof(moved), "%s.moved", fpath);
    struct metering_file mf;
    metering_file_init(&mf);
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    assert_int_equal(file_size(fpath), 2 * n);
    assert_int_equal(rename(fpath, moved), 0); /* an operator moves it aside */
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    assert_int_equal(file_size(moved), 2 * n);
    assert_int_equal(file_size(fpath), n);
    r.function = "g"; /* another function: its own file */
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    r.function = "f";
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    assert_int_equal(file_size(fpath), 2 * n);
    assert_int_equal(file_size(gpath), n);
    assert_int_equal(unlink(fpath), 0); /* the whole directory goes */
    assert_int_equal(unlink(gpath), 0);
    assert_int_equal(unlink(moved), 0);
    assert_int_equal(rmdir(mdir), 0);
    assert_int_equal(metering_append(dir, &r, 0, &mf), 0);
    assert_int_equal(file_size(fpath), n);
    metering_file_fini(&mf);
    assert_int_equal(mf.fd, -1);
    (void)unlink(fpath);
    (void)rmdir(mdir);
    (void)rmdir(dir);
}

static int fake_live(void *arg, size_t i, const char **name, struct metrics_live *out)
{
    (void)arg;
    if (i > 1) {
        return -ENOENT;
    }
    *name = "fn"; /* two versions of one function: summed */
    *out =
        (struct metrics_live){.envs_alive = 2, .envs_idle = 1, .concurrent = 1, .queue_depth = 3};
    return 0;
}

static double seven(void *arg)
{
    (void)arg;
    return 7;
}

static long depth(void *arg, const char *function)
{
    (void)arg;
    return strcmp(function, "fn") == 0 ? 42 : -1;
}

/* Every family: "# HELP name ..." then "# TYPE name kind", then only samples of name. */
static void check_format(const char *text)
{
    char family[128] = "";
    const char *line = text;
    while (*line) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        if (strncmp(line, "# HELP ", 7) == 0) {
            size_t n = strcspn(line + 7, " ");
            memcpy(family, line + 7, n);
            family[n] = '\0';
            const char *type = nl + 1;
            assert_int_equal(strncmp(type, "# TYPE ", 7), 0);
            assert_int_equal(strncmp(type + 7, family, n), 0);
            line = strchr(type, '\n') + 1;
            continue;
        }
        assert_int_equal(strncmp(line, family, strlen(family)), 0);
        line = nl + 1;
    }
}

static void test_metrics_render(void **state)
{
    (void)state;
    struct metrics *m = NULL;
    metrics_new(NULL, 0, &m);
    metrics_set_live(m, fake_live, NULL);
    metrics_add_gauge(m, "clambda_isolation_info", "Mode.", "mode=\"none\"", seven, NULL);
    struct metering_record r = {.function = "fn",
                                .arch = "x86_64",
                                .memory_mb = 128,
                                .duration_ns = 5000000,
                                .init_ns = 2000000,
                                .is_cold = true};
    metrics_invocation(m, &r, METRICS_SUCCESS);
    r = (struct metering_record){
        .function = "fn", .arch = "x86_64", .memory_mb = 128, .duration_ns = 5000001};
    metrics_invocation(m, &r, METRICS_FUNCTION_ERROR);
    metrics_throttle(m, "q\"x\\y\nz");
    struct cl_buf out;
    cl_buf_init(&out, 1 << 20);
    assert_int_equal(metrics_render(m, &out), 0);
    const char *t = cl_buf_str(&out);
    check_format(t);
    static const char *const want[] = {
        "clambda_invocations_total{function=\"fn\",outcome=\"success\"} 1\n",
        "clambda_invocations_total{function=\"fn\",outcome=\"function_error\"} 1\n",
        "clambda_invocations_total{function=\"q\\\"x\\\\y\\nz\",outcome=\"throttled\"} 1\n",
        "clambda_errors_total{function=\"fn\"} 1\n",
        "clambda_cold_starts_total{function=\"fn\"} 1\n",
        "clambda_billed_duration_milliseconds_total{function=\"fn\"} 13\n",
        "clambda_environments_alive{function=\"fn\"} 4\n",
        "clambda_environments_idle{function=\"fn\"} 2\n",
        "clambda_concurrent_executions{function=\"fn\"} 2\n",
        "clambda_async_queue_depth{function=\"fn\"} 6\n",
        "clambda_duration_seconds_bucket{function=\"fn\",le=\"0.001\"} 0\n",
        "clambda_duration_seconds_bucket{function=\"fn\",le=\"0.005\"} 1\n", /* 5 ms: le */
        "clambda_duration_seconds_bucket{function=\"fn\",le=\"0.01\"} 2\n",
        "clambda_duration_seconds_bucket{function=\"fn\",le=\"900\"} 2\n",
        "clambda_duration_seconds_bucket{function=\"fn\",le=\"+Inf\"} 2\n",
        "clambda_duration_seconds_count{function=\"fn\"} 2\n",
        "clambda_duration_seconds_sum{function=\"fn\"} 0.010000001\n",
        "clambda_init_duration_seconds_count{function=\"fn\"} 1\n",
        "clambda_init_duration_seconds_bucket{function=\"fn\",le=\"0.001\"} 0\n",
        "clambda_init_duration_seconds_bucket{function=\"fn\",le=\"0.005\"} 1\n",
        "clambda_cost_usd_total{function=\"fn\",kind=\"request\"} 3.9999999999999998e-07\n",
        "# TYPE clambda_duration_seconds histogram\n",
        "# TYPE clambda_invocations_total counter\n",
        "# TYPE clambda_concurrent_executions gauge\n",
        "clambda_isolation_info{mode=\"none\"} 7\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (strstr(t, want[i]) == NULL) {
            fail_msg("missing %s in\n%s", want[i], t);
        }
    }
    cl_buf_reset(&out);
    metrics_set_queue_depth(m, depth, NULL); /* the durable queue takes over */
    assert_int_equal(metrics_render(m, &out), 0);
    assert_non_null(strstr(cl_buf_str(&out), "clambda_async_queue_depth{function=\"fn\"} 42\n"));
    cl_buf_fini(&out);
    metrics_free(m);
    metrics_free(NULL);
}

static void test_metrics_escape_label(void **state)
{
    (void)state;
    struct cl_buf out;
    cl_buf_init(&out, 64);
    assert_int_equal(metrics_escape_label(&out, "a\"b\\c\nd"), 0);
    assert_string_equal(cl_buf_str(&out), "a\\\"b\\\\c\\nd");
    cl_buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metering_compute),
        cmocka_unit_test(test_metering_append_rolls_over),
        cmocka_unit_test(test_metering_file_follows_the_path),
        cmocka_unit_test(test_metrics_render),
        cmocka_unit_test(test_metrics_escape_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
