/* SPDX-License-Identifier: MIT */
/* The bottom of the public listener, shared by every handler: the context the handlers run in
 * (struct call_ctx), one request being answered (struct call), its JSON body and members, its
 * uploaded code, and the answers in AWS's shapes (awserr.h for the error body itself,
 * validate_err.h for the errors found before answering). The route table (front/routes.h) fills
 * a struct call and hands it to a handler of control/ or answers it itself. */
#ifndef CLAMBDA_SERVER_API_CALL_H
#define CLAMBDA_SERVER_API_CALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "base/validate_err.h"
#include "catalog/catalog.h"
#include "http/httpd.h"
#include "http/url.h"
#include "state/code_url.h"

struct creds;
struct invoke;
struct logs_api;
struct metrics;
struct pool;
struct aliases;
struct functions;
struct upload;
struct store;
struct code_info;
struct funcurl_cache;

/* The public listener's context. Borrowed pointers except fns and aliases. */
struct call_ctx {
    struct invoke *invoke; /* Invoke requests are handed to it */
    struct pool *pool;
    const char *region;
    const char *account;       /* account id in ARNs when auth is off */
    const struct creds *creds; /* NULL: no authentication (--auth none) */
    int max_concurrency;       /* --max-concurrency (GetAccountSettings) */
    struct store *store;       /* the function store (CreateFunction, DeleteFunction) */
    const char *state_dir;     /* code packages are extracted under <state_dir>/code */
    const char *bucket_dir;    /* --code-bucket-dir: S3Bucket/S3Key objects (code_ref.h) */
    struct functions *fns;     /* owned (routes_init / routes_fini) */
    struct aliases *aliases;   /* owned: every function's aliases (aliases.h) */
    uv_loop_t *loop;           /* code uploads are prepared on its thread pool; NULL: inline */
    /* signs code download URLs (control/download.h); random, made by routes_init */
    struct code_url_key url_key;
    /* creates, changes and deletes functions across store, pool and aliases (routes_init) */
    struct catalog catalog;
    /* GET /metrics and the CloudWatch Logs API on POST / (NULL: 404 UnknownOperation) */
    struct metrics *metrics;
    const struct logs_api *logs;
    /* Function URL configs kept between store writes (gateway/funcurl.h; made by the first
     * Function URL request, freed by routes_fini) */
    struct funcurl_cache *urls;
};

/* One request being answered. */
struct call {
    struct call_ctx *ctl;
    struct httpd_conn *c;
    const struct http1_request *req;
    const char *account;           /* the caller's account id */
    const char *op;                /* operation name, e.g. "GetFunction" */
    char label[3][URL_ID_MAX + 1]; /* decoded path labels, in order */
    struct upload *upload;         /* code uploads: the worker's parse and package, else NULL */
};

/* Largest request of the operations that upload code (CreateFunction, UpdateFunctionCode,
 * PublishLayerVersion): AWS's limit, a 50 MB zip in base64 plus the JSON around it. */
#define CALL_MAX_CODE_REQUEST ((size_t)70167211)

/* Sends an AWS error with the message member the model gives type ("Message" for
 * ResourceNotFoundException, ServiceException, ...; "message" otherwise). */
void call_error(struct call *call, int status, const char *type, const char *message);
/* Sends err (status, type, message) and frees its message. */
void call_reject(struct call *call, struct err *err);
/* Sends the one-error ValidationException for value at member (validate_err_one; value NULL:
 * the message shows none). */
void call_invalid(struct call *call, const char *value, const char *member, const char *constraint);
/* Sends status with body (compact JSON; consumes the reference) and x-amzn-RequestId. */
void call_json(struct call *call, int status, json_t *body);
/* Sends status (204) with no body and x-amzn-RequestId. */
void call_json_empty(struct call *call, int status);

/* The request body as a JSON object (a new reference): the worker's parse for a code upload,
 * else the request's. An empty body gives {} when empty_ok, else NULL; so does a body that is
 * not a JSON object. */
json_t *call_body(const struct call *call, bool empty_ok);
/* call_body(call, true), answering 400 InvalidRequestContentException when it is not a JSON
 * object. A new reference, or NULL after answering. */
json_t *call_object(struct call *call);
/* Reads string member of body (model: its name in validation messages) of at most max bytes.
 * OUT: *out (borrowed from body; NULL when absent). False after answering a wrong type or
 * length (ValidationException). */
bool call_body_string(struct call *call, json_t *body, const char *member, const char *model,
                      size_t max, const char **out);

/* Moves the code package the worker prepared for call (upload_take_code) into *ci
 * (code_info_fini). False after answering the error that refused it. */
bool call_take_code(struct call *call, struct code_info *ci);

#endif /* CLAMBDA_SERVER_API_CALL_H */
