/* Linear probes: ridge against the closed form computed here in double,
 * logistic regression at a known optimum and at gradient = 0, metrics against
 * hand-computed values (ties, single-class folds), grouped CV, malformed
 * labels, save/load, and the encoder binding. */
#include "wearfm.h"
#include "probes/probe.h"
#include "testing.h"
#include "model_builder.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- helpers --------------------------------------------------------------- */

/* Random features with different means and scales per column. */
static float *random_x(size_t n, size_t d, unsigned seed) {
    float *x = malloc(sizeof(float) * n * d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) x[i * d + j] = (float)(3.0 * j - 5) + (float)(1 + j % 4) * wfm_t_uniform(&seed);
    return x;
}

/* Standardisation in double, as the probe documents it (population std). */
static void standardize_d(const float *x, size_t n, size_t d, double *xs, double *mean, double *sd) {
    for (size_t j = 0; j < d; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++) m += x[i * d + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++) v += (x[i * d + j] - m) * (x[i * d + j] - m);
        mean[j] = m;
        sd[j] = sqrt(v / (double)n);
        for (size_t i = 0; i < n; i++) xs[i * d + j] = (x[i * d + j] - m) / sd[j];
    }
}

/* Gaussian elimination with partial pivoting (A is n x n, b -> x). */
static void solve_d(double *a, double *b, size_t n) {
    for (size_t c = 0; c < n; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < n; r++) if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
        for (size_t k = 0; k < n; k++) { double t = a[c * n + k]; a[c * n + k] = a[piv * n + k]; a[piv * n + k] = t; }
        double t = b[c]; b[c] = b[piv]; b[piv] = t;
        for (size_t r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (size_t k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        double s = b[c];
        for (size_t k = c + 1; k < n; k++) s -= a[c * n + k] * b[k];
        b[c] = s / a[c * n + c];
    }
}

/* Reads the probe's parameters back through a save: weight [q x d], bias, mean, std. */
typedef struct params_t { float w[64 * 16], b[16], mean[64], sd[64]; int q; } params_t;
static uint64_t rd64(const uint8_t *p) { uint64_t v = 0; for (int k = 7; k >= 0; k--) v = v << 8 | p[k]; return v; }
static void probe_params(const wfm_probe *p, params_t *o) {
    /* The file layout is fixed (name order): bias, feature_mean, feature_std, weight. */
    void *buf;
    size_t size;
    wfm_probe_info info;
    wfm_probe_get_info(p, &info);
    CHECK(wfm_probe_save_buffer(p, &buf, &size, NULL) == WFM_OK);
    const uint8_t *data = (const uint8_t *)buf + 8 + rd64(buf);
    int d = info.n_features, q = info.n_classes > 2 ? info.n_classes : 1;
    o->q = q;
    memcpy(o->b, data, sizeof(float) * (size_t)q);
    memcpy(o->mean, data + 4 * q, sizeof(float) * (size_t)d);
    memcpy(o->sd, data + 4 * (q + d), sizeof(float) * (size_t)d);
    memcpy(o->w, data + 4 * (q + 2 * d), sizeof(float) * (size_t)(q * d));
    wfm_probe_buffer_free(buf);
}

/* ---- ridge and linear ------------------------------------------------------- */

TEST(ridge_matches_closed_form) {
    const size_t n = 300, d = 9;
    float *x = random_x(n, d, 7);
    float *y = malloc(sizeof(float) * n);
    unsigned s = 99;
    for (size_t i = 0; i < n; i++) {
        double v = 10;
        for (size_t j = 0; j < d; j++) v += (0.3 * j - 1) * x[i * d + j];
        y[i] = (float)(v + 0.5 * wfm_t_uniform(&s));
    }
    double xs[300 * 9], mean[9], sd[9], a[81], rhs[9], lambda = 0.05, my = 0;
    standardize_d(x, n, d, xs, mean, sd);
    for (size_t i = 0; i < n; i++) my += y[i];
    my /= (double)n;
    for (size_t j = 0; j < d; j++) {
        rhs[j] = 0;
        for (size_t k = 0; k < d; k++) {
            double g = 0;
            for (size_t i = 0; i < n; i++) g += xs[i * d + j] * xs[i * d + k];
            a[j * d + k] = g / (double)n + (j == k ? lambda : 0);
        }
        for (size_t i = 0; i < n; i++) rhs[j] += xs[i * d + j] * (y[i] - my) / (double)n;
    }
    solve_d(a, rhs, d);
    for (int task = 0; task < 2; task++) {
        wfm_probe_params p = wfm_probe_default_params();
        p.task = task ? WFM_PROBE_LINEAR : WFM_PROBE_RIDGE;
        p.lambda = lambda;
        p.tol = 1e-10;
        wfm_probe *pr = NULL;
        wfm_error err = {0};
        CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
        if (!pr) continue;
        params_t pp;
        probe_params(pr, &pp);
        double worst = 0;
        for (size_t j = 0; j < d; j++) {
            worst = fmax(worst, fabs(pp.w[j] - rhs[j]) / fmax(1e-3, fabs(rhs[j])));
            CHECK_NEAR(pp.mean[j], mean[j], 1e-5 * fabs(mean[j]) + 1e-6);
            CHECK_NEAR(pp.sd[j], sd[j], 1e-5 * sd[j]);
        }
        CHECK_MSG(worst < 2e-5, "%s: max relative coefficient error %g", task ? "linear" : "ridge", worst);
        /* predictions against the double formula */
        float pred[300];
        CHECK(wfm_probe_predict(pr, NULL, x, n, d, pred, NULL, NULL) == WFM_OK);
        double pe = 0;
        for (size_t i = 0; i < n; i++) {
            double z = my;
            for (size_t j = 0; j < d; j++) z += rhs[j] * xs[i * d + j];
            pe = fmax(pe, fabs(pred[i] - z));
        }
        CHECK_MSG(pe < 1e-4, "prediction error %g", pe);
        wfm_probe_info info;
        wfm_probe_get_info(pr, &info);
        CHECK(info.converged);
        CHECK(info.n_classes == 0 && info.n_outputs == 1 && info.n_train == n);
        wfm_probe_free(pr);
    }
    free(x);
    free(y);
}

TEST(ridge_constant_feature_and_lambda_zero) {
    const size_t n = 50, d = 3;
    float x[150], y[50];
    unsigned s = 3;
    for (size_t i = 0; i < n; i++) {
        x[i * d] = wfm_t_uniform(&s);
        x[i * d + 1] = 4.25f; /* constant */
        x[i * d + 2] = wfm_t_uniform(&s);
        y[i] = 2 * x[i * d] - x[i * d + 2];
    }
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.lambda = 1e-6;
    wfm_probe *pr = NULL;
    CHECK(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, NULL) == WFM_OK);
    params_t pp;
    if (pr) {
        probe_params(pr, &pp);
        CHECK(pp.sd[1] == 1.0f && pp.w[1] == 0.0f);
        wfm_probe_free(pr);
    }
    /* ridge with lambda 0 is refused; linear (L-BFGS) takes it */
    p.lambda = 0;
    wfm_error err = {0};
    CHECK(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "lambda > 0") != NULL);
    p.task = WFM_PROBE_LINEAR;
    p.tol = 1e-9;
    CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
    if (pr) {
        float pred[50];
        wfm_probe_predict(pr, NULL, x, n, d, pred, NULL, NULL);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(pred[i] - y[i]));
        CHECK_MSG(e < 1e-4, "OLS fit of an exact linear target: error %g", e);
        wfm_probe_free(pr);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

