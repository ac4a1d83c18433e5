/* SPDX-License-Identifier: MIT */
/* `--manifest FILE`; see manifest.h. Every setting goes through func_config_parse/_set, so the
 * manifest accepts exactly what the command line accepts, with the same limits. */
#include "catalog/manifest.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/func.h"
#include "base/xalloc.h"

/* Largest manifest read (a thousand functions fit easily). */
#define MANIFEST_MAX_BYTES ((off_t)4 * 1024 * 1024)

/* The directory part of path ("." when none). Caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        return xstrdup(".");
    }
    return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* A JSON scalar as --set value text: strings as they are, integers in decimal. */
static char *scalar_text(const json_t *v)
{
    if (json_is_string(v)) {
        return xstrdup(json_string_value(v));
    }
    if (json_is_integer(v)) {
        return xasprintf("%lld", (long long)json_integer_value(v));
    }
    return NULL;
}

static int apply_environment(struct function_config *cfg, const char *where, json_t *env, char *err,
                             size_t errlen)
{
    if (!json_is_object(env)) {
        (void)snprintf(err, errlen, "%s.environment: expected an object of strings", where);
        return -EINVAL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v)
    {
        if (!json_is_string(v)) {
            (void)snprintf(err, errlen, "%s.environment.%s: expected a string", where, k);
            return -EINVAL;
        }
        char *setting = xasprintf("env.%s=%s", k, json_string_value(v));
        char msg[512];
        int rc = func_config_set(cfg, setting, msg, sizeof(msg));
        free(setting);
        if (rc < 0) {
            (void)snprintf(err, errlen, "%s.environment.%s: invalid variable name", where, k);
            return rc;
        }
    }
    return 0;
}

static int apply_settings(struct function_config *cfg, const char *where, json_t *obj, char *err,
                          size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, "code") == 0) {
            continue;
        }
        if (strcmp(k, "environment") == 0) {
            int rc = apply_environment(cfg, where, v, err, errlen);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        char *text = scalar_text(v);
        if (text == NULL) {
            (void)snprintf(err, errlen, "%s.%s: expected a string or an integer", where, k);
            return -EINVAL;
        }
        char *setting = xasprintf("%s=%s", k, text);
        char msg[512];
        int rc = func_config_set(cfg, setting, msg, sizeof(msg));
        if (rc < 0) {
            (void)snprintf(err, errlen, "%s.%s: invalid value %s (%s)", where, k, text, msg);
        }
        free(setting);
        free(text);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* One "functions" entry into cfg. */
static int load_function(const char *dir, const char *path, const char *name, json_t *obj,
                         struct function_config *cfg, char *err, size_t errlen)
{
    char where[160];
    (void)snprintf(where, sizeof(where), "%s: functions.%s", path, name);
    json_t *code = json_object_get(obj, "code");
    if (!json_is_object(obj) || !json_is_string(code) || json_string_length(code) == 0) {
        (void)snprintf(err, errlen, "%s: expected an object with a \"code\" path", where);
        return -EINVAL;
    }
    const char *c = json_string_value(code);
    char *spec = c[0] == '/' ? xasprintf("%s=%s", name, c) : xasprintf("%s=%s/%s", name, dir, c);
    char msg[768];
    int rc = func_config_parse(cfg, spec, msg, sizeof(msg));
    free(spec);
    if (rc < 0) {
        (void)snprintf(err, errlen, "%s.code: %s", where, msg);
        return rc;
    }
    rc = apply_settings(cfg, where, obj, err, errlen);
    if (rc < 0) {
        func_config_fini(cfg);
    }
    return rc;
}

static int load_functions(const char *path, json_t *fns_obj, struct function_config **fns,
                          size_t *n_fns, char *err, size_t errlen)
{
    char *dir = dir_of(path);
    size_t n = 0;
    struct function_config *arr = xcalloc(json_object_size(fns_obj) + 1, sizeof(*arr));
    const char *name;
    json_t *obj;
    int rc = 0;
    json_object_foreach(fns_obj, name, obj)
    {
        rc = load_function(dir, path, name, obj, &arr[n], err, errlen);
        if (rc < 0) {
            break;
        }
        n++;
    }
    free(dir);
    if (rc < 0) {
        manifest_free(arr, n);
        return rc;
    }
    *fns = arr;
    *n_fns = n;
    return 0;
}

int manifest_load(const char *path, struct function_config **fns, size_t *n_fns, char *err,
                  size_t errlen)
{
    json_error_t jerr;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        int rc = -errno;
        (void)snprintf(err, errlen, "manifest %s: %s", path, strerror(errno));
        return rc;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size > MANIFEST_MAX_BYTES) {
        (void)fclose(f);
        (void)snprintf(err, errlen, "manifest %s: larger than 4 MiB", path);
        return -E2BIG;
    }
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    (void)fclose(f);
    if (root == NULL) {
        (void)snprintf(err, errlen, "manifest %s: line %d: %s", path, jerr.line, jerr.text);
        return -EINVAL;
    }
    json_t *fns_obj = json_object_get(root, "functions");
    int rc = -EINVAL;
    if (!json_is_object(fns_obj) || json_object_size(root) != 1) {
        (void)snprintf(err, errlen,
                       "manifest %s: expected {\"functions\": {NAME: {\"code\": PATH, ...}}}",
                       path);
    } else {
        rc = load_functions(path, fns_obj, fns, n_fns, err, errlen);
    }
    json_decref(root);
    return rc;
}

void manifest_free(struct function_config *fns, size_t n_fns)
{
    if (fns == NULL) {
        return;
    }
    for (size_t i = 0; i < n_fns; i++) {
        func_config_fini(&fns[i]);
    }
    free(fns);
}
