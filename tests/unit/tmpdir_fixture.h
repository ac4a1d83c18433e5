/* SPDX-License-Identifier: MIT */
/* A cmocka fixture for the server's unit tests: *state is a fresh directory under /tmp
 * (malloc'd path), removed with everything in it afterwards; tmpdir_write puts files in it.
 * Include after cmocka.h. */
#ifndef CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H
#define CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state/code.h"

static int tmpdir_setup(void **state)
{
    char *dir = strdup("/tmp/clambda-unit-XXXXXX");
    if (dir == NULL || mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int tmpdir_teardown(void **state)
{
    (void)code_remove_tree(*state);
    free(*state);
    return 0;
}

/* Writes text to the file dir/rel (its directory must exist) and gives it mode. */
static inline void tmpdir_write(const char *dir, const char *rel, const char *text, mode_t mode)
{
    char path[4096];
    assert_true(snprintf(path, sizeof(path), "%s/%s", dir, rel) < (int)sizeof(path));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

#endif /* CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H */
