/* SPDX-License-Identifier: MIT */
/* Layers: PublishLayerVersion (Content.ZipFile or S3Bucket/S3Key, extracted like function code
 * under <state-dir>/code/<sha256hex>), GetLayerVersion, GetLayerVersionByArn, ListLayers,
 * ListLayerVersions and DeleteLayerVersion, on the store's layers table. See layers.h. */
#include "control/layers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/arn.h"
#include "api/page.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "cl_buf.h"
#include "control/download.h"
#include "control/settings.h"
#include "control/validate.h"
#include "state/code.h"
#include "state/optdir.h"
#include "state/store.h"

#define LAYER_NAME_MAX     140 /* layers.h: name buffers are 141 bytes */
#define LAYER_PAGE_MAX     50
#define LAYER_RUNTIMES_MAX 15
#define LAYER_DESC_MAX     256

static const char NAME_PATTERN[] =
    "Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:"
    "\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";

static bool name_chars_ok(const char *s)
{
    size_t len = strlen(s);
    return len >= 1 && len <= LAYER_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len;
}

bool layers_parse_name(const char *id, char out[LAYER_NAME_MAX + 1])
{
    const char *p = strstr(id, ":layer:");
    if (strncmp(id, "arn:", 4) == 0) {
        if (p == NULL) {
            return false;
        }
        id = p + 7;
    }
    if (!name_chars_ok(id)) {
        return false;
    }
    (void)snprintf(out, LAYER_NAME_MAX + 1, "%s", id);
    return true;
}

static bool layer_name(struct call *call, char out[LAYER_NAME_MAX + 1])
{
    if (!layers_parse_name(call->label[0], out)) {
        call_invalid(call, call->label[0], "layerName", NAME_PATTERN);
        return false;
    }
    return true;
}

static bool parse_version(const char *s, int64_t *v)
{
    char *end = NULL;
    long long n = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || n < 1) {
        return false;
    }
    *v = n;
    return true;
}

/* A layer version ARN, as AWS's answers quote the pattern. */
#define LAYER_VERSION_ARN_PATTERN                                                                  \
    "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:" \
    "layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"

#define LAYER_LICENSE_MAX 512

static void layer_not_found(struct call *call)
{
    call_error(call, 404, "ResourceNotFoundException",
               "The resource you requested does not exist.");
}

/* ---- publish ---------------------------------------------------------------------------- */

/* A list member as AWS quotes it: "[a, b]". */
static char *list_text(json_t *v)
{
    struct cl_buf b;
    cl_buf_init(&b, VALIDATE_ERR_MAX);
    (void)cl_buf_append_byte(&b, '[');
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        (void)cl_buf_printf(&b, "%s%s", i ? ", " : "", s ? s : "null");
    }
    (void)cl_buf_append_byte(&b, ']');
    char *out = xstrdup(cl_buf_str(&b));
    cl_buf_fini(&b);
    return out;
}

/* CompatibleRuntimes / CompatibleArchitectures: at most max items of the enum; errors to l. */
static void string_list_check(struct validate_err_list *l, json_t *v, const char *member,
                              size_t max, bool runtimes)
{
    if (v == NULL || !json_is_array(v)) {
        return; /* types are checked first */
    }
    char *text = list_text(v);
    bool known = true;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        known &= s != NULL && (runtimes ? validate_runtime_known(s)
                                        : strcmp(s, "x86_64") == 0 || strcmp(s, "arm64") == 0);
    }
    if (json_array_size(v) > max) {
        validate_err_add(l, text, member, "Member must have length less than or equal to %zu", max);
    } else if (!known && runtimes) {
        struct cl_buf b;
        cl_buf_init(&b, VALIDATE_ERR_MAX);
        validate_runtime_enum(&b);
        validate_err_add(l, text, member, "%s", cl_buf_str(&b));
        cl_buf_fini(&b);
    } else if (!known) {
        validate_err_add(l, text, member,
                         "Member must satisfy constraint: [Member must satisfy enum value set: "
                         "[x86_64, arm64], Member must not be null]");
    }
    free(text);
}

/* The first member of PublishLayerVersion of the wrong type (Description and LicenseInfo
 * strings, the Compatible* lists), or NULL. OUT: *is_string (what it should be). */
static const char *mistyped_member(json_t *body, bool *is_string)
{
    static const struct {
        const char *name;
        bool is_string;
    } members[] = {{"Description", true},
                   {"LicenseInfo", true},
                   {"CompatibleRuntimes", false},
                   {"CompatibleArchitectures", false}};
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        json_t *v = json_object_get(body, members[i].name);
        if (v && (members[i].is_string ? !json_is_string(v) : !json_is_array(v))) {
            *is_string = members[i].is_string;
            return members[i].name;
        }
    }
    return NULL;
}

