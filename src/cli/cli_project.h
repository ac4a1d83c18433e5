/* SPDX-License-Identifier: MIT */
/* A function project as `clambda new` makes it: C sources in src/, its name from
 * CMakeLists.txt's project(NAME) (else the directory's name), an extension when the Makefile
 * says CLAMBDA_KIND = extension. `clambda build` writes into target/lambda/NAME/ and records
 * what it built in target/lambda/NAME/.clambda-build ("key=value" lines: arch, kind, cc,
 * flags), which `clambda deploy` reads for the default architecture. */
#ifndef CLAMBDA_CLI_CLI_PROJECT_H
#define CLAMBDA_CLI_CLI_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

/* A project found on disk. */
struct cli_project {
    char dir[2048]; /* the project directory, as given or "." */
    char name[128]; /* the function's (or extension's) name */
    char out[2400]; /* dir/target/lambda/name */
    bool is_extension;
};

/* Finds the project in dir (NULL: the current directory). OUT: *p. 0, or -ENOENT with what
 * to do in err (errlen bytes) when dir has no src/ with C sources. */
int cli_project_find(const char *dir, struct cli_project *p, char *err, size_t errlen);

/* Reads key's value from the build record of p into out (cap bytes). true when found. */
bool cli_project_record_get(const struct cli_project *p, const char *key, char *out, size_t cap);

#endif /* CLAMBDA_CLI_CLI_PROJECT_H */