TEST(ridge_dual_form_equals_the_primal) {
    /* The n x n dual and the d x d scatter path solve the same problem: the
     * same standardisation (bit for bit) and weights within 1e-6, on both
     * sides of d = n, with a constant feature. */
    static const size_t shapes[][2] = {{40, 12}, {25, 25}, {12, 40}, {6, 300}};
    static const double lambdas[] = {1e-3, 0.1, 1.0};
    for (size_t c = 0; c < sizeof shapes / sizeof *shapes; c++) {
        size_t n = shapes[c][0], d = shapes[c][1];
        float *x = random_x(n, d, 11 + (unsigned)c), *y = malloc(sizeof(float) * n);
        unsigned s = 5;
        for (size_t i = 0; i < n; i++) {
            x[i * d + 3] = 2.5f; /* constant */
            y[i] = (float)(x[i * d] - 0.5 * x[i * d + 1] + wfm_t_uniform(&s));
        }
        wfm_rows r = {x, d, NULL, n, NULL, y, NULL, 0};
        wfm_scatter sc = {0};
        wfm_ridge_dual u;
        CHECK(wfm_scatter_compute(&sc, &r, NULL) == WFM_OK);
        CHECK(wfm_ridge_dual_prepare(&u, &r, NULL) == WFM_OK);
        for (size_t l = 0; l < sizeof lambdas / sizeof *lambdas; l++) {
            wfm_probe *p1 = wfm_probe_alloc(WFM_PROBE_RIDGE, (int)d, 0), *p2 = wfm_probe_alloc(WFM_PROBE_RIDGE, (int)d, 0);
            wfm_error err = {0};
            CHECK_MSG(wfm_ridge_solve(&sc, lambdas[l], p1, &err) == WFM_OK, "%s", err.message);
            CHECK_MSG(wfm_ridge_dual_solve(&u, lambdas[l], p2, &err) == WFM_OK, "%s", err.message);
            CHECK(!memcmp(p1->mean, p2->mean, sizeof(float) * d) && !memcmp(p1->std, p2->std, sizeof(float) * d));
            double dw = 0, mw = 0;
            for (size_t j = 0; j < d; j++) {
                dw = fmax(dw, fabs((double)p1->weight[j] - p2->weight[j]));
                mw = fmax(mw, fabs((double)p1->weight[j]));
            }
            double db = fabs((double)p1->bias[0] - p2->bias[0]) / (1 + fabs((double)p1->bias[0]));
            if (l == 0) printf("  n %zu, d %zu, lambda %g: dual vs primal: weights %.1e, bias %.1e\n", n, d, lambdas[l], dw / mw, db);
            CHECK_MSG(dw <= 1e-6 * mw && db <= 1e-6, "n %zu d %zu lambda %g: weights %g, bias %g", n, d, lambdas[l], dw / mw, db);
            CHECK(p2->weight[3] == 0.0f && p2->std[3] == 1.0f);
            wfm_probe_free(p1);
            wfm_probe_free(p2);
        }
        wfm_scatter_free(&sc);
        wfm_ridge_dual_free(&u);
        free(x);
        free(y);
    }
}

TEST(ridge_with_many_more_features_than_rows_is_fast) {
    /* 8 rows x 20,000 features: the d x d path allocated 3.2 GB and ran for
     * hours; the dual form takes milliseconds. Checked against the dual
     * closed form computed here in double. */
    const size_t n = 8, d = 20000;
    float *x = random_x(n, d, 3), *y = malloc(sizeof(float) * n);
    unsigned s = 17;
    for (size_t i = 0; i < n; i++) y[i] = (float)(x[i * d + 7] + 2 * wfm_t_uniform(&s));
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.lambda = 0.01;
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    double t0 = now_s();
    CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
    double dt = now_s() - t0;
    printf("  8 x 20000 ridge fit: %.3f s\n", dt);
    CHECK_MSG(dt < 5.0, "took %.1f s", dt);
    double *xs = malloc(sizeof(double) * n * d), *mean = malloc(sizeof(double) * d), *sd = malloc(sizeof(double) * d);
    double k[64], alpha[8], my = 0;
    standardize_d(x, n, d, xs, mean, sd);
    for (size_t i = 0; i < n; i++) my += y[i];
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            double g = 0;
            for (size_t f = 0; f < d; f++) g += xs[i * d + f] * xs[j * d + f];
            k[i * n + j] = g / (double)n + (i == j ? p.lambda : 0);
        }
        alpha[i] = (y[i] - my) / (double)n;
    }
    solve_d(k, alpha, n);
    /* predictions on new rows: my + sum_f w_f xs_f with w = X_s^T alpha */
    float *xn = random_x(4, d, 99), pred[4];
    if (pr) {
        CHECK(wfm_probe_predict(pr, NULL, xn, 4, d, pred, NULL, NULL) == WFM_OK);
        for (size_t t = 0; t < 4; t++) {
            double z = my;
            for (size_t f = 0; f < d; f++) {
                double w = 0;
                for (size_t i = 0; i < n; i++) w += xs[i * d + f] * alpha[i];
                z += w * (xn[t * d + f] - mean[f]) / sd[f];
            }
            CHECK_NEAR(pred[t], z, 1e-4 * (1 + fabs(z)));
        }
    }
    wfm_probe_free(pr);
    /* the inner CV of lambda takes the dual form too */
    p.cv_lambda = 1;
    p.inner_folds = 4;
    t0 = now_s();
    CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
    dt = now_s() - t0;
    CHECK_MSG(dt < 5.0, "cv took %.1f s", dt);
    wfm_probe_free(pr);
    free(x); free(y); free(xs); free(mean); free(sd); free(xn);
}

TEST(ridge_too_large_is_refused_at_once) {
    /* 3000 x 3000 with a 20-fold inner CV keeps 21 scatters: 1.5 GiB. */
    const size_t n = 3000, d = 3000;
    float *x = calloc(n * d, sizeof(float)), *y = calloc(n, sizeof(float));
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.cv_lambda = 1;
    p.inner_folds = 20;
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    double t0 = now_s();
    wfm_status st = wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err);
    double dt = now_s() - t0;
    CHECK_MSG(st == WFM_ERR_INVALID_ARG && pr == NULL && strstr(err.message, "more than the limit of 1 GiB") &&
                  strstr(err.message, "task 'linear'"),
              "status %d: %s", st, err.message);
    CHECK_MSG(dt < 1.0, "took %.1f s", dt);
    wfm_probe_free(pr);
    free(x);
    free(y);
}

/* ---- logistic ------------------------------------------------------------ */

/* 1-D separable data: x = +1 (class 1) and -1 (class 0), m rows each. The
 * standardised feature is x itself, b = 0 by symmetry, and the optimum of
 * log(1 + e^-w) + lambda/2 w^2 solves lambda w = 1 / (1 + e^w). */
