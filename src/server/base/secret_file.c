/* SPDX-License-Identifier: MIT */
/* Files of secrets; see secret_file.h. */
#include "base/secret_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/xalloc.h"

int secret_file_read(const char *path, size_t max, char **text, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "re");
    struct stat st;
    *text = NULL;
    *len = 0;
    if (f == NULL || fstat(fileno(f), &st) < 0) {
        int e = errno;
        (void)snprintf(err, errlen, "open(%s): %s", path, strerror(e));
        if (f) {
            (void)fclose(f);
        }
        return -e;
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        (void)fclose(f);
        (void)snprintf(err, errlen, "%s: not a regular file of at most %zu MB", path, max >> 20);
        return -EINVAL;
    }
    if (st.st_mode & 077) {
        log_warn("%s is readable by other users (chmod 600 it)", path);
    }
    char *t = xcalloc(1, (size_t)st.st_size + 1);
    size_t n = fread(t, 1, (size_t)st.st_size, f);
    (void)fclose(f);
    t[n] = '\0';
    *text = t;
    *len = n;
    return 0;
}

void secret_file_free(char *text, size_t len)
{
    if (text == NULL) {
        return;
    }
    explicit_bzero(text, len);
    free(text);
}
