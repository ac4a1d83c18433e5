/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/logs.c: the 4 KB tail, line cutting across pieces, long lines split,
 * platform lines after flushed partial lines, and the stream naming. */
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

#include "logs.h"

static void test_logs_tail_append(void **state)
{
    (void)state;
    static uint8_t big[LOGS_TAIL_MAX + 10];
    struct logs_tail t = {.len = 0};
    logs_tail_append(&t, (const uint8_t *)"abc", 3);
    assert_int_equal(t.len, 3);
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)('a' + i % 26);
    }
    logs_tail_append(&t, big, LOGS_TAIL_MAX - 1);
    assert_int_equal(t.len, LOGS_TAIL_MAX);
    assert_memory_equal(t.data, "c", 1); /* the first two bytes fell out */
    logs_tail_append(&t, big, sizeof(big));
    assert_int_equal(t.len, LOGS_TAIL_MAX);
    assert_memory_equal(t.data, big + 10, LOGS_TAIL_MAX);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[*len] = '\0';
    (void)fclose(f);
    return buf;
}

static void test_logs_feed(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-logs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct logs_stream *s = NULL;
    struct logs_stream *v7 = NULL;
    assert_int_equal(logs_open(dir, "fn", "7", &v7), 0);
    assert_non_null(strstr(logs_name(v7), "/[7]"));
    logs_close(v7);
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &s), 0);
    char prefix[256];
    (void)snprintf(prefix, sizeof(prefix), "%s/logs/fn/", dir);
    assert_memory_equal(logs_path(s), prefix, strlen(prefix));
    assert_int_equal(strlen(logs_name(s)), strlen("2024/01/02/[$LATEST]") + 32);
    struct logs_tail t = {.len = 0};
    logs_attach(s, &t);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"one\ntw", 6);
    logs_feed(s, LOGS_STDERR, (const uint8_t *)"err-partial", 11);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"o\nthree", 7);
    struct cl_buf text;
    cl_buf_init(&text, 64);
    assert_int_equal(cl_buf_append_str(&text, "END RequestId: x\n"), 0);
    logs_platform(s, &text);
    cl_buf_fini(&text);
    static uint8_t longline[LOGS_MAX_LINE + 5];
    memset(longline, 'x', sizeof(longline));
    logs_feed(s, LOGS_STDOUT, longline, sizeof(longline));
    logs_attach(s, NULL);
    char *path = strdup(logs_path(s));
    logs_close(s);
    logs_close(NULL);
    size_t len;
    char *got = slurp(path, &len);
    assert_int_equal(len, strlen("one\ntwo\nthree\nerr-partial\nEND RequestId: x\n") +
                              LOGS_MAX_LINE + 1 + 5 + 1);
    assert_memory_equal(got, "one\ntwo\nthree\nerr-partial\nEND RequestId: x\n", 43);
    assert_int_equal(got[43 + LOGS_MAX_LINE], '\n');
    assert_int_equal(t.len, LOGS_TAIL_MAX);
    (void)unlink(path);
    free(path);
}

/* The first stream of a function creates its directories, the next ones open straight into
 * them; a state dir that is not a directory is an error, not a crash. */
static void test_logs_open_dirs(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-logs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct logs_stream *a = NULL;
    struct logs_stream *b = NULL;
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &a), 0);
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &b), 0);
    assert_string_not_equal(logs_path(a), logs_path(b));
    assert_int_equal(access(logs_path(a), W_OK), 0);
    assert_int_equal(access(logs_path(b), W_OK), 0);
    (void)unlink(logs_path(a));
    (void)unlink(logs_path(b));
    logs_close(a);
    logs_close(b);
    char file[300];
    (void)snprintf(file, sizeof(file), "%s/plain", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    (void)fclose(f);
    struct logs_stream *c = NULL;
    assert_int_equal(logs_open(file, "fn", "$LATEST", &c), -ENOTDIR);
    assert_null(c);
    (void)unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logs_tail_append),
        cmocka_unit_test(test_logs_feed),
        cmocka_unit_test(test_logs_open_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
