/* SPDX-License-Identifier: MIT */
/* The readiness check: polls the web app every 10 ms, with GET <ready_path> on the readiness
 * port (ready when the status is in the healthy set) or, in TCP mode, a plain connect. */
#ifndef CLAMBDA_ADAPTER_LWA_READY_H
#define CLAMBDA_ADAPTER_LWA_READY_H

#include <stdbool.h>

#include "lwa_config.h"

/* Waits until the app is ready, for at most limit_ms (< 0: no limit). Logs every 2 s while it
 * waits. Returns true when the app became ready, false on the limit or a setup failure. */
bool lwa_ready_wait(const struct lwa_config *cfg, long limit_ms);

#endif /* CLAMBDA_ADAPTER_LWA_READY_H */
