/* SPDX-License-Identifier: MIT */
/* Private layout of the extension and event handles (extension.c), and the event body parser,
 * exposed for unit tests and the fuzz target. Nothing here is API. */
#ifndef CLAMBDA_RUNTIME_EXTENSION_INT_H
#define CLAMBDA_RUNTIME_EXTENSION_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_http1.h"
#include "cl_httpc.h"
#include "clambda/extension.h"

#define EXTENSION_API_PREFIX "/2020-01-01/extension"
/* Event and registration bodies are a few hundred bytes; error answers are small too. */
#define EXTENSION_MAX_BODY (64u << 10)
/* JSON tokens allowed in one event or registration body. */
#define EXTENSION_MAX_TOKS 256

/* One parsed event. Strings are owned (cl_alloc) and NUL-terminated; NULL when absent. */
struct clambda_extension_event {
    int type; /* enum clambda_ext_events */
    int64_t deadline_ms;
    char *request_id, *arn, *tracing_type, *tracing_value, *reason_str;
    int reason; /* enum clambda_ext_shutdown_reason */
};

struct clambda_extension {
    struct cl_httpc conn;
    struct cl_http1_resp resp;                                     /* every answer, reused */
    struct clambda_extension_event event;                          /* the current event */
    char *id;                                                      /* Lambda-Extension-Identifier */
    char *function_name, *function_version, *handler, *account_id; /* NULL when absent */
    bool has_called_next;    /* init is over: no more init/error */
    bool has_reported_error; /* init/error or exit/error was sent */
};

/* Parses an event/next body (len bytes at body, need not be NUL-terminated) into ev, which
 * the function initialises first. INVOKE needs a string requestId; deadlineMs must be an
 * integer when present, strings must be strings, tracing an object; null counts as absent.
 * eventType and shutdownReason are matched case-insensitively.
 * Returns 0 (ev owns its strings: free with extension_event_fini()), -EBADMSG (malformed JSON,
 * wrong types, unknown eventType) or -ENOMEM; on error ev holds nothing to free. */
int extension_event_parse(const uint8_t *body, size_t len, struct clambda_extension_event *ev);

/* Frees ev's strings and zeroes it. NULL is a no-op. */
void extension_event_fini(struct clambda_extension_event *ev);

#endif /* CLAMBDA_RUNTIME_EXTENSION_INT_H */
