/* Flat C entry points for linear probes in the Emscripten build (see
 * web/wearfm_web.h for the conventions: JavaScript passes pointers into the
 * wasm heap and never lays out C structs; parameters are set by name, the
 * info leaves by field; errors go to the one slot, wfmw_last_error()). The
 * probe math is the core's (src/probes/), identical to the CLI's. */
#include "wearfm_web.h"
#include <stdlib.h>
EMSCRIPTEN_KEEPALIVE const char *wfmw_model_weights_hash(const wfm_model *m) { return wfm_model_weights_hash(m); }
EMSCRIPTEN_KEEPALIVE const char *wfmw_metric_name(int k) { return wfm_metric_name((wfm_metric)k); }
EMSCRIPTEN_KEEPALIVE int wfmw_metric_count(void) { return WFM_METRIC_COUNT; }

/* Parameters: wfm_probe_default_params() on the heap, then set by name. */
EMSCRIPTEN_KEEPALIVE wfm_probe_params *wfmw_probe_params_new(void) {
    wfm_probe_params *p = malloc(sizeof *p);
    if (p) *p = wfm_probe_default_params();
    return p;
}
EMSCRIPTEN_KEEPALIVE void wfmw_probe_params_free(wfm_probe_params *p) { free(p); }

/* Keys: task (0 logistic, 1 ridge, 2 linear), lambda, balanced, max_iter, tol,
 * cv_lambda, inner_folds, cv_metric (-1 auto or a wfm_metric), seed, n_classes.
 * Returns 0, or -1 for an unknown key. */
EMSCRIPTEN_KEEPALIVE int wfmw_probe_params_set(wfm_probe_params *p, const char *key, double v) {
    if (!strcmp(key, "task")) p->task = (wfm_probe_task)(int)v;
    else if (!strcmp(key, "lambda")) p->lambda = v;
    else if (!strcmp(key, "balanced")) p->balanced = v != 0;
    else if (!strcmp(key, "max_iter")) p->max_iter = (int)v;
    else if (!strcmp(key, "tol")) p->tol = v;
    else if (!strcmp(key, "cv_lambda")) p->cv_lambda = v != 0;
    else if (!strcmp(key, "inner_folds")) p->inner_folds = (int)v;
    else if (!strcmp(key, "cv_metric")) p->cv_metric = (wfm_metric)(int)v;
    else if (!strcmp(key, "seed")) p->seed = (uint64_t)v;
    else if (!strcmp(key, "n_classes")) p->n_classes = (int)v;
    else return -1;
    return 0;
}
/* Pointers stay owned by the caller and must live until the fit returns. */
EMSCRIPTEN_KEEPALIVE void wfmw_probe_params_set_lambdas(wfm_probe_params *p, const double *lambdas, int n) {
    p->lambdas = lambdas;
    p->n_lambdas = n;
}
EMSCRIPTEN_KEEPALIVE void wfmw_probe_params_set_class_names(wfm_probe_params *p, const char *const *names) {
    p->class_names = names;
}
EMSCRIPTEN_KEEPALIVE void wfmw_probe_params_set_feature_names(wfm_probe_params *p, const char *const *names) {
    p->feature_names = names;
}
EMSCRIPTEN_KEEPALIVE void wfmw_probe_params_set_model(wfm_probe_params *p, const wfm_model *m) { p->model = m; }

/* labels or targets may be 0 (the other is used), groups too. Returns a
 * probe, or 0 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE wfm_probe *wfmw_probe_fit(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                               const int *groups, const wfm_probe_params *p) {
    wfm_probe *out = NULL;
    wfmw_clear_error();
    return wfm_probe_fit(X, n, d, labels, targets, groups, p, &out, &wfmw_error) == WFM_OK ? out : NULL;
}

EMSCRIPTEN_KEEPALIVE void wfmw_probe_free(wfm_probe *p) { wfm_probe_free(p); }

/* The probe's description, one getter per field of wfm_probe_info: wfmw_probe_<field>(p). */
#define INFO(type, field) WFMW_FIELD(wfmw_probe_, wfm_probe, wfm_probe_info, wfm_probe_get_info, type, field)
INFO(int, task) /* a wfm_probe_task */
INFO(int, n_features)
INFO(int, n_classes)
INFO(int, n_outputs)
INFO(int, iterations)
INFO(int, converged)
INFO(int, balanced)
INFO(double, n_train)
INFO(double, lambda)
INFO(const char *, encoder_hash) /* the bound encoder's weights hash, or 0 */
#undef INFO
EMSCRIPTEN_KEEPALIVE const char *wfmw_probe_class_name(const wfm_probe *p, int k) { return wfm_probe_class_name(p, k); }

/* out: n x n_outputs floats (may be 0); classes: n ints (may be 0); model may
 * be 0 (no check). Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_probe_predict(const wfm_probe *p, const wfm_model *model, const float *X, size_t n, size_t d,
                                            float *out, int *classes) {
    wfmw_clear_error();
    return (int)wfm_probe_predict(p, model, X, n, d, out, classes, &wfmw_error);
}

/* Serialises to a heap buffer (release with wfmw_probe_buffer_free); *size gets its length. */
EMSCRIPTEN_KEEPALIVE void *wfmw_probe_save(const wfm_probe *p, size_t *size) {
    void *buf = NULL;
    wfmw_clear_error();
    return wfm_probe_save_buffer(p, &buf, size, &wfmw_error) == WFM_OK ? buf : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_probe_buffer_free(void *buf) { wfm_probe_buffer_free(buf); }

EMSCRIPTEN_KEEPALIVE wfm_probe *wfmw_probe_load(const void *data, size_t size) {
    wfm_probe *p = NULL;
    wfmw_clear_error();
    return wfm_probe_load_buffer(data, size, &p, &wfmw_error) == WFM_OK ? p : NULL;
}

/* Cross-validation. mean, std, pooled: WFM_METRIC_COUNT doubles each (NaN =
 * undefined); n_defined: WFM_METRIC_COUNT ints; folds_out: the number of folds.
 * Any output may be 0. Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_probe_cross_validate(const float *X, size_t n, size_t d, const int *labels,
                                                   const float *targets, const int *groups, int folds,
                                                   const wfm_probe_params *p, double *mean, double *std, double *pooled,
                                                   int *n_defined, int *folds_out) {
    wfm_probe_cv *cv = NULL;
    wfmw_clear_error();
    wfm_status st = wfm_probe_cross_validate(X, n, d, labels, targets, groups, folds, p, &cv, &wfmw_error);
    if (st) return (int)st;
    if (mean) memcpy(mean, cv->mean, sizeof cv->mean);
    if (std) memcpy(std, cv->std, sizeof cv->std);
    if (pooled) memcpy(pooled, cv->pooled, sizeof cv->pooled);
    if (n_defined) memcpy(n_defined, cv->n_defined, sizeof cv->n_defined);
    if (folds_out) *folds_out = cv->n_folds;
    wfm_probe_cv_free(cv);
    return WFM_OK;
}
