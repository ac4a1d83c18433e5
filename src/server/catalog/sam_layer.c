/* SPDX-License-Identifier: MIT */
/* SAM templates: a function's Layers. Each entry must name a layer version of the template
 * (AWS::Serverless::LayerVersion with ContentUri, a local directory or zip; !Ref L gives its
 * ARN); the function's layers document gets each one's absolute ContentUri as "Content", which
 * registry_prepare_code turns into the merged /opt when the state directory exists. Layers
 * published elsewhere (an ARN of no layer of the template) are refused by name. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/sam_read.h"

/* AWS's limit of layers per function. */
#define SAM_MAX_LAYERS 5

/* The logical id of the layer version of the template whose Ref is arn, or NULL. */
static const char *layer_of(struct sam_reader *rd, const char *arn)
{
    const char *id;
    json_t *res;
    json_object_foreach(json_object_get(rd->doc.root, "Resources"), id, res)
    {
        const char *type = json_string_value(json_object_get(res, "Type"));
        if (type == NULL || strcmp(type, "AWS::Serverless::LayerVersion") != 0) {
            continue;
        }
        char *name = NULL;
        if (sam_physical_name(&rd->ev, id, &name) < 0) {
            continue;
        }
        char *its =
            xasprintf("arn:aws:lambda:%s:%s:layer:%s:1", rd->ev.region, rd->ev.account, name);
        bool same = strcmp(its, arn) == 0;
        free(its);
        free(name);
        if (same) {
            return id;
        }
    }
    return NULL;
}

/* The absolute ContentUri of layer version id (a directory or a regular file). OUT: *out. */
static int content(struct sam_reader *rd, const char *id, char **out)
{
    char path[SAM_PATH_MAX];
    (void)snprintf(path, sizeof(path), "Resources.%.200s.Properties", id);
    json_t *props = json_object_get(json_object_get(json_object_get(rd->doc.root, "Resources"), id),
                                    "Properties");
    json_t *uri = NULL;
    int rc = sam_get(rd, props, "ContentUri", path, &uri);
    const char *c = json_string_value(uri);
    if (rc < 0 || c == NULL) {
        rc = rc < 0 ? rc
                    : sam_fail(rd, uri ? json_object_get(props, "ContentUri") : props, path,
                               "ContentUri must be a local directory or zip");
        json_decref(uri);
        return rc;
    }
    char *joined = c[0] == '/' ? xstrdup(c) : xasprintf("%s/%s", rd->base_dir, c);
    char *abs = realpath(joined, NULL);
    struct stat st;
    if (abs == NULL || stat(abs, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
        rc = sam_fail(rd, json_object_get(props, "ContentUri"), path,
                      "ContentUri %s is not a directory or a zip", joined);
    }
    if (rc == 0) {
        *out = abs;
        abs = NULL;
    }
    free(abs);
    free(joined);
    json_decref(uri);
    return rc;
}

int sam_read_layers(struct sam_reader *rd, struct function_config *cfg, json_t *props,
                    const char *path)
{
    json_t *v = NULL;
    int rc = sam_get(rd, props, "Layers", path, &v);
    json_t *at = json_object_get(props, "Layers");
    if (rc < 0 || json_array_size(v) == 0) {
        json_decref(v);
        return rc;
    }
    if (json_array_size(v) > SAM_MAX_LAYERS) {
        rc = sam_fail(rd, at, path, "Layers: a function has at most %d layers", SAM_MAX_LAYERS);
    }
    json_t *doc = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(rc == 0 ? v : NULL, i, s)
    {
        const char *arn = json_string_value(s);
        const char *id = arn ? layer_of(rd, arn) : NULL;
        char *dir = NULL;
        if (id == NULL) {
            rc = sam_fail(rd, at, path,
                          "Layers: %s is not an AWS::Serverless::LayerVersion of the template "
                          "(set other layers with UpdateFunctionConfiguration)",
                          arn ? arn : "a value that is not a string");
        } else {
            rc = content(rd, id, &dir);
        }
        if (rc < 0) {
            break;
        }
        (void)json_array_append_new(
            doc, json_pack("{s:s, s:i, s:s}", "Arn", arn, "CodeSize", 0, "Content", dir));
        free(dir);
    }
    if (rc == 0) {
        free(cfg->layers);
        cfg->layers = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(doc);
    json_decref(v);
    return rc;
}