/* PublishLayerVersion's members: their types, then the model's errors gathered as AWS does. */
static bool publish_body_ok(struct call *call, json_t *body)
{
    json_t *desc = json_object_get(body, "Description");
    json_t *lic = json_object_get(body, "LicenseInfo");
    struct err err = {0};
    bool is_string = false;
    const char *member = NULL;
    if (!json_is_object(json_object_get(body, "Content"))) {
        (void)validate_err_null(&err, "content");
        call_reject(call, &err);
        return false;
    }
    if ((member = mistyped_member(body, &is_string)) != NULL) {
        (void)validate_err_type(&err, member, is_string ? "a string" : "a list of strings");
        call_reject(call, &err);
        return false;
    }
    struct validate_err_list l;
    validate_err_list_init(&l);
    if (desc && json_string_length(desc) > LAYER_DESC_MAX) {
        validate_err_add(&l, json_string_value(desc), "description",
                         "Member must have length less than or equal to %d", LAYER_DESC_MAX);
    }
    if (lic && json_string_length(lic) > LAYER_LICENSE_MAX) {
        validate_err_add(&l, json_string_value(lic), "licenseInfo",
                         "Member must have length less than or equal to %d", LAYER_LICENSE_MAX);
    }
    string_list_check(&l, json_object_get(body, "CompatibleRuntimes"), "compatibleRuntimes",
                      LAYER_RUNTIMES_MAX, true);
    string_list_check(&l, json_object_get(body, "CompatibleArchitectures"),
                      "compatibleArchitectures", 2, false);
    if (validate_err_list_done(&l, &err) < 0) {
        call_reject(call, &err);
        return false;
    }
    return true;
}

static json_t *layer_doc(struct call *call, const char *name, int64_t version, json_t *body,
                         const struct code_info *ci)
{
    char created[IDS_TIME_LEN];
    ids_now_iso(created, 3, "+0000");
    char *arn = arn_layer(call->ctl->region, call->account, name, 0);
    char *varn = arn_layer(call->ctl->region, call->account, name, version);
    char *loc = xasprintf("file://%s", ci->dir);
    json_t *desc = json_object_get(body, "Description");
    json_t *doc =
        json_pack("{s:{s:s,s:s,s:I},s:s,s:s,s:s,s:s,s:I}", "Content", "Location", loc, "CodeSha256",
                  ci->sha256_b64, "CodeSize", (json_int_t)ci->size, "LayerArn", arn,
                  "LayerVersionArn", varn, "Description", desc ? json_string_value(desc) : "",
                  "CreatedDate", created, "Version", (json_int_t)version);
    static const char *const opt[] = {"CompatibleRuntimes", "LicenseInfo",
                                      "CompatibleArchitectures", NULL};
    for (size_t i = 0; opt[i]; i++) {
        json_t *v = json_object_get(body, opt[i]);
        if (v) {
            (void)json_object_set(doc, opt[i], v);
        }
    }
    free(arn);
    free(varn);
    free(loc);
    return doc;
}

/* doc as answered: the stored Content.Location (file:// + the extracted directory, which
 * layers_resolve reads) becomes the zip's download URL, or goes when no zip is kept. */
static json_t *answer_doc(const struct call *call, json_t *doc)
{
    json_t *content = json_object_get(doc, "Content");
    char *url = download_url(call, json_string_value(json_object_get(content, "CodeSha256")));
    if (url) {
        (void)json_object_set_new(content, "Location", json_string(url));
    } else {
        (void)json_object_del(content, "Location");
    }
    free(url);
    return doc;
}

void layers_publish(struct call *call)
{
    char name[LAYER_NAME_MAX + 1];
    struct code_info ci;
    memset(&ci, 0, sizeof(ci));
    json_t *body = layer_name(call, name) ? call_object(call) : NULL;
    if (body == NULL) {
        return;
    }
    if (!publish_body_ok(call, body) || !call_take_code(call, &ci)) {
        json_decref(body);
        return;
    }
    struct store *st = call->ctl->store;
    int64_t version = 0;
    json_t *doc = NULL;
    int rc = store_begin(st);
    if (rc == 0 && (rc = store_layer_next(st, name, &version)) == 0) {
        doc = layer_doc(call, name, version, body, &ci);
        char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        rc = store_layer_put(st, name, version, text);
        free(text);
    }
    rc = rc == 0 ? store_commit(st) : (store_rollback(st), rc);
    code_info_fini(&ci);
    json_decref(body);
    if (rc < 0) {
        json_decref(doc);
        settings_store_error(call, name, -EIO);
        return;
    }
    call_json(call, 201, answer_doc(call, doc));
}

