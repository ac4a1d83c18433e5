/* SPDX-License-Identifier: MIT */
/* Code packages named the S3 way (S3Bucket, S3Key, S3ObjectVersion) and read from a local
 * directory that plays S3 (`--code-bucket-dir`, default <state-dir>/buckets): the object
 * s3://BUCKET/KEY is the regular file DIR/BUCKET/KEY. The names are checked with the Lambda
 * model's constraints and AWS's ValidationException wording; a key must name a file inside its
 * bucket: every component is opened with openat(O_NOFOLLOW) from the bucket's directory, so
 * "..", absolute keys, empty or "." components and symlinks (the bucket's own directory
 * included) can never reach outside it. Missing buckets and keys give the errors Lambda
 * gives for S3's NoSuchBucket / NoSuchKey. The directory is unversioned: the only
 * S3ObjectVersion that exists is "null", S3's version id of an object in an unversioned
 * bucket. Pure and thread-safe (no globals, no loop): it may run on a worker thread. */
#ifndef CLAMBDA_SERVER_CODE_REF_H
#define CLAMBDA_SERVER_CODE_REF_H

#include <stddef.h>

#include "base/err.h"
#include "cl_buf.h"

/* Largest object read (bytes): the unzipped code limit (AWS: 250 MB, code.h). AWS does not
 * bound zips read from S3 by the 50 MB upload limit; a zip above 250 MB cannot hold a package
 * that unzips within the limit unless it is mostly padding, so it is refused before reading. */
#define CODE_REF_MAX_BYTES ((size_t)262144000)

/* One reference. Lengths make a NUL inside a value visible (refused). */
struct code_ref {
    const char *bucket; /* S3Bucket */
    size_t bucket_len;
    const char *key; /* S3Key */
    size_t key_len;
    const char *version; /* S3ObjectVersion; NULL when not given */
    size_t version_len;
    /* Prefix of the member names in ValidationException messages: "code." (CreateFunction),
     * "" (UpdateFunctionCode), "content." (PublishLayerVersion). */
    const char *member_prefix;
};

/* Validates ref and reads the object DIR/BUCKET/KEY under bucket_dir. OUT: *out, initialised
 * here with max_len as its cap (cl_buf_fini; empty after a failure). 0, or -EINVAL
 * (bad names: ValidationException, or a key that cannot name a file in the directory),
 * -ENOENT (NoSuchBucket, NoSuchKey, NoSuchVersion), -EACCES (403 AccessDeniedException),
 * -E2BIG (object over max_len), -ENOMEM or another -errno (500 ServiceException), with *err
 * filled (err_fini). Blocks on file I/O proportional to the object. */
int code_ref_read(const char *bucket_dir, const struct code_ref *ref, size_t max_len,
                  struct cl_buf *out, struct err *err);

#endif /* CLAMBDA_SERVER_CODE_REF_H */
