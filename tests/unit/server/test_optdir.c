/* SPDX-License-Identifier: MIT */
/* optdir: layer directories merged in order (later files win, directories merge, a directory
 * replaces a file and the other way round, symlinks kept), reused for the same list. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir_fixture.h"

#include "state/code.h"
#include "state/optdir.h"

static char *read_file(const char *dir, const char *rel)
{
    static char buf[256];
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    (void)fclose(f);
    return buf;
}

static char *mk(const char *base, const char *rel)
{
    char *p = NULL;
    assert_int_not_equal(asprintf(&p, "%s/%s", base, rel), -1);
    assert_int_equal(mkdir(p, 0755), 0);
    return p;
}

static void test_optdir_merge_order(void **state)
{
    const char *base = *state;
    char *a = mk(base, "a");
    char *b = mk(base, "b");
    free(mk(base, "a/bin"));
    free(mk(base, "b/bin"));
    free(mk(base, "a/was-dir"));
    tmpdir_write(a, "bin/tool", "from a", 0755);
    tmpdir_write(a, "bin/only-a", "a", 0644);
    tmpdir_write(a, "was-file", "file", 0644);
    tmpdir_write(a, "was-dir/x", "x", 0644);
    tmpdir_write(b, "bin/tool", "from b", 0700);
    free(mk(base, "b/was-file"));
    tmpdir_write(b, "was-file/y", "y", 0644);
    tmpdir_write(b, "was-dir", "now a file", 0644);
    char target[] = "bin/tool";
    char link[600];
    (void)snprintf(link, sizeof(link), "%s/link", b);
    assert_int_equal(symlink(target, link), 0);

    const char *dirs[] = {a, b};
    char *out = NULL;
    char err[256];
    assert_int_equal(optdir_merge(base, dirs, 2, &out, err, sizeof(err)), 0);
    assert_string_equal(read_file(out, "bin/tool"), "from b");
    assert_string_equal(read_file(out, "bin/only-a"), "a");
    assert_string_equal(read_file(out, "was-file/y"), "y");
    assert_string_equal(read_file(out, "was-dir"), "now a file");
    assert_string_equal(read_file(out, "link"), "from b");
    struct stat st;
    char path[600];
    (void)snprintf(path, sizeof(path), "%s/bin/tool", out);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    (void)snprintf(path, sizeof(path), "%s/link", out);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    /* the same list is reused; another order is another directory */
    char *again = NULL;
    assert_int_equal(optdir_merge(base, dirs, 2, &again, err, sizeof(err)), 0);
    assert_string_equal(again, out);
    const char *rev[] = {b, a};
    char *other = NULL;
    assert_int_equal(optdir_merge(base, rev, 2, &other, err, sizeof(err)), 0);
    assert_string_not_equal(other, out);
    assert_string_equal(read_file(other, "bin/tool"), "from a");
    free(out);
    free(again);
    free(other);
    free(a);
    free(b);
}

/* optdir_merge_live: a source directory edited between two merges gets a new merged
 * directory with the new content; unchanged, the same one is reused. */
static void test_optdir_merge_live_sees_edits(void **state)
{
    const char *base = *state;
    char *a = mk(base, "live");
    tmpdir_write(a, "lib.txt", "one", 0644);
    const char *dirs[] = {a};
    char *first = NULL;
    char *same = NULL;
    char *edited = NULL;
    char err[256];
    assert_int_equal(optdir_merge_live(base, dirs, 1, &first, err, sizeof(err)), 0);
    assert_int_equal(optdir_merge_live(base, dirs, 1, &same, err, sizeof(err)), 0);
    assert_string_equal(first, same);
    tmpdir_write(a, "lib.txt", "two, longer", 0644);
    assert_int_equal(optdir_merge_live(base, dirs, 1, &edited, err, sizeof(err)), 0);
    assert_string_not_equal(edited, first);
    assert_string_equal(read_file(edited, "lib.txt"), "two, longer");
    assert_string_equal(read_file(first, "lib.txt"), "one");
    free(first);
    free(same);
    free(edited);
    free(a);
}

static void test_optdir_missing_layer(void **state)
{
    const char *dirs[] = {"/nonexistent/clambda-layer"};
    char *out = NULL;
    char err[256];
    assert_int_equal(optdir_merge(*state, dirs, 1, &out, err, sizeof(err)), -ENOENT);
    assert_null(out);
    assert_non_null(strstr(err, "opendir(/nonexistent/clambda-layer)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_optdir_merge_order, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_optdir_merge_live_sees_edits, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_optdir_missing_layer, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
