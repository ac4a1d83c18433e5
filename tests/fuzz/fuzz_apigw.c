/* SPDX-License-Identifier: MIT */
/* libFuzzer target for API Gateway's readers of untrusted text (src/server/gateway/): an
 * authorizer function's answer (authz_decide, simple and IAM-policy forms, glob resources) and
 * a request's method and path against a route table (apiroute_find). The first byte picks;
 * neither may read out of bounds, leak, or allow on a malformed answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/apiroute.h"
#include "gateway/authz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decide(const uint8_t *data, size_t size, bool simple)
{
    struct sam_authorizer a = {.name = "A", .function = "f", .simple = simple};
    json_t *ctx = NULL;
    char *principal = NULL;
    enum authz_verdict v = authz_decide(
        &a, data, size, "arn:aws:execute-api:us-east-1:0:abc/$default/GET/x/y", &ctx, &principal);
    if (v != AUTHZ_ALLOW && (ctx != NULL || principal != NULL)) {
        abort();
    }
    json_t *view = v == AUTHZ_ALLOW ? authz_function_view(ctx, principal, simple) : NULL;
    json_decref(view);
    free(principal);
}

static void route(const uint8_t *data, size_t size)
{
    static char *methods[] = {"GET", "ANY", "PUT", "ANY", "GET"};
    static char *paths[] = {"/items/{id}", "/{proxy+}", "/items/{id}/x", "$default", "/a/b/c"};
    struct sam_route routes[5];
    for (size_t i = 0; i < 5; i++) {
        routes[i] = (struct sam_route){.function = "f",
                                       .method = methods[i],
                                       .path = paths[i],
                                       .is_http_api = true,
                                       .payload_version = "2.0"};
    }
    struct sam_template t = {.routes = routes, .n_routes = 5};
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *sp = strchr(text, ' ');
    struct apiroute_match m;
    if (sp != NULL) {
        *sp = '\0';
        if (apiroute_find(&t, text, sp + 1, &m) == 0) {
            if (m.route >= 5) {
                abort();
            }
            apiroute_match_fini(&m);
        }
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    if (data[0] % 3 == 0) {
        decide(data + 1, size - 1, false);
    } else if (data[0] % 3 == 1) {
        decide(data + 1, size - 1, true);
    } else {
        route(data + 1, size - 1);
    }
    return 0;
}
