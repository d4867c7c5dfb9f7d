/* x = GELU(x), the exact erf form (kernels/gelu_poly.h). Portable C, the
 * reference set; the compiler may auto-vectorize. */
#include "kernels/kernels.h"
#include "kernels/gelu_poly.h"

void wfm_f32_vgelu_ukernel_u1__scalar(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}
