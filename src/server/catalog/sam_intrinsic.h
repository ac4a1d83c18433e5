/* SPDX-License-Identifier: MIT */
/* CloudFormation's intrinsic functions over a SAM template (sam_yaml's tree): Ref (parameters'
 * Default, pseudo parameters, resources), Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select,
 * Fn::Split, Fn::If with the template's Conditions (Fn::Equals, And, Or, Not, Condition),
 * Fn::FindInMap and Fn::Base64. A resource's Ref is its physical name as clambda runs it (a
 * function's FunctionName or logical id, a table's TableName, an API's logical id); GetAtt
 * gives ARNs in the given region and account. Others (Fn::ImportValue, Fn::GetAZs, ...) are
 * refused by name. Pure. */
#ifndef CLAMBDA_SERVER_CATALOG_SAM_INTRINSIC_H
#define CLAMBDA_SERVER_CATALOG_SAM_INTRINSIC_H

#include <jansson.h>
#include <stdbool.h>

/* The evaluation of one template. Set tmpl, region, account and stack_name; the rest is
 * the evaluator's. */
struct sam_eval {
    json_t *tmpl;           /* the template (Parameters, Mappings, Conditions, Resources) */
    const char *region;     /* AWS::Region */
    const char *account;    /* AWS::AccountId */
    const char *stack_name; /* AWS::StackName */
    int depth;              /* nesting of references being followed (cycles end at a cap) */
    long steps;             /* values evaluated: the work is capped (SAM_EVAL_MAX_STEPS) */
    json_t *cache;          /* physical names and conditions already found (sam_eval_fini) */
    const json_t *at;       /* after an error: the template value that failed */
    char msg[512];          /* after an error: what failed, naming the function */
};

/* Frees what evaluation kept in ev (its cache). */
void sam_eval_fini(struct sam_eval *ev);

/* v with every intrinsic function evaluated. OUT: *out, a new reference (json_decref), or NULL
 * when v is (or evaluates to) AWS::NoValue; members and items that evaluate to AWS::NoValue
 * are dropped. A value without intrinsics comes back as itself (same pointer, one more
 * reference), so its line can still be found. 0, or -EINVAL with ev->msg and ev->at set. */
int sam_eval_value(struct sam_eval *ev, json_t *v, json_t **out);

/* The value of the template's Conditions.<name>. OUT: *out. 0 or -EINVAL (ev->msg, ev->at). */
int sam_eval_condition(struct sam_eval *ev, const char *name, bool *out);

/* A YAML/JSON boolean scalar ("true", "True", "TRUE", "false", ...; a JSON boolean). OUT: *out.
 * false when v is not one. */
bool sam_bool(const json_t *v, bool *out);

/* The name clambda gives resource id (FunctionName, TableName, ... or the logical id). OUT:
 * *out (free()). 0 or -EINVAL (ev->msg, ev->at), e.g. for an id that is no resource. */
int sam_physical_name(struct sam_eval *ev, const char *id, char **out);

/* ---- shared by sam_intrinsic.c and sam_intrinsic_fns.c ---- */

/* Nesting of references followed and of values within them (together what the stack holds)
 * before a template is refused as circular. */
#define SAM_EVAL_DEPTH 100
/* Values evaluated in one template before it is refused: names and conditions are cached, so
 * only a template built to multiply work (each name made of two others, 30 deep) comes near. */
#define SAM_EVAL_MAX_STEPS 1000000L
/* Largest string Fn::Sub, Fn::Join or Fn::Base64 makes. */
#define SAM_EVAL_MAX_STR ((size_t)1024 * 1024)

/* Sets ev->msg (printf) and ev->at; returns -EINVAL. */
int sam_eval_fail(struct sam_eval *ev, const json_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One intrinsic function: arg is its argument, at the {"Fn::X": arg} value (for errors). OUT:
 * *out as sam_eval_value. 0 or -EINVAL (sam_eval_fail). */
typedef int sam_intrinsic_fn(struct sam_eval *ev, const json_t *at, json_t *arg, json_t **out);
sam_intrinsic_fn sam_fn_join, sam_fn_select, sam_fn_split, sam_fn_if, sam_fn_find_in_map,
    sam_fn_base64;

#endif /* CLAMBDA_SERVER_CATALOG_SAM_INTRINSIC_H */
