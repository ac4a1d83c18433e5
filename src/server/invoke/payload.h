/* SPDX-License-Identifier: MIT */
/* The JSON rule of an Invoke payload: a payload is accepted when jansson's json_loadb with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL accepts it (any JSON value, "\u0000" in strings), and
 * refused with jansson's own error text, line and column. Building jansson's tree of a 6 MB
 * payload only to throw it away costs tens of milliseconds, so a scanner that builds nothing
 * decides first: it accepts only input jansson accepts (strict grammar, UTF-8, surrogate pairs,
 * no NUL in keys, integers within int64, reals whose exponent cannot overflow, nesting well
 * within jansson's 2,048), and whatever it does not accept goes to json_loadb, whose verdict
 * (and message) stands. Pure and thread-safe: the front door runs it on the thread pool for
 * large payloads (front/routes.c). */
#ifndef CLAMBDA_SERVER_INVOKE_PAYLOAD_H
#define CLAMBDA_SERVER_INVOKE_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the refusal: a fixed text, jansson's error text (at most 160 bytes) and two
 * numbers. */
#define PAYLOAD_MESSAGE_MAX 400

/* The JSON check's verdict. */
struct payload_verdict {
    bool is_valid;
    char message[PAYLOAD_MESSAGE_MAX]; /* InvalidRequestContentException's message, if not */
};

/* Checks p[0..len) (len 0: valid, the function gets {}). OUT: *out. Thread-safe. */
void payload_check(const uint8_t *p, size_t len, struct payload_verdict *out);

/* The scanner alone: true only when json_loadb (flags above) accepts p[0..len); false when it
 * refuses, and for the few valid inputs the scanner leaves to jansson (nesting deeper than
 * 2,000, reals of magnitude 1e308 and above). Allocates nothing. */
bool payload_json_valid(const uint8_t *p, size_t len);

#endif /* CLAMBDA_SERVER_INVOKE_PAYLOAD_H */
