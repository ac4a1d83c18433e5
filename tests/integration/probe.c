/* SPDX-License-Identifier: MIT */
/* tests/integration/probe: a bootstrap whose behaviour each event chooses, for what the examples
 * do not cover. The payload is a command word and arguments separated by single spaces; the
 * last argument of a command takes the rest of the payload, bytes as they are:
 *
 *   respond N              N bytes 'a'..'z' repeated (application/octet-stream)
 *   echo                   the payload, with the event's content type
 *   fail TYPE MESSAGE      clambda_runtime_fail; TYPE or MESSAGE "-" means NULL
 *   failtrace TYPE MESSAGE clambda_runtime_fail_trace with two frames, the second MESSAGE
 *   twice                  respond "first", then respond again and fail; logs both codes
 *   noanswer               returns 0 without answering (the loop posts Runtime.NoResponse)
 *   handlererr             returns CLAMBDA_EIO without answering (Runtime.HandlerError)
 *   stream N [DELAY_MS]    N chunks "chunk I of N\n", DELAY_MS apart, then finish
 *   streambig N SIZE       N chunks of SIZE bytes 'a'..'z', then finish
 *   streamfail N TYPE MSG  N chunks, then clambda_stream_fail(TYPE, MSG)
 *   accessors              a JSON object with every invocation and function accessor
 *   waitsig                waits for SIGUSR1, then responds "late"
 *   sleep MS               sleeps, then responds "slept"
 *   initerr                calls clambda_runtime_init_error (after next: must be refused)
 *   log TEXT               clambda_log(INFO, TEXT), then responds "logged"
 *   exit CODE              exits the process without answering
 *   cat PATH               the file's first 64 KiB, or "error: <strerror>"
 *   getenv KEY             the variable's value, or "(unset)"
 *
 * A payload that is a JSON string without escapes ("\"cat /opt/x\"", what `clambda serve`
 * accepts) is the command without its quotes.
 *
 * Every library call's result goes to stderr as "probe: <what> rc=<n>". The environment picks
 * the mode: PROBE_INIT_ERROR=1 reports an init error (PROBE_INIT_ERROR_TYPE/_MESSAGE) and exits
 * 1; PROBE_STEP=1 drives clambda_runtime_next() itself instead of clambda_run(); PROBE_SIGTERM=1
 * runs the loop with a SIGTERM hook that logs "shutdown hook" (exit 0 after it). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <clambda/runtime.h>

#define MAX_FIELDS 4

static void note(const char *what, int rc)
{
    fprintf(stderr, "probe: %s rc=%d\n", what, rc);
    fflush(stderr);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Splits s in place at the first n-1 spaces; the last field keeps the rest. Missing fields
 * are "". Returns the number of fields found. */
static int split(char *s, char *fields[], int n)
{
    static char empty[] = "";
    int found = 0;
    for (int i = 0; i < n; i++) {
        fields[i] = empty;
    }
    if (*s == '\0') {
        return 0;
    }
    fields[found++] = s;
    while (found < n) {
        char *sp = strchr(s, ' ');
        if (sp == NULL) {
            break;
        }
        *sp = '\0';
        s = sp + 1;
        fields[found++] = s;
    }
    return found;
}

