/* SPDX-License-Identifier: MIT */
/* Standard-mode retry decisions; see cl_aws_retry.h. The code lists are botocore's
 * (botocore/retries/standard.py) and the AWS SDKs' retry behavior reference. */
#include "cl_aws_retry.h"

#include <errno.h>
#include <string.h>

static const char *const throttle_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

static const char *const transient_codes[] = {
    "RequestTimeout",      "RequestTimeoutException", "InternalError",
    "InternalServerError", "ServiceUnavailable",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool cl_aws_retry_is_throttle(const char *error_type)
{
    return in_list(error_type, throttle_codes, sizeof(throttle_codes) / sizeof(throttle_codes[0]));
}

enum cl_aws_retry_kind cl_aws_retry_classify(int transport_err, int status, const char *error_type)
{
    if (transport_err < 0) {
        if (transport_err == -ETIMEDOUT) {
            return CL_AWS_RETRY_TIMEOUT;
        }
        /* a certificate will not become valid, nor an oversized answer smaller */
        if (transport_err == -EPROTO || transport_err == -E2BIG || transport_err == -ENOMEM ||
            transport_err == -EINVAL) {
            return CL_AWS_NO_RETRY;
        }
        return CL_AWS_RETRY_TRANSIENT;
    }
    if (cl_aws_retry_is_throttle(error_type)) {
        return CL_AWS_RETRY_THROTTLE;
    }
    if (status >= 500 && status <= 599) {
        return CL_AWS_RETRY_TRANSIENT;
    }
    if (in_list(error_type, transient_codes,
                sizeof(transient_codes) / sizeof(transient_codes[0]))) {
        return CL_AWS_RETRY_TRANSIENT;
    }
    return CL_AWS_NO_RETRY;
}

int64_t cl_aws_retry_backoff_ms(int retry, uint64_t random)
{
    int64_t ceiling = CL_AWS_RETRY_CAP_MS;
    if (retry >= 0 && retry < 20) { /* 25 ms << 10 is already over the cap */
        int64_t d = (int64_t)CL_AWS_RETRY_BASE_MS << retry;
        ceiling = d < ceiling ? d : ceiling;
    }
    return (int64_t)(random % (uint64_t)(ceiling + 1));
}

void cl_aws_bucket_init(struct cl_aws_bucket *b)
{
    b->tokens = CL_AWS_BUCKET_TOKENS;
}

bool cl_aws_bucket_acquire(struct cl_aws_bucket *b, enum cl_aws_retry_kind kind, int *cost)
{
    int c = kind == CL_AWS_RETRY_TIMEOUT ? CL_AWS_BUCKET_TIMEOUT_COST : CL_AWS_BUCKET_RETRY_COST;
    *cost = 0;
    if (b->tokens < c) {
        return false;
    }
    b->tokens -= c;
    *cost = c;
    return true;
}

void cl_aws_bucket_success(struct cl_aws_bucket *b, int last_cost)
{
    b->tokens += last_cost > 0 ? last_cost : 1;
    if (b->tokens > CL_AWS_BUCKET_TOKENS) {
        b->tokens = CL_AWS_BUCKET_TOKENS;
    }
}
