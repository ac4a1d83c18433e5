/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/gateway/apiroute.c: which route of a template's APIs a request is
 * for (the most specific, segment by segment, then a method over ANY, $default last). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "gateway/apiroute.h"

/* A template of routes from (function, method, path) triples, NULL-ended (sam_fini). */
static struct sam_template make(const char *const *spec)
{
    struct sam_template t = {0};
    size_t n = 0;
    while (spec[n * 3] != NULL) {
        n++;
    }
    t.routes = calloc(n, sizeof(*t.routes));
    for (size_t i = 0; i < n; i++) {
        t.routes[i].function = strdup(spec[i * 3]);
        t.routes[i].method = strdup(spec[i * 3 + 1]);
        t.routes[i].path = strdup(spec[i * 3 + 2]);
        t.routes[i].payload_version = strdup("2.0");
    }
    t.n_routes = n;
    return t;
}

static const char *const ROUTES[] = {
    "list",    "GET", "/items",         "get",      "GET", "/items/{id}",
    "special", "GET", "/items/special", "any-item", "ANY", "/items/{id}",
    "proxy",   "ANY", "/{proxy+}",      "nested",   "GET", "/items/{id}/parts/{part}",
    "files",   "GET", "/files/{path+}", "root",     "GET", "/",
    NULL};

/* The function of the route chosen for method path, or NULL. OUT: *params (may be NULL). */
static const char *find(const struct sam_template *t, const char *method, const char *path,
                        json_t **params)
{
    struct apiroute_match m;
    if (apiroute_find(t, method, path, &m) < 0) {
        return NULL;
    }
    if (params) {
        *params = m.params ? json_incref(m.params) : NULL;
    }
    apiroute_match_fini(&m);
    return t->routes[m.route].function;
}

static void test_apiroute_specific_wins(void **state)
{
    (void)state;
    struct sam_template tmpl = make(ROUTES);
    assert_string_equal(find(&tmpl, "GET", "/items", NULL), "list");
    assert_string_equal(find(&tmpl, "GET", "/items/7", NULL), "get");
    assert_string_equal(find(&tmpl, "GET", "/items/special", NULL), "special"); /* literal */
    assert_string_equal(find(&tmpl, "PUT", "/items/7", NULL), "any-item");      /* ANY */
    assert_string_equal(find(&tmpl, "PUT", "/items/special", NULL), "any-item");
    assert_string_equal(find(&tmpl, "GET", "/items/7/parts/2", NULL), "nested");
    assert_string_equal(find(&tmpl, "POST", "/items/7/parts/2", NULL), "proxy");
    assert_string_equal(find(&tmpl, "GET", "/", NULL), "root");
    assert_string_equal(find(&tmpl, "DELETE", "/x/y", NULL), "proxy");
    /* {proxy+} takes one segment or more: "/" with another method matches nothing */
    assert_null(find(&tmpl, "DELETE", "/", NULL));
    assert_null(find(&tmpl, "GET", "no-slash", NULL));
    sam_fini(&tmpl);
}

static void test_apiroute_parameters(void **state)
{
    (void)state;
    struct sam_template tmpl = make(ROUTES);
    json_t *p = NULL;
    assert_string_equal(find(&tmpl, "GET", "/items/a%20b", &p), "get");
    assert_string_equal(json_string_value(json_object_get(p, "id")), "a b"); /* decoded */
    json_decref(p);
    assert_string_equal(find(&tmpl, "GET", "/files/a/b%2Fc.txt", &p), "files");
    assert_string_equal(json_string_value(json_object_get(p, "path")), "a/b/c.txt");
    json_decref(p);
    assert_string_equal(find(&tmpl, "GET", "/items/7/parts/x", &p), "nested");
    assert_int_equal(json_object_size(p), 2);
    json_decref(p);
    assert_string_equal(find(&tmpl, "GET", "/items", &p), "list");
    assert_null(p); /* no parameters: none at all */
    /* an empty segment is no parameter value */
    assert_string_equal(find(&tmpl, "GET", "/items//parts/x", NULL), "proxy");
    sam_fini(&tmpl);
}

static void test_apiroute_default_last(void **state)
{
    (void)state;
    static const char *const spec[] = {"default", "ANY",    "$default", "hello",
                                       "GET",     "/hello", NULL};
    struct sam_template t = make(spec);
    const struct sam_route *rs = t.routes;
    assert_string_equal(find(&t, "GET", "/hello", NULL), "hello");
    assert_string_equal(find(&t, "POST", "/hello", NULL), "default");
    assert_string_equal(find(&t, "GET", "/", NULL), "default");
    char key[64];
    apiroute_key(&rs[0], key, sizeof(key));
    assert_string_equal(key, "$default");
    apiroute_key(&rs[1], key, sizeof(key));
    assert_string_equal(key, "GET /hello");
    sam_fini(&t);
}

static void count(void *arg, const struct sam_route *a, const struct sam_route *b)
{
    (void)a;
    (void)b;
    ++*(int *)arg;
}

static void test_apiroute_conflicts(void **state)
{
    (void)state;
    static const char *const spec[] = {"a", "GET", "/x", "b", "GET", "/x", "c", "PUT", "/x", NULL};
    struct sam_template t = make(spec);
    int n = 0;
    assert_int_equal(apiroute_conflicts(&t, count, &n), 1);
    assert_int_equal(n, 1);
    assert_string_equal(find(&t, "GET", "/x", NULL), "a"); /* the first wins */
    sam_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apiroute_specific_wins),
        cmocka_unit_test(test_apiroute_parameters),
        cmocka_unit_test(test_apiroute_default_last),
        cmocka_unit_test(test_apiroute_conflicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
