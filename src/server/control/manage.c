/* SPDX-License-Identifier: MIT */
/* CreateFunction and DeleteFunction; see manage.h. Both run on the loop thread: the store
 * call costs tens of microseconds, the zip extraction is proportional to the package (a 1 MB
 * zip is a few milliseconds). */
#include "control/manage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "api/target.h"
#include "base/func.h"
#include "base/xalloc.h"
#include "catalog/catalog.h"
#include "catalog/lifecycle.h"
#include "cl_b64.h"
#include "control/func_json.h"
#include "control/functions.h"
#include "control/layers.h"
#include "control/settings.h"
#include "control/validate.h"
#include "control/versions.h"
#include "exec/pool.h"
#include "state/code.h"
#include "state/store.h"

static void null_member(struct call *call, const char *member)
{
    struct err err = {0};
    (void)validate_err_null(&err, member);
    call_reject(call, &err);
}

/* Parses and validates the body. OUT: *body (json_decref). False after answering. */
static bool create_body(struct call *call, json_t **body)
{
    struct err err = {0};
    *body = call_body(call, false);
    if (*body == NULL) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json.");
        return false;
    }
    if (validate_function_request(*body, true, NULL, &err) < 0) {
        call_reject(call, &err);
    } else if (!json_is_string(json_object_get(*body, "FunctionName"))) {
        null_member(call, "functionName");
    } else if (!json_is_string(json_object_get(*body, "Role"))) {
        null_member(call, "role");
    } else if (!json_is_object(json_object_get(*body, "Code"))) {
        null_member(call, "code");
    } else if (!json_is_string(json_object_get(*body, "Runtime")) ||
               !json_is_string(json_object_get(*body, "Handler"))) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Runtime and Handler are mandatory parameters for functions created "
                   "with deployment packages.");
    } else if (json_object_get(*body, "Tags") == NULL ||
               settings_tags_ok(call, json_object_get(*body, "Tags"))) {
        /* clambda's own scaling members and stored-only members are not CreateFunction input */
        (void)json_object_del(*body, "OptDir");
        (void)json_object_del(*body, "ReservedConcurrentExecutions");
        (void)json_object_del(*body, "ProvisionedConcurrentExecutions");
        return true;
    }
    json_decref(*body);
    *body = NULL;
    return false;
}

/* The name from FunctionName (a name or an unqualified ARN). False after answering. */
static bool create_name(struct call *call, json_t *body, struct url_fn *rf)
{
    const char *id = json_string_value(json_object_get(body, "FunctionName"));
    struct err err = {0};
    if (target_parse(id, false, rf, &err) < 0) {
        call_reject(call, &err);
        return false;
    }
    if (pool_function(call->ctl->pool, rf->name) != NULL) {
        char *m = xasprintf("Function already exist: %s", rf->name);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return false;
    }
    return true;
}

