/* SPDX-License-Identifier: MIT */
/* Unit tests for src/aws/cl_aws_retry.c: what is retried (throttling codes, 5xx, transport
 * errors and timeouts; not client errors, TLS failures or conditional checks), the backoff's
 * bounds with the random value at both ends, and the token bucket's costs and refunds. */
#include <errno.h>
#include <stdint.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cl_aws_retry.h"

static void test_retry_classify(void **state)
{
    (void)state;
    const char *throttles[] = {"ThrottlingException",
                               "ProvisionedThroughputExceededException",
                               "RequestLimitExceeded",
                               "TooManyRequestsException",
                               "Throttling",
                               "RequestThrottledException",
                               "SlowDown",
                               "TransactionInProgressException",
                               "LimitExceededException"};
    for (size_t i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++) {
        assert_int_equal(cl_aws_retry_classify(0, 400, throttles[i]), CL_AWS_RETRY_THROTTLE);
    }
    assert_int_equal(cl_aws_retry_classify(0, 500, ""), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(0, 503, NULL), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(0, 500, "InternalServerError"), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(0, 400, "RequestTimeout"), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(-EIO, 0, NULL), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(-ECONNREFUSED, 0, NULL), CL_AWS_RETRY_TRANSIENT);
    assert_int_equal(cl_aws_retry_classify(-ETIMEDOUT, 0, NULL), CL_AWS_RETRY_TIMEOUT);
    /* never retried */
    assert_int_equal(cl_aws_retry_classify(-EPROTO, 0, NULL), CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(-E2BIG, 0, NULL), CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(0, 400, "ConditionalCheckFailedException"),
                     CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(0, 400, "ValidationException"), CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(0, 400, "ResourceNotFoundException"), CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(0, 403, "UnrecognizedClientException"), CL_AWS_NO_RETRY);
    assert_int_equal(cl_aws_retry_classify(0, 404, ""), CL_AWS_NO_RETRY);
    assert_false(cl_aws_retry_is_throttle(NULL));
    assert_false(cl_aws_retry_is_throttle("throttlingexception")); /* codes are exact */
}

static void test_retry_backoff_bounds(void **state)
{
    (void)state;
    /* the random value at 0 gives no wait; at its maximum, the ceiling of that retry */
    const int64_t ceilings[] = {25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000};
    for (int i = 0; i < 12; i++) {
        assert_int_equal(cl_aws_retry_backoff_ms(i, 0), 0);
        assert_int_equal(cl_aws_retry_backoff_ms(i, (uint64_t)ceilings[i]), ceilings[i]);
        assert_int_equal(cl_aws_retry_backoff_ms(i, (uint64_t)ceilings[i] + 1), 0);
        for (uint64_t r = 1; r < 100000; r = r * 7 + 3) {
            int64_t d = cl_aws_retry_backoff_ms(i, r * 0x9e3779b97f4a7c15ULL);
            assert_true(d >= 0 && d <= ceilings[i]);
        }
    }
    /* far attempts and nonsense stay at the cap */
    assert_true(cl_aws_retry_backoff_ms(63, UINT64_MAX) <= 20000);
    assert_true(cl_aws_retry_backoff_ms(1000, UINT64_MAX - 1) <= 20000);
    assert_true(cl_aws_retry_backoff_ms(-1, UINT64_MAX) <= 20000);
}

static void test_retry_bucket(void **state)
{
    (void)state;
    struct cl_aws_bucket b;
    cl_aws_bucket_init(&b);
    assert_int_equal(b.tokens, 500);
    int cost = -1;
    assert_true(cl_aws_bucket_acquire(&b, CL_AWS_RETRY_THROTTLE, &cost));
    assert_int_equal(cost, 5);
    assert_true(cl_aws_bucket_acquire(&b, CL_AWS_RETRY_TIMEOUT, &cost));
    assert_int_equal(cost, 10);
    assert_int_equal(b.tokens, 485);
    cl_aws_bucket_success(&b, 10); /* a retried call that succeeded gives its cost back */
    assert_int_equal(b.tokens, 495);
    cl_aws_bucket_success(&b, 0); /* a first-try success gives 1 */
    assert_int_equal(b.tokens, 496);
    for (int i = 0; i < 10; i++) {
        cl_aws_bucket_success(&b, 0);
    }
    assert_int_equal(b.tokens, 500); /* never above the start */
    /* drain: 100 retries of 5, then nothing */
    int n = 0;
    while (cl_aws_bucket_acquire(&b, CL_AWS_RETRY_TRANSIENT, &cost)) {
        n++;
    }
    assert_int_equal(n, 100);
    assert_int_equal(cost, 0);
    assert_int_equal(b.tokens, 0);
    cl_aws_bucket_success(&b, 0);
    cl_aws_bucket_success(&b, 5);
    assert_int_equal(b.tokens, 6);
    assert_false(cl_aws_bucket_acquire(&b, CL_AWS_RETRY_TIMEOUT, &cost)); /* 10 > 6 */
    assert_int_equal(b.tokens, 6);
    assert_true(cl_aws_bucket_acquire(&b, CL_AWS_RETRY_THROTTLE, &cost));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_classify),
        cmocka_unit_test(test_retry_backoff_bounds),
        cmocka_unit_test(test_retry_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
