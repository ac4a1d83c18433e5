/* SPDX-License-Identifier: MIT */
/* Execution environments, streamed responses: a runtime's streamed /response forwarded to a
 * streaming caller as it arrives, with flow control, the size limit and a truncated stream. */
#include "exec/env_int.h"

#include <string.h>

/* Stops forwarding a streamed response to inv (the invocation is ending). */
void env_stream_detach(struct env *e, struct inv *inv)
{
    inv->resume = NULL;
    inv->producer = NULL;
    if (e->stream_conn) {
        httpd_conn_set_abort(e->stream_conn, NULL, NULL);
        httpd_conn_resume_read(e->stream_conn);
        e->stream_conn = NULL;
    }
}

static void on_stream_resume(void *producer)
{
    struct env *e = producer;
    if (e->stream_conn) {
        httpd_conn_resume_read(e->stream_conn);
    }
}

static void on_stream_body(struct httpd_conn *c, const uint8_t *data, size_t len, void *arg)
{
    struct env *e = arg;
    if (e->stream_conn != c || e->inv == NULL || e->stream_oversized) {
        return;
    }
    if (e->stream_bytes + len > ENV_MAX_STREAM) {
        e->stream_oversized = true; /* the rest is read and dropped; the caller gets an error */
        return;
    }
    e->stream_bytes += len;
    if (e->inv->chunk(e->inv, data, len) == 1) {
        httpd_conn_pause_read(c);
    }
}

/* The runtime dropped its connection in the middle of a streamed response. */
static void on_stream_abort(struct httpd_conn *c, void *arg)
{
    struct env *e = arg;
    if (e->stream_conn != c) {
        return;
    }
    e->stream_conn = NULL;
    if (e->inv && e->state == ENV_BUSY) {
        char *j = inv_error_json("Runtime.TruncatedResponse", e->inv->id,
                                 "The runtime closed the connection before the end of the "
                                 "streamed response");
        env_on_result(e, INV_FUNCTION_ERROR, (uint8_t *)j, strlen(j), "application/json", "error",
                      "Runtime.TruncatedResponse");
    }
}

void env_on_stream_start(struct env *e, struct httpd_conn *c)
{
    e->stream_conn = c;
    e->stream_bytes = 0;
    e->stream_oversized = false;
    e->inv->resume = on_stream_resume;
    e->inv->producer = e;
    httpd_conn_set_abort(c, on_stream_abort, e);
    httpd_conn_stream_body(c, on_stream_body, e);
}

bool env_on_stream_end(struct env *e, struct httpd_conn *c)
{
    bool oversized = e->stream_oversized;
    if (e->stream_conn == c) {
        e->stream_conn = NULL; /* the request is complete: the server owns c again */
        if (e->inv) {
            e->inv->resume = NULL;
            e->inv->producer = NULL;
        }
    }
    e->stream_oversized = false;
    return oversized;
}
