/* x = GELU(x), the exact erf form (kernels/gelu_poly.h). AVX-512F (x86-64):
 * compiled alone with -mavx512f -mfma; dispatch.c selects it only after a
 * CPUID and XCR0 check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx512f_math.h"
#include "kernels/gelu_poly.h"

/* gelu_poly.h's formula on 16 lanes. */
static inline __m512 gelu16(__m512 v) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 a = _mm512_mul_ps(_mm512_abs_ps(v), _mm512_set1_ps(WFM_GELU_INV_SQRT2));
    const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(WFM_ERF_P), a, one));
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(WFM_ERF_A5), t, _mm512_set1_ps(WFM_ERF_A4));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(WFM_ERF_A3));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(WFM_ERF_A2));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(WFM_ERF_A1));
    const __m512 p = _mm512_mul_ps(q, t);
    const __m512 erf_abs = _mm512_fnmadd_ps(p, wfm_avx512_exp16(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a))), one);
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u));
    const __m512 erf = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(erf_abs), sign));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, erf));
}

void wfm_f32_vgelu_ukernel_u16__avx512f(float *x, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, gelu16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 mk = wfm_avx512_lane_mask(n - i);
        _mm512_mask_storeu_ps(x + i, mk, gelu16(_mm512_maskz_loadu_ps(mk, x + i)));
    }
}