TEST(logistic_separable_known_optimum) {
    const size_t m = 20, n = 2 * m;
    float x[40];
    int y[40];
    for (size_t i = 0; i < n; i++) { y[i] = i % 2; x[i] = y[i] ? 1.0f : -1.0f; }
    const double lambdas[] = {1e-3, 1e-2, 0.1, 1};
    for (int t = 0; t < 4; t++) {
        double lam = lambdas[t], lo = 0, hi = 100;
        for (int k = 0; k < 200; k++) {
            double mid = 0.5 * (lo + hi);
            if (lam * mid < 1 / (1 + exp(mid))) lo = mid; else hi = mid;
        }
        wfm_probe_params p = wfm_probe_default_params();
        p.lambda = lam;
        p.tol = 1e-12;
        wfm_probe *pr = NULL;
        wfm_error err = {0};
        CHECK_MSG(wfm_probe_fit(x, n, 1, y, NULL, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
        if (!pr) continue;
        params_t pp;
        probe_params(pr, &pp);
        CHECK_NEAR(pp.w[0], lo, 1e-6 * fmax(1, lo));
        CHECK_NEAR(pp.b[0], 0, 1e-7);
        wfm_probe_info info;
        wfm_probe_get_info(pr, &info);
        CHECK(info.converged);
        wfm_probe_free(pr);
    }
}

/* Gradient of the documented objective in double at the probe's (float)
 * parameters; returns ||grad||_inf. */
static double objective_grad(const wfm_probe *pr, const float *x, const int *y, size_t n, size_t d, int K,
                             double lambda, int balanced) {
    params_t pp;
    probe_params(pr, &pp);
    int q = pp.q;
    double *g = calloc((size_t)q * (d + 1), sizeof(double)), cnt[16] = {0}, S = 0;
    for (size_t i = 0; i < n; i++) cnt[y[i]]++;
    for (size_t i = 0; i < n; i++) {
        double xs[64], z[16], r[16];
        for (size_t j = 0; j < d; j++) xs[j] = ((double)x[i * d + j] - pp.mean[j]) / pp.sd[j];
        for (int k = 0; k < q; k++) {
            z[k] = pp.b[k];
            for (size_t j = 0; j < d; j++) z[k] += pp.w[k * d + j] * xs[j];
        }
        double w = balanced ? (double)n / (K * cnt[y[i]]) : 1;
        S += w;
        if (q == 1) {
            r[0] = 1 / (1 + exp(-z[0])) - y[i];
        } else {
            double mx = z[0], s = 0;
            for (int k = 1; k < q; k++) mx = fmax(mx, z[k]);
            for (int k = 0; k < q; k++) s += exp(z[k] - mx);
            for (int k = 0; k < q; k++) r[k] = exp(z[k] - mx) / s - (k == y[i]);
        }
        for (int k = 0; k < q; k++) {
            for (size_t j = 0; j < d; j++) g[k * d + j] += w * r[k] * xs[j];
            g[(size_t)q * d + k] += w * r[k];
        }
    }
    double gi = 0;
    for (int k = 0; k < q; k++) {
        for (size_t j = 0; j < d; j++) gi = fmax(gi, fabs(g[k * d + j] / S + lambda * pp.w[k * d + j]));
        gi = fmax(gi, fabs(g[(size_t)q * d + k] / S));
    }
    free(g);
    return gi;
}

TEST(logistic_gradient_is_zero_at_the_optimum) {
    const size_t n = 400, d = 6;
    float *x = random_x(n, d, 11);
    int y[400];
    unsigned s = 5;
    for (int K = 2; K <= 4; K++) {
        for (size_t i = 0; i < n; i++) {
            /* class from a noisy linear score; imbalanced */
            double v = x[i * d] / 1.0 - 0.5 * x[i * d + 2] / 3.0 + 0.8 * wfm_t_uniform(&s);
            int c = (int)floor((v + 7) / 1.2);
            y[i] = c < 0 ? 0 : c >= K ? K - 1 : c;
        }
        int cnt[4] = {0};
        for (size_t i = 0; i < n; i++) cnt[y[i]]++;
        int ok = 1;
        for (int k = 0; k < K; k++) ok &= cnt[k] > 0;
        if (!ok) { for (size_t i = 0; i < (size_t)K; i++) y[i] = (int)i; }
        for (int balanced = 0; balanced < 2; balanced++) {
            wfm_probe_params p = wfm_probe_default_params();
            p.lambda = 1e-2;
            p.balanced = balanced;
            p.tol = 1e-10;
            wfm_probe *pr = NULL;
            wfm_error err = {0};
            CHECK_MSG(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
            if (!pr) continue;
            wfm_probe_info info;
            wfm_probe_get_info(pr, &info);
            double gi = objective_grad(pr, x, y, n, d, K, p.lambda, balanced);
            /* float parameters: the gradient there is ~ eps_f32 * |H| |w| */
            CHECK_MSG(gi < 2e-6, "K=%d balanced=%d: ||grad||_inf = %g (solver said %g after %d it)", K, balanced, gi,
                      info.grad_norm, info.iterations);
            CHECK(info.converged && info.n_classes == K && info.n_outputs == K);
            /* probabilities sum to 1 */
            float prob[400 * 4];
            int cls[400];
            CHECK(wfm_probe_predict(pr, NULL, x, n, d, prob, cls, NULL) == WFM_OK);
            double worst = 0;
            for (size_t i = 0; i < n; i++) {
                double sum = 0;
                int best = 0;
                for (int k = 0; k < K; k++) { sum += prob[i * K + k]; if (prob[i * K + k] > prob[i * K + best]) best = k; }
                worst = fmax(worst, fabs(sum - 1));
                CHECK(cls[i] == best);
            }
            CHECK(worst < 1e-6);
            wfm_probe_free(pr);
        }
    }
    free(x);
}

TEST(fit_is_deterministic) {
    const size_t n = 200, d = 5;
    float *x = random_x(n, d, 3);
    int y[200];
    for (size_t i = 0; i < n; i++) y[i] = (int)(i % 3);
    void *b1, *b2;
    size_t s1, s2;
    wfm_probe *p1 = NULL, *p2 = NULL;
    wfm_probe_params p = wfm_probe_default_params();
    p.cv_lambda = 1;
    CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &p1, NULL) == WFM_OK);
    CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &p2, NULL) == WFM_OK);
    if (p1 && p2) {
        wfm_probe_save_buffer(p1, &b1, &s1, NULL);
        wfm_probe_save_buffer(p2, &b2, &s2, NULL);
        CHECK(s1 == s2 && !memcmp(b1, b2, s1));
        wfm_probe_buffer_free(b1);
        wfm_probe_buffer_free(b2);
    }
    wfm_probe_free(p1);
    wfm_probe_free(p2);
    free(x);
}

