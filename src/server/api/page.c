/* SPDX-License-Identifier: MIT */
/* The MaxItems query parameter of the List operations; see page.h. */
#include "api/page.h"

#include <errno.h>
#include <stdlib.h>

#include "http/url.h"

int page_parse_max_items(const char *value, int dflt, int *max_items, struct err *err)
{
    *max_items = dflt;
    if (value == NULL) {
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0') {
        return validate_err_invalid_param(
            err, "Invalid value for MaxItems: '%s' is not an integer.", value);
    }
    if (v < 1 || v > 10000) {
        return validate_err_one(err, value, "maxItems",
                                v < 1 ? "Member must have value greater than or equal to 1"
                                      : "Member must have value less than or equal to 10000");
    }
    *max_items = (int)v;
    return 0;
}

bool page_max_items(struct call *call, int max, int *page)
{
    char buf[64];
    struct err err = {0};
    int rc = url_query_get(call->req->url, "MaxItems", buf, sizeof(buf));
    if (page_parse_max_items(rc == 0         ? buf
                             : rc == -ENOENT ? NULL
                                             : "(malformed)",
                             max, page, &err) < 0) {
        call_reject(call, &err);
        return false;
    }
    *page = *page > max ? max : *page;
    return true;
}
