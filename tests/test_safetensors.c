/* Model-file parsing: strict JSON, safetensors header validation, F16/BF16
 * conversion and config validation, mostly against malformed input built in
 * memory. Every rejected input must give a non-OK status and a message. */
#include <stdint.h>
#include <string.h>
#include "model/config.h"
#include "platform/error.h"
#include "platform/json.h"
#include "model/safetensors.h"
#include "testing.h"

/* ---- helpers ---------------------------------------------------------- */

static int verbose;

/* A file: 8-byte little-endian length, header, data. */
static uint8_t *build(const char *header, size_t data_len, size_t *out_len) {
    size_t hl = strlen(header);
    uint8_t *buf = calloc(1, 8 + hl + data_len + 1);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    for (size_t i = 0; i < data_len; i++) buf[8 + hl + i] = (uint8_t)i;
    *out_len = 8 + hl + data_len;
    return buf;
}

/* Rejected with a non-empty message containing `want` (if not NULL). */
static int rejected(wfm_status st, const wfm_error *err, wfm_status want_status, const char *want) {
    if (verbose) printf("    -> %s\n", err->message);
    if (st == WFM_OK) return 0;
    if (want_status != WFM_OK && st != want_status) return 0;
    if (err->status != st || err->message[0] == 0) return 0;
    return !want || strstr(err->message, want) != NULL;
}

#define EXPECT_HEADER_FAIL(json, data_size, want)                                       \
    do {                                                                                \
        wfm_st_file f_;                                                                 \
        wfm_error e_ = {0};                                                             \
        wfm_status s_ = wfm_st_parse_header(json, strlen(json), data_size, &f_, &e_);   \
        CHECK_MSG(rejected(s_, &e_, WFM_ERR_FORMAT, want), "%s -> %d '%s'", json, s_,   \
                  e_.message);                                                          \
        CHECK(f_.tensors == NULL && f_.n_tensors == 0);                                 \
    } while (0)

#define EXPECT_HEADER_OK(json, data_size, f)                                            \
    do {                                                                                \
        wfm_error e_ = {0};                                                             \
        wfm_status s_ = wfm_st_parse_header(json, strlen(json), data_size, f, &e_);     \
        CHECK_MSG(s_ == WFM_OK, "%s -> '%s'", json, e_.message);                        \
    } while (0)

#define EXPECT_JSON_FAIL(text, len, want)                                               \
    do {                                                                                \
        wfm_json_doc *d_ = (wfm_json_doc *)1;                                           \
        wfm_error e_ = {0};                                                             \
        wfm_status s_ = wfm_json_parse(text, len, &d_, &e_);                            \
        CHECK_MSG(rejected(s_, &e_, WFM_ERR_FORMAT, want), "json %.*s -> %d '%s'",      \
                  (int)(len), text, s_, e_.message);                                    \
        CHECK(d_ == NULL);                                                              \
    } while (0)

static wfm_json_doc *json_ok(const char *text) {
    wfm_json_doc *d = NULL;
    wfm_error e = {0};
    wfm_status s = wfm_json_parse(text, strlen(text), &d, &e);
    CHECK_MSG(s == WFM_OK && d, "json %s -> '%s'", text, e.message);
    return d;
}

/* ---- JSON ------------------------------------------------------------- */

