/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/code_ref.c: a bucket directory built in a temporary directory
 * (DIR/bkt/...) with objects, nested keys, and hostile entries (symlinks out of the bucket and
 * inside it, a symlinked bucket, a directory and a fifo as keys); names checked against the
 * Lambda model's constraints and AWS's messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "state/code_ref.h"

#define NO_BUCKET                                                                         \
    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The " \
    "specified bucket does not exist"
#define NO_KEY                                                                         \
    "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The " \
    "specified key does not exist."

static void make_dir(const char *dir, const char *rel)
{
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void make_link(const char *dir, const char *rel, const char *target)
{
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(symlink(target, path), 0);
}

/* DIR/bkt/code.zip, DIR/bkt/a/b/c.zip, DIR/secret (outside every bucket). */
static void make_buckets(const char *dir)
{
    make_dir(dir, "bkt");
    make_dir(dir, "bkt/a");
    make_dir(dir, "bkt/a/b");
    tmpdir_write(dir, "bkt/code.zip", "PK-one", 0644);
    tmpdir_write(dir, "bkt/a/b/c.zip", "PK-nested", 0644);
    tmpdir_write(dir, "secret", "TOP SECRET", 0644);
}

/* Reads s3://bucket/key (version may be NULL) under dir with the "code." prefix. */
static int read_ref(const char *dir, const char *bucket, const char *key, const char *version,
                    struct cl_buf *out, struct err *err)
{
    struct code_ref ref = {
        bucket, strlen(bucket), key, strlen(key), version, version ? strlen(version) : 0, "code."};
    return code_ref_read(dir, &ref, CODE_REF_MAX_BYTES, out, err);
}

static void test_code_ref_read_ok(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(read_ref(dir, "bkt", "code.zip", NULL, &out, &err), 0);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.data, "PK-one", 6);
    cl_buf_fini(&out);
    assert_int_equal(read_ref(dir, "bkt", "a/b/c.zip", "null", &out, &err), 0);
    assert_string_equal(cl_buf_str(&out), "PK-nested");
    cl_buf_fini(&out);
    tmpdir_write(dir, "bkt/empty", "", 0644); /* an empty object reads as zero bytes */
    assert_int_equal(read_ref(dir, "bkt", "empty", NULL, &out, &err), 0);
    assert_int_equal(out.len, 0);
    cl_buf_fini(&out);
    err_fini(&err);
}

