/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the SAM template reader (src/server/catalog/sam*.c): any text, YAML or
 * not, with any intrinsic functions, Globals, APIs and events, is read or refused with a
 * message that names a line, never read out of bounds, leaked, or looped on (circular Refs
 * and Conditions end at a depth cap, alias bombs at a node cap). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/sam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sam_template t;
    char err[1024] = "";
    /* CodeUri "." and "tmp" (under /) exist, so functions get read through */
    int rc = sam_parse((const char *)data, size, "/", NULL, &t, err, sizeof(err));
    if (rc < 0 && strncmp(err, "template.yaml:", 14) != 0) {
        abort(); /* every refusal names the file and a line */
    }
    for (size_t i = 0; rc == 0 && i < t.n_routes; i++) {
        if (t.routes[i].api >= t.n_apis) {
            abort();
        }
    }
    sam_fini(&t);
    return 0;
}
