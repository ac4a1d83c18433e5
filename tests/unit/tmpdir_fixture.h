/* SPDX-License-Identifier: MIT */
/* A cmocka fixture for the server's unit tests: *state is a fresh directory under /tmp
 * (malloc'd path), removed with everything in it afterwards. Include after cmocka.h. */
#ifndef CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H
#define CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "code.h"

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

#endif /* CLAMBDA_TESTS_UNIT_TMPDIR_FIXTURE_H */