TEST(cv_lambda_prefers_shrinkage_on_noise_and_little_on_signal) {
    const size_t n = 240, d = 20;
    float *x = random_x(n, d, 21);
    float y[240];
    unsigned s = 8;
    /* pure noise target: the strongest penalty wins */
    for (size_t i = 0; i < n; i++) y[i] = wfm_t_uniform(&s);
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.cv_lambda = 1;
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
    wfm_probe_info info;
    const double *ls, *sc;
    wfm_metric m;
    if (pr) {
        wfm_probe_get_info(pr, &info);
        CHECK_MSG(info.lambda >= 1, "noise: lambda %g", info.lambda);
        CHECK(wfm_probe_cv_scores(pr, &ls, &sc, &m) == 7);
        CHECK(m == WFM_METRIC_AUTO);
        wfm_probe_free(pr);
    }
    /* a clean linear signal: a small penalty wins */
    for (size_t i = 0; i < n; i++) y[i] = x[i * d + 3] - 0.5f * x[i * d + 7] + 0.01f * wfm_t_uniform(&s);
    for (int task = 0; task < 2; task++) {
        p.task = task ? WFM_PROBE_LINEAR : WFM_PROBE_RIDGE;
        CHECK_MSG(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
        if (pr) {
            wfm_probe_get_info(pr, &info);
            CHECK_MSG(info.lambda <= 1e-3, "signal: lambda %g", info.lambda);
            wfm_probe_free(pr);
        }
    }
    /* classification with a metric choice and a custom grid */
    int lab[240];
    for (size_t i = 0; i < n; i++) lab[i] = x[i * d + 3] + 0.3f * wfm_t_uniform(&s) > x[0 * d + 3] ? 1 : 0;
    double grid[] = {10, 1e-3};
    p = wfm_probe_default_params();
    p.cv_lambda = 1;
    p.lambdas = grid;
    p.n_lambdas = 2;
    p.cv_metric = WFM_METRIC_BALANCED_ACCURACY;
    CHECK_MSG(wfm_probe_fit(x, n, d, lab, NULL, NULL, &p, &pr, &err) == WFM_OK, "%s", err.message);
    if (pr) {
        CHECK(wfm_probe_cv_scores(pr, &ls, &sc, &m) == 2 && ls[0] == 1e-3 && ls[1] == 10 && m == WFM_METRIC_BALANCED_ACCURACY);
        wfm_probe_free(pr);
    }
    p.cv_metric = WFM_METRIC_RMSE;
    CHECK(wfm_probe_fit(x, n, d, lab, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "rmse") != NULL);
    free(x);
}

/* ---- metrics ---------------------------------------------------------------- */

TEST(binary_metrics_by_hand_with_ties) {
    const int y[6] = {0, 0, 1, 1, 0, 1};
    const float p1[6] = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f, 0.4f};
    float pr[12];
    for (int i = 0; i < 6; i++) { pr[2 * i] = 1 - p1[i]; pr[2 * i + 1] = p1[i]; }
    double m[WFM_METRIC_COUNT];
    CHECK(wfm_metrics_classification(y, pr, 6, 2, m, NULL) == WFM_OK);
    /* pairs (pos, neg): 0.35 beats 0.1; 0.8 beats all; 0.4 beats 0.1 and ties 0.4 twice -> 6/9 */
    CHECK_NEAR(m[WFM_METRIC_AUROC], 6.0 / 9.0, 1e-12);
    /* argmax: class 1 only where p1 > 0.5 (row 3) -> correct rows 0, 1, 3, 4 */
    CHECK_NEAR(m[WFM_METRIC_ACCURACY], 4.0 / 6.0, 1e-12);
    CHECK_NEAR(m[WFM_METRIC_BALANCED_ACCURACY], (1.0 + 1.0 / 3) / 2, 1e-12);
    /* F1: class 0 tp 3, 5 predicted, 3 true -> 0.75; class 1: tp 1, 1 predicted, 3 true -> 0.5 */
    CHECK_NEAR(m[WFM_METRIC_MACRO_F1], 0.625, 1e-12);
    double ll = -(log(0.9f) + log(0.6f) + log(0.35f) + log(0.8f) + log(0.6f) + log(0.4f)) / 6;
    CHECK_NEAR(m[WFM_METRIC_LOG_LOSS], ll, 1e-6);
    CHECK(isnan(m[WFM_METRIC_MAE]) && isnan(m[WFM_METRIC_R2]));
    /* all scores tied: AUROC 0.5 */
    for (int i = 0; i < 6; i++) { pr[2 * i] = 0.5f; pr[2 * i + 1] = 0.5f; }
    CHECK(wfm_metrics_classification(y, pr, 6, 2, m, NULL) == WFM_OK);
    CHECK_NEAR(m[WFM_METRIC_AUROC], 0.5, 1e-12);
    /* a single class: AUROC undefined, balanced accuracy over the class present */
    const int one[3] = {1, 1, 1};
    const float q[6] = {0.2f, 0.8f, 0.7f, 0.3f, 0.4f, 0.6f};
    CHECK(wfm_metrics_classification(one, q, 3, 2, m, NULL) == WFM_OK);
    CHECK(isnan(m[WFM_METRIC_AUROC]));
    CHECK_NEAR(m[WFM_METRIC_BALANCED_ACCURACY], 2.0 / 3, 1e-12);
    CHECK_NEAR(m[WFM_METRIC_ACCURACY], 2.0 / 3, 1e-12);
    /* F1: class 1 tp 2, predicted 2, true 3 -> 0.8; class 0 predicted once, never true -> 0 */
    CHECK_NEAR(m[WFM_METRIC_MACRO_F1], 0.4, 1e-12);
}

TEST(multiclass_auroc_one_vs_rest_by_hand) {
    /* 3 classes, 5 rows */
    const int y[5] = {0, 1, 2, 2, 1};
    const float p[15] = {0.6f, 0.3f, 0.1f,
                         0.2f, 0.5f, 0.3f,
                         0.1f, 0.2f, 0.7f,
                         0.3f, 0.3f, 0.4f,
                         0.3f, 0.3f, 0.4f};
    double m[WFM_METRIC_COUNT];
    CHECK(wfm_metrics_classification(y, p, 5, 3, m, NULL) == WFM_OK);
    /* class 0: pos 0.6 vs neg {0.2,0.1,0.3,0.3}: 4/4 = 1.
     * class 1: pos {0.5, 0.3} vs neg {0.3, 0.2, 0.3}: 0.5 beats 3; 0.3 ties 2 (1), beats 0.2 -> 2; 5/6.
     * class 2: pos {0.7, 0.4} vs neg {0.1, 0.3, 0.4}: 0.7 beats 3; 0.4 beats 2, ties 1 -> 2.5; 5.5/6. */
    CHECK_NEAR(m[WFM_METRIC_AUROC], (1 + 5.0 / 6 + 5.5 / 6) / 3, 1e-12);
    /* argmax: 0, 1, 2, 2, 2 (ties 0.3/0.3/0.4 -> 2) -> 4/5 correct */
    CHECK_NEAR(m[WFM_METRIC_ACCURACY], 0.8, 1e-12);
    CHECK_NEAR(m[WFM_METRIC_BALANCED_ACCURACY], (1 + 0.5 + 1) / 3, 1e-12);
    /* F1: c0 1; c1 tp1 pred1 true2 -> 2/3; c2 tp2 pred3 true2 -> 0.8 */
    CHECK_NEAR(m[WFM_METRIC_MACRO_F1], (1 + 2.0 / 3 + 0.8) / 3, 1e-7);
    /* class 0 absent: its one-vs-rest AUROC is left out of the mean */
    const int y2[5] = {1, 1, 2, 2, 1};
    CHECK(wfm_metrics_classification(y2, p, 5, 3, m, NULL) == WFM_OK);
    /* class 1: pos {0.3, 0.5, 0.3} vs neg {0.2, 0.3}: 0.3 -> 1 + .5, 0.5 -> 2, 0.3 -> 1.5: 5/6
     * class 2: pos {0.7, 0.4} vs neg {0.1, 0.3, 0.4}: 5.5/6 */
    CHECK_NEAR(m[WFM_METRIC_AUROC], (5.0 / 6 + 5.5 / 6) / 2, 1e-12);
    wfm_error err = {0};
    const int bad[5] = {0, 1, 3, 2, 1};
    CHECK(wfm_metrics_classification(bad, p, 5, 3, m, &err) == WFM_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "row 2") && strstr(err.message, "not a class"));
}

TEST(regression_metrics_by_hand) {
    const float y[4] = {1, 2, 3, 4}, p[4] = {1.5f, 2, 2.5f, 5};
    double m[WFM_METRIC_COUNT];
    CHECK(wfm_metrics_regression(y, p, 4, m, NULL) == WFM_OK);
    CHECK_NEAR(m[WFM_METRIC_MAE], 0.5, 1e-12);
    CHECK_NEAR(m[WFM_METRIC_RMSE], sqrt(0.375), 1e-12);
    CHECK_NEAR(m[WFM_METRIC_R2], 1 - 1.5 / 5, 1e-12);
    /* r = cov / (sd sd): dy = -1.5 -.5 .5 1.5, dp = -1.25 -.75 -.25 2.25 */
    double syp = 1.875 + 0.375 - 0.125 + 3.375, syy = 5, spp = 1.5625 + 0.5625 + 0.0625 + 5.0625;
    CHECK_NEAR(m[WFM_METRIC_PEARSON_R], syp / sqrt(syy * spp), 1e-12);
    CHECK(isnan(m[WFM_METRIC_AUROC]) && isnan(m[WFM_METRIC_ACCURACY]));
    const float c[4] = {2, 2, 2, 2};
    CHECK(wfm_metrics_regression(y, c, 4, m, NULL) == WFM_OK);
    CHECK(isnan(m[WFM_METRIC_PEARSON_R]) && !isnan(m[WFM_METRIC_R2]));
    CHECK(wfm_metrics_regression(c, p, 4, m, NULL) == WFM_OK);
    CHECK(isnan(m[WFM_METRIC_R2]) && isnan(m[WFM_METRIC_PEARSON_R]));
    CHECK(!strcmp(wfm_metric_name(WFM_METRIC_BALANCED_ACCURACY), "balanced_accuracy") && !wfm_metric_name(WFM_METRIC_COUNT));
}

/* ---- cross-validation ------------------------------------------------------------ */

