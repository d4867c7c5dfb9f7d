/* AVX2 + FMA kernels (x86-64). This file alone is compiled with -mavx2 -mfma;
 * kernels.c selects it only after a CPUID check. */
#include <immintrin.h>
#include <stdint.h>
#include "kernels/gemm.h"
#include "kernels/exp_poly.h"
#include "kernels/gelu_poly.h"

enum { MR = 6, NR = 16 };

/* Loading 8 ints at mask_table + 8 - n gives a mask of the first n lanes. */
static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static inline __m256i lane_mask(size_t n) { /* n <= 8 */
    return _mm256_loadu_si256((const __m256i *)(mask_table + 8 - n));
}

/* 6x16 tile in 12 ymm accumulators: per k, two loads of B, six broadcasts
 * of A and twelve FMAs. Partial m aliases rows; partial nc uses masks. */
static void gemm_6x16(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride,
                      const float *b, const float *bias, float *c, size_t c_stride,
                      int accumulate) {
    const float *a0 = a;
    const float *a1 = m > 1 ? a0 + a_stride : a0;
    const float *a2 = m > 2 ? a1 + a_stride : a1;
    const float *a3 = m > 3 ? a2 + a_stride : a2;
    const float *a4 = m > 4 ? a3 + a_stride : a3;
    const float *a5 = m > 5 ? a4 + a_stride : a4;
    float *c0 = c;
    float *c1 = m > 1 ? c0 + c_stride : c0;
    float *c2 = m > 2 ? c1 + c_stride : c1;
    float *c3 = m > 3 ? c2 + c_stride : c2;
    float *c4 = m > 4 ? c3 + c_stride : c3;
    float *c5 = m > 5 ? c4 + c_stride : c4;

    const int full = nc == NR;
    const __m256i mk0 = lane_mask(nc < 8 ? nc : 8);
    const __m256i mk1 = lane_mask(nc > 8 ? nc - 8 : 0);
#define LOAD0(p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), mk0))
#define LOAD1(p) (full ? _mm256_loadu_ps((p) + 8) : _mm256_maskload_ps((p) + 8, mk1))

    __m256 v00, v01, v10, v11, v20, v21, v30, v31, v40, v41, v50, v51;
    if (accumulate) {
        v00 = LOAD0(c0); v01 = LOAD1(c0);
        v10 = LOAD0(c1); v11 = LOAD1(c1);
        v20 = LOAD0(c2); v21 = LOAD1(c2);
        v30 = LOAD0(c3); v31 = LOAD1(c3);
        v40 = LOAD0(c4); v41 = LOAD1(c4);
        v50 = LOAD0(c5); v51 = LOAD1(c5);
    } else {
        v00 = bias ? LOAD0(bias) : _mm256_setzero_ps();
        v01 = bias ? LOAD1(bias) : _mm256_setzero_ps();
        v10 = v20 = v30 = v40 = v50 = v00;
        v11 = v21 = v31 = v41 = v51 = v01;
    }
#undef LOAD0
#undef LOAD1

    for (size_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(b);
        const __m256 b1 = _mm256_loadu_ps(b + 8);
        b += NR;
        __m256 va;
        va = _mm256_broadcast_ss(a0 + k);
        v00 = _mm256_fmadd_ps(va, b0, v00); v01 = _mm256_fmadd_ps(va, b1, v01);
        va = _mm256_broadcast_ss(a1 + k);
        v10 = _mm256_fmadd_ps(va, b0, v10); v11 = _mm256_fmadd_ps(va, b1, v11);
        va = _mm256_broadcast_ss(a2 + k);
        v20 = _mm256_fmadd_ps(va, b0, v20); v21 = _mm256_fmadd_ps(va, b1, v21);
        va = _mm256_broadcast_ss(a3 + k);
        v30 = _mm256_fmadd_ps(va, b0, v30); v31 = _mm256_fmadd_ps(va, b1, v31);
        va = _mm256_broadcast_ss(a4 + k);
        v40 = _mm256_fmadd_ps(va, b0, v40); v41 = _mm256_fmadd_ps(va, b1, v41);
        va = _mm256_broadcast_ss(a5 + k);
        v50 = _mm256_fmadd_ps(va, b0, v50); v51 = _mm256_fmadd_ps(va, b1, v51);
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    if (full) {
        _mm256_storeu_ps(c5, v50); _mm256_storeu_ps(c5 + 8, v51);
        _mm256_storeu_ps(c4, v40); _mm256_storeu_ps(c4 + 8, v41);
        _mm256_storeu_ps(c3, v30); _mm256_storeu_ps(c3 + 8, v31);
        _mm256_storeu_ps(c2, v20); _mm256_storeu_ps(c2 + 8, v21);
        _mm256_storeu_ps(c1, v10); _mm256_storeu_ps(c1 + 8, v11);
        _mm256_storeu_ps(c0, v00); _mm256_storeu_ps(c0 + 8, v01);
    } else {
        _mm256_maskstore_ps(c5, mk0, v50); _mm256_maskstore_ps(c5 + 8, mk1, v51);
        _mm256_maskstore_ps(c4, mk0, v40); _mm256_maskstore_ps(c4 + 8, mk1, v41);
        _mm256_maskstore_ps(c3, mk0, v30); _mm256_maskstore_ps(c3 + 8, mk1, v31);
        _mm256_maskstore_ps(c2, mk0, v20); _mm256_maskstore_ps(c2 + 8, mk1, v21);
        _mm256_maskstore_ps(c1, mk0, v10); _mm256_maskstore_ps(c1 + 8, mk1, v11);
        _mm256_maskstore_ps(c0, mk0, v00); _mm256_maskstore_ps(c0 + 8, mk1, v01);
    }
}

/* exp_poly.h's algorithm on 8 lanes. */
static inline __m256 exp8(__m256 x) {
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

static float expminusmax(size_t n, const float *x, float max, float *y) {
    const __m256 vmax = _mm256_set1_ps(max);
    __m256 vsum = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 f = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(y + i, f);
        vsum = _mm256_add_ps(vsum, f);
    }
    if (i < n) { /* masked tail: masked-off lanes load 0 and are dropped */
        const __m256i mk = lane_mask(n - i);
        __m256 f = exp8(_mm256_sub_ps(_mm256_maskload_ps(x + i, mk), vmax));
        f = _mm256_and_ps(f, _mm256_castsi256_ps(mk));
        _mm256_maskstore_ps(y + i, mk, f);
        vsum = _mm256_add_ps(vsum, f);
    }
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(vsum), _mm256_extractf128_ps(vsum, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static float rmax(size_t n, const float *x) {
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
    const __m256 erf_abs = _mm256_fnmadd_ps(p, exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a))), one);
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const __m256 erf = _mm256_xor_ps(erf_abs, _mm256_and_ps(v, sign));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, erf));
}

static void gelu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}

const wfm_kernels wfm_kernels_avx2_fma = {"avx2_fma", MR, NR, gemm_6x16, expminusmax, rmax, gelu};
