/* SPDX-License-Identifier: MIT */
/* Unit tests for the JSON reader and writer (cl_json.c): valid and malformed documents, token
 * limits, lookups and navigation on nested documents, unescaping (every escape, surrogates),
 * integers at the int64 edges, writer escaping of every control byte and of invalid UTF-8,
 * write-parse-unescape round trips, caps and allocation failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "cl_json.h"

/* A byte string that may hold NULs: len 0 means strlen(s). */
struct bytes {
    const char *s;
    size_t len;
};

static int parse(struct cl_json *doc, const char *s)
{
    return cl_json_parse(doc, (const uint8_t *)s, strlen(s), 1000);
}

/* Independent strict UTF-8 check (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static bool is_utf8(const uint8_t *p, size_t len)
{
    static const uint8_t lens[16] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    for (size_t i = 0; i < len;) {
        size_t n = p[i] >= 0xF8 ? 0 : lens[p[i] >> 4];
        if (n == 0 || len - i < n) {
            return false;
        }
        uint32_t cp = n == 1 ? p[i] : p[i] & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n;
    }
    return true;
}

/* ---------------------------------------------------------------- parsing */

struct valid_doc {
    const char *text;
    int n_toks;
    enum cl_json_type root;
};

/* String bytes >= 0x80, valid UTF-8 or not, pass through the reader unchecked. */
/* clang-format off */
static const struct valid_doc valid_docs[] = {
    {"{}", 1, CL_JSON_OBJECT}, {"[]", 1, CL_JSON_ARRAY}, {" \t\r\n{ \n} \r\n\t", 1, CL_JSON_OBJECT},
    {"0", 1, CL_JSON_NUMBER}, {"-0", 1, CL_JSON_NUMBER}, {" 12 ", 1, CL_JSON_NUMBER},
    {"-1.5e10", 1, CL_JSON_NUMBER}, {"1.0E-2", 1, CL_JSON_NUMBER}, {"1e+2", 1, CL_JSON_NUMBER},
    {"0.000", 1, CL_JSON_NUMBER}, {"\"\"", 1, CL_JSON_STRING}, {"\"x\"", 1, CL_JSON_STRING},
    {"true", 1, CL_JSON_TRUE}, {"false", 1, CL_JSON_FALSE}, {"null", 1, CL_JSON_NULL},
    {"[1,2,3]", 4, CL_JSON_ARRAY}, {"[ 1 , 2 ]", 3, CL_JSON_ARRAY}, {"[[[[]]]]", 4, CL_JSON_ARRAY},
    {"{\"a\":1}", 3, CL_JSON_OBJECT}, {"{ \"a\" : 1 , \"b\" : true }", 5, CL_JSON_OBJECT},
    {"{\"a\":{\"b\":[true,false,null]}}", 8, CL_JSON_OBJECT},
    {"[{},[],\"\",0,{\"\":\"\"}]", 8, CL_JSON_ARRAY},
    {"{\"a\":[1,{\"b\":2}],\"c\":\"d\"}", 9, CL_JSON_OBJECT},
    {"[\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 2, CL_JSON_ARRAY},
    {"\"\\u0000\"", 1, CL_JSON_STRING}, {"[\"\x7f\"]", 2, CL_JSON_ARRAY},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 1, CL_JSON_STRING},
    {"\"\xff\xfe\"", 1, CL_JSON_STRING},
    {"[-0.5e-0,1E5,123456789012345678901234567890]", 4, CL_JSON_ARRAY},
    {"{\"a\":{},\"b\":[],\"c\":{\"d\":[{}]}}", 10, CL_JSON_OBJECT},
};
/* clang-format on */

static void test_cl_json_parse_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_docs) / sizeof(valid_docs[0]); i++) {
        const struct valid_doc *v = &valid_docs[i];
        struct cl_json doc;
        int rc = cl_json_parse(&doc, (const uint8_t *)v->text, strlen(v->text), 100);
        if (rc != 0) {
            print_error("rejected valid #%zu: %s\n", i, v->text);
        }
        assert_int_equal(rc, 0);
        assert_int_equal(doc.n_toks, v->n_toks);
        assert_int_equal(cl_json_type(&doc, 0), v->root);
        assert_int_equal(cl_json_skip(&doc, 0), doc.n_toks);
        cl_json_fini(&doc);
    }
}

