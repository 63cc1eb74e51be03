/*
 * The C test of skywire.h: every function of the header, called from C as the header
 * documents it, under valgrind in CI (crates/skywire-ffi/tests/c/run.sh).
 *
 * Expected bytes come from skynet, never from skywire:
 *  - the lua-seri vectors are spec/vectors/lua-seri.json (skynet f19d1605's skynet.pack),
 *    cited by id;
 *  - the message vectors are spec/vectors/messages.json (cut from skynet's traffic);
 *  - the invalid inputs and where they fail are spec/vectors/lua-seri-invalid.json and
 *    frames-invalid.json (written from the spec), cited by id;
 *  - tests/captures/basic/{requests,responses}.bin are the raw byte streams between two
 *    unmodified skynet nodes: every message in them must decode, re-encode to exactly the
 *    bytes skynet sent, and every payload must unpack and re-pack to exactly its bytes.
 *
 * Usage: test_skywire REPO_ROOT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skywire.h"

static int checks, failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        checks++;                                                                      \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                              \
    } while (0)

/* Checks that a call returns `want`, printing what it returned and said otherwise. */
#define CHECK_STATUS(call, want)                                                       \
    do {                                                                               \
        sw_status got_ = (call);                                                       \
        checks++;                                                                      \
        if (got_ != (want)) {                                                          \
            failures++;                                                                \
            fprintf(stderr, "%s:%d: %s gave %s (%s), wanted %s\n", __FILE__, __LINE__, \
                    #call, sw_status_name(got_), sw_last_error_message(),              \
                    sw_status_name(want));                                             \
        }                                                                              \
    } while (0)

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct {
    uint8_t *ptr;
    size_t len;
} buf;

static buf unhex(const char *hex) {
    size_t n = strlen(hex) / 2;
    buf b = {malloc(n ? n : 1), n};
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        b.ptr[i] = (uint8_t)v;
    }
    return b;
}

static void append(buf *b, const uint8_t *data, size_t len) {
    b->ptr = realloc(b->ptr, b->len + len + 1);
    memcpy(b->ptr + b->len, data, len);
    b->len += len;
}

static buf read_file(const char *root, const char *rel) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "rb");
    buf b = {NULL, 0};
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) append(&b, chunk, n);
    fclose(f);
    return b;
}

