/* Linear probes: parameters, fitting (standardisation, the solvers, lambda by
 * inner cross-validation), prediction and evaluation. The objectives are in
 * include/wearfm.h; src/probes/probe_glm.c + src/probes/lbfgs.c solve logistic and linear,
 * src/probes/probe_ridge.c ridge. docs/probes.md has the whole story. */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "probes/lbfgs.h"
#include "probes/linalg.h"
#include "probes/probe_glm.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_grid[] = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};
#define DEFAULT_GRID_N ((int)(sizeof default_grid / sizeof default_grid[0]))

const char *wfm_probe_task_name(wfm_probe_task t) {
    switch (t) {
    case WFM_PROBE_LOGISTIC: return "logistic";
    case WFM_PROBE_RIDGE: return "ridge";
    case WFM_PROBE_LINEAR: return "linear";
    }
    return NULL;
}

wfm_probe_params wfm_probe_default_params(void) {
    wfm_probe_params p;
    memset(&p, 0, sizeof p);
    p.task = WFM_PROBE_LOGISTIC;
    p.lambda = 1e-3;
    p.max_iter = 1000;
    p.tol = 1e-6;
    p.inner_folds = 5;
    p.cv_metric = WFM_METRIC_AUTO;
    return p;
}

/* ---- the probe object ------------------------------------------------- */

wfm_probe *wfm_probe_alloc(wfm_probe_task task, int d, int n_classes) {
    wfm_probe *p = wfm_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->task = task;
    p->d = d;
    p->n_classes = task == WFM_PROBE_LOGISTIC ? n_classes : 0;
    p->q = task == WFM_PROBE_LOGISTIC && n_classes > 2 ? n_classes : 1;
    p->weight = wfm_calloc((size_t)p->q * (size_t)d + 1, sizeof(float));
    p->bias = wfm_calloc((size_t)p->q, sizeof(float));
    p->mean = wfm_calloc((size_t)d + 1, sizeof(float));
    p->std = wfm_calloc((size_t)d + 1, sizeof(float));
    if (p->n_classes) p->class_names = wfm_calloc((size_t)p->n_classes, sizeof(char *));
    p->converged = 1;
    p->cv_metric = WFM_METRIC_AUTO;
    if (!p->weight || !p->bias || !p->mean || !p->std || (p->n_classes && !p->class_names)) {
        wfm_probe_free(p);
        return NULL;
    }
    return p;
}

void wfm_probe_free(wfm_probe *p) {
    if (!p) return;
    if (p->class_names)
        for (int k = 0; k < p->n_classes; k++) free(p->class_names[k]);
    if (p->feature_names)
        for (int j = 0; j < p->d; j++) free(p->feature_names[j]);
    free(p->class_names);
    free(p->feature_names);
    free(p->weight); free(p->bias); free(p->mean); free(p->std);
    free(p);
}

void wfm_probe_get_info(const wfm_probe *p, wfm_probe_info *o) {
    memset(o, 0, sizeof *o);
    if (!p) return;
    o->task = p->task;
    o->n_features = p->d;
    o->n_classes = p->n_classes;
    o->n_outputs = p->n_classes ? p->n_classes : 1;
    o->lambda = p->lambda;
    o->balanced = p->balanced;
    o->n_train = p->n_train;
    o->iterations = p->iterations;
    o->converged = p->converged;
    o->loss = p->loss;
    o->grad_norm = p->grad_norm;
    o->encoder_hash = p->encoder_hash[0] ? p->encoder_hash : NULL;
    o->relative = p->relative;
}

void wfm_probe_get_coefficients(const wfm_probe *p, wfm_probe_coefficients *o) {
    memset(o, 0, sizeof *o);
    if (!p) return;
    o->rows = p->q;
    o->cols = p->d;
    o->weight = p->weight;
    o->bias = p->bias;
    o->feature_mean = p->mean;
    o->feature_std = p->std;
}

const char *wfm_probe_class_name(const wfm_probe *p, int k) {
    return p && p->class_names && k >= 0 && k < p->n_classes ? p->class_names[k] : NULL;
}

const char *wfm_probe_feature_name(const wfm_probe *p, int j) {
    return p && p->feature_names && j >= 0 && j < p->d ? p->feature_names[j] : NULL;
}

int wfm_probe_find_class(const wfm_probe *p, const char *name) {
    if (!p || !name || !p->class_names) return -1;
    for (int k = 0; k < p->n_classes; k++)
        if (p->class_names[k] && !strcmp(p->class_names[k], name)) return k;
    return -1;
}

