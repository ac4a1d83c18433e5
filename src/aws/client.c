/* SPDX-License-Identifier: MIT */
/* clambda_aws_client: credentials and endpoint from the environment, one connection, and the
 * JSON-protocol call with the standard retry mode (see <clambda/aws.h>). A call signs each
 * attempt afresh (X-Amz-Date moves on), reuses the kept-alive connection when it still looks
 * open and replaces it once, uncounted, when it turns out stale before any answer byte. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws_int.h"
#include "cl_alloc.h"
#include "cl_aws_sigv4.h"
#include "cl_json.h"

#define MAX_BODY       ((size_t)16 << 20)
#define MAX_ATTEMPTS   10
#define CA_AMAZONLINUX "/etc/pki/tls/certs/ca-bundle.crt"
#define CA_DEBIAN      "/etc/ssl/certs/ca-certificates.crt"

static int64_t default_now_s(void *user)
{
    (void)user;
    return (int64_t)time(NULL);
}

static void default_sleep_ms(void *user, int64_t ms)
{
    (void)user;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* xorshift64*: the jitter needs spread, not secrecy. */
static uint64_t default_random(void *user)
{
    clambda_aws_client *c = user;
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 2685821657736338717ULL;
}

void cl_aws_client_set_hooks(clambda_aws_client *c, const struct cl_aws_hooks *h)
{
    if (h != NULL) {
        c->hooks = *h;
    } else {
        c->hooks = (struct cl_aws_hooks){default_now_s, default_sleep_ms, default_random, c};
    }
}

/* Maps an internal -errno to the public codes. */
static int public_error(int rc)
{
    switch (rc) {
    case 0:
        return CLAMBDA_OK;
    case -ENOMEM:
        return CLAMBDA_ENOMEM;
    case -EINVAL:
        return CLAMBDA_EINVAL;
    case -ECONNREFUSED:
    case -EHOSTUNREACH:
    case -ENETUNREACH:
        return CLAMBDA_ECONNECT;
    case -ETIMEDOUT:
        return CLAMBDA_ETIMEDOUT;
    case -EPROTO:
        return CLAMBDA_ETLS;
    case -EBADMSG:
        return CLAMBDA_EPROTO;
    case -E2BIG:
        return CLAMBDA_ETOOBIG;
    default:
        return CLAMBDA_EIO;
    }
}

/* A header value we put on the wire: printable, no CR/LF. */
static bool is_clean(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return false;
        }
    }
    return true;
}

static const char *ca_bundle(void)
{
    const char *env = getenv("SSL_CERT_FILE");
    if (env != NULL && *env != '\0') {
        return env;
    }
    return access(CA_AMAZONLINUX, R_OK) == 0 ? CA_AMAZONLINUX : CA_DEBIAN;
}

static const char *pick(const char *given, const char *env_name)
{
    return given != NULL ? given : getenv(env_name);
}

/* Credentials and region: given values win, then the environment. */
static int set_identity(clambda_aws_client *c, const char *region, const char *akid,
                        const char *secret, const char *token)
{
    region = region != NULL ? region : getenv("AWS_REGION");
    if (region == NULL || *region == '\0') {
        region = getenv("AWS_DEFAULT_REGION");
    }
    akid = pick(akid, "AWS_ACCESS_KEY_ID");
    secret = pick(secret, "AWS_SECRET_ACCESS_KEY");
    token = pick(token, "AWS_SESSION_TOKEN");
    if (region == NULL || *region == '\0' || akid == NULL || *akid == '\0' || secret == NULL ||
        *secret == '\0') {
        return CLAMBDA_ENOCREDS;
    }
    if (strlen(region) >= sizeof(c->region) || strlen(secret) > 200 || !is_clean(akid) ||
        !is_clean(region) || (token != NULL && !is_clean(token))) {
        return CLAMBDA_EINVAL;
    }
    memcpy(c->region, region, strlen(region) + 1);
    c->access_key_id = cl_alloc_strdup(akid);
    c->secret_access_key = cl_alloc_strdup(secret);
    if (token != NULL && *token != '\0') {
        c->session_token = cl_alloc_strdup(token);
        if (c->session_token == NULL) {
            return CLAMBDA_ENOMEM;
        }
    }
    return c->access_key_id != NULL && c->secret_access_key != NULL ? 0 : CLAMBDA_ENOMEM;
}

