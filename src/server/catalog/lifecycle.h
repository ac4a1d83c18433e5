/* SPDX-License-Identifier: MIT */
/* A function's state transitions as AWS reports them (conformance.json "shapes"): after
 * CreateFunction the function is State Pending ("The function is being created.", Creating)
 * and becomes Active; after UpdateFunctionConfiguration or UpdateFunctionCode its
 * LastUpdateStatus is InProgress and becomes Successful. clambda has nothing to wait for (the
 * code is extracted before the answer), so by default the transition lasts only for the
 * operation's own answer; CLAMBDA_TEST_STATE_DELAY_MS (read once) makes it last that many
 * milliseconds, so that tests see waiters and tools pass through the intermediate state.
 * While Pending, Invoke and updates answer 409; while InProgress, updates answer 409 (AWS's).
 * Kept per function name for the process (loop thread only); no I/O. */
#ifndef CLAMBDA_SERVER_CATALOG_LIFECYCLE_H
#define CLAMBDA_SERVER_CATALOG_LIFECYCLE_H

#include <stdbool.h>

/* AWS's reason while Pending or InProgress, and its code. */
#define LIFECYCLE_REASON      "The function is being created."
#define LIFECYCLE_REASON_CODE "Creating"

/* Function name was just created / updated. */
void lifecycle_created(const char *name);
void lifecycle_updated(const char *name);
/* Forgets name (deleted). */
void lifecycle_forget(const char *name);

/* Whether name is still Pending / its last update still InProgress. */
bool lifecycle_pending(const char *name);
bool lifecycle_updating(const char *name);

/* The transition's length in ms (CLAMBDA_TEST_STATE_DELAY_MS, default 0). */
long lifecycle_delay_ms(void);

#endif /* CLAMBDA_SERVER_CATALOG_LIFECYCLE_H */
