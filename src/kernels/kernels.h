/* The microkernels and the kernel sets that group them, XNNPACK-style.
 *
 * Each microkernel lives in its own file, named by operation, tile and ISA:
 * f32_gemm/f32_gemm_6x16_avx2_fma.c defines
 * wfm_f32_gemm_ukernel_6x16__avx2_fma. The build compiles a file only for the
 * targets that run its ISA, with that ISA's flags (cmake/kernels.cmake picks
 * them by the file name's ISA suffix). A kernel set (one per ISA) bundles the
 * four operations the model needs; dispatch.c holds the sets and picks the
 * best one this CPU runs. tests/test_gemm.c and tests/test_ops.c check every
 * set built in against the scalar reference. */
#ifndef WFM_KERNELS_H
#define WFM_KERNELS_H
#include <stddef.h>

/* C[m x nc] = (accumulate ? C : bias-or-zero) + A[m x kc] * Bpanel[kc x nc]
 * for m <= mr rows and nc <= nr columns. `a` rows are a_stride floats apart,
 * `c` rows are c_stride floats apart, `b` is one packed panel (kc rows of nr).
 * bias (nullable, nc values) is used only when accumulate == 0. */
typedef void (*wfm_gemm_ukernel_fn)(size_t m, size_t nc, size_t kc,
                                    const float *a, size_t a_stride,
                                    const float *b, const float *bias,
                                    float *c, size_t c_stride, int accumulate);

/* y[i] = exp(x[i] - max) for i < n; returns the sum of y. (XNNPACK's
 * raddstoreexpminusmax.) Used by online-softmax attention. */
typedef float (*wfm_expminusmax_fn)(size_t n, const float *x, float max, float *y);

/* max(x[0..n-1]) for n >= 1 (XNNPACK's rmax). Used by online softmax. */
typedef float (*wfm_rmax_fn)(size_t n, const float *x);

/* x[i] = GELU(x[i]) (exact erf form, kernels/gelu_poly.h) for i < n. */
typedef void (*wfm_gelu_fn)(float *x, size_t n);

typedef struct wfm_kernels {
    const char *name;     /* "scalar", "avx2_fma", "avx512f", "wasm_simd128", "wasm_relaxedsimd" */
    int mr, nr;           /* the GEMM microkernel's tile */
    wfm_gemm_ukernel_fn gemm;
    wfm_expminusmax_fn expminusmax;
    wfm_rmax_fn rmax;
    wfm_gelu_fn gelu;
} wfm_kernels;

/* The microkernels, by ISA. Only those of the target's ISAs are built. */
#define WFM_DECLARE_UKERNELS(gemm_tile, u, isa)                                              \
    void wfm_f32_gemm_ukernel_##gemm_tile##__##isa(size_t m, size_t nc, size_t kc,          \
                                                   const float *a, size_t a_stride,        \
                                                   const float *b, const float *bias,      \
                                                   float *c, size_t c_stride, int accumulate); \
    float wfm_f32_raddstoreexpminusmax_ukernel_##u##__##isa(size_t n, const float *x,      \
                                                            float max, float *y);          \
    float wfm_f32_rmax_ukernel_##u##__##isa(size_t n, const float *x);                      \
    void wfm_f32_vgelu_ukernel_##u##__##isa(float *x, size_t n);

WFM_DECLARE_UKERNELS(4x8, u1, scalar)
WFM_DECLARE_UKERNELS(6x16, u8, avx2_fma)
WFM_DECLARE_UKERNELS(12x32, u16, avx512f)
WFM_DECLARE_UKERNELS(4x8, u4, wasm_simd128)
/* relaxed SIMD: only the GEMM differs (fused multiply-add); the set takes
 * SIMD128's other microkernels */
void wfm_f32_gemm_ukernel_4x8__wasm_relaxedsimd(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride,
                                                const float *b, const float *bias, float *c, size_t c_stride,
                                                int accumulate);

/* The kernel sets, defined in dispatch.c. Only those built in exist; call
 * them through wfm_kernels_by_name(), which checks the CPU. */
extern const wfm_kernels wfm_kernels_scalar;
extern const wfm_kernels wfm_kernels_avx2_fma;
extern const wfm_kernels wfm_kernels_avx512f;
extern const wfm_kernels wfm_kernels_wasm_simd128;
extern const wfm_kernels wfm_kernels_wasm_relaxedsimd;

/* The best kernel set for this CPU (runtime detection on x86-64), or the one
 * WFM_KERNELS names when this CPU runs it. */
const wfm_kernels *wfm_kernels_best(void);
/* A kernel set by name, or NULL if not built in or not supported by the CPU. */
const wfm_kernels *wfm_kernels_by_name(const char *name);
/* NULL-terminated list of kernel sets available on this CPU, best first. */
const wfm_kernels *const *wfm_kernels_available(void);

#endif
