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
 * A constant feature (std <= 1e-12 |mean|) gets std 1 and weight 0. */
#include "probe.h"
#include "error.h"
#include "linalg.h"
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
    s->mean = calloc(e, sizeof(double));
    s->m2 = calloc(e * e, sizeof(double));
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
    double *c = malloc(sizeof(double) * 4 * e);
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
    double *a = malloc(sizeof(double) * (d ? d * d : 1)), *rhs = malloc(sizeof(double) * (d ? d : 1));
    double *sd = malloc(sizeof(double) * (d ? d : 1));
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
