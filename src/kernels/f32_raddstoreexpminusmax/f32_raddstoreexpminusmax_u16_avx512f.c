/* y = exp(x - max), returning the sum of y. AVX-512F (x86-64): compiled alone
 * with -mavx512f -mfma; dispatch.c selects it only after a CPUID and XCR0
 * check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx512f_math.h"

float wfm_f32_raddstoreexpminusmax_ukernel_u16__avx512f(size_t n, const float *x, float max,
                                                        float *y) {
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 vsum = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 f = wfm_avx512_exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        _mm512_storeu_ps(y + i, f);
        vsum = _mm512_add_ps(vsum, f);
    }
    if (i < n) { /* masked tail: masked-off lanes are dropped */
        const __mmask16 mk = wfm_avx512_lane_mask(n - i);
        const __m512 f = _mm512_maskz_mov_ps(mk, wfm_avx512_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), vmax)));
        _mm512_mask_storeu_ps(y + i, mk, f);
        vsum = _mm512_add_ps(vsum, f);
    }
    return _mm512_reduce_add_ps(vsum);
}
