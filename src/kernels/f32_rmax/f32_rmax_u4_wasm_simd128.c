/* max(x[0..n-1]). WebAssembly SIMD128 (WASI and web builds). */
#include <wasm_simd128.h>
#include "kernels/kernels.h"

float wfm_f32_rmax_ukernel_u4__wasm_simd128(size_t n, const float *x) {
    v128_t vm = wasm_f32x4_splat(x[0]);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(x + i));
    float r = wasm_f32x4_extract_lane(vm, 0);
    float l1 = wasm_f32x4_extract_lane(vm, 1), l2 = wasm_f32x4_extract_lane(vm, 2),
          l3 = wasm_f32x4_extract_lane(vm, 3);
    r = l1 > r ? l1 : r;
    r = l2 > r ? l2 : r;
    r = l3 > r ? l3 : r;
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}