static int max_attempts_from_env(void)
{
    const char *v = getenv("AWS_MAX_ATTEMPTS");
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    return v != NULL && end != v && *end == '\0' && n >= 1 && n <= MAX_ATTEMPTS
               ? (int)n
               : CL_AWS_RETRY_ATTEMPTS;
}

static int client_setup(clambda_aws_client *c, const char *service, const char *endpoint_url,
                        const char *region, const char *akid, const char *secret, const char *token)
{
    if (service == NULL || strlen(service) >= sizeof(c->service)) {
        return CLAMBDA_EINVAL;
    }
    memcpy(c->service, service, strlen(service) + 1);
    int rc = set_identity(c, region, akid, secret, token);
    if (rc != 0) {
        return rc;
    }
    if (endpoint_url != NULL) {
        rc =
            snprintf(c->url, sizeof(c->url), "%s", endpoint_url) < (int)sizeof(c->url) ? 0 : -E2BIG;
    } else {
        rc = cl_aws_endpoint_resolve(service, c->region, NULL, NULL, c->url, sizeof(c->url));
    }
    if (rc == 0) {
        rc = cl_aws_endpoint_parse(c->url, &c->ep);
    }
    if (rc < 0) {
        return CLAMBDA_EINVAL;
    }
    rc = cl_aws_conn_init(&c->conn, c->ep.host, c->ep.port, c->ep.is_tls,
                          c->ep.is_tls ? ca_bundle() : NULL);
    return public_error(rc);
}

int clambda_aws_client_open_with(const char *service, const char *endpoint_url, const char *region,
                                 const char *access_key_id, const char *secret_access_key,
                                 const char *session_token, clambda_aws_client **out)
{
    if (out == NULL) {
        return CLAMBDA_EINVAL;
    }
    *out = NULL;
    clambda_aws_client *c = cl_alloc_calloc(1, sizeof(*c));
    if (c == NULL) {
        return CLAMBDA_ENOMEM;
    }
    c->conn.fd = -1;
    cl_http1_resp_init(&c->resp, MAX_BODY);
    cl_buf_init(&c->head, CL_HTTP1_MAX_HEAD);
    cl_buf_init(&c->authz, 4096);
    cl_aws_bucket_init(&c->bucket);
    cl_aws_client_set_hooks(c, NULL);
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    c->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)c ^ 1;
    c->max_attempts = max_attempts_from_env();
    int rc = client_setup(c, service, endpoint_url, region, access_key_id, secret_access_key,
                          session_token);
    if (rc != 0) {
        clambda_aws_client_close(c);
        return rc;
    }
    *out = c;
    return CLAMBDA_OK;
}

int clambda_aws_client_open(const char *service, clambda_aws_client **out)
{
    return clambda_aws_client_open_with(service, NULL, NULL, NULL, NULL, NULL, out);
}

void clambda_aws_client_close(clambda_aws_client *c)
{
    if (c == NULL) {
        return;
    }
    cl_aws_conn_fini(&c->conn);
    cl_http1_resp_fini(&c->resp);
    cl_buf_fini(&c->head);
    cl_buf_fini(&c->authz);
    if (c->secret_access_key != NULL) {
        memset(c->secret_access_key, 0, strlen(c->secret_access_key));
    }
    cl_alloc_free(c->access_key_id);
    cl_alloc_free(c->secret_access_key);
    cl_alloc_free(c->session_token);
    cl_alloc_free(c);
}

