/* SPDX-License-Identifier: MIT */
/* Unit tests for the Extensions API client (extension.c). A tiny scripted server runs in a
 * thread on 127.0.0.1: it answers each request with the next canned HTTP response and records
 * the raw requests, so tests check what went over the wire (paths, headers, bodies) and how
 * answers map to clambda_error values. The event parser is also tested directly. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "clambda/extension.h"
#include "extension_int.h"

/* ---- the scripted server ---- */

#define MAX_REQS 8
#define REQ_MAX  8192

struct fake {
    const char *const *replies; /* raw HTTP responses, one per request */
    size_t n_replies;
    int listen_fd;
    char endpoint[32];
    pthread_t thread;
    char reqs[MAX_REQS][REQ_MAX]; /* raw requests (head + body), NUL-terminated */
    size_t n_reqs;
};

/* Reads one request (head + Content-Length body) into dst. Returns its length, 0 on EOF. */
static size_t read_request(int fd, char *dst)
{
    size_t len = 0, need = 0;
    while (len < REQ_MAX - 1) {
        ssize_t n = recv(fd, dst + len, REQ_MAX - 1 - len, 0);
        if (n <= 0) {
            return 0;
        }
        len += (size_t)n;
        dst[len] = '\0';
        char *end = strstr(dst, "\r\n\r\n");
        if (end != NULL && need == 0) {
            const char *cl = strcasestr(dst, "\r\nContent-Length: ");
            need = (size_t)(end + 4 - dst) + (cl != NULL ? strtoul(cl + 18, NULL, 10) : 0);
        }
        if (need > 0 && len >= need) {
            return len;
        }
    }
    return len;
}

/* Serves connections one at a time until the script runs out or the listener is shut down. */
static void *fake_main(void *arg)
{
    struct fake *f = arg;
    for (;;) {
        int fd = accept(f->listen_fd, NULL, NULL);
        if (fd < 0) {
            return NULL;
        }
        while (f->n_reqs < MAX_REQS && read_request(fd, f->reqs[f->n_reqs]) > 0) {
            size_t i = f->n_reqs++;
            if (i >= f->n_replies) {
                break;
            }
            ssize_t n = send(fd, f->replies[i], strlen(f->replies[i]), MSG_NOSIGNAL);
            (void)n;
        }
        (void)close(fd);
    }
}

static void fake_start(struct fake *f, const char *const *replies, size_t n_replies)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    memset(f, 0, sizeof(*f));
    f->replies = replies;
    f->n_replies = n_replies;
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->listen_fd >= 0);
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(f->listen_fd, 4), 0);
    assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&sa, &sl), 0);
    (void)snprintf(f->endpoint, sizeof(f->endpoint), "127.0.0.1:%u", ntohs(sa.sin_port));
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Call after closing the client's handle: wakes accept() and joins. */
static void fake_stop(struct fake *f)
{
    (void)shutdown(f->listen_fd, SHUT_RDWR);
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    (void)close(f->listen_fd);
}

static const char *req_body(const char *req)
{
    const char *end = strstr(req, "\r\n\r\n");
    assert_non_null(end);
    return end + 4;
}

/* ---- canned answers ---- */