TEST(json_rejects_malformed) {
    static const char *bad[] = {
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{,}", "{\"a\":1,}", "{\"a\"1}", "{\"a\":}",
        "{1:2}", "{'a':1}", "['a']", "01", "-01", "00", "1.", ".5", "-", "+1", "1e", "1e+",
        "0x10", "1.5.2", "NaN", "Infinity", "-Infinity", "tru", "nul", "True", "nulll",
        "[1] x", "{} {}", "1 2", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\\"",
        "/* c */ 1", "[1 /* c */]", "1e400", "-1e400", "[1,2", "{\"a\":[}", "\"a\" :",
        "\xef\xbb\xbf{}",                       /* BOM */
        "\"\t\"", "\"\n\"", "\"a\x01\"",        /* raw control characters */
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
        "\"\\udbff\\udbff\"",                   /* lone surrogates */
        "\"\xff\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", /* invalid / overlong */
        "\"\xf0\x80\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xed\xbf\xbf\"", /* overlong, surrogates */
        "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xc3\"", "\"\xe2\x82\"", /* > U+10FFFF, cut */
        "\"\x80\"", "\"\xc3\x28\"", "\xc3\xa9",
        "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "[\"\\u0000\", {\"k\":1, \"\\u006b\":2}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) EXPECT_JSON_FAIL(bad[i], strlen(bad[i]), NULL);
    /* Embedded NUL outside a string and inside one. */
    EXPECT_JSON_FAIL("[1]\0", 4, "trailing");
    EXPECT_JSON_FAIL("\"a\0b\"", 5, "control");
    /* The byte offset is reported. */
    EXPECT_JSON_FAIL("[1, 2, x]", 9, "unexpected character 'x' at byte 7");
    EXPECT_JSON_FAIL("[\x01]", 3, "unexpected byte 0x01 at byte 1");
    EXPECT_JSON_FAIL("{\"a\": 1, \"b\": 2, \"a\": 3}", 24, "duplicate key in object at byte 17");
    EXPECT_JSON_FAIL("\"ok\xff\"", 5, "invalid UTF-8 at byte 3");
    EXPECT_JSON_FAIL("01", 2, "leading zero");
    EXPECT_JSON_FAIL("1e999", 5, "out of range");
    EXPECT_JSON_FAIL("\"\\ud83d\"", 8, "lone high surrogate");
    EXPECT_JSON_FAIL("\"\\ude00\"", 8, "lone low surrogate");
}

TEST(json_depth_limit) {
    char buf[2 * (WFM_JSON_MAX_DEPTH + 1) + 1];
    for (int depth = WFM_JSON_MAX_DEPTH; depth <= WFM_JSON_MAX_DEPTH + 1; depth++) {
        int n = 0;
        for (int i = 0; i < depth; i++) buf[n++] = '[';
        for (int i = 0; i < depth; i++) buf[n++] = ']';
        buf[n] = 0;
        if (depth == WFM_JSON_MAX_DEPTH) wfm_json_free(json_ok(buf));
        else EXPECT_JSON_FAIL(buf, (size_t)n, "nesting too deep");
    }
    /* A deep unterminated prefix stops at the limit, not at a stack overflow. */
    static char deep[100000];
    memset(deep, '[', sizeof deep);
    EXPECT_JSON_FAIL(deep, sizeof deep, "nesting too deep");
    memset(deep, '{', sizeof deep);
    EXPECT_JSON_FAIL(deep, sizeof deep, NULL);
}

TEST(json_values) {
    wfm_json_doc *d = json_ok(" {\"b\": [1, -0, 2.5e1, true, false, null], \"a\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\","
                              " \"u\": \"\\u00e9\\u20ac\\ud83d\\ude00\xc3\xa9\", \"z\": \"a\\u0000b\", \"e\": {}, \"E\": []} \r\n\t");
    if (!d) return;
    const wfm_json *r = wfm_json_root(d);
    CHECK(wfm_json_is(r, WFM_JSON_OBJECT) && wfm_json_count(r) == 6);
    /* Key order is preserved. */
    CHECK(!strcmp(wfm_json_at(r, 0)->key, "b") && !strcmp(wfm_json_at(r, 1)->key, "a"));
    const wfm_json *b = wfm_json_get(r, "b");
    CHECK(wfm_json_count(b) == 6);
    CHECK(wfm_json_number(wfm_json_at(b, 0)) == 1.0);
    CHECK(wfm_json_number(wfm_json_at(b, 2)) == 25.0);
    CHECK(wfm_json_is(wfm_json_at(b, 3), WFM_JSON_BOOL) && wfm_json_at(b, 3)->u.boolean == 1);
    CHECK(wfm_json_is(wfm_json_at(b, 4), WFM_JSON_BOOL) && wfm_json_at(b, 4)->u.boolean == 0);
    CHECK(wfm_json_is(wfm_json_at(b, 5), WFM_JSON_NULL));
    CHECK(wfm_json_at(b, 6) == NULL);
    CHECK(!strcmp(wfm_json_string(wfm_json_get(r, "a")), "x\"\\/\b\f\n\r\t"));
    CHECK(!strcmp(wfm_json_string(wfm_json_get(r, "u")), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9"));
    const wfm_json *z = wfm_json_get(r, "z");
    CHECK(z->len == 3 && !memcmp(wfm_json_string(z), "a\0b", 4) && !wfm_json_string_is_c(z));
    CHECK(wfm_json_string_is_c(wfm_json_get(r, "a")));
    CHECK(wfm_json_is(wfm_json_get(r, "e"), WFM_JSON_OBJECT) && wfm_json_count(wfm_json_get(r, "e")) == 0);
    CHECK(wfm_json_is(wfm_json_get(r, "E"), WFM_JSON_ARRAY) && wfm_json_count(wfm_json_get(r, "E")) == 0);
    CHECK(wfm_json_get(r, "missing") == NULL && wfm_json_get(b, "b") == NULL);
    CHECK(wfm_json_string(b) == NULL && wfm_json_number(r) == 0.0);
    wfm_json_free(d);
    wfm_json_free(NULL);

    /* Scalars at the top level are fine; so are long strings and many members. */
    wfm_json_free(json_ok("\"\""));
    wfm_json_free(json_ok("-0.0e-0"));
    char *big = malloc(200000);
    size_t n = 0;
    big[n++] = '{';
    for (int i = 0; i < 5000; i++) n += (size_t)sprintf(big + n, "%s\"k%d\":%d", i ? "," : "", i, i);
    big[n++] = '}';
    big[n] = 0;
    d = json_ok(big);
    CHECK(d && wfm_json_count(wfm_json_root(d)) == 5000);
    CHECK(d && wfm_json_number(wfm_json_get(wfm_json_root(d), "k4999")) == 4999.0);
    wfm_json_free(d);
    /* ... and a duplicate among many keys is found (the sorted path). */
    strcpy(big + n - 1, ",\"k1234\":0}");
    EXPECT_JSON_FAIL(big, strlen(big), "duplicate key");
    free(big);
}

TEST(json_int64_exactness) {
    static const struct { const char *text; int is_int; int64_t value; } cases[] = {
        {"0", 1, 0}, {"-0", 1, 0}, {"7", 1, 7}, {"-7", 1, -7},
        {"9007199254740993", 1, 9007199254740993LL},         /* not representable as double */
        {"9223372036854775807", 1, INT64_MAX}, {"-9223372036854775808", 1, INT64_MIN},
        {"9223372036854775808", 0, 0}, {"-9223372036854775809", 0, 0},
        {"18446744073709551616", 0, 0},
        {"1e3", 1, 1000}, {"1E+2", 1, 100}, {"100e-2", 1, 1}, {"12.30e1", 1, 123},
        {"2.0", 1, 2}, {"0.0", 1, 0}, {"0e999999999999", 1, 0}, {"0.000e-5", 1, 0},
        {"1.5", 0, 0}, {"1e-1", 0, 0}, {"1e-400", 0, 0}, {"4503599627370495.5", 0, 0},
        {"9.223372036854775807e18", 1, INT64_MAX}, {"9.3e18", 0, 0}, {"1e19", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wfm_json_doc *d = json_ok(cases[i].text);
        int64_t v = -12345;
        int ok = wfm_json_int64(wfm_json_root(d), &v);
        CHECK_MSG(ok == cases[i].is_int && (!ok || v == cases[i].value), "%s -> %d %lld", cases[i].text,
                  ok, (long long)v);
        wfm_json_free(d);
    }
    wfm_json_doc *d = json_ok("\"1\"");
    CHECK(!wfm_json_int64(wfm_json_root(d), NULL));
    wfm_json_free(d);
}

TEST(json_quote) {
    char q[16];
    wfm_json_quote(q, sizeof q, "ab'c\x01", 5);
    CHECK(!strcmp(q, "ab\\x27c\\x01"));
    wfm_json_quote(q, sizeof q, "abcdefghijklmnopqrstuvwxyz", 26);
    CHECK(strlen(q) < sizeof q && strstr(q, "..."));
    wfm_json_quote(q, 8, "a\xe2\x82\xac\xe2\x82\xac", 7); /* never cuts a UTF-8 sequence */
    CHECK(!strcmp(q, "a...") || !strcmp(q, "a\xe2\x82\xac..."));
}

/* ---- header length ---------------------------------------------------- */

static wfm_status hl(uint64_t n, uint64_t file_size, uint64_t *out, wfm_error *e) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(n >> (8 * i));
    return wfm_st_header_length(b, file_size, out, e);
}

TEST(header_length) {
    wfm_error e = {0};
    uint64_t n = 99;
    CHECK(hl(2, 10, &n, &e) == WFM_OK && n == 2);
    CHECK(hl(100u << 20, 8 + (100u << 20), &n, &e) == WFM_OK && n == 100u << 20);
    static const uint64_t bad[][2] = {
        {0, 100}, {1, 100}, {(100u << 20) + 1, UINT64_MAX}, {UINT64_MAX, UINT64_MAX},
        {UINT64_MAX - 7, 100}, {93, 100}, {50, 57}, {2, 9}, {2, 7}, {2, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&e, 0, sizeof e);
        CHECK_MSG(rejected(hl(bad[i][0], bad[i][1], &n, &e), &e, WFM_ERR_FORMAT, NULL),
                  "L=%llu size=%llu", (unsigned long long)bad[i][0], (unsigned long long)bad[i][1]);
    }
    /* A short file never reads first8 past the file. */
    uint8_t *one = calloc(1, (size_t)(e.status + 1)); /* opaque size, for ASan */
    CHECK(rejected(wfm_st_header_length(one, 1, &n, &e), &e, WFM_ERR_FORMAT, "too short"));
    free(one);
    CHECK(rejected(hl(0, 100, &n, &e), &e, WFM_ERR_FORMAT, "too small"));
    CHECK(rejected(hl(200u << 20, 300u << 20, &n, &e), &e, WFM_ERR_FORMAT, "100 MiB"));
    CHECK(rejected(hl(93, 100, &n, &e), &e, WFM_ERR_FORMAT, "past the end"));
}

/* ---- headers ---------------------------------------------------------- */

#define T1 "{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}"

TEST(header_valid) {
    wfm_st_file f;
    EXPECT_HEADER_OK("{}", 0, &f);
    CHECK(f.n_tensors == 0 && f.n_metadata == 0 && wfm_st_find(&f, "x") == NULL);
    wfm_st_free(&f);
    EXPECT_HEADER_OK("{\"__metadata__\":{}}        ", 0, &f);
    wfm_st_free(&f);

    const char *h =
        "{\"b\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[16,28]},"
        "\"__metadata__\":{\"wearfm.config\":\"{}\",\"k\":\"v\\u00e9\"},"
        "\"a\":{\"shape\":[4],\"data_offsets\":[0,16],\"dtype\":\"F32\"},"
        "\"s\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[28,30]},"
        "\"z\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[30,30]},"
        "\"z2\":{\"dtype\":\"F32\",\"shape\":[3,0,4611686018427387904],\"data_offsets\":[30,30]},"
        "\"q\":{\"dtype\":\"BF16\",\"shape\":[1,1,1,2],\"data_offsets\":[30,34]}}  ";
    EXPECT_HEADER_OK(h, 34, &f);
    CHECK(f.n_tensors == 6 && f.n_metadata == 2);
    CHECK(!strcmp(f.tensors[0].name, "b") && !strcmp(f.tensors[1].name, "a")); /* header order */
    const wfm_st_tensor *t = wfm_st_find(&f, "b");
    CHECK(t && t->dtype == WFM_DTYPE_F16 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
          t->numel == 6 && t->begin == 16 && t->end == 28);
    t = wfm_st_find(&f, "s");
    CHECK(t && t->ndim == 0 && t->numel == 1 && t->dtype == WFM_DTYPE_BF16);
    t = wfm_st_find(&f, "z2");
    CHECK(t && t->numel == 0 && t->begin == 30 && t->end == 30);
    t = wfm_st_find(&f, "q");
    CHECK(t && t->ndim == 4 && t->shape[3] == 2);
    CHECK(wfm_st_find(&f, "a") && wfm_st_find(&f, "z") && !wfm_st_find(&f, "c") && !wfm_st_find(&f, ""));
    CHECK(!wfm_st_find(&f, "__metadata__"));
    CHECK(wfm_st_metadata(&f, "wearfm.config") && !strcmp(wfm_st_metadata(&f, "wearfm.config"), "{}"));
    CHECK(!strcmp(wfm_st_metadata(&f, "k"), "v\xc3\xa9"));
    CHECK(wfm_st_metadata(&f, "nope") == NULL);
    wfm_st_free(&f);
    wfm_st_free(&f); /* idempotent */

    /* A 255-byte name is the longest allowed. */
    char hdr[600], name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    snprintf(hdr, sizeof hdr, "{\"%s\":" T1 "}", name);
    EXPECT_HEADER_OK(hdr, 16, &f);
    CHECK(wfm_st_find(&f, name) != NULL);
    wfm_st_free(&f);
    name[255] = 'n';
    name[256] = 0;
    snprintf(hdr, sizeof hdr, "{\"%s\":" T1 "}", name);
    EXPECT_HEADER_FAIL(hdr, 16, "name is too long");
}

TEST(header_malformed) {
    /* JSON-level */
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",}", 16, "json");
    EXPECT_HEADER_FAIL("{\"a\":" T1 "}x", 16, "trailing");
    EXPECT_HEADER_FAIL("{\"\xff\":" T1 "}", 16, "UTF-8");
    EXPECT_HEADER_FAIL("{\"\xc0\xae\":" T1 "}", 16, "UTF-8");
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",\"a\":" T1 "}", 16, "duplicate key");
    /* Not an object */
    EXPECT_HEADER_FAIL("[]", 0, "not an object");
    EXPECT_HEADER_FAIL("\"x\"", 0, "not an object");
    EXPECT_HEADER_FAIL("null", 0, "not an object");
    EXPECT_HEADER_FAIL("12", 0, "not an object");
    /* Metadata */
    EXPECT_HEADER_FAIL("{\"__metadata__\":[]}", 0, "__metadata__");
    EXPECT_HEADER_FAIL("{\"__metadata__\":\"x\"}", 0, "__metadata__");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{\"a\":1}}", 0, "__metadata__['a'] is a number, not a string");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{\"a\":null}}", 0, "not a string");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0, "not a string");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{\"a\":\"x\\u0000y\"}}", 0, "NUL");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{\"a\\u0000\":\"x\"}}", 0, "NUL");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "duplicate");
    /* Entries */
    EXPECT_HEADER_FAIL("{\"a\":[]}", 0, "tensor 'a': entry is an array");
    EXPECT_HEADER_FAIL("{\"a\":\"F32\"}", 0, "not an object");
    EXPECT_HEADER_FAIL("{\"\":" T1 "}", 16, "name is empty");
    EXPECT_HEADER_FAIL("{\"a\\u0000b\":" T1 "}", 16, "NUL");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16],\"x\":1}}", 16,
                       "tensor 'a': unexpected key 'x'");
    EXPECT_HEADER_FAIL("{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "missing \"dtype\"");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", 16, "missing \"shape\"");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4]}}", 16, "missing \"data_offsets\"");
    /* dtype */
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16,
                       "tensor 'a': unsupported dtype 'I64'");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, "unsupported dtype");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"f32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "unsupported dtype");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\\u0000\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "dtype");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":4,\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "not a string");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "unsupported dtype");
    /* shape */
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16, "shape[0]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4,1.5],\"data_offsets\":[0,16]}}", 16, "shape[1]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"4\"],\"data_offsets\":[0,16]}}", 16, "shape[0]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,16]}}", 16, "shape[0]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", 16, "not an array");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,4],\"data_offsets\":[0,16]}}", 16,
                       "shape has 5 dims (at most 4)");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,16]}}",
                       16, "too many elements");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,16]}}", 16,
                       "too many elements");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F16\",\"shape\":[9223372036854775807,2],\"data_offsets\":[0,16]}}", 16,
                       "too many elements");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,16]}}", 16,
                       "shape[0]");
    /* data_offsets */
    EXPECT_HEADER_FAIL("{\"encoder.norm.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", 12,
                       "tensor 'encoder.norm.weight': data_offsets length 12 does not match shape [4] x F32 (16 bytes)");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24,
                       "data_offsets length 24 does not match shape [2, 3] x F16 (12 bytes)");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", 16, "[begin, end]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16,32]}}", 16, "[begin, end]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":{}}}", 16, "[begin, end]");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-16,0]}}", 16, "non-negative");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16.5]}}", 16, "non-negative");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,0]}}", 16, "end before");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 16, "past the data buffer");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[18446744073709551600,18446744073709551616]}}",
                       16, "non-negative");
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[9223372036854775791,9223372036854775807]}}",
                       16, "past the data buffer");
    /* Coverage: gap at the start, gap between, overlap, trailing bytes, empty file with data. */
    EXPECT_HEADER_FAIL("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[4,20]}}", 20, "gap before tensor 'a'");
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}", 24,
                       "[16, 20) belong to no tensor");
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16,
                       "tensor 'b': data_offsets [12, 16] overlap tensor 'a' [0, 16]");
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",\"b\":" T1 "}", 16, "overlap");
    EXPECT_HEADER_FAIL("{\"a\":" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 16, "overlap");
    EXPECT_HEADER_FAIL("{\"a\":" T1 "}", 17, "1 trailing bytes");
    EXPECT_HEADER_FAIL("{}", 4, "4 trailing bytes");
    EXPECT_HEADER_FAIL("{\"__metadata__\":{}}", 1, "trailing");
}

