/* {{name}}: unit test of handler.c. Exits 0 when every check passes. */
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

static const char *answer(const char *event)
{
    static char out[256];
    int n = handler_answer((const unsigned char *)event, strlen(event), out, sizeof(out));
    return n < 0 ? "(too long)" : out;
}

int main(void)
{
    CHECK(strcmp(answer("{\"name\": \"Ada\"}"), "{\"message\":\"Hello, Ada!\"}") == 0);
    CHECK(strcmp(answer("{}"), "{\"message\":\"Hello, world!\"}") == 0);
    CHECK(strcmp(answer("{\"name\":\"<script>\"}"), "{\"message\":\"Hello, world!\"}") == 0);
    char small[8];
    CHECK(handler_answer((const unsigned char *)"{}", 2, small, sizeof(small)) == -1);
    if (failures == 0) {
        (void)puts("test_handler: all checks passed");
    }
    return failures == 0 ? 0 : 1;
}
