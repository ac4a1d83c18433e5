/* SPDX-License-Identifier: MIT */
/* The Invoke API; see invoke.h. A synchronous invoke keeps the caller's connection until
 * the invocation completes; if the caller goes away first the invocation still runs to its end
 * (as on AWS) and its result is dropped. */
#include "invoke/invoke.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/arn.h"
#include "api/awserr.h"
#include "api/target.h"
#include "base/func.h"
#include "base/ids.h"
#include "base/xalloc.h"
#include "catalog/aliases.h"
#include "catalog/lifecycle.h"
#include "cl_b64.h"
#include "exec/inv.h"
#include "exec/pool.h"
#include "http/evstream.h"
#include "http/url.h"
#include "invoke/payload.h"

/* Largest X-Amz-Client-Context (base64 characters), as AWS. */
#define CLIENT_CONTEXT_MAX 3583

enum inv_type { TYPE_SYNC, TYPE_EVENT, TYPE_DRYRUN, TYPE_BAD };

/* A JSON string; invalid UTF-8 (from a client's header) is replaced rather than dropped. */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

static void on_caller_gone(struct httpd_conn *c, void *arg)
{
    struct inv *inv = arg;
    (void)c;
    inv->owner = NULL; /* the invocation runs on; its result is dropped */
}

static void respond_result(struct httpd_conn *c, struct inv *inv, const struct inv_result *r)
{
    struct httpd_header h[6];
    size_t n = 0;
    struct cl_buf tail;
    cl_buf_init(&tail, 2 * LOGS_TAIL_MAX);
    h[n++] = (struct httpd_header){"Content-Type",
                                   r->content_type ? r->content_type : "application/json"};
    h[n++] = (struct httpd_header){"x-amzn-RequestId", inv->id};
    h[n++] = (struct httpd_header){"X-Amz-Executed-Version", inv->version};
    if (r->outcome == INV_FUNCTION_ERROR) {
        h[n++] = (struct httpd_header){"X-Amz-Function-Error", "Unhandled"};
    }
    if (inv->tail) {
        if (cl_b64_encode(&tail, inv->tail->data, inv->tail->len) < 0) {
            abort();
        }
        h[n++] = (struct httpd_header){"X-Amz-Log-Result", cl_buf_str(&tail)};
    }
    if (r->owner && *r->owner && *r->owner == r->body) {
        uint8_t *body = *r->owner; /* taken: no copy of a large answer on a partial write */
        *r->owner = NULL;
        httpd_respond_take(c, 200, h, n, body, r->len);
    } else {
        httpd_respond(c, 200, h, n, r->body, r->len);
    }
    cl_buf_fini(&tail);
}

static void on_done(struct inv *inv, const struct inv_result *r)
{
    struct httpd_conn *c = inv->owner;
    if (c && r->outcome == INV_THROTTLED) {
        awserr_send(c, 429, "TooManyRequestsException", "message", "Rate Exceeded.", r->reason,
                    inv->id);
    } else if (c) {
        respond_result(c, inv, r);
    }
    inv_free(inv);
}

/* ---- InvokeWithResponseStream ---------------------------------------------------------- */

/* A streaming caller; inv->owner points here. The 200 and its headers go out with the first
 * event, so that a throttle can still be a 429. */
struct stream_caller {
    struct httpd_conn *c; /* NULL once the caller is gone */
    struct inv *inv;
    bool started;
    bool paused; /* the producer waits for the drain callback */
};

static void stream_resume_producer(struct stream_caller *sc)
{
    if (sc->paused) {
        sc->paused = false;
        if (sc->inv->resume) {
            sc->inv->resume(sc->inv->producer);
        }
    }
}

static void on_stream_drain(struct httpd_conn *c, void *arg)
{
    (void)c;
    stream_resume_producer(arg);
}

static void on_stream_caller_gone(struct httpd_conn *c, void *arg)
{
    struct stream_caller *sc = arg;
    (void)c;
    sc->c = NULL; /* the invocation runs on; the rest of the stream is dropped */
    stream_resume_producer(sc);
}