/* Every proper prefix of a valid file must be rejected, never crash. */
TEST(truncated_files) {
    const char *h = "{\"__metadata__\":{\"k\":\"v\"},\"a\":" T1 ",\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]}}   ";
    size_t len;
    uint8_t *buf = build(h, 20, &len);
    wfm_st_file f;
    wfm_error e = {0};
    CHECK_MSG(wfm_st_parse_buffer(buf, len, &f, &e) == WFM_OK, "%s", e.message);
    CHECK(f.header_len == strlen(h) && f.data_offset == 8 + strlen(h) && f.data_size == 20);
    CHECK(f.n_tensors == 2 && wfm_st_find(&f, "b")->begin == 16);
    wfm_st_free(&f);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size so ASan sees overreads */
        memcpy(copy, buf, cut);
        memset(&e, 0, sizeof e);
        wfm_status st = wfm_st_parse_buffer(copy, cut, &f, &e);
        CHECK_MSG(rejected(st, &e, WFM_ERR_FORMAT, NULL), "cut at %zu", cut);
        free(copy);
    }
    /* One byte too many is trailing data. */
    uint8_t *more = build(h, 21, &len);
    CHECK(rejected(wfm_st_parse_buffer(more, len, &f, &e), &e, WFM_ERR_FORMAT, "trailing"));
    free(more);
    free(buf);
    CHECK(wfm_st_parse_buffer(NULL, 0, &f, &e) == WFM_ERR_FORMAT);
}

