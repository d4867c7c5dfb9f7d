/* Single-precision GEMM for the transformer: C = A * B (+ bias) (+ C).
 *
 * A is row-major and read in place (no packing), as in XNNPACK's f32 GEMM.
 * B is packed once into panels of `nr` columns: panel j holds, for each
 * k = 0..K-1, the nr values B[k][j*nr .. j*nr+nr-1] (zero padded), so a
 * microkernel streams it contiguously. Weights are packed at load time.
 *
 * One portable outer layer (gemm.c) blocks and threads the work; only the
 * microkernels (kernels/f32_gemm/, kernels.h) are ISA-specific. */
#ifndef WFM_GEMM_H
#define WFM_GEMM_H
#include <stddef.h>
#include "kernels/kernels.h"
#include "platform/threadpool.h"

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