int clambda_aws_client_connect(clambda_aws_client *c)
{
    if (c == NULL) {
        return CLAMBDA_EINVAL;
    }
    if (!cl_aws_conn_is_alive(&c->conn)) {
        cl_aws_conn_close(&c->conn);
    }
    return public_error(cl_aws_conn_open(&c->conn));
}

const char *clambda_aws_client_endpoint(const clambda_aws_client *c)
{
    return c != NULL ? c->url : "";
}

const char *clambda_aws_client_region(const clambda_aws_client *c)
{
    return c != NULL ? c->region : "";
}

int clambda_aws_client_set_max_attempts(clambda_aws_client *c, int n)
{
    if (c == NULL || n < 1 || n > MAX_ATTEMPTS) {
        return CLAMBDA_EINVAL;
    }
    c->max_attempts = n;
    return CLAMBDA_OK;
}

int clambda_aws_client_set_timeout_ms(clambda_aws_client *c, int ms)
{
    if (c == NULL || ms < 1) {
        return CLAMBDA_EINVAL;
    }
    c->conn.timeout_ms = ms;
    return CLAMBDA_OK;
}

/* Signs and writes the request head for one attempt. */
static int build_head(clambda_aws_client *c, const char *ctype, const char *target,
                      const void *body, size_t len)
{
    char date[17];
    cl_aws_sigv4_date(c->hooks.now_s(c->hooks.user), date);
    struct cl_aws_hdr h[] = {
        {"Host", c->ep.host_header},
        {"Content-Type", ctype},
        {"X-Amz-Date", date},
        {"X-Amz-Target", target},
        {"X-Amz-Security-Token", c->session_token},
    };
    size_t n = c->session_token != NULL ? 5 : 4;
    struct cl_aws_sigv4_req r = {"POST", "/", NULL, h, n, body, len};
    struct cl_aws_sigv4_key k = {c->access_key_id, c->secret_access_key, c->region, c->service};
    cl_buf_reset(&c->authz);
    cl_buf_reset(&c->head);
    int rc = cl_aws_sigv4_authorization(&r, &k, date, &c->authz);
    if (rc == 0) {
        rc = cl_buf_printf(&c->head, "POST / HTTP/1.1\r\nHost: %s\r\n", c->ep.host_header);
    }
    for (size_t i = 1; rc == 0 && i < n; i++) {
        rc = cl_buf_printf(&c->head, "%s: %s\r\n", h[i].name, h[i].value);
    }
    if (rc == 0) {
        rc = cl_buf_printf(&c->head,
                           "Authorization: %s\r\nUser-Agent: clambda-aws/%d.%d.%d\r\n"
                           "amz-sdk-request: attempt=%d; max=%d\r\nContent-Length: %zu\r\n\r\n",
                           cl_buf_str(&c->authz), CLAMBDA_VERSION_MAJOR, CLAMBDA_VERSION_MINOR,
                           CLAMBDA_VERSION_PATCH, c->attempts, c->max_attempts, len);
    }
    return rc;
}

/* CRC-32 (IEEE) of the body, as DynamoDB sends in x-amz-crc32; nibble table. */
static uint32_t crc32_of(const uint8_t *p, size_t len)
{
    static const uint32_t t[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15];
        crc = (crc >> 4) ^ t[crc & 15];
    }
    return crc ^ 0xffffffffu;
}

/* A body that does not match its x-amz-crc32 was damaged on the way: -EIO, retried. */
static int check_crc32(const struct cl_http1_resp *r)
{
    size_t len;
    const char *v = cl_http1_resp_field(r, "x-amz-crc32", &len);
    if (v == NULL || len == 0 || len > 10 || strspn(v, "0123456789") < len) {
        return 0;
    }
    char num[11];
    memcpy(num, v, len);
    num[len] = '\0';
    unsigned long want = strtoul(num, NULL, 10);
    return want == crc32_of(r->body.data, r->body.len) ? 0 : -EIO;
}

