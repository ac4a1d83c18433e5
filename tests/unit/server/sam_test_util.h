/* SPDX-License-Identifier: MIT */
/* Helpers the SAM template tests share (test_sam*.c): a temporary directory with an api/
 * subdirectory for CodeUri, parsing with a fixed context, and checks of errors and
 * environment variables. Header-only (static functions); included by each test file. */
#ifndef CLAMBDA_TESTS_SAM_TEST_UTIL_H
#define CLAMBDA_TESTS_SAM_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/sam.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    (void)snprintf(dir, sizeof(dir), "/tmp/clambda-sam-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    char sub[128];
    (void)snprintf(sub, sizeof(sub), "%s/api", dir);
    return mkdir(sub, 0755);
}

static int teardown(void **state)
{
    (void)state;
    char sub[128];
    (void)snprintf(sub, sizeof(sub), "%s/api", dir);
    (void)rmdir(sub);
    return rmdir(dir);
}

static const struct sam_context test_cx = {"t.yaml", "eu-west-1", "111122223333", "shop"};

/* Parses text, which must succeed. */
static void parse_ok(const char *text, struct sam_template *t)
{
    char err[768] = "";
    int rc = sam_parse(text, strlen(text), dir, &test_cx, t, err, sizeof(err));
    if (rc != 0) {
        fail_msg("sam_parse: %d: %s", rc, err);
    }
}

/* Parses text, which must fail with a message containing needle. */
static void expect_error(const char *text, const char *needle)
{
    struct sam_template t;
    char err[768] = "";
    assert_int_equal(sam_parse(text, strlen(text), dir, &test_cx, &t, err, sizeof(err)), -EINVAL);
    if (strstr(err, needle) == NULL) {
        fail_msg("error '%s' does not name '%s'", err, needle);
    }
    assert_int_equal(t.n_fns, 0);
    assert_int_equal(t.n_apis, 0);
    assert_int_equal(t.n_routes, 0);
}

/* The value of environment variable key of cfg, or NULL. */
__attribute__((unused)) static const char *env_of(const struct function_config *cfg,
                                                  const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < cfg->n_env; i++) {
        if (strncmp(cfg->env[i], key, n) == 0 && cfg->env[i][n] == '=') {
            return cfg->env[i] + n + 1;
        }
    }
    return NULL;
}

#endif /* CLAMBDA_TESTS_SAM_TEST_UTIL_H */
