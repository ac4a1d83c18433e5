/* SPDX-License-Identifier: MIT */
/* Signed AWS-style JSON requests over libcurl; see cli_aws.h. */
#include "cli_aws.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli_http.h"

#define AWS_MAX_RESPONSE ((size_t)16 * 1024 * 1024)

int cli_aws_open(struct cli_aws *a, const char *who, const char *endpoint_url, const char *profile,
                 const char *region, bool dry_run)
{
    char err[1024];
    memset(a, 0, sizeof(*a));
    a->who = who;
    a->dry_run = dry_run;
    if (cli_awsconf_load(profile, region, &a->conf, err, sizeof(err)) < 0) {
        if (endpoint_url == NULL || profile != NULL) {
            (void)fprintf(stderr, "%s: %s\n", who, err);
            return -1;
        }
        /* A clambda server without --auth sigv4 accepts any signature: do not make a local
         * round trip depend on AWS credentials. A server that checks says so (403). */
        (void)snprintf(a->conf.access_key, sizeof(a->conf.access_key), "CLAMBDALOCALKEY0");
        (void)snprintf(a->conf.secret, sizeof(a->conf.secret), "clambda-local");
        (void)snprintf(a->conf.source, sizeof(a->conf.source), "placeholder keys");
        (void)fprintf(stderr,
                      "%s: no AWS credentials found: signing with placeholder keys "
                      "(enough for a clambda server without --auth sigv4)\n",
                      who);
    }
    a->is_aws = endpoint_url == NULL;
    if (a->conf.region[0] == '\0' && a->is_aws) {
        (void)fprintf(stderr,
                      "%s: no region: set AWS_REGION, pass --region, or add region = ... "
                      "to your profile in ~/.aws/config\n",
                      who);
        return -1;
    }
    if (a->conf.region[0] == '\0') {
        (void)snprintf(a->conf.region, sizeof(a->conf.region), "us-east-1");
    }
    if (a->is_aws) {
        (void)snprintf(a->base, sizeof(a->base), "https://lambda.%s.amazonaws.com", a->conf.region);
    } else {
        (void)snprintf(a->base, sizeof(a->base), "%s", endpoint_url);
    }
    size_t blen = strlen(a->base);
    while (blen > 0 && a->base[blen - 1] == '/') {
        a->base[--blen] = '\0';
    }
    const char *h = strstr(a->base, "://");
    if (h == NULL ||
        (strncmp(a->base, "http://", 7) != 0 && strncmp(a->base, "https://", 8) != 0) ||
        strchr(h + 3, '/') != NULL || h[3] == '\0') {
        (void)fprintf(stderr, "%s: bad endpoint URL %s (want http[s]://HOST[:PORT])\n", who,
                      endpoint_url);
        return -1;
    }
    (void)snprintf(a->host, sizeof(a->host), "%s", h + 3);
    a->key = (struct sigv4_sign_key){a->conf.access_key, a->conf.secret, a->conf.session_token,
                                     a->conf.region, "lambda"};
    if (!dry_run) {
        a->curl = curl_easy_init();
        if (a->curl == NULL) {
            (void)fprintf(stderr, "%s: curl_easy_init failed\n", who);
            return -1;
        }
    }
    return 0;
}

void cli_aws_close(struct cli_aws *a)
{
    if (a->curl) {
        curl_easy_cleanup(a->curl);
        a->curl = NULL;
    }
    cli_awsconf_wipe(&a->conf);
}

void cli_aws_resp_fini(struct cli_aws_resp *r)
{
    cl_buf_fini(&r->head);
    cl_buf_fini(&r->body);
}

void cli_aws_path_segment(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c)) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
}

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    return cl_buf_append(user, p, size * n) == 0 ? size * n : 0;
}

static void print_dry(const struct cli_aws *a, const struct cli_aws_req *req,
                      const struct sigv4_sign_headers *sh)
{
    (void)printf("%s %s%s\nHost: %s\nContent-Type: application/json\nX-Amz-Date: %s\n"
                 "X-Amz-Content-Sha256: %s\n",
                 req->method, a->base, req->target, a->host, sh->amz_date, sh->content_sha256);
    for (const char *const *h = req->headers; h && *h; h++) {
        (void)printf("%s\n", *h);
    }
    if (a->conf.session_token[0]) {
        (void)printf("X-Amz-Security-Token: (elided)\n");
    }
    (void)printf("Authorization: %s\n\n", sh->authorization);
    if (req->shown_body) {
        (void)printf("%s\n\n", req->shown_body);
    } else if (req->body_len) {
        (void)printf("%.*s\n\n", (int)req->body_len, (const char *)req->body);
    }
}

/* Fills r->error_type and r->message from a failed answer. */
static void parse_error(struct cli_aws_resp *r)
{
    char type[256] = "";
    if (cli_http_header(cl_buf_str(&r->head), "x-amzn-ErrorType", type, sizeof(type))) {
        type[strcspn(type, ":")] = '\0';
    }
    json_t *j = json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
    const char *m = json_string_value(json_object_get(j, "message"));
    m = m ? m : json_string_value(json_object_get(j, "Message"));
    const char *t = json_string_value(json_object_get(j, "__type"));
    if (type[0] == '\0' && t) {
        (void)snprintf(type, sizeof(type), "%s", strrchr(t, '#') ? strrchr(t, '#') + 1 : t);
    }
    (void)snprintf(r->error_type, sizeof(r->error_type), "%s", type[0] ? type : "HTTPError");
    if (m) {
        (void)snprintf(r->message, sizeof(r->message), "%s", m);
    } else {
        (void)snprintf(r->message, sizeof(r->message), "%.*s",
                       (int)(r->body.len < 500 ? r->body.len : 500), (const char *)r->body.data);
    }
    json_decref(j);
}

