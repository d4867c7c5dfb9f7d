/* exp(x) for x <= 0, shared by every ISA's expminusmax so all builds agree.
 *
 * XNNPACK's rr2_p5 scheme: n = round(x / ln2) via a magic-bias add,
 * t = x - n*ln2 with ln2 split in two (Cody-Waite) so the reduction is exact
 * without FMA, exp(t) ~ 1 + t*p(t) with a degree-5 minimax polynomial, and
 * 2^n built directly in the exponent bits. Max error ~2 ulp on [-87.3, 0].
 * Below WFM_EXP_CUTOFF the true result is subnormal: we return 0 (softmax
 * never needs those), which also makes x = -inf give 0 instead of NaN. */
#ifndef WFM_EXP_POLY_H
#define WFM_EXP_POLY_H
#include <stdint.h>
#include <string.h>

/* 0x1.8000FEp23: 1.5*2^23 + 127, so the low bits of (x*log2e + bias) hold
 * n + 127, the biased exponent of 2^n. */
#define WFM_EXP_MAGIC_BIAS 0x1.8000FEp23f
#define WFM_EXP_LOG2E 0x1.715476p+0f
#define WFM_EXP_MINUS_LN2_HI -0x1.62E400p-1f /* low bits zero: n*hi is exact */
#define WFM_EXP_MINUS_LN2_LO -0x1.7F7D1Cp-20f
#define WFM_EXP_C5 0x1.0F9F9Cp-7f
#define WFM_EXP_C4 0x1.573A1Ap-5f
#define WFM_EXP_C3 0x1.555A80p-3f
#define WFM_EXP_C2 0x1.FFFDC6p-2f
#define WFM_EXP_C1 0x1.FFFFF6p-1f
#define WFM_EXP_CUTOFF -0x1.5D589Ep6f /* ln(FLT_MIN) ~ -87.3365 */

/* Scalar reference of the vector kernels (used for the scalar set and for
 * the tails of the SIMD loops). */
static inline float wfm_exp_poly(float x) {
    float n = x * WFM_EXP_LOG2E + WFM_EXP_MAGIC_BIAS;
    uint32_t bits;
    memcpy(&bits, &n, sizeof bits);
    bits <<= 23;
    float s;
    memcpy(&s, &bits, sizeof s);
    n -= WFM_EXP_MAGIC_BIAS;
    float t = n * WFM_EXP_MINUS_LN2_HI + x;
    t = n * WFM_EXP_MINUS_LN2_LO + t;
    float p = WFM_EXP_C5 * t + WFM_EXP_C4;
    p = p * t + WFM_EXP_C3;
    p = p * t + WFM_EXP_C2;
    p = p * t + WFM_EXP_C1;
    t *= s;
    float f = t * p + s;
    return x < WFM_EXP_CUTOFF ? 0.0f : f;
}

#endif