/* ---- conversions ------------------------------------------------------ */

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Independent F16 reference: value = m * 2^(e-25) via ldexp. */
static uint32_t ref_f16_bits(uint16_t h) {
    int s = h >> 15, e = h >> 10 & 31, m = h & 1023;
    if (e == 31) return (uint32_t)s << 31 | 0x7F800000u | (uint32_t)m << 13;
    double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
    return bits_of((float)(s ? -v : v));
}

TEST(f16_exhaustive) {
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = wfm_f16_to_f32((uint16_t)h);
        if (bits_of(f) != ref_f16_bits((uint16_t)h)) bad++;
        /* Round trip: every F16 (NaNs included) comes back unchanged, except
         * signalling NaNs, which come back quiet. */
        uint16_t back = wfm_f32_to_f16(f);
        int snan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) && !(h & 0x200);
        if (back != (snan ? (h | 0x200) : h)) bad++;
    }
    CHECK_MSG(bad == 0, "%d mismatches", bad);
}

/* r must be the nearest F16 to x, ties to even. */
static int f16_is_nearest(float x, uint16_t r) {
    if ((r & 0x7FFF) >= 0x7C00) return fabs((double)x) >= 65520.0;
    double d = fabs((double)wfm_f16_to_f32(r) - x);
    for (int step = -1; step <= 1; step += 2) {
        int nb = (int)(r & 0x7FFF) + step;
        if (nb < 0 || nb > 0x7BFF) continue;
        double dn = fabs((double)wfm_f16_to_f32((uint16_t)((r & 0x8000) | nb)) - x);
        if (dn < d || (dn == d && (r & 1))) return 0;
    }
    return 1;
}

TEST(f16_rounding) {
    CHECK(wfm_f32_to_f16(1.0f) == 0x3C00);
    CHECK(wfm_f32_to_f16(-2.0f) == 0xC000);
    CHECK(wfm_f32_to_f16(65504.0f) == 0x7BFF);
    CHECK(wfm_f32_to_f16(65519.99f) == 0x7BFF);
    CHECK(wfm_f32_to_f16(65520.0f) == 0x7C00);
    CHECK(wfm_f32_to_f16(1e10f) == 0x7C00 && wfm_f32_to_f16(-INFINITY) == 0xFC00);
    CHECK(wfm_f32_to_f16(1.0f + 0x1p-11f) == 0x3C00);             /* tie -> even */
    CHECK(wfm_f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3C02);         /* tie -> even (up) */
    CHECK(wfm_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f) == 0x3C01);  /* above tie */
    CHECK(wfm_f32_to_f16(0x1p-24f) == 0x0001);
    CHECK(wfm_f32_to_f16(0x1p-25f) == 0x0000);                    /* tie -> even zero */
    CHECK(wfm_f32_to_f16(0x1.000002p-25f) == 0x0001);
    CHECK(wfm_f32_to_f16(3 * 0x1p-25f) == 0x0002);                /* tie -> even */
    CHECK(wfm_f32_to_f16(-0x1p-30f) == 0x8000);
    CHECK(wfm_f32_to_f16(0x1.ffcp-15f) == 0x0400);                /* subnormal rounds up to normal */
    CHECK(wfm_f32_to_f16(0x1.ff8p-15f) == 0x03FF);
    uint16_t n = wfm_f32_to_f16(NAN);
    CHECK((n & 0x7C00) == 0x7C00 && (n & 0x3FF));
    CHECK((wfm_f32_to_f16(-NAN) & 0x8000) != 0);
    /* A NaN with only low payload bits must not become inf. */
    uint32_t lownan = 0x7F800001;
    float ln;
    memcpy(&ln, &lownan, 4);
    CHECK((wfm_f32_to_f16(ln) & 0x3FF) != 0);
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 2000000; i++) {
        uint32_t u = wfm_t_rand(&seed);
        /* Focus on the F16 range: exponents around [-30, 17]. */
        u = (u & 0x807FFFFF) | (uint32_t)(97 + (u >> 23 & 63)) << 23;
        float x;
        memcpy(&x, &u, 4);
        if (!f16_is_nearest(x, wfm_f32_to_f16(x))) bad++;
    }
    CHECK_MSG(bad == 0, "%d not nearest", bad);
}

TEST(bf16) {
    int bad = 0;
    for (uint32_t b = 0; b < 65536; b++) {
        float f = wfm_bf16_to_f32((uint16_t)b);
        if (bits_of(f) != b << 16) bad++;
        int snan = (b & 0x7F80) == 0x7F80 && (b & 0x7F) && !(b & 0x40);
        if (wfm_f32_to_bf16(f) != (snan ? (b | 0x40) : b)) bad++;
    }
    CHECK_MSG(bad == 0, "%d mismatches", bad);
    CHECK(wfm_f32_to_bf16(1.0f) == 0x3F80);
    CHECK(wfm_f32_to_bf16(1.0f + 0x1p-8f) == 0x3F80);             /* tie -> even */
    CHECK(wfm_f32_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3F82);         /* tie -> even (up) */
    CHECK(wfm_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f) == 0x3F81);
    uint32_t tie_max = 0x7F7F8000, below = 0x7F7F7FFF; /* halfway past the largest BF16 */
    float tm, bm;
    memcpy(&tm, &tie_max, 4);
    memcpy(&bm, &below, 4);
    CHECK(wfm_f32_to_bf16(tm) == 0x7F80 && wfm_f32_to_bf16(bm) == 0x7F7F);
    CHECK(wfm_f32_to_bf16(-INFINITY) == 0xFF80);
    uint32_t lownan = 0xFF800001;
    float ln;
    memcpy(&ln, &lownan, 4);
    uint16_t r = wfm_f32_to_bf16(ln);
    CHECK((r & 0x7F80) == 0x7F80 && (r & 0x7F) && (r & 0x8000));
}

TEST(to_f32_little_endian) {
    /* Unaligned source, explicit little-endian bytes. */
    uint8_t raw[1 + 12];
    const uint8_t f32le[8] = {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0}; /* 1, -2 */
    memcpy(raw + 1, f32le, 8);
    float out[4];
    wfm_st_to_f32(WFM_DTYPE_F32, raw + 1, 2, out);
    CHECK(out[0] == 1.0f && out[1] == -2.0f);
    const uint8_t f16le[6] = {0x00, 0x3C, 0x01, 0x00, 0x00, 0xFC}; /* 1, 2^-24, -inf */
    memcpy(raw + 1, f16le, 6);
    wfm_st_to_f32(WFM_DTYPE_F16, raw + 1, 3, out);
    CHECK(out[0] == 1.0f && out[1] == 0x1p-24f && isinf(out[2]) && out[2] < 0);
    const uint8_t bf16le[6] = {0x80, 0x3F, 0x49, 0x40, 0xC0, 0x7F}; /* 1, 3.140625, NaN */
    memcpy(raw + 1, bf16le, 6);
    wfm_st_to_f32(WFM_DTYPE_BF16, raw + 1, 3, out);
    CHECK(out[0] == 1.0f && out[1] == 3.140625f && isnan(out[2]));
    wfm_st_to_f32(WFM_DTYPE_F32, raw, 0, out); /* count 0 is a no-op */
    CHECK(wfm_dtype_size(WFM_DTYPE_F32) == 4 && wfm_dtype_size(WFM_DTYPE_BF16) == 2);
    CHECK(!strcmp(wfm_dtype_name(WFM_DTYPE_F16), "F16"));
}

/* ---- config ----------------------------------------------------------- */

#define CH0 "{\"name\":\"heart_rate\",\"unit\":\"bpm\",\"mean\":72.0,\"std\":12.0,\"clip\":[-5.0,5.0]}"
#define CH1 "{\"name\":\"steps\",\"unit\":\"\",\"mean\":10,\"std\":20,\"clip\":[-3,8]}"
#define ENC "\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":16}"
#define DEC "\"decoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":16}"
#define HEAD "\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":20,\"patch_minutes\":10"