#define REGISTER_OK                                                                                \
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"                                        \
    "Lambda-Extension-Identifier: 7c2a8b4e-1d3f-4e5a-9b6c-0d1e2f3a4b5c\r\nContent-Length: 103\r\n" \
    "\r\n"                                                                                         \
    "{\"functionName\":\"helloWorld\",\"functionVersion\":\"$LATEST\",\"handler\":\"h.main\","     \
    "\"accountId\":\"123456789012\"}"
#define ACCEPTED "HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"

static char *reply_json(int status, const char *body)
{
    char *r = malloc(1024);
    (void)snprintf(
        r, 1024, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
        status, strlen(body), body);
    return r;
}

static const char *const INVOKE_BODY =
    "{\"eventType\":\"INVOKE\",\"deadlineMs\":1700000000123,"
    "\"requestId\":\"3da1f2dc-3222-475e-9205-e2e6c6318895\","
    "\"invokedFunctionArn\":\"arn:aws:lambda:us-east-1:123456789012:function:ExtensionTest\","
    "\"tracing\":{\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=1-5f35ae12-"
    "0c0fec141ab77a00bc047aa2;"
    "Parent=2be948a625588e32;Sampled=1\"}}";

/* Registers against a fake serving REGISTER_OK then the given answers (may be NULL/0). */
static clambda_extension *open_ext(struct fake *f, const char *const *more, size_t n_more,
                                   const char **script)
{
    script[0] = REGISTER_OK;
    for (size_t i = 0; i < n_more; i++) {
        script[i + 1] = more[i];
    }
    fake_start(f, script, n_more + 1);
    clambda_extension *ext = NULL;
    assert_int_equal(clambda_extension_register_at(f->endpoint, "my-ext",
                                                   CLAMBDA_EXT_INVOKE | CLAMBDA_EXT_SHUTDOWN, &ext),
                     CLAMBDA_OK);
    assert_non_null(ext);
    return ext;
}

/* A registered extension whose fake answers the next request with status and the JSON body,
 * then the one after that with after (when not NULL). */
struct session {
    struct fake f;
    const char *script[3];
    char *reply;
    clambda_extension *ext;
};

static void session_open(struct session *s, int status, const char *body, const char *after)
{
    s->reply = reply_json(status, body);
    const char *more[] = {s->reply, after};
    s->ext = open_ext(&s->f, more, after ? 2 : 1, s->script);
}

static void session_close(struct session *s)
{
    clambda_extension_close(s->ext);
    fake_stop(&s->f);
    free(s->reply);
}

/* ---- register ---- */

static void test_extension_register_sends_name_and_events(void **state)
{
    struct fake f;
    const char *script[1];
    (void)state;
    clambda_extension *ext = open_ext(&f, NULL, 0, script);
    clambda_extension_close(ext);
    fake_stop(&f);
    assert_int_equal(f.n_reqs, 1);
    const char *req = f.reqs[0];
    assert_true(strncmp(req, "POST /2020-01-01/extension/register HTTP/1.1\r\n", 46) == 0);
    assert_non_null(strstr(req, "\r\nLambda-Extension-Name: my-ext\r\n"));
    assert_non_null(strstr(req, "\r\nLambda-Extension-Accept-Feature: accountId\r\n"));
    assert_non_null(strstr(req, "\r\nContent-Type: application/json\r\n"));
    assert_string_equal(req_body(req), "{\"events\":[\"INVOKE\",\"SHUTDOWN\"]}");
}

static void test_extension_register_keeps_identifier_and_fields(void **state)
{
    struct fake f;
    const char *script[1];
    (void)state;
    clambda_extension *ext = open_ext(&f, NULL, 0, script);
    assert_string_equal(clambda_extension_id(ext), "7c2a8b4e-1d3f-4e5a-9b6c-0d1e2f3a4b5c");
    assert_string_equal(clambda_extension_function_name(ext), "helloWorld");
    assert_string_equal(clambda_extension_function_version(ext), "$LATEST");
    assert_string_equal(clambda_extension_handler(ext), "h.main");
    assert_string_equal(clambda_extension_account_id(ext), "123456789012");
    clambda_extension_close(ext);
    fake_stop(&f);
}

static void test_extension_register_event_masks(void **state)
{
    static const struct {
        unsigned events;
        const char *body;
    } cases[] = {
        {0, "{\"events\":[]}"},
        {CLAMBDA_EXT_INVOKE, "{\"events\":[\"INVOKE\"]}"},
        {CLAMBDA_EXT_SHUTDOWN, "{\"events\":[\"SHUTDOWN\"]}"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fake f;
        static const char *const script[] = {REGISTER_OK};
        fake_start(&f, script, 1);
        clambda_extension *ext = NULL;
        assert_int_equal(clambda_extension_register_at(f.endpoint, "x", cases[i].events, &ext),
                         CLAMBDA_OK);
        clambda_extension_close(ext);
        fake_stop(&f);
        assert_string_equal(req_body(f.reqs[0]), cases[i].body);
    }
}

static void test_extension_register_without_optional_fields(void **state)
{
    struct fake f;
    static const char *const script[] = {
        "HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: id-1\r\nContent-Length: 2\r\n\r\n{}"};
    (void)state;
    fake_start(&f, script, 1);
    clambda_extension *ext = NULL;
    assert_int_equal(clambda_extension_register_at(f.endpoint, "x", 1, &ext), CLAMBDA_OK);
    assert_string_equal(clambda_extension_id(ext), "id-1");
    assert_string_equal(clambda_extension_function_name(ext), "");
    assert_string_equal(clambda_extension_account_id(ext), "");
    clambda_extension_close(ext);
    fake_stop(&f);
}

static void test_extension_register_bad_arguments(void **state)
{
    clambda_extension *ext = (clambda_extension *)1;
    (void)state;
    assert_int_equal(clambda_extension_register_at("127.0.0.1:1", NULL, 1, &ext), CLAMBDA_EINVAL);
    assert_null(ext);
    assert_int_equal(clambda_extension_register_at("127.0.0.1:1", "", 1, &ext), CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_register_at("127.0.0.1:1", "a\r\nX: y", 1, &ext),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_register_at("127.0.0.1:1", "a", 4, &ext), CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_register_at("nohostport", "a", 1, &ext), CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_register_at("127.0.0.1:1", "a", 1, NULL), CLAMBDA_EINVAL);
    assert_null(ext);
}

static void test_extension_register_reads_environment(void **state)
{
    struct fake f;
    static const char *const script[] = {REGISTER_OK};
    clambda_extension *ext = NULL;
    (void)state;
    assert_int_equal(unsetenv("AWS_LAMBDA_RUNTIME_API"), 0);
    assert_int_equal(clambda_extension_register("x", 1, &ext), CLAMBDA_ENOENV);
    fake_start(&f, script, 1);
    assert_int_equal(setenv("AWS_LAMBDA_RUNTIME_API", f.endpoint, 1), 0);
    assert_int_equal(clambda_extension_register("x", 1, &ext), CLAMBDA_OK);
    assert_non_null(ext);
    clambda_extension_close(ext);
    fake_stop(&f);
    assert_int_equal(unsetenv("AWS_LAMBDA_RUNTIME_API"), 0);
}

static void test_extension_register_error_statuses(void **state)
{
    static const struct {
        int status;
        int want;
    } cases[] = {{400, CLAMBDA_EBADREQUEST},
                 {403, CLAMBDA_ESTATE},
                 {404, CLAMBDA_ESERVER},
                 {500, CLAMBDA_ESERVER}};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fake f;
        char *r = reply_json(cases[i].status, "{\"errorMessage\":\"Extension limit (10) reached\","
                                              "\"errorType\":\"Extension.TooManyExtensions\"}");
        const char *script[] = {r};
        fake_start(&f, script, 1);
        clambda_extension *ext = (clambda_extension *)1;
        assert_int_equal(clambda_extension_register_at(f.endpoint, "x", 3, &ext), cases[i].want);
        assert_null(ext);
        fake_stop(&f);
        free(r);
    }
}

static void test_extension_register_malformed_answers(void **state)
{
    static const char *const answers[] = {
        /* no identifier */
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        /* empty identifier */
        "HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: \r\nContent-Length: 2\r\n\r\n{}",
        /* body not JSON */
        "HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: a\r\nContent-Length: 3\r\n\r\n{x}",
        /* body not an object */
        "HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: a\r\nContent-Length: 2\r\n\r\n[]",
        /* a field of the wrong type */
        ("HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: a\r\nContent-Length: 18\r\n\r\n"
         "{\"functionName\":1}"),
    };
    (void)state;
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        struct fake f;
        const char *script[] = {answers[i]};
        fake_start(&f, script, 1);
        clambda_extension *ext = NULL;
        assert_int_equal(clambda_extension_register_at(f.endpoint, "x", 3, &ext), CLAMBDA_EPROTO);
        assert_null(ext);
        fake_stop(&f);
    }
}

