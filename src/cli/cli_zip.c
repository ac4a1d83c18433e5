/* SPDX-License-Identifier: MIT */
/* Lambda zips; see cli_zip.h. */
#include "cli_zip.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies fd into the archive's current entry. 0 or -errno. */
static int copy_data(struct archive *a, int fd)
{
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (archive_write_data(a, buf, (size_t)n) != n) {
            return -EIO;
        }
    }
    return 0;
}

int cli_zip_write(const char *zip_path, const char *entry_name, const char *file_path, char *err,
                  size_t errlen)
{
    char tmp[4096];
    (void)snprintf(tmp, sizeof(tmp), "%s.tmp", zip_path);
    int fd = open(file_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        (void)snprintf(err, errlen, "open(%s): %s", file_path, strerror(errno));
        if (fd >= 0) {
            (void)close(fd);
        }
        return -1;
    }
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    int rc = -1;
    if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
        (void)snprintf(err, errlen, "archive_write_open(%s): %s", tmp, archive_error_string(a));
        goto fail;
    }
    archive_entry_set_pathname(e, entry_name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_size(e, st.st_size);
    archive_entry_set_mtime(e, st.st_mtime, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK) {
        (void)snprintf(err, errlen, "archive_write_header(%s): %s", entry_name,
                       archive_error_string(a));
        goto fail;
    }
    int crc = copy_data(a, fd);
    if (crc < 0) {
        (void)snprintf(err, errlen, "writing %s into %s: %s", file_path, tmp, strerror(-crc));
        goto fail;
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
        (void)snprintf(err, errlen, "archive_write_close(%s): %s", tmp, archive_error_string(a));
        goto fail;
    }
    if (rename(tmp, zip_path) < 0) {
        (void)snprintf(err, errlen, "rename(%s, %s): %s", tmp, zip_path, strerror(errno));
        goto fail;
    }
    rc = 0;
fail:
    archive_entry_free(e);
    (void)archive_write_free(a);
    (void)close(fd);
    if (rc < 0) {
        (void)unlink(tmp);
    }
    return rc;
}