static const char *or_null(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

static uint8_t *pattern(size_t n)
{
    uint8_t *p = malloc(n > 0 ? n : 1);
    for (size_t i = 0; p != NULL && i < n; i++) {
        p[i] = (uint8_t)('a' + i % 26);
    }
    return p;
}

/* Writes s as a JSON string (or null), escaping quotes, backslashes and control bytes. */
static void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

static int do_accessors(clambda_runtime *rt, clambda_invocation *inv)
{
    char *buf = NULL;
    size_t len = 0;
    size_t payload_len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        return CLAMBDA_ENOMEM;
    }
    (void)clambda_invocation_payload(inv, &payload_len);
    fputs("{\"request_id\":", f);
    json_str(f, clambda_invocation_request_id(inv));
    fprintf(f, ",\"deadline_ms\":%lld", (long long)clambda_invocation_deadline_ms(inv));
    fprintf(f, ",\"remaining_ms\":%lld", (long long)clambda_invocation_remaining_ms(inv));
    fputs(",\"function_arn\":", f);
    json_str(f, clambda_invocation_function_arn(inv));
    fputs(",\"trace_id\":", f);
    json_str(f, clambda_invocation_trace_id(inv));
    fputs(",\"env_trace_id\":", f);
    json_str(f, getenv("_X_AMZN_TRACE_ID"));
    fputs(",\"client_context\":", f);
    json_str(f, clambda_invocation_client_context(inv));
    fputs(",\"cognito_identity\":", f);
    json_str(f, clambda_invocation_cognito_identity(inv));
    fputs(",\"tenant_id\":", f);
    json_str(f, clambda_invocation_tenant_id(inv));
    fputs(",\"content_type\":", f);
    json_str(f, clambda_invocation_content_type(inv));
    fprintf(f, ",\"payload_len\":%zu", payload_len);
    fputs(",\"function_name\":", f);
    json_str(f, clambda_runtime_function_name(rt));
    fputs(",\"function_version\":", f);
    json_str(f, clambda_runtime_function_version(rt));
    fprintf(f, ",\"memory_mb\":%d", clambda_runtime_memory_mb(rt));
    fputs(",\"log_group\":", f);
    json_str(f, clambda_runtime_log_group(rt));
    fputs(",\"log_stream\":", f);
    json_str(f, clambda_runtime_log_stream(rt));
    fputs(",\"handler\":", f);
    json_str(f, clambda_runtime_handler(rt));
    fprintf(f, ",\"version_num\":%d}", clambda_version_num());
    if (fclose(f) != 0 || buf == NULL) {
        free(buf);
        return CLAMBDA_ENOMEM;
    }
    int rc = clambda_runtime_respond(rt, inv, buf, len, "application/json");
    free(buf);
    note("accessors respond", rc);
    const char *after = getenv("_X_AMZN_TRACE_ID");
    fprintf(stderr, "probe: trace env after respond=%s\n", after != NULL ? after : "(unset)");
    return rc;
}

static int do_stream(clambda_runtime *rt, clambda_invocation *inv, long n, long delay_ms, long size,
                     const char *fail_type, const char *fail_msg, bool fail)
{
    clambda_stream *s;
    int rc = clambda_stream_open(rt, inv, "text/plain", &s);
    note("stream_open", rc);
    if (rc != CLAMBDA_OK) {
        return rc;
    }
    uint8_t *big = size > 0 ? pattern((size_t)size) : NULL;
    for (long i = 1; i <= n && rc == CLAMBDA_OK; i++) {
        if (i > 1 && delay_ms > 0) {
            sleep_ms(delay_ms);
        }
        if (big != NULL) {
            rc = clambda_stream_write(s, big, (size_t)size);
        } else {
            char line[64];
            int len = snprintf(line, sizeof(line), "chunk %ld of %ld\n", i, n);
            rc = clambda_stream_write(s, line, (size_t)len);
        }
    }
    free(big);
    note("stream_write", rc);
    int frc = fail ? clambda_stream_fail(s, fail_type, fail_msg) : clambda_stream_finish(s);
    note(fail ? "stream_fail" : "stream_finish", frc);
    return rc != CLAMBDA_OK ? rc : frc;
}

static int respond_file(clambda_runtime *rt, clambda_invocation *inv, const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f == NULL) {
        n = (size_t)snprintf(buf, sizeof(buf), "error: %s", strerror(errno));
    } else {
        fclose(f);
    }
    return clambda_runtime_respond(rt, inv, buf, n, "text/plain");
}

static int respond_env(clambda_runtime *rt, clambda_invocation *inv, const char *key)
{
    const char *v = getenv(key);
    v = v ? v : "(unset)";
    return clambda_runtime_respond(rt, inv, v, strlen(v), "text/plain");
}

