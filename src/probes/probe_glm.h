/* The probes' smooth objectives as L-BFGS problems (src/probes/lbfgs.h): a linear
 * model z_i = W x_i + b on standardised features x (float, n x d) with
 *   binary    weighted logistic loss, one output (class 1 = positive)
 *   softmax   weighted multinomial cross-entropy, K outputs
 *   squared   1/2 (z_i - y_i)^2
 * averaged with row weights (1/S) sum_i s_i loss_i, plus lambda/2 ||W||^2
 * (the bias is not penalised). Parameters theta = [W (q x d, row-major), b (q)].
 * The state keeps z = X theta, and the image u = X p of a search direction,
 * so that the line search costs O(n q) per trial; summation orders are fixed
 * (rows in order, src/probes/linalg.h inside a row). */
#ifndef WFM_PROBE_GLM_H
#define WFM_PROBE_GLM_H
#include <stddef.h>
#include "probes/lbfgs.h"

typedef enum wfm_loss { WFM_LOSS_BINARY, WFM_LOSS_SOFTMAX, WFM_LOSS_SQUARED } wfm_loss;

typedef struct wfm_glm {
    wfm_loss loss;
    const float *x;       /* [n x d] */
    size_t n, d;
    int q;                /* outputs: 1, or K for softmax */
    const int *y;         /* [n] classes (binary: 0 or 1) */
    const double *yv;     /* [n] targets (squared) */
    const double *sw;     /* [n] row weights, or NULL for 1 */
    double inv_s;         /* 1 / sum of the row weights */
    double lambda;
    double *z, *u;        /* [n x q] */
    double ww, wp, pp;    /* W.W at x, W.P and P.P for the direction */
    double *rc;           /* [n x q] weighted dloss/dz of the last line trial ... */
    double rc_t, rc_f;    /* ... its t and weighted loss sum */
    int rc_valid;         /* the state moved to that trial: value_grad reuses it */
} wfm_glm;

/* Allocates the state (0, or -1 out of memory); set the fields above first. */
int wfm_glm_alloc(wfm_glm *g);
void wfm_glm_free(wfm_glm *g);
/* Puts the state at theta: z = X W^T + b (one pass over X). */
void wfm_glm_reset(wfm_glm *g, const double *theta);
size_t wfm_glm_params(const wfm_glm *g);
wfm_lbfgs_problem wfm_glm_problem(wfm_glm *g);

#endif
