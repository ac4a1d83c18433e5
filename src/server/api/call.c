/* SPDX-License-Identifier: MIT */
/* The request/response helpers every handler of the public listener shares; see call.h. */
#include "api/call.h"

#include <stdlib.h>
#include <string.h>

#include "api/awserr.h"
#include "api/upload.h"
#include "base/ids.h"

/* ---- responses ---------------------------------------------------------------------------- */

void call_error(struct call *call, int status, const char *type, const char *message)
{
    awserr_send(call->c, status, type, awserr_message_key(type), message, NULL, NULL);
}

void call_json(struct call *call, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (text == NULL) {
        abort();
    }
    char rid[IDS_UUID_LEN];
    ids_uuid(rid);
    struct httpd_header h[] = {{"Content-Type", "application/json"}, {"x-amzn-RequestId", rid}};
    httpd_respond_take(call->c, status, h, 2, text, strlen(text)); /* ListFunctions: 100s of KB */
}

void call_json_empty(struct call *call, int status)
{
    char rid[IDS_UUID_LEN];
    ids_uuid(rid);
    struct httpd_header h[] = {{"x-amzn-RequestId", rid}};
    httpd_respond(call->c, status, h, 1, NULL, 0);
}

json_t *call_body(const struct call *call, bool empty_ok)
{
    const struct upload *up = call->upload;
    if (up ? up->empty : call->req->body_len == 0) {
        return empty_ok ? json_object() : NULL;
    }
    if (up) {
        return json_incref(up->body);
    }
    json_error_t jerr;
    json_t *body = json_loadb((const char *)call->req->body, call->req->body_len, 0, &jerr);
    if (!json_is_object(body)) {
        json_decref(body);
        return NULL;
    }
    return body;
}
