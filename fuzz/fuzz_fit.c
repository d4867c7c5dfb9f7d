/* libFuzzer target for the FIT decoder (src/data/fit.c). The first byte picks
 * the time options; the rest is the file. The decoder checks both CRCs, so
 * the target also tries the input with its CRCs recomputed (second half of
 * the byte), which lets the fuzzer reach the messages. Any input must give
 * WFM_OK or a clean error; a failed add must add nothing; every sample must
 * be counted by the aggregator, and the table must hold only values the
 * rules keep. */
#include "import_check.h"

#include "../tests/fit_crc.h"

/* Rewrites the header size, the header CRC and the file CRC of a one-file buffer. */
static void fix_crcs(uint8_t *b, size_t n) {
    if (n < 16 || (b[0] != 12 && b[0] != 14)) return;
    size_t hs = b[0], size = n - hs - 2;
    for (int i = 0; i < 4; i++) b[4 + i] = (uint8_t)(size >> (8 * i));
    if (hs == 14) {
        uint16_t h = crc16(b, 12);
        b[12] = (uint8_t)h, b[13] = (uint8_t)(h >> 8);
    }
    uint16_t c = crc16(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    wfm_import_options o = wfm_import_default_options();
    o.fixed_offset = data[0] & 1;
    o.utc_offset_minutes = ((data[0] >> 1) & 7) * 120 - 420;
    size_t n = size - 1;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return 0;
    memcpy(b, data + 1, n);
    if (data[0] & 0x80) fix_crcs(b, n);
    wfm_aggregator *a = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    REQUIRE(wfm_aggregator_create(&a, &err) == WFM_OK);
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    wfm_status st = wfm_fit_add(a, b, n, &o, &c, &err);
    size_t counted = counted_samples(a);
    if (st) {
        REQUIRE(st == WFM_ERR_INVALID_ARG || st == WFM_ERR_NO_MEMORY);
        REQUIRE(err.status == st && err.message[0]);
        REQUIRE(st == WFM_ERR_NO_MEMORY || (!counted && !c.files));
    } else {
        REQUIRE(c.files == 1 && counted == c.samples);
        check_import_table(a, &err);
    }
    wfm_aggregator_free(a);
    free(b);
    return 0;
}
