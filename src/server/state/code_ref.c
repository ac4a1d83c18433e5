/* SPDX-License-Identifier: MIT */
/* S3-style code references read from a bucket directory; see code_ref.h. The path is never
 * built as a string and handed to open(): the bucket and each key component are opened one at
 * a time with openat(O_NOFOLLOW) from the directory before them, which is what keeps a key
 * inside its bucket whatever is on disk (a symlink planted anywhere below DIR is refused, not
 * followed). Hard links are not told apart from files: whoever can write below DIR can link
 * any file the server can read into a bucket, as they could copy it; DIR is the operator's. */
#include "state/code_ref.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/validate_err.h"
#include "base/xalloc.h"

#define BUCKET_PATTERN "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$"
#define GETOBJECT      "Error occurred while GetObject. S3 Error Code: "
#define MSG_NO_BUCKET \
    GETOBJECT "NoSuchBucket. S3 Error Message: The specified bucket does not exist"
#define MSG_NO_KEY      GETOBJECT "NoSuchKey. S3 Error Message: The specified key does not exist."
#define MSG_BAD_VERSION GETOBJECT "InvalidArgument. S3 Error Message: Invalid version id specified"

static int fail(struct err *err, int rc, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct err *err, int rc, int status, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)err_setv(err, status, type, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- model constraints (ValidationException) ---- */

/* Bytes of a value quoted in a message: a 1,024-character key (what the model allows) of
 * 1-byte characters is quoted whole; longer values are cut at a character boundary, so that
 * the message stays readable (AWS quotes such values whole; the cut is ours). */
#define QUOTE_MAX 1100

static void add(struct validate_err_list *f, const char *value, size_t len, const char *prefix,
                const char *member, const char *constraint)
{
    if (len > QUOTE_MAX) {
        len = QUOTE_MAX;
        while (len > 0 && ((uint8_t)value[len] & 0xC0) == 0x80) {
            len--; /* not inside a UTF-8 sequence */
        }
    }
    char *v = xstrndup(value, len);
    char *m = xasprintf("%s%s", prefix, member);
    validate_err_add(f, v, m, "%s", constraint);
    free(m);
    free(v);
}

/* Characters, as the model counts them (UTF-8 continuation bytes are not counted). */
static size_t chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((uint8_t)s[i] & 0xC0) != 0x80;
    }
    return n;
}

static bool bucket_pattern_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '.' || c == '-' || c == '_')) {
            return false;
        }
    }
    return len == 0 || s[len - 1] != '.';
}

/* Length constraints of one member: min..max characters. */
static void check_length(struct validate_err_list *f, const char *value, size_t len,
                         const char *prefix, const char *member, size_t min, size_t max)
{
    char constraint[64];
    size_t n = chars(value, len);
    if (n < min || n > max) {
        (void)snprintf(constraint, sizeof(constraint), "Member must have length %s %zu",
                       n < min ? "greater than or equal to" : "less than or equal to",
                       n < min ? min : max);
        add(f, value, len, prefix, member, constraint);
    }
}

/* The Lambda model's constraints on the three members, in their order. */
static int check_model(const struct code_ref *ref, struct err *err)
{
    struct validate_err_list f;
    validate_err_list_init(&f);
    const char *p = ref->member_prefix ? ref->member_prefix : "";
    if (!bucket_pattern_ok(ref->bucket, ref->bucket_len)) {
        add(&f, ref->bucket, ref->bucket_len, p, "s3Bucket",
            "Member must satisfy regular expression pattern: " BUCKET_PATTERN);
    }
    check_length(&f, ref->bucket, ref->bucket_len, p, "s3Bucket", 3, 63);
    check_length(&f, ref->key, ref->key_len, p, "s3Key", 1, 1024);
    if (ref->version) {
        check_length(&f, ref->version, ref->version_len, p, "s3ObjectVersion", 1, 1024);
    }
    return validate_err_list_done(&f, err); /* the one ValidationException formatter */
}