static const char *good_config =
    "{" HEAD ",\"norm_eps\":1e-5,\"channels\":[" CH0 "," CH1 "]," ENC "," DEC
    ",\"training\":{\"anything\":[1,2,{}]}}";

/* cfg_fail("...", "expected message part") */
static void cfg_fail(const char *json, const char *want, int line) {
    wfm_config c;
    wfm_error e = {0};
    wfm_status st = wfm_config_parse(json, strlen(json), &c, &e);
    int ok = rejected(st, &e, WFM_ERR_CONFIG, want) && !strncmp(e.message, "config: ", 8);
    if (!ok) {
        fprintf(stderr, "  line %d: config %s\n    -> %d '%s' (wanted '%s')\n", line, json, st, e.message, want);
        wfm_t_failed_checks++;
    }
    CHECK(c.channels == NULL);
}
#define CFG_FAIL(json, want) cfg_fail(json, want, __LINE__)
#define CFG_BODY(rest) "{" HEAD ",\"channels\":[" CH0 "]," ENC rest "}"

TEST(config_valid) {
    wfm_config c;
    wfm_error e = {0};
    CHECK_MSG(wfm_config_parse(good_config, strlen(good_config), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.format_version == 1 && !strcmp(c.architecture, "lsm2_mae"));
    CHECK(c.window_minutes == 20 && c.patch_minutes == 10 && c.norm_eps == 1e-5f);
    CHECK(c.n_channels == 2 && !strcmp(c.channels[0].name, "heart_rate") && !strcmp(c.channels[0].unit, "bpm"));
    CHECK(c.channels[0].mean == 72.0f && c.channels[0].std == 12.0f);
    CHECK(c.channels[0].clip_min == -5.0f && c.channels[0].clip_max == 5.0f);
    CHECK(!strcmp(c.channels[1].name, "steps") && c.channels[1].unit[0] == 0 && c.channels[1].clip_max == 8.0f);
    CHECK(c.enc.dim == 8 && c.enc.layers == 1 && c.enc.heads == 2 && c.enc.mlp_dim == 16);
    CHECK(c.has_decoder && c.dec.dim == 8 && c.dec.mlp_dim == 16);
    wfm_config_free(&c);
    wfm_config_free(&c);

    /* Encoder-only (decoder omitted or null), default norm_eps. */
    const char *enc_only[] = {CFG_BODY(""), CFG_BODY(",\"decoder\":null")};
    for (int i = 0; i < 2; i++) {
        CHECK_MSG(wfm_config_parse(enc_only[i], strlen(enc_only[i]), &c, &e) == WFM_OK, "%s", e.message);
        CHECK(!c.has_decoder && c.dec.dim == 0 && c.norm_eps == 1e-6f && c.n_channels == 1);
        wfm_config_free(&c);
    }
    /* Decoder with zero layers; UTF-8 channel names; large bounds. */
    const char *edge =
        "{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":10080,\"patch_minutes\":1440,"
        "\"channels\":[{\"name\":\"temp\\u00e9rature\",\"unit\":\"\\u00b0C\",\"mean\":-1e30,\"std\":1e-30,\"clip\":[-1e38,1e38]}],"
        "\"encoder\":{\"dim\":8192,\"layers\":64,\"heads\":8192,\"mlp_dim\":65536},"
        "\"decoder\":{\"dim\":4,\"layers\":0,\"heads\":1,\"mlp_dim\":1}}";
    CHECK_MSG(wfm_config_parse(edge, strlen(edge), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.has_decoder && c.dec.layers == 0 && !strcmp(c.channels[0].name, "temp\xc3\xa9rature"));
    wfm_config_free(&c);
}

/* format_version 2: channel kinds, ranges, levels, fill and input rule. */
#define V2_HEAD "\"format_version\":2,\"architecture\":\"lsm2_mae\",\"window_minutes\":20,\"patch_minutes\":10," \
                "\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":16}"
#define V2_CH(extra) "{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[-5,5]" extra "}"
#define V2(chs, rest) "{" V2_HEAD ",\"channels\":[" chs "]" rest "}"

TEST(config_v2_semantics) {
    wfm_config c;
    wfm_error e = {0};
    const char *ok = V2(V2_CH(",\"kind\":\"continuous\",\"range\":[25,250]") ","
                        "{\"name\":\"s\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[-5,5],\"kind\":\"count\"},"
                        "{\"name\":\"i\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[-5,5],\"kind\":\"category\",\"levels\":[0,1,2,3]}",
                        ",\"fill\":\"anchored\",\"inherited_mask\":false");
    CHECK_MSG(wfm_config_parse(ok, strlen(ok), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.format_version == 2 && c.anchored && !c.inherited_mask && c.head_width == 4);
    CHECK(c.channels[0].kind == WFM_CHANNEL_CONTINUOUS && c.channels[0].range_min == 25 && c.channels[0].range_max == 250);
    CHECK(c.channels[1].kind == WFM_CHANNEL_COUNT && c.channels[1].range_min == 0 && isinf(c.channels[1].range_max));
    CHECK(c.channels[2].kind == WFM_CHANNEL_CATEGORY && c.channels[2].n_levels == 4 && c.channels[2].levels[3] == 3);
    wfm_config_free(&c);
    const char *plain = V2(V2_CH(""), "");
    CHECK_MSG(wfm_config_parse(plain, strlen(plain), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(!c.anchored && c.inherited_mask && c.head_width == 1 && c.channels[0].kind == WFM_CHANNEL_CONTINUOUS &&
          isinf(c.channels[0].range_min));
    wfm_config_free(&c);
    CFG_FAIL(V2(V2_CH(",\"kind\":\"ordinal\""), ""), "channels[0].kind must be 'continuous', 'count' or 'category'");
    CFG_FAIL(V2(V2_CH(",\"kind\":\"category\""), ""), "channels[0].levels is missing");
    CFG_FAIL(V2(V2_CH(",\"kind\":\"category\",\"levels\":[1]"), ""), "channels[0].levels must be an array of 2..16");
    CFG_FAIL(V2(V2_CH(",\"kind\":\"category\",\"levels\":[1,1]"), ""), "channels[0].levels must be increasing");
    CFG_FAIL(V2(V2_CH(",\"kind\":\"category\",\"levels\":[0,1],\"range\":[0,1]"), ""), "a category has levels, not a range");
    CFG_FAIL(V2(V2_CH(",\"levels\":[0,1]"), ""), "only a category has levels");
    CFG_FAIL(V2(V2_CH(",\"range\":[5,5]"), ""), "channels[0].range must have [0] < [1]");
    CFG_FAIL(V2(V2_CH(",\"range\":[5]"), ""), "channels[0].range must be an array [min, max]");
    /* a channel's residual */
    const char *res = V2(V2_CH(",\"residual\":\"others_missing\""), ",\"fill\":\"anchored\",\"edge_tau\":5");
    CHECK_MSG(wfm_config_parse(res, strlen(res), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.channels[0].residual_others_missing == 1);
    wfm_config_free(&c);
    const char *always = V2(V2_CH(",\"residual\":\"always\""), ",\"fill\":\"anchored\",\"edge_tau\":5");
    CHECK_MSG(wfm_config_parse(always, strlen(always), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.channels[0].residual_others_missing == 0);
    wfm_config_free(&c);
    CFG_FAIL(V2(V2_CH(",\"residual\":\"others_missing\""), ",\"fill\":\"anchored\""),
             "channels[0].residual 'others_missing' needs edge_tau");
    CFG_FAIL(V2(V2_CH(",\"residual\":\"sometimes\""), ",\"fill\":\"anchored\",\"edge_tau\":5"),
             "channels[0].residual must be 'always' or 'others_missing'");
    CFG_FAIL(V2(V2_CH(",\"kind\":\"category\",\"levels\":[0,1],\"residual\":\"always\""), ""),
             "channels[0].residual: a category has no residual");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":20,\"patch_minutes\":10,"
             "\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":16},\"channels\":["
             V2_CH(",\"residual\":\"always\"") "]}", "channels[0].residual needs format_version 2");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"spline\""), "fill must be 'direct' or 'anchored'");
    CFG_FAIL(V2(V2_CH(""), ",\"inherited_mask\":1"), "inherited_mask must be true or false");
    CFG_FAIL(CFG_BODY(",\"fill\":\"anchored\""), "fill, inherited_mask, anchor, anchor_profile, edge_tau and absent_residual need format_version 2");
    CFG_FAIL(CFG_BODY(",\"edge_tau\":10"), "fill, inherited_mask, anchor, anchor_profile, edge_tau and absent_residual need format_version 2");
    CFG_FAIL(CFG_BODY(",\"anchor\":\"linear\""), "fill, inherited_mask, anchor, anchor_profile, edge_tau and absent_residual need format_version 2");
    /* the anchor */
    const char *cross = V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\",\"anchor_rolling\":[10,20]");
    CHECK_MSG(wfm_config_parse(cross, strlen(cross), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.cross_anchor && c.n_rolling == 2 && c.rolling[0] == 10 && c.rolling[1] == 20);
    CHECK(wfm_config_tensor_count(&c) == 2 + 12 + 2 + 2);
    wfm_config_free(&c);
    const char *linear = V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"linear\"");
    CHECK_MSG(wfm_config_parse(linear, strlen(linear), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(!c.cross_anchor && c.n_rolling == 0);
    wfm_config_free(&c);
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"spline\""), "anchor must be 'linear' or 'cross_channel'");
    const char *tau = V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":7.5");
    CHECK_MSG(wfm_config_parse(tau, strlen(tau), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.edge_tau == 7.5f && !c.cross_anchor);
    wfm_config_free(&c);
    CFG_FAIL(V2(V2_CH(""), ",\"edge_tau\":5"), "edge_tau needs fill 'anchored'");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":0"), "edge_tau must be in (0, window_minutes]");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":21"), "edge_tau must be in (0, window_minutes]");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":\"5\""), "edge_tau");
    /* absent_residual */
    CHECK_MSG(wfm_config_parse(tau, strlen(tau), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.absent_residual == 1); /* the default */
    wfm_config_free(&c);
    const char *absent = V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":7.5,\"absent_residual\":false");
    CHECK_MSG(wfm_config_parse(absent, strlen(absent), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.absent_residual == 0 && c.edge_tau == 7.5f);
    wfm_config_free(&c);
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"absent_residual\":false"), "absent_residual false needs edge_tau");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"edge_tau\":5,\"absent_residual\":0"),
             "absent_residual must be true or false");
    CFG_FAIL(CFG_BODY(",\"absent_residual\":true"), "absent_residual need format_version 2");
    CFG_FAIL(V2(V2_CH(""), ",\"anchor\":\"cross_channel\""), "anchor 'cross_channel' needs fill 'anchored'");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor_rolling\":[10]"), "anchor_rolling is for anchor 'cross_channel' only");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\",\"anchor_rolling\":[21]"),
             "anchor_rolling[0] must be an integer in 1..20");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\",\"anchor_rolling\":[1,2,3,4,5,6,7,8]"),
             "anchor_rolling must be an array of at most 7");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\",\"anchor_rolling\":5"),
             "anchor_rolling must be an array");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\",\"anchor_rolling\":[2.5]"),
             "anchor_rolling[0] must be an integer");
    /* the typical day (anchor_profile) */
