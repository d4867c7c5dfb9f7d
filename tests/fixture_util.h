/* Helpers shared by the fixture tests (test_fixtures.c, test_waveform_fixtures.c). */
#ifndef WFM_TEST_FIXTURE_UTIL_H
#define WFM_TEST_FIXTURE_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The byte offset of element `index` of F32 tensor `name` in a safetensors
 * image, or 0 if not found: where a test pokes a weight. */
static size_t element_offset(const unsigned char *file, size_t size, const char *name, size_t index) {
    uint64_t hl = 0;
    for (int b = 0; b < 8; b++) hl |= (uint64_t)file[b] << (8 * b);
    if (8 + hl > size) return 0;
    char *hdr = malloc((size_t)hl + 1), key[160];
    memcpy(hdr, file + 8, (size_t)hl);
    hdr[hl] = 0;
    snprintf(key, sizeof key, "\"%s\"", name);
    const char *at = strstr(hdr, key), *offs = at ? strstr(at, "\"data_offsets\"") : NULL;
    unsigned long long begin = 0, end = 0;
    size_t pos = 0;
    if (offs && sscanf(offs, "\"data_offsets\": [%llu, %llu]", &begin, &end) == 2 && begin + 4 * index + 4 <= end)
        pos = 8 + (size_t)hl + (size_t)begin + 4 * index;
    free(hdr);
    return pos;
}

#endif