static int dispatch(clambda_runtime *rt, clambda_invocation *inv, void *user)
{
    (void)user;
    size_t plen;
    const uint8_t *payload = clambda_invocation_payload(inv, &plen);
    char *cmd = malloc(plen + 1);
    if (cmd == NULL) {
        return CLAMBDA_ENOMEM;
    }
    memcpy(cmd, payload, plen);
    cmd[plen] = '\0';
    if (plen >= 2 && cmd[0] == '"' && cmd[plen - 1] == '"') {
        memmove(cmd, cmd + 1, plen - 2); /* a JSON string (clambda serve wants JSON) */
        cmd[plen - 2] = '\0';
    }
    char *f[MAX_FIELDS];
    char word[32];
    snprintf(word, sizeof(word), "%s", cmd);
    word[strcspn(word, " ")] = '\0';
    int rc = CLAMBDA_OK;

    if (strcmp(word, "respond") == 0) {
        split(cmd, f, 2);
        size_t n = (size_t)strtoull(f[1], NULL, 10);
        uint8_t *body = pattern(n);
        rc = body != NULL ? clambda_runtime_respond(rt, inv, body, n, "application/octet-stream")
                          : CLAMBDA_ENOMEM;
        free(body);
        note("respond", rc);
    } else if (strcmp(word, "echo") == 0) {
        rc = clambda_runtime_respond(rt, inv, payload, plen, clambda_invocation_content_type(inv));
        note("echo", rc);
    } else if (strcmp(word, "fail") == 0 || strcmp(word, "failtrace") == 0) {
        split(cmd, f, 3);
        if (strcmp(word, "fail") == 0) {
            rc = clambda_runtime_fail(rt, inv, or_null(f[1]), or_null(f[2]));
        } else {
            const char *frames[] = {"probe.c:dispatch", f[2]};
            rc = clambda_runtime_fail_trace(rt, inv, or_null(f[1]), or_null(f[2]), frames, 2);
        }
        note("fail", rc);
    } else if (strcmp(word, "twice") == 0) {
        rc = clambda_runtime_respond(rt, inv, "first", 5, "text/plain");
        note("twice first", rc);
        note("twice second", clambda_runtime_respond(rt, inv, "second", 6, "text/plain"));
        note("twice fail", clambda_runtime_fail(rt, inv, "Probe.Twice", "after a response"));
        clambda_stream *s = NULL;
        note("twice stream", clambda_stream_open(rt, inv, NULL, &s));
    } else if (strcmp(word, "noanswer") == 0) {
        note("noanswer", 0);
    } else if (strcmp(word, "handlererr") == 0) {
        rc = CLAMBDA_EIO;
        note("handlererr", rc);
    } else if (strcmp(word, "stream") == 0) {
        split(cmd, f, 3);
        rc = do_stream(rt, inv, strtol(f[1], NULL, 10), strtol(f[2], NULL, 10), 0, NULL, NULL,
                       false);
    } else if (strcmp(word, "streambig") == 0) {
        split(cmd, f, 3);
        rc = do_stream(rt, inv, strtol(f[1], NULL, 10), 0, strtol(f[2], NULL, 10), NULL, NULL,
                       false);
    } else if (strcmp(word, "streamfail") == 0) {
        split(cmd, f, 4);
        rc = do_stream(rt, inv, strtol(f[1], NULL, 10), 0, 0, or_null(f[2]), or_null(f[3]), true);
    } else if (strcmp(word, "accessors") == 0) {
        rc = do_accessors(rt, inv);
    } else if (strcmp(word, "waitsig") == 0) {
        sigset_t set;
        int sig = 0;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        note("waitsig waiting", 0);
        (void)sigwait(&set, &sig);
        rc = clambda_runtime_respond(rt, inv, "late", 4, "text/plain");
        note("waitsig respond", rc);
    } else if (strcmp(word, "sleep") == 0) {
        split(cmd, f, 2);
        sleep_ms(strtol(f[1], NULL, 10));
        rc = clambda_runtime_respond(rt, inv, "slept", 5, "text/plain");
        note("sleep respond", rc);
    } else if (strcmp(word, "initerr") == 0) {
        int irc = clambda_runtime_init_error(rt, "Probe.LateInit", "after next");
        note("initerr", irc);
        char body[32];
        int n = snprintf(body, sizeof(body), "%d", irc);
        rc = clambda_runtime_respond(rt, inv, body, (size_t)n, "text/plain");
    } else if (strcmp(word, "log") == 0) {
        split(cmd, f, 2);
        clambda_log(rt, CLAMBDA_LOG_INFO, "%s", f[1]);
        rc = clambda_runtime_respond(rt, inv, "logged", 6, "text/plain");
    } else if (strcmp(word, "exit") == 0) {
        split(cmd, f, 2);
        _exit((int)strtol(f[1], NULL, 10));
    } else if (strcmp(word, "cat") == 0 || strcmp(word, "getenv") == 0) {
        split(cmd, f, 2);
        rc = word[0] == 'c' ? respond_file(rt, inv, f[1]) : respond_env(rt, inv, f[1]);
    } else {
        rc = clambda_runtime_fail(rt, inv, "Probe.UnknownCommand", word);
    }
    free(cmd);
    /* An answer that failed on the platform's side still counts as answered: the handler's
     * own result only matters when it did not answer (handlererr). */
    return strcmp(word, "handlererr") == 0 ? rc : CLAMBDA_OK;
}