int wfm_probe_cv_scores(const wfm_probe *p, const double **lambdas, const double **scores, wfm_metric *metric) {
    if (!p) return 0;
    if (lambdas) *lambdas = p->cv_lambdas;
    if (scores) *scores = p->cv_scores;
    if (metric) *metric = p->cv_metric;
    return p->n_cv;
}

wfm_status wfm_probe_check_model(const wfm_probe *p, const wfm_model *model, wfm_error *err) {
    if (!p) return wfm_fail(err, WFM_ERR_INVALID_ARG, "NULL probe");
    if (!model || !p->encoder_hash[0]) return WFM_OK;
    const char *h = wfm_model_weights_hash(model);
    if (!h || strcmp(h, p->encoder_hash))
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "the probe was fit on the embeddings of another encoder (probe: %s, model: %s)",
                        p->encoder_hash, h ? h : "none");
    return WFM_OK;
}

/* ---- argument checks ---------------------------------------------------- */

static const char *class_label(const wfm_probe_params *p, int k, char *buf, size_t cap) {
    if (p->class_names && p->class_names[k]) snprintf(buf, cap, "'%s' (%d)", p->class_names[k], k);
    else snprintf(buf, cap, "%d", k);
    return buf;
}

static int metric_fits_task(wfm_metric m, wfm_probe_task t) {
    if (m == WFM_METRIC_AUTO) return 1;
    if (m < 0 || m >= WFM_METRIC_COUNT) return 0;
    return (m <= WFM_METRIC_LOG_LOSS) == (t == WFM_PROBE_LOGISTIC);
}

