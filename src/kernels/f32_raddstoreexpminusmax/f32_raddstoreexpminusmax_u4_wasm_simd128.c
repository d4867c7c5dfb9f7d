/* y = exp(x - max), returning the sum of y. WebAssembly SIMD128 (WASI and web
 * builds). */
#include <wasm_simd128.h>
#include "kernels/kernels.h"
#include "kernels/wasm_simd128_math.h"
#include "kernels/exp_poly.h"

float wfm_f32_raddstoreexpminusmax_ukernel_u4__wasm_simd128(size_t n, const float *x,
                                                            float max, float *y) {
    const v128_t vmax = wasm_f32x4_splat(max);
    v128_t vsum = wasm_f32x4_splat(0.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t f = wfm_wasm_exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vmax));
        wasm_v128_store(y + i, f);
        vsum = wasm_f32x4_add(vsum, f);
    }
    float sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) +
                wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3);
    for (; i < n; i++) { /* same polynomial, scalar */
        y[i] = wfm_exp_poly(x[i] - max);
        sum += y[i];
    }
    return sum;
}