/* ---- next ---- */

static void test_extension_next_invoke(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 200, INVOKE_BODY, NULL);
    clambda_extension_event *ev = NULL;
    assert_int_equal(clambda_extension_next(s.ext, &ev), CLAMBDA_OK);
    assert_int_equal(clambda_extension_event_type(ev), CLAMBDA_EXT_INVOKE);
    assert_true(clambda_extension_event_deadline_ms(ev) == INT64_C(1700000000123));
    assert_string_equal(clambda_extension_event_request_id(ev),
                        "3da1f2dc-3222-475e-9205-e2e6c6318895");
    assert_string_equal(clambda_extension_event_invoked_function_arn(ev),
                        "arn:aws:lambda:us-east-1:123456789012:function:ExtensionTest");
    assert_string_equal(clambda_extension_event_tracing_type(ev), "X-Amzn-Trace-Id");
    assert_string_equal(
        clambda_extension_event_tracing_value(ev),
        "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=1");
    assert_null(clambda_extension_event_shutdown_reason_str(ev));
    assert_int_equal(clambda_extension_event_shutdown_reason(ev), CLAMBDA_EXT_REASON_OTHER);
    session_close(&s);
    assert_int_equal(s.f.n_reqs, 2);
    assert_true(strncmp(s.f.reqs[1], "GET /2020-01-01/extension/event/next HTTP/1.1\r\n", 47) == 0);
    assert_non_null(strstr(
        s.f.reqs[1], "\r\nLambda-Extension-Identifier: 7c2a8b4e-1d3f-4e5a-9b6c-0d1e2f3a4b5c\r\n"));
}

