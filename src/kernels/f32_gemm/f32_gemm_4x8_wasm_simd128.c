/* f32 GEMM microkernel, 4x8 tile. WebAssembly SIMD128 (WASI and web builds):
 * a multiply and an add per product. */
#define WFM_GEMM_4X8_WASM_NAME wfm_f32_gemm_ukernel_4x8__wasm_simd128
#define WFM_GEMM_4X8_WASM_MADD(a, b, c) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#include "kernels/f32_gemm/f32_gemm_4x8_wasm.inc.h"