/* Malformed documents, by kind (NUL bytes are tested separately). */
static const char *const bad_structure[] = {
    "",       " \n\t ", "{",    "}",    "[",    "]",           "[1,]", "[,1]",           "[1 2]",
    "[1,,2]", "[1]]",   "[1]x", "{}{}", "1 2",  "\"a\" \"b\"", "[1}",  "[\"a\":1]",      "[1:2]",
    "/**/{}", "'a'",    "[[]",  "[]]",  "[1,2", "\v{}",        "\f[]", "\xef\xbb\xbf{}",
};
static const char *const bad_members[] = {
    "{\"a\"}",    "{\"a\":}", "{\"a\" 1}",         "{a:1}",           "{1:2}",
    "{\"a\":1,}", "{,}",      "{\"a\":1]",         "{\"a\":1:2}",     "{\"a\"::1}",
    "{\"a\":[}",  "{\"a\"",   "{\"a\":",           "{\"a\":1}}",      "{{}:1}",
    "{[]:1}",     "{true:1}", "{\"a\":1 \"b\":2}", "{\"a\":1,\"b\"}",
};
static const char *const bad_scalars[] = {
    "01",   "-",     "1.",    ".5",      "1e",       "1e+",       "+1",
    "0x1",  "1.5.",  "NaN",   "tru",     "Infinity", "-Infinity", "truex",
    "True", "nul",   "nulll", "[true1]", "[-]",      "[--1]",     "[1e5.0]",
    "[00]", "[-01]", "[.]",   "[1.e1]",  "[\x7f]",   "[nulL]",    "[falsey]",
};
static const char *const bad_strings[] = {
    "\"abc",    "\"\\x\"", "\"\\u12\"",      "\"\\u12g4\"", "\"\\uZZZZ\"",
    "\"\\",     "\"\\'\"", "\"a\nb\"",       "\"\x01\"",    "\"\x1f\"",
    "\"a\tb\"", "[\"\\u",  "\"\\ud800\\u\"", "\"\\U0041\"",
};

static void check_invalid(const char *const *docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct cl_json doc;
        int rc = cl_json_parse(&doc, (const uint8_t *)docs[i], strlen(docs[i]), 100);
        if (rc != -EBADMSG) {
            print_error("invalid #%zu gave %d: %s\n", i, rc, docs[i]);
        }
        assert_int_equal(rc, -EBADMSG);
        assert_int_equal(doc.n_toks, 0);
        assert_int_equal(cl_json_type(&doc, 0), CL_JSON_INVALID);
        cl_json_fini(&doc);
    }
}

static void test_cl_json_parse_invalid(void **state)
{
    (void)state;
    check_invalid(bad_structure, sizeof(bad_structure) / sizeof(bad_structure[0]));
    check_invalid(bad_members, sizeof(bad_members) / sizeof(bad_members[0]));
    check_invalid(bad_scalars, sizeof(bad_scalars) / sizeof(bad_scalars[0]));
    check_invalid(bad_strings, sizeof(bad_strings) / sizeof(bad_strings[0]));
}

static void test_cl_json_parse_nul_and_null_src(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(cl_json_parse(&doc, NULL, 0, 10), -EBADMSG);
    assert_int_equal(cl_json_parse(&doc, NULL, 1, 10), -EINVAL);
    cl_json_fini(&doc);
    cl_json_fini(NULL);
    static const struct bytes with_nul[] = {{"{}\0", 3}, {"\"a\0b\"", 5}, {"[1,\0 2]", 6}};
    for (size_t i = 0; i < sizeof(with_nul) / sizeof(with_nul[0]); i++) {
        const struct bytes *b = &with_nul[i];
        assert_int_equal(cl_json_parse(&doc, (const uint8_t *)b->s, b->len, 100), -EBADMSG);
    }
}

static void test_cl_json_parse_max_toks(void **state)
{
    (void)state;
    struct cl_json doc;
    const uint8_t *s = (const uint8_t *)"{\"a\":[1,2]}";
    assert_int_equal(cl_json_parse(&doc, s, 11, 4), -E2BIG);
    assert_int_equal(doc.n_toks, 0);
    assert_int_equal(cl_json_parse(&doc, s, 11, 5), 0);
    assert_int_equal(doc.n_toks, 5);
    cl_json_fini(&doc);
    assert_int_equal(cl_json_parse(&doc, (const uint8_t *)"1", 1, 0), -E2BIG);
    assert_int_equal(cl_json_parse(&doc, (const uint8_t *)"1", 1, -1), -E2BIG);
    /* Malformed input is reported as such even when it is also too big. */
    assert_int_equal(cl_json_parse(&doc, (const uint8_t *)"[1,2,]", 6, 1), -EBADMSG);
}

/* depth arrays, closed or with the last bracket missing; free with free(). */
static char *nested(size_t depth, bool is_closed)
{
    char *s = malloc(2 * depth + 1);
    assert_non_null(s);
    memset(s, '[', depth);
    memset(s + depth, ']', is_closed ? depth : depth - 1);
    s[is_closed ? 2 * depth : 2 * depth - 1] = '\0';
    return s;
}

static void test_cl_json_parse_deep_nesting(void **state)
{
    (void)state;
    const int depth = CL_JSON_MAX_DEPTH;
    char *s = nested(depth, true);
    struct cl_json doc;
    assert_int_equal(cl_json_parse(&doc, (const uint8_t *)s, strlen(s), depth), 0);
    assert_int_equal(doc.n_toks, depth);
    assert_int_equal(cl_json_skip(&doc, 0), depth);
    assert_int_equal(cl_json_skip(&doc, depth - 1), depth);
    assert_int_equal(cl_json_child(&doc, 0, 0), 1);
    assert_int_equal(cl_json_size(&doc, depth - 1), 0);
    cl_json_fini(&doc);
    free(s);
    /* One level deeper, far deeper (closed or not): over the limit, and quickly so. */
    static const size_t too_deep[] = {CL_JSON_MAX_DEPTH + 1, 1000000};
    for (size_t i = 0; i < 2; i++) {
        for (int is_closed = 0; is_closed <= 1; is_closed++) {
            s = nested(too_deep[i], is_closed);
            assert_int_equal(cl_json_parse(&doc, (const uint8_t *)s, strlen(s), INT32_MAX), -E2BIG);
            free(s);
        }
    }
}

