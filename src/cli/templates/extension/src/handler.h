/* {{name}}: what the extension does with the events it receives, apart from the Extensions
 * API loop (src/main.c) so that tests/test_handler.c can call it directly. */
#ifndef HANDLER_H
#define HANDLER_H

#include <stddef.h>

/* What the extension has seen so far. */
struct handler_stats {
    unsigned long n_invokes;
    char last_request_id[64];
};

/* Records one INVOKE event. */
void handler_on_invoke(struct handler_stats *st, const char *request_id);
/* Writes a one-line summary (for the SHUTDOWN log line) into out (cap bytes). */
void handler_summary(const struct handler_stats *st, char *out, size_t cap);

#endif
