/* {{name}}: what the function streams, apart from the Lambda loop (src/main.c) so that
 * tests/test_handler.c can call it directly. */
#ifndef HANDLER_H
#define HANDLER_H

#include <stddef.h>
#include <stdint.h>

/* Receives one chunk of the answer; returns 0 to go on, anything else to stop. */
typedef int handler_emit_fn(void *ctx, const char *chunk, size_t len);

/* Streams the answer to an event (len bytes of JSON) as chunks through emit: "line 1\n" up to
 * "line 5\n". Returns 0, or emit's non-zero value. */
int handler_stream(const uint8_t *event, size_t len, handler_emit_fn *emit, void *ctx);

#endif
