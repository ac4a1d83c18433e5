/* SPDX-License-Identifier: MIT */
/* Base64 (RFC 4648, standard alphabet, with padding) encoding and strict decoding. */
#ifndef CLAMBDA_COMMON_CL_B64_H
#define CLAMBDA_COMMON_CL_B64_H

#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

/* Appends the base64 encoding of src to out. 0, -E2BIG or -ENOMEM. */
int cl_b64_encode(struct cl_buf *out, const uint8_t *src, size_t len);

/* Appends the decoded bytes of src to out. Accepts padded and unpadded input; rejects any
 * other character (including whitespace) with -EBADMSG. 0, -EBADMSG, -E2BIG or -ENOMEM. */
int cl_b64_decode(struct cl_buf *out, const uint8_t *src, size_t len);

#endif /* CLAMBDA_COMMON_CL_B64_H */
