/* Element-wise and row-wise operations of the transformer. */
#ifndef WFM_OPS_H
#define WFM_OPS_H
#include <stddef.h>

/* y[i, :] = LayerNorm(x[i, :]) * w + b over rows of length dim. */
void wfm_layernorm_rows(const float *x, float *y, size_t rows, size_t dim,
                        const float *w, const float *b, float eps);
/* Exact (erf) GELU in place, as PyTorch's default nn.GELU. */
void wfm_gelu(float *x, size_t n);
/* y += x */
void wfm_add(float *y, const float *x, size_t n);
/* pos[n, D] for token n = c * NP + p: sincos(p) in the first D/2 dims,
 * sincos(c) in the second half (MAE's 2D sin-cos, evaluated in double). */
void wfm_pos2d_sincos(float *pos, int dim, int n_patches, int n_channels);
/* pos[p, D] = sincos(p) over all D dims (D even): the waveform model's 1D positions. */
void wfm_pos1d_sincos(float *pos, int dim, int n_patches);

#endif
