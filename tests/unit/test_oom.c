/* SPDX-License-Identifier: MIT */
/* OOM loop over libclambda's allocation points: for N = 0, 1, 2, ... the N-th allocation of a
 * whole session (open, next, respond, next, fail, next, stream, close) fails. Every call must
 * then either succeed or report CLAMBDA_ENOMEM (never crash, never another error), and
 * nothing may leak (LeakSanitizer in the asan preset). The loop ends when a session runs with
 * no failed allocation. */
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cl_alloc.h"
#include "clambda/runtime.h"
#include "fake_rapi.h"

/* Runs one session; returns the first error seen (CLAMBDA_OK when everything succeeded). */
static int session(const char *endpoint)
{
    clambda_runtime *rt = NULL;
    clambda_invocation *inv;
    clambda_stream *s = NULL;
    int rc = clambda_runtime_open_at(endpoint, &rt);
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_next(rt, &inv);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_respond(rt, inv, "{}", 2, NULL);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_next(rt, &inv);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_fail(rt, inv, "Oom.Test", "message \xff");
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_runtime_next(rt, &inv);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_stream_open(rt, inv, NULL, &s);
    }
    if (rc == CLAMBDA_OK) {
        rc = clambda_stream_write(s, "abc", 3);
        int frc = clambda_stream_fail(s, "Oom.Stream", "mid-stream");
        rc = rc != CLAMBDA_OK ? rc : frc;
    }
    clambda_log(rt, CLAMBDA_LOG_INFO, "session done: %d", rc);
    clambda_runtime_close(rt);
    return rc;
}

static void test_oom_session_loop(void **state)
{
    (void)state;
    long n;
    int rc = CLAMBDA_ENOMEM;
    for (n = 0; n < 10000 && rc != CLAMBDA_OK; n++) {
        struct fake_rapi f;
        memset(&f, 0, sizeof(f));
        f.event = "{\"oom\":true}";
        f.n_events = 3;
        assert_int_equal(fake_rapi_start(&f), 0);
        cl_alloc_fail_after(n);
        rc = session(f.endpoint);
        cl_alloc_fail_after(-1);
        fake_rapi_stop(&f);
        if (rc != CLAMBDA_OK && rc != CLAMBDA_ENOMEM) {
            print_error("allocation %ld: unexpected %s\n", n, clambda_strerror(rc));
        }
        assert_true(rc == CLAMBDA_OK || rc == CLAMBDA_ENOMEM);
    }
    assert_int_equal(rc, CLAMBDA_OK);
    assert_true(n > 5); /* the session really allocates */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_session_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