/* ---- read, list, delete --------------------------------------------------------------------- */

json_t *layers_get_doc(struct store *st, const char *name, int64_t version)
{
    char *text = NULL;
    if (store_layer_get(st, name, version, &text) < 0) {
        return NULL;
    }
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    return doc;
}

static void answer_version(struct call *call, const char *name, int64_t version)
{
    json_t *doc = layers_get_doc(call->ctl->store, name, version);
    if (doc == NULL) {
        layer_not_found(call);
        return;
    }
    call_json(call, 200, answer_doc(call, doc));
}

/* The layer name and version number of the path's labels. False after answering. */
static bool layer_version_labels(struct call *call, char name[LAYER_NAME_MAX + 1], int64_t *version)
{
    if (!layer_name(call, name)) {
        return false;
    }
    char *end = NULL;
    long long n = strtoll(call->label[1], &end, 10);
    if (call->label[1][0] && *end == '\0' && n < 1) {
        call_error(call, 400, "InvalidParameterValueException",
                   "Layer Version Cannot be less than 1"); /* AWS's (recorded) */
        return false;
    }
    if (!parse_version(call->label[1], version)) {
        call_invalid(call, call->label[1], "versionNumber",
                     "Member must have value greater than or equal to 1");
        return false;
    }
    return true;
}

void layers_get_version(struct call *call)
{
    char name[LAYER_NAME_MAX + 1];
    int64_t version = 0;
    if (!layer_version_labels(call, name, &version)) {
        return;
    }
    answer_version(call, name, version);
}

bool layers_parse_version_arn(const char *arn, char name[LAYER_NAME_MAX + 1], int64_t *version)
{
    const char *p = strstr(arn, ":layer:");
    const char *colon = p ? strrchr(arn, ':') : NULL;
    if (strncmp(arn, "arn:", 4) != 0 || p == NULL || colon <= p + 6 ||
        !parse_version(colon + 1, version) || (size_t)(colon - (p + 7)) > LAYER_NAME_MAX) {
        return false;
    }
    (void)snprintf(name, LAYER_NAME_MAX + 1, "%.*s", (int)(colon - (p + 7)), p + 7);
    return name_chars_ok(name);
}

void layers_get_by_arn(struct call *call)
{
    char arn[2048];
    char name[LAYER_NAME_MAX + 1];
    int64_t version = 0;
    int qrc = url_query_get(call->req->url, "Arn", arn, sizeof(arn));
    if (qrc < 0 || !layers_parse_version_arn(arn, name, &version)) {
        call_invalid(call, qrc < 0 ? "(malformed)" : arn, "arn",
                     "Member must satisfy regular expression pattern: " LAYER_VERSION_ARN_PATTERN);
        return;
    }
    answer_version(call, name, version);
}

void layers_delete_version(struct call *call)
{
    char name[LAYER_NAME_MAX + 1];
    int64_t version = 0;
    if (!layer_version_labels(call, name, &version)) {
        return;
    }
    int rc = store_layer_delete(call->ctl->store, name, version);
    if (rc < 0 && rc != -ENOENT) {
        settings_store_error(call, name, -EIO);
        return;
    }
    call_json_empty(call, 204); /* AWS: deleting a missing version succeeds */
}

/* True when the version document matches the ListLayers / ListLayerVersions filters. */
static bool matches(json_t *doc, const char *runtime, const char *arch)
{
    size_t i;
    json_t *e;
    bool rt = *runtime == '\0';
    bool ar = *arch == '\0';
    json_array_foreach(json_object_get(doc, "CompatibleRuntimes"), i, e)
    {
        rt |= strcmp(json_string_value(e), runtime) == 0;
    }
    json_array_foreach(json_object_get(doc, "CompatibleArchitectures"), i, e)
    {
        ar |= strcmp(json_string_value(e), arch) == 0;
    }
    return rt && ar;
}

/* The filters and page of ListLayers / ListLayerVersions. runtime and arch are as long as
 * the request gave them (an error quotes them whole); list_q_fini frees them. */
struct list_q {
    char *runtime; /* "" when not given */
    char *arch;
    char marker[LAYER_NAME_MAX + 32];
    int max;
};

/* ?key= of call's URL, decoded ("" when absent). A new string (free()): sized by the URL, so
 * the value is never cut. */
