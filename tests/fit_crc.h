/* The FIT CRC-16, written apart from src/data/fit.c's so that the files the test
 * and the fuzz target build (tests/test_fit.c, fuzz/fuzz_fit.c) check the
 * decoder rather than repeat it. */
#ifndef WFM_TEST_FIT_CRC_H
#define WFM_TEST_FIT_CRC_H
#include <stddef.h>
#include <stdint.h>

static uint16_t crc16(const uint8_t *p, size_t n) {
    static const uint16_t t[16] = {0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                                   0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400};
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t x = t[c & 0xF];
        c = (uint16_t)(((c >> 4) & 0x0FFF) ^ x ^ t[p[i] & 0xF]);
        x = t[c & 0xF];
        c = (uint16_t)(((c >> 4) & 0x0FFF) ^ x ^ t[(p[i] >> 4) & 0xF]);
    }
    return c;
}

#endif
