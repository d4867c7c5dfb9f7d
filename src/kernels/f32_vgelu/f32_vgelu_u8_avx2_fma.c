/* x = GELU(x), the exact erf form (kernels/gelu_poly.h). AVX2 + FMA (x86-64):
 * compiled alone with -mavx2 -mfma; dispatch.c selects it only after a CPUID
 * and XCR0 check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx2_fma_math.h"
#include "kernels/gelu_poly.h"

/* gelu_poly.h's formula on 8 lanes. */
static inline __m256 gelu8(__m256 v) {
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    const __m256 a = _mm256_mul_ps(_mm256_andnot_ps(sign, v), _mm256_set1_ps(WFM_GELU_INV_SQRT2));
    const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(WFM_ERF_P), a, one));
    __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(WFM_ERF_A5), t, _mm256_set1_ps(WFM_ERF_A4));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(WFM_ERF_A3));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(WFM_ERF_A2));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(WFM_ERF_A1));
    const __m256 p = _mm256_mul_ps(q, t);
    const __m256 erf_abs = _mm256_fnmadd_ps(p, wfm_avx2_exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a))), one);
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const __m256 erf = _mm256_xor_ps(erf_abs, _mm256_and_ps(v, sign));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, erf));
}

void wfm_f32_vgelu_ukernel_u8__avx2_fma(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}
