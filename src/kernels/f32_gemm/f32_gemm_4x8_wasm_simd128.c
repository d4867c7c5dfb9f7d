/* f32 GEMM microkernel, 4x8 tile. WebAssembly SIMD128 (WASI and web builds). */
#include <wasm_simd128.h>
#include "kernels/kernels.h"
#include "kernels/f32_gemm/wasm_rows.h"

enum { MR = 4, NR = 8 };

void wfm_f32_gemm_ukernel_4x8__wasm_simd128(size_t m, size_t nc, size_t kc, const float *a,
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

    /* Deliberately not unrolled: unrolled by clang or by hand, V8 (Node 20)
     * spills accumulators and drops from ~39 to ~31 GFLOP/s on Zen 4. */
    for (; kc != 0; kc--) {
        const v128_t b0 = wasm_v128_load(b);
        const v128_t b1 = wasm_v128_load(b + 4);
        b += NR;
        v128_t va;
        va = wasm_v128_load32_splat(a0++);
        v00 = wasm_f32x4_add(v00, wasm_f32x4_mul(va, b0));
        v01 = wasm_f32x4_add(v01, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a1++);
        v10 = wasm_f32x4_add(v10, wasm_f32x4_mul(va, b0));
        v11 = wasm_f32x4_add(v11, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a2++);
        v20 = wasm_f32x4_add(v20, wasm_f32x4_mul(va, b0));
        v21 = wasm_f32x4_add(v21, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a3++);
        v30 = wasm_f32x4_add(v30, wasm_f32x4_mul(va, b0));
        v31 = wasm_f32x4_add(v31, wasm_f32x4_mul(va, b1));
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    store_row(c3, nc, v30, v31);
    store_row(c2, nc, v20, v21);
    store_row(c1, nc, v10, v11);
    store_row(c0, nc, v00, v01);
}
