/* SPDX-License-Identifier: MIT */
/* AWS's error shape on the public listener (control plane, Invoke, code downloads): status,
 * x-amzn-ErrorType and x-amzn-RequestId headers, and a JSON body {"Type":"User"|"Service",
 * "<message key>":"<message>"[,"Reason":"..."]}, which botocore and the SDKs turn into their
 * exceptions. */
#ifndef CLAMBDA_SERVER_API_AWSERR_H
#define CLAMBDA_SERVER_API_AWSERR_H

#include "http/httpd.h"

/* The message member the service model gives type: "Message" for ResourceNotFoundException,
 * ServiceException and a few others, "message" otherwise. Static string. */
const char *awserr_message_key(const char *type);

/* Sends an AWS error: status, x-amzn-ErrorType: type, body {"Type":"User"|"Service",
 * "<msg_key>":"<message>"[,"Reason":"<reason>"]}. request_id goes in x-amzn-RequestId (a new
 * one when NULL). */
void awserr_send(struct httpd_conn *c, int status, const char *type, const char *msg_key,
                 const char *message, const char *reason, const char *request_id);

#endif /* CLAMBDA_SERVER_API_AWSERR_H */
