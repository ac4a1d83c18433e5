/* SPDX-License-Identifier: MIT */
/* `clambda invoke`; see cmd_invoke.h. Against a clambda server the request goes over the CLI's
 * plain HTTP client with Connection: close, so the response is everything the server sends
 * before closing; no read timeout (a function may run for 15 minutes). With --remote it is
 * signed (SigV4) and sent by cli_aws (libcurl, HTTPS) to AWS, or to --endpoint-url. */
#include "cmd_invoke.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "cl_b64.h"
#include "cl_buf.h"
#include "cli_aws.h"
#include "cli_embed.h"
#include "cli_http.h"

/* Largest response accepted (6 MB payload plus headers and a 4 KB log tail). */
#define INVOKE_MAX_RESPONSE ((size_t)7 * 1024 * 1024)

struct invoke_opts {
    const char *name;
    const char *data;
    const char *data_file;
    const char *example;
    const char *endpoint;
    const char *profile;
    const char *region;
    bool has_endpoint;
    bool is_async;
    bool tail;
    bool remote;
    bool list;
};

enum {
    OPT_DATA,
    OPT_DATA_FILE,
    OPT_EXAMPLE,
    OPT_LIST,
    OPT_ASYNC,
    OPT_TAIL,
    OPT_ENDPOINT,
    OPT_REMOTE,
    OPT_PROFILE,
    OPT_REGION
};

static const struct cli_opt opts[] = {
    {OPT_DATA, "data", "JSON", "the event (default {})", NULL},
    {OPT_DATA_FILE, "data-file", "FILE", "the event from a file (- for stdin)", "@file"},
    {OPT_EXAMPLE, "data-example", "NAME",
     "an AWS event shape written into clambda (see "
     "--list-examples)",
     "apigw-v1 apigw-rest apigw-v2 http-api function-url alb sqs sns s3-put eventbridge "
     "dynamodb-stream kinesis cloudwatch-scheduled cognito-user-pool-pre-signup"},
    {OPT_LIST, "list-examples", NULL, "list the --data-example names and exit", NULL},
    {OPT_ASYNC, "async", NULL, "invocation type Event: queue it and return at once", NULL},
    {OPT_TAIL, "tail", NULL, "print the last 4 KB of the function's log to stderr", NULL},
    {OPT_ENDPOINT, "endpoint-url", "URL",
     "the server (default $CLAMBDA_ENDPOINT or http://127.0.0.1:9000; with --remote: AWS)", NULL},
    {OPT_ENDPOINT, "endpoint", "URL", "same as --endpoint-url", NULL},
    {OPT_REMOTE, "remote", NULL,
     "invoke on AWS (SigV4-signed, HTTPS), or signed at "
     "--endpoint-url",
     NULL},
    {OPT_PROFILE, "profile", "NAME", "with --remote: the AWS profile (default $AWS_PROFILE)", NULL},
    {OPT_REGION, "region", "REGION", "with --remote: the AWS region (default $AWS_REGION)", NULL},
};

static int invoke_main(int argc, char **argv);

const struct cli_cmd cmd_invoke_cmd = {
    .name = "invoke",
    .synopsis = "NAME",
    .summary = "invoke a function (on a clambda server, or on AWS with --remote)",
    .details = "Prints the function's answer on stdout. Exit 1 when the function failed "
               "(X-Amz-Function-Error) or the call did, 2 on a usage error.",
    .opts = opts,
    .n_opts = sizeof(opts) / sizeof(opts[0]),
    .main = invoke_main,
};

/* Names that are another example's (AWS's and cargo-lambda's names for the same shape). */
static const char *const aliases[][2] = {
    {"apigw-rest", "apigw-v1"},
    {"http-api", "apigw-v2"},
    {"cognito-pre-signup", "cognito-user-pool-pre-signup"},
};

/* The example event called name, or NULL. */
static const struct cli_embed *find_example(const char *name)
{
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        name = strcmp(name, aliases[i][0]) == 0 ? aliases[i][1] : name;
    }
    size_t n = strlen(name);
    for (size_t i = 0; i < invoke_events_n; i++) {
        const char *p = invoke_events_all[i].path;
        if (strncmp(p, name, n) == 0 && strcmp(p + n, ".json") == 0) {
            return &invoke_events_all[i];
        }
    }
    return NULL;
}