/* ---- what a directory can hold ---- */

/* A key the directory can hold: '/'-separated names, none empty, "." or "..", and no NUL. */
static bool key_ok(const char *key, size_t len)
{
    if (memchr(key, '\0', len) != NULL) {
        return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && key[i] != '/') {
            continue;
        }
        size_t n = i - start;
        if (n == 0 || (n == 1 && key[start] == '.') ||
            (n == 2 && key[start] == '.' && key[start + 1] == '.')) {
            return false;
        }
        start = i + 1;
    }
    return true;
}

static int check_names(const struct code_ref *ref, struct err *err)
{
    if (memchr(ref->bucket, '\0', ref->bucket_len) != NULL ||
        (ref->version && memchr(ref->version, '\0', ref->version_len) != NULL)) {
        return fail(err, -EINVAL, 400, "InvalidParameterValueException",
                    "S3Bucket and S3ObjectVersion may not contain NUL characters.");
    }
    if (!key_ok(ref->key, ref->key_len)) {
        return fail(err, -EINVAL, 400, "InvalidParameterValueException",
                    "clambda cannot read S3Key '%.*s' from a bucket directory: each "
                    "'/'-separated part of the key must be a file or directory name (not "
                    "empty, '.' or '..', and no NUL).",
                    (int)ref->key_len, ref->key);
    }
    return 0;
}

/* ---- opening and reading ---- */

/* The error for a failed openat of name (dir_fd) inside s3://bucket/key. */
static int open_error(int dir_fd, const char *name, int e, bool is_bucket,
                      const struct code_ref *ref, struct err *err)
{
    struct stat st;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
        return fail(err, -EINVAL, 400, "InvalidParameterValueException",
                    "clambda does not follow symlinks in a bucket directory: %s in "
                    "s3://%.*s/%.*s is one.",
                    name, (int)ref->bucket_len, ref->bucket, (int)ref->key_len, ref->key);
    }
    if (e == EACCES || e == EPERM) {
        return fail(err, -EACCES, 403, "AccessDeniedException",
                    "Your access has been denied by S3, please make sure your request "
                    "credentials have permission to GetObject for %.*s/%.*s. S3 Error Code: "
                    "AccessDenied. S3 Error Message: Access Denied",
                    (int)ref->bucket_len, ref->bucket, (int)ref->key_len, ref->key);
    }
    if (e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG) {
        return fail(err, -ENOENT, 400, "InvalidParameterValueException", "%s",
                    is_bucket ? MSG_NO_BUCKET : MSG_NO_KEY);
    }
    return fail(err, -e, 500, "ServiceException", "openat(%s): %s", name, strerror(e));
}

/* Opens the bucket's directory below bucket_dir. OUT: *fd. */
static int open_bucket(const char *bucket_dir, const struct code_ref *ref, int *fd, struct err *err)
{
    char name[64]; /* the model caps the bucket at 63 characters of ASCII */
    (void)snprintf(name, sizeof(name), "%.*s", (int)ref->bucket_len, ref->bucket);
    int root = open(bucket_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        return open_error(AT_FDCWD, bucket_dir, errno, true, ref, err);
    }
    *fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = *fd < 0 ? open_error(root, name, errno, true, ref, err) : 0;
    (void)close(root);
    return rc;
}

/* Walks the key's components from the bucket's directory (closed here). OUT: *fd, the object
 * opened for reading. */
static int open_key(int bucket_fd, const struct code_ref *ref, int *fd, struct err *err)
{
    char name[NAME_MAX + 2]; /* one byte more than a name can have: never truncated */
    int dir = bucket_fd;
    size_t start = 0;
    int rc = 0;
    for (size_t i = 0; i <= ref->key_len && rc == 0; i++) {
        if (i < ref->key_len && ref->key[i] != '/') {
            continue;
        }
        bool is_last = i == ref->key_len;
        size_t n = i - start < sizeof(name) - 1 ? i - start : sizeof(name) - 1;
        memcpy(name, ref->key + start, n); /* a longer part fails with ENAMETOOLONG */
        name[n] = '\0';
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (is_last ? O_NONBLOCK : O_DIRECTORY);
        int next = openat(dir, name, flags);
        if (next < 0) {
            rc = open_error(dir, name, errno, false, ref, err);
        }
        (void)close(dir);
        dir = next;
        start = i + 1;
    }
    *fd = dir;
    return rc;
}