wfm_status wfm_probe_check_data(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                const wfm_probe_params *p, int *n_classes, wfm_error *err) {
    if (!X) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: NULL features");
    if (!wfm_probe_task_name(p->task)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: unknown task %d", (int)p->task);
    const char *task = wfm_probe_task_name(p->task);
    if (d < 1 || d > (1u << 20)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: %zu features (1..%u)", d, 1u << 20);
    if (n < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: %zu rows; at least 2 are needed", n);
    if (n > SIZE_MAX / sizeof(double) / (d + 1) / 2 || n > SIZE_MAX / sizeof(double) / (2 * WFM_PROBE_MAX_CLASSES))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: %zu x %zu is too large", n, d);
    if (!(p->lambda >= 0) || !isfinite(p->lambda))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: lambda must be a finite number >= 0 (got %g)", p->lambda);
    if (p->task == WFM_PROBE_RIDGE && !p->cv_lambda && !(p->lambda > 0))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: ridge needs lambda > 0 (task 'linear' accepts 0)");
    if (p->task == WFM_PROBE_RIDGE) {
        /* the inner CV of lambda has at most inner_folds folds (one per group when fewer), at most n */
        size_t k = p->inner_folds < 2 ? 2 : (size_t)p->inner_folds;
        int folds = p->cv_lambda ? (int)(k < n ? k : n) : 0;
        uint64_t need = wfm_ridge_bytes(n, d, folds);
        if (need > WFM_PROBE_RIDGE_MAX_BYTES)
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "probe: ridge on %zu rows x %zu features%s needs %.1f GiB for its %s, more than the "
                            "limit of %.0f GiB; task 'linear' fits the same objective by L-BFGS in O(n d) memory",
                            n, d, folds ? " with the inner CV of lambda" : "", (double)need / (1u << 30),
                            wfm_ridge_use_dual(n, d) ? "n x n Gram matrix (dual form)" : "d x d cross-products",
                            (double)WFM_PROBE_RIDGE_MAX_BYTES / (1u << 30));
    }
    if (p->max_iter < 0) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: max_iter %d < 0", p->max_iter);
    if (!(p->tol >= 0)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: tol must be >= 0");
    if (p->cv_lambda) {
        if (p->n_lambdas < 0 || p->n_lambdas > WFM_PROBE_MAX_LAMBDAS || (p->n_lambdas && !p->lambdas))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: 1..%d lambdas for cv_lambda (got %d)", WFM_PROBE_MAX_LAMBDAS, p->n_lambdas);
        for (int i = 0; i < p->n_lambdas; i++)
            if (!(p->lambdas[i] >= 0) || !isfinite(p->lambdas[i]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: lambda grid value %g is not a finite number >= 0", p->lambdas[i]);
        if (p->inner_folds < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: inner_folds %d < 2", p->inner_folds);
        if (!metric_fits_task(p->cv_metric, p->task))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: metric %s does not apply to task '%s'",
                            wfm_metric_name(p->cv_metric) ? wfm_metric_name(p->cv_metric) : "(unknown)", task);
    }
    if (p->task == WFM_PROBE_LOGISTIC) {
        if (!labels) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: task 'logistic' needs integer class labels");
        if (targets) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: give labels or targets, not both");
        int K = p->n_classes, maxl = -1;
        if (K < 0 || K > WFM_PROBE_MAX_CLASSES)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: %d classes (at most %d)", K, WFM_PROBE_MAX_CLASSES);
        for (size_t i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || (K && y >= K) || y >= WFM_PROBE_MAX_CLASSES) {
                if (K) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu: label %d is not a known class (0..%d)", i, y, K - 1);
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu: label %d is not a class index (0..%d)", i, y,
                                WFM_PROBE_MAX_CLASSES - 1);
            }
            if (y > maxl) maxl = y;
        }
        if (!K) K = maxl + 1;
        int count[WFM_PROBE_MAX_CLASSES] = {0}, present = 0;
        for (size_t i = 0; i < n; i++) count[labels[i]]++;
        for (int k = 0; k < K; k++) present += count[k] > 0;
        char buf[300];
        if (present < 2)
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "probe: the labels hold a single class (%s); a classifier needs at least two",
                            class_label(p, labels[0], buf, sizeof buf));
        for (int k = 0; k < K; k++)
            if (!count[k])
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: class %s has no rows", class_label(p, k, buf, sizeof buf));
        *n_classes = K;
    } else {
        if (!targets) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: task '%s' needs numeric targets", task);
        if (labels) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: give labels or targets, not both");
        for (size_t i = 0; i < n; i++)
            if (!isfinite(targets[i]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu: target is %s", i,
                                isnan(targets[i]) ? "NaN" : "infinite");
        if (p->balanced) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: 'balanced' applies to classification only");
        *n_classes = 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu, feature %zu is not finite", i, j);
    return WFM_OK;
}

/* ---- logistic and linear: standardise, then L-BFGS ---------------------- */

typedef struct glm_fit {
    wfm_glm g;
    size_t n, d;
    int q, n_present;
    int present[WFM_PROBE_MAX_CLASSES];  /* original class of local class k */
    float *xs, *mean, *std;
    int *y;
    double *yv, *sw, *theta;
    wfm_lbfgs_result res;
} glm_fit;

static void glm_release(glm_fit *f) {
    wfm_glm_free(&f->g);
    free(f->xs); free(f->mean); free(f->std); free(f->y); free(f->yv); free(f->sw); free(f->theta);
    memset(f, 0, sizeof *f);
}

/* Mean and population std over the rows, two-pass in double, rounded to float;
 * xs = (x - mean) / std with the rounded values, exactly as predictions do. */
static void standardize(const wfm_rows *r, float *mean, float *std, float *xs, double *acc) {
    const size_t d = r->d, n = r->n;
    memset(acc, 0, sizeof(double) * d);
    for (size_t i = 0; i < n; i++) wfm_axpy_fd(1.0, r->X + wfm_row(r, i) * d, acc, d);
    for (size_t j = 0; j < d; j++) acc[j] /= (double)n;
    double *m = acc + d;
    memset(m, 0, sizeof(double) * d);
    for (size_t i = 0; i < n; i++) {
        const float *x = r->X + wfm_row(r, i) * d;
        for (size_t j = 0; j < d; j++) { double v = (double)x[j] - acc[j]; m[j] += v * v; }
    }
    for (size_t j = 0; j < d; j++) {
        double s = sqrt(m[j] / (double)n);
        mean[j] = (float)acc[j];
        std[j] = s > 1e-12 * fabs(acc[j]) && s > 0 ? (float)s : 1.0f;
        if (!(std[j] > 0) || !isfinite(std[j])) std[j] = 1.0f;
    }
    if (!xs) return;
    for (size_t i = 0; i < n; i++) {
        const float *x = r->X + wfm_row(r, i) * d;
        float *o = xs + i * d;
        for (size_t j = 0; j < d; j++) o[j] = (float)(((double)x[j] - mean[j]) / std[j]);
    }
}

static wfm_status glm_prepare(glm_fit *f, const wfm_rows *r, wfm_probe_task task, int balanced, wfm_error *err) {
    memset(f, 0, sizeof *f);
    const size_t n = r->n, d = r->d;
    f->n = n;
    f->d = d;
    int local[WFM_PROBE_MAX_CLASSES];
    if (task == WFM_PROBE_LOGISTIC) {
        size_t count[WFM_PROBE_MAX_CLASSES] = {0};
        for (size_t i = 0; i < n; i++) count[r->labels[wfm_row(r, i)]]++;
        for (int k = 0; k < r->n_classes; k++) {
            local[k] = -1;
            if (count[k]) { local[k] = f->n_present; f->present[f->n_present++] = k; }
        }
        if (f->n_present < 2)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "the training rows hold a single class (%d)",
                            f->n_present ? f->present[0] : -1);
        f->q = f->n_present > 2 ? f->n_present : 1;
        f->y = wfm_malloc(sizeof(int) * n);
        if (balanced) f->sw = wfm_malloc(sizeof(double) * n);
        if (!f->y || (balanced && !f->sw)) goto oom;
        for (size_t i = 0; i < n; i++) {
            int c = r->labels[wfm_row(r, i)];
            f->y[i] = local[c];
            if (f->sw) f->sw[i] = (double)n / ((double)f->n_present * (double)count[c]);
        }
    } else {
        f->q = 1;
        f->yv = wfm_malloc(sizeof(double) * n);
        if (!f->yv) goto oom;
        for (size_t i = 0; i < n; i++) f->yv[i] = (double)r->targets[wfm_row(r, i)];
    }
    f->xs = wfm_malloc(sizeof(float) * n * d);
    f->mean = wfm_malloc(sizeof(float) * d);
    f->std = wfm_malloc(sizeof(float) * d);
    f->theta = wfm_calloc((size_t)f->q * (d + 1), sizeof(double));
    double *acc = wfm_malloc(sizeof(double) * 2 * d);
    if (!f->xs || !f->mean || !f->std || !f->theta || !acc) { free(acc); goto oom; }
    standardize(r, f->mean, f->std, f->xs, acc);
    free(acc);
    wfm_glm *g = &f->g;
    g->loss = task == WFM_PROBE_LOGISTIC ? (f->q == 1 ? WFM_LOSS_BINARY : WFM_LOSS_SOFTMAX) : WFM_LOSS_SQUARED;
    g->x = f->xs;
    g->n = n;
    g->d = d;
    g->q = f->q;
    g->y = f->y;
    g->yv = f->yv;
    g->sw = f->sw;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += f->sw ? f->sw[i] : 1.0;
    g->inv_s = 1.0 / s;
    if (wfm_glm_alloc(g)) goto oom;
    if (task != WFM_PROBE_LOGISTIC) {
        /* Start the linear model at the target mean (the features are centred). */
        double m = 0;
        for (size_t i = 0; i < n; i++) m += f->yv[i];
        f->theta[d] = m / (double)n;
    }
    return WFM_OK;
oom:
    glm_release(f);
    return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for a %zu x %zu probe fit", n, d);
}

/* Minimises for `lambda`, warm-started from f->theta. */
static wfm_status glm_solve(glm_fit *f, double lambda, const wfm_probe_params *p, wfm_error *err) {
    f->g.lambda = lambda;
    wfm_glm_reset(&f->g, f->theta);
    wfm_lbfgs_problem pb = wfm_glm_problem(&f->g);
    /* 50 curvature pairs (fewer when they would take more than 16 MB): with
     * the exact line search this halves the iterations of the usual 10 on
     * embedding probes (bench/bench_probe.c). */
    size_t per_pair = sizeof(double) * 2 * pb.n;
    int memory = (int)(per_pair * 50 <= ((size_t)16 << 20) ? 50 : ((size_t)16 << 20) / per_pair);
    if (memory < 5) memory = 5;
    if (wfm_lbfgs(&pb, f->theta, p->max_iter, p->tol, memory, &f->res))
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory in L-BFGS");
    return WFM_OK;
}

/* A probe over the fit's present classes from theta. */
static wfm_status glm_to_probe(const glm_fit *f, wfm_probe_task task, double lambda, wfm_probe **out, wfm_error *err) {
    wfm_probe *p = wfm_probe_alloc(task, (int)f->d, task == WFM_PROBE_LOGISTIC ? f->n_present : 0);
    if (!p) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    const size_t d = f->d, q = (size_t)f->q;
    const double *b = f->theta + q * d;
    double bm = 0;
    if (q > 1) { /* softmax biases are defined up to a shift: centre them */
        for (size_t k = 0; k < q; k++) bm += b[k];
        bm /= (double)q;
    }
    for (size_t i = 0; i < q * d; i++) p->weight[i] = (float)f->theta[i];
    for (size_t k = 0; k < q; k++) p->bias[k] = (float)(b[k] - bm);
    memcpy(p->mean, f->mean, sizeof(float) * d);
    memcpy(p->std, f->std, sizeof(float) * d);
    p->lambda = lambda;
    p->n_train = f->n;
    p->iterations = f->res.iterations;
    p->converged = f->res.converged;
    p->loss = f->res.f;
    p->grad_norm = f->res.grad_inf;
    *out = p;
    return WFM_OK;
}

/* ---- prediction ----------------------------------------------------------- */

wfm_status wfm_probe_predict_rows(const wfm_probe *p, const wfm_rows *r, float *out, wfm_error *err) {
    const size_t d = (size_t)p->d, q = (size_t)p->q;
    const int K = p->n_classes;
    double *w = wfm_malloc(sizeof(double) * (q * d + d));
    if (!w) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    double *xs = w + q * d;
    for (size_t i = 0; i < q * d; i++) w[i] = p->weight[i];
    double z[WFM_PROBE_MAX_CLASSES];
    for (size_t i = 0; i < r->n; i++) {
        const float *x = r->X + wfm_row(r, i) * d;
        for (size_t j = 0; j < d; j++) xs[j] = ((double)x[j] - p->mean[j]) / p->std[j];
        for (size_t k = 0; k < q; k++) z[k] = wfm_dot_dd(xs, w + k * d, d) + p->bias[k];
        if (!K) {
            /* z is finite (finite floats, in double), but a probe file's
             * weights and scales can put it beyond what a float holds */
            if (!(fabs(z[0]) <= FLT_MAX)) {
                free(w);
                return wfm_fail(err, WFM_ERR_INVALID_ARG,
                                "probe: row %zu: the prediction %.3g is beyond the float range (features far outside "
                                "the probe's training data, or a corrupt probe)", wfm_row(r, i), z[0]);
            }
            out[i] = (float)z[0];
        } else if (K == 2) {
            double e = exp(-fabs(z[0])), hi = 1 / (1 + e), lo = e / (1 + e);
            out[2 * i] = (float)(z[0] >= 0 ? lo : hi);
            out[2 * i + 1] = (float)(z[0] >= 0 ? hi : lo);
        } else {
            double m = z[0], s = 0;
            for (int k = 1; k < K; k++) m = fmax(m, z[k]);
            for (int k = 0; k < K; k++) { z[k] = exp(z[k] - m); s += z[k]; }
            for (int k = 0; k < K; k++) out[i * (size_t)K + (size_t)k] = (float)(z[k] / s);
        }
    }
    free(w);
    return WFM_OK;
}

static wfm_status check_predict_args(const wfm_probe *p, const wfm_model *model, const float *X, size_t n, size_t d,
                                     wfm_error *err) {
    if (!p || (!X && n)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: NULL argument");
    if (d != (size_t)p->d)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: the features have %zu columns, the probe was fit on %d", d, p->d);
    wfm_status st = wfm_probe_check_model(p, model, err);
    if (st) return st;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu, feature %zu is not finite", i, j);
    return WFM_OK;
}

wfm_status wfm_probe_predict(const wfm_probe *p, const wfm_model *model, const float *X, size_t n, size_t d,
                             float *out, int *classes, wfm_error *err) {
    wfm_status st = check_predict_args(p, model, X, n, d, err);
    if (st) return st;
    size_t cols = p->n_classes ? (size_t)p->n_classes : 1;
    float *buf = out ? out : wfm_malloc(sizeof(float) * (n * cols + 1));
    if (!buf) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    wfm_rows r = {X, d, NULL, n, NULL, NULL, NULL, p->n_classes};
    st = wfm_probe_predict_rows(p, &r, buf, err);
    if (!st && classes) {
        for (size_t i = 0; i < n; i++) {
            int best = 0;
            if (p->n_classes)
                for (size_t k = 1; k < cols; k++) if (buf[i * cols + k] > buf[i * cols + (size_t)best]) best = (int)k;
            classes[i] = best;
        }
    }
    if (buf != out) free(buf);
    return st;
}

wfm_status wfm_probe_evaluate(const wfm_probe *p, const wfm_model *model, const float *X, size_t n, size_t d,
                              const int *labels, const float *targets, double metrics[WFM_METRIC_COUNT],
                              wfm_error *err) {
    if (!metrics) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: NULL metrics");
    wfm_status st = check_predict_args(p, model, X, n, d, err);
    if (st) return st;
    if (p->n_classes ? !labels : !targets)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: evaluating a %s probe needs %s", wfm_probe_task_name(p->task),
                        p->n_classes ? "labels" : "targets");
    if (p->n_classes)
        for (size_t i = 0; i < n; i++)
            if (labels[i] < 0 || labels[i] >= p->n_classes)
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: row %zu: label %d is not one of the probe's %d classes", i,
                                labels[i], p->n_classes);
    size_t cols = p->n_classes ? (size_t)p->n_classes : 1;
    float *pred = wfm_malloc(sizeof(float) * (n * cols + 1));
    if (!pred) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    wfm_rows r = {X, d, NULL, n, NULL, NULL, NULL, p->n_classes};
    st = wfm_probe_predict_rows(p, &r, pred, err);
    if (!st)
        st = p->n_classes ? wfm_metrics_classification(labels, pred, n, p->n_classes, metrics, err)
                          : wfm_metrics_regression(targets, pred, n, metrics, err);
    free(pred);
    return st;
}

/* ---- lambda by inner cross-validation ------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Scatters a probe's predictions (its own classes) into `cols` columns by
 * original class; classes it does not know get 0. */
static void scatter_cols(const float *src, size_t n, int n_local, const int *present, int cols, float *dst,
                         const size_t *dst_rows) {
    for (size_t i = 0; i < n; i++) {
        float *o = dst + dst_rows[i] * (size_t)cols;
        for (int k = 0; k < cols; k++) o[k] = 0;
        for (int k = 0; k < n_local; k++) o[present[k]] = src[i * (size_t)n_local + (size_t)k];
    }
}

/* The selection score of one lambda; NaN when undefined. Running out of
 * memory is not "undefined": it sets *st (and err). */
static double score(const wfm_probe_params *p, wfm_metric m, const wfm_rows *r, const float *pred,
                    const unsigned char *use, int *labels_buf, float *targets_buf, float *pred_buf, wfm_status *st,
                    wfm_error *err) {
    size_t cols = r->n_classes ? (size_t)r->n_classes : 1, k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!use[i]) continue;
        size_t row = wfm_row(r, i);
        if (r->n_classes) labels_buf[k] = r->labels[row];
        else targets_buf[k] = r->targets[row];
        memcpy(pred_buf + k * cols, pred + i * cols, sizeof(float) * cols);
        k++;
    }
    if (!k) return NAN;
    if (m == WFM_METRIC_AUTO) {
        if (!r->n_classes) {
            double se = 0;
            for (size_t i = 0; i < k; i++) { double e = (double)pred_buf[i] - targets_buf[i]; se += e * e; }
            return se / (double)k;
        }
        if (p->balanced) return wfm_metric_score_weighted_log_loss(labels_buf, pred_buf, k, r->n_classes);
        m = WFM_METRIC_LOG_LOSS;
    }
    double mm[WFM_METRIC_COUNT];
    wfm_error e2;
    wfm_status s2 = r->n_classes ? wfm_metrics_classification(labels_buf, pred_buf, k, r->n_classes, mm, &e2)
                                 : wfm_metrics_regression(targets_buf, pred_buf, k, mm, &e2);
    if (s2 == WFM_ERR_NO_MEMORY) { *st = s2; if (err) *err = e2; }
    return s2 ? NAN : mm[m];
}

