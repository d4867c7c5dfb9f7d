/* Cross-validation of a probe (wfm_probe_cross_validate): folds from
 * src/probes/probe_folds.c, one probe per fold fit on the other folds (with its own
 * standardisation and, on request, its own inner CV for lambda), metrics per
 * fold, their mean and std over the folds where they are defined, and the
 * metrics of all out-of-fold predictions pooled. */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void wfm_probe_cv_free(wfm_probe_cv *cv) {
    if (!cv) return;
    free(cv->fold_metrics); free(cv->fold_lambda); free(cv->fold_train_rows); free(cv->fold_test_rows);
    free(cv->fold_test_groups); free(cv->fold_status); free(cv->fold_converged); free(cv->fold_of_row);
    free(cv->predictions);
    free(cv);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static size_t distinct(int *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += !i || v[i] != v[i - 1];
    return k;
}

/* Metrics that are undefined on the rows stay NaN; only running out of
 * memory is an error. */
static wfm_status fold_metrics(const wfm_rows *r, const float *pred, size_t cols, double *m, int *lb, float *tb,
                               float *pb, wfm_error *err) {
    for (size_t i = 0; i < r->n; i++) {
        size_t row = wfm_row(r, i);
        if (r->labels) lb[i] = r->labels[row];
        else tb[i] = r->targets[row];
        memcpy(pb + i * cols, pred + row * cols, sizeof(float) * cols);
    }
    wfm_error e2;
    wfm_status st = r->labels ? wfm_metrics_classification(lb, pb, r->n, r->n_classes, m, &e2)
                              : wfm_metrics_regression(tb, pb, r->n, m, &e2);
    if (st != WFM_ERR_NO_MEMORY) return WFM_OK;
    if (err) *err = e2;
    return st;
}

wfm_status wfm_probe_cross_validate(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                    const int *groups, int folds, const wfm_probe_params *params, wfm_probe_cv **out,
                                    wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "cross-validation: NULL output");
    *out = NULL;
    wfm_probe_params p = params ? *params : wfm_probe_default_params();
    int K = 0;
    wfm_status st = wfm_probe_check_data(X, n, d, labels, targets, &p, &K, err);
    if (st) return st;
    if (!groups && folds <= 0) folds = 5;
    wfm_rows all = {X, d, NULL, n, labels, targets, groups, K};
    const size_t cols = K ? (size_t)K : 1;
    wfm_probe_cv *cv = wfm_calloc(1, sizeof *cv);
    size_t *tr = wfm_malloc(sizeof(size_t) * n), *te = wfm_malloc(sizeof(size_t) * n);
    int *lb = wfm_malloc(sizeof(int) * n), *gb = wfm_malloc(sizeof(int) * n);
    float *tb = wfm_malloc(sizeof(float) * n), *pb = wfm_malloc(sizeof(float) * n * cols), *tmp = wfm_malloc(sizeof(float) * n * cols);
    if (!cv || !tr || !te || !lb || !gb || !tb || !pb || !tmp) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto done; }
    cv->task = p.task;
    cv->n_outputs = (int)cols;
    cv->fold_of_row = wfm_malloc(sizeof(int) * n);
    cv->predictions = wfm_malloc(sizeof(float) * n * cols);
    if (!cv->fold_of_row || !cv->predictions) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto done; }
    for (size_t i = 0; i < n * cols; i++) cv->predictions[i] = NAN;
    if ((st = wfm_assign_folds(&all, folds, groups != NULL, p.seed, cv->fold_of_row, &cv->n_folds, err))) goto done;
    int nf = cv->n_folds;
    cv->fold_metrics = wfm_malloc(sizeof(double) * (size_t)nf * WFM_METRIC_COUNT);
    cv->fold_lambda = wfm_malloc(sizeof(double) * (size_t)nf);
    cv->fold_train_rows = wfm_calloc((size_t)nf, sizeof(size_t));
    cv->fold_test_rows = wfm_calloc((size_t)nf, sizeof(size_t));
    cv->fold_test_groups = wfm_calloc((size_t)nf, sizeof(int));
    cv->fold_status = wfm_calloc((size_t)nf, sizeof(int));
    cv->fold_converged = wfm_calloc((size_t)nf, sizeof(int));
    if (!cv->fold_metrics || !cv->fold_lambda || !cv->fold_train_rows || !cv->fold_test_rows || !cv->fold_test_groups ||
        !cv->fold_status || !cv->fold_converged) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    for (int f = 0; f < nf; f++) {
        double *fm = cv->fold_metrics + (size_t)f * WFM_METRIC_COUNT;
        for (int k = 0; k < WFM_METRIC_COUNT; k++) fm[k] = NAN;
        cv->fold_lambda[f] = NAN;
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            if (cv->fold_of_row[i] == f) te[nte++] = i;
            else tr[ntr++] = i;
        }
        cv->fold_train_rows[f] = ntr;
        cv->fold_test_rows[f] = nte;
        if (groups) {
            for (size_t i = 0; i < nte; i++) gb[i] = groups[te[i]];
            cv->fold_test_groups[f] = (int)distinct(gb, nte);
        }
        wfm_rows rt = all, rv = all;
        rt.rows = tr;
        rt.n = ntr;
        rv.rows = te;
        rv.n = nte;
        if (K) { /* a single class in the training rows: this fold cannot be fit */
            int seen[WFM_PROBE_MAX_CLASSES] = {0}, present = 0;
            for (size_t i = 0; i < ntr; i++) present += !seen[labels[tr[i]]]++;
            if (present < 2) { cv->fold_status[f] = 1; cv->n_skipped++; continue; }
        }
        wfm_probe *pr = NULL;
        int map[WFM_PROBE_MAX_CLASSES], nl = 0;
        if ((st = wfm_probe_fit_rows(&rt, &p, &pr, map, &nl, err))) {
            wfm_error_prefix(err, "fold %d of %d", f + 1, nf);
            goto done;
        }
        cv->fold_lambda[f] = pr->lambda;
        cv->fold_converged[f] = pr->converged;
        st = wfm_probe_predict_rows(pr, &rv, tmp, err);
        wfm_probe_free(pr);
        if (st) goto done;
        for (size_t i = 0; i < nte; i++) {
            float *o = cv->predictions + te[i] * cols;
            if (!K) { o[0] = tmp[i]; continue; }
            for (size_t k = 0; k < cols; k++) o[k] = 0;
            for (int k = 0; k < nl; k++) o[map[k]] = tmp[i * (size_t)nl + (size_t)k];
        }
        if ((st = fold_metrics(&rv, cv->predictions, cols, fm, lb, tb, pb, err))) goto done;
    }
    /* mean, std over the folds where each metric is defined */
    for (int k = 0; k < WFM_METRIC_COUNT; k++) {
        double s = 0;
        int c = 0;
        for (int f = 0; f < nf; f++) {
            double v = cv->fold_metrics[(size_t)f * WFM_METRIC_COUNT + (size_t)k];
            if (!isnan(v)) { s += v; c++; }
        }
        cv->n_defined[k] = c;
        cv->mean[k] = c ? s / c : NAN;
        double ss = 0;
        for (int f = 0; f < nf; f++) {
            double v = cv->fold_metrics[(size_t)f * WFM_METRIC_COUNT + (size_t)k];
            if (!isnan(v)) ss += (v - cv->mean[k]) * (v - cv->mean[k]);
        }
        cv->std[k] = c > 1 ? sqrt(ss / (c - 1)) : c ? 0.0 : NAN;
        cv->pooled[k] = NAN;
    }
    /* pooled: every row of the folds that were fit */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!cv->fold_status[cv->fold_of_row[i]]) te[m++] = i;
    if (m) {
        wfm_rows rp = all;
        rp.rows = te;
        rp.n = m;
        if ((st = fold_metrics(&rp, cv->predictions, cols, cv->pooled, lb, tb, pb, err))) goto done;
    }
done:
    free(tr); free(te); free(lb); free(gb); free(tb); free(pb); free(tmp);
    if (st) { wfm_probe_cv_free(cv); return st; }
    *out = cv;
    return WFM_OK;
}