static int init_error(void)
{
    clambda_runtime *rt;
    int rc = clambda_runtime_open(&rt);
    note("open", rc);
    if (rc != CLAMBDA_OK) {
        return 2;
    }
    const char *type = getenv("PROBE_INIT_ERROR_TYPE");
    const char *msg = getenv("PROBE_INIT_ERROR_MESSAGE");
    rc = clambda_runtime_init_error(rt, type != NULL ? type : "Probe.InitError",
                                    msg != NULL ? msg : "probe init failed");
    note("init_error", rc);
    clambda_runtime_close(rt);
    return 1;
}

static int step_loop(void)
{
    clambda_runtime *rt;
    int rc = clambda_runtime_open(&rt);
    note("open", rc);
    if (rc != CLAMBDA_OK) {
        return 1;
    }
    for (;;) {
        clambda_invocation *inv;
        rc = clambda_runtime_next(rt, &inv);
        if (rc != CLAMBDA_OK) {
            note("next", rc);
            if (rc == CLAMBDA_EIO || rc == CLAMBDA_EPROTO || rc == CLAMBDA_ETOOBIG) {
                continue;
            }
            break;
        }
        (void)dispatch(rt, inv, NULL);
    }
    clambda_runtime_close(rt);
    return 1;
}

static void on_shutdown(void *user)
{
    (void)user;
    note("shutdown hook", 0);
}

/* PROBE_SIGTERM=1: the loop with a SIGTERM hook; exits 0 after the hook ran. */
static int sigterm_loop(void)
{
    clambda_runtime *rt;
    int rc = clambda_runtime_open(&rt);
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_on_sigterm(rt, on_shutdown, NULL);
        note("on_sigterm", rc);
        rc = clambda_runtime_run(rt, dispatch, NULL);
    }
    note("run", rc);
    clambda_runtime_close(rt);
    return rc == CLAMBDA_ESHUTDOWN ? 0 : 1;
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL); /* for waitsig's sigwait() */

    const char *ie = getenv("PROBE_INIT_ERROR");
    if (ie != NULL && strcmp(ie, "1") == 0) {
        return init_error();
    }
    const char *step = getenv("PROBE_STEP");
    if (step != NULL && strcmp(step, "1") == 0) {
        return step_loop();
    }
    const char *term = getenv("PROBE_SIGTERM");
    if (term != NULL && strcmp(term, "1") == 0) {
        return sigterm_loop();
    }
    int rc = clambda_run(dispatch, NULL);
    note("run", rc);
    return rc == CLAMBDA_ESHUTDOWN ? 0 : 1;
}
