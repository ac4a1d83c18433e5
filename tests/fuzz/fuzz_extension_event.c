/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the Extensions API event parser (the body of GET /extension/event/next).
 * Parses arbitrary bytes, checks the parser's contract (a result code it documents, a known
 * event type and a request id on success, nothing owned on failure), reads every string back
 * and frees the event, so ASan/LSan catch overreads and leaks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extension_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t str_len(const char *s)
{
    return s != NULL ? strlen(s) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct clambda_extension_event ev;
    int rc = extension_event_parse(data, size, &ev);
    if (rc != 0) {
        if ((rc != -EBADMSG && rc != -ENOMEM) || ev.type != 0 || ev.request_id != NULL ||
            ev.arn != NULL || ev.tracing_type != NULL || ev.tracing_value != NULL ||
            ev.reason_str != NULL) {
            abort();
        }
        return 0;
    }
    if (ev.type == CLAMBDA_EXT_INVOKE) {
        if (ev.request_id == NULL || ev.reason_str != NULL) {
            abort();
        }
    } else if (ev.type != CLAMBDA_EXT_SHUTDOWN || ev.request_id != NULL) {
        abort();
    }
    /* Every string must be NUL-terminated within its allocation (ASan checks the reads). */
    volatile size_t total = str_len(ev.request_id) + str_len(ev.arn) + str_len(ev.tracing_type) +
                            str_len(ev.tracing_value) + str_len(ev.reason_str);
    (void)total;
    extension_event_fini(&ev);
    return 0;
}
