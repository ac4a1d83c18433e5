/* SPDX-License-Identifier: MIT */
/* The Invoke payload's JSON check; see payload.h. The scanner follows jansson 2.14's lexer and
 * parser (load.c) rule by rule, iteratively (a byte per open container), and errs only towards
 * "ask jansson". */
#include "invoke/payload.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Open containers the scanner follows; jansson refuses a value nested deeper than 2,048. */
#define DEPTH_MAX 2000
/* Decimal magnitude from which a real is left to jansson (DBL_MAX is 1.8e308). */
#define REAL_MAG_MAX 308

struct scan {
    const uint8_t *p;
    const uint8_t *end;
};

/* jansson's whitespace: space, tab, LF, CR. */
static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) {
        s->p++;
    }
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Length of the UTF-8 sequence at p (2 to 4 bytes), or 0 when jansson refuses it (stray or
 * overlong bytes, surrogates, past U+10FFFF, cut short). */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
    size_t n;
    uint32_t cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    return overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0 : n;
}

/* The four hex digits at p as a number, or -1. */
static long hex4(const uint8_t *p, const uint8_t *end)
{
    long v = 0;
    if (end - p < 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        int d = is_digit(c)              ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* One escape at s->p ('\\'): a simple one, or \uXXXX (a high surrogate only with its low
 * one; \u0000 in values only: jansson refuses NUL in keys even with JSON_ALLOW_NUL). */
static bool scan_escape(struct scan *s, bool is_key)
{
    if (s->end - s->p < 2) {
        return false;
    }
    switch (s->p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        s->p += 2;
        return true;
    case 'u':
        break;
    default:
        return false;
    }
    long v = hex4(s->p + 2, s->end);
    s->p += 6;
    if (v < 0 || (v == 0 && is_key) || (v >= 0xDC00 && v <= 0xDFFF)) {
        return false;
    }
    if (v >= 0xD800 && v <= 0xDBFF) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u') {
            return false;
        }
        long w = hex4(s->p + 2, s->end);
        s->p += 6;
        return w >= 0xDC00 && w <= 0xDFFF;
    }
    return true;
}

/* A string at s->p ('"'): no control characters, valid escapes and UTF-8. */
static bool scan_string(struct scan *s, bool is_key)
{
    const uint8_t *p = s->p + 1;
    while (p < s->end) {
        uint8_t c = *p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
        } else if (c == '"') {
            s->p = p + 1;
            return true;
        } else if (c == '\\') {
            s->p = p;
            if (!scan_escape(s, is_key)) {
                return false;
            }
            p = s->p;
        } else if (c < 0x20) {
            return false;
        } else {
            size_t n = utf8_len(p, s->end);
            if (n == 0) {
                return false;
            }
            p += n;
        }
    }
    return false;
}

/* True when the integer's digits d[0..n) fit json_int_t (long long), as strtoll decides. */
static bool int_fits(const uint8_t *d, size_t n, bool is_negative)
{
    static const char max[] = "9223372036854775807";
    static const char min[] = "9223372036854775808";
    if (n != sizeof(max) - 1) {
        return n < sizeof(max) - 1;
    }
    return memcmp(d, is_negative ? min : max, n) <= 0;
}

/* True when the real with integer digits d[0..n), fraction f[0..fn) and exponent exp is below
 * 1e308, so strtod cannot overflow (jansson refuses only overflow, not underflow). */
static bool real_fits(const uint8_t *d, size_t n, const uint8_t *f, size_t fn, long exp)
{
    long mag;
    if (d[0] != '0') {
        mag = (long)n - 1 + exp;
    } else {
        size_t k = 0;
        while (k < fn && f[k] == '0') {
            k++;
        }
        if (k == fn) {
            return true; /* zero */
        }
        mag = exp - (long)k - 1;
    }
    return mag < REAL_MAG_MAX;
}

static const uint8_t *skip_digits(const uint8_t *p, const uint8_t *end)
{
    while (p < end && is_digit(*p)) {
        p++;
    }
    return p;
}

/* A number at s->p: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? within jansson's ranges. */
/* One branch per part of jansson's number grammar, kept together to be read against it.
 * NOLINTNEXTLINE(readability-function-cognitive-complexity) */
