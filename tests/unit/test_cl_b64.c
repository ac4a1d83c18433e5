/* SPDX-License-Identifier: MIT */
/* Unit tests for base64 (cl_b64.c): RFC 4648 vectors, padded and unpadded decoding, rejected
 * input, round trips over every length and byte value, caps and allocation failures. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "cl_b64.h"

struct vector {
    const char *plain;
    const char *encoded;
};

/* RFC 4648 section 10. */
static const struct vector rfc_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_cl_b64_encode_rfc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        const struct vector *v = &rfc_vectors[i];
        assert_int_equal(cl_b64_encode(&b, (const uint8_t *)v->plain, strlen(v->plain)), 0);
        assert_int_equal(b.len, strlen(v->encoded));
        assert_string_equal(cl_buf_str(&b), v->encoded);
        cl_buf_fini(&b);
    }
}

static void test_cl_b64_decode_rfc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        const struct vector *v = &rfc_vectors[i];
        assert_int_equal(cl_b64_decode(&b, (const uint8_t *)v->encoded, strlen(v->encoded)), 0);
        assert_int_equal(b.len, strlen(v->plain));
        assert_string_equal(cl_buf_str(&b), v->plain);
        cl_buf_fini(&b);
    }
}

static void test_cl_b64_decode_unpadded(void **state)
{
    (void)state;
    static const struct vector unpadded[] = {
        {"f", "Zg"}, {"fo", "Zm8"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}};
    for (size_t i = 0; i < sizeof(unpadded) / sizeof(unpadded[0]); i++) {
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        const struct vector *v = &unpadded[i];
        assert_int_equal(cl_b64_decode(&b, (const uint8_t *)v->encoded, strlen(v->encoded)), 0);
        assert_string_equal(cl_buf_str(&b), v->plain);
        cl_buf_fini(&b);
    }
}

static void test_cl_b64_decode_alphabet(void **state)
{
    (void)state;
    const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct cl_buf dec, enc;
    cl_buf_init(&dec, 1024);
    cl_buf_init(&enc, 1024);
    assert_int_equal(cl_b64_decode(&dec, (const uint8_t *)all, 64), 0);
    assert_int_equal(dec.len, 48);
    assert_int_equal(cl_b64_encode(&enc, dec.data, dec.len), 0);
    assert_string_equal(cl_buf_str(&enc), all);
    cl_buf_fini(&dec);
    cl_buf_fini(&enc);
}

static void test_cl_b64_decode_nonzero_trailing_bits(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 16);
    /* "Zh==" has bits set past the one decoded byte; accepted, they are dropped. */
    assert_int_equal(cl_b64_decode(&b, (const uint8_t *)"Zh==", 4), 0);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 'f');
    cl_buf_fini(&b);
}

static void test_cl_b64_decode_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Z",          "Zm9vY",  "Zg=",      "Zg===",    "Z===",       "====",     "=",
        "==",         "Zm8==",  "Zm=8",     "Z=g=",     "=Zg=",       "Zg==Zg==", "Zm9v Zg==",
        "Zm9v\nZg==", " Zm9v",  "Zm9v ",    "Zm9v\r\n", "Zm9v\t",     "Zm-_",     "Zm9v*A==",
        "Zm9v.",      "Zg==\n", "Zm9vYg=a", "\x80\x80", "Zm\xc3\xa9", "Zg==="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        assert_int_equal(cl_buf_append_str(&b, "keep"), 0);
        int rc = cl_b64_decode(&b, (const uint8_t *)bad[i], strlen(bad[i]));
        if (rc != -EBADMSG) {
            print_error("accepted bad input #%zu \"%s\"\n", i, bad[i]);
        }
        assert_int_equal(rc, -EBADMSG);
        assert_int_equal(b.len, 4);
        assert_string_equal(cl_buf_str(&b), "keep");
        cl_buf_fini(&b);
    }
}

static void test_cl_b64_decode_rejects_nul(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 64);
    assert_int_equal(cl_b64_decode(&b, (const uint8_t *)"Zm\0v", 4), -EBADMSG);
    assert_int_equal(b.len, 0);
    cl_buf_fini(&b);
}

