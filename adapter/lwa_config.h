/* SPDX-License-Identifier: MIT */
/* clambda-web-adapter's configuration: the AWS Lambda Web Adapter's environment variables
 * (AWS_LWA_*, and the older un-prefixed names it still reads), read once at start. */
#ifndef CLAMBDA_ADAPTER_LWA_CONFIG_H
#define CLAMBDA_ADAPTER_LWA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HTTP statuses 100..599 as a bit set. */
struct lwa_status_set {
    uint8_t bits[75];
};

struct lwa_config {
    const char *host;              /* AWS_LWA_HOST, HOST: the app's address (127.0.0.1) */
    const char *port;              /* AWS_LWA_PORT, PORT (8080) */
    const char *ready_port;        /* AWS_LWA_READINESS_CHECK_PORT, READINESS_CHECK_PORT (port) */
    const char *ready_path;        /* AWS_LWA_READINESS_CHECK_PATH, READINESS_CHECK_PATH ("/") */
    bool is_ready_tcp;             /* AWS_LWA_READINESS_CHECK_PROTOCOL, READINESS_CHECK_PROTOCOL */
    struct lwa_status_set healthy; /* statuses that mean "ready" (100-499) */
    const char *base_path;         /* AWS_LWA_REMOVE_BASE_PATH, REMOVE_BASE_PATH, or NULL */
    const char *pass_through_path; /* AWS_LWA_PASS_THROUGH_PATH ("/events") */
    bool is_async_init;            /* AWS_LWA_ASYNC_INIT, ASYNC_INIT ("true") */
    bool is_stream;                /* AWS_LWA_INVOKE_MODE=response_stream */
    bool wants_compression;        /* AWS_LWA_ENABLE_COMPRESSION (not implemented: warned) */
    const char *authorization_source; /* AWS_LWA_AUTHORIZATION_SOURCE, or NULL */
    bool has_error_statuses;
    struct lwa_status_set error_statuses; /* AWS_LWA_ERROR_STATUS_CODES */
    long idle_timeout_ms;                 /* AWS_LWA_CLIENT_IDLE_TIMEOUT_MS (4000) */
    const char *runtime_api;   /* AWS_LWA_LAMBDA_RUNTIME_API_PROXY, else AWS_LAMBDA_RUNTIME_API */
    const char *extension_api; /* AWS_LAMBDA_RUNTIME_API (registration is never proxied) */
};

/* Fills cfg from the environment (strings are borrowed from it). Malformed values are
 * reported in msg (size n) and give -EINVAL; unknown modes fall back to the defaults as LWA
 * does. */
int lwa_config_load(struct lwa_config *cfg, char *msg, size_t n);

/* Parses a status list such as "500,502-504" into set (emptied first). Entries that do not
 * parse are skipped, as LWA does; returns how many were skipped. */
int lwa_config_parse_statuses(struct lwa_status_set *set, const char *list);

/* True when status is in set. */
bool lwa_status_in(const struct lwa_status_set *set, int status);

#endif /* CLAMBDA_ADAPTER_LWA_CONFIG_H */
