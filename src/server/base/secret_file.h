/* SPDX-License-Identifier: MIT */
/* Reading a small file of secrets (--credentials, --role-credentials): a regular file of at
 * most max bytes (whole MB), read whole; a warning when other users may read it; the text wiped
 * when freed. */
#ifndef CLAMBDA_SERVER_BASE_SECRET_FILE_H
#define CLAMBDA_SERVER_BASE_SECRET_FILE_H

#include <stddef.h>

/* Reads path. OUT: *text (NUL-ended; secret_file_free), *len. 0, or a negative errno with a
 * message naming path in err (errlen bytes). */
int secret_file_read(const char *path, size_t max, char **text, size_t *len, char *err,
                     size_t errlen);
/* Wipes text[0..len) and frees it. NULL is a no-op. */
void secret_file_free(char *text, size_t len);

#endif /* CLAMBDA_SERVER_BASE_SECRET_FILE_H */
