/* SPDX-License-Identifier: MIT */
/* Streamed responses: the /response POST with Lambda-Runtime-Function-Response-Mode: streaming
 * and a chunked body, each clambda_stream_write() one chunk on the wire. A mid-stream error is
 * sent as real HTTP trailers after the last chunk (the Go client's behaviour; the Rust runtime
 * writes them into the body instead, which the platform cannot tell from data). */
#include <errno.h>

#include "cl_alloc.h"
#include "cl_b64.h"
#include "runtime_int.h"

struct clambda_stream {
    clambda_runtime *rt;
    clambda_invocation *inv;
    int error; /* first transport error, reported by finish/fail */
};

int clambda_stream_open(clambda_runtime *rt, clambda_invocation *inv, const char *content_type,
                        clambda_stream **out)
{
    int rc = runtime_check_open(rt, inv);
    if (out == NULL || rc != CLAMBDA_OK) {
        return out == NULL ? CLAMBDA_EINVAL : rc;
    }
    *out = NULL;
    clambda_stream *s = cl_alloc_calloc(1, sizeof(*s));
    struct cl_buf path;
    cl_buf_init(&path, 1024);
    if (s == NULL || runtime_invocation_path(&path, inv->request_id, "response") < 0) {
        cl_alloc_free(s);
        cl_buf_fini(&path);
        return CLAMBDA_ENOMEM;
    }
    struct cl_hdr hdrs[] = {
        {"Content-Type", content_type != NULL ? content_type : "application/octet-stream"},
        {"Lambda-Runtime-Function-Response-Mode", "streaming"},
        {"Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"}};
    runtime_mark_answered(inv);
    rc = cl_httpc_begin_chunked(&rt->conn, "POST", cl_buf_str(&path), hdrs, 3);
    cl_buf_fini(&path);
    if (rc < 0) {
        cl_alloc_free(s);
        return runtime_map_errno(rt, rc);
    }
    s->rt = rt;
    s->inv = inv;
    *out = s;
    return CLAMBDA_OK;
}

int clambda_stream_write(clambda_stream *s, const void *data, size_t len)
{
    if (s == NULL || (data == NULL && len > 0)) {
        return CLAMBDA_EINVAL;
    }
    if (s->error != CLAMBDA_OK) {
        return s->error;
    }
    int rc = cl_httpc_write_chunk(&s->rt->conn, data, len);
    if (rc < 0) {
        s->error = runtime_map_errno(s->rt, rc);
    }
    return s->error;
}

/* Ends the chunked body with the given trailers, reads the answer and frees s. */
static int stream_end(clambda_stream *s, const struct cl_hdr *trailers, size_t n)
{
    clambda_runtime *rt = s->rt;
    int rc = s->error;
    if (rc == CLAMBDA_OK) {
        int erc = cl_httpc_end_chunked(&rt->conn, trailers, n, &rt->ack);
        rc = erc < 0 ? runtime_map_errno(rt, erc) : runtime_map_ack(rt, &rt->ack);
    } else {
        cl_httpc_disconnect(&rt->conn); /* the request is cut: the connection is unusable */
    }
    cl_alloc_free(s);
    return rc;
}

int clambda_stream_finish(clambda_stream *s)
{
    if (s == NULL) {
        return CLAMBDA_EINVAL;
    }
    return stream_end(s, NULL, 0);
}

int clambda_stream_fail(clambda_stream *s, const char *error_type, const char *message)
{
    if (s == NULL) {
        return CLAMBDA_EINVAL;
    }
    char type_hdr[256];
    if (error_type == NULL || *error_type == '\0') {
        error_type = "Function.Unhandled";
    }
    runtime_header_safe(type_hdr, sizeof(type_hdr), error_type);
    struct cl_buf json, b64;
    cl_buf_init(&json, 64u << 10);
    cl_buf_init(&b64, 96u << 10);
    int rc = runtime_error_json(&json, error_type, message, NULL, 0);
    if (rc == -E2BIG) {
        cl_buf_reset(&json);
        rc = runtime_error_json(&json, error_type, "(error message too large)", NULL, 0);
    }
    if (rc == 0) {
        rc = cl_b64_encode(&b64, json.data, json.len);
    }
    if (rc < 0) {
        s->error = s->error != CLAMBDA_OK ? s->error : CLAMBDA_ENOMEM;
    }
    struct cl_hdr trailers[] = {{"Lambda-Runtime-Function-Error-Type", type_hdr},
                                {"Lambda-Runtime-Function-Error-Body", cl_buf_str(&b64)}};
    rc = stream_end(s, trailers, 2);
    cl_buf_fini(&json);
    cl_buf_fini(&b64);
    return rc;
}
