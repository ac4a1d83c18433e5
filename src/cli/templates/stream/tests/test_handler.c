/* {{name}}: unit test of the streamed answer. Exits 0 when every check passes. */
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

struct collected {
    char text[256];
    size_t len;
    int n_chunks;
    int stop_after;
};

static int collect(void *ctx, const char *chunk, size_t len)
{
    struct collected *c = ctx;
    if (c->stop_after > 0 && c->n_chunks == c->stop_after) {
        return -1;
    }
    if (c->len + len < sizeof(c->text)) {
        memcpy(c->text + c->len, chunk, len);
        c->len += len;
        c->text[c->len] = '\0';
    }
    c->n_chunks++;
    return 0;
}

int main(void)
{
    struct collected all = {.len = 0};
    CHECK(handler_stream((const unsigned char *)"{}", 2, collect, &all) == 0);
    CHECK(all.n_chunks == 5);
    CHECK(strncmp(all.text, "line 1\nline 2\n", 14) == 0);
    struct collected two = {.stop_after = 2};
    CHECK(handler_stream((const unsigned char *)"{}", 2, collect, &two) == -1);
    CHECK(two.n_chunks == 2);
    if (failures == 0) {
        (void)puts("test_handler: all checks passed");
    }
    return failures == 0 ? 0 : 1;
}
