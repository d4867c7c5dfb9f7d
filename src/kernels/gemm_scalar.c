/* Portable scalar kernels: the reference set, and the fallback on CPUs
 * without a SIMD set. Plain C the compiler may auto-vectorize. */
#include "kernels/gemm.h"
#include "kernels/exp_poly.h"
#include "kernels/gelu_poly.h"

enum { MR = 4, NR = 8 };

static void gemm_4x8(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride,
                     const float *b, const float *bias, float *c, size_t c_stride,
                     int accumulate) {
    /* Rows past m alias the last valid row (computed twice, stored once). */
    const float *ar[MR];
    float *cr[MR];
    for (int r = 0; r < MR; r++) {
        size_t row = (size_t)r < m ? (size_t)r : m - 1;
        ar[r] = a + row * a_stride;
        cr[r] = c + row * c_stride;
    }
    float acc[MR][NR];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR; j++)
            acc[r][j] = (size_t)j >= nc ? 0.0f
                        : accumulate    ? cr[r][j]
                        : bias          ? bias[j]
                                        : 0.0f;
    for (size_t k = 0; k < kc; k++, b += NR)
        for (int r = 0; r < MR; r++) {
            float av = ar[r][k];
            for (int j = 0; j < NR; j++) acc[r][j] += av * b[j];
        }
    for (int r = MR - 1; r >= 0; r--)
        for (size_t j = 0; j < nc; j++) cr[r][j] = acc[r][j];
}

static float expminusmax(size_t n, const float *x, float max, float *y) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        y[i] = wfm_exp_poly(x[i] - max);
        sum += y[i];
    }
    return sum;
}

static float rmax(size_t n, const float *x) {
    float m = x[0];
    for (size_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

static void gelu(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}

const wfm_kernels wfm_kernels_scalar = {"scalar", MR, NR, gemm_4x8, expminusmax, rmax, gelu};
