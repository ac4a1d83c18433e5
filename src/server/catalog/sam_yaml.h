/* SPDX-License-Identifier: MIT */
/* A SAM template's YAML as a jansson tree, with the line of every value kept beside it so that
 * an error found later names the line of the offending key. Scalars stay strings; a local tag
 * becomes CloudFormation's JSON form (!Ref x → {"Ref": x}, !Sub s → {"Fn::Sub": s}). Pure. */
#ifndef CLAMBDA_SERVER_CATALOG_SAM_YAML_H
#define CLAMBDA_SERVER_CATALOG_SAM_YAML_H

#include <jansson.h>
#include <stddef.h>

/* Deepest nesting and most nodes converted (after alias expansion). */
#define SAM_MAX_DEPTH 64
#define SAM_MAX_NODES 200000

/* One value's line (1-based): the line of its key in a mapping, else of the value. */
struct sam_mark {
    const json_t *v;
    int line;
};

/* The template and its lines. */
struct sam_doc {
    json_t *root; /* an object */
    struct sam_mark *marks;
    size_t n_marks;
    size_t cap_marks;
};

/* Loads text[0..len) into doc (sam_doc_fini, also after a failure). 0, or -EINVAL with err
 * (errlen bytes) "LINE: YAML: problem" for a syntax error or a message for a template that is
 * not a mapping or expands past SAM_MAX_NODES / SAM_MAX_DEPTH ("billion laughs" aliases). */
int sam_doc_load(struct sam_doc *doc, const char *text, size_t len, char *err, size_t errlen);
/* The line of v, a value of doc->root's tree; 0 when v is not one (a value made later). */
int sam_doc_line(const struct sam_doc *doc, const json_t *v);
/* Frees what doc holds and zeroes it. NULL is a no-op. */
void sam_doc_fini(struct sam_doc *doc);

#endif /* CLAMBDA_SERVER_CATALOG_SAM_YAML_H */
