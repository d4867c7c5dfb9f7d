#include "ops.h"
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
        float inv = (float)(1.0 / sqrt(var / (double)dim + eps));
        float meanf = (float)mean;
        for (size_t i = 0; i < dim; i++) yr[i] = (xr[i] - meanf) * inv * w[i] + b[i];
    }
}

void wfm_gelu(float *x, size_t n) {
    const float inv_sqrt2 = 0.70710678118654752f;
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * inv_sqrt2));
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
