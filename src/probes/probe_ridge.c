/* Ridge regression in closed form, numerically sound:
 *
 * 1. Centred cross-products ("scatter") of [features, target] over the rows,
 *    two-pass: the means first (rows in order), then the sum of outer
 *    products of the centred rows, in blocks of 4 rows with a fixed order.
 *    Centring before multiplying avoids the cancellation of X^T X - n m m^T.
 *    Scatters of disjoint row sets (cross-validation folds) merge exactly
 *    with Chan, Golub & LeVeque's pairwise update.
 * 2. On standardised features (x - mean) / std and a centred target, with
 *    the objective (1/2n) ||y_c - X_s w||^2 + lambda/2 ||w||^2, the normal
 *    equations are (X_s^T X_s / n + lambda I) w = X_s^T y_c / n. The matrix is
 *    the feature correlation matrix plus lambda I: well scaled (unit
 *    diagonal), symmetric positive definite for lambda > 0, so a Cholesky
 *    factorisation is stable (no pivoting needed). The bias is the target
 *    mean (the features are centred), so it is not penalised.
 * A constant feature (std <= 1e-12 |mean|) gets std 1 and weight 0.
 * With more features than rows, the dual form (at the end) solves the same
 * problem as an n x n system. */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "probes/linalg.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void wfm_scatter_free(wfm_scatter *s) {
    free(s->mean); free(s->m2);
    s->mean = s->m2 = NULL;
}

