#include "probes/probe_glm.h"
#include "platform/alloc.h"
#include "probes/linalg.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int wfm_glm_alloc(wfm_glm *g) {
    size_t nq = g->n * (size_t)g->q;
    g->z = wfm_malloc(sizeof(double) * (nq ? nq : 1));
    g->u = wfm_malloc(sizeof(double) * (nq ? nq : 1));
    g->rc = wfm_malloc(sizeof(double) * (nq ? nq : 1));
    g->rc_valid = 0;
    if (!g->z || !g->u || !g->rc) { wfm_glm_free(g); return -1; }
    return 0;
}

void wfm_glm_free(wfm_glm *g) {
    free(g->z); free(g->u); free(g->rc);
    g->z = g->u = g->rc = NULL;
}

size_t wfm_glm_params(const wfm_glm *g) { return (size_t)g->q * (g->d + 1); }

static void dot_group(const float *x, const double *w, size_t d, int m, double *o) {
    if (m == 4) wfm_dot4_fd(x, w, d, d, o);
    else for (int k = 0; k < m; k++) o[k] = wfm_dot_fd(x, w + (size_t)k * d, d);
}

/* out[i*q + k] = W_k . x_i + b_k for theta = [W, b]. */
static void forward(const wfm_glm *g, const double *theta, double *out) {
    const size_t d = g->d, q = (size_t)g->q;
    const double *b = theta + q * d;
    for (size_t i = 0; i < g->n; i++) {
        const float *xi = g->x + i * d;
        double *o = out + i * q;
        for (size_t k = 0; k < q; k += 4) dot_group(xi, theta + k * d, d, q - k < 4 ? (int)(q - k) : 4, o + k);
        for (size_t k = 0; k < q; k++) o[k] += b[k];
    }
}

static void axpy_group(const float *x, const double *r, double *G, size_t d, int m) {
    if (m == 4) wfm_axpy4_fd(r, x, G, d, d);
    else for (int k = 0; k < m; k++) wfm_axpy_fd(r[k], x, G + (size_t)k * d, d);
}

void wfm_glm_reset(wfm_glm *g, const double *theta) {
    forward(g, theta, g->z);
    g->rc_valid = 0;
    g->ww = wfm_dot_dd(theta, theta, (size_t)g->q * g->d);
}

/* Loss of one row at scores v, and its gradient r = dloss/dv (q values);
 * with u != NULL also the first and second derivatives along u. */
static double row_loss(const wfm_glm *g, size_t i, const double *v, double *r, const double *u, double *d1,
                       double *d2) {
    switch (g->loss) {
    case WFM_LOSS_BINARY: {
        double z = v[0], y = (double)g->y[i];
        double e = exp(-fabs(z));
        double l = (z > 0 ? z : 0) + log1p(e) - y * z;
        double p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
        r[0] = p - y;
        if (u) { *d1 = r[0] * u[0]; *d2 = p * (1 - p) * u[0] * u[0]; }
        return l;
    }
    case WFM_LOSS_SOFTMAX: {
        const int q = g->q, y = g->y[i];
        double m = v[0];
        for (int k = 1; k < q; k++) m = fmax(m, v[k]);
        double s = 0;
        for (int k = 0; k < q; k++) { r[k] = exp(v[k] - m); s += r[k]; }
        double l = m + log(s) - v[y], inv = 1 / s;
        double pu = 0, puu = 0;
        for (int k = 0; k < q; k++) {
            r[k] *= inv;
            if (u) { pu += r[k] * u[k]; puu += r[k] * u[k] * u[k]; }
        }
        if (u) { *d1 = pu - u[y]; *d2 = puu - pu * pu; }
        r[y] -= 1;
        return l;
    }
    case WFM_LOSS_SQUARED: {
        double e = v[0] - g->yv[i];
        r[0] = e;
        if (u) { *d1 = e * u[0]; *d2 = u[0] * u[0]; }
        return 0.5 * e * e;
    }
    }
    return NAN;
}

static double value_grad(void *ctx, const double *theta, double *grad) {
    wfm_glm *g = ctx;
    const size_t d = g->d, q = (size_t)g->q;
    double r[64];  /* q <= 64 classes (checked by the caller) */
    memset(grad, 0, sizeof(double) * q * (d + 1));
    double *gb = grad + q * d, f = 0;
    /* After a move to the last line-search trial, its losses and residuals
     * are exactly those at the new z (the same operations made both). */
    int cached = g->rc_valid;
    if (cached) f = g->rc_f;
    for (size_t i = 0; i < g->n; i++) {
        if (cached) {
            memcpy(r, g->rc + i * q, sizeof(double) * q);
        } else {
            double w = g->sw ? g->sw[i] : 1.0;
            f += w * row_loss(g, i, g->z + i * q, r, NULL, NULL, NULL);
            for (size_t k = 0; k < q; k++) r[k] *= w;
        }
        const float *xi = g->x + i * d;
        for (size_t k = 0; k < q; k++) gb[k] += r[k];
        for (size_t k = 0; k < q; k += 4) axpy_group(xi, r + k, grad + k * d, d, q - k < 4 ? (int)(q - k) : 4);
    }
    f *= g->inv_s;
    for (size_t j = 0; j < q * (d + 1); j++) grad[j] *= g->inv_s;
    g->ww = wfm_dot_dd(theta, theta, q * d);
    for (size_t j = 0; j < q * d; j++) grad[j] += g->lambda * theta[j];
    return f + 0.5 * g->lambda * g->ww;
}

static void direction(void *ctx, const double *theta, const double *p) {
    wfm_glm *g = ctx;
    size_t qd = (size_t)g->q * g->d;
    forward(g, p, g->u);
    g->wp = wfm_dot_dd(theta, p, qd);
    g->pp = wfm_dot_dd(p, p, qd);
}

static void line(void *ctx, double t, double *phi, double *dphi, double *d2phi) {
    wfm_glm *g = ctx;
    const size_t q = (size_t)g->q;
    double v[64], r[64], f = 0, f1 = 0, f2 = 0;
    for (size_t i = 0; i < g->n; i++) {
        const double *zi = g->z + i * q, *ui = g->u + i * q;
        for (size_t k = 0; k < q; k++) v[k] = zi[k] + t * ui[k];
        double w = g->sw ? g->sw[i] : 1.0, a = 0, b = 0;
        f += w * row_loss(g, i, v, r, ui, &a, &b);
        f1 += w * a;
        f2 += w * b;
        double *rc = g->rc + i * q;
        for (size_t k = 0; k < q; k++) rc[k] = w * r[k];
    }
    g->rc_t = t;
    g->rc_f = f;
    g->rc_valid = 0;
    double lam = g->lambda;
    *phi = f * g->inv_s + 0.5 * lam * (g->ww + 2 * t * g->wp + t * t * g->pp);
    *dphi = f1 * g->inv_s + lam * (g->wp + t * g->pp);
    *d2phi = f2 * g->inv_s + lam * g->pp;
}

static void move(void *ctx, double t) {
    wfm_glm *g = ctx;
    size_t nq = g->n * (size_t)g->q;
    for (size_t i = 0; i < nq; i++) g->z[i] += t * g->u[i];
    g->rc_valid = t == g->rc_t;
}

wfm_lbfgs_problem wfm_glm_problem(wfm_glm *g) {
    wfm_lbfgs_problem pb = {wfm_glm_params(g), g, value_grad, direction, line, move};
    return pb;
}
