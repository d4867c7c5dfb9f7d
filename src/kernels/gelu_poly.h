/* Exact (erf) GELU, 0.5 x (1 + erf(x / sqrt 2)), shared by every ISA's gelu
 * kernel so all builds agree: erf from Abramowitz & Stegun 7.1.26
 * (|error| <= 1.5e-7) with exp(-a^2) from exp_poly.h. */
#ifndef WFM_GELU_POLY_H
#define WFM_GELU_POLY_H
#include <math.h>
#include "kernels/exp_poly.h"

#define WFM_GELU_INV_SQRT2 0.70710678118654752f
#define WFM_ERF_P 0.3275911f
#define WFM_ERF_A1 0.254829592f
#define WFM_ERF_A2 -0.284496736f
#define WFM_ERF_A3 1.421413741f
#define WFM_ERF_A4 -1.453152027f
#define WFM_ERF_A5 1.061405429f

/* Scalar reference of the vector kernels (the scalar set and SIMD tails). */
static inline float wfm_gelu_poly(float v) {
    float a = fabsf(v) * WFM_GELU_INV_SQRT2;
    float t = 1.0f / (1.0f + WFM_ERF_P * a);
    float p = t * (WFM_ERF_A1 + t * (WFM_ERF_A2 + t * (WFM_ERF_A3 + t * (WFM_ERF_A4 + t * WFM_ERF_A5))));
    float erf_abs = 1.0f - p * wfm_exp_poly(-a * a);
    float erf = v < 0.0f ? -erf_abs : erf_abs;
    return 0.5f * v * (1.0f + erf);
}

#endif
