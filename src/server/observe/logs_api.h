/* SPDX-License-Identifier: MIT */
/* A subset of the CloudWatch Logs JSON API (x-amz-json-1.1) over the function log files, on the
 * public listener: POST / with X-Amz-Target: Logs_20140328.<Op> for DescribeLogGroups,
 * DescribeLogStreams, GetLogEvents and FilterLogEvents. Log groups are /aws/lambda/<function>,
 * streams are the files' stream names. Errors have AWS's shape (status 400, x-amzn-ErrorType,
 * {"__type","message"}), which botocore turns into its modelled exceptions; boto3's `logs`
 * client, `aws logs` and `clambda logs` read logs through it. */
#ifndef CLAMBDA_SERVER_API_LOGS_H
#define CLAMBDA_SERVER_API_LOGS_H

#include <stdbool.h>
#include <uv.h>

#include "http/httpd.h"

/* The API's context. Borrowed strings. */
struct logs_api {
    uv_loop_t *loop; /* requests are served on its worker threads (uv_queue_work) */
    const char *state_dir;
    const char *region;
    const char *account;
};

/* True when req is a Logs API request (it has an X-Amz-Target of Logs_20140328). */
bool logs_api_match(const struct http1_request *req);
/* Handles one Logs API request. */
void logs_api_handle(const struct logs_api *api, struct httpd_conn *c,
                     const struct http1_request *req);

#endif /* CLAMBDA_SERVER_API_LOGS_H */
