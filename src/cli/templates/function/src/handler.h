/* {{name}}: the function's logic, apart from the Lambda loop (src/main.c) so that
 * tests/test_handler.c can call it directly. */
#ifndef HANDLER_H
#define HANDLER_H

#include <stddef.h>
#include <stdint.h>

/* Answers an event (len bytes of JSON) with {"message":"Hello, NAME!"}, NAME being the event's
 * "name" string (plain characters only), else "world". Writes the answer and a NUL into out
 * (cap bytes). Returns the answer's length, or -1 when it does not fit. */
int handler_answer(const uint8_t *event, size_t len, char *out, size_t cap);

#endif