static char *query_value(const struct call *call, const char *key)
{
    size_t cap = strlen(call->req->url) + 1;
    char *v = xcalloc(cap, 1);
    (void)url_query_get(call->req->url, key, v, cap);
    return v;
}

static void list_q_fini(struct list_q *q)
{
    free(q->runtime);
    free(q->arch);
}

/* Reads the filters, Marker and MaxItems into *q (list_q_fini, also after a failure). False
 * after answering. */
static bool list_query(struct call *call, struct list_q *q)
{
    memset(q, 0, sizeof(*q));
    q->runtime = query_value(call, "CompatibleRuntime");
    q->arch = query_value(call, "CompatibleArchitecture");
    (void)url_query_get(call->req->url, "Marker", q->marker, sizeof(q->marker));
    if (!page_max_items(call, LAYER_PAGE_MAX, &q->max)) {
        return false;
    }
    if (*q->runtime && !validate_runtime_known(q->runtime)) {
        struct cl_buf b;
        cl_buf_init(&b, VALIDATE_ERR_MAX);
        validate_runtime_enum(&b); /* the whole list, built as long as it is */
        call_invalid(call, q->runtime, "compatibleRuntime", cl_buf_str(&b));
        cl_buf_fini(&b);
        return false;
    }
    if (*q->arch && strcmp(q->arch, "x86_64") != 0 && strcmp(q->arch, "arm64") != 0) {
        call_invalid(call, q->arch, "compatibleArchitecture",
                     "Member must satisfy enum value set: [x86_64, arm64]");
        return false;
    }
    return true;
}

/* The list entry of a version (the document without Content and LayerArn). */
static json_t *version_entry(json_t *doc)
{
    json_t *o = json_deep_copy(doc);
    (void)json_object_del(o, "Content");
    (void)json_object_del(o, "LayerArn");
    return o;
}

/* Appends the page to the answer: entries after the marker (a name or a version), at most
 * q->max, with NextMarker when more follow. */
static void page_add(json_t *out, json_t *arr, json_t *entry, const char *key,
                     const struct list_q *q)
{
    if (*q->marker && strcmp(key, q->marker) <= 0) {
        json_decref(entry);
        return;
    }
    if (json_array_size(arr) == (size_t)q->max) {
        if (json_object_get(out, "NextMarker") == NULL) {
            json_t *last = json_array_get(arr, json_array_size(arr) - 1);
            (void)json_object_set(out, "NextMarker", json_object_get(last, "_key"));
        }
        json_decref(entry);
        return;
    }
    (void)json_object_set_new(entry, "_key", json_string(key));
    (void)json_array_append_new(arr, entry);
}

static void strip_keys(json_t *arr)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        (void)json_object_del(e, "_key");
    }
}

void layers_list(struct call *call)
{
    struct list_q q;
    struct store_setting *ls = NULL;
    size_t n = 0;
    if (!list_query(call, &q)) {
        list_q_fini(&q);
        return;
    }
    if (store_layer_list(call->ctl->store, NULL, &ls, &n) < 0) {
        list_q_fini(&q);
        settings_store_error(call, "layers", -EIO);
        return;
    }
    json_t *out = json_object();
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *doc = json_loads(ls[i].json, 0, NULL);
        bool first_match = doc && matches(doc, q.runtime, q.arch);
        if (first_match) {
            json_t *e = json_pack("{s:s,s:O,s:o}", "LayerName", ls[i].qualifier, "LayerArn",
                                  json_object_get(doc, "LayerArn"), "LatestMatchingVersion",
                                  version_entry(doc));
            page_add(out, arr, e, ls[i].qualifier, &q);
            while (i + 1 < n && strcmp(ls[i + 1].qualifier, ls[i].qualifier) == 0) {
                i++; /* newest matching version only */
            }
        }
        json_decref(doc);
    }
    store_setting_list_free(ls, n);
    list_q_fini(&q);
    strip_keys(arr);
    (void)json_object_set_new(out, "Layers", arr);
    call_json(call, 200, out);
}

