/* Inline helpers shared by the AVX2 + FMA microkernels; only files compiled
 * with -mavx2 -mfma include this. */
#ifndef WFM_AVX2_FMA_MATH_H
#define WFM_AVX2_FMA_MATH_H
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include "kernels/exp_poly.h"

/* A mask of the first n (<= 8) lanes: loading 8 ints at table + 8 - n. */
static inline __m256i wfm_avx2_lane_mask(size_t n) {
    static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(table + 8 - n));
}

/* exp_poly.h's algorithm on 8 lanes. */
static inline __m256 wfm_avx2_exp8(__m256 x) {
    const __m256 bias = _mm256_set1_ps(WFM_EXP_MAGIC_BIAS);
    __m256 n = _mm256_fmadd_ps(x, _mm256_set1_ps(WFM_EXP_LOG2E), bias);
    const __m256 s = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(n), 23));
    n = _mm256_sub_ps(n, bias);
    __m256 t = _mm256_fmadd_ps(n, _mm256_set1_ps(WFM_EXP_MINUS_LN2_HI), x);
    t = _mm256_fmadd_ps(n, _mm256_set1_ps(WFM_EXP_MINUS_LN2_LO), t);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(WFM_EXP_C5), t, _mm256_set1_ps(WFM_EXP_C4));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(WFM_EXP_C3));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(WFM_EXP_C2));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(WFM_EXP_C1));
    t = _mm256_mul_ps(t, s);
    const __m256 f = _mm256_fmadd_ps(t, p, s);
    const __m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(WFM_EXP_CUTOFF), _CMP_LT_OQ);
    return _mm256_andnot_ps(under, f);
}
#endif
