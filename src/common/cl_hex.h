/* SPDX-License-Identifier: MIT */
/* Hex digit decoding, shared by the parsers that read hex: chunk sizes (cl_http1) and percent
 * escapes (http_request, the server's router). Inline: it sits in per-byte loops. */
#ifndef CLAMBDA_COMMON_CL_HEX_H
#define CLAMBDA_COMMON_CL_HEX_H

/* Value 0-15 of the hex digit c (either case), or -1 when c is not one. */
static inline int cl_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif /* CLAMBDA_COMMON_CL_HEX_H */