void layers_list_versions(struct call *call)
{
    char name[LAYER_NAME_MAX + 1];
    struct list_q q;
    struct store_setting *ls = NULL;
    size_t n = 0;
    if (!layer_name(call, name)) {
        return;
    }
    if (!list_query(call, &q)) {
        list_q_fini(&q);
        return;
    }
    if (store_layer_list(call->ctl->store, name, &ls, &n) < 0) {
        list_q_fini(&q);
        settings_store_error(call, name, -EIO);
        return;
    }
    json_t *out = json_object();
    json_t *arr = json_array();
    int64_t after = 0;
    bool has_after = *q.marker && parse_version(q.marker, &after);
    for (size_t i = 0; i < n; i++) {
        json_t *doc = json_loads(ls[i].json, 0, NULL);
        int64_t v = json_integer_value(json_object_get(doc, "Version"));
        if (doc && matches(doc, q.runtime, q.arch) && (!has_after || v < after)) {
            struct list_q q2 = q;
            q2.marker[0] = '\0';
            char key[24];
            (void)snprintf(key, sizeof(key), "%lld", (long long)v);
            page_add(out, arr, version_entry(doc), key, &q2);
        }
        json_decref(doc);
    }
    store_setting_list_free(ls, n);
    list_q_fini(&q);
    strip_keys(arr);
    (void)json_object_set_new(out, "LayerVersions", arr);
    call_json(call, 200, out);
}

/* ---- a function's Layers -------------------------------------------------------------------- */

static bool layer_dir(struct call *call, const char *arn, char **dir, json_t *out)
{
    char name[LAYER_NAME_MAX + 1];
    int64_t version = 0;
    if (!layers_parse_version_arn(arn, name, &version)) {
        call_invalid(call, arn, "layers",
                     "Member must satisfy constraint: [Member must satisfy regular "
                     "expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:"
                     "layer:[a-zA-Z0-9-_]+:[0-9]+]");
        return false;
    }
    json_t *doc = layers_get_doc(call->ctl->store, name, version);
    const char *loc =
        json_string_value(json_object_get(json_object_get(doc, "Content"), "Location"));
    if (loc == NULL || strncmp(loc, "file://", 7) != 0) {
        json_decref(doc);
        char *m = xasprintf("Layer version %s does not exist.", arn);
        call_error(call, 400, "InvalidParameterValueException", m);
        free(m);
        return false;
    }
    *dir = xstrdup(loc + 7);
    (void)json_array_append_new(
        out, json_pack("{s:O,s:O}", "Arn", json_object_get(doc, "LayerVersionArn"), "CodeSize",
                       json_object_get(json_object_get(doc, "Content"), "CodeSize")));
    json_decref(doc);
    return true;
}

/* The length of a layer version ARN without its ":N" (the layer's ARN). */
static size_t layer_arn_len(const char *arn)
{
    const char *colon = strrchr(arn, ':');
    return colon ? (size_t)(colon - arn) : strlen(arn);
}

/* AWS refuses two versions of one layer (also the same version twice). False after answering
 * its message for the first such pair. */
static bool layers_distinct(struct call *call, json_t *layers)
{
    size_t n = json_array_size(layers);
    for (size_t i = 0; i < n; i++) {
        const char *a = json_string_value(json_array_get(layers, i));
        for (size_t j = i + 1; a && j < n; j++) {
            const char *b = json_string_value(json_array_get(layers, j));
            if (b && layer_arn_len(a) == layer_arn_len(b) && strncmp(a, b, layer_arn_len(a)) == 0 &&
                strstr(a, ":layer:") != NULL) {
                char *m = xasprintf("Two different versions of the same layer are not allowed to "
                                    "be referenced in the same function. %s and %s are versions "
                                    "of the same layer.",
                                    a, b);
                call_error(call, 400, "InvalidParameterValueException", m);
                free(m);
                return false;
            }
        }
    }
    return true;
}

bool layers_resolve(struct call *call, json_t *layers, char **layers_json, char **opt_dir)
{
    *layers_json = NULL;
    *opt_dir = NULL;
    if (layers == NULL || (json_is_array(layers) && json_array_size(layers) == 0)) {
        return true;
    }
    if (!json_is_array(layers) || json_array_size(layers) > LAYERS_MAX) {
        call_error(call, 400, "InvalidParameterValueException",
                   json_is_array(layers) ? "Cannot reference more than 5 layers."
                                         : "Layers must be a list of layer version ARNs.");
        return false;
    }
    if (!layers_distinct(call, layers)) {
        return false;
    }
    char *dirs[LAYERS_MAX] = {NULL};
    size_t n = json_array_size(layers);
    json_t *out = json_array();
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        const char *arn = json_string_value(json_array_get(layers, i));
        ok = layer_dir(call, arn ? arn : "(not a string)", &dirs[i], out);
    }
    char err[512];
    if (ok && optdir_merge(call->ctl->state_dir, (const char *const *)dirs, n, opt_dir, err,
                           sizeof(err)) < 0) {
        call_error(call, 500, "ServiceException", err);
        ok = false;
    }
    if (ok) {
        *layers_json = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    json_decref(out);
    for (size_t i = 0; i < n; i++) {
        free(dirs[i]);
    }
    return ok;
}
