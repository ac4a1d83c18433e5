/* SPDX-License-Identifier: MIT */
/* SAM template YAML → jansson with lines; see sam_yaml.h. The YAML is loaded into libyaml's
 * document tree and converted node by node; aliases are followed by libyaml, and the
 * conversion is capped in depth and in nodes, so a template that expands without end is
 * refused. Each converted value's line goes into a side table searched (newest first) only
 * when an error is reported, so the common path pays one append per node. */
#include "catalog/sam_yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/xalloc.h"

struct conv {
    yaml_document_t *doc;
    struct sam_doc *out;
    size_t n_nodes;
    bool too_big;
};

static void mark(struct sam_doc *d, const json_t *v, size_t line)
{
    if (d->n_marks == d->cap_marks) {
        d->cap_marks = d->cap_marks ? d->cap_marks * 2 : 256;
        d->marks = xrealloc(d->marks, d->cap_marks * sizeof(*d->marks));
    }
    d->marks[d->n_marks++] = (struct sam_mark){v, (int)line + 1};
}

static json_t *node_json(struct conv *cv, yaml_node_t *n, int depth, size_t line);

/* A local tag (!Ref, !Sub, ...) wrapped the way CloudFormation's JSON writes it. */
static json_t *tagged(const char *tag, json_t *v)
{
    if (tag == NULL || tag[0] != '!' || tag[1] == '\0') {
        return v;
    }
    char *key = strcmp(tag, "!Ref") == 0 || strcmp(tag, "!Condition") == 0
                    ? xstrdup(tag + 1)
                    : xasprintf("Fn::%s", tag + 1);
    json_t *o = json_object();
    (void)json_object_set_new(o, key, v);
    free(key);
    return o;
}

static json_t *mapping_json(struct conv *cv, yaml_node_t *n, int depth)
{
    json_t *o = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(cv->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(cv->doc, p->value);
        if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
            continue; /* complex keys do not occur in templates */
        }
        char *key = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
        json_t *jv = node_json(cv, v, depth + 1, k->start_mark.line);
        if (jv) {
            (void)json_object_set_new(o, key, jv);
        }
        free(key);
    }
    return o;
}

static json_t *node_json(struct conv *cv, yaml_node_t *n, int depth, size_t line)
{
    if (depth > SAM_MAX_DEPTH || ++cv->n_nodes > SAM_MAX_NODES) {
        cv->too_big = true;
        return NULL;
    }
    json_t *v = NULL;
    if (n->type == YAML_SCALAR_NODE) {
        v = json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
        v = v ? v : json_string("(invalid UTF-8)");
    } else if (n->type == YAML_SEQUENCE_NODE) {
        v = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            yaml_node_t *item = yaml_document_get_node(cv->doc, *i);
            json_t *jv = item ? node_json(cv, item, depth + 1, item->start_mark.line) : NULL;
            if (jv) {
                (void)json_array_append_new(v, jv);
            }
        }
    } else if (n->type == YAML_MAPPING_NODE) {
        v = mapping_json(cv, n, depth);
    }
    if (v == NULL) {
        return NULL;
    }
    mark(cv->out, v, line);
    json_t *t = tagged((const char *)n->tag, v);
    if (t != v) {
        mark(cv->out, t, line);
    }
    return t;
}

int sam_doc_load(struct sam_doc *doc, const char *text, size_t len, char *err, size_t errlen)
{
    memset(doc, 0, sizeof(*doc));
    yaml_parser_t parser;
    yaml_document_t ydoc;
    if (!yaml_parser_initialize(&parser)) {
        abort(); /* only ENOMEM */
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &ydoc)) {
        (void)snprintf(err, errlen, "%zu: YAML: %s%s%s", parser.problem_mark.line + 1,
                       parser.problem ? parser.problem : "malformed", parser.context ? " " : "",
                       parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -EINVAL;
    }
    yaml_node_t *top = yaml_document_get_root_node(&ydoc);
    struct conv cv = {&ydoc, doc, 0, false};
    json_t *root = top ? node_json(&cv, top, 0, top->start_mark.line) : NULL;
    int rc = 0;
    if (cv.too_big) {
        (void)snprintf(err, errlen, "1: the template nests or expands too far (aliases?)");
        rc = -EINVAL;
    } else if (!json_is_object(root)) {
        (void)snprintf(err, errlen, "1: the template is not a YAML mapping");
        rc = -EINVAL;
    }
    if (rc < 0) {
        json_decref(root);
        root = NULL;
    }
    doc->root = root;
    yaml_document_delete(&ydoc);
    yaml_parser_delete(&parser);
    return rc;
}

int sam_doc_line(const struct sam_doc *doc, const json_t *v)
{
    for (size_t i = doc->n_marks; v && i > 0; i--) {
        if (doc->marks[i - 1].v == v) {
            return doc->marks[i - 1].line;
        }
    }
    return 0;
}

void sam_doc_fini(struct sam_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    json_decref(doc->root);
    free(doc->marks);
    memset(doc, 0, sizeof(*doc));
}
