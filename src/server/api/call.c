/* SPDX-License-Identifier: MIT */
/* The request/response helpers every handler of the public listener shares; see call.h. */
#include "api/call.h"

#include <stdlib.h>
#include <string.h>

#include "api/awserr.h"
#include "api/upload.h"
#include "base/ids.h"
#include "base/xalloc.h"

/* ---- responses ---------------------------------------------------------------------------- */

void call_error(struct call *call, int status, const char *type, const char *message)
{
    awserr_send(call->c, status, type, awserr_message_key(type), message, NULL, NULL);
}

void call_reject(struct call *call, struct err *err)
{
    call_error(call, err->status, err->type, err->message ? err->message : "");
    err_fini(err);
}

void call_invalid(struct call *call, const char *value, const char *member, const char *constraint)
{
    struct err err = {0};
    (void)validate_err_one(&err, value, member, constraint);
    call_reject(call, &err);
}

void call_json(struct call *call, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
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

json_t *call_object(struct call *call)
{
    json_t *body = call_body(call, true);
    if (body == NULL) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json.");
    }
    return body;
}

bool call_body_string(struct call *call, json_t *body, const char *member, const char *model,
                      size_t max, const char **out)
{
    json_t *v = json_object_get(body, member);
    *out = json_string_value(v);
    if (v && (*out == NULL || strlen(*out) > max)) {
        char *c = xasprintf("Member must have length less than or equal to %zu", max);
        call_invalid(call, *out ? *out : "(not a string)", model, c);
        free(c);
        return false;
    }
    return true;
}

/* ---- code uploads ------------------------------------------------------------------------- */

bool call_take_code(struct call *call, struct code_info *ci)
{
    struct err err = {0};
    if (upload_take_code(call->upload, ci, &err) < 0) {
        call_reject(call, &err);
        return false;
    }
    return true;
}