static struct curl_slist *request_headers(const struct cli_aws *a, const struct cli_aws_req *req,
                                          const struct sigv4_sign_headers *sh)
{
    char line[5000];
    struct curl_slist *l = NULL;
    const char *fixed[] = {"Content-Type: application/json", "Expect:", "Accept:"};
    for (size_t i = 0; i < 3; i++) {
        l = curl_slist_append(l, fixed[i]);
    }
    (void)snprintf(line, sizeof(line), "Host: %s", a->host);
    l = curl_slist_append(l, line);
    (void)snprintf(line, sizeof(line), "X-Amz-Date: %s", sh->amz_date);
    l = curl_slist_append(l, line);
    (void)snprintf(line, sizeof(line), "X-Amz-Content-Sha256: %s", sh->content_sha256);
    l = curl_slist_append(l, line);
    if (a->conf.session_token[0]) {
        (void)snprintf(line, sizeof(line), "X-Amz-Security-Token: %s", a->conf.session_token);
        l = curl_slist_append(l, line);
    }
    (void)snprintf(line, sizeof(line), "Authorization: %s", sh->authorization);
    l = curl_slist_append(l, line);
    for (const char *const *h = req->headers; h && *h; h++) {
        l = curl_slist_append(l, *h);
    }
    return l;
}

int cli_aws_call(struct cli_aws *a, const struct cli_aws_req *req, struct cli_aws_resp *r)
{
    struct sigv4_sign_headers sh;
    memset(r, 0, sizeof(*r));
    cl_buf_init(&r->head, (size_t)64 * 1024);
    cl_buf_init(&r->body, AWS_MAX_RESPONSE);
    if (sigv4_sign_request(&a->key, req->method, req->target, a->host, req->body, req->body_len,
                           time(NULL), &sh) < 0) {
        (void)fprintf(stderr, "%s: cannot sign %s %s\n", a->who, req->method, req->target);
        return -1;
    }
    if (a->dry_run) {
        print_dry(a, req, &sh);
        return 0;
    }
    char url[4096];
    (void)snprintf(url, sizeof(url), "%s%s", a->base, req->target);
    struct curl_slist *hl = request_headers(a, req, &sh);
    CURL *c = a->curl;
    curl_easy_reset(c);
    (void)curl_easy_setopt(c, CURLOPT_URL, url);
    (void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    (void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (strcmp(req->method, "GET") != 0) {
        (void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
        (void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    (void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    (void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    (void)curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    (void)curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    (void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    CURLcode cc = curl_easy_perform(c);
    curl_slist_free_all(hl);
    if (cc != CURLE_OK) {
        (void)fprintf(stderr, "%s: %s %s: %s\n", a->who, req->method, url, curl_easy_strerror(cc));
        return -1;
    }
    (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (r->status >= 300) {
        parse_error(r);
    }
    return 0;
}

/* What to do about an error type, or NULL. */
static const char *remedy(const char *type)
{
    static const char *const table[][2] = {
        {"InvalidSignatureException",
         "check the secret key of the access key in use (AWS_SECRET_ACCESS_KEY or the profile's "
         "aws_secret_access_key) and the clock"},
        {"UnrecognizedClientException",
         "the access key is unknown there: check AWS_ACCESS_KEY_ID / the profile"},
        {"ExpiredTokenException", "the session token expired: get new credentials"},
        {"AccessDeniedException", "the credentials' identity lacks the lambda permission named"},
        {"InvalidParameterValueException",
         "fix the value named (--iam-role must be a role Lambda can assume, e.g. "
         "arn:aws:iam::ACCOUNT:role/NAME)"},
        {"ValidationException",
         "fix the value named (--memory 128..10240 MB, --timeout 1..900 s, --iam-role "
         "arn:aws:iam::ACCOUNT:role/NAME)"},
        {"ResourceConflictException",
         "another update is in progress: wait and run the command again"},
        {"TooManyRequestsException", "throttled: wait and run the command again"},
        {"CodeStorageExceededException", "delete old versions of your functions"},
        {"RequestEntityTooLargeException",
         "the zip is over the direct upload limit (50 MB): make it smaller"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(type, table[i][0]) == 0) {
            return table[i][1];
        }
    }
    return NULL;
}

void cli_aws_print_error(const struct cli_aws *a, const char *what, const struct cli_aws_resp *r)
{
    (void)fprintf(stderr, "%s: %s failed: HTTP %ld %s: %s\n", a->who, what, r->status,
                  r->error_type, r->message);
    const char *fix = remedy(r->error_type);
    if (fix) {
        (void)fprintf(stderr, "%s: what to do: %s\n", a->who, fix);
    }
}
