/* SPDX-License-Identifier: MIT */
/* base/log: prefixes per level, one line per call with its newline, the level filter and
 * CLAMBDA_LOG_LEVEL, long messages cut without overflowing. stderr is redirected to a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/log.h"

/* Runs fn with stderr going to a temporary file; returns what was written (free it). */
static char *capture(void (*fn)(void))
{
    char path[] = "/tmp/clambda-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    fn();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *buf = calloc(1, (size_t)n + 1);
    assert_true(pread(fd, buf, (size_t)n, 0) == n);
    close(fd);
    unlink(path);
    return buf;
}

static void levels(void)
{
    log_set_level(LOG_INFO);
    log_error("e %d", 1);
    log_warn("w %s", "x");
    log_info("i");
    log_debug("d");
}

static void test_prefixes_and_filter(void **state)
{
    (void)state;
    char *out = capture(levels);
    assert_string_equal(out, "clambda: e 1\nclambda: warning: w x\nclambda: i\n");
    free(out);
}

static void from_env(void)
{
    log_set_level(LOG_INFO);
    setenv("CLAMBDA_LOG_LEVEL", "debug", 1);
    log_set_level_from_env();
    log_debug("shown");
    setenv("CLAMBDA_LOG_LEVEL", "error", 1);
    log_set_level_from_env();
    log_warn("hidden");
    log_error("kept");
    setenv("CLAMBDA_LOG_LEVEL", "loud", 1); /* unknown: the level stays */
    log_set_level_from_env();
    log_info("hidden too");
    unsetenv("CLAMBDA_LOG_LEVEL");
    log_set_level(LOG_INFO);
}

static void test_env_level(void **state)
{
    (void)state;
    char *out = capture(from_env);
    assert_string_equal(out, "clambda: debug: shown\nclambda: kept\n");
    free(out);
}

static void long_line(void)
{
    char big[10000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    log_error("%s", big);
}

static void test_long_message_one_line(void **state)
{
    (void)state;
    char *out = capture(long_line);
    size_t n = strlen(out);
    assert_true(n > 4000 && n <= 4096);
    assert_int_equal(out[n - 1], '\n');
    assert_null(strchr(out, '\n') == out + n - 1 ? NULL : out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes_and_filter),
        cmocka_unit_test(test_env_level),
        cmocka_unit_test(test_long_message_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