TEST(grouped_cv_never_splits_a_subject) {
    const size_t n = 300, d = 4;
    float *x = random_x(n, d, 4);
    int y[300], g[300];
    unsigned s = 17;
    for (size_t i = 0; i < n; i++) {
        g[i] = (int)(wfm_t_rand(&s) % 13) * 7 - 20; /* 13 subjects, arbitrary ids, uneven sizes */
        y[i] = x[i * d + 1] + 0.5f * wfm_t_uniform(&s) > -2 ? 1 : 0;
    }
    for (int folds = 0; folds <= 5; folds += 5) {
        wfm_probe_cv *cv = NULL;
        wfm_error err = {0};
        CHECK_MSG(wfm_probe_cross_validate(x, n, d, y, NULL, g, folds, NULL, &cv, &err) == WFM_OK, "%s", err.message);
        if (!cv) continue;
        CHECK(cv->n_folds == (folds ? 5 : 13));
        /* each subject is in exactly one fold */
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n; k++)
                if (g[i] == g[k] && cv->fold_of_row[i] != cv->fold_of_row[k]) { CHECK(0); i = k = n; }
        size_t tot = 0;
        for (int f = 0; f < cv->n_folds; f++) {
            CHECK(cv->fold_train_rows[f] + cv->fold_test_rows[f] == n);
            CHECK(cv->fold_test_groups[f] == (folds ? cv->fold_test_groups[f] : 1));
            tot += (size_t)cv->fold_test_groups[f];
        }
        CHECK(tot == 13);
        CHECK(cv->n_defined[WFM_METRIC_ACCURACY] == cv->n_folds);
        CHECK(cv->mean[WFM_METRIC_AUROC] > 0.7 && cv->pooled[WFM_METRIC_AUROC] > 0.7);
        CHECK(isnan(cv->mean[WFM_METRIC_RMSE]));
        wfm_probe_cv_free(cv);
    }
    /* with cv_lambda: the inner folds are grouped too; it still runs */
    wfm_probe_params p = wfm_probe_default_params();
    p.cv_lambda = 1;
    p.inner_folds = 3;
    wfm_probe_cv *cv = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_probe_cross_validate(x, n, d, y, NULL, g, 4, &p, &cv, &err) == WFM_OK, "%s", err.message);
    if (cv) {
        for (int f = 0; f < cv->n_folds; f++) CHECK(cv->fold_lambda[f] > 0);
        wfm_probe_cv_free(cv);
    }
    free(x);
}

TEST(cv_single_class_folds_are_reported) {
    /* 3 subjects: two only ever class 0, one only class 1 */
    const size_t n = 60, d = 2;
    float *x = random_x(n, d, 9);
    int y[60], g[60];
    for (size_t i = 0; i < n; i++) { g[i] = (int)(i / 20); y[i] = g[i] == 2; }
    wfm_probe_cv *cv = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_probe_cross_validate(x, n, d, y, NULL, g, 0, NULL, &cv, &err) == WFM_OK, "%s", err.message);
    if (cv) {
        CHECK(cv->n_folds == 3);
        /* fold of subject 2: trained on class 0 only -> skipped */
        CHECK(cv->fold_status[2] == 1 && cv->n_skipped == 1);
        CHECK(isnan(cv->fold_metrics[2 * WFM_METRIC_COUNT + WFM_METRIC_ACCURACY]));
        /* the others: a single class in the test fold -> AUROC undefined, accuracy defined */
        CHECK(isnan(cv->fold_metrics[0 * WFM_METRIC_COUNT + WFM_METRIC_AUROC]));
        CHECK(cv->n_defined[WFM_METRIC_AUROC] == 0 && isnan(cv->mean[WFM_METRIC_AUROC]));
        CHECK(cv->n_defined[WFM_METRIC_ACCURACY] == 2);
        CHECK(isnan(cv->predictions[2 * 40]));
        /* pooled over the two fitted folds: only class 0 rows -> AUROC undefined too */
        CHECK(isnan(cv->pooled[WFM_METRIC_AUROC]) && !isnan(cv->pooled[WFM_METRIC_ACCURACY]));
        wfm_probe_cv_free(cv);
    }
    /* stratified k-fold keeps every class in every fold */
    for (size_t i = 0; i < n; i++) y[i] = (int)(i % 3 == 0);
    CHECK(wfm_probe_cross_validate(x, n, d, y, NULL, NULL, 5, NULL, &cv, NULL) == WFM_OK);
    if (cv) {
        for (int f = 0; f < 5; f++) {
            int pos = 0;
            for (size_t i = 0; i < n; i++) pos += cv->fold_of_row[i] == f && y[i];
            CHECK(pos == 4);
            CHECK(cv->fold_status[f] == 0 && !isnan(cv->fold_metrics[f * WFM_METRIC_COUNT + WFM_METRIC_AUROC]));
        }
        wfm_probe_cv_free(cv);
    }
    /* regression CV */
    float t[60];
    for (size_t i = 0; i < n; i++) t[i] = 2 * x[i * d] + 1;
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.lambda = 1e-6;
    CHECK(wfm_probe_cross_validate(x, n, d, NULL, t, NULL, 3, &p, &cv, NULL) == WFM_OK);
    if (cv) {
        CHECK(cv->mean[WFM_METRIC_R2] > 0.999 && cv->mean[WFM_METRIC_RMSE] < 1e-2 && isnan(cv->mean[WFM_METRIC_AUROC]));
        CHECK(cv->n_defined[WFM_METRIC_R2] == 3 && cv->std[WFM_METRIC_R2] >= 0);
        wfm_probe_cv_free(cv);
    }
    free(x);
}

/* ---- malformed input ------------------------------------------------------------- */

