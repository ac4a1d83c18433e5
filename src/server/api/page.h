/* SPDX-License-Identifier: MIT */
/* Paging of the control plane's List operations: the MaxItems query parameter, read and
 * checked the same way by ListFunctions, ListVersionsByFunction and ListAliases. */
#ifndef CLAMBDA_SERVER_API_PAGE_H
#define CLAMBDA_SERVER_API_PAGE_H

#include <stdbool.h>

#include "api/call.h"

/* Reads ?MaxItems= of call's URL into *page: absent means max, 1-10000 is accepted and then
 * capped at max, anything else (not an integer, out of range, malformed escape) answers
 * InvalidParameterValueException or ValidationException. False after answering. */
bool page_max_items(struct call *call, int max, int *page);

#endif /* CLAMBDA_SERVER_API_PAGE_H */
