/* f32 GEMM microkernel, 4x8 tile. Portable C, the reference set; the compiler
 * may auto-vectorize. */
#include "kernels/kernels.h"

enum { MR = 4, NR = 8 };

void wfm_f32_gemm_ukernel_4x8__scalar(size_t m, size_t nc, size_t kc, const float *a,
                                      size_t a_stride, const float *b, const float *bias,
                                      float *c, size_t c_stride, int accumulate) {
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