TEST(malformed_labels_give_clear_errors) {
    float x[20];
    int y[10];
    float t[10];
    for (int i = 0; i < 10; i++) { x[2 * i] = (float)i; x[2 * i + 1] = (float)(i % 3); y[i] = i % 2; t[i] = (float)i; }
    wfm_error err = {0};
    wfm_probe *pr = NULL;
    wfm_probe_params p = wfm_probe_default_params();
    /* a single class */
    int one[10] = {0};
    const char *names[3] = {"awake", "asleep", "restless"};
    p.class_names = names;
    p.n_classes = 2;
    CHECK(wfm_probe_fit(x, 10, 2, one, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "single class") && strstr(err.message, "'awake'"), "%s", err.message);
    /* an unknown class */
    y[4] = 2;
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 4") && strstr(err.message, "not a known class"), "%s", err.message);
    y[4] = -1;
    p.n_classes = 0;
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 4") && strstr(err.message, "-1"), "%s", err.message);
    y[4] = 0;
    /* a declared class with no rows */
    p.n_classes = 3;
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "'restless'") && strstr(err.message, "no rows"), "%s", err.message);
    p.n_classes = 0;
    p.class_names = NULL;
    /* NaN target, NaN feature, wrong kind of labels */
    p.task = WFM_PROBE_RIDGE;
    t[7] = NAN;
    CHECK(wfm_probe_fit(x, 10, 2, NULL, t, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 7") && strstr(err.message, "NaN"), "%s", err.message);
    t[7] = 7;
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "numeric targets"), "%s", err.message);
    x[13] = NAN;
    CHECK(wfm_probe_fit(x, 10, 2, NULL, t, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 6, feature 1"), "%s", err.message);
    x[13] = 1;
    p.task = WFM_PROBE_LOGISTIC;
    CHECK(wfm_probe_fit(x, 10, 2, NULL, t, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "class labels"), "%s", err.message);
    p.lambda = NAN;
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_ERR_INVALID_ARG);
    CHECK(pr == NULL);
    /* evaluation with a label the probe does not know */
    p = wfm_probe_default_params();
    CHECK(wfm_probe_fit(x, 10, 2, y, NULL, NULL, &p, &pr, &err) == WFM_OK);
    if (pr) {
        double m[WFM_METRIC_COUNT];
        y[3] = 5;
        CHECK(wfm_probe_evaluate(pr, NULL, x, 10, 2, y, NULL, m, &err) == WFM_ERR_INVALID_ARG);
        CHECK_MSG(strstr(err.message, "row 3") && strstr(err.message, "label 5"), "%s", err.message);
        y[3] = 1;
        CHECK(wfm_probe_evaluate(pr, NULL, x, 10, 2, y, NULL, m, &err) == WFM_OK);
        CHECK(m[WFM_METRIC_ACCURACY] >= 0 && m[WFM_METRIC_ACCURACY] <= 1);
        CHECK(wfm_probe_predict(pr, NULL, x, 5, 3, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
        CHECK_MSG(strstr(err.message, "3 columns"), "%s", err.message);
        wfm_probe_free(pr);
    }
    /* cross-validation: too few groups */
    int g[10] = {0};
    wfm_probe_cv *cv = NULL;
    CHECK(wfm_probe_cross_validate(x, 10, 2, y, NULL, g, 0, NULL, &cv, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "at least 2 groups"), "%s", err.message);
    CHECK(wfm_probe_cross_validate(x, 10, 2, y, NULL, NULL, 11, NULL, &cv, &err) == WFM_ERR_INVALID_ARG);
    CHECK(cv == NULL);
}

/* ---- save / load and the encoder binding ------------------------------------------- */

TEST(save_load_round_trip) {
    const size_t n = 120, d = 5;
    float *x = random_x(n, d, 12);
    int y[120];
    for (size_t i = 0; i < n; i++) y[i] = (int)(i % 3);
    const char *classes[3] = {"awake", "light \"sleep\"", "deep\\sleep"};
    const char *feats[5] = {"emb_0", "emb_1", "emb_2", "emb_3", "emb_4"};
    wfm_probe_params p = wfm_probe_default_params();
    p.class_names = classes;
    p.feature_names = feats;
    p.balanced = 1;
    p.cv_lambda = 1;
    wfm_probe *pr = NULL, *back = NULL;
    wfm_error err = {0};
    CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &pr, &err) == WFM_OK);
    if (!pr) { free(x); return; }
    void *buf;
    size_t size;
    CHECK(wfm_probe_save_buffer(pr, &buf, &size, &err) == WFM_OK);
    CHECK_MSG(wfm_probe_load_buffer(buf, size, &back, &err) == WFM_OK, "%s", err.message);
    if (back) {
        float a[360], b[360];
        CHECK(wfm_probe_predict(pr, NULL, x, n, d, a, NULL, NULL) == WFM_OK);
        CHECK(wfm_probe_predict(back, NULL, x, n, d, b, NULL, NULL) == WFM_OK);
        CHECK(!memcmp(a, b, sizeof a));
        wfm_probe_info i1, i2;
        wfm_probe_get_info(pr, &i1);
        wfm_probe_get_info(back, &i2);
        CHECK(i1.lambda == i2.lambda && i1.balanced == 1 && i2.balanced == 1 && i1.n_train == i2.n_train);
        CHECK(i1.iterations == i2.iterations && i2.converged && i2.encoder_hash == NULL);
        CHECK(!strcmp(wfm_probe_class_name(back, 1), "light \"sleep\"") && !strcmp(wfm_probe_class_name(back, 2), "deep\\sleep"));
        CHECK(wfm_probe_find_class(back, "awake") == 0 && wfm_probe_find_class(back, "nope") == -1);
        CHECK(!strcmp(wfm_probe_feature_name(back, 4), "emb_4"));
        const double *l1, *l2, *s1, *s2;
        wfm_metric m1, m2;
        CHECK(wfm_probe_cv_scores(pr, &l1, &s1, &m1) == 7 && wfm_probe_cv_scores(back, &l2, &s2, &m2) == 7);
        CHECK(!memcmp(l1, l2, 7 * sizeof(double)) && !memcmp(s1, s2, 7 * sizeof(double)));
        /* saving again gives the same bytes */
        void *buf2;
        size_t size2;
        CHECK(wfm_probe_save_buffer(back, &buf2, &size2, NULL) == WFM_OK);
        CHECK(size2 == size && !memcmp(buf, buf2, size));
        wfm_probe_buffer_free(buf2);
        wfm_probe_free(back);
    }
    /* file round trip and errors */
    CHECK(wfm_probe_save_file(pr, "test_probe.tmp.safetensors", &err) == WFM_OK);
    CHECK_MSG(wfm_probe_load_file("test_probe.tmp.safetensors", &back, &err) == WFM_OK, "%s", err.message);
    wfm_probe_free(back);
    remove("test_probe.tmp.safetensors");
    CHECK(wfm_probe_load_file("no/such/probe.safetensors", &back, &err) == WFM_ERR_IO);
    CHECK(wfm_probe_load_buffer(buf, size - 3, &back, &err) != WFM_OK && back == NULL);
    /* a model file is not a probe */
    size_t ms;
    mb_config mc = {.T = 60, .P = 10, .C = 2, .de = 8, .le = 1, .he = 2, .me = 16};
    uint8_t *model = mb_build(&mc, 5, &ms);
    CHECK(wfm_probe_load_buffer(model, ms, &back, &err) == WFM_ERR_FORMAT);
    CHECK_MSG(strstr(err.message, "model file"), "%s", err.message);
    free(model);
    /* corrupt metadata: the task */
    char *s = malloc(size);
    memcpy(s, buf, size);
    char *t = strstr(s + 8, "logistic");
    if (t) memcpy(t, "logisti_", 8);
    CHECK(wfm_probe_load_buffer(s, size, &back, &err) == WFM_ERR_FORMAT);
    CHECK_MSG(strstr(err.message, "task"), "%s", err.message);
    free(s);
    wfm_probe_buffer_free(buf);
    wfm_probe_free(pr);
    free(x);
}

/* Found by fuzz_probe: a probe file's finite but absurd weights and scales
 * (weight 7.5e28, feature_std 3e-18) made a regression probe predict inf.
 * The prediction is computed in double, where it is finite; one that does
 * not fit a float is an error naming the row, never an inf in the output. */