/* One attempt, on the kept connection or a new one; a kept one that fails before any answer
 * byte was stale: once more on a fresh connection. */
static int attempt(clambda_aws_client *c, const char *ctype, const char *target, const void *body,
                   size_t len)
{
    int rc = build_head(c, ctype, target, body, len);
    if (rc < 0) {
        return rc;
    }
    bool reused = cl_aws_conn_is_alive(&c->conn), got_any = false;
    if (!reused) {
        cl_aws_conn_close(&c->conn);
    }
    for (int i = 0; i < 2; i++) {
        rc = cl_aws_conn_open(&c->conn);
        if (rc == 0) {
            rc = cl_aws_conn_roundtrip(&c->conn, c->head.data, c->head.len, body, len, &c->resp,
                                       &got_any);
        }
        if (rc == 0 || !reused || got_any || rc == -ETIMEDOUT || i > 0) {
            break;
        }
        reused = false;
    }
    return rc == 0 ? check_crc32(&c->resp) : rc;
}

static void copy_field(const struct cl_http1_resp *r, const char *name, char *out, size_t cap)
{
    size_t len = 0;
    const char *v = cl_http1_resp_field(r, name, &len);
    len = v != NULL ? (len < cap ? len : cap - 1) : 0;
    if (len > 0) {
        memcpy(out, v, len);
    }
    out[len] = '\0';
}

static void reset_last(clambda_aws_client *c)
{
    c->status = 0;
    c->attempts = 0;
    c->error_type[0] = '\0';
    c->error_message[0] = '\0';
    c->request_id[0] = '\0';
    cl_http1_resp_reset(&c->resp);
}

/* The code a failed call returns. */
static int failure(clambda_aws_client *c, int transport_err, enum cl_aws_retry_kind kind)
{
    if (transport_err < 0) {
        cl_http1_resp_reset(&c->resp);
        return public_error(transport_err);
    }
    if (strcmp(c->error_type, "ConditionalCheckFailedException") == 0) {
        return CLAMBDA_ECONDITION;
    }
    return kind == CL_AWS_RETRY_THROTTLE ? CLAMBDA_ETHROTTLED : CLAMBDA_EAWS;
}

static bool is_json_version(const char *v)
{
    return v != NULL && (strcmp(v, "1.0") == 0 || strcmp(v, "1.1") == 0);
}

int clambda_aws_client_call_json(clambda_aws_client *c, const char *json_version,
                                 const char *target, const void *body, size_t len)
{
    if (c == NULL || !is_json_version(json_version) || target == NULL || *target == '\0' ||
        !is_clean(target) || (body == NULL && len > 0)) {
        return CLAMBDA_EINVAL;
    }
    reset_last(c);
    char ctype[40];
    (void)snprintf(ctype, sizeof(ctype), "application/x-amz-json-%s", json_version);
    int last_cost = 0;
    for (;;) {
        c->attempts++;
        c->status = 0;
        c->error_type[0] = '\0';
        c->error_message[0] = '\0';
        int rc = attempt(c, ctype, target, body, len);
        if (rc == 0) {
            c->status = c->resp.status;
            copy_field(&c->resp, "x-amzn-RequestId", c->request_id, sizeof(c->request_id));
            if (c->status >= 200 && c->status <= 299) {
                cl_aws_bucket_success(&c->bucket, last_cost);
                return CLAMBDA_OK;
            }
            cl_aws_parse_error(&c->resp, c->error_type, sizeof(c->error_type), c->error_message,
                               sizeof(c->error_message));
        }
        enum cl_aws_retry_kind kind = cl_aws_retry_classify(rc, c->status, c->error_type);
        if (kind == CL_AWS_NO_RETRY || c->attempts >= c->max_attempts ||
            !cl_aws_bucket_acquire(&c->bucket, kind, &last_cost)) {
            return failure(c, rc, kind);
        }
        c->hooks.sleep_ms(c->hooks.user,
                          cl_aws_retry_backoff_ms(c->attempts - 1, c->hooks.random(c->hooks.user)));
    }
}

