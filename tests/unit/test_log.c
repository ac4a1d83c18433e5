/* SPDX-License-Identifier: MIT */
/* Unit tests for log.c: the calendar arithmetic against gmtime_r, and the text and JSON line
 * formats (stderr captured through a pipe). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "runtime_int.h"

static void check_time(int64_t t)
{
    char got[40], want[40];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.123Z", &tm);
    log_iso_time(got, sizeof(got), t * 1000 + 123);
    assert_string_equal(got, want);
}

static void test_log_iso_time_matches_gmtime(void **state)
{
    (void)state;
    /* leap days (2000-02-29, 2024-02-29), 2100-03-01 (no leap day), the end of 9999 */
    static const int64_t edges[] = {0, 951782400, 951868799, 4107542400, 1709164800, 253402300799};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        check_time(edges[i]);
    }
    for (int64_t s = 0; s < 9000000000LL; s += 1111111) { /* ~13 days apart, 1970-2255 */
        check_time(s);
        check_time(s + 86399);
    }
}

/* Runs clambda_log with stderr redirected; returns the captured text (caller frees). */
static char *capture(const clambda_runtime *rt, int level, const char *msg)
{
    int fds[2], saved = dup(STDERR_FILENO);
    assert_int_equal(pipe(fds), 0);
    dup2(fds[1], STDERR_FILENO);
    clambda_log(rt, level, "%s", msg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    char *out = calloc(1, 65536);
    ssize_t n = read(fds[0], out, 65535);
    close(fds[0]);
    assert_true(n >= 0);
    return out;
}

static void test_log_text_and_json(void **state)
{
    (void)state;
    clambda_runtime *rt;
    setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
    setenv("AWS_LAMBDA_LOG_LEVEL", "WARN", 1);
    assert_int_equal(clambda_runtime_open_at("127.0.0.1:9", &rt), CLAMBDA_OK);
    rt->inv.is_active = true;
    rt->inv.request_id = "rid-1";
    char *line = capture(rt, CLAMBDA_LOG_ERROR, "bad \"thing\"\n");
    assert_non_null(strstr(line, "\"level\":\"ERROR\",\"message\":\"bad \\\"thing\\\"\\n\","
                                 "\"requestId\":\"rid-1\"}\n"));
    assert_int_equal(strncmp(line, "{\"timestamp\":\"", 14), 0);
    free(line);
    line = capture(rt, CLAMBDA_LOG_INFO, "dropped below WARN");
    assert_string_equal(line, "");
    free(line);
    clambda_runtime_close(rt);
    unsetenv("AWS_LAMBDA_LOG_FORMAT");
    line = capture(NULL, CLAMBDA_LOG_DEBUG, "plain");
    assert_non_null(strstr(line, "Z\t-\tDEBUG\tplain\n"));
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_iso_time_matches_gmtime),
        cmocka_unit_test(test_log_text_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