/* Sends one event; returns httpd_stream_write's answer. */
static int stream_event(struct stream_caller *sc, const char *type, const char *ctype,
                        const uint8_t *payload, size_t len)
{
    if (!sc->started) {
        struct httpd_header h[] = {{"Content-Type", "application/vnd.amazon.eventstream"},
                                   {"x-amzn-RequestId", sc->inv->id},
                                   {"X-Amz-Executed-Version", "$LATEST"}};
        sc->started = true;
        if (httpd_stream_start(sc->c, 200, h, 3) < 0) {
            return -EPIPE; /* the write failed and closed the connection */
        }
    }
    const struct evstream_header eh[] = {
        {":event-type", type}, {":content-type", ctype}, {":message-type", "event"}};
    struct cl_buf b;
    cl_buf_init(&b, (size_t)-1);
    /* Payloads are at most 64 KB (a read) or 6 MB (a buffered response): under the limit. */
    if (evstream_encode(&b, eh, 3, payload, len) < 0) {
        abort();
    }
    int rc = httpd_stream_write(sc->c, b.data, b.len);
    cl_buf_fini(&b);
    return rc;
}

static int on_stream_chunk(struct inv *inv, const uint8_t *data, size_t len)
{
    struct stream_caller *sc = inv->owner;
    if (sc->c == NULL || len == 0) {
        return 0;
    }
    if (stream_event(sc, "PayloadChunk", "application/octet-stream", data, len) == 1) {
        sc->paused = true;
        return 1;
    }
    return 0;
}

/* InvokeComplete's payload: ErrorCode/ErrorDetails from the error JSON's errorType and
 * errorMessage (the raw body when it is not such JSON), LogResult when asked. */
static char *invoke_complete_json(const struct inv *inv, const struct inv_result *r)
{
    json_t *o = json_object();
    if (r->outcome == INV_FUNCTION_ERROR) {
        json_error_t jerr;
        json_t *err = json_loadb((const char *)r->body, r->len, 0, &jerr);
        const char *type = json_string_value(json_object_get(err, "errorType"));
        const char *msg = json_string_value(json_object_get(err, "errorMessage"));
        (void)json_object_set_new(o, "ErrorCode", jstr(type ? type : "Unhandled"));
        json_t *details = msg ? jstr(msg) : json_stringn((const char *)r->body, r->len);
        (void)json_object_set_new(o, "ErrorDetails", details ? details : jstr(""));
        json_decref(err);
    }
    if (inv->tail) {
        struct cl_buf tail;
        cl_buf_init(&tail, 2 * LOGS_TAIL_MAX);
        if (cl_b64_encode(&tail, inv->tail->data, inv->tail->len) < 0) {
            abort();
        }
        (void)json_object_set_new(o, "LogResult", json_string(cl_buf_str(&tail)));
        cl_buf_fini(&tail);
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER); /* xmalloc: never NULL */
    json_decref(o);
    return s;
}

static void on_stream_done(struct inv *inv, const struct inv_result *r)
{
    struct stream_caller *sc = inv->owner;
    if (sc->c && r->outcome == INV_THROTTLED && !sc->started) {
        awserr_send(sc->c, 429, "TooManyRequestsException", "message", "Rate Exceeded.", r->reason,
                    inv->id);
    } else if (sc->c) {
        httpd_stream_set_drain(sc->c, NULL, NULL);
        if (r->outcome == INV_OK && r->len > 0) { /* a buffered response: one chunk */
            (void)stream_event(sc, "PayloadChunk", "application/octet-stream", r->body, r->len);
        }
        char *done = invoke_complete_json(inv, r);
        if (sc->c) {
            (void)stream_event(sc, "InvokeComplete", "application/json", (const uint8_t *)done,
                               strlen(done));
        }
        free(done);
        if (sc->c) {
            httpd_stream_end(sc->c, NULL, 0);
        }
    }
    free(sc);
    inv_free(inv);
}

void invoke_stream_attach(struct httpd_conn *c, struct inv *inv)
{
    struct stream_caller *sc = xcalloc(1, sizeof(*sc));
    sc->c = c;
    sc->inv = inv;
    inv->owner = sc;
    inv->done = on_stream_done;
    inv->chunk = on_stream_chunk;
    httpd_conn_set_abort(c, on_stream_caller_gone, sc);
    httpd_stream_set_drain(c, on_stream_drain, sc);
}

static enum inv_type parse_type(const char *v)
{
    if (v == NULL || strcmp(v, "RequestResponse") == 0) {
        return TYPE_SYNC;
    }
    if (strcmp(v, "Event") == 0) {
        return TYPE_EVENT;
    }
    return strcmp(v, "DryRun") == 0 ? TYPE_DRYRUN : TYPE_BAD;
}

static void validation_error(struct httpd_conn *c, const char *value, const char *member,
                             const char *constraint)
{
    char *m = xasprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy "
                        "constraint: %s",
                        value, member, constraint);
    awserr_send(c, 400, "ValidationException", "message", m, NULL, NULL);
    free(m);
}