static void test_extension_next_invoke_without_tracing(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 200, "{\"eventType\":\"INVOKE\",\"deadlineMs\":5,\"requestId\":\"r\"}", NULL);
    clambda_extension_event *ev = NULL;
    assert_int_equal(clambda_extension_next(s.ext, &ev), CLAMBDA_OK);
    assert_string_equal(clambda_extension_event_request_id(ev), "r");
    assert_string_equal(clambda_extension_event_invoked_function_arn(ev), "");
    assert_null(clambda_extension_event_tracing_type(ev));
    assert_null(clambda_extension_event_tracing_value(ev));
    session_close(&s);
}

static void test_extension_next_shutdown_reasons(void **state)
{
    static const struct {
        const char *reason;
        int want;
    } cases[] = {{"spindown", CLAMBDA_EXT_SPINDOWN},
                 {"SPINDOWN", CLAMBDA_EXT_SPINDOWN},
                 {"timeout", CLAMBDA_EXT_TIMEOUT},
                 {"Failure", CLAMBDA_EXT_FAILURE},
                 {"reboot", CLAMBDA_EXT_REASON_OTHER}};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct session s;
        char body[128];
        (void)snprintf(body, sizeof(body),
                       "{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"%s\","
                       "\"deadlineMs\":1700000002000}",
                       cases[i].reason);
        session_open(&s, 200, body, NULL);
        clambda_extension_event *ev = NULL;
        assert_int_equal(clambda_extension_next(s.ext, &ev), CLAMBDA_OK);
        assert_int_equal(clambda_extension_event_type(ev), CLAMBDA_EXT_SHUTDOWN);
        assert_int_equal(clambda_extension_event_shutdown_reason(ev), cases[i].want);
        assert_string_equal(clambda_extension_event_shutdown_reason_str(ev), cases[i].reason);
        assert_true(clambda_extension_event_deadline_ms(ev) == INT64_C(1700000002000));
        assert_null(clambda_extension_event_request_id(ev));
        assert_null(clambda_extension_event_invoked_function_arn(ev));
        session_close(&s);
    }
}

static void test_extension_next_malformed_event_then_next(void **state)
{
    struct fake f;
    const char *script[4];
    (void)state;
    char *bad = reply_json(200, "{\"eventType\":\"INVOKE\",\"requestId\":");
    char *unknown = reply_json(200, "{\"eventType\":\"RESTORE\",\"deadlineMs\":1}");
    char *good = reply_json(200, INVOKE_BODY);
    const char *more[] = {bad, unknown, good};
    clambda_extension *ext = open_ext(&f, more, 3, script);
    clambda_extension_event *ev = (clambda_extension_event *)1;
    assert_int_equal(clambda_extension_next(ext, &ev), CLAMBDA_EPROTO);
    assert_null(ev);
    assert_int_equal(clambda_extension_next(ext, &ev), CLAMBDA_EPROTO);
    assert_int_equal(clambda_extension_next(ext, &ev), CLAMBDA_OK);
    assert_int_equal(clambda_extension_event_type(ev), CLAMBDA_EXT_INVOKE);
    clambda_extension_close(ext);
    fake_stop(&f);
    free(bad);
    free(unknown);
    free(good);
}