/* The Tags member of body as the document the catalog stores (free()), or NULL when none. */
static char *tags_doc(json_t *body)
{
    json_t *tags = json_object_get(body, "Tags");
    return json_object_size(tags) ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

void manage_create_function(struct call *call)
{
    json_t *body = NULL;
    struct url_fn rf;
    struct code_info ci;
    char *layers = NULL;
    char *opt_dir = NULL;
    memset(&ci, 0, sizeof(ci));
    if (!create_body(call, &body) || !create_name(call, body, &rf) ||
        !layers_resolve(call, json_object_get(body, "Layers"), &layers, &opt_dir) ||
        !call_take_code(call, &ci)) {
        json_decref(body);
        free(layers);
        free(opt_dir);
        return;
    }
    struct function_config cfg;
    char err[512];
    int rc = func_config_from_json(&cfg, rf.name, ci.dir, body, err, sizeof(err));
    if (rc < 0) {
        free(layers);
        free(opt_dir);
        code_info_fini(&ci);
        json_decref(body);
        call_error(call, 500, "ServiceException", err);
        return;
    }
    cfg.layers = layers;
    cfg.opt_dir = opt_dir;
    cfg.code_sha256 = xstrdup(ci.sha256_b64);
    cfg.code_size = (int64_t)ci.size;
    code_info_fini(&ci);
    const char *role = json_string_value(json_object_get(body, "Role"));
    char *tags = tags_doc(body);
    struct err cerr = {0};
    rc = catalog_create(&call->ctl->catalog, &cfg, role, tags, CATALOG_STORED, &cerr);
    free(tags);
    if (rc < 0) {
        func_config_fini(&cfg);
        json_decref(body);
        call_reject(call, &cerr);
        return;
    }
    struct func_meta m = {.version = "$LATEST",
                          .role = role,
                          .code_sha256 = cfg.code_sha256,
                          .code_size = cfg.code_size,
                          .last_modified = cfg.last_modified,
                          .revision_id = cfg.revision_id,
                          .description = cfg.description,
                          .creating = true};
    lifecycle_created(cfg.name);
    json_t *out = func_json_config(&cfg, &m, call->ctl->region, call->account, false);
    func_config_fini(&cfg);
    bool publish = json_is_true(json_object_get(body, "Publish"));
    json_decref(body);
    if (publish) { /* AWS answers with the version's configuration instead of $LATEST's */
        json_decref(out);
        versions_publish_latest(call, rf.name, NULL, 201);
        return;
    }
    call_json(call, 201, out);
}

void manage_delete_function(struct call *call)
{
    struct url_fn rf;
    struct err err = {0};
    if (target_read(call->op, call->label[0], call->req->url, true, &rf, &err) < 0 ||
        target_check_region(call->label[0], call->ctl->region, &err) < 0) {
        call_reject(call, &err);
        return;
    }
    if (target_is_alias(rf.qualifier)) { /* AWS refuses these before looking */
        call_error(call, 400, "InvalidParameterValueException",
                   "Deletion of aliases is not currently supported.");
        return;
    }
    if (!target_name_possible(rf.name) || pool_function(call->ctl->pool, rf.name) == NULL) {
        target_missing(call, rf.name, NULL); /* AWS names no qualifier here */
        return;
    }
    if (rf.qualifier[0]) {
        versions_delete_version(call, rf.name, rf.qualifier);
        return;
    }
    if (catalog_delete(&call->ctl->catalog, rf.name, CATALOG_STORED, &err) < 0) {
        if (err.status == 404) {
            err_fini(&err);
            target_missing(call, rf.name, NULL);
        } else {
            call_reject(call, &err);
        }
        return;
    }
    lifecycle_forget(rf.name);
    call_json_empty(call, 204);
}

/* Members of UpdateFunctionConfiguration kept in the configuration document. Role is kept
 * beside it (by the catalog); Layers and RevisionId are handled apart; the members clambda does not
 * implement pass validate_function_request only with values that change nothing. */
static const char *const update_members[] = {"Handler",          "Runtime",     "MemorySize",
                                             "Timeout",          "Environment", "Description",
                                             "EphemeralStorage", NULL};

/* The stored function the path names, checked against RevisionId. NULL after answering. */
static const struct function_config *update_target(struct call *call, json_t *body)
{
    struct url_fn rf;
    struct err err = {0};
    struct target_shape shape;
    if (target_read(call->op, call->label[0], NULL, true, &rf, &err) < 0 ||
        target_check_region(call->label[0], call->ctl->region, &err) < 0) {
        call_reject(call, &err);
        return NULL;
    }
    if (rf.qualifier[0]) {
        bool conc = strstr(call->op, "FunctionConcurrency") != NULL;
        char *m = conc ? xstrdup("This operation is permitted on Lambda functions only. Aliases "
                                 "and versions do not support this operation. Please specify "
                                 "either a function name or an unqualified function ARN.")
                       : xasprintf("%s takes an unqualified function name or ARN.", call->op);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return NULL;
    }
    const struct function_config *cfg =
        target_name_possible(rf.name) ? pool_function(call->ctl->pool, rf.name) : NULL;
    struct store_function sf;
    if (cfg == NULL) {
        target_shape_of(call->op, &shape);
        target_missing(call, rf.name, shape.latest_suffix ? "$LATEST" : NULL);
        return NULL;
    }
    if (store_function_get(call->ctl->store, rf.name, &sf) < 0) {
        char *m = xasprintf("Function %s is defined by --manifest: change it there and reload "
                            "(SIGHUP).",
                            rf.name);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        return NULL;
    }
    store_function_fini(&sf);
    /* AWS refuses updates while the function is Pending or an update InProgress */
    if (strncmp(call->op, "UpdateFunction", 14) == 0 &&
        (lifecycle_pending(rf.name) || lifecycle_updating(rf.name))) {
        char *arn = arn_function(call->ctl->region, call->account, rf.name, NULL);
        char *m = lifecycle_pending(rf.name)
                      ? xstrdup("The operation cannot be performed at this time. The function is "
                                "currently in the following state: Pending")
                      : xasprintf("The operation cannot be performed at this time. An update is "
                                  "in progress for resource: %s",
                                  arn);
        call_error(call, 409, "ResourceConflictException", m);
        free(m);
        free(arn);
        return NULL;
    }
    const char *rev = json_string_value(json_object_get(body, "RevisionId"));
    if (rev && (cfg->revision_id == NULL || strcmp(rev, cfg->revision_id) != 0)) {
        call_error(call, 412, "PreconditionFailedException",
                   "The Revision Id provided does not match the latest Revision Id. Call "
                   "the GetFunction/GetAlias API to retrieve the latest Revision Id");
        return NULL;
    }
    return cfg;
}

/* Applies a new Layers member (resolved into layers, opt_dir) to cfg when given; else (or cfg
 * NULL) frees them. */
static void apply_layers(struct function_config *cfg, bool given, char *layers, char *opt_dir)
{
    if (given && cfg) {
        free(cfg->layers);
        free(cfg->opt_dir);
        cfg->layers = layers;
        cfg->opt_dir = opt_dir;
    } else {
        free(layers);
        free(opt_dir);
    }
}

/* Validates body, finds the function and resolves Layers. NULL after answering, with body
 * released. */
static const struct function_config *update_prepare(struct call *call, json_t *body, char **layers,
                                                    char **opt_dir)
{
    struct err verr = {0};
    const struct function_config *old = NULL;
    struct url_fn rf;
    bool named = url_parse_function(call->label[0], &rf) == 0;
    if (validate_function_request(body, false, named ? rf.name : call->label[0], &verr) < 0) {
        call_reject(call, &verr);
    } else {
        old = update_target(call, body);
    }
    if (old == NULL || !layers_resolve(call, json_object_get(body, "Layers"), layers, opt_dir)) {
        json_decref(body);
        return NULL;
    }
    return old;
}

static void answer_updated(struct call *call, struct function_config *cfg);

/* Saves cfg as the new $LATEST of its function and serves it (catalog_update), with role (NULL:
 * unchanged). 0 with cfg still the caller's, or -errno after answering and freeing cfg. */
static int save_latest(struct call *call, struct function_config *cfg, const char *role)
{
    struct err err = {0};
    int rc = catalog_update(&call->ctl->catalog, cfg, role, CATALOG_STORED, NULL, &err);
    if (rc < 0) {
        func_config_fini(cfg);
        call_reject(call, &err);
    }
    return rc;
}

/* Saves the body's Role (validated) for function name when it differs from the stored one.
 * OUT: *changed. False after answering (the store failed; nothing else is changed yet). */
/* The Role body gives when it differs from the stored one (a copy), else NULL. */
static char *changed_role(struct call *call, const char *name, json_t *body)
{
    const char *role = json_string_value(json_object_get(body, "Role"));
    char *stored = role ? functions_stored_role(call->ctl->store, name) : NULL;
    bool changed = role && (stored == NULL || strcmp(stored, role) != 0);
    free(stored);
    return changed ? xstrdup(role) : NULL;
}

void manage_update_configuration(struct call *call)
{
    json_t *body = call_object(call);
    if (body == NULL) {
        return;
    }
    char *layers = NULL;
    char *opt_dir = NULL;
    bool layers_given = json_object_get(body, "Layers") != NULL;
    const struct function_config *old = update_prepare(call, body, &layers, &opt_dir);
    if (old == NULL) {
        return;
    }
    /* saved after the configuration, so a failed update changes nothing */
    char *role = changed_role(call, old->name, body);
    json_t *doc = NULL;
    func_config_to_json(old, &doc);
    for (size_t i = 0; update_members[i]; i++) {
        json_t *v = json_object_get(body, update_members[i]);
        if (v) {
            (void)json_object_set(doc, update_members[i], v);
        }
    }
    json_decref(body);
    struct function_config cfg;
    char err[512];
    int rc = func_config_from_json(&cfg, old->name, old->code_dir, doc, err, sizeof(err));
    json_decref(doc);
    if (rc < 0) {
        apply_layers(NULL, false, layers, opt_dir);
        free(role);
        call_error(call, 500, "ServiceException", err);
        return;
    }
    apply_layers(&cfg, layers_given, layers, opt_dir);
    cfg.code_sha256 = old->code_sha256 ? xstrdup(old->code_sha256) : NULL;
    cfg.code_size = old->code_size;
    rc = save_latest(call, &cfg, role);
    free(role);
    if (rc == 0) {
        answer_updated(call, &cfg);
    }
}

/* Saves old with its reserved concurrency set to reserved (-1: none) and puts it in the pool.
 * 0, or -1 after answering an error. */
static int save_reserved(struct call *call, const struct function_config *old, int reserved)
{
    json_t *doc = NULL;
    func_config_to_json(old, &doc);
    if (reserved >= 0) {
        (void)json_object_set_new(doc, "ReservedConcurrentExecutions", json_integer(reserved));
    } else {
        (void)json_object_del(doc, "ReservedConcurrentExecutions");
    }
    struct function_config cfg;
    char err[512];
    int rc = func_config_from_json(&cfg, old->name, old->code_dir, doc, err, sizeof(err));
    json_decref(doc);
    if (rc < 0) {
        call_error(call, 500, "ServiceException", err);
        return -1;
    }
    cfg.code_sha256 = old->code_sha256 ? xstrdup(old->code_sha256) : NULL;
    cfg.code_size = old->code_size;
    if (save_latest(call, &cfg, NULL) < 0) { /* in place: only scaling changed */
        return -1;
    }
    func_config_fini(&cfg);
    return 0;
}

/* Reserved concurrency of every other function ($LATEST). */
static long long reserved_elsewhere(const struct pool *p, const char *name)
{
    long long sum = 0;
    const struct function_config *c;
    for (size_t i = 0; (c = pool_function_at(p, i)) != NULL; i++) {
        if (strcmp(c->version, "$LATEST") == 0 && strcmp(c->name, name) != 0 && c->reserved > 0) {
            sum += c->reserved;
        }
    }
    return sum;
}

void manage_put_concurrency(struct call *call)
{
    json_t *body = call_body(call, true);
    const json_t *n = json_object_get(body, "ReservedConcurrentExecutions");
    const struct function_config *old = NULL;
    if (body == NULL || (n && !json_is_integer(n))) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json.");
    } else if (n == NULL) {
        null_member(call, "reservedConcurrentExecutions");
    } else if (json_integer_value(n) < 0) {
        char v[32];
        (void)snprintf(v, sizeof(v), "%lld", (long long)json_integer_value(n));
        call_invalid(call, v, "reservedConcurrentExecutions",
                     "Member must have value greater than or equal to 0");
    } else {
        old = update_target(call, body);
    }
    long long want = n ? (long long)json_integer_value(n) : 0;
    json_decref(body);
    if (old == NULL) {
        return;
    }
    if (want + reserved_elsewhere(call->ctl->pool, old->name) > call->ctl->max_concurrency) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Specified ReservedConcurrentExecutions for function decreases "
                   "account's UnreservedConcurrentExecution below its minimum value of "
                   "[0].");
        return;
    }
    if (save_reserved(call, old, (int)want) == 0) {
        call_json(call, 200, json_pack("{s:I}", "ReservedConcurrentExecutions", (json_int_t)want));
    }
}