static int same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* `m` (an sw_request or an sw_response, `kind` saying which) encodes to exactly the
 * bytes of `want` (skynet's). */
#define CHECK_ENCODES_TO(kind, m, want)                                                \
    do {                                                                               \
        sw_bytes out_ = {NULL, 0};                                                     \
        CHECK_STATUS(sw_##kind##_encode((m), &out_), SW_OK);                           \
        CHECK(same(out_.ptr, out_.len, (want).ptr, (want).len));                       \
        sw_bytes_free(out_);                                                           \
    } while (0)

static int slice_is(sw_slice s, const char *text) {
    return s.ptr != NULL && same(s.ptr, s.len, (const uint8_t *)text, strlen(text));
}

static void str(sw_builder *b, const char *s) {
    CHECK_STATUS(sw_builder_string(b, (const uint8_t *)s, strlen(s)), SW_OK);
}

/* Packs what `b` holds and checks it against the hex skynet made. */
static void check_pack(sw_builder *b, const char *id, const char *want_hex) {
    sw_bytes out;
    buf want = unhex(want_hex);
    CHECK_STATUS(sw_builder_pack(b, &out), SW_OK);
    if (!same(out.ptr, out.len, want.ptr, want.len)) {
        failures++;
        fprintf(stderr, "pack %s: %zu bytes, not skynet's %zu\n", id, out.len, want.len);
    }
    checks++;
    sw_bytes_free(out);
    free(want.ptr);
}

/* Unpacks skynet's hex; the caller frees the view. */
static sw_view *unpack_hex(const char *hex, const sw_item **items, size_t *count) {
    buf b = unhex(hex);
    sw_view *v = NULL;
    CHECK_STATUS(sw_unpack(b.ptr, b.len, &v), SW_OK);
    free(b.ptr);
    *items = sw_view_items(v, count);
    return v;
}

/* Appends the value at items[i] to `b`, as the view gives it; returns the next index. */
static size_t rebuild(sw_builder *b, const sw_item *items, size_t i) {
    const sw_item *it = &items[i];
    size_t j = i + 1;
    switch (it->type) {
    case SW_NIL: CHECK_STATUS(sw_builder_nil(b), SW_OK); break;
    case SW_BOOLEAN: CHECK_STATUS(sw_builder_boolean(b, it->boolean), SW_OK); break;
    case SW_INTEGER: CHECK_STATUS(sw_builder_integer(b, it->integer), SW_OK); break;
    case SW_REAL: CHECK_STATUS(sw_builder_real(b, it->real), SW_OK); break;
    case SW_USERDATA: CHECK_STATUS(sw_builder_userdata(b, it->userdata), SW_OK); break;
    case SW_STRING:
        CHECK_STATUS(sw_builder_string(b, it->string.ptr, it->string.len), SW_OK);
        break;
    case SW_TABLE:
        CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
        for (size_t k = 0; k < it->array_len; k++) j = rebuild(b, items, j);
        if (it->hash_len > 0) CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
        for (size_t k = 0; k < 2 * it->hash_len; k++) j = rebuild(b, items, j);
        CHECK_STATUS(sw_builder_table_end(b), SW_OK);
        break;
    default: CHECK(!"an item type the header does not define");
    }
    CHECK(j == it->next);
    return it->next;
}

/* Unpacks `payload`, rebuilds every value through the builder and checks that it packs
 * to exactly `payload` again. Returns the number of values. */
static size_t repack(sw_builder *b, const uint8_t *payload, size_t len) {
    sw_view *v = NULL;
    size_t count = 0, values = 0;
    CHECK_STATUS(sw_unpack(payload, len, &v), SW_OK);
    const sw_item *items = sw_view_items(v, &count);
    for (size_t i = 0; i < count; values++) i = rebuild(b, items, i);
    CHECK(values == sw_view_len(v));
    sw_bytes out;
    CHECK_STATUS(sw_builder_pack(b, &out), SW_OK);
    CHECK(same(out.ptr, out.len, payload, len));
    sw_bytes_free(out);
    sw_view_free(v);
    return values;
}

/* ---- values: spec/vectors/lua-seri.json ------------------------------------------ */

static void test_pack_vectors(void) {
    sw_builder *b = sw_builder_new();
    CHECK(b != NULL);

    /* args/spec-example: "ping", nil, -1 */
    str(b, "ping");
    CHECK_STATUS(sw_builder_nil(b), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, -1), SW_OK);
    check_pack(b, "args/spec-example", "2470696e670022ffffffff");

    /* table/mixed/array-hash: {10, 20, 30, name = "v", [100] = false, [1.5] = true} */
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    for (int i = 10; i <= 30; i += 10) CHECK_STATUS(sw_builder_integer(b, i), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    str(b, "name");
    str(b, "v");
    CHECK_STATUS(sw_builder_integer(b, 100), SW_OK);
    CHECK_STATUS(sw_builder_boolean(b, false), SW_OK);
    CHECK_STATUS(sw_builder_real(b, 1.5), SW_OK);
    CHECK_STATUS(sw_builder_boolean(b, true), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    check_pack(b, "table/mixed/array-hash",
               "1e0a0a0a140a1e246e616d650c760a640142000000000000f83f0900");

    /* args/userdata-and-values: 1, userdata 0x00005555deadbee0, "s" */
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    CHECK_STATUS(sw_builder_userdata(b, 0x00005555deadbee0ULL), SW_OK);
    str(b, "s");
    check_pack(b, "args/userdata-and-values", "0a0103e0beadde555500000c73");

    /* integer/i64/min, integer/u16/65535, real/pi, real/-0, boolean/true, string/nul */
    CHECK_STATUS(sw_builder_integer(b, INT64_MIN), SW_OK);
    check_pack(b, "integer/i64/min", "320000000000000080");
    CHECK_STATUS(sw_builder_integer(b, 65535), SW_OK);
    check_pack(b, "integer/u16/65535", "12ffff");
    CHECK_STATUS(sw_builder_real(b, 3.141592653589793), SW_OK);
    check_pack(b, "real/pi", "42182d4454fb210940");
    CHECK_STATUS(sw_builder_real(b, -0.0), SW_OK);
    check_pack(b, "real/-0", "420000000000000080");
    CHECK_STATUS(sw_builder_boolean(b, true), SW_OK);
    check_pack(b, "boolean/true", "09");
    CHECK_STATUS(sw_builder_string(b, (const uint8_t *)"a\0b", 3), SW_OK);
    check_pack(b, "string/nul", "1c610062");

    /* string/long2/32: 32 "s" */
    uint8_t s32[32];
    memset(s32, 's', sizeof s32);
    CHECK_STATUS(sw_builder_string(b, s32, sizeof s32), SW_OK);
    check_pack(b, "string/long2/32",
               "1520007373737373737373737373737373737373737373737373737373737373737373");

    /* table/array/31: {1, ..., 31}: the array size goes escaped */
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    for (int i = 1; i <= 31; i++) CHECK_STATUS(sw_builder_integer(b, i), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    check_pack(b, "table/array/31",
               "fe0a1f0a010a020a030a040a050a060a070a080a090a0a0a0b0a0c0a0d0a0e0a0f0a100a110a120a"
               "130a140a150a160a170a180a190a1a0a1b0a1c0a1d0a1e0a1f00");

    /* table/nested/2: {{1, 2}, {a = {b = "c"}}, x = {{}}} */
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, 2), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    str(b, "a");
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK); /* again: changes nothing */
    str(b, "b");
    str(b, "c");
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    str(b, "x");
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    check_pack(b, "table/nested/2", "16160a010a0200060c61060c620c6300000c780e06000000");

    /* args/empty: no values, no bytes */
    check_pack(b, "args/empty", "");

    sw_builder_free(b);
}

static void test_unpack_vectors(void) {
    const sw_item *it;
    size_t n;

    /* table/mixed/array-hash */
    sw_view *v = unpack_hex("1e0a0a0a140a1e246e616d650c760a640142000000000000f83f0900", &it, &n);
    CHECK(sw_view_len(v) == 1);
    CHECK(n == 10);
    CHECK(it[0].type == SW_TABLE && it[0].array_len == 3 && it[0].hash_len == 3);
    CHECK(it[0].next == 10);
    CHECK(it[1].type == SW_INTEGER && it[1].integer == 10 && it[1].next == 2);
    CHECK(it[3].type == SW_INTEGER && it[3].integer == 30);
    CHECK(it[4].type == SW_STRING && slice_is(it[4].string, "name"));
    CHECK(it[5].type == SW_STRING && slice_is(it[5].string, "v"));
    CHECK(it[6].type == SW_INTEGER && it[6].integer == 100);
    CHECK(it[7].type == SW_BOOLEAN && it[7].boolean == false);
    CHECK(it[8].type == SW_REAL && it[8].real == 1.5);
    CHECK(it[9].type == SW_BOOLEAN && it[9].boolean == true && it[9].next == 10);
    CHECK(it[1].string.ptr == NULL && it[1].real == 0.0);
    sw_view_free(v);

    /* args/userdata-and-values */
    v = unpack_hex("0a0103e0beadde555500000c73", &it, &n);
    CHECK(sw_view_len(v) == 3 && n == 3);
    CHECK(it[0].type == SW_INTEGER && it[0].integer == 1);
    CHECK(it[1].type == SW_USERDATA && it[1].userdata == 0x00005555deadbee0ULL);
    CHECK(it[2].type == SW_STRING && slice_is(it[2].string, "s"));
    sw_view_free(v);

    /* table/nested/2: next skips whole subtrees */
    v = unpack_hex("16160a010a0200060c61060c620c6300000c780e06000000", &it, &n);
    CHECK(sw_view_len(v) == 1 && n == 12);
    CHECK(it[0].array_len == 2 && it[0].hash_len == 1 && it[0].next == 12);
    CHECK(it[1].type == SW_TABLE && it[1].array_len == 2 && it[1].next == 4);
    CHECK(it[4].type == SW_TABLE && it[4].array_len == 0 && it[4].hash_len == 1);
    CHECK(it[4].next == 9 && it[6].type == SW_TABLE && it[6].next == 9);
    CHECK(slice_is(it[7].string, "b") && slice_is(it[8].string, "c"));
    CHECK(slice_is(it[9].string, "x") && it[10].type == SW_TABLE && it[10].next == 12);
    CHECK(it[11].type == SW_TABLE && it[11].array_len == 0 && it[11].next == 12);
    sw_view_free(v);

    /* real/nan, integer/i64/min, string/nul, string/short/0 */
    v = unpack_hex("42000000000000f8ff3200000000000000801c61006204", &it, &n);
    CHECK(n == 4 && isnan(it[0].real) && it[1].integer == INT64_MIN);
    CHECK(it[2].string.len == 3 && memcmp(it[2].string.ptr, "a\0b", 3) == 0);
    CHECK(it[3].type == SW_STRING && it[3].string.ptr != NULL && it[3].string.len == 0);
    CHECK(it[0].next == 1 && it[3].next == 4);
    sw_view_free(v);

    /* args/empty */
    v = NULL;
    CHECK_STATUS(sw_unpack(NULL, 0, &v), SW_OK);
    CHECK(v != NULL && sw_view_len(v) == 0);
    CHECK(sw_view_items(v, &n) != NULL && n == 0);
    sw_view_free(v);
}

/* ---- invalid payloads: spec/vectors/lua-seri-invalid.json ------------------------- */

static void test_invalid_payloads(void) {
    static const struct {
        const char *id, *hex;
        sw_status code;
        int64_t offset;
    } cases[] = {
        {"unknown-type/array-item", "160a013f00", SW_ERR_UNKNOWN_TYPE, 3},
        {"bad-cookie/after-values", "1461620a011a00", SW_ERR_BAD_COOKIE, 5},
        {"truncated/long2/bytes", "15030061", SW_ERR_TRUNCATED, 0},
        {"truncated/end/nested", "0e060c6b09", SW_ERR_TRUNCATED, 5},
        {"bad-array-size/nil", "fe00", SW_ERR_BAD_ARRAY_SIZE, 0},
        {"negative-array-size/nested", "060c6bfe22ffffffff0000", SW_ERR_NEGATIVE_ARRAY_SIZE, 3},
        {"array-too-large/escape-31", "fe0a1f0a01", SW_ERR_ARRAY_TOO_LARGE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = unhex(cases[i].hex);
        sw_view *v = (sw_view *)&b; /* must be overwritten with NULL */
        sw_status s = sw_unpack(b.ptr, b.len, &v);
        checks++;
        if (s != cases[i].code || sw_last_error_offset() != cases[i].offset || v != NULL) {
            failures++;
            fprintf(stderr, "%s: %s at %lld (%s)\n", cases[i].id, sw_status_name(s),
                    (long long)sw_last_error_offset(), sw_last_error_message());
        }
        free(b.ptr);
    }
    /* too-deep: 65 nested tables (one more than the limit of 64), the 65th at offset 64 */
    uint8_t deep[65 + 65];
    memset(deep, 0x0e, 65); /* table, array of 1 */
    deep[64] = 0x06;        /* the innermost: empty */
    memset(deep + 65, 0x00, 65);
    sw_view *v = NULL;
    CHECK_STATUS(sw_unpack(deep, sizeof deep - 1, &v), SW_ERR_TOO_DEEP);
    CHECK(sw_last_error_offset() == 64 && v == NULL);
    CHECK(strstr(sw_last_error_message(), "at byte 64") != NULL);
}

/* ---- messages: spec/vectors/messages.json ----------------------------------------- */

static void test_message_vectors(void) {
    sw_request_decoder *rd = sw_request_decoder_new(NULL);
    sw_response_decoder *sd = sw_response_decoder_new(NULL);
    sw_request req;
    sw_response resp;

    /* request/call/at-name/small, request/query/hit, request/push/address/small */
    const char *call_hex = "00108005406563686f010000002470696e67";
    const char *query_hex = "000e00000000000a000000246563686f";
    const char *push_hex = "001a000a000000000000007470757368206279206e756d6265720a07";
    buf call = unhex(call_hex), query = unhex(query_hex), push = unhex(push_hex);
    CHECK_STATUS(sw_request_decoder_feed(rd, call.ptr, call.len), SW_OK);
    CHECK_STATUS(sw_request_decoder_feed(rd, query.ptr, query.len), SW_OK);
    CHECK_STATUS(sw_request_decoder_feed(rd, push.ptr, push.len), SW_OK);

    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_OK);
    CHECK(req.session == 1 && !req.push && slice_is(req.name, "@echo"));
    CHECK(req.trace.ptr == NULL && slice_is(req.payload, "\x24ping"));
    CHECK_ENCODES_TO(request, &req, call);

    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_OK);
    CHECK(req.session == 10 && !req.push && req.name.ptr == NULL && req.address == 0);
    CHECK(slice_is(req.payload, "\x24" "echo"));
    CHECK_ENCODES_TO(request, &req, query);

    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_OK);
    CHECK(req.session == 0 && req.push && req.name.ptr == NULL && req.address == 10);
    CHECK(req.payload.len == 17);
    CHECK_ENCODES_TO(request, &req, push);

    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_NEED_MORE);
    CHECK_STATUS(sw_request_decoder_finish(rd), SW_OK);
    free(call.ptr);
    free(query.ptr);
    free(push.ptr);

    /* request/call/at-name/traced: the trace frame (len(1 + tag), 04, tag) comes first */
    const char *tag = "(node-client4388-db-35):00000008-1";
    buf traced = {NULL, 0};
    uint8_t head[3] = {0, (uint8_t)(1 + strlen(tag)), 0x04};
    append(&traced, head, 3);
    append(&traced, (const uint8_t *)tag, strlen(tag));
    buf frame = unhex("00148005406563686f22000000347472616365640a01");
    append(&traced, frame.ptr, frame.len);
    free(frame.ptr);
    for (size_t i = 0; i < traced.len; i++) { /* one byte at a time */
        CHECK_STATUS(sw_request_decoder_feed(rd, traced.ptr + i, 1), SW_OK);
        if (i + 1 < traced.len) CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_NEED_MORE);
    }
    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_OK);
    CHECK(req.session == 34 && slice_is(req.trace, tag) && slice_is(req.name, "@echo"));
    CHECK(slice_is(req.payload, "\x34traced\x0a\x01"));
    CHECK_ENCODES_TO(request, &req, traced);
    free(traced.ptr);

    /* response/ok/query-hit, response/error/invalid-name */
    buf hit = unhex("00070a000000010a0a");
    buf invalid = unhex("00110e00000000496e76616c6964206e616d65");
    CHECK_STATUS(sw_response_decoder_feed(sd, hit.ptr, hit.len), SW_OK);
    CHECK_STATUS(sw_response_decoder_feed(sd, invalid.ptr, invalid.len), SW_OK);
    CHECK_STATUS(sw_response_decoder_next(sd, &resp), SW_OK);
    CHECK(resp.session == 10 && resp.ok && slice_is(resp.payload, "\x0a\x0a"));
    CHECK_ENCODES_TO(response, &resp, hit);
    CHECK_STATUS(sw_response_decoder_next(sd, &resp), SW_OK);
    CHECK(resp.session == 14 && !resp.ok && slice_is(resp.payload, "Invalid name"));
    CHECK_ENCODES_TO(response, &resp, invalid);
    CHECK_STATUS(sw_response_decoder_next(sd, &resp), SW_NEED_MORE);
    CHECK_STATUS(sw_response_decoder_finish(sd), SW_OK);
    free(hit.ptr);
    free(invalid.ptr);

    /* a message built by hand encodes as skynet's: request/call/at-name/small */
    sw_request mine = {0};
    mine.session = 1;
    mine.name = (sw_slice){(const uint8_t *)"@echo", 5};
    mine.payload = (sw_slice){(const uint8_t *)"\x24ping", 5};
    call = unhex(call_hex);
    CHECK_ENCODES_TO(request, &mine, call);
    free(call.ptr);

    sw_request_decoder_free(rd);
    sw_response_decoder_free(sd);
}

