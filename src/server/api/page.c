/* SPDX-License-Identifier: MIT */
/* The MaxItems query parameter of the List operations; see api_page.h. */
#include "api/page.h"

#include <errno.h>

#include "control/validate.h"
#include "http/url.h"

bool page_max_items(struct call *call, int max, int *page)
{
    char buf[64];
    struct validate_error err;
    int rc = url_query_get(call->req->url, "MaxItems", buf, sizeof(buf));
    if (validate_max_items(rc == 0         ? buf
                           : rc == -ENOENT ? NULL
                                           : "(malformed)",
                           max, page, &err) < 0) {
        call_error(call, err.status, err.type, err.message);
        return false;
    }
    *page = *page > max ? max : *page;
    return true;
}
