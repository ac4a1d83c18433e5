/* SPDX-License-Identifier: MIT */
/* Unit tests for api/upload.c: what the worker makes of an upload request that is refused,
 * and how the handler takes the package or the refusal (upload_take_code). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/upload.h"
#include "base/xalloc.h"

static int setup(void **state)
{
    (void)state;
    json_set_alloc_funcs(xmalloc, free);
    return 0;
}

/* Prepares body (kind) and expects it refused with status, type and message. */
static void refused(enum upload_kind kind, const char *body, int status, const char *type,
                    const char *message)
{
    struct upload up;
    struct code_info ci;
    struct err err = {0};
    upload_prepare(kind, (const uint8_t *)body, strlen(body), "/nonexistent", NULL, &up);
    assert_true(up.refused);
    assert_int_equal(upload_take_code(&up, &ci, &err), -EINVAL);
    assert_int_equal(err.status, status);
    assert_string_equal(err.type, type);
    assert_string_equal(err.message, message);
    err_fini(&err);
    upload_fini(&up);
}

static void test_upload_take_code_refused(void **state)
{
    (void)state;
    refused(UPLOAD_FUNCTION, "not json", 400, "InvalidRequestContentException",
            "Could not parse request body into json.");
    refused(UPLOAD_CODE, "{\"ZipFile\":\"!!!\"}", 400, "InvalidParameterValueException",
            "The ZipFile is not valid base64.");
    refused(UPLOAD_LAYER, "{\"Content\":{\"S3Bucket\":\"b\",\"S3Key\":\"k\"}}", 400,
            "InvalidParameterValueException",
            "This server has no bucket directory (--code-bucket-dir).");
    refused(UPLOAD_CODE, "{\"ImageUri\":\"x\"}", 400, "InvalidParameterValueException",
            "clambda runs zip packages only: ImageUri (a container image) is not supported. "
            "Give ZipFile, or S3Bucket and S3Key.");
}

static void test_upload_take_code_not_an_upload(void **state)
{
    (void)state;
    struct code_info ci;
    struct err err = {0};
    assert_int_equal(upload_take_code(NULL, &ci, &err), -EINVAL);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.type, "ServiceException");
    err_fini(&err);
    upload_fini(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_take_code_refused),
        cmocka_unit_test(test_upload_take_code_not_an_upload),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
