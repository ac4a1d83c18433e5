/* SPDX-License-Identifier: MIT */
/* Random identifiers from getrandom(2): request ids (lowercase UUID v4), X-Ray trace ids and
 * hex strings (log stream names); and the current time as the API's timestamps show it. */
#ifndef CLAMBDA_SERVER_IDS_H
#define CLAMBDA_SERVER_IDS_H

#include <stddef.h>

/* Size of a UUID string with its NUL. */
#define IDS_UUID_LEN 37
/* Size of a trace header "Root=1-8hex-24hex;Parent=16hex;Sampled=0" with its NUL. */
#define IDS_TRACE_LEN 96

/* Size of a timestamp from ids_now_iso with its NUL. */
#define IDS_TIME_LEN 40

/* Writes the current UTC time as "2026-11-26T22:00:00" plus frac_digits (3 or 6) of the
 * second and zone into out[IDS_TIME_LEN]: "...00.000+0000" (LastModified, layers' CreatedDate)
 * or "...00.000000Z" (function URL configs). */
void ids_now_iso(char *out, int frac_digits, const char *zone);

/* Writes n_bytes random bytes as 2*n_bytes lowercase hex digits plus NUL into out. */
void ids_hex(char *out, size_t n_bytes);
/* Writes a random UUID v4 ("8476a536-e9f4-41e8-9739-2dfe598c3fcd") into out[IDS_UUID_LEN]. */
void ids_uuid(char *out);
/* Writes a new X-Ray trace header for epoch seconds now into out[IDS_TRACE_LEN]. */
void ids_trace(char *out, long long now_s);

#endif /* CLAMBDA_SERVER_IDS_H */