TEST(regression_prediction_beyond_float_range_is_an_error) {
    const size_t n = 30, d = 2;
    float *x = random_x(n, d, 4), y[30];
    for (size_t i = 0; i < n; i++) y[i] = x[i * d] - x[i * d + 1];
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    CHECK(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK);
    if (!pr) { free(x); return; }
    float out[30];
    CHECK(wfm_probe_predict(pr, NULL, x, n, d, out, NULL, &err) == WFM_OK);
    pr->weight[1] = 7.5e28f; /* as a corrupt file can hold: finite, so the loader accepts it */
    pr->std[1] = 3e-18f;
    CHECK(wfm_probe_predict(pr, NULL, x, n, d, out, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 0") && strstr(err.message, "beyond the float range"), "%s", err.message);
    double m[WFM_METRIC_COUNT];
    CHECK(wfm_probe_evaluate(pr, NULL, x, n, d, NULL, y, m, &err) == WFM_ERR_INVALID_ARG);
    wfm_probe_free(pr);
    free(x);
}

/* A host program may have set a locale with a decimal comma: the probe's
 * JSON metadata must still be written with '.', or it reads back as junk. */
TEST(save_is_locale_independent) {
    const char *loc = wfm_t_comma_locale();
    if (!loc) { printf("skip save_is_locale_independent: no locale with a decimal comma is installed (locale -a)\n"); return; }
    const size_t n = 40, d = 3;
    float *x = random_x(n, d, 7), y[40];
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i * d] - x[i * d + 2];
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    p.lambda = 0.25;
    wfm_probe *pr = NULL, *back = NULL;
    wfm_error err = {0};
    void *buf = NULL;
    size_t size = 0;
    CHECK(wfm_probe_fit(x, n, d, NULL, y, NULL, &p, &pr, &err) == WFM_OK);
    CHECK(pr && wfm_probe_save_buffer(pr, &buf, &size, &err) == WFM_OK);
    if (buf) {
        size_t hn = (size_t)rd64(buf);
        char *h = malloc(hn + 1); /* the header as a string */
        memcpy(h, (const char *)buf + 8, hn);
        h[hn] = 0;
        CHECK_MSG(strstr(h, "0.25") && !strstr(h, "0,25"), "%s: %s", loc, h);
        free(h);
        CHECK_MSG(wfm_probe_load_buffer(buf, size, &back, &err) == WFM_OK, "%s: %s", loc, err.message);
        wfm_probe_info info;
        if (back) { wfm_probe_get_info(back, &info); CHECK(info.lambda == 0.25); }
    }
    setlocale(LC_NUMERIC, "C");
    wfm_probe_buffer_free(buf);
    wfm_probe_free(back);
    wfm_probe_free(pr);
    free(x);
}

TEST(encoder_binding_and_hash_mismatch) {
    mb_config mc = {.T = 60, .P = 10, .C = 2, .de = 8, .le = 1, .he = 2, .me = 16, .dd = 8, .ld = 1, .hd = 2, .md = 16};
    size_t s1, s2;
    uint8_t *b1 = mb_build(&mc, 1, &s1), *b2 = mb_build(&mc, 2, &s2);
    wfm_model *m1 = NULL, *m1b = NULL, *m2 = NULL;
    CHECK(wfm_model_load_buffer(b1, s1, NULL, &m1, NULL) == WFM_OK);
    CHECK(wfm_model_load_buffer(b1, s1, NULL, &m1b, NULL) == WFM_OK);
    CHECK(wfm_model_load_buffer(b2, s2, NULL, &m2, NULL) == WFM_OK);
    if (!m1 || !m2 || !m1b) return;
    const char *h1 = wfm_model_weights_hash(m1), *h2 = wfm_model_weights_hash(m2);
    CHECK(!strncmp(h1, "fnv1a64w:", 9) && strlen(h1) == 25);
    CHECK(strcmp(h1, h2) != 0 && !strcmp(h1, wfm_model_weights_hash(m1b)));
    /* one weight byte changed -> another hash */
    b1[s1 - 2] ^= 1;
    wfm_model *m3 = NULL;
    CHECK(wfm_model_load_buffer(b1, s1, NULL, &m3, NULL) == WFM_OK);
    if (m3) CHECK(strcmp(h1, wfm_model_weights_hash(m3)) != 0);
    wfm_model_free(m3);

    const size_t n = 40, d = 8;
    float *x = random_x(n, d, 2);
    int y[40];
    for (size_t i = 0; i < n; i++) y[i] = x[i * d] > -5;
    wfm_probe_params p = wfm_probe_default_params();
    p.model = m1;
    wfm_probe *bound = NULL, *free_probe = NULL, *back = NULL;
    wfm_error err = {0};
    CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &bound, &err) == WFM_OK);
    p.model = NULL;
    CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &free_probe, &err) == WFM_OK);
    if (bound && free_probe) {
        float out[80];
        wfm_probe_info info;
        wfm_probe_get_info(bound, &info);
        CHECK(info.encoder_hash && !strcmp(info.encoder_hash, h1));
        CHECK(wfm_probe_predict(bound, m1b, x, n, d, out, NULL, &err) == WFM_OK);
        CHECK(wfm_probe_predict(bound, m2, x, n, d, out, NULL, &err) == WFM_ERR_INVALID_ARG);
        CHECK_MSG(strstr(err.message, "another encoder") && strstr(err.message, h1) && strstr(err.message, h2), "%s", err.message);
        CHECK(wfm_probe_check_model(bound, m2, NULL) == WFM_ERR_INVALID_ARG);
        double m[WFM_METRIC_COUNT];
        CHECK(wfm_probe_evaluate(bound, m2, x, n, d, y, NULL, m, NULL) == WFM_ERR_INVALID_ARG);
        /* the binding survives a save */
        void *buf;
        size_t size;
        CHECK(wfm_probe_save_buffer(bound, &buf, &size, NULL) == WFM_OK);
        CHECK(wfm_probe_load_buffer(buf, size, &back, NULL) == WFM_OK);
        wfm_probe_buffer_free(buf);
        if (back) {
            CHECK(wfm_probe_predict(back, m2, x, n, d, out, NULL, &err) == WFM_ERR_INVALID_ARG);
            CHECK(wfm_probe_predict(back, m1, x, n, d, out, NULL, &err) == WFM_OK);
            wfm_probe_free(back);
        }
        /* an unbound probe skips the check */
        CHECK(wfm_probe_predict(free_probe, m2, x, n, d, out, NULL, &err) == WFM_OK);
    }
    wfm_probe_free(bound);
    wfm_probe_free(free_probe);
    wfm_model_free(m1);
    wfm_model_free(m1b);
    wfm_model_free(m2);
    free(b1);
    free(b2);
    free(x);
}

/* The accessor returns what the probe file stores, for binary, softmax and ridge probes. */
TEST(coefficients_accessor_matches_the_saved_file) {
    const size_t n = 60, d = 5;
    float *x = random_x(n, d, 7);
    int labels[60];
    float targets[60];
    for (size_t i = 0; i < n; i++) { labels[i] = (int)(i % 3); targets[i] = x[i * d] - 2.0f * x[i * d + 1]; }
    for (int kind = 0; kind < 3; kind++) {
        wfm_probe_params pp = wfm_probe_default_params();
        int binary[60];
        for (size_t i = 0; i < n; i++) binary[i] = labels[i] == 1;
        if (kind == 2) pp.task = WFM_PROBE_RIDGE;
        wfm_probe *p = NULL;
        CHECK(wfm_probe_fit(x, n, d, kind == 0 ? binary : kind == 1 ? labels : NULL, kind == 2 ? targets : NULL, NULL,
                            &pp, &p, NULL) == WFM_OK);
        params_t saved;
        probe_params(p, &saved);
        wfm_probe_coefficients co;
        wfm_probe_get_coefficients(p, &co);
        CHECK(co.rows == saved.q && co.cols == (int)d);
        CHECK(!memcmp(co.weight, saved.w, sizeof(float) * (size_t)(co.rows * co.cols)));
        CHECK(!memcmp(co.bias, saved.b, sizeof(float) * (size_t)co.rows));
        CHECK(!memcmp(co.feature_mean, saved.mean, sizeof(float) * d));
        CHECK(!memcmp(co.feature_std, saved.sd, sizeof(float) * d));
        wfm_probe_free(p);
    }
    wfm_probe_coefficients none;
    wfm_probe_get_coefficients(NULL, &none);
    CHECK(none.rows == 0 && !none.weight);
    free(x);
}


/* ---- person-relative features ------------------------------------------- */

TEST(relative_features_standardise_within_each_group) {
    /* groups 7 and -3 (any ints), rows interleaved; feature 1 is constant in group -3 */
    float x[] = {1, 5, 100, 2, 3, 5, 200, 2, 5, 5, 300, 2, 4, 7};
    int g[] = {7, -3, 7, -3, 7, -3, 7};
    size_t n = 7, d = 2;
    /* a third column would be the same code; group 7 rows 0,2,4,6 of feature 0: 1,100,300,4 */
    wfm_features_relative_info info;
    wfm_error err = {0};
    float y[14];
    memcpy(y, x, sizeof x);
    CHECK_MSG(wfm_features_relative(y, n, d, g, NULL, &info, &err) == WFM_OK, "%s", err.message);
    CHECK(info.n_groups == 2 && info.min_reference_rows == 3);
    for (int grp = 0; grp < 2; grp++) {
        int id = grp ? -3 : 7;
        for (size_t j = 0; j < d; j++) {
            double m = 0, v = 0, k = 0;
            for (size_t i = 0; i < n; i++) if (g[i] == id) m += x[i * d + j], k++;
            m /= k;
            for (size_t i = 0; i < n; i++) if (g[i] == id) v += (x[i * d + j] - m) * (x[i * d + j] - m);
            double sd = sqrt(v / k);
            for (size_t i = 0; i < n; i++) {
                if (g[i] != id) continue;
                double want = sd > 0 ? (x[i * d + j] - m) / sd : x[i * d + j] - m;
                CHECK_MSG(fabs(y[i * d + j] - want) < 1e-6, "group %d feature %zu row %zu: %g, want %g", id, j, i,
                          y[i * d + j], want);
            }
        }
    }
    /* constant within a group: centred to exactly 0 */
    CHECK(y[1 * d + 1] == 0 && y[3 * d + 1] == 0 && y[5 * d + 1] == 0);
}

