/* {{name}}: an external Lambda extension. Lambda starts /opt/extensions/{{name}} (a layer's
 * extensions/{{name}}) before the runtime; it registers under that file name, handles each
 * INVOKE with handler.c and exits 0 on SHUTDOWN. Its log lines land in the function's logs. */
#include <clambda/extension.h>
#include <clambda/runtime.h>

#include "handler.h"

int main(void)
{
    clambda_extension *ext;
    int rc =
        clambda_extension_register("{{name}}", CLAMBDA_EXT_INVOKE | CLAMBDA_EXT_SHUTDOWN, &ext);
    if (rc != CLAMBDA_OK) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "[{{name}}] register: %s", clambda_strerror(rc));
        return 1;
    }
    struct handler_stats st = {0};
    for (;;) {
        clambda_extension_event *ev;
        rc = clambda_extension_next(ext, &ev);
        if (rc == CLAMBDA_EPROTO) {
            continue; /* a malformed event: skip it */
        }
        if (rc != CLAMBDA_OK) {
            clambda_log(NULL, CLAMBDA_LOG_FATAL, "[{{name}}] next: %s", clambda_strerror(rc));
            break;
        }
        if (clambda_extension_event_type(ev) == CLAMBDA_EXT_INVOKE) {
            handler_on_invoke(&st, clambda_extension_event_request_id(ev));
            continue;
        }
        char summary[128];
        handler_summary(&st, summary, sizeof(summary));
        clambda_log(NULL, CLAMBDA_LOG_INFO, "[{{name}}] SHUTDOWN: %s", summary);
        clambda_extension_close(ext);
        return 0;
    }
    clambda_extension_close(ext);
    return 1;
}
