/* SPDX-License-Identifier: MIT */
/* Code packages (see code.h). One walk over the zip serves both checking and extraction: each
 * entry is validated before anything is written, then its data is copied (or only read, for
 * code_check) while the unzipped total is counted, because a zip's declared sizes can lie.
 * Symlink targets are checked twice: lexically when the entry is read, and with realpath()
 * after extraction, since a chain of links that are each inside the tree can still lead out
 * ("d" -> ".", "e" -> "d/.."). */
#include "state/code.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_io.h"

/* One walk over a zip. */
struct walk {
    const struct code_limits *lim;
    struct archive *out; /* archive_write_disk, or NULL to check only */
    const char *root;    /* where entries go (out != NULL) */
    uint64_t total;
    size_t n_entries;
    char **links; /* symlink paths to verify after extraction */
    size_t n_links;
    char *err;
    size_t errlen;
};

static const struct code_limits default_limits = {CODE_MAX_UNZIPPED, CODE_MAX_ENTRIES};

__attribute__((format(printf, 3, 4))) static int fail_msg(struct walk *w, int rc, const char *fmt,
                                                          ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(w->err, w->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int fail_big(struct walk *w)
{
    return fail_msg(w, -E2BIG, "Unzipped size must be smaller than %llu bytes",
                    (unsigned long long)w->lim->max_unzipped);
}

/* True when path (relative, '/'-separated) has no ".." component. */
static bool no_dotdot(const char *path)
{
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return false;
        }
        p += n + (p[n] == '/');
    }
    return true;
}

/* True when symlink target, seen from the directory of link name, stays inside the tree. */
static bool link_inside(const char *name, const char *target)
{
    if (target[0] == '\0' || target[0] == '/') {
        return false;
    }
    long depth = 0;
    for (const char *p = name; *p; p++) {
        depth += *p == '/' && p[1] != '\0' && p[1] != '/';
    }
    for (const char *p = target; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            depth--;
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            depth++;
        }
        if (depth < 0) {
            return false;
        }
        p += n + (p[n] == '/');
    }
    return true;
}

/* Validates one entry's header. 0, -EINVAL (unsafe) or -E2BIG. */
static int check_entry(struct walk *w, struct archive_entry *e)
{
    const char *name = archive_entry_pathname(e);
    if (name == NULL || name[0] == '\0' || strlen(name) > 1024) {
        return fail_msg(w, -EINVAL, "Unsafe entry in code package: %s", "empty or long name");
    }
    if (name[0] == '/' || !no_dotdot(name)) {
        return fail_msg(w, -EINVAL, "Unsafe entry in code package: %s (path leaves the package)",
                        name);
    }
    if (archive_entry_hardlink(e) != NULL) {
        return fail_msg(w, -EINVAL, "Unsafe entry in code package: %s (hard link)", name);
    }
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFLNK) {
        const char *target = archive_entry_symlink(e);
        if (target == NULL || !link_inside(name, target)) {
            return fail_msg(w, -EINVAL,
                            "Unsafe entry in code package: %s (symlink target leaves the package)",
                            name);
        }
    } else if (type != AE_IFREG && type != AE_IFDIR) {
        return fail_msg(w, -EINVAL, "Unsafe entry in code package: %s (not a file or directory)",
                        name);
    }
    if (++w->n_entries > w->lim->max_entries) {
        return fail_msg(w, -E2BIG, "Code package has more than %zu entries", w->lim->max_entries);
    }
    if (type == AE_IFREG && archive_entry_size_is_set(e) &&
        (uint64_t)archive_entry_size(e) > w->lim->max_unzipped - w->total) {
        return fail_big(w);
    }
    return 0;
}

/* Copies (or only reads) the data of the current entry, counting bytes. */
static int copy_data(struct walk *w, struct archive *in)
{
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(in, &buf, &len, &off);
        if (r == ARCHIVE_EOF) {
            return 0;
        }
        if (r != ARCHIVE_OK) { /* ARCHIVE_WARN here is a CRC mismatch */
            return fail_msg(w, -EBADMSG, "%s", CODE_MSG_CORRUPT);
        }
        if (len > w->lim->max_unzipped - w->total) {
            return fail_big(w);
        }
        w->total += len;
        if (w->out && archive_write_data_block(w->out, buf, len, off) < ARCHIVE_WARN) {
            return fail_msg(w, -EIO, "extract: %s", archive_error_string(w->out));
        }
    }
}

