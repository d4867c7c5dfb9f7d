/* The 4x8 wasm f32 GEMM microkernel, written once for the SIMD128 and the
 * relaxed-SIMD files of this folder, which differ only in the multiply-add.
 * A file defines, then includes this (XNNPACK generates such files from
 * one template; we include it):
 *   WFM_GEMM_4X8_WASM_NAME          the microkernel's name
 *   WFM_GEMM_4X8_WASM_MADD(a, b, c) a * b + c on f32x4
 * Row loads and stores never touch memory past a row's last column. */
#include <stddef.h>
#include <wasm_simd128.h>
#include "kernels/kernels.h"

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

void WFM_GEMM_4X8_WASM_NAME(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride, const float *b,
                            const float *bias, float *c, size_t c_stride, int accumulate) {
    const float *a0 = a;
    const float *a1 = m > 1 ? a0 + a_stride : a0;
    const float *a2 = m > 2 ? a1 + a_stride : a1;
    const float *a3 = m > 3 ? a2 + a_stride : a2;
    float *c0 = c;
    float *c1 = m > 1 ? c0 + c_stride : c0;
    float *c2 = m > 2 ? c1 + c_stride : c1;
    float *c3 = m > 3 ? c2 + c_stride : c2;

    v128_t v00, v01, v10, v11, v20, v21, v30, v31;
    if (accumulate) {
        load_row(c0, nc, &v00, &v01);
        load_row(c1, nc, &v10, &v11);
        load_row(c2, nc, &v20, &v21);
        load_row(c3, nc, &v30, &v31);
    } else {
        if (bias) load_row(bias, nc, &v00, &v01);
        else v00 = v01 = wasm_f32x4_splat(0.0f);
        v10 = v20 = v30 = v00;
        v11 = v21 = v31 = v01;
    }

    /* Deliberately not unrolled: unrolled by clang or by hand, V8 (Node 20)
     * spills accumulators and drops from ~39 to ~31 GFLOP/s on Zen 4. */
    for (; kc != 0; kc--) {
        const v128_t b0 = wasm_v128_load(b);
        const v128_t b1 = wasm_v128_load(b + 4);
        b += WFM_WASM_NR;
        v128_t va;
        va = wasm_v128_load32_splat(a0++);
        v00 = WFM_GEMM_4X8_WASM_MADD(va, b0, v00);
        v01 = WFM_GEMM_4X8_WASM_MADD(va, b1, v01);
        va = wasm_v128_load32_splat(a1++);
        v10 = WFM_GEMM_4X8_WASM_MADD(va, b0, v10);
        v11 = WFM_GEMM_4X8_WASM_MADD(va, b1, v11);
        va = wasm_v128_load32_splat(a2++);
        v20 = WFM_GEMM_4X8_WASM_MADD(va, b0, v20);
        v21 = WFM_GEMM_4X8_WASM_MADD(va, b1, v21);
        va = wasm_v128_load32_splat(a3++);
        v30 = WFM_GEMM_4X8_WASM_MADD(va, b0, v30);
        v31 = WFM_GEMM_4X8_WASM_MADD(va, b1, v31);
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    store_row(c3, nc, v30, v31);
    store_row(c2, nc, v20, v21);
    store_row(c1, nc, v10, v11);
    store_row(c0, nc, v00, v01);
}