static void not_found(const struct invoke *api, struct httpd_conn *c, const char *name,
                      const char *qualifier)
{
    struct err err = {0};
    (void)target_not_found(api->region, api->account, name, qualifier, &err);
    awserr_send(c, err.status, err.type, awserr_message_key(err.type), err.message, NULL, NULL);
    err_fini(&err);
}

/* Resolves the FunctionName label (decoded by the front door; NULL when malformed) and the
 * Qualifier parameter (a version, or an alias whose version is picked by weight) to a known
 * function. OUT: *fn and the invoked ARN in arn. False after answering an error. */
static bool resolve(const struct invoke *api, struct httpd_conn *c, const char *url, const char *id,
                    const struct function_config **fn, char **arn)
{
    struct url_fn rf;
    struct err err = {0};
    *fn = NULL;
    if (id == NULL) {
        validation_error(c, "(malformed)", "functionName",
                         "Member must satisfy regular expression pattern: " TARGET_NS_PATTERN);
        return false;
    }
    if (target_read("Invoke", id, url, true, &rf, &err) < 0 ||
        target_check_region(id, api->region, &err) < 0) {
        awserr_send(c, err.status, err.type, awserr_message_key(err.type), err.message, NULL, NULL);
        err_fini(&err);
        return false;
    }
    if (!target_name_possible(rf.name)) {
        not_found(api, c, rf.name, *rf.qualifier ? rf.qualifier : "$LATEST");
        return false;
    }
    *fn = pool_function_version(api->pool, rf.name, *rf.qualifier ? rf.qualifier : "$LATEST");
    const struct alias_target *t =
        *fn == NULL && *rf.qualifier ? aliases_get(api->aliases, rf.name, rf.qualifier) : NULL;
    if (t) {
        *fn = pool_function_version(api->pool, rf.name, aliases_pick(t, aliases_uniform01()));
    }
    if (*fn == NULL) {
        /* AWS names $LATEST in Invoke's answer for an unqualified name */
        not_found(api, c, rf.name, *rf.qualifier ? rf.qualifier : "$LATEST");
        return false;
    }
    if (strcmp((*fn)->version, "$LATEST") == 0 && lifecycle_pending(rf.name)) {
        awserr_send(c, 409, "ResourceConflictException", "message",
                    "The operation cannot be performed at this time. The function is currently "
                    "in the following state: Pending",
                    NULL, NULL);
        return false;
    }
    *arn = arn_function(api->region, api->account, rf.name, rf.qualifier);
    return true;
}

/* Checks the payload's size, then its JSON (unless the front door did: ir->checked). False
 * after answering an error. */
static bool check_payload(struct httpd_conn *c, const struct invoke_req *ir, bool is_async)
{
    const struct http1_request *req = ir->req;
    size_t limit = is_async ? INVOKE_MAX_ASYNC : INVOKE_MAX_SYNC;
    if (req->body_too_large || ir->len > limit) {
        char *m;
        if (is_async) {
            unsigned long long n = req->body_too_large ? (unsigned long long)req->content_length
                                                       : (unsigned long long)ir->len;
            m = xasprintf("%llu byte payload is too large for the Event invocation type (limit "
                          "%zu bytes)",
                          n, limit);
        } else {
            m = xasprintf("Request must be smaller than %zu bytes for the InvokeFunction "
                          "operation",
                          limit);
        }
        awserr_send(c, 413, "RequestEntityTooLargeException", "message", m, NULL, NULL);
        free(m);
        return false;
    }
    struct payload_verdict here;
    const struct payload_verdict *v = ir->checked;
    if (v == NULL) {
        payload_check(ir->payload, ir->len, &here);
        v = &here;
    }
    if (!v->is_valid) {
        awserr_send(c, 400, "InvalidRequestContentException", "message", v->message, NULL, NULL);
        return false;
    }
    return true;
}

/* Decodes X-Amz-Client-Context (base64 of a JSON object). OUT: *out (NULL when absent). False
 * after answering an error. */