/* Reads fd to its end into out (capped at out->max). 0, -E2BIG, -ENOMEM or -errno. */
static int read_all(int fd, struct cl_buf *out)
{
    for (;;) {
        uint8_t probe; /* when out is full: one more byte means the object is too large */
        uint8_t *dst = &probe;
        size_t room = 1;
        bool is_full = out->len == out->max;
        if (!is_full) {
            int rc = cl_buf_reserve(out, 1);
            if (rc < 0) {
                return rc;
            }
            dst = out->data + out->len;
            room = out->cap - 1 - out->len;
        }
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno != EINTR) {
            return -errno;
        }
        if (n > 0 && is_full) {
            return -E2BIG;
        }
        if (n == 0) {
            if (out->cap > out->len) { /* allocated: keep cl_buf's terminating NUL */
                out->data[out->len] = 0;
            }
            return 0;
        }
        out->len += n > 0 ? (size_t)n : 0;
    }
}

/* Reads the object (a regular file) into out. */
static int read_object(int fd, const struct code_ref *ref, struct cl_buf *out, struct err *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        return fail(err, -errno, 500, "ServiceException", "fstat: %s", strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) { /* a directory (an S3 "prefix") or a special file */
        return fail(err, -ENOENT, 400, "InvalidParameterValueException", MSG_NO_KEY);
    }
    size_t size = (size_t)st.st_size;
    int rc = (uint64_t)st.st_size > out->max ? -E2BIG : 0;
    if (rc == 0) { /* one byte more than the size: the read that sees the end needs no growth */
        rc = cl_buf_reserve(out, size < out->max ? size + 1 : size);
    }
    rc = rc < 0 ? rc : read_all(fd, out);
    if (rc == -E2BIG) {
        return fail(err, rc, 400, "InvalidParameterValueException",
                    "The object s3://%.*s/%.*s is larger than %zu bytes, the most clambda reads "
                    "for a code package (the unzipped code limit).",
                    (int)ref->bucket_len, ref->bucket, (int)ref->key_len, ref->key, out->max);
    }
    if (rc < 0) {
        return fail(err, rc, 500, "ServiceException", "read(s3://%.*s/%.*s): %s",
                    (int)ref->bucket_len, ref->bucket, (int)ref->key_len, ref->key, strerror(-rc));
    }
    return 0;
}

int code_ref_read(const char *bucket_dir, const struct code_ref *ref, size_t max_len,
                  struct cl_buf *out, struct err *err)
{
    cl_buf_init(out, max_len);
    int rc = check_model(ref, err);
    if (rc == 0) {
        rc = check_names(ref, err);
    }
    int bucket_fd = -1;
    if (rc == 0) {
        rc = open_bucket(bucket_dir, ref, &bucket_fd, err);
    }
    if (rc == 0 && ref->version &&
        (ref->version_len != 4 || memcmp(ref->version, "null", 4) != 0)) {
        (void)close(bucket_fd); /* unversioned: "null" is the only version there is */
        return fail(err, -ENOENT, 400, "InvalidParameterValueException", MSG_BAD_VERSION);
    }
    int fd = -1;
    if (rc == 0) {
        rc = open_key(bucket_fd, ref, &fd, err);
    }
    if (rc == 0) {
        rc = read_object(fd, ref, out, err);
    }
    if (fd >= 0) {
        (void)close(fd);
    }
    if (rc < 0) {
        cl_buf_fini(out);
    }
    return rc;
}