/* Writes the header of a validated entry below w->root. */
static int write_header(struct walk *w, struct archive_entry *e)
{
    const char *name = archive_entry_pathname(e);
    if (archive_entry_filetype(e) == AE_IFLNK) {
        w->links = xrealloc(w->links, (w->n_links + 1) * sizeof(*w->links));
        w->links[w->n_links++] = xasprintf("%s/%s", w->root, name);
    }
    char *full = xasprintf("%s/%s", w->root, name);
    archive_entry_set_pathname(e, full);
    free(full);
    mode_t perm = archive_entry_perm(e) & 0777;
    perm |= archive_entry_filetype(e) == AE_IFDIR ? 0700 : 0400;
    archive_entry_set_perm(e, perm);
    if (archive_write_header(w->out, e) < ARCHIVE_WARN) {
        return fail_msg(w, -EIO, "extract: %s", archive_error_string(w->out));
    }
    return 0;
}

static int walk_zip(struct walk *w, const uint8_t *zip, size_t len)
{
    struct archive *in = archive_read_new();
    (void)archive_read_support_format_zip(in);
    int rc = 0;
    if (len == 0 || archive_read_open_memory(in, zip, len) != ARCHIVE_OK) {
        rc = fail_msg(w, -EBADMSG, "%s", CODE_MSG_CORRUPT);
    }
    struct archive_entry *e;
    while (rc == 0) {
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r < ARCHIVE_WARN) {
            rc = fail_msg(w, -EBADMSG, "%s", CODE_MSG_CORRUPT);
            break;
        }
        rc = check_entry(w, e);
        if (rc == 0 && w->out) {
            rc = write_header(w, e);
        }
        if (rc == 0) {
            rc = copy_data(w, in);
        }
        if (rc == 0 && w->out && archive_write_finish_entry(w->out) < ARCHIVE_WARN) {
            rc = fail_msg(w, -EIO, "extract: %s", archive_error_string(w->out));
        }
    }
    (void)archive_read_free(in);
    return rc;
}

int code_check(const uint8_t *zip, size_t len, const struct code_limits *limits, char *err,
               size_t errlen)
{
    if (errlen > 0) {
        err[0] = '\0';
    }
    struct walk w = {.lim = limits ? limits : &default_limits, .err = err, .errlen = errlen};
    return walk_zip(&w, zip, len);
}

/* realpath() of every extracted symlink that resolves must stay under root. */
static int check_links(struct walk *w)
{
    size_t root_len = strlen(w->root);
    for (size_t i = 0; i < w->n_links; i++) {
        char *real = realpath(w->links[i], NULL);
        bool inside = real == NULL || (strncmp(real, w->root, root_len) == 0 &&
                                       (real[root_len] == '/' || real[root_len] == '\0'));
        free(real);
        if (!inside) {
            return fail_msg(w, -EINVAL,
                            "Unsafe entry in code package: %s (symlink target leaves the package)",
                            w->links[i] + root_len + 1);
        }
    }
    return 0;
}

/* libarchive's disk writer (3.6) sets the process umask to 0 and back around every entry
 * (umask is its only way to read it): two extractions on two threads could leave it at 0 for
 * good, and a runtime spawned meanwhile would inherit it. Extractions run on libuv's thread
 * pool (api/upload.c), so they take turns here. */
static pthread_mutex_t disk_writer_lock = PTHREAD_MUTEX_INITIALIZER;

static int extract_into_locked(struct walk *w, const uint8_t *zip, size_t len);

static int extract_into(struct walk *w, const uint8_t *zip, size_t len)
{
    (void)pthread_mutex_lock(&disk_writer_lock);
    int rc = extract_into_locked(w, zip, len);
    (void)pthread_mutex_unlock(&disk_writer_lock);
    return rc;
}

