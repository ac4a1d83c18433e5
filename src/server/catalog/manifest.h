/* SPDX-License-Identifier: MIT */
/* The `--manifest FILE` of `clambda serve`: a JSON file naming functions and their settings,
 *
 *   {"functions": {"hello": {"code": "build/examples/hello", "memory": 256,
 *                            "environment": {"GREETING": "hi"}}}}
 *
 * `code` (required) is a directory holding bootstrap or a zip, relative to the manifest's
 * directory; `environment` maps variable names to strings; every other key is a `--set` key
 * (func_config_set: timeout, memory, reserved, provisioned, ...) with a number or string
 * value. Read at start and again on SIGHUP. */
#ifndef CLAMBDA_SERVER_MANIFEST_H
#define CLAMBDA_SERVER_MANIFEST_H

#include <stddef.h>

#include "base/func.h"

/* Reads and validates path. OUT: *fns (an array of *n_fns configurations, each owned: free
 * with manifest_free). 0, or -errno / -EINVAL with a message naming the file and the key in
 * err (errlen bytes); then nothing is returned. */
int manifest_load(const char *path, struct function_config **fns, size_t *n_fns, char *err,
                  size_t errlen);
/* Frees an array from manifest_load. NULL is a no-op. */
void manifest_free(struct function_config *fns, size_t n_fns);

#endif /* CLAMBDA_SERVER_MANIFEST_H */
