/* SPDX-License-Identifier: MIT */
/* AWS's error shape for the public listener; see awserr.h. */
#include "api/awserr.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/ids.h"

static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

const char *awserr_message_key(const char *type)
{
    static const char *const upper[] = {"ResourceNotFoundException", "ServiceException",
                                        "ServiceQuotaExceededException",
                                        "RecursiveInvocationException", NULL};
    for (size_t i = 0; upper[i]; i++) {
        if (strcmp(upper[i], type) == 0) {
            return "Message";
        }
    }
    return "message";
}

void awserr_send(struct httpd_conn *c, int status, const char *type, const char *msg_key,
                 const char *message, const char *reason, const char *request_id)
{
    json_t *o = json_object();
    if (reason) {
        (void)json_object_set_new(o, "Reason", jstr(reason));
    }
    (void)json_object_set_new(o, "Type", json_string(status >= 500 ? "Service" : "User"));
    (void)json_object_set_new(o, msg_key, jstr(message));
    char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char rid[IDS_UUID_LEN];
    if (request_id == NULL) {
        ids_uuid(rid);
        request_id = rid;
    }
    /* a throttle says when to come back (botocore: retryAfterSeconds) */
    struct httpd_header h[] = {{"Content-Type", "application/json"},
                               {"x-amzn-RequestId", request_id},
                               {"x-amzn-ErrorType", type},
                               {"Retry-After", "1"}};
    httpd_respond(c, status, h, status == 429 ? 4 : 3, body, strlen(body));
    free(body);
}
