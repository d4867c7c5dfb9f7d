/* AVX-512F kernels (x86-64). This file alone is compiled with -mavx512f
 * -mfma; kernels.c selects it only after a CPUID check that the CPU has
 * AVX-512F and the OS saves its state.
 *
 * Why a second x86 set: on a core with two 512-bit FMA units the AVX2 tile
 * uses half the machine (on the development Xeon, onnxruntime's AVX-512
 * kernels beat it end to end). Where 512-bit FMAs are split in two (some
 * client cores) this set is no faster; `make bench` prints both. */
#include <immintrin.h>
#include <stdint.h>
#include "kernels/gemm.h"
#include "kernels/exp_poly.h"
#include "kernels/gelu_poly.h"

enum { MR = 12, NR = 32 };

static inline __mmask16 lane_mask(size_t n) { /* first n <= 16 lanes */
    return (__mmask16)(n >= 16 ? 0xFFFFu : ((1u << n) - 1u));
}

/* 12x32 tile in 24 zmm accumulators: per k, two loads of B, twelve
 * broadcasts of A and 24 FMAs (the 32-register file holds the tile, the two
 * B vectors and a broadcast). Partial m aliases rows; partial nc masks. */
static void gemm_12x32(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride,
                       const float *b, const float *bias, float *c, size_t c_stride,
                       int accumulate) {
    const float *ar[MR];
    float *cr[MR];
    ar[0] = a;
    cr[0] = c;
    for (int i = 1; i < MR; i++) {
        ar[i] = (size_t)i < m ? ar[i - 1] + a_stride : ar[i - 1];
        cr[i] = (size_t)i < m ? cr[i - 1] + c_stride : cr[i - 1];
    }
    const __mmask16 mk0 = lane_mask(nc < 16 ? nc : 16);
    const __mmask16 mk1 = lane_mask(nc > 16 ? nc - 16 : 0);

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

/* exp_poly.h's algorithm on 16 lanes (the same operations as the AVX2 and
 * scalar versions, so the sets agree to rounding). */
static inline __m512 exp16(__m512 x) {
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

static float expminusmax(size_t n, const float *x, float max, float *y) {
    const __m512 vmax = _mm512_set1_ps(max);
    __m512 vsum = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 f = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax));
        _mm512_storeu_ps(y + i, f);
        vsum = _mm512_add_ps(vsum, f);
    }
    if (i < n) { /* masked tail: masked-off lanes are dropped */
        const __mmask16 mk = lane_mask(n - i);
        const __m512 f = _mm512_maskz_mov_ps(mk, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), vmax)));
        _mm512_mask_storeu_ps(y + i, mk, f);
        vsum = _mm512_add_ps(vsum, f);
    }
    return _mm512_reduce_add_ps(vsum);
}

static float rmax(size_t n, const float *x) {
    __m512 vm = _mm512_set1_ps(x[0]);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(x + i));
    if (i < n) vm = _mm512_mask_max_ps(vm, lane_mask(n - i), vm, _mm512_maskz_loadu_ps(lane_mask(n - i), x + i));
    return _mm512_reduce_max_ps(vm);
}

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
    const __m512 erf_abs = _mm512_fnmadd_ps(p, exp16(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a))), one);
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u));
    const __m512 erf = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(erf_abs), sign));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, erf));
}

static void gelu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, gelu16(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 mk = lane_mask(n - i);
        _mm512_mask_storeu_ps(x + i, mk, gelu16(_mm512_maskz_loadu_ps(mk, x + i)));
    }
}

const wfm_kernels wfm_kernels_avx512f = {"avx512f", MR, NR, gemm_12x32, expminusmax, rmax, gelu};
