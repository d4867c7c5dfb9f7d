/* Internal representation of a linear probe (include/wearfm.h, "linear
 * probes"; docs/probes.md), shared by src/probe*.c. */
#ifndef WFM_PROBE_H
#define WFM_PROBE_H
#include <stddef.h>
#include <stdint.h>
#include "wearfm.h"

#define WFM_PROBE_MAX_CLASSES 64
#define WFM_PROBE_MAX_LAMBDAS 64
#define WFM_PROBE_FORMAT_VERSION 1
#define WFM_PROBE_MAX_BAND_EDGES WFM_PROBE_MAX_ERROR_BAND_EDGES

struct wfm_probe {
    wfm_probe_task task;
    int d;               /* features */
    int n_classes;       /* 0 for regression */
    int q;               /* rows of W: 1 (binary, regression) or n_classes */
    float *weight;       /* [q x d], in standardised feature units */
    float *bias;         /* [q] */
    float *mean, *std;   /* [d] standardisation */
    char **class_names;  /* [n_classes] */
    char **feature_names;/* [d] or NULL */
    double lambda;
    int balanced;
    int relative;        /* fitted on person-relative features */
    size_t n_train;
    int iterations, converged;
    double loss, grad_norm;
    char encoder_hash[40]; /* "" when not bound */
    int n_cv;            /* inner-CV scores (cv_lambda) */
    double cv_lambdas[WFM_PROBE_MAX_LAMBDAS], cv_scores[WFM_PROBE_MAX_LAMBDAS];
    wfm_metric cv_metric;
    /* Optional "error_bands" (probe_io.c): n_band_edges = 0 when absent. */
    char band_by[16];
    int n_band_edges;
    double band_edges[WFM_PROBE_MAX_BAND_EDGES], band_mae[WFM_PROBE_MAX_BAND_EDGES + 1];
};

/* A set of rows of a caller's data: X is n_all x d, labels/targets/groups
 * are indexed by the row number in X; rows[0..n) selects (NULL: 0..n-1). */
typedef struct wfm_rows {
    const float *X;
    size_t d;
    const size_t *rows;
    size_t n;
    const int *labels;
    const float *targets;
    const int *groups;
    int n_classes;       /* classification: labels are in 0..n_classes-1 */
} wfm_rows;

static inline size_t wfm_row(const wfm_rows *r, size_t i) { return r->rows ? r->rows[i] : i; }

/* probe.c */
wfm_probe *wfm_probe_alloc(wfm_probe_task task, int d, int n_classes);
/* Fits on the rows. Classification: only the classes present in the rows are
 * the probe's classes; present[k] (caller-allocated, n_classes ints) receives
 * the original index of the probe's class k, and *n_present their count;
 * fewer than two present classes is an error. */
wfm_status wfm_probe_fit_rows(const wfm_rows *r, const wfm_probe_params *p, wfm_probe **out, int *present,
                              int *n_present, wfm_error *err);
/* Predictions (n x n_outputs) for the rows, no model check. */
wfm_status wfm_probe_predict_rows(const wfm_probe *p, const wfm_rows *r, float *out, wfm_error *err);
/* Checks the public arguments of fit / cross_validate. */
wfm_status wfm_probe_check_data(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                const wfm_probe_params *p, int *n_classes, wfm_error *err);

/* probe_folds.c: fold of each row (fold[i] for r's i-th row), deterministic.
 * Without groups: k folds, stratified by class when r has labels; k must be
 * in 2..n. With groups: k = 0 or k >= number of groups gives one fold per
 * group (in increasing group id), else k folds balanced by row count.
 * *n_folds receives the number of folds. */
wfm_status wfm_assign_folds(const wfm_rows *r, int k, int use_groups, uint64_t seed, int *fold, int *n_folds,
                            wfm_error *err);

/* probe_ridge.c: centred cross-products of [features, target] over rows. */
typedef struct wfm_scatter {
    size_t n, d;      /* rows; features (the target is column d) */
    double *mean;     /* [d + 1] */
    double *m2;       /* [(d + 1)^2], lower triangle: sum (v - mean)(v - mean)^T */
} wfm_scatter;
wfm_status wfm_scatter_compute(wfm_scatter *s, const wfm_rows *r, wfm_error *err);
/* a += b (Chan et al.'s pairwise update; exact in exact arithmetic). */
void wfm_scatter_merge(wfm_scatter *a, const wfm_scatter *b);
wfm_status wfm_scatter_copy(wfm_scatter *dst, const wfm_scatter *src, wfm_error *err);
void wfm_scatter_free(wfm_scatter *s);
/* Ridge on the scatter: fills p's weight, bias, mean and std. */
wfm_status wfm_ridge_solve(const wfm_scatter *s, double lambda, wfm_probe *p, wfm_error *err);

/* probe_ridge.c, the dual form for d > n: standardised rows and their Gram
 * matrix, then one n x n Cholesky per lambda. Same standardisation (bit for
 * bit) and the same solution as the scatter path, up to rounding. */
typedef struct wfm_ridge_dual {
    size_t n, d;
    double *mean;     /* [d + 1]: features, then the target */
    double *sd;       /* [d] */
    double *xs;       /* [n x d] standardised rows */
    double *yc;       /* [n] centred target */
    double *gram;     /* [n x n], lower triangle: xs xs^T */
} wfm_ridge_dual;
wfm_status wfm_ridge_dual_prepare(wfm_ridge_dual *u, const wfm_rows *r, wfm_error *err);
wfm_status wfm_ridge_dual_solve(const wfm_ridge_dual *u, double lambda, wfm_probe *p, wfm_error *err);
void wfm_ridge_dual_free(wfm_ridge_dual *u);
/* d > n: the dual form is cheaper (O(n^2 d) against O(n d^2 + d^3)). */
int wfm_ridge_use_dual(size_t n, size_t d);
/* Working memory of a ridge fit on n x d (cv_folds > 0: with the inner CV of
 * lambda over that many folds); refused above WFM_PROBE_RIDGE_MAX_BYTES. */
uint64_t wfm_ridge_bytes(size_t n, size_t d, int cv_folds);
#define WFM_PROBE_RIDGE_MAX_BYTES (1ull << 30)

/* probe_metrics.c */
double wfm_metric_score_weighted_log_loss(const int *labels, const float *proba, size_t n, int n_classes);

#endif