#define PROF(extra) V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor\":\"cross_channel\"" extra)
    const char *prof = PROF(",\"anchor_profile\":true");
    CHECK_MSG(wfm_config_parse(prof, strlen(prof), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.anchor_profile && c.profile_smooth == 15 && c.profile_tau == 60.0f);
    CHECK(wfm_config_tensor_count(&c) == 2 + 12 + 2 + 3);
    wfm_config_free(&c);
    const char *prof2 = PROF(",\"anchor_profile\":true,\"profile_smooth\":0,\"profile_tau\":20");
    CHECK_MSG(wfm_config_parse(prof2, strlen(prof2), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.anchor_profile && c.profile_smooth == 0 && c.profile_tau == 20.0f);
    wfm_config_free(&c);
    const char *off = PROF(",\"anchor_profile\":false");
    CHECK_MSG(wfm_config_parse(off, strlen(off), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(!c.anchor_profile && wfm_config_tensor_count(&c) == 2 + 12 + 2 + 2);
    wfm_config_free(&c);
    CFG_FAIL(PROF(",\"anchor_profile\":1"), "anchor_profile must be true or false");
    CFG_FAIL(PROF(",\"profile_smooth\":5"), "profile_smooth and profile_tau need anchor_profile true");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"profile_smooth\":721"), "profile_smooth must be an integer in 0..720");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"profile_smooth\":1.5"), "profile_smooth must be an integer");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"profile_tau\":0"), "profile_tau must be in (0, window_minutes]");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"profile_tau\":21"), "profile_tau must be in (0, window_minutes]");
    /* personal_lambda: the anchor refitted on the history (src/model/personal.c) */
    const char *pers = PROF(",\"anchor_profile\":true,\"personal_lambda\":1000,\"personal_windows\":7");
    CHECK_MSG(wfm_config_parse(pers, strlen(pers), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.personal_lambda == 1000.0 && c.personal_windows == 7 && wfm_config_tensor_count(&c) == 2 + 12 + 2 + 3);
    wfm_config_free(&c);
    const char *pers_default = PROF(",\"anchor_profile\":true,\"personal_lambda\":0.5");
    CHECK_MSG(wfm_config_parse(pers_default, strlen(pers_default), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.personal_lambda == 0.5 && c.personal_windows == 56);
    wfm_config_free(&c);
    CFG_FAIL(PROF(",\"personal_lambda\":10"), "personal_lambda and personal_windows need anchor_profile true");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_lambda\":0"), "personal_lambda must be a number in (0, 1e12]");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_lambda\":\"big\""), "personal_lambda must be a number");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_lambda\":1e13"), "personal_lambda must be a number in (0, 1e12]");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_windows\":3"), "personal_windows needs personal_lambda");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_lambda\":1,\"personal_windows\":0"),
             "personal_windows must be an integer in 1..366");
    CFG_FAIL(PROF(",\"anchor_profile\":true,\"personal_lambda\":1,\"personal_windows\":2.5"),
             "personal_windows must be an integer in 1..366");
#undef PROF
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"personal_lambda\":1"),
             "personal_lambda and personal_windows need anchor_profile true");
    CFG_FAIL(V2(V2_CH(""), ",\"fill\":\"anchored\",\"anchor_profile\":true"),
             "anchor_profile, profile_smooth and profile_tau are for anchor 'cross_channel' only");
    CFG_FAIL(CFG_BODY(",\"anchor_profile\":true"), "need format_version 2");
}

