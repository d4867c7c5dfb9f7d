/* Inline helpers shared by the AVX-512F microkernels; only files compiled
 * with -mavx512f -mfma include this. */
#ifndef WFM_AVX512F_MATH_H
#define WFM_AVX512F_MATH_H
#include <immintrin.h>
#include <stddef.h>
#include "kernels/exp_poly.h"

static inline __mmask16 wfm_avx512_lane_mask(size_t n) { /* first n <= 16 lanes */
    return (__mmask16)(n >= 16 ? 0xFFFFu : ((1u << n) - 1u));
}

/* exp_poly.h's algorithm on 16 lanes (the same operations as the AVX2 and
 * scalar versions, so the sets agree to rounding). */
static inline __m512 wfm_avx512_exp16(__m512 x) {
    const __m512 bias = _mm512_set1_ps(WFM_EXP_MAGIC_BIAS);
    __m512 n = _mm512_fmadd_ps(x, _mm512_set1_ps(WFM_EXP_LOG2E), bias);
    const __m512 s = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(n), 23));
    n = _mm512_sub_ps(n, bias);
    __m512 t = _mm512_fmadd_ps(n, _mm512_set1_ps(WFM_EXP_MINUS_LN2_HI), x);
    t = _mm512_fmadd_ps(n, _mm512_set1_ps(WFM_EXP_MINUS_LN2_LO), t);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(WFM_EXP_C5), t, _mm512_set1_ps(WFM_EXP_C4));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(WFM_EXP_C3));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(WFM_EXP_C2));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(WFM_EXP_C1));
    t = _mm512_mul_ps(t, s);
    const __m512 f = _mm512_fmadd_ps(t, p, s);
    const __mmask16 under = _mm512_cmp_ps_mask(x, _mm512_set1_ps(WFM_EXP_CUTOFF), _CMP_LT_OQ);
    return _mm512_maskz_mov_ps((__mmask16)~under, f);
}
#endif
