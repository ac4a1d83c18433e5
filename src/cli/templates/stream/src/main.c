/* {{name}}: the Lambda loop with response streaming: each chunk handler.c produces is sent
 * as it comes (deploy with a Function URL in RESPONSE_STREAM mode, or invoke with
 * InvokeWithResponseStream). */
#include <clambda/runtime.h>

#include "handler.h"

static int emit(void *ctx, const char *chunk, size_t len)
{
    return clambda_stream_write(ctx, chunk, len);
}

static int handle(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    size_t len;
    const uint8_t *event = clambda_invocation_payload(inv, &len);
    clambda_stream *s;
    (void)user;
    int rc = clambda_stream_open(rt, inv, "text/plain", &s);
    if (rc != CLAMBDA_OK) {
        return rc;
    }
    rc = handler_stream(event, len, emit, s);
    if (rc != CLAMBDA_OK) {
        return clambda_stream_fail(s, "StreamFailed", clambda_strerror(rc));
    }
    return clambda_stream_finish(s);
}

int main(void)
{
    return clambda_run(handle, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
