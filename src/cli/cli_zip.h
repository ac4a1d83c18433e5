/* SPDX-License-Identifier: MIT */
/* Writes a deployable Lambda zip with libarchive: regular-file entries with mode 0755 (AWS runs
 * bootstrap and extensions/<name> as given: a zip without the execute bit fails with
 * Runtime.InvalidEntrypoint / permission denied). Written to PATH.tmp, then renamed. */
#ifndef CLAMBDA_CLI_CLI_ZIP_H
#define CLAMBDA_CLI_CLI_ZIP_H

#include <stddef.h>

/* Writes zip_path with one entry, entry_name ("bootstrap", "extensions/x"), holding the
 * contents of file_path, mode 0755 and file_path's mtime. 0, or -1 with the failing call in
 * err (errlen bytes). */
int cli_zip_write(const char *zip_path, const char *entry_name, const char *file_path, char *err,
                  size_t errlen);

#endif /* CLAMBDA_CLI_CLI_ZIP_H */