TEST(config_invalid) {
    /* JSON / shape of the document */
    CFG_FAIL("", "json");
    CFG_FAIL("{\"format_version\":1,}", "json");
    CFG_FAIL("[]", "must be a JSON object");
    CFG_FAIL("\"lsm2_mae\"", "must be a JSON object");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "]," ENC ",\"format_version\":1}", "duplicate key");
    /* format_version, architecture */
    CFG_FAIL("{\"architecture\":\"lsm2_mae\"}", "format_version is missing");
    CFG_FAIL("{\"format_version\":3}", "format_version 3 is not supported");
    CFG_FAIL("{\"format_version\":\"1\"}", "format_version must be an integer (got a string)");
    CFG_FAIL("{\"format_version\":1.5}", "format_version must be an integer (got 1.5)");
    CFG_FAIL("{\"format_version\":1}", "architecture is missing");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"vit\"}", "architecture 'vit' is not supported");
    CFG_FAIL("{\"format_version\":1,\"architecture\":7}", "architecture must be a string");
    /* T and P */
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"patch_minutes\":10}", "window_minutes is missing");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":20}", "patch_minutes is missing");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":25,\"patch_minutes\":10}",
             "window_minutes (25) must be a multiple of patch_minutes (10)");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":20,\"patch_minutes\":0}",
             "patch_minutes must be in 1..1440 (got 0)");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":2882,\"patch_minutes\":1441}",
             "patch_minutes must be in 1..1440");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":10090,\"patch_minutes\":10}",
             "window_minutes must be in 1..10080");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":-20,\"patch_minutes\":10}",
             "window_minutes must be in");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":5,\"patch_minutes\":10}",
             "must be a multiple");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":1e10,\"patch_minutes\":10}",
             "window_minutes must be in");
    CFG_FAIL("{\"format_version\":1,\"architecture\":\"lsm2_mae\",\"window_minutes\":20.5,\"patch_minutes\":10}",
             "window_minutes must be an integer");
    /* norm_eps */
    CFG_FAIL("{" HEAD ",\"norm_eps\":0}", "norm_eps must be > 0 (got 0)");
    CFG_FAIL("{" HEAD ",\"norm_eps\":-1e-6}", "norm_eps must be > 0");
    CFG_FAIL("{" HEAD ",\"norm_eps\":1e-60}", "norm_eps must be > 0"); /* underflows in f32 */
    CFG_FAIL("{" HEAD ",\"norm_eps\":1e300}", "norm_eps is out of float range");
    CFG_FAIL("{" HEAD ",\"norm_eps\":\"1e-6\"}", "norm_eps must be a number");
    /* channels */
    CFG_FAIL("{" HEAD "}", "channels is missing");
    CFG_FAIL("{" HEAD ",\"channels\":{}}", "channels must be an array");
    CFG_FAIL("{" HEAD ",\"channels\":[]}", "channels must have 1..256 entries (got 0)");
    CFG_FAIL("{" HEAD ",\"channels\":[1]}", "channels[0] must be an object");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 ",{\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}",
             "channels[1].name is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].name must not be empty");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\\tb\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].name contains a control character");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\\u0000b\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].name contains a control character");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\","
             "\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}", "channels[0].name is too long");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":5,\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].name must be a string (got 5)");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"mean\":0,\"std\":1,\"clip\":[0,1]}]}", "channels[0].unit is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"0123456789012345678901234567890123\",\"mean\":0,"
             "\"std\":1,\"clip\":[0,1]}]}", "channels[0].unit is too long");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "," CH1 ",{\"name\":\"a\",\"unit\":\"\",\"std\":1,\"clip\":[0,1]}]}",
             "channels[2].mean is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":null,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].mean must be a number (got null)");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":1e39,\"std\":1,\"clip\":[0,1]}]}",
             "channels[0].mean is out of float range");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "," CH1 ",{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":0,\"clip\":[0,1]}]}",
             "config: channels[2].std must be > 0 (got 0)");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":-2,\"clip\":[0,1]}]}",
             "channels[0].std must be > 0 (got -2)");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1e-50,\"clip\":[0,1]}]}",
             "channels[0].std must be > 0");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"clip\":[0,1]}]}", "channels[0].std is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1}]}", "channels[0].clip is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[1,1]}]}",
             "channels[0].clip must have clip[0] < clip[1] (got [1, 1])");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[2,-2]}]}", "clip[0] < clip[1]");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1,2]}]}",
             "channels[0].clip must be an array [min, max]");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":5}]}", "clip must be an array");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[\"0\",1]}]}",
             "channels[0].clip[0] must be a number");
    CFG_FAIL("{" HEAD ",\"channels\":[{\"name\":\"a\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1e40]}]}",
             "channels[0].clip[1] is out of float range");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "," CH1 "," CH0 "]}", "channels[2].name 'heart_rate' repeats channels[0].name");
    {
        char big[20000];
        size_t n = (size_t)sprintf(big, "{" HEAD ",\"channels\":[");
        for (int i = 0; i < 257; i++)
            n += (size_t)sprintf(big + n, "%s{\"name\":\"c%d\",\"unit\":\"\",\"mean\":0,\"std\":1,\"clip\":[0,1]}",
                                 i ? "," : "", i);
        sprintf(big + n, "]," ENC "}");
        CFG_FAIL(big, "channels must have 1..256 entries (got 257)");
    }
    /* encoder / decoder */
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "]}", "encoder is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":[]}", "encoder must be an object");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"layers\":1,\"heads\":2,\"mlp_dim\":16}}", "encoder.dim is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"heads\":2,\"mlp_dim\":16}}", "encoder.layers is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"mlp_dim\":16}}", "encoder.heads is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2}}", "encoder.mlp_dim is missing");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":2,\"layers\":1,\"heads\":1,\"mlp_dim\":16}}",
             "encoder.dim must be in 4..8192 (got 2)");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8196,\"layers\":1,\"heads\":1,\"mlp_dim\":16}}",
             "encoder.dim must be in 4..8192");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":6,\"layers\":1,\"heads\":2,\"mlp_dim\":16}}",
             "encoder.dim must be divisible by 4");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":12,\"layers\":1,\"heads\":5,\"mlp_dim\":16}}",
             "encoder.dim (12) must be divisible by encoder.heads (5)");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":0,\"mlp_dim\":16}}",
             "encoder.heads must be in 1..8 (got 0)");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":16,\"mlp_dim\":16}}",
             "encoder.heads must be in 1..8");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":0,\"heads\":2,\"mlp_dim\":16}}",
             "encoder.layers must be in 1..64 (got 0)");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":65,\"heads\":2,\"mlp_dim\":16}}",
             "encoder.layers must be in 1..64");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":0}}",
             "encoder.mlp_dim must be in 1..65536 (got 0)");
    CFG_FAIL("{" HEAD ",\"channels\":[" CH0 "],\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":16.25}}",
             "encoder.mlp_dim must be an integer (got 16.25)");
    CFG_FAIL(CFG_BODY(",\"decoder\":{}"), "decoder.dim is missing");
    CFG_FAIL(CFG_BODY(",\"decoder\":7"), "decoder must be an object (got 7)");
    CFG_FAIL(CFG_BODY(",\"decoder\":{\"dim\":8,\"layers\":-1,\"heads\":2,\"mlp_dim\":16}"),
             "decoder.layers must be in 0..64 (got -1)");
    CFG_FAIL(CFG_BODY(",\"decoder\":{\"dim\":10,\"layers\":1,\"heads\":2,\"mlp_dim\":16}"),
             "decoder.dim must be divisible by 4");
    CFG_FAIL(CFG_BODY(",\"decoder\":{\"dim\":8,\"layers\":1,\"heads\":3,\"mlp_dim\":16}"),
             "decoder.dim (8) must be divisible by decoder.heads (3)");
}

/* ---- required tensors and a whole model file ---------------------------- */

