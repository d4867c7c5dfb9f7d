/* f32 GEMM microkernel, 12x32 tile. AVX-512F (x86-64): compiled alone with
 * -mavx512f -mfma; dispatch.c selects it only after a CPUID and XCR0 check.
 *
 * Why a second x86 set: on a core with two 512-bit FMA units the AVX2 tile
 * uses half the machine (on the development Xeon, onnxruntime's AVX-512
 * kernels beat it end to end). Where 512-bit FMAs are split in two (some
 * client cores) this set is no faster; `make bench` prints both. */
#include <immintrin.h>
#include "kernels/kernels.h"
#include "kernels/avx512f_math.h"

enum { MR = 12, NR = 32 };

/* 12x32 tile in 24 zmm accumulators: per k, two loads of B, twelve
 * broadcasts of A and 24 FMAs (the 32-register file holds the tile, the two
 * B vectors and a broadcast). Partial m aliases rows; partial nc masks. */
void wfm_f32_gemm_ukernel_12x32__avx512f(size_t m, size_t nc, size_t kc, const float *a,
                                         size_t a_stride, const float *b, const float *bias,
                                         float *c, size_t c_stride, int accumulate) {
    const float *ar[MR];
    float *cr[MR];
    ar[0] = a;
    cr[0] = c;
    for (int i = 1; i < MR; i++) {
        ar[i] = (size_t)i < m ? ar[i - 1] + a_stride : ar[i - 1];
        cr[i] = (size_t)i < m ? cr[i - 1] + c_stride : cr[i - 1];
    }
    const __mmask16 mk0 = wfm_avx512_lane_mask(nc < 16 ? nc : 16);
    const __mmask16 mk1 = wfm_avx512_lane_mask(nc > 16 ? nc - 16 : 0);

    __m512 v[MR][2];
    if (accumulate) {
        for (int i = 0; i < MR; i++) {
            v[i][0] = _mm512_maskz_loadu_ps(mk0, cr[i]);
            v[i][1] = _mm512_maskz_loadu_ps(mk1, cr[i] + 16);
        }
    } else {
        const __m512 b0 = bias ? _mm512_maskz_loadu_ps(mk0, bias) : _mm512_setzero_ps();
        const __m512 b1 = bias ? _mm512_maskz_loadu_ps(mk1, bias + 16) : _mm512_setzero_ps();
        for (int i = 0; i < MR; i++) { v[i][0] = b0; v[i][1] = b1; }
    }

    /* The compiler keeps v[][] in registers: the loops over i are fully
     * unrolled (MR is a constant) and no address of v escapes. */
    for (size_t k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_loadu_ps(b);
        const __m512 b1 = _mm512_loadu_ps(b + 16);
        b += NR;
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            const __m512 va = _mm512_set1_ps(ar[i][k]);
            v[i][0] = _mm512_fmadd_ps(va, b0, v[i][0]);
            v[i][1] = _mm512_fmadd_ps(va, b1, v[i][1]);
        }
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    for (int i = MR - 1; i >= 0; i--) {
        _mm512_mask_storeu_ps(cr[i], mk0, v[i][0]);
        _mm512_mask_storeu_ps(cr[i] + 16, mk1, v[i][1]);
    }
}
