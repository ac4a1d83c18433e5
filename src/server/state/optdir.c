/* SPDX-License-Identifier: MIT */
/* Merged layer directories; see optdir.h. */
#include "state/optdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ids.h"
#include "base/xalloc.h"
#include "state/code.h"

static int fail(char *err, size_t errlen, const char *call, const char *path, int e)
{
    (void)snprintf(err, errlen, "%s(%s): %s", call, path, strerror(e));
    return -e;
}

/* Removes whatever is at path (a file, link or tree). */
static void clear(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            (void)code_remove_tree(path);
        } else {
            (void)unlink(path);
        }
    }
}

static int copy_file(const char *src, const char *dst, mode_t mode, char *err, size_t errlen)
{
    clear(dst);
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        return fail(err, errlen, "open", src, errno);
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (out < 0) {
        int e = errno;
        (void)close(in);
        return fail(err, errlen, "open", dst, e);
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            rc = fail(err, errlen, "write", dst, errno ? errno : EIO);
            break;
        }
    }
    if (n < 0 && rc == 0) {
        rc = fail(err, errlen, "read", src, errno);
    }
    (void)close(in);
    if (close(out) < 0 && rc == 0) {
        rc = fail(err, errlen, "close", dst, errno);
    }
    return rc;
}

static int copy_tree(const char *src, const char *dst, char *err, size_t errlen);

static int copy_entry(const char *src, const char *dst, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(src, &st) < 0) {
        return fail(err, errlen, "lstat", src, errno);
    }
    if (S_ISDIR(st.st_mode)) {
        struct stat dt;
        if (lstat(dst, &dt) == 0 && !S_ISDIR(dt.st_mode)) {
            clear(dst);
        }
        if (mkdir(dst, st.st_mode & 0777) < 0 && errno != EEXIST) {
            return fail(err, errlen, "mkdir", dst, errno);
        }
        return copy_tree(src, dst, err, errlen);
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof(target) - 1);
        if (n < 0) {
            return fail(err, errlen, "readlink", src, errno);
        }
        target[n] = '\0';
        clear(dst);
        return symlink(target, dst) < 0 ? fail(err, errlen, "symlink", dst, errno) : 0;
    }
    return S_ISREG(st.st_mode) ? copy_file(src, dst, st.st_mode, err, errlen) : 0;
}

static int copy_tree(const char *src, const char *dst, char *err, size_t errlen)
{
    DIR *d = opendir(src);
    if (d == NULL) {
        return fail(err, errlen, "opendir", src, errno);
    }
    int rc = 0;
    const struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char *s = xasprintf("%s/%s", src, de->d_name);
        char *t = xasprintf("%s/%s", dst, de->d_name);
        rc = copy_entry(s, t, err, errlen);
        free(s);
        free(t);
    }
    (void)closedir(d);
    return rc;
}

/* The directory name: hex SHA-256 of the layer directories joined by newlines. */
/* Adds every entry under dir (names, sizes, modes, modification times; sorted by readdir's
 * order, which is stable for an unchanged directory) to ctx. */
static void digest_tree(EVP_MD_CTX *ctx, const char *dir, int depth)
{
    DIR *d = depth < 64 ? opendir(dir) : NULL;
    const struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0) {
            char line[128];
            int n =
                snprintf(line, sizeof(line), " %lld %o %lld.%09ld\n", (long long)st.st_size,
                         (unsigned)st.st_mode, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
            (void)EVP_DigestUpdate(ctx, p, strlen(p));
            (void)EVP_DigestUpdate(ctx, line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : 0);
            if (S_ISDIR(st.st_mode)) {
                digest_tree(ctx, p, depth + 1);
            }
        }
        free(p);
    }
    if (d) {
        (void)closedir(d);
    }
}

static void key_of(const char *const *dirs, size_t n, bool is_live, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned int len = 0;
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        (void)EVP_DigestUpdate(ctx, dirs[i], strlen(dirs[i]));
        (void)EVP_DigestUpdate(ctx, "\n", 1);
        if (is_live) {
            digest_tree(ctx, dirs[i], 0);
        }
    }
    (void)EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (size_t i = 0; i < sizeof(md); i++) {
        (void)snprintf(hex + (2 * i), 3, "%02x", md[i]);
    }
}

static int merge(const char *state_dir, const char *const *dirs, size_t n, bool is_live, char **out,
                 char *err, size_t errlen)
{
    char hex[65];
    key_of(dirs, n, is_live, hex);
    char *base = xasprintf("%s/opt", state_dir);
    char *final = xasprintf("%s/%s", base, hex);
    struct stat st;
    int rc = 0;
    if (stat(final, &st) == 0 && S_ISDIR(st.st_mode)) {
        free(base);
        *out = final;
        return 0;
    }
    if (mkdir(base, 0755) < 0 && errno != EEXIST) {
        rc = fail(err, errlen, "mkdir", base, errno);
    }
    char rnd[17];
    ids_hex(rnd, 8);
    char *tmp = xasprintf("%s/.tmp-%s", base, rnd);
    if (rc == 0 && mkdir(tmp, 0755) < 0) {
        rc = fail(err, errlen, "mkdir", tmp, errno);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = copy_tree(dirs[i], tmp, err, errlen);
    }
    if (rc == 0 && rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
        rc = fail(err, errlen, "rename", final, errno);
    }
    (void)code_remove_tree(tmp); /* left only when another merge won the rename */
    free(tmp);
    free(base);
    if (rc < 0) {
        free(final);
        return rc;
    }
    *out = final;
    return 0;
}

int optdir_merge(const char *state_dir, const char *const *dirs, size_t n, char **out, char *err,
                 size_t errlen)
{
    return merge(state_dir, dirs, n, false, out, err, errlen);
}

int optdir_merge_live(const char *state_dir, const char *const *dirs, size_t n, char **out,
                      char *err, size_t errlen)
{
    return merge(state_dir, dirs, n, true, out, err, errlen);
}
