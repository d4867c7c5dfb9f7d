/* Row and element-wise ops against double-precision formulas. */
#include "model/ops.h"
#include "testing.h"
#include "kernels/gemm.h"
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

/* Every kernel set's vector GELU: the same bound against erf, agreement with
 * the scalar form, and tails (lengths that are no multiple of any width). */
TEST(gelu_kernels_match_scalar_form) {
    static float x[40001], y[40001], ref[40001];
    size_t n = sizeof x / sizeof *x;
    for (size_t i = 0; i < n; i++) x[i] = -12.0f + 24.0f * (float)i / (float)(n - 1);
    memcpy(ref, x, sizeof x);
    wfm_gelu(ref, n);
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        static const size_t lens[] = {40001, 40000, 17, 15, 7, 3, 1, 0};
        double worst = 0, vs_scalar = 0;
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            memcpy(y, x, sizeof x);
            (*kr)->gelu(y, lens[l]);
            for (size_t i = 0; i < n; i++) {
                if (i >= lens[l]) { CHECK(y[i] == x[i]); continue; } /* nothing past n is touched */
                double want = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0)));
                double s = fabs(x[i]) > 1 ? fabs(x[i]) : 1;
                double e = fabs(y[i] - want) / s, d = fabs(y[i] - ref[i]) / s;
                if (e > worst || e != e) worst = e;
                if (d > vs_scalar || d != d) vs_scalar = d;
            }
        }
        printf("  %-12s max |gelu - exact| / max(1, |x|) = %.2e, vs the scalar form %.2e\n", (*kr)->name, worst,
               vs_scalar);
        CHECK(worst < 4e-7);
        CHECK(vs_scalar < 4e-7); /* FMA sets round differently from the scalar form */
    }
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
    RUN(gelu_kernels_match_scalar_form);
    RUN(layernorm_matches_double);
    RUN(pos2d_layout);
    return TEST_SUMMARY();
}