static bool client_context(struct httpd_conn *c, const struct http1_request *req, char **out)
{
    const char *b64 = http1_header(req, "X-Amz-Client-Context");
    *out = NULL;
    if (b64 == NULL || *b64 == '\0') {
        return true;
    }
    struct cl_buf dec;
    cl_buf_init(&dec, CLIENT_CONTEXT_MAX);
    json_error_t jerr;
    json_t *v = NULL;
    if (strlen(b64) <= CLIENT_CONTEXT_MAX &&
        cl_b64_decode(&dec, (const uint8_t *)b64, strlen(b64)) == 0 && dec.len > 0) {
        v = json_loadb((const char *)dec.data, dec.len, 0, &jerr);
    }
    if (v == NULL) {
        cl_buf_fini(&dec);
        awserr_send(c, 400, "InvalidRequestContentException", "message",
                    "Client context must be a valid Base64-encoded JSON object.", NULL, NULL);
        return false;
    }
    /* Verbatim, unless line breaks would break the header: then re-serialised compactly. */
    if (memchr(dec.data, '\n', dec.len) || memchr(dec.data, '\r', dec.len)) {
        *out = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    } else {
        *out = xstrdup(cl_buf_str(&dec));
    }
    json_decref(v);
    cl_buf_fini(&dec);
    if (*out == NULL) {
        abort();
    }
    return true;
}

static bool check_log_type(struct httpd_conn *c, const char *log_type)
{
    if (log_type && strcmp(log_type, "None") != 0 && strcmp(log_type, "Tail") != 0) {
        validation_error(c, log_type, "logType",
                         "Member must satisfy enum value set: [Tail, None]");
        return false;
    }
    return true;
}

/* Event: the 202 goes out only once the event is committed to the durable queue. */
static void enqueue(const struct invoke *api, struct httpd_conn *c,
                    const struct function_config *fn, const char *arn, const uint8_t *payload,
                    size_t len, const char *ctx)
{
    char id[IDS_UUID_LEN];
    size_t name_len = strlen(fn->name);
    const char *q = strstr(arn, ":function:") + strlen(":function:") + name_len;
    ids_uuid(id);
    if (async_enqueue(api->async, id, fn->name, *q == ':' ? q + 1 : "", payload, len, ctx) < 0) {
        awserr_send(c, 500, "ServiceException", "Message",
                    "The event could not be stored; it was not accepted.", NULL, id);
        return;
    }
    struct httpd_header h[] = {{"x-amzn-RequestId", id}};
    httpd_respond(c, 202, h, 1, NULL, 0);
}

static void start(const struct invoke *api, struct httpd_conn *c, struct invoke_req *ir,
                  const struct function_config *fn, char *arn, enum inv_type type, bool tail,
                  char *ctx)
{
    size_t len = ir->len;
    uint8_t *payload = ir->payload;
    ir->payload = NULL;
    if (payload == NULL) {
        payload = (uint8_t *)xstrdup("{}"); /* no payload: the function gets {} */
        len = 2;
    }
    if (type == TYPE_EVENT) {
        enqueue(api, c, fn, arn, payload, len, ctx);
        free(payload);
        free(ctx);
        free(arn);
        return;
    }
    struct inv *inv = inv_new(fn->name, arn, payload, len, tail, on_done);
    inv->client_context = ctx;
    inv_set_version(inv, fn->version);
    free(arn);
    if (ir->is_stream) {
        invoke_stream_attach(c, inv);
    } else {
        inv->owner = c;
        httpd_conn_set_abort(c, on_caller_gone, inv);
    }
    pool_submit(api->pool, inv);
}

void invoke_handle(const struct invoke *api, struct httpd_conn *c, struct invoke_req *ir)
{
    const struct http1_request *req = ir->req;
    const struct function_config *fn = NULL;
    char *arn = NULL;
    char *ctx = NULL;
    const char *type_hdr = http1_header(req, "X-Amz-Invocation-Type");
    enum inv_type type = parse_type(type_hdr);
    if (!resolve(api, c, req->url, ir->function, &fn, &arn)) {
        free(ir->payload);
        ir->payload = NULL;
        return;
    }
    if (ir->is_stream && type == TYPE_EVENT) {
        validation_error(c, type_hdr, "invocationType",
                         "Member must satisfy enum value set: [RequestResponse, DryRun]");
    } else if (type == TYPE_BAD) {
        validation_error(c, type_hdr, "invocationType",
                         "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
    } else if (type == TYPE_DRYRUN) {
        char rid[IDS_UUID_LEN];
        ids_uuid(rid);
        struct httpd_header h[] = {{"x-amzn-RequestId", rid}};
        httpd_respond(c, 204, h, 1, NULL, 0);
    } else if (check_log_type(c, http1_header(req, "X-Amz-Log-Type")) &&
               check_payload(c, ir, type == TYPE_EVENT) && client_context(c, req, &ctx)) {
        const char *log_type = http1_header(req, "X-Amz-Log-Type");
        start(api, c, ir, fn, arn, type, log_type && strcmp(log_type, "Tail") == 0, ctx);
        return;
    }
    free(ir->payload);
    ir->payload = NULL;
    free(arn);
}
