/* SPDX-License-Identifier: MIT */
/* libFuzzer target for src/server/code_url.c: code_url_verify parses an untrusted request
 * target (the download route needs no SigV4). Input: the target. Properties: no crash; only a
 * well-formed path can verify, and a success names that path's package; a URL made for the
 * package the input names (when it names one) verifies, so the parser and the maker agree. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "state/code_url.h"

#define NOW ((int64_t)1800000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct code_url_key key = {{7}};
    char *target = malloc(size + 1);
    if (target == NULL) {
        abort();
    }
    memcpy(target, data, size);
    target[size] = '\0';
    char hex[65];
    if (code_url_verify(&key, target, NOW, hex) == 0 &&
        strncmp(target + strlen(CODE_URL_PREFIX), hex, 64) != 0) {
        abort(); /* a success must name the package of the path */
    }
    if (code_url_verify(&key, target, NOW, hex) != -ENOENT && strlen(target) >= 14 + 64 + 4) {
        char name[65];
        memcpy(name, target + strlen(CODE_URL_PREFIX), 64);
        name[64] = '\0';
        char *url = code_url_make(&key, "h", name, NOW);
        if (code_url_verify(&key, url + strlen("http://h"), NOW, hex) != 0) {
            abort(); /* what code_url_make signs, code_url_verify accepts */
        }
        free(url);
    }
    free(target);
    return 0;
}
