/* f32 GEMM microkernel, 4x8 tile. WebAssembly relaxed SIMD: f32x4.relaxed_madd
 * is one fused multiply-add where the engine has FMA (V8 and wasmtime on x86-64
 * with FMA, arm64), else a multiply and an add, so results may differ from the
 * SIMD128 kernel in the last bit of each product-sum (README.md,
 * "Relaxed SIMD"). Built only into the wasi-relaxed binary (clang >= 19). */
#define WFM_GEMM_4X8_WASM_NAME wfm_f32_gemm_ukernel_4x8__wasm_relaxedsimd
#define WFM_GEMM_4X8_WASM_MADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#include "kernels/f32_gemm/f32_gemm_4x8_wasm.inc.h"
