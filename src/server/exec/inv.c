/* SPDX-License-Identifier: MIT */
/* Invocations; see inv.h. */
#include "exec/inv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"

struct inv *inv_new(const char *function, const char *arn, uint8_t *payload, size_t len,
                    bool want_tail, inv_done_fn *done)
{
    struct inv *inv = xcalloc(1, sizeof(*inv));
    ids_uuid(inv->id);
    ids_trace(inv->trace, (long long)time(NULL));
    inv->function = xstrdup(function);
    inv->version = xstrdup("$LATEST");
    inv->arn = xstrdup(arn);
    inv->payload = payload;
    inv->len = len;
    inv->done = done;
    if (want_tail) {
        inv->tail = xcalloc(1, sizeof(*inv->tail));
    }
    return inv;
}

void inv_set_version(struct inv *inv, const char *version)
{
    free(inv->version);
    inv->version = xstrdup(version);
}

void inv_set_stream_type(struct inv *inv, const char *content_type)
{
    free(inv->stream_ctype);
    inv->stream_ctype = content_type ? xstrdup(content_type) : NULL;
}

void inv_free(struct inv *inv)
{
    if (inv == NULL) {
        return;
    }
    free(inv->function);
    free(inv->version);
    free(inv->arn);
    free(inv->payload);
    free(inv->client_context);
    free(inv->tail);
    free(inv->stream_ctype);
    free(inv);
}

void inv_complete(struct inv *inv, const struct inv_result *r)
{
    inv->done(inv, r);
}

char *inv_error_json(const char *error_type, const char *request_id, const char *message)
{
    char *msg = xasprintf("RequestId: %s Error: %s", request_id, message);
    json_t *o = json_object();
    (void)json_object_set_new(o, "errorType", json_string(error_type));
    (void)json_object_set_new(o, "errorMessage", json_string(msg));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(msg); /* json_dumps allocates with xmalloc: never NULL */
    return s;
}

void inv_fail(struct inv *inv, const char *error_type, const char *message)
{
    char *body = inv_error_json(error_type, inv->id, message);
    struct inv_result r = {.outcome = INV_FUNCTION_ERROR,
                           .body = (const uint8_t *)body,
                           .len = strlen(body),
                           .content_type = "application/json"};
    inv_complete(inv, &r);
    free(body);
}