static void test_cl_json_parse_deep_mixed(void **state)
{
    (void)state;
    /* {"a":[{"a":[ ... ]}]} with CL_JSON_MAX_DEPTH containers in all. */
    struct cl_buf b;
    cl_buf_init(&b, 4096);
    for (int i = 0; i < CL_JSON_MAX_DEPTH / 2; i++) {
        assert_int_equal(cl_buf_append_str(&b, "{\"a\":["), 0);
    }
    for (int i = 0; i < CL_JSON_MAX_DEPTH / 2; i++) {
        assert_int_equal(cl_buf_append_str(&b, "]}"), 0);
    }
    struct cl_json doc;
    assert_int_equal(cl_json_parse(&doc, b.data, b.len, 1000), 0);
    assert_int_equal(doc.n_toks, CL_JSON_MAX_DEPTH / 2 * 3);
    int tok = 0;
    for (int i = 0; i < CL_JSON_MAX_DEPTH / 2 - 1; i++) {
        tok = cl_json_child(&doc, cl_json_get(&doc, tok, "a"), 0);
        assert_int_equal(cl_json_type(&doc, tok), CL_JSON_OBJECT);
    }
    assert_int_equal(cl_json_size(&doc, cl_json_get(&doc, tok, "a")), 0);
    cl_json_fini(&doc);
    cl_buf_fini(&b);
}

static void test_cl_json_parse_oom(void **state)
{
    (void)state;
    /* Parse, copy a string out, write it back: each allocation point fails once. */
    const char *s = "{\"a\":[1,{\"b\":[[\"x\"]]}],\"c\":\"d\\n\\u00ff\"}";
    int rc = -ENOMEM;
    for (long n = 0; rc == -ENOMEM; n++) {
        struct cl_json doc;
        struct cl_buf b;
        cl_buf_init(&b, 1 << 20);
        cl_alloc_fail_after(n);
        rc = parse(&doc, s);
        char *str = NULL;
        rc = rc == 0 ? cl_json_strdup(&doc, cl_json_get(&doc, 0, "c"), &str, NULL) : rc;
        rc = rc == 0 ? cl_json_write_cstr(&b, str) : rc;
        cl_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == -ENOMEM);
        assert_true(rc == 0 ? strcmp(cl_buf_str(&b), "\"d\\n\xc3\xbf\"") == 0 : b.len == 0);
        cl_alloc_free(str);
        cl_buf_fini(&b);
        cl_json_fini(&doc);
    }
}

/* ---------------------------------------------------------------- navigation */

static const char lookup_doc[] =
    "{\"requestContext\":{\"http\":{\"method\":\"GET\",\"path\":\"/x\"}},"
    "\"Headers\":{\"Content-Type\":\"a\",\"X\":\"b\"},"
    "\"list\":[1,[2,3],{\"k\":\"v\"},\"s\"],"
    "\"esc\\u0041pe\":1,\"dup\":1,\"dup\":2,\"empty\":{},\"arr0\":[],\"n\":null}";

