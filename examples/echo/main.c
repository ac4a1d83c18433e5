/* SPDX-License-Identifier: MIT */
/* examples/echo: returns the event payload byte for byte, with the event's content type. */
#include <clambda/runtime.h>

static int echo(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    size_t len;
    const uint8_t *payload = clambda_invocation_payload(inv, &len);
    (void)user;
    return clambda_runtime_respond(rt, inv, payload, len, clambda_invocation_content_type(inv));
}

int main(void)
{
    return clambda_run(echo, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