/* ---- invalid streams: spec/vectors/frames-invalid.json ---------------------------- */

/* Feeds a whole stream; returns the first error (from next, or from finish at the end)
 * and its offset. */
static sw_status first_stream_error(int requests, const uint8_t *data, size_t len,
                                    const sw_limits *limits, int64_t *offset) {
    sw_status s;
    if (requests) {
        sw_request_decoder *d = sw_request_decoder_new(limits);
        sw_request m;
        sw_request_decoder_feed(d, data, len);
        while ((s = sw_request_decoder_next(d, &m)) == SW_OK) {}
        if (s == SW_NEED_MORE) s = sw_request_decoder_finish(d);
        sw_request_decoder_free(d);
    } else {
        sw_response_decoder *d = sw_response_decoder_new(limits);
        sw_response m;
        sw_response_decoder_feed(d, data, len);
        while ((s = sw_response_decoder_next(d, &m)) == SW_OK) {}
        if (s == SW_NEED_MORE) s = sw_response_decoder_finish(d);
        sw_response_decoder_free(d);
    }
    *offset = sw_last_error_offset();
    return s;
}

static void test_invalid_streams(void) {
    static const struct {
        const char *id;
        int requests;
        const char *hex;
        sw_status code;
        int64_t offset;
    } cases[] = {
        {"request/framing/truncated-header/after-message", 1,
         "00108005406563686f010000002470696e6700", SW_ERR_TRUNCATED_FRAME, 18},
        {"response/framing/truncated-body/after-message", 0,
         "000a01000000012470696e67000a0100000001247069", SW_ERR_TRUNCATED_FRAME, 12},
        {"request/framing/unfinished/after-part", 1,
         "000d010a00000007000000008000000015020700000051515151515151515151515151515151",
         SW_ERR_UNFINISHED, 38},
        {"response/framing/unfinished/header-only", 0, "0009070000000201800000",
         SW_ERR_UNFINISHED, 11},
        {"request/packet/empty/after-message", 1, "00108005406563686f010000002470696e670000",
         SW_ERR_EMPTY_PACKET, 18},
        {"request/packet/unknown-type/after-message", 1,
         "00108005406563686f010000002470696e67000105", SW_ERR_UNKNOWN_PACKET_TYPE, 18},
        {"response/packet/4-bytes", 0, "000401000000", SW_ERR_BAD_LENGTH, 0},
        {"request/packet/80/empty-name", 1, "000b8000010000002470696e67", SW_ERR_EMPTY_NAME, 0},
        {"request/packet/81/zero-session", 1, "000f8105406563686f0000000000800000",
         SW_ERR_ZERO_SESSION, 0},
        {"response/reassembly/part-without-header/other-session", 0,
         "0009070000000201800000000608000000047a", SW_ERR_PART_WITHOUT_HEADER, 11},
        {"request/reassembly/session-in-use/header-call", 1,
         "000d010a000000070000000080000000108005406563686f070000002470696e67",
         SW_ERR_SESSION_IN_USE, 15},
        {"request/reassembly/size-mismatch/second-part-over", 1,
         "000d010a0000000700000003000000000702070000007a7a000703070000007a7a",
         SW_ERR_SIZE_MISMATCH, 24},
        {"response/reassembly/message-too-large", 0, "0009070000000201000002",
         SW_ERR_MESSAGE_TOO_LARGE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = unhex(cases[i].hex);
        int64_t offset;
        sw_status s = first_stream_error(cases[i].requests, b.ptr, b.len, NULL, &offset);
        checks++;
        if (s != cases[i].code || offset != cases[i].offset) {
            failures++;
            fprintf(stderr, "%s: %s at %lld (%s)\n", cases[i].id, sw_status_name(s),
                    (long long)offset, sw_last_error_message());
        }
        free(b.ptr);
    }

    /* request/reassembly/too-many-partial and buffer-limit, against custom limits: three
     * multi-part headers (address 10, sessions 1..3, 0x8000 bytes each) open at once */
    buf three = {NULL, 0};
    for (uint8_t session = 1; session <= 3; session++) {
        uint8_t header[15] = {0x00, 0x0d, 0x01, 0x0a, 0, 0, 0, session, 0, 0, 0, 0x00, 0x80, 0, 0};
        append(&three, header, sizeof header);
    }
    int64_t offset;
    sw_limits two = sw_limits_default();
    CHECK(two.max_message_size == 32u << 20 && two.max_partial_messages == 1024);
    CHECK(two.max_buffered_bytes == 256u << 20);
    two.max_partial_messages = 2;
    CHECK(first_stream_error(1, three.ptr, three.len, &two, &offset) == SW_ERR_TOO_MANY_PARTIAL);
    CHECK(offset == 30);
    sw_limits bytes = sw_limits_default();
    bytes.max_buffered_bytes = 0x10000;
    CHECK(first_stream_error(1, three.ptr, three.len, &bytes, &offset) == SW_ERR_BUFFER_LIMIT);
    CHECK(offset == 30);
    sw_limits small = sw_limits_default();
    small.max_message_size = 0x7fff;
    CHECK(first_stream_error(1, three.ptr, three.len, &small, &offset) == SW_ERR_MESSAGE_TOO_LARGE);
    CHECK(offset == 0);
    free(three.ptr);

    /* after an error decoding goes on: ok(1), an unknown type at 12, ok(2) */
    buf mixed = unhex("000a01000000012470696e670005010000000900050200000001");
    sw_response_decoder *d = sw_response_decoder_new(NULL);
    sw_response r;
    CHECK_STATUS(sw_response_decoder_feed(d, mixed.ptr, mixed.len), SW_OK);
    CHECK_STATUS(sw_response_decoder_next(d, &r), SW_OK);
    CHECK(r.session == 1);
    CHECK_STATUS(sw_response_decoder_next(d, &r), SW_ERR_UNKNOWN_PACKET_TYPE);
    CHECK(sw_last_error_offset() == 12);
    CHECK(strcmp(sw_last_error_message(), "at byte 12: unknown packet type 0x09") == 0);
    CHECK_STATUS(sw_response_decoder_next(d, &r), SW_OK);
    CHECK(r.session == 2 && r.ok && r.payload.len == 0);
    CHECK_STATUS(sw_response_decoder_finish(d), SW_OK);
    sw_response_decoder_free(d);
    free(mixed.ptr);
}

/* ---- skynet's own traffic: tests/captures/basic ----------------------------------- */

/* For replay: feeds `n` bytes at `data` to the `kind` (request or response) decoder `d`;
 * appends every whole message it gives, re-encoded, to `again`, counts it in `messages`,
 * and re-packs its payload (counting its values in `values`) when `repacks` (an
 * expression of the message `m_`) holds; the decoder must then need more. */
#define REPLAY_FEED(kind, d, data, n, repacks)                                         \
    do {                                                                               \
        sw_##kind m_;                                                                  \
        sw_status s_;                                                                  \
        CHECK_STATUS(sw_##kind##_decoder_feed((d), (data), (n)), SW_OK);               \
        while ((s_ = sw_##kind##_decoder_next((d), &m_)) == SW_OK) {                   \
            sw_bytes out_;                                                             \
            messages++;                                                                \
            CHECK_STATUS(sw_##kind##_encode(&m_, &out_), SW_OK);                       \
            append(&again, out_.ptr, out_.len);                                        \
            sw_bytes_free(out_);                                                       \
            if (repacks) values += repack(b, m_.payload.ptr, m_.payload.len);          \
        }                                                                              \
        CHECK_STATUS(s_, SW_NEED_MORE);                                                \
    } while (0)

/* Decodes a whole capture stream fed in `chunk`-byte pieces, re-encodes every message
 * into one buffer and checks it is the stream, byte for byte; unpacks and re-packs every
 * payload; checks the number of messages against skynet's log. */
static void replay(const char *root, int requests, size_t chunk, size_t want_messages) {
    buf stream = read_file(root, requests ? "tests/captures/basic/requests.bin"
                                          : "tests/captures/basic/responses.bin");
    buf again = {NULL, 0};
    size_t messages = 0, values = 0;
    sw_builder *b = sw_builder_new();
    sw_request_decoder *rd = requests ? sw_request_decoder_new(NULL) : NULL;
    sw_response_decoder *sd = requests ? NULL : sw_response_decoder_new(NULL);
    for (size_t at = 0; at < stream.len; at += chunk) {
        size_t n = stream.len - at < chunk ? stream.len - at : chunk;
        if (requests) {
            REPLAY_FEED(request, rd, stream.ptr + at, n, 1);
        } else {
            REPLAY_FEED(response, sd, stream.ptr + at, n, m_.ok);
        }
    }
    CHECK_STATUS(requests ? sw_request_decoder_finish(rd) : sw_response_decoder_finish(sd), SW_OK);
    checks++;
    if (!same(again.ptr, again.len, stream.ptr, stream.len)) {
        failures++;
        fprintf(stderr, "%s: re-encoded %zu bytes differ from skynet's %zu\n",
                requests ? "requests.bin" : "responses.bin", again.len, stream.len);
    }
    printf("# %s: %zu messages, %zu values, %zu bytes re-encoded as skynet sent them\n",
           requests ? "requests.bin" : "responses.bin", messages, values, again.len);
    CHECK(messages == want_messages && values > messages);
    sw_request_decoder_free(rd);
    sw_response_decoder_free(sd);
    sw_builder_free(b);
    free(stream.ptr);
    free(again.ptr);
}

/* ---- every error path of the API -------------------------------------------------- */

static void test_errors(void) {
    sw_bytes out = {(uint8_t *)&out, 1}; /* must be overwritten with {NULL, 0} */
    sw_view *v = NULL;
    sw_request req;
    sw_response resp;
    size_t n = 99;

    /* NULL where a pointer is required */
    CHECK_STATUS(sw_builder_nil(NULL), SW_ERR_NULL);
    CHECK(strcmp(sw_last_error_message(), "builder is NULL") == 0);
    CHECK(sw_last_error_offset() == -1);
    CHECK_STATUS(sw_builder_boolean(NULL, true), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_integer(NULL, 1), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_real(NULL, 1.0), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_string(NULL, NULL, 0), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_userdata(NULL, 1), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_table_begin(NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_table_hash(NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_table_end(NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_pack(NULL, &out), SW_ERR_NULL);
    CHECK_STATUS(sw_unpack(NULL, 1, &v), SW_ERR_NULL);
    CHECK(strcmp(sw_last_error_message(), "data is NULL") == 0);
    CHECK_STATUS(sw_unpack((const uint8_t *)"\x00", 1, NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_unpack((const uint8_t *)"\x00", SIZE_MAX, &v), SW_ERR_ARGUMENT);
    CHECK(sw_view_len(NULL) == 0);
    CHECK(sw_view_items(NULL, &n) == NULL && n == 0);
    CHECK(sw_view_items(NULL, NULL) == NULL);
    CHECK_STATUS(sw_request_decoder_feed(NULL, NULL, 0), SW_ERR_NULL);
    CHECK_STATUS(sw_request_decoder_next(NULL, &req), SW_ERR_NULL);
    CHECK_STATUS(sw_request_decoder_finish(NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_response_decoder_feed(NULL, NULL, 0), SW_ERR_NULL);
    CHECK_STATUS(sw_response_decoder_next(NULL, &resp), SW_ERR_NULL);
    CHECK_STATUS(sw_response_decoder_finish(NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_request_encode(NULL, &out), SW_ERR_NULL);
    CHECK_STATUS(sw_response_encode(NULL, &out), SW_ERR_NULL);
    sw_request_decoder *rd = sw_request_decoder_new(NULL);
    sw_response_decoder *sd = sw_response_decoder_new(NULL);
    CHECK_STATUS(sw_request_decoder_feed(rd, NULL, 3), SW_ERR_NULL);
    CHECK_STATUS(sw_request_decoder_next(rd, NULL), SW_ERR_NULL);
    CHECK(strcmp(sw_last_error_message(), "out is NULL") == 0);
    CHECK_STATUS(sw_response_decoder_next(sd, NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_request_decoder_feed(rd, NULL, 0), SW_OK);
    CHECK_STATUS(sw_request_decoder_next(rd, &req), SW_NEED_MORE);
    sw_request_decoder_free(rd);
    sw_response_decoder_free(sd);
    /* the free functions take NULL */
    sw_builder_free(NULL);
    sw_view_free(NULL);
    sw_request_decoder_free(NULL);
    sw_response_decoder_free(NULL);
    sw_bytes_free((sw_bytes){NULL, 0});

    /* builder calls out of order, values that do not pack */
    sw_builder *b = sw_builder_new();
    CHECK_STATUS(sw_builder_table_hash(b), SW_ERR_BUILDER);
    CHECK(strcmp(sw_last_error_message(), "sw_builder_table_hash: no table is open") == 0);
    CHECK_STATUS(sw_builder_table_end(b), SW_ERR_BUILDER);
    CHECK_STATUS(sw_builder_string(b, NULL, 1), SW_ERR_NULL);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    str(b, "key");
    CHECK_STATUS(sw_builder_table_end(b), SW_ERR_BUILDER); /* a key and no value */
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_pack(b, &out), SW_ERR_BUILDER); /* two tables open */
    CHECK(strcmp(sw_last_error_message(), "sw_builder_pack: 2 table(s) still open") == 0);
    CHECK(out.ptr == NULL && out.len == 0);
    check_pack(b, "args/empty", ""); /* pack left the builder empty */
    sw_bytes_free(out);
    /* a nil key, a NaN key (skynet: "table key is nil", Lua refuses NaN keys) */
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    CHECK_STATUS(sw_builder_nil(b), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_pack(b, &out), SW_ERR_NIL_KEY);
    CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_hash(b), SW_OK);
    CHECK_STATUS(sw_builder_real(b, NAN), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_pack(b, &out), SW_ERR_NAN_KEY);
    /* nesting: table/nested/33 packs (33 tables, the innermost empty); a 34th cannot open,
     * and a value inside the 33rd is too deep for skynet */
    for (int i = 0; i < 33; i++) CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_table_begin(b), SW_ERR_TOO_DEEP);
    CHECK(strcmp(sw_last_error_message(),
                 "value nested in 33 tables, more than skynet's limit of 32") == 0);
    for (int i = 0; i < 33; i++) CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    check_pack(b, "table/nested/33",
               "0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0600000000000000"
               "0000000000000000000000000000000000000000000000000000");
    for (int i = 0; i < 33; i++) CHECK_STATUS(sw_builder_table_begin(b), SW_OK);
    CHECK_STATUS(sw_builder_integer(b, 1), SW_OK);
    for (int i = 0; i < 33; i++) CHECK_STATUS(sw_builder_table_end(b), SW_OK);
    CHECK_STATUS(sw_builder_pack(b, &out), SW_ERR_TOO_DEEP);
    sw_builder_free(b);

    /* messages that cannot be encoded */
    sw_request r = {0};
    r.session = 1;
    r.name = (sw_slice){(const uint8_t *)"", 0};
    CHECK_STATUS(sw_request_encode(&r, &out), SW_ERR_EMPTY_NAME);
    CHECK(strcmp(sw_last_error_message(), "zero-length service name") == 0);
    uint8_t long_name[256];
    memset(long_name, 'n', sizeof long_name);
    r.name = (sw_slice){long_name, 256};
    CHECK_STATUS(sw_request_encode(&r, &out), SW_ERR_NAME_TOO_LONG);
    r.name = (sw_slice){long_name, 255};
    CHECK_STATUS(sw_request_encode(&r, &out), SW_OK);
    CHECK(out.len == 2 + 1 + 1 + 255 + 4);
    sw_bytes_free(out);
    r.session = 0;
    CHECK_STATUS(sw_request_encode(&r, &out), SW_ERR_CALL_WITHOUT_SESSION);
    r.name = (sw_slice){NULL, 0};
    r.payload = (sw_slice){NULL, 5};
    CHECK_STATUS(sw_request_encode(&r, &out), SW_ERR_NULL);
    CHECK(strcmp(sw_last_error_message(), "payload is NULL") == 0);
    /* a push that goes multi-part needs a session */
    uint8_t *big = calloc(0x8001, 1);
    r.push = true;
    r.payload = (sw_slice){big, 0x8000};
    CHECK_STATUS(sw_request_encode(&r, &out), SW_ERR_ZERO_SESSION);
    sw_response bad = {0, true, {big, 0x8001}};
    CHECK_STATUS(sw_response_encode(&bad, &out), SW_ERR_ZERO_SESSION);
    CHECK(out.ptr == NULL && out.len == 0);
    /* an error text is cut to 0x8000 bytes, in one frame */
    sw_response err = {7, false, {big, 0x8001}};
    CHECK_STATUS(sw_response_encode(&err, &out), SW_OK);
    CHECK(out.len == 2 + 5 + 0x8000 && out.ptr[0] == 0x80 && out.ptr[1] == 0x05);
    sw_bytes_free(out);
    CHECK_STATUS(sw_response_encode(&err, NULL), SW_ERR_NULL);
    CHECK_STATUS(sw_request_encode(&r, NULL), SW_ERR_NULL);
    free(big);

    /* status names */
    CHECK(strcmp(sw_status_name(SW_OK), "SW_OK") == 0);
    CHECK(strcmp(sw_status_name(SW_NEED_MORE), "SW_NEED_MORE") == 0);
    CHECK(strcmp(sw_status_name(SW_ERR_SIZE_MISMATCH), "SW_ERR_SIZE_MISMATCH") == 0);
    CHECK(strcmp(sw_status_name(SW_ERR_PANIC), "SW_ERR_PANIC") == 0);
    CHECK(strcmp(sw_status_name(12345), "SW_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(sw_status_name(-1), "SW_UNKNOWN_STATUS") == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s REPO_ROOT\n", argv[0]);
        return 2;
    }
    CHECK(strcmp(sw_last_error_message(), "") == 0); /* nothing failed yet */
    CHECK(sw_last_error_offset() == -1);
    test_pack_vectors();
    test_unpack_vectors();
    test_invalid_payloads();
    test_message_vectors();
    test_invalid_streams();
    test_errors();
    /* tests/captures/basic/calls.jsonl, skynet's log of the run: 31 calls, 4 sends and 3
     * queries, so 38 requests and 34 responses */
    replay(argv[1], 1, 1021, 38);
    replay(argv[1], 0, 65536, 34);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