static void test_cl_json_get_exact_and_ci(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, lookup_doc), 0);
    assert_int_equal(cl_json_size(&doc, 0), 9);
    int rc = cl_json_get(&doc, 0, "requestContext");
    assert_int_equal(cl_json_type(&doc, rc), CL_JSON_OBJECT);
    assert_int_equal(cl_json_get(&doc, 0, "missing"), -1);
    assert_int_equal(cl_json_get(&doc, 0, "requestcontext"), -1);
    assert_int_equal(cl_json_get(&doc, 0, "request"), -1);
    assert_int_equal(cl_json_get(&doc, 0, ""), -1);
    assert_int_equal(cl_json_get(&doc, 0, NULL), -1);
    assert_int_equal(cl_json_get(&doc, -1, "list"), -1);
    assert_int_equal(cl_json_get(&doc, cl_json_get(&doc, 0, "list"), "k"), -1);
    /* Keys are compared unescaped; a value is never mistaken for a key. */
    assert_int_equal(cl_json_type(&doc, cl_json_get(&doc, 0, "escApe")), CL_JSON_NUMBER);
    assert_int_equal(cl_json_get(&doc, 0, "esc\\u0041pe"), -1);
    assert_int_equal(cl_json_get(&doc, rc, "GET"), -1);
    /* The first of repeated keys wins. */
    int64_t v;
    assert_int_equal(cl_json_int64(&doc, cl_json_get(&doc, 0, "dup"), &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(cl_json_type(&doc, cl_json_get(&doc, 0, "n")), CL_JSON_NULL);
    assert_int_equal(cl_json_size(&doc, cl_json_get(&doc, 0, "empty")), 0);
    assert_int_equal(cl_json_size(&doc, cl_json_get(&doc, 0, "arr0")), 0);
    /* ASCII case-insensitive lookups. */
    int h = cl_json_get(&doc, 0, "Headers");
    assert_true(cl_json_str_eq(&doc, cl_json_get_ci(&doc, h, "content-type"), "a"));
    assert_true(cl_json_str_eq(&doc, cl_json_get_ci(&doc, h, "CONTENT-TYPE"), "a"));
    assert_true(cl_json_str_eq(&doc, cl_json_get_ci(&doc, h, "x"), "b"));
    assert_int_equal(cl_json_get(&doc, h, "content-type"), -1);
    assert_int_equal(cl_json_get_ci(&doc, h, "content-typ"), -1);
    assert_int_equal(cl_json_get_ci(&doc, h, "content_type"), -1);
    assert_int_equal(cl_json_get_ci(&doc, 0, "ESCAPE"), cl_json_get(&doc, 0, "escApe"));
    assert_int_equal(cl_json_get_ci(&doc, -1, "x"), -1);
    cl_json_fini(&doc);
}

static void test_cl_json_path_nested(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, lookup_doc), 0);
    static const char *const method[] = {"requestContext", "http", "method", NULL};
    static const char *const missing[] = {"requestContext", "nope", "method", NULL};
    static const char *const too_deep[] = {"requestContext", "http", "method", "x", NULL};
    static const char *const through_array[] = {"list", "k", NULL};
    static const char *const none[] = {NULL};
    assert_true(cl_json_str_eq(&doc, cl_json_path(&doc, 0, method), "GET"));
    assert_int_equal(cl_json_path(&doc, 0, missing), -1);
    assert_int_equal(cl_json_path(&doc, 0, too_deep), -1);
    assert_int_equal(cl_json_path(&doc, 0, through_array), -1);
    assert_int_equal(cl_json_path(&doc, 0, none), 0);
    assert_int_equal(cl_json_path(&doc, 0, NULL), 0);
    assert_int_equal(cl_json_path(&doc, -1, method), -1);
    assert_int_equal(cl_json_path(&doc, doc.n_toks, none), -1);
    int rc = cl_json_get(&doc, 0, "requestContext");
    assert_true(cl_json_str_eq(&doc, cl_json_path(&doc, rc, method + 1), "GET"));
    cl_json_fini(&doc);
}

static void test_cl_json_child_array_and_object(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, lookup_doc), 0);
    int list = cl_json_get(&doc, 0, "list");
    assert_int_equal(cl_json_size(&doc, list), 4);
    static const enum cl_json_type want[] = {CL_JSON_NUMBER, CL_JSON_ARRAY, CL_JSON_OBJECT,
                                             CL_JSON_STRING};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cl_json_type(&doc, cl_json_child(&doc, list, i)), want[i]);
    }
    assert_true(cl_json_str_eq(&doc, cl_json_child(&doc, list, 3), "s"));
    int inner = cl_json_child(&doc, list, 1);
    int64_t v;
    assert_int_equal(cl_json_int64(&doc, cl_json_child(&doc, inner, 1), &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(cl_json_child(&doc, list, 4), -1);
    assert_int_equal(cl_json_child(&doc, list, -1), -1);
    assert_int_equal(cl_json_child(&doc, cl_json_child(&doc, list, 0), 0), -1);
    assert_int_equal(cl_json_child(&doc, -1, 0), -1);
    /* Object children are the keys; each value follows its key. */
    assert_true(cl_json_str_eq(&doc, cl_json_child(&doc, 0, 0), "requestContext"));
    assert_true(cl_json_str_eq(&doc, cl_json_child(&doc, 0, 3), "escApe"));
    assert_true(cl_json_str_eq(&doc, cl_json_child(&doc, 0, 8), "n"));
    assert_int_equal(cl_json_child(&doc, 0, 9), -1);
    assert_int_equal(cl_json_child(&doc, 0, 2) + 1, list);
    cl_json_fini(&doc);
}

static void test_cl_json_skip_subtrees(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, "{\"a\":{\"b\":[1,{\"c\":2}]},\"d\":[[],3],\"e\":4}"), 0);
    assert_int_equal(cl_json_skip(&doc, 0), doc.n_toks);
    int a = cl_json_child(&doc, 0, 0);
    assert_int_equal(a, 1);
    /* A key's subtree is the key and its value; a value's is the value. */
    int d = cl_json_skip(&doc, a);
    assert_true(cl_json_str_eq(&doc, d, "d"));
    assert_int_equal(cl_json_skip(&doc, a + 1), d);
    int e = cl_json_skip(&doc, d);
    assert_true(cl_json_str_eq(&doc, e, "e"));
    assert_int_equal(cl_json_skip(&doc, e), doc.n_toks);
    assert_int_equal(cl_json_skip(&doc, e + 1), doc.n_toks);
    int arr = d + 1;
    assert_int_equal(cl_json_skip(&doc, arr + 1), arr + 2); /* [] */
    assert_int_equal(cl_json_skip(&doc, -1), doc.n_toks);
    assert_int_equal(cl_json_skip(&doc, doc.n_toks), doc.n_toks);
    /* Walking every object member with skip visits size keys. */
    int n = 0;
    for (int k = 1; k < doc.n_toks; k = cl_json_skip(&doc, k)) {
        assert_int_equal(cl_json_type(&doc, k), CL_JSON_STRING);
        n++;
    }
    assert_int_equal(n, cl_json_size(&doc, 0));
    cl_json_fini(&doc);
}