static bool scan_number(struct scan *s)
{
    const uint8_t *p = s->p;
    const uint8_t *end = s->end;
    bool is_negative = *p == '-';
    p += is_negative;
    const uint8_t *d = p;
    if (p == end || !is_digit(*p)) {
        return false;
    }
    p = *p == '0' ? p + 1 : skip_digits(p, end);
    size_t n = (size_t)(p - d);
    const uint8_t *f = p;
    size_t fn = 0;
    bool is_real = false;
    long exp = 0;
    if (p < end && *p == '.') {
        f = ++p;
        if (p == end || !is_digit(*p)) {
            return false;
        }
        p = skip_digits(p, end);
        fn = (size_t)(p - f);
        is_real = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool is_exp_negative = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        if (p == end || !is_digit(*p)) {
            return false;
        }
        for (; p < end && is_digit(*p); p++) {
            exp = exp < 1000000 ? exp * 10 + (*p - '0') : exp; /* saturates, far past 308 */
        }
        exp = is_exp_negative ? -exp : exp;
        is_real = true;
    }
    s->p = p; /* a digit right after "0" fails as the next token, as in jansson */
    return is_real ? real_fits(d, n, f, fn, exp) : int_fits(d, n, is_negative);
}

/* true, false or null, not followed by a letter (jansson reads a word, then compares). */
static bool scan_word(struct scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) {
        return false;
    }
    s->p += n;
    uint8_t c = s->p < s->end ? *s->p : 0;
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static bool scan_scalar(struct scan *s)
{
    switch (*s->p) {
    case '"':
        return scan_string(s, false);
    case 't':
        return scan_word(s, "true");
    case 'f':
        return scan_word(s, "false");
    case 'n':
        return scan_word(s, "null");
    default:
        return *s->p == '-' || is_digit(*s->p) ? scan_number(s) : false;
    }
}

/* An object member's key and its colon, and the whitespace after it. */
static bool scan_key(struct scan *s)
{
    if (s->p == s->end || *s->p != '"' || !scan_string(s, true)) {
        return false;
    }
    skip_ws(s);
    if (s->p == s->end || *s->p != ':') {
        return false;
    }
    s->p++;
    skip_ws(s);
    return true;
}

/* Opens the container at s->p. Returns 1 when a value follows (after its key in an object),
 * 0 when the container is empty (and closed), -1 when invalid or too deep. */
static int open_container(struct scan *s, uint8_t *stack, size_t *depth)
{
    uint8_t open = *s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == (open == '{' ? '}' : ']')) {
        s->p++;
        return 0;
    }
    if (*depth == DEPTH_MAX) {
        return -1;
    }
    stack[(*depth)++] = open;
    return open == '[' || scan_key(s) ? 1 : -1;
}

/* After a value: commas and closing brackets, and the end at depth 0. Returns 1 when another
 * value follows (after its key in an object), 0 at a valid end, -1 when invalid. */
static int after_value(struct scan *s, const uint8_t *stack, size_t *depth)
{
    for (;;) {
        skip_ws(s);
        if (*depth == 0) {
            return s->p == s->end ? 0 : -1;
        }
        if (s->p == s->end) {
            return -1;
        }
        bool is_object = stack[*depth - 1] == '{';
        if (*s->p == ',') {
            s->p++;
            skip_ws(s);
            return !is_object || scan_key(s) ? 1 : -1;
        }
        if (*s->p != (is_object ? '}' : ']')) {
            return -1;
        }
        s->p++;
        (*depth)--;
    }
}

bool payload_json_valid(const uint8_t *p, size_t len)
{
    struct scan s = {p, p + len};
    uint8_t stack[DEPTH_MAX];
    size_t depth = 0;
    int next = 1;
    skip_ws(&s);
    while (next == 1) {
        if (s.p == s.end) {
            return false;
        }
        if (*s.p == '{' || *s.p == '[') {
            int rc = open_container(&s, stack, &depth);
            if (rc != 0) {
                if (rc < 0) {
                    return false;
                }
                continue; /* the container's first value */
            }
        } else if (!scan_scalar(&s)) {
            return false;
        }
        next = after_value(&s, stack, &depth);
    }
    return next == 0;
}

void payload_check(const uint8_t *p, size_t len, struct payload_verdict *out)
{
    out->is_valid = true;
    out->message[0] = '\0';
    if (len == 0 || payload_json_valid(p, len)) {
        return;
    }
    json_error_t jerr;
    memset(&jerr, 0, sizeof(jerr));
    json_t *v = json_loadb((const char *)p, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v != NULL) { /* valid after all: one the scanner leaves to jansson */
        json_decref(v);
        return;
    }
    out->is_valid = false;
    (void)snprintf(out->message, sizeof(out->message),
                   "Could not parse request body into json: Could not parse payload into json: "
                   "%s: line %d column %d",
                   jerr.text, jerr.line, jerr.column);
}
