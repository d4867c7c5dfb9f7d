/* Inline helpers shared by the WebAssembly SIMD128 microkernels. */
#ifndef WFM_WASM_SIMD128_MATH_H
#define WFM_WASM_SIMD128_MATH_H
#include <wasm_simd128.h>
#include "kernels/exp_poly.h"

/* exp_poly.h's algorithm on 4 lanes. */
static inline v128_t wfm_wasm_exp4(v128_t x) {
    const v128_t bias = wasm_f32x4_splat(WFM_EXP_MAGIC_BIAS);
    v128_t n = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(WFM_EXP_LOG2E)), bias);
    const v128_t s = wasm_i32x4_shl(n, 23);
    n = wasm_f32x4_sub(n, bias);
    v128_t t = wasm_f32x4_add(wasm_f32x4_mul(n, wasm_f32x4_splat(WFM_EXP_MINUS_LN2_HI)), x);
    t = wasm_f32x4_add(wasm_f32x4_mul(n, wasm_f32x4_splat(WFM_EXP_MINUS_LN2_LO)), t);
    v128_t p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(WFM_EXP_C5), t),
                              wasm_f32x4_splat(WFM_EXP_C4));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C1));
    t = wasm_f32x4_mul(t, s);
    const v128_t f = wasm_f32x4_add(wasm_f32x4_mul(t, p), s);
    const v128_t under = wasm_f32x4_lt(x, wasm_f32x4_splat(WFM_EXP_CUTOFF));
    return wasm_v128_andnot(f, under);
}
#endif
