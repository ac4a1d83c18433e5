/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/envvars.c: the platform variables of runtime-api.md 7.1 and the
 * rules for customer variables (dropped: _-prefixed and reserved; overridable: PATH, TZ...). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exec/envvars.h"

static void build(struct function_config *cfg, char ***env)
{
    static const char *const extra[] = {"ASAN_OPTIONS=x=1", NULL};
    struct envvars_input in = {.cfg = cfg,
                               .runtime_api = "127.0.0.1:4242",
                               .log_stream = "2024/01/02/[$LATEST]abc",
                               .region = "eu-west-1",
                               .task_root = "/code",
                               .extra = extra};
    envvars_build(&in, env);
}

static void test_envvars_build_platform(void **state)
{
    (void)state;
    struct function_config cfg;
    char **env;
    func_config_init(&cfg, "fn", "/code");
    cfg.memory_mb = 512;
    build(&cfg, &env);
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_RUNTIME_API"), "127.0.0.1:4242");
    assert_string_equal(envvars_get(env, "_HANDLER"), "bootstrap");
    assert_string_equal(envvars_get(env, "LAMBDA_TASK_ROOT"), "/code");
    assert_string_equal(envvars_get(env, "LAMBDA_RUNTIME_DIR"), "/var/runtime");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_FUNCTION_NAME"), "fn");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "512");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_LOG_GROUP_NAME"), "/aws/lambda/fn");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_LOG_STREAM_NAME"), "2024/01/02/[$LATEST]abc");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_INITIALIZATION_TYPE"), "on-demand");
    assert_string_equal(envvars_get(env, "AWS_REGION"), "eu-west-1");
    assert_string_equal(envvars_get(env, "AWS_DEFAULT_REGION"), "eu-west-1");
    assert_string_equal(envvars_get(env, "TZ"), ":UTC");
    assert_string_equal(envvars_get(env, "LANG"), "en_US.UTF-8");
    assert_string_equal(envvars_get(env, "PATH"),
                        "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    assert_non_null(strstr(envvars_get(env, "LD_LIBRARY_PATH"), ":/code:/code/lib:"));
    assert_string_equal(envvars_get(env, "ASAN_OPTIONS"), "x=1");
    assert_null(envvars_get(env, "AWS_EXECUTION_ENV")); /* not set for provided runtimes */
    envvars_free(env);
    struct envvars_input in = {.cfg = &cfg,
                               .runtime_api = "127.0.0.1:1",
                               .log_stream = "s",
                               .region = "us-east-1",
                               .task_root = "/code",
                               .init_type = "provisioned-concurrency"};
    envvars_build(&in, &env);
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_INITIALIZATION_TYPE"),
                        "provisioned-concurrency");
    envvars_free(env);
    func_config_fini(&cfg);
}

static void test_envvars_build_customer(void **state)
{
    (void)state;
    struct function_config cfg;
    char **env;
    char err[512];
    func_config_init(&cfg, "fn", "/code");
    static const char *const sets[] = {"env.GREETING=hi there",
                                       "env.TZ=Europe/Paris",
                                       "env.PATH=/x",
                                       "env.AWS_REGION=us-west-2",
                                       "env.AWS_LAMBDA_RUNTIME_API=1.2.3.4:5",
                                       "env.GREETING=hello"};
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        assert_int_equal(func_config_set(&cfg, sets[i], err, sizeof(err)), 0);
    }
    cfg.env = realloc(cfg.env, (cfg.n_env + 1) * sizeof(*cfg.env));
    assert_non_null(cfg.env);
    cfg.env[cfg.n_env++] = strdup("_X_AMZN_TRACE_ID=nope");
    build(&cfg, &env);
    assert_string_equal(envvars_get(env, "GREETING"), "hello");
    assert_string_equal(envvars_get(env, "TZ"), "Europe/Paris");
    assert_string_equal(envvars_get(env, "PATH"), "/x");
    assert_string_equal(envvars_get(env, "AWS_REGION"), "eu-west-1");
    assert_string_equal(envvars_get(env, "AWS_LAMBDA_RUNTIME_API"), "127.0.0.1:4242");
    assert_null(envvars_get(env, "_X_AMZN_TRACE_ID"));
    size_t n = 0;
    while (env[n]) {
        n++;
    }
    for (size_t i = 0; i < n; i++) { /* no key twice */
        size_t klen = strcspn(env[i], "=");
        for (size_t j = i + 1; j < n; j++) {
            assert_false(strncmp(env[i], env[j], klen + 1) == 0);
        }
    }
    envvars_free(env);
    envvars_free(NULL);
    func_config_fini(&cfg);
}

static void test_envvars_build_role_credentials(void **state)
{
    (void)state;
    struct function_config cfg;
    char **env;
    func_config_init(&cfg, "fn", "/code");
    build(&cfg, &env); /* no role credentials: none of the three */
    assert_null(envvars_get(env, "AWS_ACCESS_KEY_ID"));
    assert_null(envvars_get(env, "AWS_SECRET_ACCESS_KEY"));
    assert_null(envvars_get(env, "AWS_SESSION_TOKEN"));
    envvars_free(env);
    char err[512];
    assert_int_equal(func_config_set(&cfg, "env.AWS_ACCESS_KEY_ID=forged", err, sizeof(err)), 0);
    assert_int_equal(func_config_set(&cfg, "env.AWS_SESSION_TOKEN=forged", err, sizeof(err)), 0);
    struct envvars_input in = {.cfg = &cfg,
                               .runtime_api = "127.0.0.1:4242",
                               .log_stream = "s",
                               .region = "eu-west-1",
                               .task_root = "/code",
                               .access_key_id = "ASIAEXAMPLEEXAMPLE",
                               .secret_access_key = "secret",
                               .session_token = "token"};
    envvars_build(&in, &env);
    assert_string_equal(envvars_get(env, "AWS_ACCESS_KEY_ID"), "ASIAEXAMPLEEXAMPLE");
    assert_string_equal(envvars_get(env, "AWS_SECRET_ACCESS_KEY"), "secret");
    assert_string_equal(envvars_get(env, "AWS_SESSION_TOKEN"), "token"); /* not the customer's */
    envvars_free(env);
    in.session_token = NULL; /* long-term keys: no token */
    envvars_build(&in, &env);
    assert_string_equal(envvars_get(env, "AWS_SECRET_ACCESS_KEY"), "secret");
    assert_null(envvars_get(env, "AWS_SESSION_TOKEN"));
    envvars_free(env);
    func_config_fini(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envvars_build_platform),
        cmocka_unit_test(test_envvars_build_customer),
        cmocka_unit_test(test_envvars_build_role_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
