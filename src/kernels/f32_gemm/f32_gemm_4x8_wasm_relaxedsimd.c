/* f32 GEMM microkernel, 4x8 tile. WebAssembly relaxed SIMD: f32x4.relaxed_madd
 * is one fused multiply-add where the engine has FMA (V8 and wasmtime on x86-64
 * with FMA, arm64), else a multiply and an add, so results may differ from the
 * SIMD128 kernel in the last bit of each product-sum (README.md,
 * "Relaxed SIMD"). Built only into the wasi-relaxed binary (clang >= 19). */
#include <wasm_simd128.h>
#include "kernels/kernels.h"
#include "kernels/f32_gemm/wasm_rows.h"

enum { MR = 4, NR = 8 };

void wfm_f32_gemm_ukernel_4x8__wasm_relaxedsimd(size_t m, size_t nc, size_t kc, const float *a,
                                            size_t a_stride, const float *b, const float *bias,
                                            float *c, size_t c_stride, int accumulate) {
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

    /* Not unrolled, as the SIMD128 kernel (V8 spills accumulators otherwise). */
    for (; kc != 0; kc--) {
        const v128_t b0 = wasm_v128_load(b);
        const v128_t b1 = wasm_v128_load(b + 4);
        b += NR;
        v128_t va;
        va = wasm_v128_load32_splat(a0++);
        v00 = wasm_f32x4_relaxed_madd(va, b0, v00);
        v01 = wasm_f32x4_relaxed_madd(va, b1, v01);
        va = wasm_v128_load32_splat(a1++);
        v10 = wasm_f32x4_relaxed_madd(va, b0, v10);
        v11 = wasm_f32x4_relaxed_madd(va, b1, v11);
        va = wasm_v128_load32_splat(a2++);
        v20 = wasm_f32x4_relaxed_madd(va, b0, v20);
        v21 = wasm_f32x4_relaxed_madd(va, b1, v21);
        va = wasm_v128_load32_splat(a3++);
        v30 = wasm_f32x4_relaxed_madd(va, b0, v30);
        v31 = wasm_f32x4_relaxed_madd(va, b1, v31);
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    store_row(c3, nc, v30, v31);
    store_row(c2, nc, v20, v21);
    store_row(c1, nc, v10, v11);
    store_row(c0, nc, v00, v01);
}
