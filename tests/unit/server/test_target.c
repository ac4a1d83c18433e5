/* SPDX-License-Identifier: MIT */
/* Unit tests for api/target.c: the function a control-plane path label names, with AWS's
 * ValidationException, InvalidParameterValueException and "Function not found" answers, on a
 * pool (nothing started) and an alias cache. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "api/target.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "exec/pool.h"

#define NOT_FOUND "Function not found: arn:aws:lambda:us-east-1:123456789012:function:"

struct fixture {
    uv_loop_t loop;
    struct call_ctx ctl;
    struct http1_request req;
    struct call call;
    struct url_fn t;
    struct err err;
};

static void add_version(struct pool *p, const char *version)
{
    struct function_config cfg;
    func_config_init(&cfg, "f", "/nonexistent");
    free(cfg.version);
    cfg.version = xstrdup(version);
    assert_int_equal(pool_add_function(p, &cfg), 0);
}

static int setup(void **state)
{
    static struct fixture fx;
    memset(&fx, 0, sizeof(fx));
    json_set_alloc_funcs(xmalloc, free);
    assert_int_equal(uv_loop_init(&fx.loop), 0);
    static char *const no_env[] = {NULL};
    struct pool_config pc = {.state_dir = "/nonexistent",
                             .region = "us-east-1",
                             .account = "123456789012",
                             .max_envs = 1,
                             .keep_warm_s = 1,
                             .wait_ms = 1,
                             .init_timeout_ms = 1,
                             .extra_env = no_env};
    pool_new(&fx.loop, &pc, &fx.ctl.pool);
    add_version(fx.ctl.pool, "$LATEST");
    add_version(fx.ctl.pool, "1");
    aliases_new(&fx.ctl.aliases);
    struct alias_target live = {.version = "1"};
    aliases_set(fx.ctl.aliases, "f", "live", &live);
    fx.ctl.region = "us-east-1";
    fx.call.ctl = &fx.ctl;
    fx.call.req = &fx.req;
    fx.call.account = "123456789012";
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    pool_shutdown(fx->ctl.pool, 0);
    (void)uv_run(&fx->loop, UV_RUN_DEFAULT);
    pool_free(fx->ctl.pool);
    aliases_free(fx->ctl.aliases);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    return 0;
}

/* Resolves label (with the request target url) under rule. Returns the configuration's
 * version, or NULL with fx->err set (freed at the next call). */
static const char *resolve(struct fixture *fx, const char *label, const char *url,
                           enum target_rule rule)
{
    const struct function_config *cfg = NULL;
    err_fini(&fx->err);
    (void)snprintf(fx->call.label[0], sizeof(fx->call.label[0]), "%s", label);
    fx->req.url = url;
    int rc = target_resolve(&fx->call, rule, &fx->t, &cfg, &fx->err);
    assert_true(rc == 0 ? cfg != NULL : cfg == NULL && fx->err.message != NULL);
    return cfg ? cfg->version : NULL;
}

static void test_target_latest(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(resolve(fx, "f", "/x", TARGET_LATEST), "$LATEST");
    assert_string_equal(resolve(fx, "123456789012:function:f", "/x", TARGET_LATEST), "$LATEST");
    /* the query is not read, a qualified label is malformed */
    assert_string_equal(resolve(fx, "f", "/x?Qualifier=1", TARGET_LATEST), "$LATEST");
    assert_null(resolve(fx, "f:1", "/x", TARGET_LATEST));
    assert_string_equal(fx->err.type, "ValidationException");
    assert_string_equal(fx->err.message,
                        "1 validation error detected: Value 'f:1' at "
                        "'functionName' failed to satisfy constraint: Member "
                        "must satisfy regular expression pattern: " TARGET_NAME_PATTERN);
    assert_null(resolve(fx, "nope", "/x", TARGET_LATEST));
    assert_int_equal(fx->err.status, 404);
    assert_string_equal(fx->err.type, "ResourceNotFoundException");
    assert_string_equal(fx->err.message, NOT_FOUND "nope");
    err_fini(&fx->err);
}

