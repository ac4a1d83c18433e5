/* SPDX-License-Identifier: MIT */
/* Unit tests for src/server/evstream.c: CRC-32 against known vectors, the exact bytes of AWS's
 * "empty message" test vector and of a PayloadChunk (CRCs computed independently with zlib),
 * encode/decode round trips and rejection of corrupt or truncated input. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "http/evstream.h"

static void test_evstream_crc32_vectors(void **state)
{
    (void)state;
    assert_int_equal(evstream_crc32(0, (const uint8_t *)"", 0), 0);
    assert_int_equal(evstream_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    /* incremental == one shot */
    uint32_t c = evstream_crc32(0, (const uint8_t *)"1234", 4);
    assert_int_equal(evstream_crc32(c, (const uint8_t *)"56789", 5), 0xCBF43926u);
}

static void test_evstream_encode_empty_message(void **state)
{
    (void)state;
    /* AWS event-stream test vector "empty_message" (AAAAEAAAAAAFwkjrfZjI/w==). */
    static const uint8_t want[] = {0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
                                   0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff};
    struct cl_buf b;
    cl_buf_init(&b, 1024);
    assert_int_equal(evstream_encode(&b, NULL, 0, NULL, 0), 0);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    cl_buf_fini(&b);
}

static void test_evstream_encode_payload_chunk(void **state)
{
    (void)state;
    static const uint8_t prelude[] = {0x00, 0x00, 0x00, 0x2d, 0x00, 0x00,
                                      0x00, 0x1b, 0xd6, 0x16, 0xfd, 0x30};
    static const uint8_t crc[] = {0x58, 0xc7, 0x67, 0x27};
    const struct evstream_header h[] = {{":event-type", "PayloadChunk"}};
    struct cl_buf b;
    cl_buf_init(&b, 1024);
    assert_int_equal(evstream_encode(&b, h, 1, (const uint8_t *)"hi", 2), 0);
    assert_int_equal(b.len, 45);
    assert_memory_equal(b.data, prelude, sizeof(prelude));
    assert_memory_equal(b.data + 12, "\x0b:event-type\x07\x00\x0cPayloadChunkhi", 27 + 2);
    assert_memory_equal(b.data + 41, crc, sizeof(crc));
    cl_buf_fini(&b);
}

static void test_evstream_decode_round_trip(void **state)
{
    (void)state;
    const struct evstream_header h[] = {{":event-type", "InvokeComplete"},
                                        {":content-type", "application/json"},
                                        {":message-type", "event"}};
    struct cl_buf b;
    cl_buf_init(&b, 1 << 20);
    assert_int_equal(evstream_encode(&b, h, 3, (const uint8_t *)"{}", 2), 0);
    assert_int_equal(evstream_encode(&b, h, 1, NULL, 0), 0);
    size_t first = b.len - (EVSTREAM_OVERHEAD + 1 + 11 + 3 + 14);
    struct evstream_msg m;
    assert_int_equal(evstream_decode(b.data, b.len, &m), (int)first);
    assert_int_equal(m.n_headers, 3);
    assert_memory_equal(m.headers[1].name, ":content-type", 13);
    assert_int_equal(m.headers[1].value_len, 16);
    assert_memory_equal(m.headers[1].value, "application/json", 16);
    assert_int_equal(m.payload_len, 2);
    assert_memory_equal(m.payload, "{}", 2);
    int rc = evstream_decode(b.data + first, b.len - first, &m);
    assert_int_equal(rc, (int)(b.len - first));
    assert_int_equal(m.n_headers, 1);
    assert_int_equal(m.payload_len, 0);
    /* every truncation is "need more", never a misparse */
    for (size_t n = 0; n < first; n++) {
        assert_int_equal(evstream_decode(b.data, n, &m), -EAGAIN);
    }
    cl_buf_fini(&b);
}

static void test_evstream_decode_rejects_corruption(void **state)
{
    (void)state;
    const struct evstream_header h[] = {{":event-type", "PayloadChunk"}};
    struct cl_buf b;
    cl_buf_init(&b, 1024);
    assert_int_equal(evstream_encode(&b, h, 1, (const uint8_t *)"payload", 7), 0);
    struct evstream_msg m;
    for (size_t i = 0; i < b.len; i++) { /* any flipped bit fails a CRC or a length check */
        b.data[i] ^= 0x01;
        int rc = evstream_decode(b.data, b.len, &m);
        assert_true(rc == -EBADMSG || rc == -EAGAIN);
        b.data[i] ^= 0x01;
    }
    assert_int_equal(evstream_decode(b.data, b.len, &m), (int)b.len);
    cl_buf_fini(&b);
}

static void test_evstream_encode_limits(void **state)
{
    (void)state;
    char big[70000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    const struct evstream_header long_value[] = {{"n", big}};
    const struct evstream_header empty_name[] = {{"", "v"}};
    struct cl_buf b;
    cl_buf_init(&b, 1 << 20);
    assert_int_equal(evstream_encode(&b, long_value, 1, NULL, 0), -EINVAL);
    assert_int_equal(evstream_encode(&b, empty_name, 1, NULL, 0), -EINVAL);
    assert_int_equal(evstream_encode(&b, NULL, 0, NULL, EVSTREAM_MAX_PAYLOAD + 1), -EINVAL);
    assert_int_equal(b.len, 0);
    cl_buf_fini(&b);
    cl_buf_init(&b, 20); /* capped output: the cap error comes back */
    assert_int_equal(evstream_encode(&b, NULL, 0, (const uint8_t *)"12345", 5), -E2BIG);
    cl_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evstream_crc32_vectors),
        cmocka_unit_test(test_evstream_encode_empty_message),
        cmocka_unit_test(test_evstream_encode_payload_chunk),
        cmocka_unit_test(test_evstream_decode_round_trip),
        cmocka_unit_test(test_evstream_decode_rejects_corruption),
        cmocka_unit_test(test_evstream_encode_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
