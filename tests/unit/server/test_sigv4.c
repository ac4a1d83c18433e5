/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/sigv4.c: AWS's published SigV4 test-suite vectors (service
 * "service", us-east-1, AKIDEXAMPLE, 20150830T123600Z), two requests signed by botocore 1.29
 * for lambda (captured from boto3 before sending, so the verifier is proven against the real
 * client's path and query encoding), and every refusal with AWS's type and message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/sigv4.h"

#define SUITE_KEY    "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE   "20150830T123600Z"
#define SUITE_CRED \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

static const char *secret_fn(const void *user, const char *key)
{
    (void)user;
    return strcmp(key, SUITE_KEY) == 0 ? SUITE_SECRET : NULL;
}

static time_t at(const char *amz)
{
    time_t t = 0;
    assert_int_equal(sigv4_parse_date(amz, &t), 0);
    return t;
}

/* Verifies a request with headers given as name, value pairs (NULL-terminated). */
static int verify(const char *method, const char *target, const char *body, const char *service,
                  time_t now, struct sigv4_verdict *v, const char *const *hv)
{
    struct sigv4_header h[16];
    size_t n = 0;
    for (; hv[2 * n]; n++) {
        h[n] = (struct sigv4_header){hv[2 * n], hv[2 * n + 1]};
    }
    struct sigv4_request req = {
        method, target, h, n, (const uint8_t *)body, body ? strlen(body) : 0};
    struct sigv4_expect ex = {"us-east-1", service, now, SIGV4_LAMBDA_MAX_SKEW_S};
    return sigv4_verify(&req, &ex, secret_fn, NULL, v);
}

static int suite(const char *method, const char *target, const char *body, const char *signature)
{
    char authz[256];
    struct sigv4_verdict v;
    (void)snprintf(authz, sizeof(authz), SUITE_CRED "SignedHeaders=host;x-amz-date, Signature=%s",
                   signature);
    const char *hv[] = {
        "Host", "example.amazonaws.com", "X-Amz-Date", SUITE_DATE, "Authorization", authz, NULL};
    int rc = verify(method, target, body, "service", at(SUITE_DATE), &v, hv);
    if (rc != 0) {
        print_error("%s %s: %s: %s\n", method, target, v.type, v.message);
    }
    return rc;
}

static void test_sigv4_suite_get_vanilla(void **state)
{
    (void)state;
    assert_int_equal(
        suite("GET", "/", NULL, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        0);
}

static void test_sigv4_suite_query_order(void **state)
{
    (void)state;
    /* get-vanilla-query-order-key-case: parameters are sorted before signing */
    assert_int_equal(suite("GET", "/?Param2=value2&Param1=value1", NULL,
                           "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
                     0);
}

static void test_sigv4_suite_post_vanilla(void **state)
{
    (void)state;
    assert_int_equal(suite("POST", "/", NULL,
                           "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
                     0);
}

static void test_sigv4_suite_get_utf8(void **state)
{
    (void)state;
    /* get-utf8: the raw path "/\u1234" is signed as "/%E1%88%B4" */
    assert_int_equal(suite("GET", "/\xe1\x88\xb4", NULL,
                           "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
                     0);
}

static void test_sigv4_suite_post_form(void **state)
{
    (void)state;
    struct sigv4_verdict v;
    const char *hv[] = {"Content-Type",
                        "application/x-www-form-urlencoded",
                        "Host",
                        "example.amazonaws.com",
                        "X-Amz-Date",
                        SUITE_DATE,
                        "Authorization",
                        SUITE_CRED "SignedHeaders=content-type;host;x-amz-date, "
                                   "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d1"
                                   "96a0fe09473a",
                        NULL};
    assert_int_equal(verify("POST", "/", "Param1=value1", "service", at(SUITE_DATE), &v, hv), 0);
    assert_string_equal(v.access_key, SUITE_KEY);
    /* post-x-www-form-urlencoded with a tampered body */
    assert_int_equal(verify("POST", "/", "Param1=value2", "service", at(SUITE_DATE), &v, hv),
                     -EACCES);
    assert_int_equal(v.status, 403);
    assert_string_equal(v.type, "InvalidSignatureException");
    assert_string_equal(v.message,
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your AWS Secret Access Key and signing method. Consult "
                        "the service documentation for details.");
}

/* botocore 1.29.27 (boto3 1.26.27), captured in before-send: invoke of a full ARN with
 * ?Qualifier=$LATEST and X-Amz-Log-Type: Tail, and list_functions(MaxItems=5, Marker="a b"). */
#define BOTO_DATE "20261126T224025Z"
#define BOTO_CRED "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/lambda/aws4_request, "

static const char *const boto_invoke[] = {
    "X-Amz-Log-Type",
    "Tail",
    "User-Agent",
    "Boto3/1.26.27 Python/3.11.2 Linux/6.18.44-fc-v669 awscrt/1.0.0.dev0 Botocore/1.29.27",
    "host",
    "127.0.0.1:9000",
    "X-Amz-Date",
    BOTO_DATE,
    "Authorization",
    BOTO_CRED "SignedHeaders=host;x-amz-date;x-amz-log-type, "
              "Signature=efa95dadeaeb4a4f03887a6ef68648601770eead04c360d819357b1cdd83ba08",
    "amz-sdk-invocation-id",
    "a1cbf279-6a33-4d8f-b7e6-2f359398ade1",
    "amz-sdk-request",
    "attempt=1",
    "Content-Length",
    "8",
    NULL};
#define BOTO_INVOKE_TARGET                                                                    \
    "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/" \
    "invocations?Qualifier=%24LATEST"

static void test_sigv4_botocore_invoke(void **state)
{
    (void)state;
    struct sigv4_verdict v;
    time_t now = at(BOTO_DATE) + 60;
    assert_int_equal(
        verify("POST", BOTO_INVOKE_TARGET, "{\"a\": 1}", "lambda", now, &v, boto_invoke), 0);
    assert_int_equal(
        verify("POST", BOTO_INVOKE_TARGET, "{\"a\": 2}", "lambda", now, &v, boto_invoke), -EACCES);
    assert_string_equal(v.type, "InvalidSignatureException");
    /* the path is part of the signature: another function name fails */
    assert_int_equal(verify("POST",
                            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%"
                            "3Afunction%3Amy-fx/invocations?Qualifier=%24LATEST",
                            "{\"a\": 1}", "lambda", now, &v, boto_invoke),
                     -EACCES);
}

static void test_sigv4_botocore_list(void **state)
{
    (void)state;
    struct sigv4_verdict v;
    const char *hv[] = {"User-Agent",
                        "Boto3/1.26.27",
                        "host",
                        "127.0.0.1:9000",
                        "X-Amz-Date",
                        BOTO_DATE,
                        "Authorization",
                        BOTO_CRED "SignedHeaders=host;x-amz-date, "
                                  "Signature=b21b9d97fe4f7b684eb89203b382a80f61d118e26e92bcf856949"
                                  "3cb6c27e61b",
                        NULL};
    time_t now = at(BOTO_DATE);
    assert_int_equal(verify("GET", "/2015-03-31/functions/?MaxItems=5&Marker=a%20b", NULL, "lambda",
                            now, &v, hv),
                     0);
    /* parameter order does not matter; values do */
    assert_int_equal(verify("GET", "/2015-03-31/functions/?Marker=a%20b&MaxItems=5", NULL, "lambda",
                            now, &v, hv),
                     0);
    assert_int_equal(verify("GET", "/2015-03-31/functions/?MaxItems=6&Marker=a%20b", NULL, "lambda",
                            now, &v, hv),
                     -EACCES);
}

/* Signs GET/POST target at amz (host + x-amz-date signed) for "lambda" with the suite key. */
static void sign(const char *method, const char *target, const char *body, const char *amz,
                 char *authz, size_t cap)
{
    struct sigv4_header h[] = {{"Host", "127.0.0.1:9000"}, {"X-Amz-Date", amz}};
    struct sigv4_request req = {
        method, target, h, 2, (const uint8_t *)body, body ? strlen(body) : 0};
    struct sigv4_auth scope;
    memset(&scope, 0, sizeof(scope));
    memcpy(scope.date, amz, 8);
    memcpy(scope.region, "us-east-1", 10);
    memcpy(scope.service, "lambda", 7);
    char hash[65], sig[65];
    sigv4_sha256_hex(body ? body : "", body ? strlen(body) : 0, hash);
    struct cl_buf canon;
    cl_buf_init(&canon, 65536);
    assert_int_equal(sigv4_canonical_request(&req, "host;x-amz-date", hash, &canon), 0);
    sigv4_signature(SUITE_SECRET, &scope, amz, cl_buf_str(&canon), canon.len, sig);
    cl_buf_fini(&canon);
    (void)snprintf(authz, cap,
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/us-east-1/lambda/aws4_request, "
                   "SignedHeaders=host;x-amz-date, Signature=%s",
                   amz, sig);
}

static int verify_at(const char *amz, const char *authz, time_t now, struct sigv4_verdict *v)
{
    const char *hv[] = {"Host", "127.0.0.1:9000", "X-Amz-Date", amz, "Authorization", authz, NULL};
    return verify("GET", "/2016-08-19/account-settings/", NULL, "lambda", now, v, hv);
}

static void test_sigv4_skew(void **state)
{
    (void)state;
    char authz[512];
    struct sigv4_verdict v;
    const char *amz = "20261126T120000Z";
    sign("GET", "/2016-08-19/account-settings/", NULL, amz, authz, sizeof(authz));
    assert_int_equal(verify_at(amz, authz, at(amz), &v), 0);
    assert_int_equal(verify_at(amz, authz, at(amz) + 300, &v), 0);
    assert_int_equal(verify_at(amz, authz, at(amz) - 300, &v), 0);
    assert_int_equal(verify_at(amz, authz, at(amz) + 301, &v), -EACCES);
    assert_string_equal(v.type, "InvalidSignatureException");
    assert_string_equal(v.message, "Signature expired: 20261126T120000Z is now earlier than "
                                   "20261126T120001Z (20261126T120501Z - 5 min.)");
    assert_int_equal(verify_at(amz, authz, at(amz) - 3600, &v), -EACCES);
    assert_string_equal(v.message, "Signature not yet current: 20261126T120000Z is still later "
                                   "than 20261126T110500Z (20261126T110000Z + 5 min.)");
}

static void test_sigv4_refusals(void **state)
{
    (void)state;
    char authz[512];
    struct sigv4_verdict v;
    const char *amz = "20261126T120000Z";
    time_t now = at(amz);
    sign("GET", "/2016-08-19/account-settings/", NULL, amz, authz, sizeof(authz));
    const char *none[] = {"Host", "x", "X-Amz-Date", amz, NULL};
    assert_int_equal(verify("GET", "/", NULL, "lambda", now, &v, none), -EACCES);
    assert_string_equal(v.type, "MissingAuthenticationTokenException");
    assert_string_equal(v.message, "Missing Authentication Token");

    char unknown[512];
    memcpy(unknown, authz, sizeof(unknown));
    memcpy(strstr(unknown, "AKIDEXAMPLE"), "AKIDEXAMPLF", 11);
    assert_int_equal(verify_at(amz, unknown, now, &v), -EACCES);
    assert_string_equal(v.type, "UnrecognizedClientException");
    assert_string_equal(v.message, "The security token included in the request is invalid.");
    assert_string_equal(v.access_key, "AKIDEXAMPLF");

    assert_int_equal(verify_at(amz, "Bearer abc", now, &v), -EACCES);
    assert_string_equal(v.type, "IncompleteSignatureException");
    assert_string_equal(v.message,
                        "Authorization header requires 'Credential' parameter. Authorization "
                        "header requires 'Signature' parameter. Authorization header requires "
                        "'SignedHeaders' parameter. Authorization=Bearer abc");

    /* the date in the scope must be the request's */
    assert_int_equal(verify_at("20261127T000000Z", authz, at("20261127T000000Z"), &v), -EACCES);
    assert_string_equal(v.message, "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                                   "version of date from HTTP: '20261126' != '20261127', from "
                                   "'20261127T000000Z'.");

    const char *nodate[] = {"Host", "x", "Authorization", authz, NULL};
    assert_int_equal(verify("GET", "/", NULL, "lambda", now, &v, nodate), -EACCES);
    assert_string_equal(v.type, "IncompleteSignatureException");

    const char *bad_date[] = {"Host",          "x",   "X-Amz-Date", "2026-11-26",
                              "Authorization", authz, NULL};
    assert_int_equal(verify("GET", "/", NULL, "lambda", now, &v, bad_date), -EACCES);
    assert_string_equal(v.type, "IncompleteSignatureException");
}

static void test_sigv4_scope(void **state)
{
    (void)state;
    struct sigv4_verdict v;
    const char *amz = "20261126T120000Z";
    time_t now = at(amz);
    char authz[512];
    (void)snprintf(authz, sizeof(authz),
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/eu-west-1/lambda/"
                   "aws4_request, SignedHeaders=host;x-amz-date, Signature=%064d",
                   0);
    assert_int_equal(verify_at(amz, authz, now, &v), -EACCES);
    assert_string_equal(v.message, "Credential should be scoped to a valid region, not "
                                   "'eu-west-1'. ");
    (void)snprintf(authz, sizeof(authz),
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/s3/aws4_request, "
                   "SignedHeaders=host;x-amz-date, Signature=%064d",
                   0);
    assert_int_equal(verify_at(amz, authz, now, &v), -EACCES);
    assert_string_equal(v.message, "Credential should be scoped to correct service: 'lambda'. ");
    (void)snprintf(authz, sizeof(authz),
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/lambda/"
                   "aws4_request, SignedHeaders=x-amz-date, Signature=%064d",
                   0);
    assert_int_equal(verify_at(amz, authz, now, &v), -EACCES);
    assert_string_equal(
        v.message, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

static void test_sigv4_content_sha256(void **state)
{
    (void)state;
    struct sigv4_verdict v;
    const char *amz = "20261126T120000Z";
    char hash[65];
    sigv4_sha256_hex("{}", 2, hash);
    assert_string_equal(hash, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    const char *hv[] = {"Host",
                        "h",
                        "X-Amz-Date",
                        amz,
                        "x-amz-content-sha256",
                        "0000000000000000000000000000000000000000000000000000000000000000",
                        "Authorization",
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/lambda/"
                        "aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
                        NULL};
    assert_int_equal(verify("POST", "/", "{}", "lambda", at(amz), &v, hv), -EACCES);
    assert_string_equal(v.type, "IncompleteSignatureException");
    assert_string_equal(v.message, "Signature is not 64 hexadecimal digits: '00'.");
    char authz[512];
    (void)snprintf(authz, sizeof(authz),
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/lambda/"
                   "aws4_request, SignedHeaders=host;x-amz-date, Signature=%064d",
                   0);
    hv[7] = authz;
    assert_int_equal(verify("POST", "/", "{}", "lambda", at(amz), &v, hv), -EACCES);
    assert_string_equal(v.type, "InvalidSignatureException");
    assert_string_equal(v.message, "The provided 'x-amz-content-sha256' header does not match "
                                   "what was computed.");
}

static void test_sigv4_parse_auth(void **state)
{
    (void)state;
    struct sigv4_auth a;
    char msg[512];
    assert_int_equal(
        sigv4_parse_auth(
            "AWS4-HMAC-SHA256   Credential=AKIDEXAMPLE/20150830/"
            "us-east-1/service/aws4_request,SignedHeaders=host;x-amz-"
            "date ,  Signature=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            &a, msg, sizeof(msg)),
        0);
    assert_string_equal(a.access_key, "AKIDEXAMPLE");
    assert_string_equal(a.date, "20150830");
    assert_string_equal(a.region, "us-east-1");
    assert_string_equal(a.service, "service");
    assert_string_equal(a.terminator, "aws4_request");
    assert_string_equal(a.signed_headers, "host;x-amz-date");
    assert_string_equal(a.signature,
                        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    assert_int_equal(sigv4_parse_auth("AWS4-HMAC-SHA256 Credential AKID/x", &a, msg, sizeof(msg)),
                     -EBADMSG);
    assert_string_equal(msg, "'Credential AKID/x' not a valid key=value pair (missing equal-sign) "
                             "in Authorization header: 'AWS4-HMAC-SHA256 Credential AKID/x'.");
    assert_int_equal(sigv4_parse_auth("AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=host, "
                                      "Signature=00",
                                      &a, msg, sizeof(msg)),
                     -EBADMSG);
    assert_int_equal(sigv4_parse_auth("", &a, msg, sizeof(msg)), -EBADMSG);
}

static void test_sigv4_canonical_request(void **state)
{
    (void)state;
    struct sigv4_header h[] = {{"Host", "h"}, {"X-A", "  a   b  "}, {"x-a", "c"}};
    struct sigv4_request req = {"GET", "/a/./b/../c//d%3A/?z=%41&y&x=1+2", h, 3, NULL, 0};
    struct cl_buf b;
    cl_buf_init(&b, 4096);
    assert_int_equal(sigv4_canonical_request(&req, "host;x-a", "UNSIGNED-PAYLOAD", &b), 0);
    assert_string_equal(cl_buf_str(&b), "GET\n/a/c/d%253A/\nx=1%2B2&y=&z=A\nhost:h\nx-a:a b,c\n\n"
                                        "host;x-a\nUNSIGNED-PAYLOAD");
    cl_buf_reset(&b);
    assert_int_equal(sigv4_canonical_request(&req, "Host", "x", &b), -EBADMSG);
    cl_buf_reset(&b);
    req.target = "/?a=%zz";
    assert_int_equal(sigv4_canonical_request(&req, "host", "x", &b), -EBADMSG);
    cl_buf_fini(&b);
}

static void test_sigv4_dates(void **state)
{
    (void)state;
    time_t t = 0;
    char s[17];
    assert_int_equal(sigv4_parse_date("20150830T123600Z", &t), 0);
    assert_int_equal((long long)t, 1440938160LL);
    sigv4_format_date(t, s);
    assert_string_equal(s, "20150830T123600Z");
    assert_int_equal(sigv4_parse_date("20150830T123600", &t), -EINVAL);
    assert_int_equal(sigv4_parse_date("2015083OT123600Z", &t), -EINVAL);
    assert_int_equal(sigv4_parse_date("20151330T123600Z", &t), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_suite_get_vanilla),
        cmocka_unit_test(test_sigv4_suite_query_order),
        cmocka_unit_test(test_sigv4_suite_post_vanilla),
        cmocka_unit_test(test_sigv4_suite_get_utf8),
        cmocka_unit_test(test_sigv4_suite_post_form),
        cmocka_unit_test(test_sigv4_botocore_invoke),
        cmocka_unit_test(test_sigv4_botocore_list),
        cmocka_unit_test(test_sigv4_skew),
        cmocka_unit_test(test_sigv4_refusals),
        cmocka_unit_test(test_sigv4_scope),
        cmocka_unit_test(test_sigv4_content_sha256),
        cmocka_unit_test(test_sigv4_parse_auth),
        cmocka_unit_test(test_sigv4_canonical_request),
        cmocka_unit_test(test_sigv4_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