static void test_cl_json_type_out_of_range(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, "[true,false,null,1,\"s\",{},[]]"), 0);
    static const enum cl_json_type want[] = {CL_JSON_ARRAY,  CL_JSON_TRUE,   CL_JSON_FALSE,
                                             CL_JSON_NULL,   CL_JSON_NUMBER, CL_JSON_STRING,
                                             CL_JSON_OBJECT, CL_JSON_ARRAY};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(cl_json_type(&doc, i), want[i]);
    }
    assert_int_equal(cl_json_type(&doc, -1), CL_JSON_INVALID);
    assert_int_equal(cl_json_type(&doc, 8), CL_JSON_INVALID);
    assert_int_equal(cl_json_type(NULL, 0), CL_JSON_INVALID);
    assert_true(cl_json_is_true(&doc, 1));
    assert_false(cl_json_is_true(&doc, 2));
    assert_false(cl_json_is_true(&doc, -1));
    assert_int_equal(cl_json_size(&doc, 0), 7);
    assert_int_equal(cl_json_size(&doc, 5), 0);
    assert_int_equal(cl_json_size(&doc, -1), 0);
    size_t len = 99;
    assert_null(cl_json_raw(&doc, 9, &len));
    assert_int_equal(len, 0);
    const char *raw = cl_json_raw(&doc, 4, &len);
    assert_int_equal(len, 1);
    assert_memory_equal(raw, "1", 1);
    raw = cl_json_raw(&doc, 7, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(raw, "[]", 2);
    cl_json_fini(&doc);
    cl_json_fini(&doc);
}

/* ---------------------------------------------------------------- values */

struct unescape_case {
    const char *json; /* a JSON string literal */
    const char *want;
    size_t want_len; /* 0: strlen(want) */
};

/* \xef\xbf\xbd is U+FFFD, for lone surrogates. */
/* clang-format off */
static const struct unescape_case unescapes[] = {
    {"\"\"", "", 0}, {"\"plain\"", "plain", 0}, {"\"\\\"\"", "\"", 0}, {"\"\\\\\"", "\\", 0},
    {"\"\\/\"", "/", 0}, {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 0},
    {"\"a\\nb\\\\c\"", "a\nb\\c", 0}, {"\"\\u0041\\u0062\"", "Ab", 0},
    {"\"\\u0000\"", "\0", 1}, {"\"x\\u0000y\"", "x\0y", 3}, {"\"\\u001f\\u007f\"", "\x1f\x7f", 0},
    {"\"\\u0080\"", "\xc2\x80", 0}, {"\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9", 0},
    {"\"\\u07ff\"", "\xdf\xbf", 0}, {"\"\\u0800\"", "\xe0\xa0\x80", 0},
    {"\"\\u20AC\"", "\xe2\x82\xac", 0}, {"\"\\uffff\"", "\xef\xbf\xbf", 0},
    {"\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 0}, {"\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 0},
    {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 0}, {"\"\\ud800\"", "\xef\xbf\xbd", 0},
    {"\"\\udc00\"", "\xef\xbf\xbd", 0}, {"\"\\udfff\"", "\xef\xbf\xbd", 0},
    {"\"\\ud800x\"", "\xef\xbf\xbdx", 0}, {"\"\\ud800\\u0041\"", "\xef\xbf\xbd\x41", 0},
    {"\"\\ud800\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd", 0},
    {"\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80", 0},
    {"\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd", 0},
    {"\"\\ud800\\n\"", "\xef\xbf\xbd\n", 0}, {"\"\\ud800\\\\udc00\"", "\xef\xbf\xbd\\udc00", 0},
    {"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "caf\xc3\xa9 \xf0\x9f\x98\x80", 0},
};
/* clang-format on */

static void test_cl_json_str_unescape(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(unescapes) / sizeof(unescapes[0]); i++) {
        const struct unescape_case *c = &unescapes[i];
        struct cl_json doc;
        assert_int_equal(parse(&doc, c->json), 0);
        struct cl_buf b;
        cl_buf_init(&b, 1024);
        assert_int_equal(cl_json_str(&doc, 0, &b), 0);
        size_t want_len = c->want_len != 0 ? c->want_len : strlen(c->want);
        if (b.len != want_len || (want_len > 0 && memcmp(b.data, c->want, want_len) != 0)) {
            print_error("unescape #%zu: %s\n", i, c->json);
        }
        assert_int_equal(b.len, want_len);
        assert_memory_equal(cl_buf_str(&b), c->want, want_len);
        char *s;
        size_t len;
        assert_int_equal(cl_json_strdup(&doc, 0, &s, &len), 0);
        assert_int_equal(len, want_len);
        assert_memory_equal(s, c->want, want_len + 1);
        if (memchr(c->want, '\0', want_len) == NULL) {
            assert_true(cl_json_str_eq(&doc, 0, c->want));
        }
        cl_alloc_free(s);
        cl_buf_fini(&b);
        cl_json_fini(&doc);
    }
}

