/* SPDX-License-Identifier: MIT */
/* clambda-web-adapter: runs an unmodified web app as a Lambda function, configured like the
 * AWS Lambda Web Adapter (docs/web-adapter.md). Installed as the external extension
 * /opt/extensions/lambda-adapter, it registers with the Extensions API (so the platform
 * starts it before the function's bootstrap, which starts the web app), tells the platform
 * its init is done from a second thread, waits until the app passes its readiness check, and
 * then is the function's runtime: it takes the invocations and forwards them to the app. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clambda/extension.h>
#include <clambda/runtime.h>

#include "lwa_config.h"
#include "lwa_proxy.h"
#include "lwa_ready.h"

/* LWA gives up waiting at init after 9.8 s with AWS_LWA_ASYNC_INIT, to stay under Lambda's
 * 10 s init limit; the first invocation then waits for the app. */
#define ASYNC_INIT_LIMIT_MS 9800

/* The platform matches a registration to the process it launched by the file name. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* The extension thread: its first (and only) event/next ends the extension's init. With no
 * events subscribed, it never returns; the platform kills the process at shutdown. */
static void *extension_wait(void *arg)
{
    clambda_extension *ext = arg;
    clambda_extension_event *ev;
    for (;;) {
        int rc = clambda_extension_next(ext, &ev);
        if (rc != CLAMBDA_OK && rc != CLAMBDA_EPROTO) {
            clambda_log(NULL, CLAMBDA_LOG_WARN, "extension next failed: %s", clambda_strerror(rc));
            return NULL;
        }
    }
}

/* Registers the external extension and starts the thread that ends its init. */
static int start_extension(const struct lwa_config *cfg, const char *name)
{
    clambda_extension *ext;
    pthread_t thread;
    int rc = clambda_extension_register_at(cfg->extension_api, name, 0, &ext);
    if (rc != CLAMBDA_OK) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "extension registration failed: %s",
                    clambda_strerror(rc));
        return rc;
    }
    if (pthread_create(&thread, NULL, extension_wait, ext) != 0) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "pthread_create failed");
        clambda_extension_close(ext);
        return CLAMBDA_ENOMEM;
    }
    (void)pthread_detach(thread);
    return CLAMBDA_OK;
}

int main(int argc, char **argv)
{
    struct lwa_config cfg;
    struct lwa_proxy proxy;
    clambda_runtime *rt;
    char msg[256];
    if (lwa_config_load(&cfg, msg, sizeof(msg)) < 0) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "configuration: %s", msg);
        return 1;
    }
    if (cfg.wants_compression) {
        clambda_log(NULL, CLAMBDA_LOG_WARN,
                    "AWS_LWA_ENABLE_COMPRESSION is not supported: "
                    "responses are sent uncompressed");
    }
    const char *name = argc > 0 ? base_name(argv[0]) : "lambda-adapter";
    if (start_extension(&cfg, name) != CLAMBDA_OK) {
        return 1;
    }
    bool is_ready = lwa_ready_wait(&cfg, cfg.is_async_init ? ASYNC_INIT_LIMIT_MS : -1);
    if (lwa_proxy_init(&proxy, &cfg, is_ready) < 0 ||
        clambda_runtime_open_at(cfg.runtime_api, &rt) != CLAMBDA_OK) {
        clambda_log(NULL, CLAMBDA_LOG_FATAL, "cannot start: bad endpoint or out of memory");
        lwa_proxy_fini(&proxy);
        return 1;
    }
    int rc = clambda_runtime_run(rt, lwa_proxy_handle, &proxy);
    clambda_log(NULL, CLAMBDA_LOG_INFO, "runtime loop ended: %s", clambda_strerror(rc));
    clambda_runtime_close(rt);
    lwa_proxy_fini(&proxy);
    return rc == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
