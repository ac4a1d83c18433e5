/* SPDX-License-Identifier: MIT */
/* libFuzzer target: HTTP events (http_request.c) and responses (http_response.c). Parses the
 * input as an event, reads every accessor and checks that they agree with each other, then
 * builds a response from the request's own headers, cookies and body and serialises it for
 * every source: each document must be valid JSON. Any disagreement aborts. */
#include <stdlib.h>
#include <string.h>

#include "cl_json.h"
#include "clambda/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

/* Every pair's name finds at least one value; query(name) is the last value. */
static void read_pairs(const clambda_http_request *req)
{
    const char *value;
    for (size_t i = 0; i < clambda_http_request_n_headers(req); i++) {
        const char *name = clambda_http_request_header_at(req, i, &value);
        size_t n = clambda_http_request_header_count(req, name);
        check(name != NULL && value != NULL && n >= 1);
        check(clambda_http_request_header(req, name) ==
              clambda_http_request_header_nth(req, name, 0));
        check(clambda_http_request_header_nth(req, name, n) == NULL);
    }
    for (size_t i = 0; i < clambda_http_request_n_queries(req); i++) {
        const char *name = clambda_http_request_query_at(req, i, &value);
        size_t n = clambda_http_request_query_count(req, name);
        check(name != NULL && value != NULL && n >= 1);
        check(clambda_http_request_query(req, name) ==
              clambda_http_request_query_nth(req, name, n - 1));
    }
    for (size_t i = 0; i < clambda_http_request_n_cookies(req); i++) {
        const char *raw = clambda_http_request_cookie_at(req, i);
        check(raw != NULL && raw[0] != '\0');
        (void)clambda_http_request_cookie(req, raw);
    }
    check(clambda_http_request_cookie_at(req, clambda_http_request_n_cookies(req)) == NULL);
}

static void read_request(const clambda_http_request *req)
{
    size_t len;
    int source = clambda_http_request_source(req);
    check(source >= CLAMBDA_HTTP_APIGW_V1 && source <= CLAMBDA_HTTP_ALB);
    check(clambda_http_request_method(req) != NULL);
    check(clambda_http_request_raw_path(req) != NULL && clambda_http_request_path(req) != NULL);
    check(strlen(clambda_http_request_path(req)) <= strlen(clambda_http_request_raw_path(req)));
    check(clambda_http_request_raw_query(req) != NULL);
    (void)clambda_http_request_path_param(req, "proxy");
    (void)clambda_http_request_stage(req);
    (void)clambda_http_request_source_ip(req);
    (void)clambda_http_request_id(req);
    const uint8_t *body = clambda_http_request_body(req, &len);
    check(body != NULL && body[len] == '\0');
    (void)clambda_http_request_is_base64(req);
    read_pairs(req);
}

/* A response echoing the request; invalid header names or values are simply refused. */
static clambda_http_response *echo_response(const clambda_http_request *req)
{
    clambda_http_response *resp;
    size_t len;
    if (clambda_http_response_new(&resp) != CLAMBDA_OK) {
        return NULL;
    }
    for (size_t i = 0; i < clambda_http_request_n_headers(req); i++) {
        const char *value;
        const char *name = clambda_http_request_header_at(req, i, &value);
        (void)(i % 3 == 2 ? clambda_http_response_set_header(resp, name, value)
                          : clambda_http_response_add_header(resp, name, value));
    }
    for (size_t i = 0; i < clambda_http_request_n_cookies(req); i++) {
        (void)clambda_http_response_add_cookie(resp, clambda_http_request_cookie_at(req, i));
    }
    const uint8_t *body = clambda_http_request_body(req, &len);
    (void)clambda_http_response_set_body(resp, body, len);
    (void)clambda_http_response_set_binary(resp, clambda_http_request_is_base64(req));
    (void)clambda_http_response_set_status(resp, 100 + (int)(len % 500));
    return resp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clambda_http_request *req;
    if (clambda_http_request_parse(data, size, &req) != CLAMBDA_OK) {
        return 0;
    }
    read_request(req);
    clambda_http_response *resp = echo_response(req);
    for (int source = CLAMBDA_HTTP_APIGW_V1; resp != NULL && source <= CLAMBDA_HTTP_ALB; source++) {
        uint8_t *json;
        size_t len;
        if (clambda_http_response_serialize(resp, source, &json, &len) != CLAMBDA_OK) {
            continue;
        }
        struct cl_json doc;
        check(cl_json_parse(&doc, json, len, 1 << 20) == 0);
        check(cl_json_type(&doc, 0) == CL_JSON_OBJECT);
        cl_json_fini(&doc);
        clambda_free(json);
    }
    clambda_http_response_free(resp);
    clambda_http_request_free(req);
    return 0;
}
