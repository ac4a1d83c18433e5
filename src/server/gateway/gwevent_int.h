/* SPDX-License-Identifier: MIT */
/* What gwevent.c and gwevent_v1.c share: JSON strings that survive bad UTF-8, percent-decoded
 * values, the log time format and the body. Inside gateway/gwevent only. */
#ifndef CLAMBDA_SERVER_GATEWAY_GWEVENT_INT_H
#define CLAMBDA_SERVER_GATEWAY_GWEVENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "gateway/gwevent.h"

/* A JSON string of s[0..len); bytes that are not UTF-8 make it "(invalid UTF-8)". */
json_t *gwevent_jstrn(const char *s, size_t len);
json_t *gwevent_jstr(const char *s);
/* Percent-decodes s[0..len) into a new JSON string; the raw text when it does not decode. */
json_t *gwevent_decoded(const char *s, size_t len);
/* "dd/Mon/yyyy:HH:mm:ss +0000" of ms (epoch). */
void gwevent_clf_time(int64_t ms, char out[64]);
/* The value of header name in r (case-insensitive, the first), or NULL. */
const char *gwevent_header(const struct gwevent_request *r, const char *name);
/* r's body as a JSON string, base64 when want_b64 or when it is not UTF-8 (*b64 says which);
 * NULL when there is none. */
json_t *gwevent_body(const struct gwevent_request *r, bool want_b64, bool *b64);

#endif /* CLAMBDA_SERVER_GATEWAY_GWEVENT_INT_H */
