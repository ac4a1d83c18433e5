/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/logs.c: the 4 KB tail, line cutting across pieces, long lines split,
 * platform lines after flushed partial lines, the stream naming, rotation with pruning and
 * reading the parts back in order with their times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <unistd.h>

#include "observe/logs.h"
#include "observe/logs_files.h"

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

static void put(struct logs_stream *s, const char *line, bool hold)
{
    struct cl_buf text;
    cl_buf_init(&text, 1024);
    assert_int_equal(cl_buf_append_str(&text, line), 0);
    if (hold) {
        logs_platform_hold(s, &text);
    } else {
        logs_platform(s, &text);
    }
    cl_buf_fini(&text);
}

/* Held platform text (the end of an invocation whose caller has its answer) is written before
 * anything written after it (a platform line, runtime output), by logs_release, or at close;
 * never into a tail attached later; at once while a tail is attached. */
static void test_logs_hold(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-logs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct logs_stream *s = NULL;
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &s), 0);
    char *path = strdup(logs_path(s));
    size_t len;
    put(s, "END a\nREPORT a\n", true);
    assert_int_equal(strlen(slurp(path, &len)), 0); /* held */
    struct logs_tail t = {.len = 0};
    logs_attach(s, &t);
    put(s, "START b\n", false); /* the next invocation's START comes after it */
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"out b\n", 6);
    put(s, "END b\n", true); /* a tail is attached: written at once */
    assert_string_equal(slurp(path, &len), "END a\nREPORT a\nSTART b\nout b\nEND b\n");
    assert_int_equal(t.len, strlen("START b\nout b\nEND b\n")); /* not a's lines */
    logs_attach(s, NULL);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"partial c", 9);
    put(s, "END c\n", true); /* the partial line goes first, now */
    assert_string_equal(slurp(path, &len) + strlen("END a\nREPORT a\nSTART b\nout b\nEND b\n"),
                        "partial c\n");
    logs_release(s);
    logs_release(s);
    logs_release(NULL);
    put(s, "END d\n", true);
    logs_close(s); /* writes what is held */
    assert_string_equal(slurp(path, &len),
                        "END a\nREPORT a\nSTART b\nout b\nEND b\npartial c\nEND c\nEND d\n");
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

static int64_t wall_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Held lines and the next unit go out in one write each to the log and its .ts sidecar:
 * the held lines keep the time they were held at, the unit its own; under a part cap that
 * would roll over between them, they are written apart into two parts. */
static void test_logs_held_then_unit_timestamps(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-held-XXXXXX";
    char fndir[64];
    assert_non_null(mkdtemp(dir));
    (void)snprintf(fndir, sizeof(fndir), "%s/logs/fn", dir);
    struct logs_stream *s = NULL;
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &s), 0);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"out a\n", 6);
    int64_t t0 = wall_ms();
    put(s, "END a\nREPORT a\n", true);
    int64_t t1 = wall_ms();
    struct timespec pause = {0, 5 * 1000 * 1000};
    (void)nanosleep(&pause, NULL);
    int64_t t2 = wall_ms();
    put(s, "START b\n", false);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"out b\n", 6);
    int64_t t3 = wall_ms();
    put(s, "END b\n", true); /* a lone held unit: written on close */
    logs_close(s);
    struct logs_files fl;
    logs_files_scan(fndir, &fl);
    assert_int_equal(fl.n, 1);
    struct logs_events ev;
    logs_events_init(&ev);
    assert_int_equal(logs_files_read(&fl, 0, 0, INT64_MAX, &ev), 0);
    static const char *const want[] = {"out a", "END a", "REPORT a", "START b", "out b", "END b"};
    assert_int_equal(ev.n, 6);
    for (size_t i = 0; i < ev.n; i++) {
        assert_int_equal(ev.v[i].len, strlen(want[i]));
        assert_memory_equal(ev.v[i].msg, want[i], ev.v[i].len);
    }
    assert_true(ev.v[1].ts >= t0 && ev.v[1].ts <= t1 && ev.v[2].ts == ev.v[1].ts);
    assert_true(ev.v[3].ts >= t2 && ev.v[3].ts <= t3 && ev.v[4].ts >= ev.v[3].ts);
    logs_events_fini(&ev);
    logs_files_free(&fl);

    /* a 40-byte cap: held "END c\nREPORT c\n" (15) and "START d\n" (8) after 20 bytes */
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &s), 0);
    logs_set_limits(s, 40, 0);
    logs_feed(s, LOGS_STDOUT, (const uint8_t *)"twenty bytes line..\n", 20);
    put(s, "END c\nREPORT c\n", true);
    put(s, "START d\n", false);
    assert_non_null(strstr(logs_path(s), ".1.log")); /* START d began the next part */
    size_t len;
    assert_string_equal(slurp(logs_path(s), &len), "START d\n");
    logs_close(s);
    logs_files_scan(fndir, &fl);
    assert_int_equal(fl.n, 3);
    logs_files_free(&fl);
    assert_int_equal(logs_prune(dir, "fn", 0), 3);
}