static void test_target_function(void **state)
{
    struct fixture *fx = *state;
    /* the qualifier is kept, not looked up */
    assert_string_equal(resolve(fx, "f:zzz", "/x", TARGET_FUNCTION), "$LATEST");
    assert_string_equal(fx->t.qualifier, "zzz");
    assert_string_equal(resolve(fx, "f", "/x?Qualifier=q", TARGET_FUNCTION), "$LATEST");
    assert_string_equal(fx->t.qualifier, "q");
    assert_null(resolve(fx, "nope:1", "/x", TARGET_FUNCTION));
    assert_string_equal(fx->err.message, NOT_FOUND "nope:1");
    assert_null(resolve(fx, "bad name", "/x", TARGET_FUNCTION));
    assert_string_equal(fx->err.message,
                        "1 validation error detected: Value 'bad name' at "
                        "'functionName' failed to satisfy constraint: Member "
                        "must satisfy regular expression pattern: " TARGET_PATTERN);
    err_fini(&fx->err);
}

static void test_target_version(void **state)
{
    struct fixture *fx = *state;
    assert_string_equal(resolve(fx, "f", "/x", TARGET_VERSION), "$LATEST");
    assert_string_equal(resolve(fx, "f:1", "/x", TARGET_VERSION), "1");
    assert_string_equal(resolve(fx, "f", "/x?Qualifier=1", TARGET_VERSION), "1");
    assert_string_equal(resolve(fx, "f:live", "/x", TARGET_VERSION), "1"); /* an alias */
    assert_string_equal(resolve(fx, "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
                                "/x", TARGET_VERSION),
                        "$LATEST");
    assert_null(resolve(fx, "f:9", "/x", TARGET_VERSION));
    assert_string_equal(fx->err.message, NOT_FOUND "f:9");
    assert_null(resolve(fx, "f:1", "/x?Qualifier=2", TARGET_VERSION));
    assert_string_equal(fx->err.type, "InvalidParameterValueException");
    assert_string_equal(fx->err.message, TARGET_QUALIFIER_MISMATCH);
    assert_null(resolve(fx, "f", "/x?Qualifier=a%21", TARGET_VERSION));
    assert_string_equal(fx->err.message, "1 validation error detected: Value 'a!' at 'qualifier' "
                                         "failed to satisfy constraint: Member must satisfy "
                                         "regular expression pattern: (|[a-zA-Z0-9$_-]+)");
    assert_null(resolve(fx, "f", "/x?Qualifier=%zz", TARGET_VERSION));
    assert_non_null(strstr(fx->err.message, "Value '(malformed)' at 'qualifier'"));
    err_fini(&fx->err);
}

static void test_target_not_found(void **state)
{
    (void)state;
    struct err err = {0};
    assert_int_equal(target_not_found("eu-west-1", "000000000000", "g", NULL, &err), -ENOENT);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.message,
                        "Function not found: arn:aws:lambda:eu-west-1:000000000000:function:g");
    err_fini(&err);
    struct url_fn t;
    assert_int_equal(target_parse("g:live", true, &t, &err), 0);
    assert_string_equal(t.name, "g");
    assert_string_equal(t.qualifier, "live");
    assert_int_equal(target_parse("g:live", false, &t, &err), -EINVAL);
    err_fini(&err);
}

/* The model's shapes per operation (NamespacedFunctionName, the Qualifier patterns), errors
 * gathered qualifier first, names no function can have, regions: conformance.json's rows. */
