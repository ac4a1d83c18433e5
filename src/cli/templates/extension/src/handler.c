/* {{name}}: the extension's logic; see handler.h. */
#include "handler.h"

#include <stdio.h>

void handler_on_invoke(struct handler_stats *st, const char *request_id)
{
    st->n_invokes++;
    (void)snprintf(st->last_request_id, sizeof(st->last_request_id), "%s",
                   request_id != NULL ? request_id : "");
}

void handler_summary(const struct handler_stats *st, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%lu invocations, last %s", st->n_invokes,
                   st->n_invokes > 0 ? st->last_request_id : "none");
}
