#include "probes/lbfgs.h"
#include "platform/alloc.h"
#include "probes/linalg.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C1 1e-4
#define C2 0.1
#define LS_MAX 60

static double inf_norm(const double *g, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(g[i]));
    return m;
}

/* Step length along p (phi'(0) = d0 < 0); 0 if none was found. */
static double line_search(const wfm_lbfgs_problem *pb, double f0, double d0, double t) {
    double lo = 0, hi = INFINITY, best_t = 0, best_f = f0;
    double eps_f = 1e-12 * fabs(f0);
    for (int k = 0; k < LS_MAX; k++) {
        double f, d, d2;
        pb->line(pb->ctx, t, &f, &d, &d2);
        int armijo = f <= f0 + C1 * t * d0;
        /* Approximate Wolfe (Hager & Zhang 2005): the decrease is below rounding. */
        int approx = f <= f0 + eps_f && d <= (2 * C1 - 1) * d0;
        if (isfinite(f) && f < best_f) { best_f = f; best_t = t; }
        if (!isfinite(f) || !(armijo || approx) || d > -C2 * d0) {
            hi = t;
        } else if (d < C2 * d0) {
            lo = t;
        } else {
            return t;
        }
        /* Next trial: Newton on phi' = 0, kept well inside the bracket. */
        double nt = isfinite(d) && d2 > 0 ? t - d / d2 : NAN;
        if (isinf(hi)) {
            t = isfinite(nt) && nt > t ? fmin(fmax(nt, 1.1 * t), 100 * t) : 4 * t;
        } else {
            double w = hi - lo;
            t = isfinite(nt) && nt > lo + 0.01 * w && nt < hi - 0.01 * w ? nt : lo + 0.5 * w;
            if (w <= 1e-16 * hi) break;
        }
    }
    return best_t;
}

int wfm_lbfgs(const wfm_lbfgs_problem *pb, double *x, int max_iter, double tol, int memory,
              wfm_lbfgs_result *res) {
    size_t n = pb->n;
    int m = memory > 0 ? memory : 10;
    double *g = wfm_malloc(sizeof(double) * n), *gn = wfm_malloc(sizeof(double) * n), *p = wfm_malloc(sizeof(double) * n);
    double *S = wfm_malloc(sizeof(double) * n * (size_t)m), *Y = wfm_malloc(sizeof(double) * n * (size_t)m);
    double *rho = wfm_malloc(sizeof(double) * (size_t)m), *alpha = wfm_malloc(sizeof(double) * (size_t)m);
    if (!g || !gn || !p || !S || !Y || !rho || !alpha) {
        free(g); free(gn); free(p); free(S); free(Y); free(rho); free(alpha);
        return -1;
    }
    int stored = 0, head = 0; /* ring buffer of pairs; head = next slot */
    double f = pb->value_grad(pb->ctx, x, g);
    res->iterations = 0;
    res->converged = 0;
    res->stop = "max_iter";
    int it = 0;
    for (;;) {
        double gi = inf_norm(g, n);
        if (gi <= tol * fmax(1.0, fabs(f))) { res->converged = 1; res->stop = "converged"; break; }
        if (it >= max_iter) break;
        /* Two-loop recursion: p = -H g. */
        for (size_t i = 0; i < n; i++) p[i] = -g[i];
        for (int k = 0; k < stored; k++) {
            int j = (head - 1 - k + 2 * m) % m;
            alpha[j] = rho[j] * wfm_dot_dd(S + (size_t)j * n, p, n);
            double a = alpha[j];
            const double *yj = Y + (size_t)j * n;
            for (size_t i = 0; i < n; i++) p[i] -= a * yj[i];
        }
        if (stored) {
            int j = (head - 1 + m) % m;
            const double *yj = Y + (size_t)j * n;
            double gamma = 1.0 / (rho[j] * wfm_dot_dd(yj, yj, n));
            for (size_t i = 0; i < n; i++) p[i] *= gamma;
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = (head - 1 - k + 2 * m) % m;
            double b = rho[j] * wfm_dot_dd(Y + (size_t)j * n, p, n);
            double a = alpha[j] - b;
            const double *sj = S + (size_t)j * n;
            for (size_t i = 0; i < n; i++) p[i] += a * sj[i];
        }
        double d0 = wfm_dot_dd(g, p, n);
        double t0 = 1;
        if (!(d0 < 0) || !stored) {
            /* Restart along steepest descent. */
            if (stored && !(d0 < 0)) stored = 0;
            for (size_t i = 0; i < n; i++) p[i] = -g[i];
            d0 = -wfm_dot_dd(g, g, n);
            t0 = 1.0 / fmax(1.0, sqrt(-d0));
            if (!(d0 < 0)) { res->stop = "no descent"; break; }
        }
        pb->direction(pb->ctx, x, p);
        double t = line_search(pb, f, d0, t0);
        if (!(t > 0)) {
            if (stored) { stored = 0; continue; } /* retry once from steepest descent */
            res->stop = "line search";
            break;
        }
        pb->move(pb->ctx, t);
        for (size_t i = 0; i < n; i++) x[i] += t * p[i];
        double fn = pb->value_grad(pb->ctx, x, gn);
        /* Curvature pair. */
        double *sj = S + (size_t)head * n, *yj = Y + (size_t)head * n;
        for (size_t i = 0; i < n; i++) { sj[i] = t * p[i]; yj[i] = gn[i] - g[i]; }
        double sy = wfm_dot_dd(sj, yj, n);
        if (sy > 1e-16 * sqrt(wfm_dot_dd(sj, sj, n) * wfm_dot_dd(yj, yj, n)) && sy > 0) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % m;
            if (stored < m) stored++;
        }
        memcpy(g, gn, sizeof(double) * n);
        f = fn;
        it++;
    }
    res->iterations = it;
    res->f = f;
    res->grad_inf = inf_norm(g, n);
    free(g); free(gn); free(p); free(S); free(Y); free(rho); free(alpha);
    return 0;
}
