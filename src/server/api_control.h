/* SPDX-License-Identifier: MIT */
/* The public API's front door and the Lambda control-plane router (control-api.md): every
 * request on the API listener comes here first. With --auth sigv4 it is verified (sigv4.h)
 * against the credentials file before anything else happens; then Invoke goes to api_invoke,
 * and every other path of the 2015-03-31 / 2016-08-19 / 2017-03-31 / 2017-10-31 / 2018-10-31 /
 * 2019-09-25 / 2019-09-30 / 2021-10-31 / 2021-11-15 API versions is matched (labels
 * percent-decoded) to its operation. Operations that are not implemented answer 501
 * NotImplementedException naming the operation, never a silent success; unknown paths or
 * methods answer 404 UnknownOperationException. docs/api.md lists every operation. */
#ifndef CLAMBDA_SERVER_API_CONTROL_H
#define CLAMBDA_SERVER_API_CONTROL_H

#include <jansson.h>

#include "api_invoke.h"
#include "creds.h"
#include "httpd.h"
#include "pool.h"
#include "route.h"

struct aliases;
struct api_functions;
struct api_upload;
struct store;

/* The control plane's context. Borrowed pointers except fns. */
struct api_control {
    struct api_invoke *invoke; /* Invoke requests are handed to it */
    struct pool *pool;
    const char *region;
    const char *account;       /* account id in ARNs when auth is off */
    const struct creds *creds; /* NULL: no authentication (--auth none) */
    int max_concurrency;       /* --max-concurrency (GetAccountSettings) */
    struct store *store;       /* the function store (CreateFunction, DeleteFunction) */
    const char *state_dir;     /* code packages are extracted under <state_dir>/code */
    const char *bucket_dir;    /* --code-bucket-dir: S3Bucket/S3Key objects (code_ref.h) */
    struct api_functions *fns; /* owned (api_control_init / api_control_fini) */
    struct aliases *aliases;   /* owned: every function's aliases (aliases.h) */
    uv_loop_t *loop;           /* code uploads are prepared on its thread pool; NULL: inline */
};

/* One request being answered. */
struct api_call {
    struct api_control *ctl;
    struct httpd_conn *c;
    const struct http1_request *req;
    const char *account;             /* the caller's account id */
    const char *op;                  /* operation name, e.g. "GetFunction" */
    char label[3][ROUTE_ID_MAX + 1]; /* decoded path labels, in order */
    struct api_upload *upload;       /* code uploads: the worker's parse and package, else NULL */
};

/* Sets up ctl->fns and ctl->aliases once the other members are filled: loads the stored
 * versions, aliases and concurrency settings of the pool's functions (api_versions_restore)
 * and gives the invoke API the alias cache. */
void api_control_init(struct api_control *ctl);
/* Frees ctl->fns. NULL is a no-op. */
void api_control_fini(struct api_control *ctl);

/* Largest request of the operations that upload code (CreateFunction, UpdateFunctionCode,
 * PublishLayerVersion): AWS's limit, a 50 MB zip in base64 plus the JSON around it. */
#define API_CONTROL_MAX_CODE_REQUEST ((size_t)70167211)

/* httpd head handler for the public listener: lets the code-upload operations' bodies grow to
 * API_CONTROL_MAX_CODE_REQUEST (every other request keeps the listener's 6 MB cap). */
void api_control_head(struct httpd_conn *c, const struct http1_request *req, void *user);
/* httpd request handler for the public listener; user is a struct api_control. */
void api_control_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

/* Sends an AWS error with the message member the model gives type ("Message" for
 * ResourceNotFoundException, ServiceException, ...; "message" otherwise). */
void api_control_error(struct api_call *call, int status, const char *type, const char *message);
/* Sends status with body (compact JSON; consumes the reference) and x-amzn-RequestId. */
void api_control_json(struct api_call *call, int status, json_t *body);
/* Sends status (204) with no body and x-amzn-RequestId. */
void api_control_json_empty(struct api_call *call, int status);

/* The request body as a JSON object (a new reference): the worker's parse for a code upload,
 * else the request's. An empty body gives {} when empty_ok, else NULL; so does a body that is
 * not a JSON object. */
json_t *api_control_body(const struct api_call *call, bool empty_ok);

#endif /* CLAMBDA_SERVER_API_CONTROL_H */
