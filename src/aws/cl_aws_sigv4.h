/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4 for requests libclambda_aws sends: the canonical request, the string
 * to sign and the Authorization header, with SHA-256 and HMAC from mbedTLS. Paths are given
 * as the caller wants them on the wire before percent-encoding; the canonical path is
 * normalised (dot segments and empty segments removed) and every byte outside the unreserved
 * set is encoded once, which is what the published test suite expects (and, given an
 * already encoded path, the SDKs' double encoding for services other than S3). */
#ifndef CLAMBDA_AWS_CL_AWS_SIGV4_H
#define CLAMBDA_AWS_CL_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

struct cl_aws_hdr {
    const char *name;
    const char *value;
};

/* A request to sign. hdrs are exactly the headers to sign (Host and X-Amz-Date included);
 * names in any case, repeated names allowed (their values are joined with ','). */
struct cl_aws_sigv4_req {
    const char *method;
    const char *path;  /* "/" when NULL or empty */
    const char *query; /* without '?', NULL or "" for none; "a=1&b" */
    const struct cl_aws_hdr *hdrs;
    size_t n_hdrs;
    const uint8_t *body;
    size_t body_len;
};

/* The signing key's inputs. */
struct cl_aws_sigv4_key {
    const char *access_key_id;
    const char *secret_access_key;
    const char *region;
    const char *service;
};

/* Writes the lowercase hex SHA-256 of data (65 bytes with the NUL) into hex. */
void cl_aws_sha256_hex(const uint8_t *data, size_t len, char hex[65]);

/* Appends the canonical request of r to out, with payload_hash as its last line. 0, -EINVAL
 * (a header name that is empty or holds ':' or whitespace, over 64 headers), -E2BIG, -ENOMEM. */
int cl_aws_sigv4_canonical_request(const struct cl_aws_sigv4_req *r, const char *payload_hash,
                                   struct cl_buf *out);

/* Appends the string to sign for a canonical request made at amz_date ("20150830T123600Z"). */
int cl_aws_sigv4_string_to_sign(const char *amz_date, const struct cl_aws_sigv4_key *k,
                                const uint8_t *creq, size_t creq_len, struct cl_buf *out);

/* Appends the Authorization header value for r signed with k at amz_date. 0, -EINVAL, -E2BIG,
 * -ENOMEM, -EIO (mbedTLS failed). */
int cl_aws_sigv4_authorization(const struct cl_aws_sigv4_req *r, const struct cl_aws_sigv4_key *k,
                               const char *amz_date, struct cl_buf *out);

/* Formats t (Unix seconds, UTC) as an X-Amz-Date, "YYYYMMDDTHHMMSSZ". */
void cl_aws_sigv4_date(int64_t t, char out[17]);

#endif /* CLAMBDA_AWS_CL_AWS_SIGV4_H */
