/* SPDX-License-Identifier: MIT */
/* Lambda's ARNs; see arn.h. */
#include "api/arn.h"

#include "base/xalloc.h"

char *arn_function(const char *region, const char *account, const char *name, const char *qualifier)
{
    const char *q = qualifier && *qualifier ? qualifier : NULL;
    return xasprintf("arn:aws:lambda:%s:%s:function:%s%s%s", region, account, name, q ? ":" : "",
                     q ? q : "");
}

char *arn_layer(const char *region, const char *account, const char *name, int64_t version)
{
    if (version > 0) {
        return xasprintf("arn:aws:lambda:%s:%s:layer:%s:%lld", region, account, name,
                         (long long)version);
    }
    return xasprintf("arn:aws:lambda:%s:%s:layer:%s", region, account, name);
}
