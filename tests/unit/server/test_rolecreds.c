/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/exec/rolecreds.c: the --role-credentials file (role ARN → STS
 * Credentials members), its errors (which never quote a secret), lookups and the in-place
 * replacement SIGHUP does. */
#include <errno.h>
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

#include "exec/rolecreds.h"

#define ROLE_A "arn:aws:iam::123456789012:role/a"
#define ROLE_B "arn:aws:iam::123456789012:role/service-role/b"

static const char good[] =
    "{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": \"sa/+x\","
    " \"SessionToken\": \"ta\", \"Expiration\": \"2030-01-01T00:00:00Z\"},"
    " \"" ROLE_B "\": {\"AccessKeyId\": \"AKIABBBBBBBBBBBBBBBB\", \"SecretAccessKey\": \"sb\"}}";

static void test_rolecreds_parse_ok(void **state)
{
    (void)state;
    struct rolecreds *c = NULL;
    char err[512] = "";
    assert_int_equal(rolecreds_parse(good, "f.json", &c, err, sizeof(err)), 0);
    assert_int_equal(c->n_entries, 2);
    const struct rolecreds_entry *a = rolecreds_find(c, ROLE_A);
    assert_non_null(a);
    assert_string_equal(a->key_id, "ASIAAAAAAAAAAAAAAAAA");
    assert_string_equal(a->secret, "sa/+x");
    assert_string_equal(a->token, "ta");
    const struct rolecreds_entry *b = rolecreds_find(c, ROLE_B);
    assert_non_null(b);
    assert_null(b->token); /* long-term keys */
    assert_null(rolecreds_find(c, "arn:aws:iam::123456789012:role/other"));
    assert_null(rolecreds_find(c, NULL));
    assert_null(rolecreds_find(NULL, ROLE_A));
    rolecreds_free(c);
    assert_int_equal(rolecreds_parse("{}", "f.json", &c, err, sizeof(err)), 0); /* no roles */
    assert_int_equal(c->n_entries, 0);
    rolecreds_free(c);
    rolecreds_free(NULL);
}

static void test_rolecreds_parse_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{not json", "f.json:1: "},
        {"[]", "f.json: expected an object mapping role ARNs to credentials"},
        {"{\"arn:aws:iam::1:role/x\": {}}", "is not a role ARN"},
        {"{\"" ROLE_A "\": \"AKIA\"}", "expected an object with AccessKeyId"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"short\", \"SecretAccessKey\": \"TOPSECRET\"}}",
         "AccessKeyId must be 16-128 of [A-Za-z0-9_]"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\"}}",
         "SecretAccessKey (required)"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": "
         "\"TOP SECRET\"}}",
         "printable characters without spaces"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": "
         "\"TOPSECRET\", \"SessionToken\": \"a\\nb\"}}",
         "printable characters without spaces"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": "
         "\"TOPSECRET\", \"Token\": \"x\"}}",
         "unknown member Token"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": 7}}",
         "SecretAccessKey must be a string"},
        {"{\"" ROLE_A "\": {\"AccessKeyId\": \"ASIAAAAAAAAAAAAAAAAA\", \"SecretAccessKey\": "
         "\"TOPSECRET\"}, \"" ROLE_A "\": {}}",
         "f.json:1: "}, /* a role twice */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rolecreds *c = (struct rolecreds *)&c; /* must come back NULL */
        char err[512] = "";
        assert_int_equal(rolecreds_parse(cases[i][0], "f.json", &c, err, sizeof(err)), -EINVAL);
        assert_null(c);
        if (strstr(err, cases[i][1]) == NULL) {
            fail_msg("case %zu: %s", i, err);
        }
        assert_null(strstr(err, "SECRET"));
    }
}

static void test_rolecreds_load_and_replace(void **state)
{
    (void)state;
    char dir[] = "/tmp/clambda-rolecreds-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    (void)snprintf(path, sizeof(path), "%s/roles.json", dir);
    struct rolecreds *c = NULL;
    char err[512] = "";
    assert_int_equal(rolecreds_load(path, &c, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "open("));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(good, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(rolecreds_load(path, &c, err, sizeof(err)), 0);
    assert_int_equal(c->n_entries, 2);
    struct rolecreds *fresh = NULL;
    assert_int_equal(rolecreds_parse("{\"" ROLE_B "\": {\"AccessKeyId\": \"ASIANEWNEWNEWNEWNEWN\", "
                                     "\"SecretAccessKey\": \"new\"}}",
                                     "g.json", &fresh, err, sizeof(err)),
                     0);
    const struct rolecreds *holder = c; /* what the pool keeps */
    rolecreds_replace(c, fresh);
    assert_null(rolecreds_find(holder, ROLE_A));
    assert_string_equal(rolecreds_find(holder, ROLE_B)->key_id, "ASIANEWNEWNEWNEWNEWN");
    rolecreds_free(c);
    assert_int_equal(rolecreds_load(dir, &c, err, sizeof(err)), -EINVAL); /* a directory */
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rolecreds_parse_ok),
        cmocka_unit_test(test_rolecreds_parse_errors),
        cmocka_unit_test(test_rolecreds_load_and_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
