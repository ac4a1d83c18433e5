/* SPDX-License-Identifier: MIT */
/* examples/extension: an external Lambda extension. Install the binary as
 * /opt/extensions/<name> (a layer's extensions/ directory); the platform starts it before the
 * runtime. It registers under its own file name, as the platform requires, logs one line per
 * INVOKE and exits 0 on SHUTDOWN. A real extension would flush telemetry or caches where this
 * one logs. Its log lines (stderr) land in the function's log stream. */
#include <string.h>

#include <clambda/extension.h>

/* The platform matches a registration to the process it launched by the executable's name. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

int main(int argc, char **argv)
{
    const char *name = argc > 0 ? base_name(argv[0]) : "clambda-extension";
    clambda_extension *ext;
    int rc = clambda_extension_register(name, CLAMBDA_EXT_INVOKE | CLAMBDA_EXT_SHUTDOWN, &ext);
    if (rc != CLAMBDA_OK) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "[%s] register failed: %s", name,
                    clambda_strerror(rc));
        return 1;
    }
    clambda_log(NULL, CLAMBDA_LOG_INFO, "[%s] registered for function %s", name,
                clambda_extension_function_name(ext));

    for (;;) {
        clambda_extension_event *ev;
        rc = clambda_extension_next(ext, &ev); /* also says "done with the previous event" */
        if (rc == CLAMBDA_EPROTO) {
            clambda_log(NULL, CLAMBDA_LOG_WARN, "[%s] skipping a malformed event", name);
            continue;
        }
        if (rc != CLAMBDA_OK) {
            clambda_log(NULL, CLAMBDA_LOG_FATAL, "[%s] next failed: %s", name,
                        clambda_strerror(rc));
            break;
        }
        if (clambda_extension_event_type(ev) == CLAMBDA_EXT_INVOKE) {
            clambda_log(NULL, CLAMBDA_LOG_INFO, "[%s] INVOKE request_id=%s deadline_ms=%lld", name,
                        clambda_extension_event_request_id(ev),
                        (long long)clambda_extension_event_deadline_ms(ev));
        } else {
            const char *reason = clambda_extension_event_shutdown_reason_str(ev);
            clambda_log(NULL, CLAMBDA_LOG_INFO, "[%s] SHUTDOWN reason=%s", name,
                        reason != NULL ? reason : "unknown");
            clambda_extension_close(ext);
            return 0;
        }
    }
    clambda_extension_close(ext);
    return 1;
}
