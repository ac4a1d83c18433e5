/* SPDX-License-Identifier: MIT */
/* The MaxItems query parameter of the List operations; see api_page.h. */
#include "api_page.h"

#include <errno.h>

#include "route.h"
#include "validate.h"

bool api_page_max_items(struct api_call *call, int max, int *page)
{
    char buf[64];
    struct validate_error err;
    int rc = route_query_get(call->req->url, "MaxItems", buf, sizeof(buf));
    if (validate_max_items(rc == 0         ? buf
                           : rc == -ENOENT ? NULL
                                           : "(malformed)",
                           max, page, &err) < 0) {
        api_control_error(call, err.status, err.type, err.message);
        return false;
    }
    *page = *page > max ? max : *page;
    return true;
}
