/* Fitting a logistic probe on 10,000 x 384 embeddings (binary and 5-class),
 * default parameters (lambda 1e-3, tol 1e-6, L-BFGS), one thread.
 *
 *   bench_probe [reps] [n] [d]
 *
 * The embeddings are synthetic but embedding-like: 16 latent factors mixed
 * into 384 correlated dimensions plus noise, and labels from a noisy linear
 * rule on the factors (so the optimum is neither trivial nor separable).
 * Prints one markdown row per task: best wall time of `reps` fits. */
#include "wearfm.h"
#include "../tests/testing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"


static double gauss(unsigned *s) { /* sum of 4 uniforms: bell-shaped, variance 4/3 */
    return (wfm_t_uniform(s) + wfm_t_uniform(s) + wfm_t_uniform(s) + wfm_t_uniform(s)) * 0.866;
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 3;
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 10000, d = argc > 3 ? (size_t)atol(argv[3]) : 384;
    enum { F = 16 };
    unsigned s = 2024;
    float *mix = malloc(sizeof(float) * F * d), *x = malloc(sizeof(float) * n * d);
    double *lat = malloc(sizeof(double) * n * F);
    int *y2 = malloc(sizeof(int) * n), *y5 = malloc(sizeof(int) * n);
    if (!mix || !x || !lat || !y2 || !y5) { fprintf(stderr, "out of memory\n"); return 1; }
    for (size_t k = 0; k < (size_t)F * d; k++) mix[k] = (float)(0.5 * gauss(&s));
    for (size_t i = 0; i < n; i++) {
        double *l = lat + i * F;
        for (int f = 0; f < F; f++) l[f] = gauss(&s);
        for (size_t j = 0; j < d; j++) {
            double v = 0.1 * (double)(j % 7) + 0.5 * gauss(&s);
            for (int f = 0; f < F; f++) v += l[f] * mix[(size_t)f * d + j];
            x[i * d + j] = (float)v;
        }
        y2[i] = l[0] - 0.5 * l[1] + 0.8 * gauss(&s) > 0;
        double best = -1e30;
        for (int c = 0; c < 5; c++) {
            double sc = l[c] + 0.5 * l[c + 5] + 0.8 * gauss(&s);
            if (sc > best) { best = sc; y5[i] = c; }
        }
    }
    printf("| build | task | rows x dims | classes | L-BFGS iterations | converged | train accuracy | fit time (best of %d) |\n",
           reps);
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int t = 0; t < 2; t++) {
        const int *y = t ? y5 : y2;
        double best = 1e30;
        wfm_probe_info info = {0};
        double acc = 0;
        for (int r = 0; r < reps; r++) {
            wfm_probe *p = NULL;
            wfm_error err = {0};
            double t0 = bench_now();
            if (wfm_probe_fit(x, n, d, y, NULL, NULL, NULL, &p, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
            double dt = bench_now() - t0;
            if (dt < best) best = dt;
            wfm_probe_get_info(p, &info);
            double m[WFM_METRIC_COUNT];
            wfm_probe_evaluate(p, NULL, x, n, d, y, NULL, m, NULL);
            acc = m[WFM_METRIC_ACCURACY];
            wfm_probe_free(p);
        }
        printf("| %s | logistic, %s | %zu x %zu | %d | %d | %s | %.3f | **%.3f s** |\n", BENCH_BUILD,
               t ? "softmax" : "binary", n, d, t ? 5 : 2, info.iterations, info.converged ? "yes" : "no", acc, best);
        fflush(stdout);
    }
    printf("\n%s at the end: %.1f MB (the features alone are %.1f MB)\n", BENCH_PEAK_LABEL, bench_peak_mb(),
           n * d * 4.0 / 1048576.0);
    free(mix); free(x); free(lat); free(y2); free(y5);
    return 0;
}