static void list_examples(void)
{
    for (size_t i = 0; i < invoke_events_n; i++) {
        const char *p = invoke_events_all[i].path;
        const char *also = "";
        size_t n = strlen(p) - 5;
        for (size_t j = 0; j < sizeof(aliases) / sizeof(aliases[0]); j++) {
            also = strlen(aliases[j][1]) == n && strncmp(aliases[j][1], p, n) == 0 ? aliases[j][0]
                                                                                   : also;
        }
        (void)printf("%.*s%s%s%s\n", (int)n, p, also[0] ? "  (also " : "", also,
                     also[0] ? ")" : "");
    }
}

static int read_file(const char *path, struct cl_buf *out)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    uint8_t buf[65536];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0 && rc == 0) {
        rc = cl_buf_append(out, buf, (size_t)n);
    }
    if (n < 0) {
        rc = -errno;
    }
    if (fd != 0) {
        (void)close(fd);
    }
    return rc;
}

static void print_tail(const char *b64)
{
    struct cl_buf dec;
    cl_buf_init(&dec, (size_t)64 * 1024);
    if (cl_b64_decode(&dec, (const uint8_t *)b64, strlen(b64)) == 0 && dec.len > 0) {
        (void)fwrite(dec.data, 1, dec.len, stderr);
    }
    cl_buf_fini(&dec);
}

/* Prints an answer (status, head lines, body) as the command's output; returns the exit
 * status. */
static int report(int status, const char *head, const uint8_t *body, size_t body_len,
                  bool want_tail)
{
    char value[16384];
    if (status >= 300) {
        char type[256] = "";
        (void)cli_http_header(head, "x-amzn-ErrorType", type, sizeof(type));
        type[strcspn(type, ":")] = '\0';
        (void)fprintf(stderr, "clambda invoke: HTTP %d %s: %.*s\n", status, type, (int)body_len,
                      (const char *)body);
        return CLI_EXIT_FAIL;
    }
    (void)fwrite(body, 1, body_len, stdout);
    if (body_len > 0 && body[body_len - 1] != '\n') {
        (void)fputc('\n', stdout);
    }
    if (want_tail && cli_http_header(head, "X-Amz-Log-Result", value, sizeof(value))) {
        print_tail(value);
    }
    return cli_http_header(head, "X-Amz-Function-Error", value, sizeof(value)) ? CLI_EXIT_FAIL
                                                                               : CLI_EXIT_OK;
}

static int run_local(const struct invoke_opts *o, const struct cl_buf *payload)
{
    char host[256], port[16];
    if (cli_http_parse_endpoint(o->endpoint, host, sizeof(host), port, sizeof(port)) < 0) {
        return cli_opts_usage_error(&cmd_invoke_cmd, "bad endpoint %s (want http://HOST:PORT)",
                                    o->endpoint);
    }
    struct cl_buf req, resp;
    cl_buf_init(&req, (size_t)16 * 1024);
    cl_buf_init(&resp, INVOKE_MAX_RESPONSE);
    int rc = cl_buf_printf(&req,
                           "POST /2015-03-31/functions/%s/invocations HTTP/1.1\r\nHost: %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                           "X-Amz-Invocation-Type: %s\r\nX-Amz-Log-Type: %s\r\n"
                           "Connection: close\r\n\r\n",
                           o->name, host, payload->len, o->is_async ? "Event" : "RequestResponse",
                           o->tail ? "Tail" : "None");
    int status = CLI_EXIT_FAIL;
    struct cli_http_response r;
    if (rc == 0 && cli_http_exchange("clambda invoke", o->endpoint, &req, payload->data,
                                     payload->len, &resp) == 0) {
        if (cli_http_parse(&resp, &r) < 0) {
            (void)fprintf(stderr, "clambda invoke: malformed response from %s\n", o->endpoint);
        } else {
            status = report(r.status, r.head, r.body, r.body_len, o->tail);
            free(r.head);
        }
    }
    cl_buf_fini(&req);
    cl_buf_fini(&resp);
    return status;
}

