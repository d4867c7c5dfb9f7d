/* max(x[0..n-1]). Portable C, the reference set; the compiler may auto-
 * vectorize. */
#include "kernels/kernels.h"

float wfm_f32_rmax_ukernel_u1__scalar(size_t n, const float *x) {
    float m = x[0];
    for (size_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}
