/* SPDX-License-Identifier: MIT */
/* What the parts of the SAM template reader share (sam.c: functions and the template;
 * sam_api.c: APIs, their events and authorizers): the reader's state, property access with
 * intrinsics evaluated, Globals merging and the one error format
 * "FILE:LINE: Resources.Fn.Properties.Key: message". Internal to catalog/sam*.c. */
#ifndef CLAMBDA_SERVER_CATALOG_SAM_READ_H
#define CLAMBDA_SERVER_CATALOG_SAM_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog/sam_intrinsic.h"
#include "catalog/sam_yaml.h"

struct function_config;
struct sam_template;

/* Longest property path in messages. */
#define SAM_PATH_MAX 512

struct sam_reader {
    struct sam_doc doc;
    struct sam_eval ev;
    const char *file;     /* the template's name in messages */
    const char *base_dir; /* relative CodeUri paths start here */
    struct sam_template *t;
    int line; /* the line of the property being read (for values evaluation made) */
    char *err;
    size_t errlen;
};

/* Fills rd->err with "FILE:LINE: path: message" (LINE of at, else rd->line) and returns
 * -EINVAL. */
int sam_fail(struct sam_reader *rd, const json_t *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "path.key" into out (SAM_PATH_MAX bytes, not path): a place in the template, for
 * messages, cut when longer. */
void sam_key_path(char *out, const char *path, const char *key);

/* obj.key with intrinsics evaluated. OUT: *out (json_decref), NULL when absent or
 * AWS::NoValue. 0 or -EINVAL (rd->err names path.key and the function). */
int sam_get(struct sam_reader *rd, json_t *obj, const char *key, const char *path, json_t **out);
/* obj.key as a string (evaluated). OUT: *out (free()), NULL when absent. 0 or -EINVAL. */
int sam_get_str(struct sam_reader *rd, json_t *obj, const char *key, const char *path, char **out);
/* obj.key as an integer in [lo, hi] (evaluated). OUT: *out, unchanged when absent. 0 or
 * -EINVAL. */
int sam_get_int(struct sam_reader *rd, json_t *obj, const char *key, const char *path, long lo,
                long hi, int *out);
/* obj.key as a boolean (evaluated). OUT: *out, unchanged when absent. 0 or -EINVAL. */
int sam_get_bool(struct sam_reader *rd, json_t *obj, const char *key, const char *path, bool *out);

/* SAM's Globals rule: local over global; objects merged member by member; lists concatenated
 * (global first); intrinsic functions count as plain values. Returns a new reference (an empty
 * object when both are NULL); values keep their identity, so their lines are found. */
json_t *sam_merge(json_t *global, json_t *local);

/* CORS of an HttpApi (CorsConfiguration: true or an object) or a FunctionUrlConfig (Cors) in the
 * Function URL's member names, typed (MaxAge a number, AllowCredentials a boolean). OUT: *out
 * compact JSON (free()), NULL for false / absent. 0 or -EINVAL. */
int sam_cors_http(struct sam_reader *rd, json_t *obj, const char *key, const char *path,
                  char **out);

/* The AWS::Serverless::HttpApi and ::Api resource id (props: its Properties, path its path). */
int sam_read_api(struct sam_reader *rd, const char *id, bool is_http, json_t *props,
                 const char *path);
/* The function's Layers (layer versions of the template) into cfg->layers as
 * [{"Arn", "CodeSize": 0, "Content": absolute ContentUri}], for registry_prepare_code. */
int sam_read_layers(struct sam_reader *rd, struct function_config *cfg, json_t *props,
                    const char *path);
/* The Api / HttpApi event ev (at path) of function fn: a route, on the API it names or the
 * implicit one. */
int sam_read_event(struct sam_reader *rd, const char *fn, json_t *ev, bool is_http,
                   const char *path);

#endif /* CLAMBDA_SERVER_CATALOG_SAM_READ_H */
