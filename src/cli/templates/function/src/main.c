/* {{name}}: the Lambda loop. clambda_run() asks the Runtime API for events and calls handle()
 * for each; handle() answers with the logic of handler.c. */
#include <clambda/runtime.h>

#include "handler.h"

static int handle(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    size_t len;
    const uint8_t *event = clambda_invocation_payload(inv, &len);
    char answer[1024];
    (void)user;
    int n = handler_answer(event, len, answer, sizeof(answer));
    if (n < 0) {
        return clambda_runtime_fail(rt, inv, "AnswerTooLong", "the answer does not fit");
    }
    return clambda_runtime_respond(rt, inv, answer, (size_t)n, "application/json");
}

int main(void)
{
    return clambda_run(handle, NULL) == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