static void test_extension_next_error_statuses(void **state)
{
    static const struct {
        int status;
        int want;
    } cases[] = {{400, CLAMBDA_EBADREQUEST}, {403, CLAMBDA_ESTATE}, {500, CLAMBDA_ESERVER}};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct session s;
        session_open(&s, cases[i].status,
                     "{\"errorMessage\":\"Missing Lambda-Extension-Identifier header\","
                     "\"errorType\":\"Extension.MissingExtensionIdentifier\"}",
                     NULL);
        clambda_extension_event *ev = (clambda_extension_event *)1;
        assert_int_equal(clambda_extension_next(s.ext, &ev), cases[i].want);
        assert_null(ev);
        session_close(&s);
    }
}

static void test_extension_next_bad_arguments(void **state)
{
    clambda_extension_event *ev = NULL;
    (void)state;
    assert_int_equal(clambda_extension_next(NULL, &ev), CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_event_type(NULL), 0);
    assert_null(clambda_extension_event_request_id(NULL));
    assert_null(clambda_extension_id(NULL));
}

/* ---- init/exit errors ---- */

static void test_extension_init_error_sends_document(void **state)
{
    struct fake f;
    const char *script[2];
    const char *more[] = {ACCEPTED};
    (void)state;
    clambda_extension *ext = open_ext(&f, more, 1, script);
    assert_int_equal(
        clambda_extension_init_error(ext, "Extension.Config\r\nX: y", "bad \"config\"\n\xff"),
        CLAMBDA_OK);
    /* the platform acted on it: no further calls */
    clambda_extension_event *ev = NULL;
    assert_int_equal(clambda_extension_next(ext, &ev), CLAMBDA_ESTATE);
    assert_int_equal(clambda_extension_exit_error(ext, NULL, NULL), CLAMBDA_ESTATE);
    clambda_extension_close(ext);
    fake_stop(&f);
    assert_int_equal(f.n_reqs, 2);
    const char *req = f.reqs[1];
    assert_true(strncmp(req, "POST /2020-01-01/extension/init/error HTTP/1.1\r\n", 48) == 0);
    assert_non_null(
        strstr(req, "\r\nLambda-Extension-Identifier: 7c2a8b4e-1d3f-4e5a-9b6c-0d1e2f3a4b5c\r\n"));
    assert_non_null(
        strstr(req, "\r\nLambda-Extension-Function-Error-Type: Extension.Config__X:_y\r\n"));
    assert_string_equal(req_body(req), "{\"errorMessage\":\"bad \\\"config\\\"\\n\xef\xbf\xbd\","
                                       "\"errorType\":\"Extension.Config\\r\\nX: y\","
                                       "\"stackTrace\":[]}");
}

static void test_extension_init_error_after_next(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 200, INVOKE_BODY, NULL);
    clambda_extension_event *ev = NULL;
    assert_int_equal(clambda_extension_next(s.ext, &ev), CLAMBDA_OK);
    assert_int_equal(clambda_extension_init_error(s.ext, "E", "m"), CLAMBDA_ESTATE);
    assert_int_equal(clambda_extension_init_error(NULL, "E", "m"), CLAMBDA_EINVAL);
    session_close(&s);
    assert_int_equal(s.f.n_reqs, 2);
}

static void test_extension_exit_error_sends_document(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 200, INVOKE_BODY, ACCEPTED);
    clambda_extension_event *ev = NULL;
    assert_int_equal(clambda_extension_next(s.ext, &ev), CLAMBDA_OK);
    assert_int_equal(clambda_extension_exit_error(s.ext, NULL, NULL), CLAMBDA_OK);
    session_close(&s);
    assert_int_equal(s.f.n_reqs, 3);
    const char *req = s.f.reqs[2];
    assert_true(strncmp(req, "POST /2020-01-01/extension/exit/error HTTP/1.1\r\n", 48) == 0);
    assert_non_null(strstr(req, "\r\nLambda-Extension-Function-Error-Type: Extension.Unknown\r\n"));
    assert_non_null(strstr(req, "\r\nContent-Type: application/json\r\n"));
    assert_string_equal(req_body(req), "{\"errorMessage\":\"\",\"errorType\":\"Extension.Unknown\","
                                       "\"stackTrace\":[]}");
}

