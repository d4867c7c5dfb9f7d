/* libFuzzer target for the fill-bands loader (src/model/fill_bands.c): the
 * CLI and the page read a .fill-bands.json beside the model, so any bytes
 * given to wfm_fill_bands_load must load or fail cleanly with a message. A
 * file that loads must give, for a window with gaps, low <= high around the
 * fill of missing minutes only.
 *
 * A file is bound to its model by the weights hash, which the fuzzer cannot
 * guess: "@HASH@" in the input is replaced by the hash of the small model
 * built here, so the rest of the file can be explored. Seeds:
 * fuzz/corpus_fill_bands; dictionary: fuzz/fill_bands.dict. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"
#include "../tests/model_builder.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)
enum { T = 60, C = 2 };

static wfm_model *model(void) {
    static wfm_model *m;
    if (!m) {
        size_t size;
        mb_config mc = {.T = T, .P = 10, .C = C, .de = 8, .le = 1, .he = 2, .me = 16};
        uint8_t *buf = mb_build(&mc, 1, &size);
        REQUIRE(buf && wfm_model_load_buffer(buf, size, NULL, &m, NULL) == WFM_OK);
        free(buf);
    }
    return m;
}

/* The input with every "@HASH@" replaced by the model's hash. */
static char *with_hash(const uint8_t *data, size_t size, size_t *out_len) {
    const char *h = wfm_model_weights_hash(model());
    size_t hl = strlen(h), cap = size + 1 + (size / 6 + 1) * hl, n = 0;
    char *s = malloc(cap);
    REQUIRE(s);
    for (size_t i = 0; i < size;) {
        if (size - i >= 6 && !memcmp(data + i, "@HASH@", 6)) { memcpy(s + n, h, hl); n += hl; i += 6; }
        else s[n++] = (char)data[i++];
    }
    *out_len = n;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t len;
    char *text = with_hash(data, size, &len);
    wfm_fill_bands *b = (wfm_fill_bands *)1;
    wfm_error err;
    memset(&err, 0, sizeof err);
    wfm_status st = wfm_fill_bands_load(model(), text, len, &b, &err);
    free(text);
    if (st) {
        REQUIRE(b == NULL && err.status == st && err.message[0] && memchr(err.message, 0, sizeof err.message));
        return 0;
    }
    double cov = wfm_fill_bands_coverage(b);
    REQUIRE(cov > 0 && cov < 1);
    float x[T * C], fill[T * C], lo[T * C], hi[T * C];
    for (int t = 0; t < T; t++)
        for (int c = 0; c < C; c++) {
            x[t * C + c] = (t % 17 == 3 || (c == 1 && t < 5)) ? 60.0f + t : NAN;
            fill[t * C + c] = 60.0f + t;
        }
    REQUIRE(wfm_fill_bands_window(b, x, fill, lo, hi, NULL) == WFM_OK);
    for (int i = 0; i < T * C; i++) {
        REQUIRE(isnan(lo[i]) == isnan(hi[i]));
        if (!isnan(lo[i])) REQUIRE(isnan(x[i]) && lo[i] <= hi[i] && wfm_fill_bands_has_channel(b, i % C));
    }
    wfm_fill_bands_free(b);
    return 0;
}
