#include "model/ops.h"
#include "kernels/exp_poly.h"
#include "kernels/gelu_poly.h"
#include <math.h>

void wfm_layernorm_rows(const float *x, float *y, size_t rows, size_t dim,
                        const float *w, const float *b, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        /* Two passes in double: stable for rows with a large mean. */
        double sum = 0;
        for (size_t i = 0; i < dim; i++) sum += xr[i];
        double mean = sum / (double)dim, var = 0;
        for (size_t i = 0; i < dim; i++) {
            double d = xr[i] - mean;
            var += d * d;
        }
        /* Centre in double too: rounding a large mean to float first would
         * cost ~ulp(mean)/std of accuracy (1e-5 for a residual stream near 1000). */
        double inv = 1.0 / sqrt(var / (double)dim + eps);
        for (size_t i = 0; i < dim; i++) yr[i] = (float)((xr[i] - mean) * inv) * w[i] + b[i];
    }
}

/* erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7) with the shared
 * polynomial exp: branch-free, so compilers vectorise this loop for SSE,
 * AVX or wasm simd128, where libm's erff is a scalar call per element.
 * The GELU error it adds (<= 1e-7 * |x|) is far inside the 1e-4 parity bound. */
void wfm_gelu(float *x, size_t n) { /* the scalar form; the model calls kr->gelu */
    for (size_t i = 0; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}

void wfm_add(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

static void sincos1d(float *out, int d, double pos) {
    int half = d / 2;
    for (int i = 0; i < half; i++) {
        double omega = 1.0 / pow(10000.0, (double)i / (double)half);
        out[i] = (float)sin(pos * omega);
        out[half + i] = (float)cos(pos * omega);
    }
}

void wfm_pos2d_sincos(float *pos, int dim, int n_patches, int n_channels) {
    int half = dim / 2;
    for (int c = 0; c < n_channels; c++)
        for (int p = 0; p < n_patches; p++) {
            float *row = pos + ((size_t)c * n_patches + p) * dim;
            sincos1d(row, half, (double)p);
            sincos1d(row + half, half, (double)c);
        }
}

void wfm_pos1d_sincos(float *pos, int dim, int n_patches) {
    for (int p = 0; p < n_patches; p++) sincos1d(pos + (size_t)p * dim, dim, (double)p);
}
