/* SPDX-License-Identifier: MIT */
/* Private layout of the runtime and invocation handles, shared by runtime.c, stream.c, log.c
 * and the HTTP helpers. Nothing here is API. */
#ifndef CLAMBDA_RUNTIME_RUNTIME_INT_H
#define CLAMBDA_RUNTIME_RUNTIME_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cl_buf.h"
#include "cl_http1.h"
#include "cl_httpc.h"
#include "clambda/runtime.h"

/* Event payloads: AWS sends at most 6 MB synchronously; leave room for other sources. */
#define RUNTIME_MAX_EVENT (16u << 20)
/* Bodies of the platform's answers to our POSTs ({"status":"OK"} or an error document). */
#define RUNTIME_MAX_ACK    (64u << 10)
#define RUNTIME_API_PREFIX "/2018-06-01/runtime"

struct clambda_invocation {
    struct cl_http1_resp resp; /* head fields (NUL-terminated in place) and payload */
    const char *request_id, *arn, *trace_id, *client_context, *cognito, *tenant_id;
    const char *content_type;
    int64_t deadline_ms;
    bool is_active;   /* between a successful next and the next next */
    bool is_answered; /* respond/fail/stream was attempted */
};

struct clambda_runtime {
    struct cl_httpc conn;
    struct clambda_invocation inv; /* the current invocation; one at a time */
    struct cl_http1_resp ack;      /* answers to POSTs */
    bool has_called_next;
    bool has_init_error; /* an init error was posted */
    bool is_fatal; /* the platform answered 500: the loop must end (spec: the runtime exits) */
    char *function_name, *function_version, *log_group, *log_stream, *handler;
    int memory_mb;
    bool is_log_json;
    int log_level;
    clambda_shutdown_fn *shutdown_fn;
    void *shutdown_user;
};

/* Maps a negative errno from the transport to a clambda_error (-EINTR → CLAMBDA_ESHUTDOWN). */
int runtime_errno_to_error(int rc);
/* runtime_errno_to_error(), and on -EINTR also runs rt's SIGTERM hook (once). */
int runtime_map_errno(clambda_runtime *rt, int rc);
/* Maps the platform's answer to a POST: 202 → CLAMBDA_OK, 400/403/413/5xx → errors. A 5xx
 * also marks rt fatal, so the loop ends whatever the handler does with the error. */
int runtime_map_ack(clambda_runtime *rt, const struct cl_http1_resp *ack);
/* Writes "/2018-06-01/runtime/invocation/<id>/<what>" with the id percent-encoded. */
int runtime_invocation_path(struct cl_buf *out, const char *request_id, const char *what);
/* Appends the error document {"errorMessage","errorType","stackTrace":[...]} to out. */
int runtime_error_json(struct cl_buf *out, const char *error_type, const char *message,
                       const char *const *frames, size_t n_frames);
/* Copies error_type into dst (size n) keeping only bytes that are safe in a header value. */
void runtime_header_safe(char *dst, size_t n, const char *error_type);
/* Writes epoch_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into out (n >= 25). */
void log_iso_time(char *out, size_t n, int64_t epoch_ms);
/* Marks inv answered: unsets _X_AMZN_TRACE_ID. */
void runtime_mark_answered(clambda_invocation *inv);
/* CLAMBDA_OK when inv is rt's current, unanswered invocation; else CLAMBDA_EINVAL/ESTATE. */
int runtime_check_open(const clambda_runtime *rt, const clambda_invocation *inv);

#endif /* CLAMBDA_RUNTIME_RUNTIME_INT_H */