const uint8_t *clambda_aws_client_body(const clambda_aws_client *c, size_t *len)
{
    static const uint8_t empty[1] = {0};
    if (c == NULL || c->resp.body.data == NULL) {
        if (len != NULL) {
            *len = 0;
        }
        return empty;
    }
    if (len != NULL) {
        *len = c->resp.body.len;
    }
    return c->resp.body.data;
}

int clambda_aws_client_status(const clambda_aws_client *c)
{
    return c != NULL ? c->status : 0;
}

const char *clambda_aws_client_error_type(const clambda_aws_client *c)
{
    return c != NULL ? c->error_type : "";
}

const char *clambda_aws_client_error_message(const clambda_aws_client *c)
{
    return c != NULL ? c->error_message : "";
}

const char *clambda_aws_client_request_id(const clambda_aws_client *c)
{
    return c != NULL ? c->request_id : "";
}

int clambda_aws_client_attempts(const clambda_aws_client *c)
{
    return c != NULL ? c->attempts : 0;
}

/* Copies type[0..len) without the "namespace#" prefix and anything from ':' on. */
static void clean_type(const char *t, size_t len, char *out, size_t cap)
{
    const char *hash = memchr(t, '#', len);
    if (hash != NULL) {
        len -= (size_t)(hash + 1 - t);
        t = hash + 1;
    }
    const char *colon = memchr(t, ':', len);
    if (colon != NULL) {
        len = (size_t)(colon - t);
    }
    while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t')) {
        len--;
    }
    len = len < cap ? len : cap - 1;
    memcpy(out, t, len);
    out[len] = '\0';
}

/* Copies the unescaped string tok into out, cut on a UTF-8 character boundary to fit. */
static void json_string_into(const struct cl_json *doc, int tok, char *out, size_t cap)
{
    out[0] = '\0';
    struct cl_buf b;
    cl_buf_init(&b, (size_t)1 << 20);
    if (cl_json_type(doc, tok) == CL_JSON_STRING && cl_json_str(doc, tok, &b) == 0 && b.len > 0) {
        size_t len = b.len;
        if (len >= cap) {
            len = cap - 1;
            while (len > 0 && (b.data[len] & 0xc0) == 0x80) {
                len--;
            }
        }
        memcpy(out, b.data, len);
        out[len] = '\0';
    }
    cl_buf_fini(&b);
}

void cl_aws_parse_error(const struct cl_http1_resp *r, char *type, size_t type_cap, char *msg,
                        size_t msg_cap)
{
    type[0] = '\0';
    msg[0] = '\0';
    size_t len;
    const char *h = cl_http1_resp_field(r, "x-amzn-ErrorType", &len);
    if (h != NULL) {
        clean_type(h, len, type, type_cap);
    }
    struct cl_json doc = {0};
    if (cl_json_parse(&doc, r->body.data, r->body.len, 4096) == 0 &&
        cl_json_type(&doc, 0) == CL_JSON_OBJECT) {
        int t = cl_json_get(&doc, 0, "__type");
        t = t >= 0 ? t : cl_json_get(&doc, 0, "code");
        if (type[0] == '\0' && cl_json_type(&doc, t) == CL_JSON_STRING) {
            char raw[256];
            json_string_into(&doc, t, raw, sizeof(raw));
            clean_type(raw, strlen(raw), type, type_cap);
        }
        int m = cl_json_get(&doc, 0, "message");
        m = m >= 0 ? m : cl_json_get(&doc, 0, "Message");
        json_string_into(&doc, m, msg, msg_cap);
    }
    cl_json_fini(&doc);
}
