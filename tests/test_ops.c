/* Row and element-wise ops against double-precision formulas. */
#include "model/ops.h"
#include "testing.h"
#include <string.h>

TEST(gelu_matches_exact_erf_form) {
    static float x[40001];
    size_t n = sizeof x / sizeof *x;
    for (size_t i = 0; i < n; i++) x[i] = -12.0f + 24.0f * (float)i / (float)(n - 1);
    x[n / 2] = 0.0f;
    float y[sizeof x / sizeof *x];
    memcpy(y, x, sizeof x);
    wfm_gelu(y, n);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double want = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0)));
        double e = fabs(y[i] - want) / (fabs(x[i]) > 1 ? fabs(x[i]) : 1);
        if (e > worst || e != e) worst = e;
    }
    printf("  max |gelu - exact| / max(1, |x|) = %.2e\n", worst);
    CHECK(worst < 4e-7);
    float z = 0.0f;
    wfm_gelu(&z, 1);
    CHECK(z == 0.0f);
}

TEST(layernorm_matches_double) {
    unsigned seed = 3;
    enum { R = 7, D = 129 };
    float x[R * D], y[R * D], w[D], b[D];
    for (int i = 0; i < R * D; i++) x[i] = 1000.0f + 3.0f * wfm_t_uniform(&seed); /* large mean */
    for (int i = 0; i < D; i++) { w[i] = 1.0f + 0.5f * wfm_t_uniform(&seed); b[i] = 0.1f * wfm_t_uniform(&seed); }
    wfm_layernorm_rows(x, y, R, D, w, b, 1e-6f);
    for (int r = 0; r < R; r++) {
        double mean = 0, var = 0;
        for (int i = 0; i < D; i++) mean += x[r * D + i];
        mean /= D;
        for (int i = 0; i < D; i++) var += (x[r * D + i] - mean) * (x[r * D + i] - mean);
        var /= D;
        for (int i = 0; i < D; i++) {
            double want = (x[r * D + i] - mean) / sqrt(var + 1e-6) * w[i] + b[i];
            CHECK_NEAR(y[r * D + i], want, 2e-5);
        }
    }
}

TEST(pos2d_layout) {
    enum { D = 16, NP = 5, C = 3 };
    float pos[NP * C * D];
    wfm_pos2d_sincos(pos, D, NP, C);
    /* token n = c*NP + p: first half encodes p, second half encodes c */
    for (int c = 0; c < C; c++)
        for (int p = 0; p < NP; p++) {
            const float *row = pos + (c * NP + p) * D;
            for (int i = 0; i < D / 4; i++) {
                double w = pow(10000.0, -(double)i / (D / 4));
                CHECK_NEAR(row[i], sin(p * w), 1e-7);
                CHECK_NEAR(row[D / 4 + i], cos(p * w), 1e-7);
                CHECK_NEAR(row[D / 2 + i], sin(c * w), 1e-7);
                CHECK_NEAR(row[3 * D / 4 + i], cos(c * w), 1e-7);
            }
        }
}

int main(void) {
    RUN(gelu_matches_exact_erf_form);
    RUN(layernorm_matches_double);
    RUN(pos2d_layout);
    return TEST_SUMMARY();
}