/* Lines of 8 bytes, parts capped at 100 bytes (12 lines), 250 bytes kept per function. */
static void test_logs_rotation(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-test-rot-XXXXXX";
    char fndir[64];
    assert_non_null(mkdtemp(dir));
    (void)snprintf(fndir, sizeof(fndir), "%s/logs/fn", dir);
    struct logs_stream *s = NULL;
    int64_t t0 = wall_ms();
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &s), 0);
    logs_set_limits(s, 100, 250);
    for (int i = 0; i < 60; i++) {
        char line[16];
        (void)snprintf(line, sizeof(line), "line %02d\n", i);
        logs_feed(s, LOGS_STDOUT, (const uint8_t *)line, 8);
    }
    assert_non_null(strstr(logs_path(s), ".4.log"));
    struct logs_files fl;
    logs_files_scan(fndir, &fl);
    logs_files_sort(&fl);
    assert_int_equal(fl.n, 3); /* parts 0 and 1 were pruned */
    int64_t t1 = wall_ms();
    struct logs_events ev;
    logs_events_init(&ev);
    for (size_t i = 0; i < fl.n; i++) {
        assert_int_equal(fl.v[i].part, (int)i + 2);
        assert_string_equal(fl.v[i].stream, logs_name(s));
        assert_int_equal(fl.v[i].is_live, i == 2);
        assert_int_equal(logs_files_read(&fl, i, 0, INT64_MAX, &ev), 0);
    }
    assert_int_equal(ev.n, 36);
    for (size_t i = 0; i < ev.n; i++) {
        char want[16];
        (void)snprintf(want, sizeof(want), "line %02zu", i + 24);
        assert_int_equal(ev.v[i].len, 7);
        assert_memory_equal(ev.v[i].msg, want, 7);
        assert_true(ev.v[i].ts >= t0 && ev.v[i].ts <= t1);
        assert_true(i == 0 || ev.v[i].ts >= ev.v[i - 1].ts);
    }
    logs_events_fini(&ev);
    logs_files_free(&fl);

    struct logs_stream *other = NULL; /* a live stream is never pruned */
    assert_int_equal(logs_open(dir, "fn", "$LATEST", &other), 0);
    logs_feed(other, LOGS_STDOUT, (const uint8_t *)"x\n", 2);
    logs_close(s);
    assert_int_equal(logs_prune(dir, "fn", 0), 3);
    logs_files_scan(fndir, &fl);
    assert_int_equal(fl.n, 1);
    assert_string_equal(fl.v[0].stream, logs_name(other));
    logs_files_free(&fl);
    char *left = strdup(logs_path(other)); /* as a killed server leaves it: still 0644 */
    assert_int_equal(logs_prune(dir, "fn", 0), 0);
    assert_int_equal(logs_seal(dir), 1); /* at the next start */
    struct stat st;
    assert_int_equal(stat(left, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0444);
    assert_int_equal(logs_prune(dir, "fn", 0), 1);
    free(left);
    logs_close(other); /* its fd was still open: closing an unlinked file is harmless */
    logs_files_scan(fndir, &fl);
    assert_int_equal(fl.n, 0);
    logs_files_free(&fl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logs_tail_append),
        cmocka_unit_test(test_logs_feed),
        cmocka_unit_test(test_logs_hold),
        cmocka_unit_test(test_logs_held_then_unit_timestamps),
        cmocka_unit_test(test_logs_open_dirs),
        cmocka_unit_test(test_logs_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
