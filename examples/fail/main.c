/* SPDX-License-Identifier: MIT */
/* examples/fail: reports a typed error for every event. The platform answers the caller with
 * X-Amz-Function-Error: Unhandled and the body
 * {"errorMessage":"...","errorType":"ValidationError","stackTrace":["main.c:validate"]}. */
#include <clambda/runtime.h>

static int fail(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    static const char *const frames[] = {"main.c:validate", "main.c:handler"};
    (void)user;
    clambda_log(rt, CLAMBDA_LOG_ERROR, "rejecting event");
    return clambda_runtime_fail_trace(rt, inv, "ValidationError", "the event was rejected", frames,
                                      2);
}

int main(void)
{
    return clambda_run(fail, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
