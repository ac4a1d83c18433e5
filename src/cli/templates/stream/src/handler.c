/* {{name}}: what the function streams; see handler.h. */
#include "handler.h"

#include <stdio.h>

int handler_stream(const uint8_t *event, size_t len, handler_emit_fn *emit, void *ctx)
{
    (void)event;
    (void)len;
    for (int i = 1; i <= 5; i++) {
        char line[32];
        int n = snprintf(line, sizeof(line), "line %d\n", i);
        int rc = emit(ctx, line, (size_t)n);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}
