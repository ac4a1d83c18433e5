/* {{name}}: the HTTP API's routes, apart from the Lambda loop (src/main.c) so that
 * tests/test_handler.c can call them directly. The same code answers API Gateway (REST and
 * HTTP APIs), Function URLs and ALB: libclambda's http.h picks the response shape. */
#ifndef HANDLER_H
#define HANDLER_H

#include <clambda/http.h>

/* Fills resp for req:
 *   GET /hello?name=X  200 text "hello X" ("hello world" without name)
 *   anything else      404 {"message":"not found"}
 * Returns CLAMBDA_OK or a libclambda error (CLAMBDA_ENOMEM). */
int handler_route(const clambda_http_request *req, clambda_http_response *resp);

#endif