/* Chooses lambda from the grid; fills p->cv_* of `into` later via the outputs. */
static wfm_status select_lambda(const wfm_rows *r, const wfm_probe_params *p, double *best, double *grid,
                                double *scores, int *n_grid, wfm_error *err) {
    const size_t n = r->n, cols = r->n_classes ? (size_t)r->n_classes : 1;
    int L = p->lambdas && p->n_lambdas ? p->n_lambdas : DEFAULT_GRID_N;
    memcpy(grid, p->lambdas && p->n_lambdas ? p->lambdas : default_grid, sizeof(double) * (size_t)L);
    qsort(grid, (size_t)L, sizeof *grid, cmp_double);
    *n_grid = L;
    int *fold = wfm_malloc(sizeof(int) * n);
    size_t *tr = wfm_malloc(sizeof(size_t) * n), *va = wfm_malloc(sizeof(size_t) * n);
    /* n x cols x L floats of out-of-fold predictions (checked for size_t overflow: wasm32) */
    float *oof = (uint64_t)n * cols * (uint64_t)L < SIZE_MAX / sizeof(float) ? wfm_malloc(sizeof(float) * n * cols * (size_t)L) : NULL;
    float *tmp = wfm_malloc(sizeof(float) * n * cols);
    unsigned char *use = wfm_calloc(n * (size_t)L, 1), failed[WFM_PROBE_MAX_LAMBDAS] = {0};
    int *lb = wfm_malloc(sizeof(int) * n);
    float *tb = wfm_malloc(sizeof(float) * n), *pb = wfm_malloc(sizeof(float) * n * cols);
    wfm_scatter *sc = NULL;
    wfm_status st = WFM_OK;
    int nf = 0;
    if (!fold || !tr || !va || !oof || !tmp || !use || !lb || !tb || !pb) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for cross-validation");
        goto done;
    }
    if ((st = wfm_assign_folds(r, p->inner_folds, r->groups != NULL, p->seed ^ 0x5eedULL, fold, &nf, err))) {
        wfm_error_prefix(err, "inner cross-validation for lambda");
        goto done;
    }
    /* ridge: the dual form when the whole fit uses it (then d > every fold's rows) */
    const int dual = p->task == WFM_PROBE_RIDGE && wfm_ridge_use_dual(n, r->d);
    if (p->task == WFM_PROBE_RIDGE && !dual) {
        sc = wfm_calloc((size_t)nf, sizeof *sc);
        if (!sc) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto done; }
        for (int f = 0; f < nf && !st; f++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) if (fold[i] == f) va[m++] = wfm_row(r, i);
            wfm_rows rf = *r;
            rf.rows = va;
            rf.n = m;
            st = wfm_scatter_compute(&sc[f], &rf, err);
        }
        if (st) goto done;
    }
    for (int f = 0; f < nf && !st; f++) {
        size_t ntr = 0, nva = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == f) va[nva++] = i;
            else tr[ntr++] = wfm_row(r, i);
        }
        if (!ntr || !nva) continue;
        wfm_rows rt = *r, rv = *r;
        rt.rows = tr;
        rt.n = ntr;
        /* validation rows as original row numbers, remembering positions in va */
        size_t *va_rows = wfm_malloc(sizeof(size_t) * nva);
        if (!va_rows) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); break; }
        for (size_t i = 0; i < nva; i++) va_rows[i] = wfm_row(r, va[i]);
        rv.rows = va_rows;
        rv.n = nva;
        if (p->task == WFM_PROBE_RIDGE) {
            wfm_scatter acc = {0};
            wfm_ridge_dual u = {0};
            int first = 1;
            if (dual) st = wfm_ridge_dual_prepare(&u, &rt, err);
            for (int g = 0; g < nf && !st && !dual; g++) {
                if (g == f) continue;
                if (first) { st = wfm_scatter_copy(&acc, &sc[g], err); first = 0; }
                else wfm_scatter_merge(&acc, &sc[g]);
            }
            for (int l = 0; l < L && !st; l++) {
                wfm_probe *pr = wfm_probe_alloc(WFM_PROBE_RIDGE, (int)r->d, 0);
                if (!pr) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); break; }
                wfm_error e2;
                wfm_status s2 = !(grid[l] > 0) ? WFM_ERR_INVALID_ARG
                                : dual         ? wfm_ridge_dual_solve(&u, grid[l], pr, &e2)
                                               : wfm_ridge_solve(&acc, grid[l], pr, &e2);
                if (s2 == WFM_ERR_NO_MEMORY) { st = s2; if (err) *err = e2; wfm_probe_free(pr); break; }
                if (s2) {
                    failed[l] = 1; /* not positive definite: this lambda is not scored */
                    wfm_probe_free(pr);
                    continue;
                }
                st = wfm_probe_predict_rows(pr, &rv, tmp, err);
                wfm_probe_free(pr);
                for (size_t i = 0; i < nva && !st; i++) {
                    oof[((size_t)l * n + va[i])] = tmp[i];
                    use[(size_t)l * n + va[i]] = 1;
                }
            }
            wfm_scatter_free(&acc);
            wfm_ridge_dual_free(&u);
        } else {
            glm_fit gf;
            wfm_error e2;
            wfm_status s2 = glm_prepare(&gf, &rt, p->task, p->balanced, &e2);
            if (s2 == WFM_ERR_NO_MEMORY) { st = s2; if (err) *err = e2; }
            if (s2) { free(va_rows); continue; } /* a single class in this fold's training rows: left out */
            for (int l = L - 1; l >= 0 && !st; l--) { /* strongest penalty first, warm starts */
                wfm_probe *pr = NULL;
                if ((st = glm_solve(&gf, grid[l], p, err)) || (st = glm_to_probe(&gf, p->task, grid[l], &pr, err))) break;
                st = wfm_probe_predict_rows(pr, &rv, tmp, err);
                int nl = pr->n_classes;
                wfm_probe_free(pr);
                if (st) break;
                float *dst = oof + (size_t)l * n * cols;
                if (r->n_classes) scatter_cols(tmp, nva, nl, gf.present, (int)cols, dst, va);
                else for (size_t i = 0; i < nva; i++) dst[va[i]] = tmp[i];
                for (size_t i = 0; i < nva; i++) use[(size_t)l * n + va[i]] = 1;
            }
            glm_release(&gf);
        }
        free(va_rows);
    }
    if (st) goto done;
    wfm_metric m = p->cv_metric;
    int higher = m != WFM_METRIC_AUTO && wfm_metric_higher_is_better(m), bi = -1;
    for (int l = 0; l < L && !st; l++) {
        scores[l] = failed[l] ? NAN : score(p, m, r, oof + (size_t)l * n * cols, use + (size_t)l * n, lb, tb, pb, &st, err);
        if (isnan(scores[l])) continue;
        /* ties go to the larger lambda: later in the ascending grid */
        if (bi < 0 || (higher ? scores[l] >= scores[bi] : scores[l] <= scores[bi])) bi = l;
    }
    if (st) goto done;
    if (bi < 0) {
        st = wfm_fail(err, WFM_ERR_INVALID_ARG, "inner cross-validation for lambda: no lambda of the grid could be scored");
        goto done;
    }
    *best = grid[bi];