static int run_remote(const struct invoke_opts *o, const struct cl_buf *payload)
{
    struct cli_aws a;
    if (cli_aws_open(&a, "clambda invoke", o->has_endpoint ? o->endpoint : NULL, o->profile,
                     o->region, false) < 0) {
        cli_aws_close(&a);
        return CLI_EXIT_FAIL;
    }
    char name[512], target[700], type[64], log[64];
    cli_aws_path_segment(o->name, name, sizeof(name));
    (void)snprintf(target, sizeof(target), "/2015-03-31/functions/%s/invocations", name);
    (void)snprintf(type, sizeof(type), "X-Amz-Invocation-Type: %s",
                   o->is_async ? "Event" : "RequestResponse");
    (void)snprintf(log, sizeof(log), "X-Amz-Log-Type: %s", o->tail ? "Tail" : "None");
    const char *headers[] = {type, log, NULL};
    struct cli_aws_req req = {"POST", target, payload->data, payload->len, NULL, headers};
    struct cli_aws_resp r;
    int status = CLI_EXIT_FAIL;
    if (cli_aws_call(&a, &req, &r) == 0) {
        status = report((int)r.status, cl_buf_str(&r.head), r.body.data, r.body.len, o->tail);
    }
    cli_aws_resp_fini(&r);
    cli_aws_close(&a);
    return status;
}

/* Reads the options into o; 0 to go on, -1 after --help or --list-examples, else the exit
 * status. */
static int parse(int argc, char **argv, struct invoke_opts *o)
{
    struct cli_opts_state st;
    int c;
    cli_opts_init(&st, &cmd_invoke_cmd);
    while ((c = cli_opts_next(&st, argc, argv)) >= 0) {
        o->data = c == OPT_DATA ? st.arg : o->data;
        o->data_file = c == OPT_DATA_FILE ? st.arg : o->data_file;
        o->example = c == OPT_EXAMPLE ? st.arg : o->example;
        o->list |= c == OPT_LIST;
        o->is_async |= c == OPT_ASYNC;
        o->tail |= c == OPT_TAIL;
        o->remote |= c == OPT_REMOTE;
        o->profile = c == OPT_PROFILE ? st.arg : o->profile;
        o->region = c == OPT_REGION ? st.arg : o->region;
        o->has_endpoint |= c == OPT_ENDPOINT;
        o->endpoint = c == OPT_ENDPOINT ? st.arg : o->endpoint;
    }
    cli_opts_fini(&st);
    if (c != CLI_OPTS_END) {
        return c == CLI_OPTS_HELP ? -1 : CLI_EXIT_USAGE;
    }
    if (o->list) {
        list_examples();
        return -1;
    }
    if (optind + 1 != argc) {
        return cli_opts_usage_error(&cmd_invoke_cmd, "give one function NAME");
    }
    if ((o->data != NULL) + (o->data_file != NULL) + (o->example != NULL) > 1) {
        return cli_opts_usage_error(&cmd_invoke_cmd,
                                    "--data, --data-file and --data-example exclude each other");
    }
    if (o->example && find_example(o->example) == NULL) {
        return cli_opts_usage_error(&cmd_invoke_cmd,
                                    "no example event %s (`clambda invoke --list-examples` "
                                    "lists them)",
                                    o->example);
    }
    o->name = argv[optind];
    return 0;
}

static int invoke_main(int argc, char **argv)
{
    struct invoke_opts o = {.endpoint = cli_http_default_endpoint()};
    int rc = parse(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    struct cl_buf payload;
    cl_buf_init(&payload, INVOKE_MAX_RESPONSE);
    const struct cli_embed *ex = o.example ? find_example(o.example) : NULL;
    rc = o.data ? cl_buf_append_str(&payload, o.data) : 0;
    rc = rc == 0 && ex ? cl_buf_append(&payload, ex->data, ex->len) : rc;
    rc = rc == 0 && o.data_file ? read_file(o.data_file, &payload) : rc;
    rc = rc == 0 && payload.len == 0 && !o.data_file ? cl_buf_append_str(&payload, "{}") : rc;
    if (rc < 0) {
        (void)fprintf(stderr, "clambda invoke: reading the event%s%s: %s\n",
                      o.data_file ? " from " : "", o.data_file ? o.data_file : "", strerror(-rc));
        cl_buf_fini(&payload);
        return CLI_EXIT_FAIL;
    }
    rc = o.remote ? run_remote(&o, &payload) : run_local(&o, &payload);
    cl_buf_fini(&payload);
    return rc;
}
