/* SPDX-License-Identifier: MIT */
/* The one builder of Lambda's ARNs (control-api.md 3): functions, their versions and aliases
 * ("arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]") and layers
 * ("arn:aws:lambda:REGION:ACCOUNT:layer:NAME[:VERSION]"). Pure. */
#ifndef CLAMBDA_SERVER_API_ARN_H
#define CLAMBDA_SERVER_API_ARN_H

#include <stdint.h>

/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" (qualifier NULL or "" for none).
 * Returns a new string (free()). */
char *arn_function(const char *region, const char *account, const char *name,
                   const char *qualifier);

/* "arn:aws:lambda:REGION:ACCOUNT:layer:NAME", with ":VERSION" when version > 0. Returns a new
 * string (free()). */
char *arn_layer(const char *region, const char *account, const char *name, int64_t version);

#endif /* CLAMBDA_SERVER_API_ARN_H */