static void test_cl_json_str_appends_and_caps(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, "[\"a\\u00e9b\", 1]"), 0);
    struct cl_buf b;
    cl_buf_init(&b, 6);
    assert_int_equal(cl_buf_append_str(&b, "xy"), 0);
    assert_int_equal(cl_json_str(&doc, 1, &b), 0);
    assert_string_equal(cl_buf_str(&b), "xya\xc3\xa9\x62");
    /* Over the cap: -E2BIG and the buffer is unchanged. */
    assert_int_equal(cl_json_str(&doc, 1, &b), -E2BIG);
    assert_string_equal(cl_buf_str(&b), "xya\xc3\xa9\x62");
    assert_int_equal(cl_json_str(&doc, 2, &b), -EINVAL);
    assert_int_equal(cl_json_str(&doc, 0, &b), -EINVAL);
    assert_int_equal(cl_json_str(&doc, -1, &b), -EINVAL);
    char *s = (char *)&b;
    assert_int_equal(cl_json_strdup(&doc, 2, &s, NULL), -EINVAL);
    assert_null(s);
    assert_int_equal(cl_json_strdup(&doc, 1, &s, NULL), 0);
    assert_string_equal(s, "a\xc3\xa9\x62");
    cl_alloc_free(s);
    cl_buf_fini(&b);
    cl_json_fini(&doc);
}

static void test_cl_json_str_eq_cases(void **state)
{
    (void)state;
    struct cl_json doc;
    assert_int_equal(parse(&doc, "[\"abc\",\"a\\u0062c\",\"\",\"abcd\",1,\"ABC\"]"), 0);
    assert_true(cl_json_str_eq(&doc, 1, "abc"));
    assert_true(cl_json_str_eq(&doc, 2, "abc"));
    assert_true(cl_json_str_eq(&doc, 3, ""));
    assert_false(cl_json_str_eq(&doc, 1, "ab"));
    assert_false(cl_json_str_eq(&doc, 1, "abcd"));
    assert_false(cl_json_str_eq(&doc, 4, "abc"));
    assert_false(cl_json_str_eq(&doc, 3, "a"));
    assert_false(cl_json_str_eq(&doc, 6, "abc"));
    assert_false(cl_json_str_eq(&doc, 5, "1"));
    assert_false(cl_json_str_eq(&doc, 1, NULL));
    assert_false(cl_json_str_eq(&doc, -1, "abc"));
    assert_false(cl_json_str_eq(&doc, 0, "abc"));
    cl_json_fini(&doc);
}

struct int_case {
    const char *json;
    int rc;
    int64_t value;
};

/* clang-format off */
static const struct int_case int_cases[] = {
    {"0", 0, 0}, {"-0", 0, 0}, {"7", 0, 7}, {"-42", 0, -42},
    {"1234567890123", 0, 1234567890123LL}, {"9223372036854775807", 0, INT64_MAX},
    {"-9223372036854775807", 0, -INT64_MAX}, {"-9223372036854775808", 0, INT64_MIN},
    {"9223372036854775808", -ERANGE, 0}, {"9223372036854775810", -ERANGE, 0},
    {"-9223372036854775809", -ERANGE, 0}, {"18446744073709551615", -ERANGE, 0},
    {"18446744073709551616", -ERANGE, 0}, {"99999999999999999999999", -ERANGE, 0},
    {"1.0", -EINVAL, 0}, {"1e2", -EINVAL, 0}, {"1E2", -EINVAL, 0}, {"-0.0", -EINVAL, 0},
    {"\"1\"", -EINVAL, 0}, {"true", -EINVAL, 0}, {"null", -EINVAL, 0}, {"[1]", -EINVAL, 0},
};
/* clang-format on */

static void test_cl_json_int64_edges(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
        const struct int_case *c = &int_cases[i];
        struct cl_json doc;
        assert_int_equal(parse(&doc, c->json), 0);
        int64_t v = 12345;
        int rc = cl_json_int64(&doc, 0, &v);
        if (rc != c->rc) {
            print_error("int64 #%zu: %s gave %d\n", i, c->json, rc);
        }
        assert_int_equal(rc, c->rc);
        assert_true(v == (rc == 0 ? c->value : 12345));
        cl_json_fini(&doc);
    }
    struct cl_json doc;
    assert_int_equal(parse(&doc, "[5]"), 0);
    int64_t v;
    assert_int_equal(cl_json_int64(&doc, -1, &v), -EINVAL);
    assert_int_equal(cl_json_int64(&doc, 2, &v), -EINVAL);
    cl_json_fini(&doc);
}

/* ---------------------------------------------------------------- writing */

