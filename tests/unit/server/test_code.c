/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/code.c: zips written here with libarchive, good and hostile (zip
 * slip, absolute paths, symlinks out of the tree, fifos, lying and huge sizes, too many
 * entries, not a zip), extracted into a temporary state directory. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
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

#include "tmpdir_fixture.h"

#include "state/code.h"

/* One entry of a zip to build: a file (data), a directory (data NULL, mode has S_IFDIR), a
 * symlink (target) or anything else by mode. */
struct ent {
    const char *name;
    unsigned mode;
    const char *data;
    const char *target;
    size_t zeros; /* extra zero bytes after data, for big entries */
};

struct zip {
    uint8_t *buf;
    size_t len;
};

static void make_zip(const struct ent *ents, size_t n, bool store, struct zip *z)
{
    size_t cap = 8u << 20;
    z->buf = malloc(cap);
    assert_non_null(z->buf);
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    if (store) {
        assert_int_equal(archive_write_set_options(a, "zip:compression=store"), ARCHIVE_OK);
    }
    assert_int_equal(archive_write_open_memory(a, z->buf, cap, &z->len), ARCHIVE_OK);
    static const char zeros[4096];
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_mode(e, ents[i].mode);
        size_t dlen = ents[i].data ? strlen(ents[i].data) : 0;
        if (ents[i].target) {
            archive_entry_set_symlink(e, ents[i].target);
        }
        if (S_ISREG(ents[i].mode)) {
            archive_entry_set_size(e, (la_int64_t)(dlen + ents[i].zeros));
        }
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (dlen) {
            assert_int_equal(archive_write_data(a, ents[i].data, dlen), (la_ssize_t)dlen);
        }
        for (size_t left = ents[i].zeros; left > 0;) {
            size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
            assert_int_equal(archive_write_data(a, zeros, k), (la_ssize_t)k);
            left -= k;
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* Number of entries in <state>/code (0 when it does not exist): failures leave nothing. */
static int count_code_dirs(const char *state)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/code", state);
    DIR *d = opendir(path);
    int n = 0;
    if (d == NULL) {
        return 0;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

/* Extracts ents and expects rc with msg in the message, and nothing left behind. */
static void expect_reject(const char *state, const struct ent *ents, size_t n, int rc,
                          const char *msg)
{
    struct zip z;
    make_zip(ents, n, false, &z);
    char err[256] = "";
    assert_int_equal(code_check(z.buf, z.len, NULL, err, sizeof(err)), rc);
    assert_non_null(strstr(err, msg));
    struct code_info ci;
    err[0] = '\0';
    assert_int_equal(code_extract_mem(state, z.buf, z.len, NULL, &ci, err, sizeof(err)), rc);
    assert_non_null(strstr(err, msg));
    assert_null(ci.dir);
    assert_int_equal(count_code_dirs(state), 0);
    free(z.buf);
}

/* <dir>.zip holds exactly the bytes of z, mode 0644. */
static void expect_kept_zip(const char *dir, const struct zip *z)
{
    char path[600];
    (void)snprintf(path, sizeof(path), "%s.zip", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal((size_t)st.st_size, z->len);
    uint8_t *buf = malloc(z->len + 1);
    assert_non_null(buf);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, z->len + 1, f), z->len);
    assert_int_equal(fclose(f), 0);
    assert_memory_equal(buf, z->buf, z->len);
    free(buf);
}

static void test_code_extract_mem_ok(void **state)
{
    const struct ent ents[] = {
        {"bootstrap", S_IFREG | 0755, "#!/bin/sh\n", NULL, 0},
        {"lib/", S_IFDIR | 0755, NULL, NULL, 0},
        {"lib/data.txt", S_IFREG | 0644, "hello", NULL, 0},
        {"lib/suid", S_IFREG | 04755, "x", NULL, 0},
        {"link", S_IFLNK | 0777, NULL, "lib/data.txt", 0},
        {"lib/up", S_IFLNK | 0777, NULL, "../bootstrap", 0},
        {"deep/er/file", S_IFREG | 0600, "implicit directories", NULL, 0},
    };
    struct zip z;
    make_zip(ents, sizeof(ents) / sizeof(ents[0]), false, &z);
    struct code_info ci;
    char err[256];
    assert_int_equal(code_extract_mem(*state, z.buf, z.len, NULL, &ci, err, sizeof(err)), 0);
    assert_int_equal(ci.size, z.len);
    assert_int_equal(ci.is_reused, 0);
    assert_int_equal(ci.unzipped, strlen("#!/bin/sh\n") + 5 + 1 + strlen("implicit directories"));
    /* CodeSha256 is base64 of SHA-256 of the zip bytes; the directory is its hex. */
    unsigned char md[32];
    unsigned int md_len = 0;
    assert_int_equal(EVP_Digest(z.buf, z.len, md, &md_len, EVP_sha256(), NULL), 1);
    char b64[45];
    EVP_EncodeBlock((unsigned char *)b64, md, 32);
    assert_string_equal(ci.sha256_b64, b64);
    assert_non_null(strstr(ci.dir, ci.sha256_hex));
    char path[600];
    struct stat st;
    (void)snprintf(path, sizeof(path), "%s/bootstrap", ci.dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    (void)snprintf(path, sizeof(path), "%s/lib/suid", ci.dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755); /* setuid dropped */
    (void)snprintf(path, sizeof(path), "%s/link", ci.dir);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 5);
    assert_int_equal(stat(ci.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    /* The same bytes again reuse the directory. */
    struct code_info again;
    assert_int_equal(code_extract_mem(*state, z.buf, z.len, NULL, &again, err, sizeof(err)), 0);
    assert_int_equal(again.is_reused, 1);
    assert_string_equal(again.dir, ci.dir);
    assert_int_equal(count_code_dirs(*state), 2); /* the tree and the kept zip */
    expect_kept_zip(ci.dir, &z);
    code_info_fini(&again);
    code_info_fini(&ci);
    code_info_fini(NULL);
    free(z.buf);
}

static void test_code_extract_file(void **state)
{
    const struct ent ents[] = {{"bootstrap", S_IFREG | 0755, "#!/bin/sh\n", NULL, 0}};
    struct zip z;
    make_zip(ents, 1, true, &z);
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/f.zip", (char *)*state);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(z.buf, 1, z.len, f), z.len);
    assert_int_equal(fclose(f), 0);
    struct code_info ci;
    char err[256];
    assert_int_equal(code_extract_file(*state, path, NULL, &ci, err, sizeof(err)), 0);
    assert_int_equal(ci.size, z.len);
    expect_kept_zip(ci.dir, &z); /* --function NAME=FILE.zip functions are downloadable too */
    code_info_fini(&ci);
    assert_int_equal(code_extract_file(*state, "/no/such.zip", NULL, &ci, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "/no/such.zip"));
    /* An empty file is not a zip. */
    (void)snprintf(path, sizeof(path), "%s/empty.zip", (char *)*state);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(code_extract_file(*state, path, NULL, &ci, err, sizeof(err)), -EBADMSG);
    assert_string_equal(err, CODE_MSG_CORRUPT);
    free(z.buf);
}

static void test_code_reject_zip_slip(void **state)
{
    const struct ent slip[] = {{"bootstrap", S_IFREG | 0755, "x", NULL, 0},
                               {"../x", S_IFREG | 0644, "evil", NULL, 0}};
    expect_reject(*state, slip, 2, -EINVAL, "../x");
    const struct ent mid[] = {{"a/../../x", S_IFREG | 0644, "evil", NULL, 0}};
    expect_reject(*state, mid, 1, -EINVAL, "a/../../x");
    const struct ent abs[] = {{"/tmp/clambda-evil", S_IFREG | 0644, "evil", NULL, 0}};
    expect_reject(*state, abs, 1, -EINVAL, "/tmp/clambda-evil");
    assert_int_equal(access("/tmp/clambda-evil", F_OK), -1);
}

static void test_code_reject_symlinks_out(void **state)
{
    const struct ent etc[] = {{"passwd", S_IFLNK | 0777, NULL, "/etc/passwd", 0}};
    expect_reject(*state, etc, 1, -EINVAL, "symlink");
    const struct ent up[] = {{"a/b", S_IFLNK | 0777, NULL, "../../etc", 0}};
    expect_reject(*state, up, 1, -EINVAL, "a/b");
    /* Each link is inside on its own; together they lead out (caught after extraction). */
    const struct ent chain[] = {{"d", S_IFLNK | 0777, NULL, ".", 0},
                                {"e", S_IFLNK | 0777, NULL, "d/..", 0}};
    struct zip z;
    make_zip(chain, 2, false, &z);
    struct code_info ci;
    char err[256];
    assert_int_equal(code_extract_mem(*state, z.buf, z.len, NULL, &ci, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "e (symlink"));
    assert_int_equal(count_code_dirs(*state), 0);
    free(z.buf);
    /* A file written through a symlink to a directory in the tree is refused by libarchive. */
    const struct ent through[] = {{"sub/", S_IFDIR | 0755, NULL, NULL, 0},
                                  {"l", S_IFLNK | 0777, NULL, "sub", 0},
                                  {"l/f", S_IFREG | 0644, "x", NULL, 0}};
    make_zip(through, 3, false, &z);
    assert_true(code_extract_mem(*state, z.buf, z.len, NULL, &ci, err, sizeof(err)) < 0);
    assert_int_equal(count_code_dirs(*state), 0);
    free(z.buf);
}

/* Writes v little-endian into n bytes at p. */
static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int b = 0; b < n; b++) {
        p[b] = (uint8_t)(v >> (8 * b));
    }
}

/* Sets the uncompressed size in every local header and central directory record of a zip. */
static void patch_size(struct zip *z, uint32_t size)
{
    int n = 0;
    for (size_t i = 0; i + 46 <= z->len; i++) {
        if (memcmp(z->buf + i, "PK\x01\x02", 4) == 0) {
            put_le(z->buf + i + 24, size, 4);
            n++;
        } else if (memcmp(z->buf + i, "PK\x03\x04", 4) == 0) {
            put_le(z->buf + i + 22, size, 4);
        }
    }
    assert_true(n > 0);
}

/* Sets the Unix mode (high half of the external attributes) of every central record. */
static void patch_mode(struct zip *z, uint32_t mode)
{
    int n = 0;
    for (size_t i = 0; i + 46 <= z->len; i++) {
        if (memcmp(z->buf + i, "PK\x01\x02", 4) == 0) {
            put_le(z->buf + i + 38, mode << 16, 4);
            n++;
        }
    }
    assert_true(n > 0);
}

static void test_code_special_files_become_plain(void **state)
{
    /* libarchive does not write fifos or devices into zips, so a file's mode is patched. Its
     * zip reader turns such entries into regular files (code.c also refuses any other type,
     * as a second line): what lands on disk is never a fifo, device or socket. */
    static const unsigned modes[] = {S_IFIFO | 0644, S_IFCHR | 0644, S_IFBLK | 0644,
                                     S_IFSOCK | 0644};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        const struct ent one[] = {{"special", S_IFREG | 0644, "x", NULL, 0}};
        struct zip z;
        make_zip(one, 1, true, &z);
        patch_mode(&z, modes[i]);
        char err[256];
        struct code_info ci;
        int rc = code_extract_mem(*state, z.buf, z.len, NULL, &ci, err, sizeof(err));
        if (rc == 0) {
            char path[600];
            struct stat st;
            (void)snprintf(path, sizeof(path), "%s/special", ci.dir);
            assert_int_equal(lstat(path, &st), 0);
            assert_true(S_ISREG(st.st_mode));
            assert_int_equal(code_remove_tree(ci.dir), 0);
            code_info_fini(&ci);
        } else {
            assert_int_equal(rc, -EINVAL);
            assert_non_null(strstr(err, "special (not a file or directory)"));
        }
        free(z.buf);
    }
}

static void test_code_reject_too_large(void **state)
{
    /* Declared size beyond 250 MB: refused from the header, before any data is read. */
    const struct ent one[] = {{"big", S_IFREG | 0644, "0123456789", NULL, 0}};
    struct zip z;
    make_zip(one, 1, true, &z);
    patch_size(&z, 0xFFFFFFF0u);
    char err[256];
    assert_int_equal(code_check(z.buf, z.len, NULL, err, sizeof(err)), -E2BIG);
    assert_string_equal(err, "Unzipped size must be smaller than 262144000 bytes");
    free(z.buf);
    /* A bomb that lies about its size: counted while inflating (limit lowered to 1 MB). */
    const struct ent bomb[] = {{"bomb", S_IFREG | 0644, "", NULL, 3u << 20}};
    make_zip(bomb, 1, false, &z);
    patch_size(&z, 10);
    struct code_limits lim = {1u << 20, 100};
    struct code_info ci;
    int rc = code_extract_mem(*state, z.buf, z.len, &lim, &ci, err, sizeof(err));
    assert_int_equal(rc, -E2BIG);
    assert_string_equal(err, "Unzipped size must be smaller than 1048576 bytes");
    assert_int_equal(count_code_dirs(*state), 0);
    free(z.buf);
    /* Too many entries. */
    const struct ent three[] = {{"a", S_IFREG | 0644, "1", NULL, 0},
                                {"b", S_IFREG | 0644, "2", NULL, 0},
                                {"c", S_IFREG | 0644, "3", NULL, 0}};
    make_zip(three, 3, false, &z);
    lim = (struct code_limits){1u << 20, 2};
    assert_int_equal(code_check(z.buf, z.len, &lim, err, sizeof(err)), -E2BIG);
    assert_non_null(strstr(err, "more than 2 entries"));
    free(z.buf);
}

static void test_code_reject_not_a_zip(void **state)
{
    (void)state;
    char err[256];
    static const uint8_t text[] = "this is not a zip file at all, just text";
    assert_int_equal(code_check(text, sizeof(text), NULL, err, sizeof(err)), -EBADMSG);
    assert_string_equal(err, CODE_MSG_CORRUPT);
    assert_int_equal(code_check(text, 0, NULL, err, sizeof(err)), -EBADMSG);
    /* A zip cut in half, and one with its data bytes flipped (CRC mismatch). */
    const struct ent one[] = {{"bootstrap", S_IFREG | 0755, "#!/bin/sh\necho hi\n", NULL, 0}};
    struct zip z;
    make_zip(one, 1, true, &z);
    assert_int_equal(code_check(z.buf, z.len / 2, NULL, err, sizeof(err)), -EBADMSG);
    uint8_t *p = memmem(z.buf, z.len, "echo hi", 7);
    assert_non_null(p);
    p[0] = 'X';
    assert_int_equal(code_check(z.buf, z.len, NULL, err, sizeof(err)), -EBADMSG);
    assert_string_equal(err, CODE_MSG_CORRUPT);
    free(z.buf);
}

static void test_code_keep_zip(void **state)
{
    static const uint8_t bytes[] = "PK not really a zip, code_keep_zip does not look";
    const struct zip z = {(uint8_t *)(uintptr_t)bytes, sizeof(bytes)};
    char root[512];
    (void)snprintf(root, sizeof(root), "%s/code", (char *)*state);
    assert_int_equal(mkdir(root, 0755), 0);
    char err[256] = "";
    const char *hex = "00ff";
    assert_int_equal(code_keep_zip(root, hex, bytes, sizeof(bytes), err, sizeof(err)), 0);
    char dir[600];
    (void)snprintf(dir, sizeof(dir), "%s/%s", root, hex);
    expect_kept_zip(dir, &z);
    /* Present already: left as it is (not rewritten with other bytes). */
    assert_int_equal(code_keep_zip(root, hex, (const uint8_t *)"x", 1, err, sizeof(err)), 0);
    expect_kept_zip(dir, &z);
    assert_int_equal(count_code_dirs(*state), 1); /* no temporary file left */
    /* An empty package is kept as an empty file. */
    assert_int_equal(code_keep_zip(root, "empty", bytes, 0, err, sizeof(err)), 0);
    assert_int_equal(count_code_dirs(*state), 2);
    /* A root that does not exist: the failing call and path in err, nothing written. */
    assert_int_equal(code_keep_zip("/no/such/dir", hex, bytes, 1, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "mkostemps(/no/such/dir/.tmp-"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_code_extract_mem_ok, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_extract_file, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_reject_zip_slip, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_reject_symlinks_out, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_special_files_become_plain, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_reject_too_large, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_reject_not_a_zip, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_code_keep_zip, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
