/* SPDX-License-Identifier: MIT */
/* Readiness polling, as LWA does it: a fixed 10 ms interval, each attempt on a fresh
 * connection (an app that is still starting refuses it), no retries inside an attempt. */
#include "lwa_ready.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <clambda/runtime.h>

#include "cl_httpc.h"

#define POLL_MS 10
#define LOG_MS  2000

static long now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* One attempt on c; true when the app answered as configured. */
static bool check_once(const struct lwa_config *cfg, struct cl_httpc *c, struct cl_http1_resp *resp)
{
    bool is_ready;
    if (cfg->is_ready_tcp) {
        is_ready = cl_httpc_connect(c) == 0;
    } else {
        int rc = cl_httpc_request(c, "GET", cfg->ready_path, NULL, 0, NULL, 0, resp);
        is_ready = rc == 0 && lwa_status_in(&cfg->healthy, resp->status);
    }
    cl_httpc_disconnect(c);
    return is_ready;
}

bool lwa_ready_wait(const struct lwa_config *cfg, long limit_ms)
{
    char endpoint[300];
    struct cl_httpc c;
    struct cl_http1_resp resp;
    (void)snprintf(endpoint, sizeof(endpoint), "%s:%s", cfg->host, cfg->ready_port);
    if (cl_httpc_init(&c, endpoint) < 0) {
        clambda_log(NULL, CLAMBDA_LOG_ERROR, "readiness check: bad endpoint %s", endpoint);
        cl_httpc_fini(&c);
        return false;
    }
    c.retry_budget_ms = 0;
    cl_http1_resp_init(&resp, 1 << 20);
    long start = now_ms(), next_log = LOG_MS;
    bool is_ready = false;
    for (;;) {
        is_ready = check_once(cfg, &c, &resp);
        long waited = now_ms() - start;
        if (is_ready || (limit_ms >= 0 && waited >= limit_ms)) {
            break;
        }
        if (waited >= next_log) {
            clambda_log(NULL, CLAMBDA_LOG_INFO, "app is not ready after %ldms (%s %s%s)", next_log,
                        cfg->is_ready_tcp ? "tcp" : "http", endpoint,
                        cfg->is_ready_tcp ? "" : cfg->ready_path);
            next_log += LOG_MS;
        }
        sleep_ms(POLL_MS);
    }
    cl_http1_resp_fini(&resp);
    cl_httpc_fini(&c);
    return is_ready;
}