static void test_target_shapes(void **state)
{
    struct fixture *fx = *state;
    fx->call.op = "GetFunction";
    /* '.' is in the namespaced pattern: a name no function has, so 404 */
    assert_null(resolve(fx, "my.function", "/x", TARGET_VERSION));
    assert_int_equal(fx->err.status, 404);
    assert_string_equal(fx->err.message, NOT_FOUND "my.function");
    assert_null(resolve(fx, "f", "/x?Qualifier=invalid%21", TARGET_VERSION));
    assert_string_equal(fx->err.message,
                        "1 validation error detected: Value 'invalid!' at "
                        "'qualifier' failed to satisfy constraint: Member must "
                        "satisfy regular expression pattern: " TARGET_QUALIFIER_PATTERN);
    assert_null(
        resolve(fx, "arn:aws:lambda:bad-region:123456789012:function:f", "/x", TARGET_VERSION));
    assert_string_equal(fx->err.type, "ValidationException");
    assert_non_null(strstr(fx->err.message, TARGET_NS_PATTERN));
    assert_null(resolve(fx, "b d",
                        "/x?Qualifier=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        "aaaaaaaaaaaaaaaaaa",
                        TARGET_VERSION));
    assert_non_null(strstr(fx->err.message, "2 validation errors detected: Value 'aaa"));
    assert_non_null(strstr(fx->err.message, "at 'qualifier' failed to satisfy constraint: Member "
                                            "must have length less than or equal to 128; Value "
                                            "'b d' at 'functionName'"));
    /* an ARN of another region */
    assert_null(
        resolve(fx, "arn:aws:lambda:eu-west-1:123456789012:function:f", "/x", TARGET_VERSION));
    assert_string_equal(
        fx->err.message,
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
    /* Invoke names $LATEST, AddPermission says "Cannot find alias arn:" */
    fx->call.op = "Invoke";
    assert_null(resolve(fx, "nope", "/x", TARGET_VERSION));
    assert_string_equal(fx->err.message, NOT_FOUND "nope:$LATEST");
    fx->call.op = "AddPermission";
    assert_null(resolve(fx, "f:gone", "/x", TARGET_VERSION));
    assert_string_equal(fx->err.message, "Cannot find alias arn: arn:aws:lambda:us-east-1:"
                                         "123456789012:function:f:gone");
    assert_null(resolve(fx, "f:9", "/x", TARGET_VERSION));
    assert_string_equal(fx->err.message, NOT_FOUND "f:9");
    /* the parts of an ARN, also one without the function: prefix's colon */
    struct url_fn t;
    struct err err = {0};
    assert_int_equal(target_parse("function:g", true, &t, &err), 0);
    assert_string_equal(t.name, "g");
    assert_int_equal(target_parse("123456789012:g", true, &t, &err), 0);
    assert_string_equal(t.name, "g");
    assert_int_equal(target_parse_op("GetFunction",
                                     "arn:aws:lambda:us-east-1:123456789012:function", true, &t,
                                     &err),
                     0);
    assert_string_equal(t.name, "function");
    assert_int_equal(target_parse_op("GetFunction", "g:$LATEST.PUBLISHED", true, &t, &err), 0);
    assert_string_equal(t.qualifier, "$LATEST.PUBLISHED");
    assert_int_equal(target_parse("g:$LATEST.PUBLISHED", true, &t, &err), -EINVAL);
    /* bare names (parsed without the regex): the whole name, no qualifier, the length rule */
    assert_int_equal(target_parse_op("Invoke", "my-Fn_9", true, &t, &err), 0);
    assert_string_equal(t.name, "my-Fn_9");
    assert_string_equal(t.qualifier, "");
    assert_int_equal(target_parse_op("Invoke", "function", true, &t, &err), 0);
    assert_string_equal(t.name, "function");
    char longname[TARGET_NAME_MAX + 2];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(target_parse(longname, true, &t, &err), -EINVAL);
    err_fini(&err);
    fx->call.op = NULL;
    err_fini(&fx->err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_latest),  cmocka_unit_test(test_target_function),
        cmocka_unit_test(test_target_version), cmocka_unit_test(test_target_not_found),
        cmocka_unit_test(test_target_shapes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
