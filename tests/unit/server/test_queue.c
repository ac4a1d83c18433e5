/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/queue.c: the durable event store (enqueue, claim, ack, retry,
 * resume of in-flight events after a restart, depth) in a temporary state directory, and the
 * retry policy (AWS's delays, throttle backoff, maximum event age). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "invoke/queue.h"

struct fixture {
    char dir[64];
    struct queue *q;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    if (f == NULL) {
        return -1;
    }
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/clambda-test-queue-XXXXXX");
    if (mkdtemp(f->dir) == NULL || queue_open(f->dir, &f->q, err, sizeof(err)) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void remove_dir(const char *dir)
{
    static const char *const files[] = {"clambda.db", "clambda.db-wal", "clambda.db-shm"};
    char path[128];
    for (size_t i = 0; i < 3; i++) {
        (void)snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        (void)unlink(path);
    }
    (void)rmdir(dir);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    queue_close(f->q);
    remove_dir(f->dir);
    free(f);
    return 0;
}

static int64_t put(struct queue *q, const char *id, const char *fn, const char *payload,
                   int64_t received_ms)
{
    struct queue_new ev = {.id = id,
                           .function = fn,
                           .qualifier = "",
                           .payload = (const uint8_t *)payload,
                           .len = strlen(payload),
                           .client_context = NULL,
                           .received_ms = received_ms};
    int64_t seq = 0;
    assert_int_equal(queue_enqueue(q, &ev, &seq), 0);
    assert_true(seq > 0);
    return seq;
}

static void test_queue_enqueue_claim_ack(void **state)
{
    struct fixture *f = *state;
    struct queue_event ev;
    int64_t n = -1;
    struct queue_new cc = {.id = "id-2",
                           .function = "a",
                           .qualifier = "$LATEST",
                           .payload = (const uint8_t *)"{\"x\":\"\\u0000\"}",
                           .len = 13,
                           .client_context = "{\"custom\":{}}",
                           .received_ms = 1001};
    int64_t s1 = put(f->q, "id-1", "a", "{\"n\":1}", 1000);
    int64_t s2 = 0;
    assert_int_equal(queue_enqueue(f->q, &cc, &s2), 0);
    (void)put(f->q, "id-3", "b", "{}", 1000);
    assert_int_equal(queue_depth(f->q, NULL, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(queue_depth(f->q, "a", &n), 0);
    assert_int_equal(n, 2);
    /* Not due before its received time; then oldest first. */
    assert_int_equal(queue_claim(f->q, "a", 999, &ev), -ENOENT);
    assert_int_equal(queue_claim(f->q, "a", 5000, &ev), 0);
    assert_int_equal(ev.seq, s1);
    assert_string_equal(ev.id, "id-1");
    assert_string_equal(ev.function, "a");
    assert_string_equal(ev.qualifier, "");
    assert_int_equal(ev.len, 7);
    assert_memory_equal(ev.payload, "{\"n\":1}", 7);
    assert_null(ev.client_context);
    assert_int_equal(ev.received_ms, 1000);
    assert_int_equal(ev.attempts, 0);
    assert_int_equal(ev.state, QUEUE_IN_FLIGHT);
    queue_event_fini(&ev);
    assert_int_equal(queue_depth(f->q, "a", &n), 0);
    assert_int_equal(n, 1); /* in flight is not waiting */
    assert_int_equal(queue_claim(f->q, "a", 5000, &ev), 0);
    assert_int_equal(ev.seq, s2);
    assert_string_equal(ev.qualifier, "$LATEST");
    assert_string_equal(ev.client_context, "{\"custom\":{}}");
    assert_int_equal(ev.len, 13);
    queue_event_fini(&ev);
    assert_int_equal(queue_claim(f->q, "a", 5000, &ev), -ENOENT);
    assert_int_equal(queue_ack(f->q, s1), 0);
    assert_int_equal(queue_ack(f->q, s2), 0);
    assert_int_equal(queue_depth(f->q, NULL, &n), 0);
    assert_int_equal(n, 1);
    queue_event_fini(NULL);
}

static void test_queue_retry_schedules(void **state)
{
    struct fixture *f = *state;
    struct queue_event ev;
    int64_t next = 0;
    int64_t seq = put(f->q, "id-1", "a", "{}", 1000);
    assert_int_equal(queue_claim(f->q, "a", 1000, &ev), 0);
    queue_event_fini(&ev);
    assert_int_equal(queue_next_due(f->q, "a", &next), -ENOENT);
    assert_int_equal(queue_retry(f->q, seq, 1, 2, 61000), 0);
    assert_int_equal(queue_next_due(f->q, "a", &next), 0);
    assert_int_equal(next, 61000);
    assert_int_equal(queue_claim(f->q, "a", 60999, &ev), -ENOENT);
    assert_int_equal(queue_claim(f->q, "a", 61000, &ev), 0);
    assert_int_equal(ev.attempts, 1);
    assert_int_equal(ev.throttles, 2);
    assert_int_equal(ev.next_ms, 61000);
    queue_event_fini(&ev);
}

static void test_queue_resume_in_flight(void **state)
{
    struct fixture *f = *state;
    struct queue_event ev;
    char err[256];
    int n = -1;
    (void)put(f->q, "id-1", "a", "{\"keep\":true}", 1000);
    (void)put(f->q, "id-2", "a", "{}", 1000);
    assert_int_equal(queue_claim(f->q, "a", 1000, &ev), 0);
    queue_event_fini(&ev);
    /* The process dies with id-1 in flight: a new connection sees it and resumes it. */
    queue_close(f->q);
    f->q = NULL;
    assert_int_equal(queue_open(f->dir, &f->q, err, sizeof(err)), 0);
    assert_int_equal(queue_claim(f->q, "a", 1000, &ev), 0);
    assert_string_equal(ev.id, "id-2");
    queue_event_fini(&ev);
    assert_int_equal(queue_claim(f->q, "a", 1000, &ev), -ENOENT);
    assert_int_equal(queue_resume(f->q, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(queue_claim(f->q, "a", 1000, &ev), 0);
    assert_string_equal(ev.id, "id-1");
    assert_memory_equal(ev.payload, "{\"keep\":true}", 13);
    queue_event_fini(&ev);
}

static void test_queue_open_error(void **state)
{
    (void)state;
    struct queue *q = (struct queue *)&q;
    char err[256] = "";
    assert_int_equal(queue_open("/nonexistent/dir", &q, err, sizeof(err)), -EIO);
    assert_null(q);
    assert_non_null(strstr(err, "/nonexistent/dir/clambda.db"));
    queue_close(NULL);
}

static const struct queue_policy aws = {2, 21600, {60000, 120000}};

static void test_queue_plan_retry_function_error(void **state)
{
    (void)state;
    struct queue_event ev = {.received_ms = 0};
    int64_t next = 0;
    assert_int_equal(queue_plan_retry(&aws, &ev, false, 500, &next), QUEUE_RETRY);
    assert_int_equal(next, 60500);
    ev.attempts = 1;
    assert_int_equal(queue_plan_retry(&aws, &ev, false, 61000, &next), QUEUE_RETRY);
    assert_int_equal(next, 181000);
    ev.attempts = 2;
    assert_int_equal(queue_plan_retry(&aws, &ev, false, 182000, &next), QUEUE_RETRIES_EXHAUSTED);
    struct queue_policy none = aws;
    none.max_retries = 0;
    ev.attempts = 0;
    assert_int_equal(queue_plan_retry(&none, &ev, false, 1, &next), QUEUE_RETRIES_EXHAUSTED);
}

static void test_queue_plan_retry_throttle_backoff(void **state)
{
    (void)state;
    struct queue_event ev = {.received_ms = 0, .attempts = 2};
    int64_t next = 0;
    /* Throttles do not use up retries: 1 s, 2 s, 4 s ... up to 5 min. */
    assert_int_equal(queue_plan_retry(&aws, &ev, true, 0, &next), QUEUE_RETRY);
    assert_int_equal(next, 1000);
    ev.throttles = 3;
    assert_int_equal(queue_plan_retry(&aws, &ev, true, 0, &next), QUEUE_RETRY);
    assert_int_equal(next, 8000);
    ev.throttles = 40;
    assert_int_equal(queue_plan_retry(&aws, &ev, true, 0, &next), QUEUE_RETRY);
    assert_int_equal(next, QUEUE_THROTTLE_MAX_MS);
}

static void test_queue_plan_retry_max_age(void **state)
{
    (void)state;
    struct queue_policy p = {2, 60, {1000, 90000}};
    struct queue_event ev = {.received_ms = 10000};
    int64_t next = 0;
    assert_int_equal(queue_plan_retry(&p, &ev, false, 11000, &next), QUEUE_RETRY);
    ev.attempts = 1;
    /* The 3rd attempt would start 90 s later, past the 60 s age. */
    assert_int_equal(queue_plan_retry(&p, &ev, false, 12000, &next), QUEUE_AGE_EXCEEDED);
    ev.throttles = 100;
    assert_int_equal(queue_plan_retry(&p, &ev, true, 12000, &next), QUEUE_AGE_EXCEEDED);
    assert_false(queue_expired(&p, &ev, 70000));
    assert_true(queue_expired(&p, &ev, 70001));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_enqueue_claim_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_retry_schedules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_resume_in_flight, setup, teardown),
        cmocka_unit_test(test_queue_open_error),
        cmocka_unit_test(test_queue_plan_retry_function_error),
        cmocka_unit_test(test_queue_plan_retry_throttle_backoff),
        cmocka_unit_test(test_queue_plan_retry_max_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