done:
    if (sc) for (int f = 0; f < nf; f++) wfm_scatter_free(&sc[f]);
    free(sc); free(fold); free(tr); free(va); free(oof); free(tmp); free(use); free(lb); free(tb); free(pb);
    return st;
}

/* ---- fitting --------------------------------------------------------------- */

wfm_status wfm_probe_fit_rows(const wfm_rows *r, const wfm_probe_params *p, wfm_probe **out, int *present,
                              int *n_present, wfm_error *err) {
    *out = NULL;
    double lambda = p->lambda, grid[WFM_PROBE_MAX_LAMBDAS], scores[WFM_PROBE_MAX_LAMBDAS];
    int n_grid = 0;
    wfm_status st;
    if (p->cv_lambda && (st = select_lambda(r, p, &lambda, grid, scores, &n_grid, err))) return st;
    wfm_probe *pr = NULL;
    if (p->task == WFM_PROBE_RIDGE && wfm_ridge_use_dual(r->n, r->d)) {
        wfm_ridge_dual u;
        if ((st = wfm_ridge_dual_prepare(&u, r, err))) return st;
        pr = wfm_probe_alloc(WFM_PROBE_RIDGE, (int)r->d, 0);
        if (!pr) st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
        else st = wfm_ridge_dual_solve(&u, lambda, pr, err);
        wfm_ridge_dual_free(&u);
        if (st) { wfm_probe_free(pr); return st; }
    } else if (p->task == WFM_PROBE_RIDGE) {
        wfm_scatter sc = {0};
        if ((st = wfm_scatter_compute(&sc, r, err))) return st;
        pr = wfm_probe_alloc(WFM_PROBE_RIDGE, (int)r->d, 0);
        if (!pr) st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
        else st = wfm_ridge_solve(&sc, lambda, pr, err);
        wfm_scatter_free(&sc);
        if (st) { wfm_probe_free(pr); return st; }
    }
    if (p->task == WFM_PROBE_RIDGE) {
        pr->lambda = lambda;
        pr->n_train = r->n;
        pr->iterations = 0;
        pr->converged = 1;
        *n_present = 0;
    } else {
        glm_fit gf;
        if ((st = glm_prepare(&gf, r, p->task, p->balanced, err))) return st;
        if (!(st = glm_solve(&gf, lambda, p, err))) st = glm_to_probe(&gf, p->task, lambda, &pr, err);
        if (!st && present) memcpy(present, gf.present, sizeof(int) * (size_t)gf.n_present);
        *n_present = gf.n_present;
        glm_release(&gf);
        if (st) return st;
    }
    pr->balanced = p->balanced;
    pr->relative = p->relative != 0;
    pr->n_cv = n_grid;
    pr->cv_metric = p->cv_metric;
    memcpy(pr->cv_lambdas, grid, sizeof(double) * (size_t)n_grid);
    memcpy(pr->cv_scores, scores, sizeof(double) * (size_t)n_grid);
    *out = pr;
    return WFM_OK;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = wfm_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

wfm_status wfm_probe_fit(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                         const int *groups, const wfm_probe_params *params, wfm_probe **out, wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe: NULL output");
    *out = NULL;
    wfm_probe_params p = params ? *params : wfm_probe_default_params();
    int K = 0;
    wfm_status st = wfm_probe_check_data(X, n, d, labels, targets, &p, &K, err);
    if (st) return st;
    wfm_rows r = {X, d, NULL, n, labels, targets, groups, K};
    int present[WFM_PROBE_MAX_CLASSES], np = 0;
    wfm_probe *pr = NULL;
    if ((st = wfm_probe_fit_rows(&r, &p, &pr, present, &np, err))) return st;
    for (int k = 0; k < pr->n_classes; k++) {
        char num[16];
        snprintf(num, sizeof num, "%d", k);
        pr->class_names[k] = dup_str(p.class_names && p.class_names[k] ? p.class_names[k] : num);
        if (!pr->class_names[k]) goto oom;
    }
    if (p.feature_names) {
        if (!(pr->feature_names = wfm_calloc(d, sizeof(char *)))) goto oom;
        for (size_t j = 0; j < d; j++)
            if (!(pr->feature_names[j] = dup_str(p.feature_names[j] ? p.feature_names[j] : ""))) goto oom;
    }
    if (p.model) snprintf(pr->encoder_hash, sizeof pr->encoder_hash, "%s", wfm_model_weights_hash(p.model));
    *out = pr;
    return WFM_OK;
oom:
    wfm_probe_free(pr);
    return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
}