static void test_cl_b64_decode_round_trip_all_lengths(void **state)
{
    (void)state;
    uint8_t src[300];
    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(i * 7 + 3); /* every byte value appears */
    }
    for (size_t len = 0; len <= sizeof(src); len++) {
        struct cl_buf enc, dec;
        cl_buf_init(&enc, 1024);
        cl_buf_init(&dec, 1024);
        assert_int_equal(cl_b64_encode(&enc, src, len), 0);
        assert_int_equal(enc.len, (len + 2) / 3 * 4);
        assert_int_equal(cl_b64_decode(&dec, enc.data, enc.len), 0);
        assert_int_equal(dec.len, len);
        if (len > 0) {
            assert_memory_equal(dec.data, src, len);
        }
        /* The same without padding. */
        size_t n = enc.len;
        while (n > 0 && enc.data[n - 1] == '=') {
            n--;
        }
        cl_buf_reset(&dec);
        assert_int_equal(cl_b64_decode(&dec, enc.data, n), 0);
        assert_int_equal(dec.len, len);
        if (len > 0) {
            assert_memory_equal(dec.data, src, len);
        }
        cl_buf_fini(&enc);
        cl_buf_fini(&dec);
    }
}

static void test_cl_b64_encode_appends(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 64);
    assert_int_equal(cl_buf_append_str(&b, "x="), 0);
    assert_int_equal(cl_b64_encode(&b, (const uint8_t *)"\xff\xfe\xfd", 3), 0);
    assert_string_equal(cl_buf_str(&b), "x=//79");
    assert_int_equal(cl_b64_decode(&b, (const uint8_t *)"QUJD", 4), 0);
    assert_string_equal(cl_buf_str(&b), "x=//79ABC");
    cl_buf_fini(&b);
}

static void test_cl_b64_encode_empty(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 0);
    assert_int_equal(cl_b64_encode(&b, NULL, 0), 0);
    assert_int_equal(cl_b64_decode(&b, NULL, 0), 0);
    assert_int_equal(b.len, 0);
    assert_string_equal(cl_buf_str(&b), "");
    cl_buf_fini(&b);
}

static void test_cl_b64_encode_too_big(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 7);
    assert_int_equal(cl_b64_encode(&b, (const uint8_t *)"abcdef", 6), -E2BIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(cl_b64_encode(&b, (const uint8_t *)"abc", 3), 0);
    assert_int_equal(cl_b64_encode(&b, (const uint8_t *)"a", 1), -E2BIG);
    assert_string_equal(cl_buf_str(&b), "YWJj");
    cl_buf_fini(&b);
}

static void test_cl_b64_decode_too_big(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 5);
    assert_int_equal(cl_b64_decode(&b, (const uint8_t *)"Zm9vYmFy", 8), -E2BIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(cl_b64_decode(&b, (const uint8_t *)"Zm9vYmE", 7), 0);
    assert_string_equal(cl_buf_str(&b), "fooba");
    cl_buf_fini(&b);
}

static void test_cl_b64_encode_oom(void **state)
{
    (void)state;
    int rc = -ENOMEM;
    for (long n = 0; rc == -ENOMEM; n++) {
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        cl_alloc_fail_after(n);
        rc = cl_b64_encode(&b, (const uint8_t *)"foobar", 6);
        if (rc == 0) {
            rc = cl_b64_decode(&b, (const uint8_t *)"Zm9v", 4);
        }
        cl_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
        if (rc == 0) {
            assert_string_equal(cl_buf_str(&b), "Zm9vYmFyfoo");
        }
        cl_buf_fini(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cl_b64_encode_rfc_vectors),
        cmocka_unit_test(test_cl_b64_decode_rfc_vectors),
        cmocka_unit_test(test_cl_b64_decode_unpadded),
        cmocka_unit_test(test_cl_b64_decode_alphabet),
        cmocka_unit_test(test_cl_b64_decode_nonzero_trailing_bits),
        cmocka_unit_test(test_cl_b64_decode_rejects),
        cmocka_unit_test(test_cl_b64_decode_rejects_nul),
        cmocka_unit_test(test_cl_b64_decode_round_trip_all_lengths),
        cmocka_unit_test(test_cl_b64_encode_appends),
        cmocka_unit_test(test_cl_b64_encode_empty),
        cmocka_unit_test(test_cl_b64_encode_too_big),
        cmocka_unit_test(test_cl_b64_decode_too_big),
        cmocka_unit_test(test_cl_b64_encode_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
