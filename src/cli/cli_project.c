/* SPDX-License-Identifier: MIT */
/* Function projects; see cli_project.h. */
#include "cli_project.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_c_sources(const char *dir)
{
    char path[4096];
    (void)snprintf(path, sizeof(path), "%s/src", dir);
    DIR *d = opendir(path);
    bool found = false;
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        found = n > 2 && strcmp(e->d_name + n - 2, ".c") == 0;
    }
    if (d) {
        (void)closedir(d);
    }
    return found;
}

/* Reads "project(NAME" from dir/CMakeLists.txt into name. */
static bool cmake_name(const char *dir, char *name, size_t cap)
{
    char path[4096], line[1024];
    (void)snprintf(path, sizeof(path), "%s/CMakeLists.txt", dir);
    FILE *f = fopen(path, "re");
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " \t");
        if (strncmp(p, "project(", 8) == 0) {
            p += 8 + strspn(p + 8, " \t");
            size_t n = strcspn(p, " \t)\r\n");
            found = n > 0 && n < cap;
            if (found) {
                memcpy(name, p, n);
                name[n] = '\0';
            }
        }
    }
    if (f) {
        (void)fclose(f);
    }
    return found;
}

static bool makefile_says_extension(const char *dir)
{
    char path[4096], line[1024];
    (void)snprintf(path, sizeof(path), "%s/Makefile", dir);
    FILE *f = fopen(path, "re");
    bool is_ext = false;
    while (f && !is_ext && fgets(line, sizeof(line), f)) {
        is_ext = strncmp(line, "CLAMBDA_KIND = extension", 24) == 0;
    }
    if (f) {
        (void)fclose(f);
    }
    return is_ext;
}

int cli_project_find(const char *dir, struct cli_project *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    (void)snprintf(p->dir, sizeof(p->dir), "%s", dir ? dir : ".");
    if (!has_c_sources(p->dir)) {
        (void)snprintf(err, errlen,
                       "no src/*.c in %s: run this in a project made by `clambda new NAME` "
                       "(or pass --project DIR)",
                       p->dir);
        return -ENOENT;
    }
    if (!cmake_name(p->dir, p->name, sizeof(p->name))) {
        char real[PATH_MAX];
        const char *base = realpath(p->dir, real) ? strrchr(real, '/') : NULL;
        (void)snprintf(p->name, sizeof(p->name), "%s", base && base[1] ? base + 1 : "function");
    }
    p->is_extension = makefile_says_extension(p->dir);
    (void)snprintf(p->out, sizeof(p->out), "%s/target/lambda/%s", p->dir, p->name);
    return 0;
}

bool cli_project_record_get(const struct cli_project *p, const char *key, char *out, size_t cap)
{
    char path[4096], line[4096];
    (void)snprintf(path, sizeof(path), "%s/.clambda-build", p->out);
    FILE *f = fopen(path, "re");
    size_t klen = strlen(key);
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            line[strcspn(line, "\n")] = '\0';
            found = strlen(line + klen + 1) < cap;
            if (found) {
                (void)snprintf(out, cap, "%s", line + klen + 1);
            }
        }
    }
    if (f) {
        (void)fclose(f);
    }
    return found;
}