static void test_extension_exit_error_statuses(void **state)
{
    static const struct {
        int status;
        int want;
    } cases[] = {{400, CLAMBDA_EBADREQUEST}, {403, CLAMBDA_ESTATE}, {500, CLAMBDA_ESERVER}};
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct session s;
        session_open(&s, cases[i].status,
                     "{\"errorMessage\":\"m\",\"errorType\":\"Extension.MissingHeader\"}", NULL);
        assert_int_equal(clambda_extension_exit_error(s.ext, "E", "m"), cases[i].want);
        session_close(&s);
    }
}

static void test_extension_telemetry_subscribe_sends_document(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 200, "\"OK\"", NULL);
    assert_int_equal(clambda_extension_telemetry_subscribe(
                         s.ext, CLAMBDA_TELEMETRY_PLATFORM | CLAMBDA_TELEMETRY_FUNCTION, 4243,
                         "/telemetry", 0, 0, 100),
                     CLAMBDA_OK);
    session_close(&s);
    assert_int_equal(s.f.n_reqs, 2);
    const char *req = s.f.reqs[1];
    assert_true(strncmp(req, "PUT /2022-07-01/telemetry HTTP/1.1\r\n", 36) == 0);
    assert_non_null(
        strstr(req, "\r\nLambda-Extension-Identifier: 7c2a8b4e-1d3f-4e5a-9b6c-0d1e2f3a4b5c\r\n"));
    assert_string_equal(req_body(req),
                        "{\"schemaVersion\":\"2022-12-13\",\"types\":[\"platform\",\"function\"],"
                        "\"buffering\":{\"timeoutMs\":100},\"destination\":{\"protocol\":\"HTTP\","
                        "\"URI\":\"http://sandbox.localdomain:4243/telemetry\"}}");
}

static void test_extension_telemetry_subscribe_errors(void **state)
{
    struct session s;
    (void)state;
    session_open(&s, 400, "{\"errorMessage\":\"m\",\"errorType\":\"ValidationError\"}", NULL);
    assert_int_equal(clambda_extension_telemetry_subscribe(NULL, 1, 80, "/", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 0, 80, "/", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 8, 80, "/", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 1, 0, "/", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 1, 80, "x", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 1, 80, "/a\"b", 0, 0, 0),
                     CLAMBDA_EINVAL);
    assert_int_equal(clambda_extension_telemetry_subscribe(s.ext, 1, 80, "/", 10, 0, 0),
                     CLAMBDA_EBADREQUEST);
    session_close(&s);
}

static void test_extension_close_null(void **state)
{
    (void)state;
    clambda_extension_close(NULL);
}

/* ---- the event parser ---- */

static int parse(const char *s, struct clambda_extension_event *ev)
{
    return extension_event_parse((const uint8_t *)s, strlen(s), ev);
}

static void test_extension_event_parse_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "null",
        "[]",
        "\"INVOKE\"",
        "{}",
        "{\"eventType\":1}",
        "{\"eventType\":\"INVOKE\"}",                 /* no requestId */
        "{\"eventType\":\"INVOKE\",\"requestId\":7}", /* wrong type */
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\",\"deadlineMs\":\"5\"}",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\",\"deadlineMs\":1.5}",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\",\"deadlineMs\":99999999999999999999}",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\",\"tracing\":\"X\"}",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\",\"tracing\":{\"type\":[]}}",
        "{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":false}",
        "{\"eventType\":\"PAUSE\"}",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"r\"} trailing",
        "{\"eventType\":\"INVOKE\",\"requestId\":\"\\x\"}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct clambda_extension_event ev;
        assert_int_equal(parse(bad[i], &ev), -EBADMSG);
        assert_null(ev.request_id);
        assert_int_equal(ev.type, 0);
    }
}

