/* SPDX-License-Identifier: MIT */
/* Parsing and extracting code uploads off the loop; see api_upload.h. */
#include "api_upload.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api_control.h"
#include "cl_b64.h"
#include "cl_buf.h"

/* Largest zip accepted inline (AWS: 50 MB zipped). */
#define UPLOAD_ZIP_MAX ((size_t)50 * 1024 * 1024)

static void refuse(struct api_upload *up, int status, const char *type, const char *message)
{
    up->status = status;
    up->type = type;
    (void)snprintf(up->message, sizeof(up->message), "%s", message);
}

/* The object holding the package's members, and the name of its ZipFile member. */
static json_t *code_object(enum api_upload_kind kind, json_t *body, const char **member)
{
    switch (kind) {
    case API_UPLOAD_FUNCTION:
        *member = "Code.ZipFile";
        return json_object_get(body, "Code");
    case API_UPLOAD_LAYER:
        *member = "Content.ZipFile";
        return json_object_get(body, "Content");
    case API_UPLOAD_CODE:
    default:
        *member = "ZipFile";
        return body;
    }
}

/* Decodes and extracts the base64 zip zip64. */
static void extract_zip64(const char *zip64, const char *state_dir, struct api_upload *up)
{
    struct cl_buf zip;
    cl_buf_init(&zip, UPLOAD_ZIP_MAX);
    int rc = cl_b64_decode(&zip, (const uint8_t *)zip64, strlen(zip64));
    if (rc == -E2BIG) {
        refuse(up, 413, "RequestEntityTooLargeException",
               "Zipped size must be smaller than 52428800 bytes");
    } else if (rc < 0) {
        refuse(up, 400, "InvalidParameterValueException", "The ZipFile is not valid base64.");
    } else {
        char err[512];
        rc = code_extract_mem(state_dir, zip.data, zip.len, NULL, &up->ci, err, sizeof(err));
        if (rc < 0) {
            refuse(up, 400, "InvalidParameterValueException",
                   rc == -EBADMSG ? CODE_MSG_CORRUPT : err);
        }
    }
    cl_buf_fini(&zip);
}

void api_upload_prepare(enum api_upload_kind kind, const uint8_t *body, size_t len,
                        const char *state_dir, struct api_upload *up)
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
    const char *member = NULL;
    json_t *code = code_object(kind, up->body, &member);
    const char *zip64 = json_string_value(json_object_get(code, "ZipFile"));
    if (up->body == NULL) {
        refuse(up, 400, "InvalidRequestContentException",
               "Could not parse request body into json.");
    } else if (zip64 == NULL) {
        char m[160];
        (void)snprintf(m, sizeof(m),
                       "clambda accepts the code as %s only (no S3Bucket/S3Key or ImageUri).",
                       member);
        refuse(up, 400, "InvalidParameterValueException", m);
    } else {
        extract_zip64(zip64, state_dir, up);
    }
}

void api_upload_fini(struct api_upload *up)
{
    if (up) {
        json_decref(up->body);
        up->body = NULL;
        code_info_fini(&up->ci);
    }
}

bool api_upload_take_code(struct api_call *call, struct code_info *ci)
{
    struct api_upload *up = call->upload;
    if (up == NULL) { /* not an upload operation: cannot happen with the route table */
        api_control_error(call, 500, "ServiceException", "The request carries no code.");
        return false;
    }
    if (up->status) {
        api_control_error(call, up->status, up->type, up->message);
        return false;
    }
    *ci = up->ci;
    memset(&up->ci, 0, sizeof(up->ci));
    return true;
}
