/* max(x[0..n-1]). AVX2 + FMA (x86-64): compiled alone with -mavx2 -mfma;
 * dispatch.c selects it only after a CPUID and XCR0 check. */
#include <immintrin.h>
#include "kernels/kernels.h"

float wfm_f32_rmax_ukernel_u8__avx2_fma(size_t n, const float *x) {
    __m256 vm = _mm256_set1_ps(x[0]);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    float r = _mm_cvtss_f32(m);
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}