static int extract_into_locked(struct walk *w, const uint8_t *zip, size_t len)
{
    w->out = archive_write_disk_new();
    (void)archive_write_disk_set_options(w->out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                                     ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                     ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    int rc = walk_zip(w, zip, len);
    if (rc == 0 && archive_write_close(w->out) != ARCHIVE_OK) {
        rc = fail_msg(w, -EIO, "extract: %s", archive_error_string(w->out));
    }
    (void)archive_write_free(w->out);
    w->out = NULL;
    if (rc == 0) {
        rc = check_links(w);
    }
    for (size_t i = 0; i < w->n_links; i++) {
        free(w->links[i]);
    }
    free(w->links);
    return rc;
}

static void digest(const uint8_t *zip, size_t len, struct code_info *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    (void)EVP_Digest(zip, len, md, &md_len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < md_len && i < 32; i++) {
        (void)snprintf(out->sha256_hex + (size_t)2 * i, 3, "%02x", md[i]);
    }
    (void)EVP_EncodeBlock((unsigned char *)out->sha256_b64, md, 32);
}

static int fs_fail(char *err, size_t errlen, const char *call, const char *path, int e)
{
    (void)snprintf(err, errlen, "%s(%s): %s", call, path, strerror(e));
    return -e;
}

/* Extracts into a fresh temporary directory under code_root and renames it to final. */
static int extract_new(const char *code_root, const char *final, const uint8_t *zip, size_t len,
                       struct walk *w, char *err, size_t errlen)
{
    char *tmp = xasprintf("%s/.tmp-XXXXXX", code_root);
    if (mkdtemp(tmp) == NULL) {
        int rc = fs_fail(err, errlen, "mkdtemp", tmp, errno);
        free(tmp);
        return rc;
    }
    w->root = tmp;
    int rc = extract_into(w, zip, len);
    if (rc == 0 && chmod(tmp, 0755) < 0) {
        rc = fs_fail(err, errlen, "chmod", tmp, errno);
    }
    if (rc == 0 && rename(tmp, final) < 0) {
        /* Another extraction of the same bytes won the race: theirs is as good as ours. */
        rc = errno == ENOTEMPTY || errno == EEXIST ? 0
                                                   : fs_fail(err, errlen, "rename", final, errno);
        (void)code_remove_tree(tmp);
    } else if (rc < 0) {
        (void)code_remove_tree(tmp);
    }
    free(tmp);
    return rc;
}

int code_keep_zip(const char *code_root, const char *sha256_hex, const uint8_t *zip, size_t len,
                  char *err, size_t errlen)
{
    char *final = xasprintf("%s/%s.zip", code_root, sha256_hex);
    struct stat st;
    if (stat(final, &st) == 0 && S_ISREG(st.st_mode)) {
        free(final);
        return 0;
    }
    /* mkstemp's unique name keeps concurrent writers (worker threads) apart */
    char *tmp = xasprintf("%s/.tmp-XXXXXX.zip", code_root);
    int rc = 0;
    int fd = mkostemps(tmp, 4, O_CLOEXEC);
    if (fd < 0) {
        rc = fs_fail(err, errlen, "mkostemps", tmp, errno);
    } else {
        const char *call = "write";
        rc = cl_write_all(fd, zip, len);
        if (rc == 0 && fchmod(fd, 0644) < 0) {
            call = "fchmod";
            rc = -errno;
        }
        if (rc == 0 && fsync(fd) < 0) { /* a crash must not leave a short file under the name */
            call = "fsync";
            rc = -errno;
        }
        if (close(fd) < 0 && rc == 0) {
            call = "close";
            rc = -errno;
        }
        if (rc == 0 && rename(tmp, final) < 0) {
            call = "rename";
            rc = -errno;
        }
        if (rc < 0) {
            (void)fs_fail(err, errlen, call, strcmp(call, "rename") == 0 ? final : tmp, -rc);
            (void)unlink(tmp);
        }
    }
    free(tmp);
    free(final);
    return rc;
}

int code_extract_mem(const char *state_dir, const uint8_t *zip, size_t len,
                     const struct code_limits *limits, struct code_info *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char *state = realpath(state_dir, NULL);
    if (state == NULL) {
        return fs_fail(err, errlen, "realpath", state_dir, errno);
    }
    char *code_root = xasprintf("%s/code", state);
    free(state);
    int rc = 0;
    if (mkdir(code_root, 0755) < 0 && errno != EEXIST) {
        rc = fs_fail(err, errlen, "mkdir", code_root, errno);
    }
    digest(zip, len, out);
    out->size = len;
    out->dir = xasprintf("%s/%s", code_root, out->sha256_hex);
    struct stat st;
    if (rc == 0 && stat(out->dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        out->is_reused = 1; /* same bytes, same tree: checked when it was first extracted */
    } else if (rc == 0) {
        struct walk w = {.lim = limits ? limits : &default_limits, .err = err, .errlen = errlen};
        rc = extract_new(code_root, out->dir, zip, len, &w, err, errlen);
        out->unzipped = w.total;
    }
    if (rc == 0) {
        rc = code_keep_zip(code_root, out->sha256_hex, zip, len, err, errlen);
    }
    free(code_root);
    if (rc < 0) {
        code_info_fini(out);
    }
    return rc;
}

int code_extract_file(const char *state_dir, const char *path, const struct code_limits *limits,
                      struct code_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fs_fail(err, errlen, "open", path, errno);
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno ? errno : EINVAL;
        (void)close(fd);
        return fs_fail(err, errlen, "fstat (a regular file)", path, e);
    }
    size_t len = (size_t)st.st_size;
    void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    (void)close(fd);
    if (len && map == MAP_FAILED) {
        return fs_fail(err, errlen, "mmap", path, errno);
    }
    static const uint8_t empty[1];
    int rc = code_extract_mem(state_dir, len ? map : empty, len, limits, out, err, errlen);
    if (len) {
        (void)munmap(map, len);
    }
    return rc;
}

void code_info_fini(struct code_info *ci)
{
    if (ci == NULL) {
        return;
    }
    free(ci->dir);
    memset(ci, 0, sizeof(*ci));
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? errno : 0;
}

int code_remove_tree(const char *dir)
{
    int rc = nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS);
    return rc > 0 ? -rc : (rc < 0 ? -errno : 0);
}
