/* y = exp(x - max), returning the sum of y. AVX2 + FMA (x86-64): compiled
 * alone with -mavx2 -mfma; dispatch.c selects it only after a CPUID and XCR0
 * check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx2_fma_math.h"

float wfm_f32_raddstoreexpminusmax_ukernel_u8__avx2_fma(size_t n, const float *x, float max,
                                                        float *y) {
    const __m256 vmax = _mm256_set1_ps(max);
    __m256 vsum = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 f = wfm_avx2_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(y + i, f);
        vsum = _mm256_add_ps(vsum, f);
    }
    if (i < n) { /* masked tail: masked-off lanes load 0 and are dropped */
        const __m256i mk = wfm_avx2_lane_mask(n - i);
        __m256 f = wfm_avx2_exp8(_mm256_sub_ps(_mm256_maskload_ps(x + i, mk), vmax));
        f = _mm256_and_ps(f, _mm256_castsi256_ps(mk));
        _mm256_maskstore_ps(y + i, mk, f);
        vsum = _mm256_add_ps(vsum, f);
    }
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(vsum), _mm256_extractf128_ps(vsum, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
