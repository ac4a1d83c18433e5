/* SPDX-License-Identifier: MIT */
/* Random identifiers from getrandom(2): request ids (lowercase UUID v4), X-Ray trace ids and
 * hex strings (log stream names). */
#ifndef CLAMBDA_SERVER_IDS_H
#define CLAMBDA_SERVER_IDS_H

#include <stddef.h>

/* Size of a UUID string with its NUL. */
#define IDS_UUID_LEN 37
/* Size of a trace header "Root=1-8hex-24hex;Parent=16hex;Sampled=0" with its NUL. */
#define IDS_TRACE_LEN 96

/* Writes n_bytes random bytes as 2*n_bytes lowercase hex digits plus NUL into out. */
void ids_hex(char *out, size_t n_bytes);
/* Writes a random UUID v4 ("8476a536-e9f4-41e8-9739-2dfe598c3fcd") into out[IDS_UUID_LEN]. */
void ids_uuid(char *out);
/* Writes a new X-Ray trace header for epoch seconds now into out[IDS_TRACE_LEN]. */
void ids_trace(char *out, long long now_s);

#endif /* CLAMBDA_SERVER_IDS_H */
