/* {{name}}: the function's logic; see handler.h. */
#include "handler.h"

#include <stdio.h>
#include <string.h>

/* Finds "name": "VALUE" in the event and copies VALUE (letters, digits, space, '-', '_', '.')
 * to name (cap bytes). A real function would use a JSON parser; this keeps the template small. */
static void find_name(const uint8_t *event, size_t len, char *name, size_t cap)
{
    static const char key[] = "\"name\"";
    const char *p = NULL;
    for (size_t i = 0; i + sizeof(key) - 1 <= len; i++) {
        if (memcmp(event + i, key, sizeof(key) - 1) == 0) {
            p = (const char *)event + i + sizeof(key) - 1;
            break;
        }
    }
    const char *end = (const char *)event + len;
    while (p != NULL && p < end && (*p == ' ' || *p == ':')) {
        p++;
    }
    size_t n = 0;
    if (p != NULL && p < end && *p == '"') {
        for (p++; p < end && *p != '"' && n + 1 < cap; p++) {
            if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.", *p) ==
                NULL) {
                n = 0;
                break;
            }
            name[n++] = *p;
        }
    }
    name[n] = '\0';
    if (n == 0) {
        (void)snprintf(name, cap, "world");
    }
}

int handler_answer(const uint8_t *event, size_t len, char *out, size_t cap)
{
    char name[128];
    find_name(event, len, name, sizeof(name));
    int n = snprintf(out, cap, "{\"message\":\"Hello, %s!\"}", name);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
