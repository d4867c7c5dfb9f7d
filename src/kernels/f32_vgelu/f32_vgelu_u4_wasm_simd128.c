/* x = GELU(x), the exact erf form (kernels/gelu_poly.h). WebAssembly SIMD128
 * (WASI and web builds). */
#include <wasm_simd128.h>
#include "kernels/kernels.h"
#include "kernels/wasm_simd128_math.h"
#include "kernels/gelu_poly.h"

/* gelu_poly.h's formula on 4 lanes. */
static inline v128_t gelu4(v128_t v) {
    const v128_t one = wasm_f32x4_splat(1.0f);
    const v128_t a = wasm_f32x4_mul(wasm_f32x4_abs(v), wasm_f32x4_splat(WFM_GELU_INV_SQRT2));
    const v128_t t = wasm_f32x4_div(one, wasm_f32x4_add(one, wasm_f32x4_mul(wasm_f32x4_splat(WFM_ERF_P), a)));
    v128_t q = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(WFM_ERF_A5), t), wasm_f32x4_splat(WFM_ERF_A4));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A2));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A1));
    const v128_t p = wasm_f32x4_mul(q, t);
    const v128_t erf_abs = wasm_f32x4_sub(one, wasm_f32x4_mul(p, wfm_wasm_exp4(wasm_f32x4_neg(wasm_f32x4_mul(a, a)))));
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const v128_t erf = wasm_v128_xor(erf_abs, wasm_v128_and(v, wasm_f32x4_splat(-0.0f)));
    return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), wasm_f32x4_add(one, erf));
}

void wfm_f32_vgelu_ukernel_u4__wasm_simd128(float *x, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, gelu4(wasm_v128_load(x + i)));
    for (; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}
