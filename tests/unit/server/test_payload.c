/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/invoke/payload.c: the scanner accepts only what jansson's
 * json_loadb (JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, on hand-picked edge cases and on
 * random mutations of valid documents; it accepts ordinary payloads by itself; and
 * payload_check's refusal carries jansson's message, as the Invoke API answered before. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "invoke/payload.h"

static bool jansson_valid(const uint8_t *p, size_t len)
{
    json_error_t jerr;
    json_t *v = json_loadb((const char *)p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    json_decref(v);
    return v != NULL;
}

/* The scanner's verdict on s agrees with jansson's (sound: never valid where jansson refuses). */
static void check_agrees(const char *s, size_t len)
{
    bool mine = payload_json_valid((const uint8_t *)s, len);
    bool theirs = jansson_valid((const uint8_t *)s, len);
    if (mine != theirs) {
        fail_msg("scanner %d, jansson %d for '%.*s'", mine, theirs, (int)(len < 200 ? len : 200),
                 s);
    }
}

static void test_payload_json_valid_edges(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{}",
        "[]",
        " {\"a\":1} ",
        "\t\r\n[1, 2 ,3]\n",
        "\"s\"",
        "0",
        "-0",
        "1.5",
        "-1.5e-3",
        "1E+2",
        "true",
        "false",
        "null",
        "[true,false,null]",
        "{\"a\":{\"b\":[{}]}}",
        "",
        " ",
        "{",
        "}",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
        "01",
        "-",
        "-a",
        "1.",
        ".5",
        "+1",
        "1e",
        "1e+",
        "1.e5",
        "0x10",
        "1x",
        "[1true]",
        "truex",
        "true1",
        "tru",
        "nul",
        "[nulll]",
        "\"\\u0000\"",
        "{\"\\u0000\":1}",
        "{\"a\\u0000b\":1}",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\ud83dx\"",
        "\"\\u12\"",
        "\"\\uZZZZ\"",
        "\"\\x\"",
        "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
        "\"\x01\"",
        "\"\x7f\"",
        "\"\xc3\xa9\"",
        "\"\xc3\"",
        "\"\xc0\xaf\"",
        "\"\xe0\x80\xaf\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xf0\x9f\x98\x80\"",
        "\"\xff\"",
        "\xc3\xa9",
        "\"abc",
        "[\"a\"",
        "{\"a\":}",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "12345678901234567890",
        "1.8e308",
        "1e309",
        "-1e400",
        "1e-400",
        "0.0e99999",
        "0.000001e310",
        "[1e999999999999999999999]",
        "1} ",
        "{} {}",
        "[] x",
        "\"a\"\"b\"",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,\"a\":2}",
        "[[[[[]]]]]",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_agrees(cases[i], strlen(cases[i]));
    }
    check_agrees("\"a\0b\"", 5); /* a raw NUL byte: refused by both */
    /* valid reals of magnitude 1e308 are left to jansson */
    static const char *const big[] = {"1e308", "1.7976931348623157e308", "123456789e300"};
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        assert_false(payload_json_valid((const uint8_t *)big[i], strlen(big[i])));
        assert_true(jansson_valid((const uint8_t *)big[i], strlen(big[i])));
    }
}

/* n open brackets, then n closing ones. */
static char *nested(size_t n)
{
    char *s = malloc(2 * n + 1);
    assert_non_null(s);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    return s;
}

static void test_payload_json_valid_depth(void **state)
{
    (void)state;
    /* within the scanner's depth: its own verdict; beyond it: left to jansson, never wrong */
    for (size_t n = 1990; n <= 2060; n += 5) {
        char *s = nested(n);
        bool mine = payload_json_valid((const uint8_t *)s, 2 * n);
        assert_true(!mine || jansson_valid((const uint8_t *)s, 2 * n));
        if (n <= 1999) {
            assert_true(mine);
        }
        free(s);
    }
}

/* A small random valid document. */
static void gen(char *out, size_t cap, size_t *len, int depth)
{
    static const char *const atoms[] = {
        "0",
        "-12",
        "3.25",
        "1e5",
        "-7.5E-3",
        "true",
        "false",
        "null",
        "\"\"",
        "\"abc\"",
        "\"\\u00e9\\n\"",
        "\"\xc3\xa9\xe2\x82\xac\"",
        "\"\\ud83d\\ude00\"",
        "\"\\u0000\"",
    };
    int k = rand() % (depth > 4 ? 1 : 4);
    if (*len + 64 > cap) {
        k = 0;
    }
    if (k == 0 || k == 1) {
        const char *a = atoms[rand() % (int)(sizeof(atoms) / sizeof(atoms[0]))];
        *len += (size_t)snprintf(out + *len, cap - *len, "%s", a);
        return;
    }
    bool is_object = k == 2;
    out[(*len)++] = is_object ? '{' : '[';
    int n = rand() % 4;
    for (int i = 0; i < n && *len + 80 < cap; i++) {
        if (i) {
            out[(*len)++] = ',';
        }
        if (is_object) {
            *len += (size_t)snprintf(out + *len, cap - *len, "\"k%d\" : ", i);
        }
        gen(out, cap, len, depth + 1);
    }
    out[(*len)++] = is_object ? '}' : ']';
    out[*len] = '\0';
}

static void test_payload_json_valid_random(void **state)
{
    (void)state;
    static const char bytes[] = "{}[],:\"\\ u0e.-+1 9tfn\x01\x80\xc3\xff";
    srand(1234);
    char doc[2048];
    for (int i = 0; i < 20000; i++) {
        size_t len = 0;
        gen(doc, sizeof(doc) - 8, &len, 0);
        assert_true(payload_json_valid((const uint8_t *)doc, len)); /* valid: decided alone */
        check_agrees(doc, len);
        /* mutations: one to three bytes replaced, inserted or cut */
        for (int m = rand() % 3; m >= 0 && len > 0; m--) {
            size_t at = (size_t)rand() % len;
            char b = bytes[rand() % (int)(sizeof(bytes) - 1)];
            int op = rand() % 3;
            if (op == 0) {
                doc[at] = b;
            } else if (op == 1) {
                memmove(doc + at + 1, doc + at, len - at);
                doc[at] = b;
                len++;
            } else {
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
            }
        }
        check_agrees(doc, len);
    }
}

static void test_payload_check_message(void **state)
{
    (void)state;
    struct payload_verdict v;
    payload_check((const uint8_t *)"{\"a\":", 5, &v);
    assert_false(v.is_valid);
    assert_string_equal(v.message, "Could not parse request body into json: Could not parse "
                                   "payload into json: unexpected token near end of file: "
                                   "line 1 column 5");
    payload_check((const uint8_t *)"", 0, &v);
    assert_true(v.is_valid);
    payload_check((const uint8_t *)"1.5e308", 7, &v); /* left to jansson, which accepts it */
    assert_true(v.is_valid);
    payload_check((const uint8_t *)"{\"a\":1", 6, &v);
    assert_false(v.is_valid);
    assert_non_null(strstr(v.message, "line 1 column 6"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_json_valid_edges),
        cmocka_unit_test(test_payload_json_valid_depth),
        cmocka_unit_test(test_payload_json_valid_random),
        cmocka_unit_test(test_payload_check_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