/* A complete model file for cfg_json with zero-valued F32/F16 weights. */
static uint8_t *build_model(const char *cfg_json, wfm_dtype dtype, const char *extra_tensor,
                            const char *skip, size_t *out_len) {
    wfm_config c;
    wfm_error e = {0};
    if (wfm_config_parse(cfg_json, strlen(cfg_json), &c, &e)) return NULL;
    size_t n = wfm_config_tensor_count(&c), got = 0;
    wfm_tensor_spec *specs = malloc(n * sizeof *specs);
    CHECK(wfm_config_expected_tensors(&c, specs, n, &got, &e) == WFM_OK && got == n);
    size_t cap = 1 << 20, o = 0;
    char *h = malloc(cap);
    uint64_t off = 0, es = wfm_dtype_size(dtype);
    o += (size_t)snprintf(h + o, cap - o, "{\"__metadata__\":{\"wearfm.config\":\"");
    for (const char *p = cfg_json; *p; p++) { /* embed as a JSON string */
        if (*p == '"' || *p == '\\') h[o++] = '\\';
        h[o++] = *p;
    }
    o += (size_t)snprintf(h + o, cap - o, "\"}");
    for (size_t i = 0; i < n; i++) {
        if (skip && !strcmp(specs[i].name, skip)) continue;
        uint64_t numel = 1;
        o += (size_t)snprintf(h + o, cap - o, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", specs[i].name,
                              wfm_dtype_name(dtype));
        for (int d = 0; d < specs[i].ndim; d++) {
            o += (size_t)snprintf(h + o, cap - o, "%s%llu", d ? "," : "", (unsigned long long)specs[i].shape[d]);
            numel *= specs[i].shape[d];
        }
        o += (size_t)snprintf(h + o, cap - o, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                              (unsigned long long)(off + numel * es));
        off += numel * es;
    }
    if (extra_tensor) {
        o += (size_t)snprintf(h + o, cap - o, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%llu,%llu]}",
                              extra_tensor, (unsigned long long)off, (unsigned long long)off + 4);
        off += 4;
    }
    snprintf(h + o, cap - o, "}");
    uint8_t *buf = build(h, (size_t)off, out_len);
    free(h);
    free(specs);
    wfm_config_free(&c);
    return buf;
}

/* Parse a model file the way the loader does: header, config, tensors. */
static wfm_status load(const uint8_t *buf, size_t len, wfm_error *e) {
    wfm_st_file f;
    wfm_config c;
    wfm_status st = wfm_st_parse_buffer(buf, len, &f, e);
    if (st) return st;
    const char *js = wfm_st_metadata(&f, "wearfm.config");
    st = js ? wfm_config_parse(js, strlen(js), &c, e) : wfm_fail(e, WFM_ERR_CONFIG, "no config");
    if (!st) {
        st = wfm_config_check_tensors(&c, &f, e);
        wfm_config_free(&c);
    }
    wfm_st_free(&f);
    return st;
}

TEST(expected_tensors) {
    wfm_config c;
    wfm_error e = {0};
    CHECK(wfm_config_parse(good_config, strlen(good_config), &c, &e) == WFM_OK);
    size_t n = wfm_config_tensor_count(&c), got = 0;
    CHECK(n == 2 + 12 + 2 + 3 + 12 + 2 + 2);
    wfm_tensor_spec specs[64];
    CHECK(wfm_config_expected_tensors(&c, specs, n - 1, &got, &e) == WFM_ERR_INVALID_ARG && e.message[0]);
    CHECK(wfm_config_expected_tensors(&c, specs, 64, &got, &e) == WFM_OK && got == n);
    CHECK(!strcmp(specs[0].name, "patch_embed.weight") && specs[0].ndim == 2 && specs[0].shape[0] == 8 &&
          specs[0].shape[1] == 10);
    CHECK(!strcmp(specs[1].name, "patch_embed.bias") && specs[1].ndim == 1 && specs[1].shape[0] == 8);
    CHECK(!strcmp(specs[4].name, "encoder.layers.0.attn.qkv.weight") && specs[4].shape[0] == 24 &&
          specs[4].shape[1] == 8);
    CHECK(!strcmp(specs[10].name, "encoder.layers.0.mlp.fc1.weight") && specs[10].shape[0] == 16 &&
          specs[10].shape[1] == 8);
    CHECK(!strcmp(specs[12].name, "encoder.layers.0.mlp.fc2.weight") && specs[12].shape[0] == 8 &&
          specs[12].shape[1] == 16);
    CHECK(!strcmp(specs[14].name, "encoder.norm.weight"));
    CHECK(!strcmp(specs[16].name, "decoder.embed.weight") && specs[16].shape[0] == 8 && specs[16].shape[1] == 8);
    CHECK(!strcmp(specs[18].name, "decoder.mask_token") && specs[18].ndim == 1);
    CHECK(!strcmp(specs[n - 2].name, "decoder.head.weight") && specs[n - 2].shape[0] == 10 &&
          specs[n - 2].shape[1] == 8);
    CHECK(!strcmp(specs[n - 1].name, "decoder.head.bias") && specs[n - 1].shape[0] == 10);
    wfm_config_free(&c);
    const char *enc_only = CFG_BODY("");
    CHECK(wfm_config_parse(enc_only, strlen(enc_only), &c, &e) == WFM_OK);
    CHECK(wfm_config_tensor_count(&c) == 16);
    wfm_config_free(&c);
}

TEST(model_files) {
    size_t len;
    wfm_error e = {0};
    for (int dt = 0; dt < 3; dt++) {
        uint8_t *buf = build_model(good_config, (wfm_dtype)dt, NULL, NULL, &len);
        CHECK_MSG(buf && load(buf, len, &e) == WFM_OK, "%s: %s", wfm_dtype_name((wfm_dtype)dt), e.message);
        free(buf);
    }
    uint8_t *buf = build_model(good_config, WFM_DTYPE_F32, "encoder.layers.1.norm1.weight", NULL, &len);
    CHECK(rejected(load(buf, len, &e), &e, WFM_ERR_FORMAT, "unexpected tensor 'encoder.layers.1.norm1.weight'"));
    free(buf);
    buf = build_model(good_config, WFM_DTYPE_F32, NULL, "decoder.mask_token", &len);
    CHECK(rejected(load(buf, len, &e), &e, WFM_ERR_FORMAT, "missing tensor 'decoder.mask_token'"));
    free(buf);
    /* The file's weights fit a bigger decoder than its config says. */
    const char *small = "{" HEAD ",\"channels\":[" CH0 "," CH1 "]," ENC
                        ",\"decoder\":{\"dim\":4,\"layers\":1,\"heads\":2,\"mlp_dim\":16}}";
    wfm_config c;
    CHECK(wfm_config_parse(small, strlen(small), &c, &e) == WFM_OK);
    buf = build_model(good_config, WFM_DTYPE_F32, NULL, NULL, &len);
    wfm_st_file f;
    CHECK(wfm_st_parse_buffer(buf, len, &f, &e) == WFM_OK);
    CHECK(rejected(wfm_config_check_tensors(&c, &f, &e), &e, WFM_ERR_FORMAT,
                   "tensor 'decoder.embed.weight': shape [8, 8] does not match the config (expected [4, 8])"));
    wfm_st_free(&f);
    wfm_config_free(&c);
    free(buf);
    /* An encoder-only config rejects a file with decoder weights. */
    const char *enc_only = CFG_BODY("");
    CHECK(wfm_config_parse(enc_only, strlen(enc_only), &c, &e) == WFM_OK);
    buf = build_model(good_config, WFM_DTYPE_F32, NULL, NULL, &len);
    CHECK(wfm_st_parse_buffer(buf, len, &f, &e) == WFM_OK);
    CHECK(rejected(wfm_config_check_tensors(&c, &f, &e), &e, WFM_ERR_FORMAT, "unexpected tensor 'decoder."));
    wfm_st_free(&f);
    wfm_config_free(&c);
    free(buf);
}

int main(int argc, char **argv) {
    verbose = argc > 1 && !strcmp(argv[1], "-v");
    RUN(json_rejects_malformed);
    RUN(json_depth_limit);
    RUN(json_values);
    RUN(json_int64_exactness);
    RUN(json_quote);
    RUN(header_length);
    RUN(header_valid);
    RUN(header_malformed);
    RUN(truncated_files);
    RUN(f16_exhaustive);
    RUN(f16_rounding);
    RUN(bf16);
    RUN(to_f32_little_endian);
    RUN(config_valid);
    RUN(config_v2_semantics);
    RUN(config_invalid);
    RUN(expected_tensors);
    RUN(model_files);
    return TEST_SUMMARY();
}
