/* y = exp(x - max), returning the sum of y. Portable C, the reference set; the
 * compiler may auto-vectorize. */
#include "kernels/kernels.h"
#include "kernels/exp_poly.h"

float wfm_f32_raddstoreexpminusmax_ukernel_u1__scalar(size_t n, const float *x, float max,
                                                      float *y) {
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        y[i] = wfm_exp_poly(x[i] - max);
        sum += y[i];
    }
    return sum;
}
