/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/ids.c: identifier shapes and the API's two timestamp forms. */
#include <regex.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/ids.h"

static void assert_matches(const char *rx, const char *s)
{
    regex_t re;
    assert_int_equal(regcomp(&re, rx, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, s, 0, NULL, 0);
    regfree(&re);
    if (rc != 0) {
        fail_msg("'%s' does not match %s", s, rx);
    }
}

static void test_ids_uuid_and_hex(void **state)
{
    (void)state;
    char u[IDS_UUID_LEN];
    ids_uuid(u);
    assert_matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", u);
    char h[33];
    ids_hex(h, 16);
    assert_matches("^[0-9a-f]{32}$", h);
}

static void test_ids_now_iso_forms(void **state)
{
    (void)state;
    char t[IDS_TIME_LEN];
    ids_now_iso(t, 3, "+0000"); /* LastModified, CreatedDate */
    assert_matches("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}"
                   "\\+0000$",
                   t);
    ids_now_iso(t, 6, "Z"); /* function URL configs */
    assert_matches("^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{6}"
                   "Z$",
                   t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_uuid_and_hex),
        cmocka_unit_test(test_ids_now_iso_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
