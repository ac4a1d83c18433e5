/* SPDX-License-Identifier: MIT */
/* Only for static links with musl: Debian's libmbedtls .a files are compiled for glibc with
 * _FORTIFY_SOURCE, so they call glibc's checked entry points, which musl does not have. These
 * are those five, with glibc's checks (an overflow aborts). Never linked with glibc. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* These are glibc's own names, which Debian's mbedTLS objects call: reserved identifiers on
 * purpose. NOLINTBEGIN(bugprone-reserved-identifier) */
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);
int __printf_chk(int flag, const char *fmt, ...);
int __snprintf_chk(char *s, size_t n, int flag, size_t s_len, const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t n, int flag, size_t s_len, const char *fmt, va_list ap);

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    if (n > dst_len) {
        abort();
    }
    return memcpy(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
    if (n > dst_len) {
        abort();
    }
    return memset(dst, c, n);
}

int __printf_chk(int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int __vsnprintf_chk(char *s, size_t n, int flag, size_t s_len, const char *fmt, va_list ap)
{
    (void)flag;
    if (n > s_len) {
        abort();
    }
    return vsnprintf(s, n, fmt, ap);
}

int __snprintf_chk(char *s, size_t n, int flag, size_t s_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = __vsnprintf_chk(s, n, flag, s_len, fmt, ap);
    va_end(ap);
    return r;
}
/* NOLINTEND(bugprone-reserved-identifier) */
