/* SPDX-License-Identifier: MIT */
/* A function's /opt: its layers' extracted directories merged in order into one directory,
 * <state-dir>/opt/<sha256hex of the layer directories>/, prepared once per combination and
 * reused (later layers overwrite earlier files, as AWS). Built in a temporary directory and
 * renamed into place; blocks on disk I/O proportional to the layers. */
#ifndef CLAMBDA_SERVER_OPTDIR_H
#define CLAMBDA_SERVER_OPTDIR_H

#include <stddef.h>

/* Merges dirs[0..n) (absolute, trees made by code.c) into the directory. OUT: *out (free()).
 * 0 or -errno with err (errlen bytes) naming the call and path. */
int optdir_merge(const char *state_dir, const char *const *dirs, size_t n, char **out, char *err,
                 size_t errlen);

/* As optdir_merge, for directories that may change between starts (a SAM template's layer
 * ContentUri): the key also covers every entry's path, size, mode and modification time, so an
 * edited layer gets a new merged directory instead of the one an earlier start made. */
int optdir_merge_live(const char *state_dir, const char *const *dirs, size_t n, char **out,
                      char *err, size_t errlen);

#endif /* CLAMBDA_SERVER_OPTDIR_H */