TEST(relative_features_take_statistics_from_reference_rows_only) {
    /* one group; rows 0-3 are the reference (mean 2.5, sd sqrt(1.25)), row 4 is not */
    float x[] = {1, 2, 3, 4, 1000};
    int g[] = {0, 0, 0, 0, 0};
    uint8_t ref[] = {1, 1, 1, 1, 0};
    CHECK(wfm_features_relative(x, 5, 1, g, ref, NULL, NULL) == WFM_OK);
    double sd = sqrt(1.25);
    CHECK(fabs(x[0] - (1 - 2.5) / sd) < 1e-6 && fabs(x[3] - (4 - 2.5) / sd) < 1e-6);
    CHECK(fabs(x[4] - (1000 - 2.5) / sd) < 1e-3);
}

TEST(relative_features_refuse_bad_input_and_leave_it_unchanged) {
    float x[] = {1, 2, 3, 4};
    int g[] = {0, 1, 0, 1};
    uint8_t ref[] = {1, 0, 1, 0}; /* group 1 has no reference row */
    float before[4];
    memcpy(before, x, sizeof x);
    wfm_error err = {0};
    CHECK(wfm_features_relative(x, 4, 1, g, ref, NULL, &err) == WFM_ERR_NO_DATA);
    CHECK_MSG(strstr(err.message, "group 1") != NULL, "%s", err.message);
    CHECK(!memcmp(x, before, sizeof x));
    CHECK(wfm_features_relative(NULL, 4, 1, g, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_features_relative(x, 4, 1, NULL, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_features_relative(x, 0, 1, g, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
    x[2] = NAN;
    CHECK(wfm_features_relative(x, 4, 1, g, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(strstr(err.message, "row 2") != NULL, "%s", err.message);
}

/* What the transform is for: people whose levels differ more than the
 * classes do. The label is a rise above the person's own level; a probe on
 * raw features, fitted on 6 people, misreads a new person with a high level,
 * and the relative one does not. */
TEST(relative_features_carry_a_probe_to_a_new_person) {
    enum { PEOPLE = 7, PER = 40 };
    size_t n = PEOPLE * PER, d = 2;
    float *x = malloc(sizeof(float) * n * d), *xr = malloc(sizeof(float) * n * d);
    int *y = malloc(sizeof(int) * n), *g = malloc(sizeof(int) * n);
    unsigned seed = 5;
    for (size_t i = 0; i < n; i++) {
        int person = (int)(i / PER);
        double level = person == PEOPLE - 1 ? 30 : 10 * (person % 3);  /* the new person sits highest */
        y[i] = (int)(i % 2);
        g[i] = person;
        x[i * d] = (float)(level + 3.0 * y[i] + wfm_t_uniform(&seed));
        x[i * d + 1] = wfm_t_uniform(&seed);
    }
    memcpy(xr, x, sizeof(float) * n * d);
    CHECK(wfm_features_relative(xr, n, d, g, NULL, NULL, NULL) == WFM_OK);
    size_t n_train = (PEOPLE - 1) * PER, test = n_train;
    double acc[2];
    for (int rel = 0; rel < 2; rel++) {
        const float *X = rel ? xr : x;
        wfm_probe_params p = wfm_probe_default_params();
        p.relative = rel;
        wfm_probe *pr = NULL;
        CHECK(wfm_probe_fit(X, n_train, d, y, NULL, g, &p, &pr, NULL) == WFM_OK);
        int cls[PER];
        CHECK(wfm_probe_predict(pr, NULL, X + test * d, PER, d, NULL, cls, NULL) == WFM_OK);
        int right = 0;
        for (int i = 0; i < PER; i++) right += cls[i] == y[test + (size_t)i];
        acc[rel] = right / (double)PER;
        wfm_probe_info info;
        wfm_probe_get_info(pr, &info);
        CHECK(info.relative == rel);
        wfm_probe_free(pr);
    }
    CHECK_MSG(acc[0] <= 0.6 && acc[1] >= 0.95, "new person's accuracy: raw %.2f, relative %.2f", acc[0], acc[1]);
    free(x), free(xr), free(y), free(g);
}

static char *find_bytes(void *buf, size_t size, const char *key) {
    size_t k = strlen(key);
    for (size_t i = 0; i + k <= size; i++)
        if (!memcmp((char *)buf + i, key, k)) return (char *)buf + i;
    return NULL;
}

TEST(relative_flag_survives_a_file_and_is_parsed_strictly) {
    const size_t n = 40, d = 2;
    float *x = random_x(n, d, 3);
    int y[40];
    for (size_t i = 0; i < n; i++) y[i] = (int)(i % 2);
    for (int rel = 0; rel < 2; rel++) {
        wfm_probe_params p = wfm_probe_default_params();
        p.relative = rel;
        wfm_probe *pr = NULL, *back = NULL;
        CHECK(wfm_probe_fit(x, n, d, y, NULL, NULL, &p, &pr, NULL) == WFM_OK);
        void *buf;
        size_t size;
        CHECK(wfm_probe_save_buffer(pr, &buf, &size, NULL) == WFM_OK);
        /* the probe's JSON is a string inside the safetensors header: its quotes are escaped */
        const char *key = "features_relative_to_group\\\": true";
        char *hit = find_bytes(buf, size, key);
        CHECK(rel ? hit != NULL : hit == NULL);  /* older readers never see the key of a plain probe */
        CHECK(wfm_probe_load_buffer(buf, size, &back, NULL) == WFM_OK);
        wfm_probe_info info;
        wfm_probe_get_info(back, &info);
        CHECK(info.relative == rel);
        wfm_probe_free(back);
        if (rel && hit) {
            memcpy(hit + strlen(key) - 4, "1   ", 4);  /* a number is not a flag */
            wfm_error err = {0};
            back = NULL;
            CHECK(wfm_probe_load_buffer(buf, size, &back, &err) == WFM_ERR_FORMAT);
            CHECK_MSG(strstr(err.message, "features_relative_to_group") != NULL, "%s", err.message);
            wfm_probe_free(back);
        }
        wfm_probe_buffer_free(buf);
        wfm_probe_free(pr);
    }
    free(x);
}

int main(void) {
    RUN(ridge_matches_closed_form);
    RUN(ridge_constant_feature_and_lambda_zero);
    RUN(ridge_dual_form_equals_the_primal);
    RUN(ridge_with_many_more_features_than_rows_is_fast);
    RUN(ridge_too_large_is_refused_at_once);
    RUN(logistic_separable_known_optimum);
    RUN(logistic_gradient_is_zero_at_the_optimum);
    RUN(fit_is_deterministic);
    RUN(cv_lambda_prefers_shrinkage_on_noise_and_little_on_signal);
    RUN(binary_metrics_by_hand_with_ties);
    RUN(multiclass_auroc_one_vs_rest_by_hand);
    RUN(regression_metrics_by_hand);
    RUN(grouped_cv_never_splits_a_subject);
    RUN(cv_single_class_folds_are_reported);
    RUN(malformed_labels_give_clear_errors);
    RUN(save_load_round_trip);
    RUN(regression_prediction_beyond_float_range_is_an_error);
    RUN(encoder_binding_and_hash_mismatch);
    RUN(save_is_locale_independent);
    RUN(coefficients_accessor_matches_the_saved_file);
    RUN(relative_features_standardise_within_each_group);
    RUN(relative_features_take_statistics_from_reference_rows_only);
    RUN(relative_features_refuse_bad_input_and_leave_it_unchanged);
    RUN(relative_features_carry_a_probe_to_a_new_person);
    RUN(relative_flag_survives_a_file_and_is_parsed_strictly);
    return TEST_SUMMARY();
}
