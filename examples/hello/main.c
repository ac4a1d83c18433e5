/* SPDX-License-Identifier: MIT */
/* examples/hello: the smallest useful function. It answers every event with a JSON greeting
 * that names the function; build it as a static `bootstrap` and deploy it to provided.al2023
 * or `clambda serve`. */
#include <stdio.h>

#include <clambda/runtime.h>

static int hello(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    char body[256];
    (void)user;
    int n = snprintf(body, sizeof(body), "{\"message\":\"Hello from %s!\"}",
                     *clambda_runtime_function_name(rt) ? clambda_runtime_function_name(rt)
                                                        : "clambda");
    if (n < 0 || (size_t)n >= sizeof(body)) {
        return clambda_runtime_fail(rt, inv, "HelloError", "function name too long");
    }
    return clambda_runtime_respond(rt, inv, body, (size_t)n, "application/json");
}

int main(void)
{
    return clambda_run(hello, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
