/* SPDX-License-Identifier: MIT */
/* The CLI's client of AWS-shaped JSON APIs (Lambda on AWS, or any clambda server): requests
 * signed with SigV4 (auth/sigv4_sign) using the credentials cli_awsconf finds, sent over
 * HTTP or HTTPS by libcurl (no hand-written TLS), with AWS's error type and message taken
 * from the answer. In dry-run mode every request is printed instead (the session token and
 * whatever the caller elides from the body left out) and nothing is sent. Used by `clambda
 * deploy` and `clambda invoke --remote`. */
#ifndef CLAMBDA_CLI_CLI_AWS_H
#define CLAMBDA_CLI_CLI_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/sigv4_sign.h"
#include "cl_buf.h"
#include "cli_awsconf.h"

/* A connection setting: where, as whom. */
struct cli_aws {
    const char *who; /* "clambda deploy": prefix of messages */
    char base[512];  /* "https://lambda.us-east-1.amazonaws.com" (no trailing '/') */
    char host[256];  /* the Host header, signed */
    bool is_aws;     /* the endpoint is AWS's (no --endpoint-url) */
    bool dry_run;
    struct cli_awsconf conf;
    struct sigv4_sign_key key;
    void *curl; /* CURL *, reused for keep-alive */
};

/* One request. */
struct cli_aws_req {
    const char *method;
    const char *target; /* "/2015-03-31/functions/NAME/configuration", percent-encoded */
    const uint8_t *body;
    size_t body_len;
    const char *shown_body;     /* what dry-run prints instead of body (NULL: body) */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
};

/* One answer. */
struct cli_aws_resp {
    long status;          /* 0 in dry-run */
    char error_type[256]; /* x-amzn-ErrorType or the body's __type, "" on success */
    char message[2048];   /* the body's message / Message */
    struct cl_buf head;   /* status line and headers, "\r\n"-separated */
    struct cl_buf body;
};

/* Sets up a for endpoint_url (NULL: AWS's Lambda endpoint of the region) with the
 * credentials of profile / region (NULL: found as the SDKs do). Errors are printed with who.
 * 0, or -1 (no credentials, no region for AWS, a bad URL). Pair with cli_aws_close. */
int cli_aws_open(struct cli_aws *a, const char *who, const char *endpoint_url, const char *profile,
                 const char *region, bool dry_run);
/* Releases a (secrets are wiped). */
void cli_aws_close(struct cli_aws *a);

/* Sends req (prints it in dry-run). OUT: *r (cli_aws_resp_fini). 0 when an answer came (any
 * status), -1 on a transport error, printed. */
int cli_aws_call(struct cli_aws *a, const struct cli_aws_req *req, struct cli_aws_resp *r);
/* Frees r's buffers. */
void cli_aws_resp_fini(struct cli_aws_resp *r);
/* Prints "WHO: WHAT failed: HTTP S TYPE: MESSAGE" and, when AWS's error type has a known
 * remedy, a line saying what to do. */
void cli_aws_print_error(const struct cli_aws *a, const char *what, const struct cli_aws_resp *r);

/* Percent-encodes s for one path segment (unreserved characters kept) into out (cap bytes). */
void cli_aws_path_segment(const char *s, char *out, size_t cap);

#endif /* CLAMBDA_CLI_CLI_AWS_H */
