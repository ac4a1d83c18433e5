/* SPDX-License-Identifier: MIT */
/* Paging of the control plane's List operations: the MaxItems query parameter, read and
 * checked the same way by ListFunctions, ListVersionsByFunction, ListAliases and the layer
 * lists. */
#ifndef CLAMBDA_SERVER_API_PAGE_H
#define CLAMBDA_SERVER_API_PAGE_H

#include <stdbool.h>

#include "api/call.h"
#include "base/validate_err.h"

/* Checks a MaxItems query value (absent = NULL is fine): an integer 1-10000, else
 * InvalidParameterValueException (not an integer) or ValidationException (out of range). OUT:
 * *max_items (dflt when absent). 0, or -EINVAL with *err set. */
int page_parse_max_items(const char *value, int dflt, int *max_items, struct err *err);

/* Reads ?MaxItems= of call's URL into *page: absent means max, 1-10000 is accepted and then
 * capped at max, anything else (not an integer, out of range, malformed escape) answers
 * InvalidParameterValueException or ValidationException. False after answering. */
bool page_max_items(struct call *call, int max, int *page);

#endif /* CLAMBDA_SERVER_API_PAGE_H */
