/* SPDX-License-Identifier: MIT */
/* The public API's front door and the Lambda control-plane router (control-api.md): every
 * request on the API listener comes here first. With --auth sigv4 it is verified (sigv4.h)
 * against the credentials file before anything else happens; then Invoke goes to the invoke
 * room, and every other path of the 2015-03-31 / 2016-08-19 / 2017-03-31 / 2017-10-31 /
 * 2018-10-31 / 2019-09-25 / 2019-09-30 / 2021-10-31 / 2021-11-15 API versions is matched (labels
 * percent-decoded) to its operation. Operations that are not implemented answer 501
 * NotImplementedException naming the operation, never a silent success; unknown paths or
 * methods answer 404 UnknownOperationException. docs/api.md lists every operation. */
#ifndef CLAMBDA_SERVER_FRONT_ROUTES_H
#define CLAMBDA_SERVER_FRONT_ROUTES_H

#include "api/call.h"

/* Sets up ctl->fns, ctl->aliases and ctl->catalog once the other members are filled: loads the
 * stored versions, aliases and concurrency settings of the pool's functions (catalog_restore)
 * and gives the invoke API the alias cache; makes ctl->url_key. */
void routes_init(struct call_ctx *ctl);
/* Frees ctl->fns. NULL is a no-op. */
void routes_fini(struct call_ctx *ctl);

/* httpd head handler for the public listener: lets the code-upload operations' bodies grow to
 * CALL_MAX_CODE_REQUEST (every other request keeps the listener's 6 MB cap). */
void routes_head(struct httpd_conn *c, const struct http1_request *req, void *user);
/* httpd request handler for the public listener; user is a struct call_ctx. */
void routes_handle(struct httpd_conn *c, const struct http1_request *req, void *user);

#endif /* CLAMBDA_SERVER_FRONT_ROUTES_H */