void manage_delete_concurrency(struct call *call)
{
    json_t *none = json_object();
    const struct function_config *old = update_target(call, none);
    json_decref(none);
    if (old && save_reserved(call, old, -1) == 0) {
        call_json_empty(call, 204);
    }
}

/* Answers the FunctionConfiguration of cfg ($LATEST, just saved by save_latest) and frees
 * cfg. */
static void answer_updated(struct call *call, struct function_config *cfg)
{
    char *role = functions_stored_role(call->ctl->store, cfg->name);
    struct func_meta m = {.version = "$LATEST",
                          .role = role,
                          .code_sha256 = cfg->code_sha256,
                          .code_size = cfg->code_size,
                          .last_modified = cfg->last_modified,
                          .revision_id = cfg->revision_id,
                          .description = cfg->description,
                          .updating = true};
    lifecycle_updated(cfg->name);
    json_t *out = func_json_config(cfg, &m, call->ctl->region, call->account, false);
    free(role);
    func_config_fini(cfg);
    call_json(call, 200, out);
}

/* UpdateFunctionCode's body: a JSON object with its code and nothing clambda cannot do.
 * NULL after answering. */
static json_t *code_body(struct call *call)
{
    json_t *body = call_body(call, false);
    if (body == NULL) {
        call_error(call, 400, "InvalidRequestContentException",
                   "Could not parse request body into json.");
    } else if (json_object_get(body, "Architectures") &&
               (!json_is_array(json_object_get(body, "Architectures")) ||
                json_array_size(json_object_get(body, "Architectures")) != 1)) {
        call_invalid(call, NULL, "architectures",
                     "Member must have length less than or equal to 1");
    } else {
        return body;
    }
    json_decref(body);
    return NULL;
}