static wfm_status scatter_alloc(wfm_scatter *s, size_t d, wfm_error *err) {
    size_t e = d + 1;
    s->d = d;
    s->n = 0;
    s->mean = wfm_calloc(e, sizeof(double));
    s->m2 = wfm_calloc(e * e, sizeof(double));
    if (!s->mean || !s->m2) { wfm_scatter_free(s); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory (%zu x %zu scatter)", e, e); }
    return WFM_OK;
}

wfm_status wfm_scatter_copy(wfm_scatter *dst, const wfm_scatter *src, wfm_error *err) {
    wfm_status st = scatter_alloc(dst, src->d, err);
    if (st) return st;
    size_t e = src->d + 1;
    dst->n = src->n;
    memcpy(dst->mean, src->mean, sizeof(double) * e);
    memcpy(dst->m2, src->m2, sizeof(double) * e * e);
    return WFM_OK;
}

wfm_status wfm_scatter_compute(wfm_scatter *s, const wfm_rows *r, wfm_error *err) {
    const size_t d = r->d, e = d + 1, n = r->n;
    wfm_status st = scatter_alloc(s, d, err);
    if (st) return st;
    double *c = wfm_malloc(sizeof(double) * 4 * e);
    if (!c) { wfm_scatter_free(s); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t row = wfm_row(r, i);
        wfm_axpy_fd(1.0, r->X + row * d, s->mean, d);
        s->mean[d] += (double)r->targets[row];
    }
    for (size_t j = 0; j < e; j++) s->mean[j] /= (double)(n ? n : 1);
    for (size_t i0 = 0; i0 < n; i0 += 4) {
        size_t nb = n - i0 < 4 ? n - i0 : 4;
        for (size_t b = 0; b < 4; b++) {
            double *cb = c + b * e;
            if (b >= nb) { memset(cb, 0, sizeof(double) * e); continue; }
            size_t row = wfm_row(r, i0 + b);
            const float *x = r->X + row * d;
            for (size_t j = 0; j < d; j++) cb[j] = (double)x[j] - s->mean[j];
            cb[d] = (double)r->targets[row] - s->mean[d];
        }
        const double *c0 = c, *c1 = c + e, *c2 = c + 2 * e, *c3 = c + 3 * e;
        for (size_t j = 0; j < e; j++) {
            double a0 = c0[j], a1 = c1[j], a2 = c2[j], a3 = c3[j];
            double *mj = s->m2 + j * e;
            for (size_t k = 0; k <= j; k++) mj[k] += (a0 * c0[k] + a1 * c1[k]) + (a2 * c2[k] + a3 * c3[k]);
        }
    }
    free(c);
    return WFM_OK;
}

void wfm_scatter_merge(wfm_scatter *a, const wfm_scatter *b) {
    const size_t e = a->d + 1;
    if (!b->n) return;
    if (!a->n) {
        a->n = b->n;
        memcpy(a->mean, b->mean, sizeof(double) * e);
        memcpy(a->m2, b->m2, sizeof(double) * e * e);
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb, f = na * nb / n;
    for (size_t j = 0; j < e; j++) {
        double dj = b->mean[j] - a->mean[j];
        double *mj = a->m2 + j * e;
        const double *bj = b->m2 + j * e;
        for (size_t k = 0; k <= j; k++) mj[k] += bj[k] + f * dj * (b->mean[k] - a->mean[k]);
    }
    for (size_t j = 0; j < e; j++) a->mean[j] += (b->mean[j] - a->mean[j]) * (nb / n);
    a->n += b->n;
}

wfm_status wfm_ridge_solve(const wfm_scatter *s, double lambda, wfm_probe *p, wfm_error *err) {
    const size_t d = s->d, e = d + 1;
    const double n = (double)s->n;
    double *a = wfm_malloc(sizeof(double) * (d ? d * d : 1)), *rhs = wfm_malloc(sizeof(double) * (d ? d : 1));
    double *sd = wfm_malloc(sizeof(double) * (d ? d : 1));
    if (!a || !rhs || !sd) { free(a); free(rhs); free(sd); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (size_t j = 0; j < d; j++) {
        double v = sqrt(s->m2[j * e + j] / n);
        sd[j] = v > 1e-12 * fabs(s->mean[j]) && v > 0 ? v : 1.0;
    }
    for (size_t j = 0; j < d; j++) {
        for (size_t k = 0; k <= j; k++) a[j * d + k] = s->m2[j * e + k] / (n * sd[j] * sd[k]);
        a[j * d + j] += lambda;
        rhs[j] = s->m2[d * e + j] / (n * sd[j]);
    }
    if (wfm_cholesky(a, d)) {
        free(a); free(rhs); free(sd);
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "ridge: the standardised Gram matrix + lambda I is not positive definite "
                        "(lambda = %g; use a larger lambda, or task 'linear')", lambda);
    }
    wfm_cholesky_solve(a, d, rhs);
    /* The probe stores float means: move the bias so that predictions with
     * the rounded means equal those with the exact ones. */
    double b = s->mean[d];
    for (size_t j = 0; j < d; j++) {
        p->weight[j] = (float)rhs[j];
        p->mean[j] = (float)s->mean[j];
        p->std[j] = (float)sd[j];
        b += rhs[j] * ((double)p->mean[j] - s->mean[j]) / sd[j];
    }
    p->bias[0] = (float)b;
    free(a); free(rhs); free(sd);
    return WFM_OK;
}

/* ---- the dual form, for d > n ------------------------------------------------
 *
 * With more features than rows the d x d system above costs O(n d^2 + d^3)
 * time and 16 d^2 bytes (3.2 GB and hours at 8 x 20,000). The same solution
 * is w = X_s^T a with (X_s X_s^T / n + lambda I) a = y_c / n (multiply by
 * X_s^T: (X_s^T X_s / n + lambda I) X_s^T a = X_s^T y_c / n), an n x n system:
 * O(n^2 d + n^3) time, 8 (n d + 2 n^2) bytes. The standardisation is the
 * primal's, computed in the same order (the scatter's diagonal), so the
 * means and stds are bit-identical and only the solve's rounding differs. */

void wfm_ridge_dual_free(wfm_ridge_dual *u) {
    free(u->mean); free(u->sd); free(u->xs); free(u->yc); free(u->gram);
    memset(u, 0, sizeof *u);
}

wfm_status wfm_ridge_dual_prepare(wfm_ridge_dual *u, const wfm_rows *r, wfm_error *err) {
    const size_t d = r->d, n = r->n;
    memset(u, 0, sizeof *u);
    u->n = n;
    u->d = d;
    u->mean = wfm_calloc(d + 1, sizeof(double));
    u->sd = wfm_calloc(d + 1, sizeof(double));
    u->xs = wfm_malloc(sizeof(double) * (n * d + 1));
    u->yc = wfm_malloc(sizeof(double) * (n + 1));
    u->gram = wfm_malloc(sizeof(double) * (n * n + 1));
    double *c = wfm_malloc(sizeof(double) * (4 * d + 1));
    if (!u->mean || !u->sd || !u->xs || !u->yc || !u->gram || !c) {
        free(c);
        wfm_ridge_dual_free(u);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory (ridge, dual form: %zu x %zu)", n, d);
    }
    /* means and diagonal scatter exactly as wfm_scatter_compute */
    for (size_t i = 0; i < n; i++) {
        size_t row = wfm_row(r, i);
        wfm_axpy_fd(1.0, r->X + row * d, u->mean, d);
        u->mean[d] += (double)r->targets[row];
    }
    for (size_t j = 0; j <= d; j++) u->mean[j] /= (double)(n ? n : 1);
    double *m2 = u->sd; /* the diagonal first, the std in place after */
    for (size_t i0 = 0; i0 < n; i0 += 4) {
        size_t nb = n - i0 < 4 ? n - i0 : 4;
        for (size_t b = 0; b < 4; b++) {
            double *cb = c + b * d;
            if (b >= nb) { memset(cb, 0, sizeof(double) * d); continue; }
            const float *x = r->X + wfm_row(r, i0 + b) * d;
            for (size_t j = 0; j < d; j++) cb[j] = (double)x[j] - u->mean[j];
        }
        const double *c0 = c, *c1 = c + d, *c2 = c + 2 * d, *c3 = c + 3 * d;
        for (size_t j = 0; j < d; j++)
            m2[j] += (c0[j] * c0[j] + c1[j] * c1[j]) + (c2[j] * c2[j] + c3[j] * c3[j]);
    }
    free(c);
    for (size_t j = 0; j < d; j++) {
        double v = sqrt(m2[j] / (double)n);
        u->sd[j] = v > 1e-12 * fabs(u->mean[j]) && v > 0 ? v : 1.0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t row = wfm_row(r, i);
        const float *x = r->X + row * d;
        double *xs = u->xs + i * d;
        for (size_t j = 0; j < d; j++) xs[j] = ((double)x[j] - u->mean[j]) / u->sd[j];
        u->yc[i] = (double)r->targets[row] - u->mean[d];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k <= i; k++) u->gram[i * n + k] = wfm_dot_dd(u->xs + i * d, u->xs + k * d, d);
    return WFM_OK;
}

wfm_status wfm_ridge_dual_solve(const wfm_ridge_dual *u, double lambda, wfm_probe *p, wfm_error *err) {
    const size_t n = u->n, d = u->d;
    const double nn = (double)n;
    double *a = wfm_malloc(sizeof(double) * (n * n + 1)), *alpha = wfm_malloc(sizeof(double) * (n + 1)),
           *w = wfm_calloc(d + 1, sizeof(double));
    if (!a || !alpha || !w) { free(a); free(alpha); free(w); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k <= i; k++) a[i * n + k] = u->gram[i * n + k] / nn;
        a[i * n + i] += lambda;
        alpha[i] = u->yc[i] / nn;
    }
    if (wfm_cholesky(a, n)) {
        free(a); free(alpha); free(w);
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "ridge: the standardised Gram matrix + lambda I is not positive definite "
                        "(lambda = %g; use a larger lambda, or task 'linear')", lambda);
    }
    wfm_cholesky_solve(a, n, alpha);
    for (size_t i = 0; i < n; i++) { /* w = X_s^T alpha, rows in order */
        const double *xs = u->xs + i * d;
        for (size_t j = 0; j < d; j++) w[j] += alpha[i] * xs[j];
    }
    double b = u->mean[d];
    for (size_t j = 0; j < d; j++) {
        p->weight[j] = (float)w[j];
        p->mean[j] = (float)u->mean[j];
        p->std[j] = (float)u->sd[j];
        b += w[j] * ((double)p->mean[j] - u->mean[j]) / u->sd[j];
    }
    p->bias[0] = (float)b;
    free(a); free(alpha); free(w);
    return WFM_OK;
}

int wfm_ridge_use_dual(size_t n, size_t d) { return d > n; }

uint64_t wfm_ridge_bytes(size_t n, size_t d, int cv_folds) {
    const uint64_t N = n, D = d, e = D + 1;
    if (wfm_ridge_use_dual(n, d)) /* X_s, Gram, factor (one fold's at a time in CV) */
        return 8 * (N * D + 2 * N * N + 2 * e);
    /* scatter and factor; CV keeps every fold's scatter and a merged copy */
    return 8 * (e * e * (cv_folds > 0 ? (uint64_t)cv_folds + 1 : 1) + D * D + 2 * e);
}
