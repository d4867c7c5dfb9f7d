/* f32 GEMM microkernel, 6x16 tile. AVX2 + FMA (x86-64): compiled alone with
 * -mavx2 -mfma; dispatch.c selects it only after a CPUID and XCR0 check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx2_fma_math.h"

enum { MR = 6, NR = 16 };

/* 6x16 tile in 12 ymm accumulators: per k, two loads of B, six broadcasts
 * of A and twelve FMAs. Partial m aliases rows; partial nc uses masks. */
void wfm_f32_gemm_ukernel_6x16__avx2_fma(size_t m, size_t nc, size_t kc, const float *a,
                                         size_t a_stride, const float *b, const float *bias,
                                         float *c, size_t c_stride, int accumulate) {
    const float *a0 = a;
    const float *a1 = m > 1 ? a0 + a_stride : a0;
    const float *a2 = m > 2 ? a1 + a_stride : a1;
    const float *a3 = m > 3 ? a2 + a_stride : a2;
    const float *a4 = m > 4 ? a3 + a_stride : a3;
    const float *a5 = m > 5 ? a4 + a_stride : a4;
    float *c0 = c;
    float *c1 = m > 1 ? c0 + c_stride : c0;
    float *c2 = m > 2 ? c1 + c_stride : c1;
    float *c3 = m > 3 ? c2 + c_stride : c2;
    float *c4 = m > 4 ? c3 + c_stride : c3;
    float *c5 = m > 5 ? c4 + c_stride : c4;

    const int full = nc == NR;
    const __m256i mk0 = wfm_avx2_lane_mask(nc < 8 ? nc : 8);
    const __m256i mk1 = wfm_avx2_lane_mask(nc > 8 ? nc - 8 : 0);
#define LOAD0(p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), mk0))
#define LOAD1(p) (full ? _mm256_loadu_ps((p) + 8) : _mm256_maskload_ps((p) + 8, mk1))

    __m256 v00, v01, v10, v11, v20, v21, v30, v31, v40, v41, v50, v51;
    if (accumulate) {
        v00 = LOAD0(c0); v01 = LOAD1(c0);
        v10 = LOAD0(c1); v11 = LOAD1(c1);
        v20 = LOAD0(c2); v21 = LOAD1(c2);
        v30 = LOAD0(c3); v31 = LOAD1(c3);
        v40 = LOAD0(c4); v41 = LOAD1(c4);
        v50 = LOAD0(c5); v51 = LOAD1(c5);
    } else {
        v00 = bias ? LOAD0(bias) : _mm256_setzero_ps();
        v01 = bias ? LOAD1(bias) : _mm256_setzero_ps();
        v10 = v20 = v30 = v40 = v50 = v00;
        v11 = v21 = v31 = v41 = v51 = v01;
    }
#undef LOAD0
#undef LOAD1

    for (size_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(b);
        const __m256 b1 = _mm256_loadu_ps(b + 8);
        b += NR;
        __m256 va;
        va = _mm256_broadcast_ss(a0 + k);
        v00 = _mm256_fmadd_ps(va, b0, v00); v01 = _mm256_fmadd_ps(va, b1, v01);
        va = _mm256_broadcast_ss(a1 + k);
        v10 = _mm256_fmadd_ps(va, b0, v10); v11 = _mm256_fmadd_ps(va, b1, v11);
        va = _mm256_broadcast_ss(a2 + k);
        v20 = _mm256_fmadd_ps(va, b0, v20); v21 = _mm256_fmadd_ps(va, b1, v21);
        va = _mm256_broadcast_ss(a3 + k);
        v30 = _mm256_fmadd_ps(va, b0, v30); v31 = _mm256_fmadd_ps(va, b1, v31);
        va = _mm256_broadcast_ss(a4 + k);
        v40 = _mm256_fmadd_ps(va, b0, v40); v41 = _mm256_fmadd_ps(va, b1, v41);
        va = _mm256_broadcast_ss(a5 + k);
        v50 = _mm256_fmadd_ps(va, b0, v50); v51 = _mm256_fmadd_ps(va, b1, v51);
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    if (full) {
        _mm256_storeu_ps(c5, v50); _mm256_storeu_ps(c5 + 8, v51);
        _mm256_storeu_ps(c4, v40); _mm256_storeu_ps(c4 + 8, v41);
        _mm256_storeu_ps(c3, v30); _mm256_storeu_ps(c3 + 8, v31);
        _mm256_storeu_ps(c2, v20); _mm256_storeu_ps(c2 + 8, v21);
        _mm256_storeu_ps(c1, v10); _mm256_storeu_ps(c1 + 8, v11);
        _mm256_storeu_ps(c0, v00); _mm256_storeu_ps(c0 + 8, v01);
    } else {
        _mm256_maskstore_ps(c5, mk0, v50); _mm256_maskstore_ps(c5 + 8, mk1, v51);
        _mm256_maskstore_ps(c4, mk0, v40); _mm256_maskstore_ps(c4 + 8, mk1, v41);
        _mm256_maskstore_ps(c3, mk0, v30); _mm256_maskstore_ps(c3 + 8, mk1, v31);
        _mm256_maskstore_ps(c2, mk0, v20); _mm256_maskstore_ps(c2 + 8, mk1, v21);
        _mm256_maskstore_ps(c1, mk0, v10); _mm256_maskstore_ps(c1 + 8, mk1, v11);
        _mm256_maskstore_ps(c0, mk0, v00); _mm256_maskstore_ps(c0 + 8, mk1, v01);
    }
}
