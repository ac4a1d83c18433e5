/* SPDX-License-Identifier: MIT */
/* noop_ext: the cheapest honest external extension, for bench/extensions.py. It registers
 * for INVOKE under its own file name and answers every event with its next event/next at
 * once: no logging, no work, so what a warm invoke gains with it is the platform's cost of
 * an INVOKE-subscribed extension (the event, the extension's next, the completion rule). */
#include <clambda/extension.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *name = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
    name = name ? name + 1 : (argc > 0 && argv[0] ? argv[0] : "noop");
    clambda_extension *ext = NULL;
    if (clambda_extension_register(name, CLAMBDA_EXT_INVOKE, &ext) != CLAMBDA_OK) {
        return 1;
    }
    for (;;) {
        clambda_extension_event *ev = NULL;
        int rc = clambda_extension_next(ext, &ev);
        if (rc == CLAMBDA_EPROTO) {
            continue;
        }
        if (rc != CLAMBDA_OK || clambda_extension_event_type(ev) == CLAMBDA_EXT_SHUTDOWN) {
            break;
        }
    }
    clambda_extension_close(ext);
    return 0;
}