void manage_update_code(struct call *call)
{
    json_t *body = code_body(call);
    const struct function_config *old = body ? update_target(call, body) : NULL;
    struct code_info ci;
    memset(&ci, 0, sizeof(ci));
    if (old == NULL || !call_take_code(call, &ci)) {
        json_decref(body);
        return;
    }
    json_t *doc = NULL;
    func_config_to_json(old, &doc);
    json_t *arch = json_object_get(body, "Architectures");
    if (arch) {
        (void)json_object_set(doc, "Architectures", arch);
    }
    bool dry_run = json_is_true(json_object_get(body, "DryRun"));
    bool publish = json_is_true(json_object_get(body, "Publish"));
    json_decref(body);
    struct function_config cfg;
    char err[512];
    int rc = func_config_from_json(&cfg, old->name, ci.dir, doc, err, sizeof(err));
    json_decref(doc);
    if (rc == 0) {
        cfg.code_sha256 = xstrdup(ci.sha256_b64);
        cfg.code_size = (int64_t)ci.size;
    }
    code_info_fini(&ci);
    if (rc < 0) {
        call_error(call, rc == -EINVAL ? 400 : 500,
                   rc == -EINVAL ? "InvalidParameterValueException" : "ServiceException", err);
        return;
    }
    if (dry_run) { /* validated and extracted, nothing changed */
        struct func_meta m = {.version = "$LATEST",
                              .code_sha256 = cfg.code_sha256,
                              .code_size = cfg.code_size,
                              .last_modified = old->last_modified,
                              .revision_id = old->revision_id,
                              .description = cfg.description};
        call_json(call, 200, func_json_config(&cfg, &m, call->ctl->region, call->account, false));
        func_config_fini(&cfg);
        return;
    }
    if (save_latest(call, &cfg, NULL) < 0) {
        return;
    }
    if (publish) { /* AWS answers with the published version's FunctionConfiguration */
        lifecycle_updated(cfg.name);
        char *name = xstrdup(cfg.name);
        func_config_fini(&cfg);
        versions_publish_latest(call, name, NULL, 200);
        free(name);
        return;
    }
    answer_updated(call, &cfg);
}
