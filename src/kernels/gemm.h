/* Single-precision GEMM for the transformer: C = A * B (+ bias) (+ C).
 *
 * A is row-major and read in place (no packing), as in XNNPACK's f32 GEMM.
 * B is packed once into panels of `nr` columns: panel j holds, for each
 * k = 0..K-1, the nr values B[k][j*nr .. j*nr+nr-1] (zero padded), so a
 * microkernel streams it contiguously. Weights are packed at load time.
 *
 * One portable outer layer (gemm.c) blocks and threads the work; only the
 * microkernels (kernels/gemm_<isa>.c) are ISA-specific. */
#ifndef WFM_GEMM_H
#define WFM_GEMM_H
#include <stddef.h>
#include "platform/threadpool.h"

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
    const char *name;     /* "scalar", "avx2_fma", "avx512f", "wasm_simd128" */
    int mr, nr;
    wfm_gemm_ukernel_fn gemm;
    wfm_expminusmax_fn expminusmax;
    wfm_rmax_fn rmax;
    wfm_gelu_fn gelu;
} wfm_kernels;

/* The kernel sets, defined in kernels/gemm_<isa>.c. Only those built in
 * exist; call them through wfm_kernels_by_name(), which checks the CPU. */
extern const wfm_kernels wfm_kernels_scalar;
extern const wfm_kernels wfm_kernels_avx2_fma;
extern const wfm_kernels wfm_kernels_avx512f;
extern const wfm_kernels wfm_kernels_wasm_simd128;

/* The best kernel set for this CPU (runtime detection on x86-64). */
const wfm_kernels *wfm_kernels_best(void);
/* A kernel set by name, or NULL if not built in or not supported by the CPU. */
const wfm_kernels *wfm_kernels_by_name(const char *name);
/* NULL-terminated list of kernel sets available on this CPU. */
const wfm_kernels *const *wfm_kernels_available(void);

/* Packed size in floats of a K x N B operand. */
size_t wfm_gemm_packed_size(const wfm_kernels *kr, size_t n, size_t k);
/* B given as N x K row-major (PyTorch Linear weight, attention keys). */
void wfm_gemm_pack_nt(const wfm_kernels *kr, const float *b, size_t ldb,
                      size_t n, size_t k, float *packed);
/* B given as K x N row-major (attention values). */
void wfm_gemm_pack_nn(const wfm_kernels *kr, const float *b, size_t ldb,
                      size_t k, size_t n, float *packed);

/* Low level, single thread: B as panels with a given distance between
 * consecutive panels (in floats), kc rows used from each. Lets attention run
 * a tile of keys out of a whole packed head. */
void wfm_gemm_panels(const wfm_kernels *kr, size_t m, size_t n, size_t kc,
                     const float *a, size_t lda,
                     const float *bp, size_t panel_stride,
                     const float *bias, float *c, size_t ldc, int accumulate);

/* Full GEMM with a packed B from wfm_gemm_pack_*: blocked for cache and
 * split over the pool's threads. pool may be NULL. */
void wfm_gemm(const wfm_kernels *kr, wfm_pool *pool, size_t m, size_t n, size_t k,
              const float *a, size_t lda, const float *packed,
              const float *bias, float *c, size_t ldc, int accumulate);

#endif
