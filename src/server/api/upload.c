/* SPDX-License-Identifier: MIT */
/* Parsing and extracting code uploads off the loop; see upload.h. */
#include "api/upload.h"

#include <errno.h>
#include <string.h>

#include "cl_b64.h"
#include "cl_buf.h"
#include "state/code_ref.h"

/* Largest zip accepted inline (AWS: 50 MB zipped). */
#define UPLOAD_ZIP_MAX ((size_t)50 * 1024 * 1024)

static void refuse(struct upload *up, int status, const char *type, const char *message)
{
    err_fini(&up->err);
    up->refused = true;
    (void)err_set(&up->err, status, type, "%s", message);
}

/* The object holding the package's members, and the prefix of their names in
 * ValidationException messages. */
static json_t *code_object(enum upload_kind kind, json_t *body, const char **prefix)
{
    switch (kind) {
    case UPLOAD_FUNCTION:
        *prefix = "code.";
        return json_object_get(body, "Code");
    case UPLOAD_LAYER:
        *prefix = "content.";
        return json_object_get(body, "Content");
    case UPLOAD_CODE:
    default:
        *prefix = "";
        return body;
    }
}

/* Decodes the base64 zip zip64 (a JSON string) into zip. 0, or -errno after refusing. */
static int decode_zip64(json_t *zip64, struct cl_buf *zip, struct upload *up)
{
    const char *s = json_string_value(zip64);
    int rc = s ? cl_b64_decode(zip, (const uint8_t *)s, strlen(s)) : -EINVAL;
    if (rc == -E2BIG) {
        refuse(up, 413, "RequestEntityTooLargeException",
               "Zipped size must be smaller than 52428800 bytes");
    } else if (rc < 0) {
        refuse(up, 400, "InvalidParameterValueException", "The ZipFile is not valid base64.");
    }
    return rc;
}

/* Reads the object S3Bucket/S3Key[/S3ObjectVersion] of code from bucket_dir (code_ref.h) into
 * zip. 0, or -errno after refusing. */
static int read_s3_ref(json_t *code, const char *prefix, const char *bucket_dir, struct cl_buf *zip,
                       struct upload *up)
{
    json_t *bucket = json_object_get(code, "S3Bucket");
    json_t *key = json_object_get(code, "S3Key");
    json_t *version = json_object_get(code, "S3ObjectVersion");
    if (!json_is_string(bucket) || !json_is_string(key) ||
        (version != NULL && !json_is_string(version))) {
        refuse(up, 400, "InvalidParameterValueException",
               "The code needs ZipFile (a base64 zip), or S3Bucket and S3Key (an object in "
               "clambda's bucket directory, --code-bucket-dir).");
        return -EINVAL;
    }
    if (bucket_dir == NULL) {
        refuse(up, 400, "InvalidParameterValueException",
               "This server has no bucket directory (--code-bucket-dir).");
        return -EINVAL;
    }
    struct code_ref ref = {json_string_value(bucket),
                           json_string_length(bucket),
                           json_string_value(key),
                           json_string_length(key),
                           json_string_value(version),
                           json_string_length(version),
                           prefix};
    struct err err = {0};
    int rc = code_ref_read(bucket_dir, &ref, CODE_REF_MAX_BYTES, zip, &err);
    if (rc < 0) {
        refuse(up, err.status, err.type, err.message);
    }
    err_fini(&err);
    return rc;
}

/* The zip bytes code names: ZipFile (base64) or S3Bucket/S3Key; ImageUri is refused. OUT:
 * *zip (initialised here; cl_buf_fini). 0, or -errno after refusing. */
static int code_bytes(json_t *code, const char *prefix, const char *bucket_dir, struct cl_buf *zip,
                      struct upload *up)
{
    json_t *zip64 = json_object_get(code, "ZipFile");
    cl_buf_init(zip, UPLOAD_ZIP_MAX);
    if (json_object_get(code, "ImageUri") != NULL) {
        refuse(up, 400, "InvalidParameterValueException",
               "clambda runs zip packages only: ImageUri (a container image) is not supported. "
               "Give ZipFile, or S3Bucket and S3Key.");
        return -EINVAL;
    }
    if (zip64 != NULL && (json_object_get(code, "S3Bucket") || json_object_get(code, "S3Key") ||
                          json_object_get(code, "S3ObjectVersion"))) {
        refuse(up, 400, "InvalidParameterValueException",
               "Give the code either as ZipFile or as S3Bucket and S3Key, not both.");
        return -EINVAL;
    }
    return zip64 != NULL ? decode_zip64(zip64, zip, up)
                         : read_s3_ref(code, prefix, bucket_dir, zip, up);
}

/* Reads the package code names and extracts it under state_dir. */
static void extract_code(json_t *code, const char *prefix, const char *state_dir,
                         const char *bucket_dir, struct upload *up)
{
    struct cl_buf zip;
    if (code_bytes(code, prefix, bucket_dir, &zip, up) == 0) {
        char err[512];
        int rc = code_extract_mem(state_dir, zip.data, zip.len, NULL, &up->ci, err, sizeof(err));
        if (rc < 0) {
            refuse(up, 400, "InvalidParameterValueException",
                   rc == -EBADMSG ? CODE_MSG_CORRUPT : err);
        }
    }
    cl_buf_fini(&zip);
}

void upload_prepare(enum upload_kind kind, const uint8_t *body, size_t len, const char *state_dir,
                    const char *bucket_dir, struct upload *up)
{
    memset(up, 0, sizeof(*up));
    up->empty = len == 0;
    if (len) {
        json_error_t jerr;
        up->body = json_loadb((const char *)body, len, 0, &jerr);
        if (!json_is_object(up->body)) {
            json_decref(up->body);
            up->body = NULL;
        }
    }
    const char *prefix = NULL;
    json_t *code = code_object(kind, up->body, &prefix);
    if (up->body == NULL) {
        refuse(up, 400, "InvalidRequestContentException",
               "Could not parse request body into json.");
    } else {
        extract_code(code, prefix, state_dir, bucket_dir, up);
    }
}

void upload_fini(struct upload *up)
{
    if (up) {
        json_decref(up->body);
        up->body = NULL;
        code_info_fini(&up->ci);
        err_fini(&up->err);
    }
}

int upload_take_code(struct upload *up, struct code_info *ci, struct err *err)
{
    if (up == NULL) { /* not an upload operation: cannot happen with the route table */
        return err_set(err, 500, "ServiceException", "The request carries no code.");
    }
    if (up->refused) {
        return err_set(err, up->err.status, up->err.type, "%s", up->err.message);
    }
    *ci = up->ci;
    memset(&up->ci, 0, sizeof(up->ci));
    return 0;
}
