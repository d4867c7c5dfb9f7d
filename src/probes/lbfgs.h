/* L-BFGS for the probes' smooth convex objectives (src/probes/probe_glm.c).
 *
 * The problem object keeps its own state at the current point x (for a
 * linear model: the scores z = X theta), so that along a search direction p
 * it can evaluate phi(t) = f(x + t p) and phi'(t), phi''(t) in O(rows)
 * without another pass over the features. That makes a precise line search
 * cheap: each trial is a safeguarded Newton step on phi' inside a bracket,
 * and a step is accepted under the strong Wolfe conditions with c1 = 1e-4
 * and a tight c2 = 0.1 (a nearly exact line search, which here saves more
 * passes over the data than it costs), or their approximate form
 * (Hager-Zhang) when f has stopped changing at rounding level. Curvature pairs s, y with s.y > 0 (always, for
 * an accepted strong-Wolfe step on a convex f) are kept, the newest `memory`.
 *
 * Convergence: ||grad f||_inf <= tol * max(1, |f|), tested at the start and
 * after every iteration. The run also stops, unconverged, at max_iter, when
 * the line search cannot decrease f (rounding level), or when the direction
 * is not a descent direction even after a restart along -grad.
 * No randomness; the summation order is fixed by the problem. */
#ifndef WFM_LBFGS_H
#define WFM_LBFGS_H
#include <stddef.h>

typedef struct wfm_lbfgs_problem {
    size_t n;     /* parameters */
    void *ctx;
    /* f and its gradient at the problem's current point x. */
    double (*value_grad)(void *ctx, const double *x, double *grad);
    /* Prepares line() for direction p from x. */
    void (*direction)(void *ctx, const double *x, const double *p);
    /* phi(t) = f(x + t p), phi'(t), phi''(t). */
    void (*line)(void *ctx, double t, double *phi, double *dphi, double *d2phi);
    /* Moves the problem's state to x + t p (the caller updates x itself). */
    void (*move)(void *ctx, double t);
} wfm_lbfgs_problem;

typedef struct wfm_lbfgs_result {
    int iterations;
    int converged;
    double f, grad_inf;
    const char *stop;  /* "converged", "max_iter", "line search", "no descent" */
} wfm_lbfgs_result;

/* Minimises from x (in/out; the problem's state must be at x). Returns 0, or
 * -1 when out of memory. */
int wfm_lbfgs(const wfm_lbfgs_problem *pb, double *x, int max_iter, double tol, int memory,
              wfm_lbfgs_result *res);

#endif
