/* SPDX-License-Identifier: MIT */
/* The SDKs' "standard" retry mode, as pure functions so that tests can drive them: which
 * failures are retried (throttling error codes, 5xx, transport errors, timeouts), the
 * full-jitter exponential backoff (a random delay in [0, min(20 s, 25 ms * 2^retry)]), and
 * the client's retry token bucket (500 tokens; a retry costs 5, after a timeout 10; a
 * successful retried call gives its cost back, any other success 1 token). */
#ifndef CLAMBDA_AWS_CL_AWS_RETRY_H
#define CLAMBDA_AWS_CL_AWS_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#define CL_AWS_RETRY_BASE_MS       25
#define CL_AWS_RETRY_CAP_MS        20000
#define CL_AWS_RETRY_ATTEMPTS      3
#define CL_AWS_BUCKET_TOKENS       500
#define CL_AWS_BUCKET_RETRY_COST   5
#define CL_AWS_BUCKET_TIMEOUT_COST 10

enum cl_aws_retry_kind {
    CL_AWS_NO_RETRY = 0,
    CL_AWS_RETRY_THROTTLE,  /* a throttling error code */
    CL_AWS_RETRY_TRANSIENT, /* 5xx, a transient error code, a dropped connection */
    CL_AWS_RETRY_TIMEOUT,   /* no answer in time */
};

/* True for the throttling error codes (ThrottlingException, ProvisionedThroughputExceeded-
 * Exception, RequestLimitExceeded, TooManyRequestsException, ...). */
bool cl_aws_retry_is_throttle(const char *error_type);

/* Classifies a finished attempt: transport_err < 0 is the attempt's transport error
 * (-ETIMEDOUT: timeout; -EPROTO, TLS, is not retried; other errors: transient); otherwise
 * status and error_type ("" or NULL when none) are the answer's. */
enum cl_aws_retry_kind cl_aws_retry_classify(int transport_err, int status, const char *error_type);

/* Delay before retry number retry (0 for the first retry) given a uniform random value. */
int64_t cl_aws_retry_backoff_ms(int retry, uint64_t random);

struct cl_aws_bucket {
    int tokens;
};

void cl_aws_bucket_init(struct cl_aws_bucket *b);
/* Takes the cost of a retry of this kind; false (nothing taken) when the bucket is short.
 * *cost gets what was taken. */
bool cl_aws_bucket_acquire(struct cl_aws_bucket *b, enum cl_aws_retry_kind kind, int *cost);
/* After a successful call: gives back last_cost (the cost of its last retry, 0 when it was not
 * retried: then 1 token), never above the initial 500. */
void cl_aws_bucket_success(struct cl_aws_bucket *b, int last_cost);

#endif /* CLAMBDA_AWS_CL_AWS_RETRY_H */
