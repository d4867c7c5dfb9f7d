/* Row loads and stores of the 4x8 wasm GEMM tiles (a row is two f32x4
 * halves), shared by the SIMD128 and relaxed-SIMD microkernels of this
 * folder: partial rows never touch memory past the row's last column. */
#ifndef WFM_F32_GEMM_WASM_ROWS_H
#define WFM_F32_GEMM_WASM_ROWS_H
#include <stddef.h>
#include <wasm_simd128.h>

enum { WFM_WASM_NR = 8 };

/* The first n (<= 4) floats at p, zero filled; never reads past p[n-1]. */
static inline v128_t load_upto4(const float *p, size_t n) {
    switch (n) {
    case 0: return wasm_f32x4_splat(0.0f);
    case 1: return wasm_v128_load32_zero(p);
    case 2: return wasm_v128_load64_zero(p);
    case 3: return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
    default: return wasm_v128_load(p);
    }
}

static inline void store_upto4(float *p, size_t n, v128_t v) {
    switch (n) {
    case 0: break;
    case 1: wasm_v128_store32_lane(p, v, 0); break;
    case 2: wasm_v128_store64_lane(p, v, 0); break;
    case 3: wasm_v128_store64_lane(p, v, 0); wasm_v128_store32_lane(p + 2, v, 2); break;
    default: wasm_v128_store(p, v); break;
    }
}

/* One row of up to 8 columns. */
static inline void load_row(const float *p, size_t nc, v128_t *lo, v128_t *hi) {
    if (nc == WFM_WASM_NR) {
        *lo = wasm_v128_load(p);
        *hi = wasm_v128_load(p + 4);
    } else {
        *lo = load_upto4(p, nc < 4 ? nc : 4);
        *hi = load_upto4(p + 4, nc > 4 ? nc - 4 : 0);
    }
}

static inline void store_row(float *p, size_t nc, v128_t lo, v128_t hi) {
    if (nc == WFM_WASM_NR) {
        wasm_v128_store(p, lo);
        wasm_v128_store(p + 4, hi);
    } else {
        store_upto4(p, nc < 4 ? nc : 4, lo);
        store_upto4(p + 4, nc > 4 ? nc - 4 : 0, hi);
    }
}

#endif
