/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/code_url.c: presigned code download URLs are made and checked
 * with a fixed key and clock; tampered, foreign, expired and malformed URLs are refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "state/code_url.h"

#define HEX "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define NOW ((int64_t)1800000000)

static const struct code_url_key key = {{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                         12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                         23, 24, 25, 26, 27, 28, 29, 30, 31, 32}};

/* The request target (path and query) of url: what a client sends after the host. */
static const char *target_of(const char *url)
{
    const char *p = strstr(url, "://");
    assert_non_null(p);
    p = strchr(p + 3, '/');
    assert_non_null(p);
    return p;
}

static void test_code_url_make_verify(void **state)
{
    (void)state;
    /* A known answer: HMAC-SHA256(key, "clambda-code-v1\n<hex>\n<expires>"), computed with
     * Python's hmac module. */
    char *url = code_url_make(&key, "127.0.0.1:9000", HEX, NOW);
    assert_string_equal(url, "http://127.0.0.1:9000/clambda/code/" HEX
                             ".zip?X-Clambda-Expires=1800000600&X-Clambda-Signature="
                             "f3bd4b089cef0eb314e0c9a5aa69c5ce3176fb6be2ed8e9d678091cd6c3c3c7e");
    free(url);
}

static void test_code_url_roundtrip(void **state)
{
    (void)state;
    char *url = code_url_make(&key, "localhost:9000", HEX, NOW);
    const char *t = target_of(url);
    assert_true(code_url_match(t));
    char hex[65] = "";
    assert_int_equal(code_url_verify(&key, t, NOW, hex), 0);
    assert_string_equal(hex, HEX);
    /* Valid to the last second of the 10 minutes, not after. */
    assert_int_equal(code_url_verify(&key, t, NOW + CODE_URL_TTL_S, hex), 0);
    assert_int_equal(code_url_verify(&key, t, NOW + CODE_URL_TTL_S + 1, hex), -ETIMEDOUT);
    /* The signature is 64 hex digits. */
    const char *sig = strstr(t, "X-Clambda-Signature=");
    assert_non_null(sig);
    assert_int_equal(strlen(sig + strlen("X-Clambda-Signature=")), 64);
    /* Another server's key does not verify it. */
    struct code_url_key other = key;
    other.bytes[31] ^= 1;
    assert_int_equal(code_url_verify(&other, t, NOW, hex), -EACCES);
    free(url);
}

/* Verifies target with one byte at the first occurrence of what replaced by with. */
static int verify_edited(const char *t, const char *what, const char *with)
{
    char buf[512];
    const char *at = strstr(t, what);
    assert_non_null(at);
    (void)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - t), t, with, at + strlen(what));
    char hex[65];
    return code_url_verify(&key, buf, NOW, hex);
}

static void test_code_url_tampered(void **state)
{
    (void)state;
    char *url = code_url_make(&key, "h", HEX, NOW);
    const char *t = target_of(url);
    /* a later expiry, another package, a changed signature, missing parameters */
    assert_int_equal(verify_edited(t, "Expires=1800000600", "Expires=1800009999"), -EACCES);
    assert_int_equal(verify_edited(t, "/9f86", "/0f86"), -EACCES);
    const char *sig = strstr(t, "Signature=") + strlen("Signature=");
    char flipped[3] = {sig[0] == 'a' ? 'b' : 'a', sig[1], '\0'};
    char first[3] = {sig[0], sig[1], '\0'};
    assert_int_equal(verify_edited(t, first, flipped), -EACCES);
    assert_int_equal(verify_edited(t, "&X-Clambda-Signature=", "&X-Other="), -EACCES);
    assert_int_equal(verify_edited(t, "?X-Clambda-Expires=", "?X-Other="), -EACCES);
    assert_int_equal(verify_edited(t, "Expires=1800000600", "Expires=-1"), -EACCES);
    assert_int_equal(verify_edited(t, "Expires=1800000600", "Expires="), -EACCES);
    assert_int_equal(verify_edited(t, "Signature=", "Signature=00"), -EACCES); /* 66 digits */
    free(url);
}

static void test_code_url_bad_paths(void **state)
{
    (void)state;
    char hex[65];
    static const char *const paths[] = {
        "/clambda/code/",
        "/clambda/code/" HEX,
        "/clambda/code/" HEX ".ZIP",
        "/clambda/code/" HEX ".zip/x",
        "/clambda/code/../state/clambda.db",
        "/clambda/code/9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08.zip",
        "/clambda/code/" HEX "0.zip",
        "/clambda/code/%39f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0.zip",
        "/2015-03-31/functions",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(code_url_verify(&key, paths[i], NOW, hex), -ENOENT);
    }
    assert_false(code_url_match("/2015-03-31/functions"));
    assert_false(code_url_match("/clambda/codes"));
    /* A good path without a signature is refused as such. */
    assert_int_equal(code_url_verify(&key, "/clambda/code/" HEX ".zip", NOW, hex), -EACCES);
}

static void test_code_url_host_ok(void **state)
{
    (void)state;
    assert_true(code_url_host_ok("127.0.0.1:9000"));
    assert_true(code_url_host_ok("[::1]:9000"));
    assert_true(code_url_host_ok("lambda.example-1.internal"));
    assert_false(code_url_host_ok(NULL));
    assert_false(code_url_host_ok(""));
    assert_false(code_url_host_ok("evil.com/path?"));
    assert_false(code_url_host_ok("a b"));
    assert_false(code_url_host_ok("user@host"));
    char long_host[300];
    memset(long_host, 'a', sizeof(long_host) - 1);
    long_host[sizeof(long_host) - 1] = '\0';
    assert_false(code_url_host_ok(long_host));
}

static void test_code_url_key_init(void **state)
{
    (void)state;
    struct code_url_key a;
    struct code_url_key b;
    assert_int_equal(code_url_key_init(&a), 0);
    assert_int_equal(code_url_key_init(&b), 0);
    assert_memory_not_equal(a.bytes, b.bytes, sizeof(a.bytes));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_url_make_verify), cmocka_unit_test(test_code_url_roundtrip),
        cmocka_unit_test(test_code_url_tampered),    cmocka_unit_test(test_code_url_bad_paths),
        cmocka_unit_test(test_code_url_host_ok),     cmocka_unit_test(test_code_url_key_init),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
