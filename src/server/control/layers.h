/* SPDX-License-Identifier: MIT */
/* Lambda layers on the function store (store_layer_*): PublishLayerVersion (Content.ZipFile
 * or S3Bucket/S3Key; extracted like function code into <state-dir>/code/<sha256hex>, whose file://
 * URL is the stored Content.Location; answers give the zip's download URL, control/download.h),
 * GetLayerVersion, GetLayerVersionByArn, ListLayers, ListLayerVersions
 * (filters CompatibleRuntime / CompatibleArchitecture, pages of at most 50 with NextMarker) and
 * DeleteLayerVersion (204 even when the version does not exist, as AWS). Version numbers are
 * never reused. Layer permissions are not implemented (docs/api.md). */
#ifndef CLAMBDA_SERVER_API_LAYERS_H
#define CLAMBDA_SERVER_API_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/call.h"

/* "name" or "arn:...:layer:name" into out (141 bytes). False when invalid. */
bool layers_parse_name(const char *id, char out[141]);
/* "arn:...:layer:name:version" into name (141 bytes) and *version. False when invalid. */
bool layers_parse_version_arn(const char *arn, char name[141], int64_t *version);
/* The stored document of a layer version (a new reference), or NULL when there is none. */
json_t *layers_get_doc(struct store *st, const char *name, int64_t version);

/* AWS's limit on a function's layers. */
#define LAYERS_MAX 5

/* Resolves a function's Layers member (NULL or [] : none) into the configuration's fields:
 * every ARN must name a stored layer version (at most 5); their directories are merged in
 * order (optdir_merge). OUT: *layers_json ([{Arn, CodeSize}]) and *opt_dir (free(); NULL when
 * there are no layers). False after answering the error. */
bool layers_resolve(struct call *call, json_t *layers, char **layers_json, char **opt_dir);

/* Operation handlers (front/routes.c's route table). */
void layers_publish(struct call *call);
void layers_get_version(struct call *call);
void layers_get_by_arn(struct call *call);
void layers_list(struct call *call);
void layers_list_versions(struct call *call);
void layers_delete_version(struct call *call);

#endif /* CLAMBDA_SERVER_API_LAYERS_H */
