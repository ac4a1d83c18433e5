/* {{name}}: unit test of the extension's logic. Exits 0 when every check passes. */
#include <stdio.h>
#include <string.h>

#include "handler.h"

static int failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            (void)fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

int main(void)
{
    struct handler_stats st = {0};
    char out[128];
    handler_summary(&st, out, sizeof(out));
    CHECK(strcmp(out, "0 invocations, last none") == 0);
    handler_on_invoke(&st, "req-1");
    handler_on_invoke(&st, "req-2");
    handler_summary(&st, out, sizeof(out));
    CHECK(strcmp(out, "2 invocations, last req-2") == 0);
    if (failures == 0) {
        (void)puts("test_handler: all checks passed");
    }
    return failures == 0 ? 0 : 1;
}
