/* max(x[0..n-1]). AVX-512F (x86-64): compiled alone with -mavx512f -mfma;
 * dispatch.c selects it only after a CPUID and XCR0 check. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx512f_math.h"

float wfm_f32_rmax_ukernel_u16__avx512f(size_t n, const float *x) {
    __m512 vm = _mm512_set1_ps(x[0]);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(x + i));
    if (i < n) vm = _mm512_mask_max_ps(vm, wfm_avx512_lane_mask(n - i), vm, _mm512_maskz_loadu_ps(wfm_avx512_lane_mask(n - i), x + i));
    return _mm512_reduce_max_ps(vm);
}
