/* SPDX-License-Identifier: MIT */
/* A small JSON reader on jsmn (token array over the caller's text, no copies until a string is
 * asked for) and a JSON string writer that escapes any bytes: valid UTF-8 is kept, control
 * bytes become \u00XX, invalid UTF-8 sequences become U+FFFD. Tokens are addressed by index;
 * index 0 is the root value, -1 means "absent". */
#ifndef CLAMBDA_COMMON_CL_JSON_H
#define CLAMBDA_COMMON_CL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cl_buf.h"

enum cl_json_type {
    CL_JSON_INVALID = 0,
    CL_JSON_OBJECT,
    CL_JSON_ARRAY,
    CL_JSON_STRING,
    CL_JSON_NUMBER,
    CL_JSON_TRUE,
    CL_JSON_FALSE,
    CL_JSON_NULL,
};

struct cl_json_tok; /* private */

struct cl_json {
    const char *src; /* borrowed input text */
    size_t len;
    struct cl_json_tok *toks;
    int n_toks;
};

/* Deepest nesting of objects and arrays cl_json_parse accepts (it bounds jsmn's work per
 * closing bracket, which walks up the open containers). */
#define CL_JSON_MAX_DEPTH 128

/* Parses src (borrowed: must outlive doc) into doc. The whole input must be one JSON value
 * (surrounding whitespace allowed). 0, -EBADMSG (malformed), -E2BIG (over max_toks tokens,
 * nested deeper than CL_JSON_MAX_DEPTH, or over INT_MAX bytes) or -ENOMEM. On failure doc
 * holds no tokens (cl_json_fini is still allowed). */
int cl_json_parse(struct cl_json *doc, const uint8_t *src, size_t len, int max_toks);
/* Frees the tokens. NULL is a no-op. */
void cl_json_fini(struct cl_json *doc);

/* Type of token tok (CL_JSON_INVALID for -1 or out of range). */
enum cl_json_type cl_json_type(const struct cl_json *doc, int tok);
/* Number of members of an object / elements of an array; 0 otherwise. */
int cl_json_size(const struct cl_json *doc, int tok);
/* Index of the value of member key in object obj (exact match of the unescaped key; the
 * first one when a key is repeated), or -1. */
int cl_json_get(const struct cl_json *doc, int obj, const char *key);
/* Same with an ASCII case-insensitive key match. */
int cl_json_get_ci(const struct cl_json *doc, int obj, const char *key);
/* Follows a path of member names from obj ("requestContext", "http", "method", NULL). */
int cl_json_path(const struct cl_json *doc, int obj, const char *const *keys);
/* For objects: index of the i-th key (its value is key + 1). For arrays: the i-th element.
 * -1 when out of range. */
int cl_json_child(const struct cl_json *doc, int tok, int i);
/* Index of the token after tok's whole subtree (its next sibling), or n_toks. An object
 * key's subtree is the key and its value, so skip walks keys from key to key. */
int cl_json_skip(const struct cl_json *doc, int tok);

/* Raw text of a token (for strings: between the quotes, still escaped). */
const char *cl_json_raw(const struct cl_json *doc, int tok, size_t *len);
/* True when tok is a string whose unescaped value equals s. */
bool cl_json_str_eq(const struct cl_json *doc, int tok, const char *s);
/* Appends the unescaped value of string token tok to out (\u escapes incl. surrogate pairs
 * become UTF-8; a lone surrogate becomes U+FFFD). -EINVAL if tok is not a string,
 * -EBADMSG on a bad escape, -E2BIG, -ENOMEM. */
int cl_json_str(const struct cl_json *doc, int tok, struct cl_buf *out);
/* Newly allocated NUL-terminated unescaped string (free with cl_alloc_free), *len optional. */
int cl_json_strdup(const struct cl_json *doc, int tok, char **out, size_t *len);
/* Integer value of a number token (no fraction/exponent). -EINVAL, -ERANGE. */
int cl_json_int64(const struct cl_json *doc, int tok, int64_t *out);
/* True for the literal true. */
bool cl_json_is_true(const struct cl_json *doc, int tok);

/* Appends s[0..len) as a quoted JSON string with the escaping rules above. */
int cl_json_write_str(struct cl_buf *out, const uint8_t *s, size_t len);
/* Same for a NUL-terminated string; NULL writes null. */
int cl_json_write_cstr(struct cl_buf *out, const char *s);

#endif /* CLAMBDA_COMMON_CL_JSON_H */