/* Writes s[0..len) and checks the output (without the quotes) against want. */
static void check_write(const char *s, size_t len, const char *want)
{
    struct cl_buf b;
    cl_buf_init(&b, 1024);
    assert_int_equal(cl_json_write_str(&b, (const uint8_t *)s, len), 0);
    size_t want_len = strlen(want);
    if (b.len != want_len + 2 || memcmp(b.data + 1, want, want_len) != 0) {
        print_error("write: got %s want \"%s\"\n", cl_buf_str(&b), want);
    }
    assert_int_equal(b.len, want_len + 2);
    assert_int_equal(b.data[0], '"');
    assert_memory_equal(b.data + 1, want, want_len);
    assert_int_equal(b.data[b.len - 1], '"');
    cl_buf_fini(&b);
}

static void test_cl_json_write_str_control_bytes(void **state)
{
    (void)state;
    static const char *const shorts[0x20] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};
    for (unsigned c = 0; c < 0x20; c++) {
        char in = (char)c;
        char want[8];
        if (shorts[c] != NULL) {
            (void)snprintf(want, sizeof(want), "%s", shorts[c]);
        } else {
            (void)snprintf(want, sizeof(want), "\\u%04x", c);
        }
        check_write(&in, 1, want);
    }
    check_write("\x7f", 1, "\\u007f");
    check_write("\"", 1, "\\\"");
    check_write("\\", 1, "\\\\");
    check_write("/", 1, "/");
    check_write("a\"b\\c\nd\x01", 8, "a\\\"b\\\\c\\nd\\u0001");
    check_write("", 0, "");
    check_write(" ~", 2, " ~");
}

static void test_cl_json_write_str_utf8_kept(void **state)
{
    (void)state;
    /* U+0080, U+00E9, U+07FF, U+0800, U+20AC, U+D7FF, U+E000, U+FFFD, U+FFFF, U+10000,
     * U+1F600, U+FFFFF, U+10FFFF (mixed with ASCII in the round-trip test). */
    static const char *const kept[] = {
        "\xc2\x80",         "\xc3\xa9",         "\xdf\xbf",         "\xe0\xa0\x80",
        "\xe2\x82\xac",     "\xed\x9f\xbf",     "\xee\x80\x80",     "\xef\xbf\xbd",
        "\xef\xbf\xbf",     "\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf3\xbf\xbf\xbf",
        "\xf4\x8f\xbf\xbf",
    };
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        check_write(kept[i], strlen(kept[i]), kept[i]);
    }
}

/* Invalid UTF-8 and the expected output, '?' standing for one U+FFFD per maximal invalid
 * subpart: lone continuation bytes, overlongs (C0 80, E0 80 80, F0 8F BF BF), surrogates
 * (ED A0 80, CESU-8 pairs), past U+10FFFF (F4 90, F5), 5-byte forms, truncated sequences. */
/* clang-format off */
static const struct {
    const char *in;
    const char *want;
} replaced[] = {
    {"\x80", "?"}, {"\xbf", "?"}, {"\x80\xbf", "??"}, {"\xc0\x80", "??"}, {"\xc1\xbf", "??"},
    {"\xe0\x80\x80", "???"}, {"\xe0\x9f\xbf", "???"}, {"\xed\xa0\x80", "???"},
    {"\xed\xbf\xbf", "???"}, {"\xed\xa0\x80\xed\xb0\x80", "??????"}, {"\xf0\x80\x80\x80", "????"},
    {"\xf0\x8f\xbf\xbf", "????"}, {"\xf4\x90\x80\x80", "????"}, {"\xf5\x80\x80\x80", "????"},
    {"\xf8\x88\x80\x80\x80", "?????"}, {"\xfe", "?"}, {"\xff", "?"}, {"\xc3", "?"},
    {"\xe2\x82", "?"}, {"\xf0\x9f\x98", "?"}, {"\xe2\x82\x41", "?A"}, {"\xf0\x9f\x41", "?A"},
    {"\xc3\xc3\xa9", "?\xc3\xa9"}, {"\xe2\x28\xa1", "?(?"}, {"a\xff\x62", "a?b"},
    {"\xf0\x9f\x98\xf0\x9f\x98\x80", "?\xf0\x9f\x98\x80"}, {"\xe0\xa0", "?"}, {"\xed\x9f", "?"},
    {"\xf4\x8f\xbf", "?"}, {"\xc2\n", "?\\n"},
};
/* clang-format on */

static void test_cl_json_write_str_invalid_utf8_replaced(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
        char want[64] = "";
        size_t n = 0;
        for (const char *w = replaced[i].want; *w != '\0'; w++) {
            const char *add = *w == '?' ? "\xef\xbf\xbd" : (char[2]){*w, '\0'};
            n += (size_t)snprintf(want + n, sizeof(want) - n, "%s", add);
        }
        check_write(replaced[i].in, strlen(replaced[i].in), want);
    }
}

