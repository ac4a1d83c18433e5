/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the code-package checker and extractor (src/server/code.c) on arbitrary
 * bytes. code_check must agree with code_extract_mem on whether the bytes are acceptable (up to
 * symlink chains, which only extraction can see), and an accepted package must land entirely
 * inside its content-addressed directory: after extraction, nothing else appears in the state
 * directory but that directory and the kept zip beside it (code/<sha256hex>.zip). Limits are
 * lowered so that bombs are cheap to find. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *state_dir;

/* Entries of dir other than "." and "..". */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL) {
        return 0;
    }
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    }
    (void)closedir(d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (state_dir == NULL) {
        static char tmpl[] = "/tmp/clambda-fuzz-code-XXXXXX";
        state_dir = mkdtemp(tmpl);
        if (state_dir == NULL) {
            abort();
        }
    }
    const struct code_limits lim = {1u << 20, 64};
    char err[256];
    int checked = code_check(data, size, &lim, err, sizeof(err));
    struct code_info ci;
    int rc = code_extract_mem(state_dir, data, size, &lim, &ci, err, sizeof(err));
    if (checked < 0 && rc == 0) {
        abort(); /* extraction accepted what the checker refused */
    }
    if (checked == 0 && rc < 0 && rc != -EINVAL && rc != -EIO) {
        abort(); /* only symlink chains and disk-level refusals are extraction-only */
    }
    char code_root[512];
    (void)snprintf(code_root, sizeof(code_root), "%s/code", state_dir);
    if (rc == 0) {
        char zip_path[600];
        (void)snprintf(zip_path, sizeof(zip_path), "%s.zip", ci.dir);
        if (count_entries(code_root) != 2 || count_entries(state_dir) != 1 ||
            unlink(zip_path) < 0) {
            abort(); /* something was written outside the package's directory and its zip */
        }
        (void)code_remove_tree(ci.dir);
        code_info_fini(&ci);
    } else if (count_entries(code_root) != 0) {
        abort(); /* a failed extraction left files behind */
    }
    return 0;
}