static void test_code_ref_read_missing(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(read_ref(dir, "nobucket", "code.zip", NULL, &out, &err), -ENOENT);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_string_equal(err.message, NO_BUCKET);
    assert_null(out.data);
    assert_int_equal(read_ref(dir, "bkt", "nope.zip", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_KEY);
    assert_int_equal(read_ref(dir, "bkt", "a/x/c.zip", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_KEY);
    /* a file used as a directory, and a directory used as an object */
    assert_int_equal(read_ref(dir, "bkt", "code.zip/x", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_KEY);
    assert_int_equal(read_ref(dir, "bkt", "a/b", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_KEY);
    /* a key part longer than a file name can be: no such key (never a truncated name) */
    char long_part[300];
    memset(long_part, 'x', sizeof(long_part) - 1);
    long_part[sizeof(long_part) - 1] = '\0';
    tmpdir_write(dir, "bkt/xxx", "x", 0644);
    assert_int_equal(read_ref(dir, "bkt", long_part, NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_KEY);
    /* a file where a bucket should be */
    assert_int_equal(read_ref(dir, "secret", "x", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_BUCKET);
    /* a fifo is no object (and opening it does not block) */
    char fifo[4096];
    (void)snprintf(fifo, sizeof(fifo), "%s/bkt/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(read_ref(dir, "bkt", "fifo", NULL, &out, &err), -ENOENT);
    /* no bucket directory at all: no bucket exists */
    char none[4096];
    (void)snprintf(none, sizeof(none), "%s/none", dir);
    assert_int_equal(read_ref(none, "bkt", "code.zip", NULL, &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_BUCKET);
    err_fini(&err);
}

static void test_code_ref_read_traversal(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    static const char *const keys[] = {"../secret",  "a/../../secret", "/etc/passwd",
                                       "./code.zip", "a//b/c.zip",     "a/b/",
                                       "..",         "a/./b/c.zip"};
    struct cl_buf out;
    struct err err = {0};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_int_equal(read_ref(dir, "bkt", keys[i], NULL, &out, &err), -EINVAL);
        assert_int_equal(err.status, 400);
        assert_string_equal(err.type, "InvalidParameterValueException");
        assert_non_null(strstr(err.message, "clambda cannot read S3Key"));
        assert_null(out.data);
    }
    /* a NUL inside the key */
    struct code_ref ref = {"bkt", 3, "code.zip\0x", 10, NULL, 0, ""};
    assert_int_equal(code_ref_read(dir, &ref, 100, &out, &err), -EINVAL);
    assert_non_null(strstr(err.message, "no NUL"));
    err_fini(&err);
}

static void test_code_ref_read_symlinks(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    char target[4096];
    (void)snprintf(target, sizeof(target), "%s/secret", dir);
    make_link(dir, "bkt/abs.zip", target);      /* absolute, out of the bucket */
    make_link(dir, "bkt/rel.zip", "../secret"); /* relative, out of the bucket */
    make_link(dir, "bkt/in.zip", "code.zip");   /* inside: refused as well */
    make_link(dir, "bkt/up", "..");             /* a directory link out */
    make_link(dir, "lnk", "bkt");               /* a symlinked bucket */
    static const char *const keys[] = {"abs.zip", "rel.zip", "in.zip", "up/secret"};
    struct cl_buf out;
    struct err err = {0};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_int_equal(read_ref(dir, "bkt", keys[i], NULL, &out, &err), -EINVAL);
        assert_string_equal(err.type, "InvalidParameterValueException");
        assert_non_null(strstr(err.message, "does not follow symlinks"));
        assert_null(out.data);
    }
    assert_int_equal(read_ref(dir, "lnk", "code.zip", NULL, &out, &err), -EINVAL);
    assert_non_null(strstr(err.message, "does not follow symlinks"));
    err_fini(&err);
}

/* Regression: a key of 1,025 4-byte characters made the message overflow its buffer and
 * come out as "1 validation error detected: " with nothing after it. */
static void test_code_ref_read_long_key_message(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    static char key[1025 * 4 + 1];
    for (size_t i = 0; i < 1025; i++) {
        memcpy(key + 4 * i, "\xF0\x9F\x98\x80", 4); /* U+1F600 */
    }
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(read_ref(dir, "bkt", key, NULL, &out, &err), -EINVAL);
    assert_string_equal(err.type, "ValidationException");
    assert_non_null(strstr(err.message, "' at 'code.s3Key' failed to satisfy constraint: Member "
                                        "must have length less than or equal to 1024"));
    err_fini(&err);
}

static void test_code_ref_read_bad_names(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(read_ref(dir, "s3://bkt", "code.zip", NULL, &out, &err), -EINVAL);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "ValidationException");
    assert_string_equal(err.message,
                        "1 validation error detected: Value 's3://bkt' at 'code.s3Bucket' failed "
                        "to satisfy constraint: Member must satisfy regular expression pattern: "
                        "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$");
    assert_int_equal(read_ref(dir, "bk", "code.zip", NULL, &out, &err), -EINVAL);
    assert_string_equal(err.message,
                        "1 validation error detected: Value 'bk' at 'code.s3Bucket' failed to "
                        "satisfy constraint: Member must have length greater than or equal to 3");
    assert_int_equal(read_ref(dir, "bucket.", "", NULL, &out, &err), -EINVAL);
    assert_string_equal(err.message,
                        "2 validation errors detected: Value 'bucket.' at 'code.s3Bucket' failed "
                        "to satisfy constraint: Member must satisfy regular expression pattern: "
                        "^[0-9A-Za-z\\.\\-_]*(?<!\\.)$; Value '' at 'code.s3Key' failed to "
                        "satisfy constraint: Member must have length greater than or equal to 1");
    char long_bucket[65];
    memset(long_bucket, 'b', 64);
    long_bucket[64] = '\0';
    assert_int_equal(read_ref(dir, long_bucket, "k", NULL, &out, &err), -EINVAL);
    assert_non_null(strstr(err.message, "Member must have length less than or equal to 63"));
    char long_key[1026];
    memset(long_key, 'k', 1025);
    long_key[1025] = '\0';
    assert_int_equal(read_ref(dir, "bkt", long_key, "", &out, &err), -EINVAL);
    assert_non_null(strstr(err.message, "2 validation errors detected: Value 'kkk"));
    assert_non_null(strstr(err.message, "at 'code.s3Key' failed to satisfy constraint: Member "
                                        "must have length less than or equal to 1024"));
    assert_non_null(strstr(err.message, "Value '' at 'code.s3ObjectVersion'"));
    assert_null(out.data);
    err_fini(&err);
}

static void test_code_ref_read_version(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(
        read_ref(dir, "bkt", "code.zip", "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", &out, &err), -ENOENT);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_string_equal(err.message, "Error occurred while GetObject. S3 Error Code: "
                                     "InvalidArgument. S3 Error Message: Invalid version id "
                                     "specified");
    assert_null(out.data);
    /* the bucket is checked first, as S3 does */
    assert_int_equal(read_ref(dir, "other", "code.zip", "v1", &out, &err), -ENOENT);
    assert_string_equal(err.message, NO_BUCKET);
    err_fini(&err);
}

static void test_code_ref_read_too_large(void **state)
{
    const char *dir = *state;
    make_buckets(dir);
    struct code_ref ref = {"bkt", 3, "code.zip", 8, NULL, 0, ""};
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(code_ref_read(dir, &ref, 5, &out, &err), -E2BIG);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.type, "InvalidParameterValueException");
    assert_non_null(strstr(err.message, "larger than 5 bytes"));
    assert_null(out.data);
    assert_int_equal(code_ref_read(dir, &ref, 6, &out, &err), 0); /* exactly the cap */
    assert_int_equal(out.len, 6);
    cl_buf_fini(&out);
    err_fini(&err);
}

static void test_code_ref_read_access_denied(void **state)
{
    const char *dir = *state;
    if (geteuid() == 0) {
        skip(); /* root reads files whatever their mode */
    }
    make_buckets(dir);
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/bkt/code.zip", dir);
    assert_int_equal(chmod(path, 0), 0);
    struct cl_buf out;
    struct err err = {0};
    assert_int_equal(read_ref(dir, "bkt", "code.zip", NULL, &out, &err), -EACCES);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.type, "AccessDeniedException");
    assert_string_equal(err.message,
                        "Your access has been denied by S3, please make sure your request "
                        "credentials have permission to GetObject for bkt/code.zip. S3 Error "
                        "Code: AccessDenied. S3 Error Message: Access Denied");
    err_fini(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_code_ref_read_ok, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_missing, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_traversal, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_symlinks, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_long_key_message, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_bad_names, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_version, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_too_large, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_ref_read_access_denied, tmpdir_setup,
                                        tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
