/* SPDX-License-Identifier: MIT */
/* Reads the adapter's configuration with the AWS Lambda Web Adapter's names, defaults and
 * precedence (an AWS_LWA_ name wins over its deprecated un-prefixed twin; a variable that is
 * set but empty counts as set, as in LWA). */
#include "lwa_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The first of the variables that is set, or dflt. */
static const char *env_first(const char *a, const char *b, const char *dflt)
{
    const char *v = getenv(a);
    if (v == NULL && b != NULL) {
        v = getenv(b);
    }
    return v != NULL ? v : dflt;
}

static void set_add(struct lwa_status_set *set, long status)
{
    if (status >= 100 && status <= 599) {
        set->bits[(status - 100) / 8] |= (uint8_t)(1u << ((status - 100) % 8));
    }
}

bool lwa_status_in(const struct lwa_status_set *set, int status)
{
    return status >= 100 && status <= 599 &&
           (set->bits[(status - 100) / 8] & (1u << ((status - 100) % 8))) != 0;
}

/* A whole decimal number in s[0..len), or -1. */
static long parse_num(const char *s, size_t len)
{
    long n = 0;
    if (len == 0 || len > 5) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

/* One entry of a status list, blanks trimmed: "404" or "500-599". */
static int parse_entry(struct lwa_status_set *set, const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    if (len == 0) {
        return 0;
    }
    const char *dash = memchr(s, '-', len);
    long lo = parse_num(s, dash != NULL ? (size_t)(dash - s) : len);
    long hi = dash != NULL ? parse_num(dash + 1, len - (size_t)(dash + 1 - s)) : lo;
    if (lo < 0 || hi < 0 || hi > 65535) {
        return 1;
    }
    for (long st = lo; st <= hi; st++) {
        set_add(set, st);
    }
    return 0;
}

int lwa_config_parse_statuses(struct lwa_status_set *set, const char *list)
{
    int skipped = 0;
    memset(set, 0, sizeof(*set));
    while (list != NULL && *list != '\0') {
        size_t len = strcspn(list, ",");
        skipped += parse_entry(set, list, len);
        list += len;
        list += *list == ',';
    }
    return skipped;
}

/* A TCP port: 1-65535 in decimal. */
static bool is_port(const char *s)
{
    long n = parse_num(s, strlen(s));
    return n >= 1 && n <= 65535;
}

/* LWA reads booleans with Rust's str::parse::<bool>: exactly "true" or "false", anything else
 * is the default (false). */
static bool env_bool(const char *a, const char *b)
{
    const char *v = env_first(a, b, "false");
    return strcmp(v, "true") == 0;
}

/* Readiness statuses: AWS_LWA_READINESS_CHECK_HEALTHY_STATUS (a list, newer LWA), else
 * everything from 100 below AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS (older LWA, 500). */
static void load_healthy(struct lwa_config *cfg)
{
    const char *list = getenv("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS");
    if (list != NULL && lwa_config_parse_statuses(&cfg->healthy, list) == 0) {
        return;
    }
    const char *min = getenv("AWS_LWA_READINESS_CHECK_MIN_UNHEALTHY_STATUS");
    long bound = min != NULL ? parse_num(min, strlen(min)) : 500;
    memset(&cfg->healthy, 0, sizeof(cfg->healthy));
    for (long st = 100; st < (bound < 0 ? 500 : bound) && st <= 599; st++) {
        set_add(&cfg->healthy, st);
    }
}

int lwa_config_load(struct lwa_config *cfg, char *msg, size_t n)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = env_first("AWS_LWA_HOST", "HOST", "127.0.0.1");
    cfg->port = env_first("AWS_LWA_PORT", "PORT", "8080");
    cfg->ready_port = env_first("AWS_LWA_READINESS_CHECK_PORT", "READINESS_CHECK_PORT", cfg->port);
    cfg->ready_path = env_first("AWS_LWA_READINESS_CHECK_PATH", "READINESS_CHECK_PATH", "/");
    cfg->is_ready_tcp = strcasecmp(env_first("AWS_LWA_READINESS_CHECK_PROTOCOL",
                                             "READINESS_CHECK_PROTOCOL", "http"),
                                   "tcp") == 0;
    load_healthy(cfg);
    cfg->base_path = env_first("AWS_LWA_REMOVE_BASE_PATH", "REMOVE_BASE_PATH", NULL);
    cfg->pass_through_path = env_first("AWS_LWA_PASS_THROUGH_PATH", NULL, "/events");
    cfg->is_async_init = env_bool("AWS_LWA_ASYNC_INIT", "ASYNC_INIT");
    cfg->wants_compression = env_bool("AWS_LWA_ENABLE_COMPRESSION", NULL);
    cfg->is_stream =
        strcasecmp(env_first("AWS_LWA_INVOKE_MODE", NULL, "buffered"), "response_stream") == 0;
    cfg->authorization_source = env_first("AWS_LWA_AUTHORIZATION_SOURCE", NULL, NULL);
    const char *codes = getenv("AWS_LWA_ERROR_STATUS_CODES");
    if (codes != NULL) {
        cfg->has_error_statuses = true;
        (void)lwa_config_parse_statuses(&cfg->error_statuses, codes);
    }
    const char *idle = env_first("AWS_LWA_CLIENT_IDLE_TIMEOUT_MS", NULL, "4000");
    cfg->idle_timeout_ms = parse_num(idle, strlen(idle));
    cfg->extension_api = getenv("AWS_LAMBDA_RUNTIME_API");
    cfg->runtime_api = env_first("AWS_LWA_LAMBDA_RUNTIME_API_PROXY", NULL, cfg->extension_api);

    const char *bad = !is_port(cfg->port)                ? "AWS_LWA_PORT"
                      : !is_port(cfg->ready_port)        ? "AWS_LWA_READINESS_CHECK_PORT"
                      : cfg->ready_path[0] != '/'        ? "AWS_LWA_READINESS_CHECK_PATH"
                      : cfg->pass_through_path[0] != '/' ? "AWS_LWA_PASS_THROUGH_PATH"
                      : cfg->idle_timeout_ms < 0         ? "AWS_LWA_CLIENT_IDLE_TIMEOUT_MS"
                      : cfg->extension_api == NULL       ? "AWS_LAMBDA_RUNTIME_API"
                                                         : NULL;
    if (bad != NULL) {
        (void)snprintf(msg, n, "%s is missing or malformed", bad);
        return -EINVAL;
    }
    return 0;
}