static void test_cl_json_write_str_caps_and_null(void **state)
{
    (void)state;
    struct cl_buf b;
    cl_buf_init(&b, 8);
    assert_int_equal(cl_json_write_cstr(&b, NULL), 0);
    assert_string_equal(cl_buf_str(&b), "null");
    assert_int_equal(cl_json_write_cstr(&b, "ab"), 0);
    assert_string_equal(cl_buf_str(&b), "null\"ab\"");
    /* Too big, detected late (escape growth) and early: unchanged buffer. */
    cl_buf_reset(&b);
    assert_int_equal(cl_json_write_str(&b, (const uint8_t *)"\x01\x02", 2), -E2BIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(cl_json_write_str(&b, (const uint8_t *)"1234567", 7), -E2BIG);
    assert_int_equal(b.len, 0);
    assert_string_equal(cl_buf_str(&b), "");
    assert_int_equal(cl_json_write_str(&b, NULL, 1), -EINVAL);
    assert_int_equal(cl_json_write_str(&b, NULL, 0), 0);
    assert_string_equal(cl_buf_str(&b), "\"\"");
    cl_buf_fini(&b);
}

/* Writes in[0..len), parses the result as one string and unescapes it into out. */
static void write_parse_unescape(const uint8_t *in, size_t len, struct cl_buf *out)
{
    struct cl_buf w;
    cl_buf_init(&w, 8 * len + 16);
    assert_int_equal(cl_json_write_str(&w, in, len), 0);
    struct cl_json doc;
    assert_int_equal(cl_json_parse(&doc, w.data, w.len, 1), 0);
    assert_int_equal(cl_json_type(&doc, 0), CL_JSON_STRING);
    assert_int_equal(cl_json_str(&doc, 0, out), 0);
    assert_true(is_utf8(out->data != NULL ? out->data : (const uint8_t *)"", out->len));
    cl_json_fini(&doc);
    cl_buf_fini(&w);
}

static void test_cl_json_write_str_round_trip(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct bytes inputs[] = {
        {"", 0}, {"hello", 0}, {"\"quoted\" \\back\\ /slash/", 0}, {"nul\0inside", 10},
        {"tab\there\nnl\rcr\bbs\fff\x01\x1f\x7f", 0},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf!", 0},
        {"\xed\x9f\xbf\xee\x80\x80\xc2\x80\xdf\xbf\xe0\xa0\x80", 0},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        size_t len = inputs[i].len != 0 ? inputs[i].len : strlen(inputs[i].s);
        struct cl_buf out;
        cl_buf_init(&out, 1024);
        write_parse_unescape((const uint8_t *)inputs[i].s, len, &out);
        assert_int_equal(out.len, len);
        assert_memory_equal(cl_buf_str(&out), inputs[i].s, len);
        cl_buf_fini(&out);
    }
    /* Every single byte: ASCII comes back unchanged, others as U+FFFD. */
    for (unsigned c = 0; c < 256; c++) {
        uint8_t in = (uint8_t)c;
        struct cl_buf out;
        cl_buf_init(&out, 16);
        write_parse_unescape(&in, 1, &out);
        if (c < 0x80) {
            assert_int_equal(out.len, 1);
            assert_int_equal(out.data[0], c);
        } else {
            assert_string_equal(cl_buf_str(&out), "\xef\xbf\xbd");
        }
        cl_buf_fini(&out);
    }
}

static void test_cl_json_write_str_random_bytes(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    uint8_t in[64];
    for (int iter = 0; iter < 5000; iter++) {
        size_t len = (size_t)(iter % (int)sizeof(in));
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            /* Bias toward bytes that start or continue multi-byte sequences. */
            uint8_t r = (uint8_t)(seed >> 16);
            in[i] = (seed & 0x100) != 0 ? (uint8_t)(0x80 | (r & 0x7F)) : r;
        }
        struct cl_buf out;
        cl_buf_init(&out, 1024);
        write_parse_unescape(in, len, &out);
        if (is_utf8(in, len)) {
            assert_int_equal(out.len, len);
            assert_true(len == 0 || memcmp(out.data, in, len) == 0);
        }
        cl_buf_fini(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cl_json_parse_valid),
        cmocka_unit_test(test_cl_json_parse_invalid),
        cmocka_unit_test(test_cl_json_parse_nul_and_null_src),
        cmocka_unit_test(test_cl_json_parse_max_toks),
        cmocka_unit_test(test_cl_json_parse_deep_nesting),
        cmocka_unit_test(test_cl_json_parse_deep_mixed),
        cmocka_unit_test(test_cl_json_parse_oom),
        cmocka_unit_test(test_cl_json_get_exact_and_ci),
        cmocka_unit_test(test_cl_json_path_nested),
        cmocka_unit_test(test_cl_json_child_array_and_object),
        cmocka_unit_test(test_cl_json_skip_subtrees),
        cmocka_unit_test(test_cl_json_type_out_of_range),
        cmocka_unit_test(test_cl_json_str_unescape),
        cmocka_unit_test(test_cl_json_str_appends_and_caps),
        cmocka_unit_test(test_cl_json_str_eq_cases),
        cmocka_unit_test(test_cl_json_int64_edges),
        cmocka_unit_test(test_cl_json_write_str_control_bytes),
        cmocka_unit_test(test_cl_json_write_str_utf8_kept),
        cmocka_unit_test(test_cl_json_write_str_invalid_utf8_replaced),
        cmocka_unit_test(test_cl_json_write_str_caps_and_null),
        cmocka_unit_test(test_cl_json_write_str_round_trip),
        cmocka_unit_test(test_cl_json_write_str_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