static void test_extension_event_parse_nulls_are_absent(void **state)
{
    struct clambda_extension_event ev;
    (void)state;
    assert_int_equal(parse("{\"eventType\":\"invoke\",\"requestId\":\"r\",\"deadlineMs\":null,"
                           "\"invokedFunctionArn\":null,\"tracing\":null,\"extra\":[1,{}]}",
                           &ev),
                     0);
    assert_int_equal(ev.type, CLAMBDA_EXT_INVOKE);
    assert_true(ev.deadline_ms == 0);
    assert_null(ev.arn);
    assert_null(ev.tracing_type);
    extension_event_fini(&ev);
    assert_int_equal(parse("{\"eventType\":\"SHUTDOWN\"}", &ev), 0);
    assert_int_equal(ev.reason, CLAMBDA_EXT_REASON_OTHER);
    assert_null(ev.reason_str);
    extension_event_fini(&ev);
    extension_event_fini(NULL);
}

static void test_extension_event_parse_unescapes(void **state)
{
    struct clambda_extension_event ev;
    (void)state;
    assert_int_equal(parse("{\"eventType\":\"INVOKE\",\"requestId\":\"a\\u00e9\\/b\"}", &ev), 0);
    assert_string_equal(ev.request_id, "a\xc3\xa9/b");
    extension_event_fini(&ev);
}

/* Walks every allocation of a parse and of a registration: each fails cleanly (LSan checks). */
static void test_extension_event_parse_oom(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        struct clambda_extension_event ev;
        cl_alloc_fail_after(n);
        int rc = parse(INVOKE_BODY, &ev);
        cl_alloc_fail_after(-1);
        if (rc == 0) {
            assert_string_equal(ev.tracing_type, "X-Amzn-Trace-Id");
            extension_event_fini(&ev);
            break;
        }
        assert_int_equal(rc, -ENOMEM);
        assert_true(n < 100);
    }
}

static void test_extension_register_oom(void **state)
{
    (void)state;
    for (long n = 0;; n++) {
        struct fake f;
        static const char *const script[] = {REGISTER_OK};
        fake_start(&f, script, 1);
        clambda_extension *ext = NULL;
        cl_alloc_fail_after(n);
        int rc = clambda_extension_register_at(f.endpoint, "x", 3, &ext);
        cl_alloc_fail_after(-1);
        clambda_extension_close(ext);
        fake_stop(&f);
        if (rc == CLAMBDA_OK) {
            break;
        }
        assert_int_equal(rc, CLAMBDA_ENOMEM);
        assert_null(ext);
        assert_true(n < 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extension_register_sends_name_and_events),
        cmocka_unit_test(test_extension_register_keeps_identifier_and_fields),
        cmocka_unit_test(test_extension_register_event_masks),
        cmocka_unit_test(test_extension_register_without_optional_fields),
        cmocka_unit_test(test_extension_register_bad_arguments),
        cmocka_unit_test(test_extension_register_reads_environment),
        cmocka_unit_test(test_extension_register_error_statuses),
        cmocka_unit_test(test_extension_register_malformed_answers),
        cmocka_unit_test(test_extension_register_oom),
        cmocka_unit_test(test_extension_next_invoke),
        cmocka_unit_test(test_extension_next_invoke_without_tracing),
        cmocka_unit_test(test_extension_next_shutdown_reasons),
        cmocka_unit_test(test_extension_next_malformed_event_then_next),
        cmocka_unit_test(test_extension_next_error_statuses),
        cmocka_unit_test(test_extension_next_bad_arguments),
        cmocka_unit_test(test_extension_init_error_sends_document),
        cmocka_unit_test(test_extension_telemetry_subscribe_sends_document),
        cmocka_unit_test(test_extension_telemetry_subscribe_errors),
        cmocka_unit_test(test_extension_init_error_after_next),
        cmocka_unit_test(test_extension_exit_error_sends_document),
        cmocka_unit_test(test_extension_exit_error_statuses),
        cmocka_unit_test(test_extension_close_null),
        cmocka_unit_test(test_extension_event_parse_rejects_malformed),
        cmocka_unit_test(test_extension_event_parse_nulls_are_absent),
        cmocka_unit_test(test_extension_event_parse_unescapes),
        cmocka_unit_test(test_extension_event_parse_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
