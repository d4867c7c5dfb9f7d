/* wearfm: linear probes on embeddings, and slots (probes that answer per patch).
 * Part of the public API; include "wearfm.h". */
#ifndef WEARFM_PROBE_H
#define WEARFM_PROBE_H

#include "minutes.h"
#include "waveform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- linear probes ------------------------------------------------------ */

/* A linear probe on fixed features (embeddings, or any numeric table).
 * Features are standardised with the training rows' mean and population
 * standard deviation (a constant feature gets std 1), and the model is linear
 * in that space: z = W x_std + b. Objectives (S = sum of the row weights s_i):
 *   logistic  (1/S) sum_i s_i CE(y_i, z_i) + lambda/2 ||W||^2
 *             binary: one row of W and a sigmoid; K > 2 classes: K rows and a
 *             softmax. s_i = 1, or n / (K n_c) for a row of class c when
 *             `balanced` (sklearn's class_weight='balanced').
 *   ridge     (1/2n) sum_i (y_i - z_i)^2 + lambda/2 ||w||^2, solved in closed
 *             form (Cholesky of the standardised, centred Gram matrix + lambda I)
 *   linear    the same objective as ridge, minimised by L-BFGS: same optimum;
 *             the iterative solver also handles lambda = 0 on singular data.
 * The bias is never penalised. sklearn equivalents: LogisticRegression(C) is
 * lambda = 1/(C n); Ridge(alpha) is lambda = alpha/n. L-BFGS stops when
 * ||grad||_inf <= tol * max(1, |f|). Everything is deterministic, with a
 * fixed summation order, so native and wasm builds agree. docs/probes.md. */
typedef struct wfm_probe wfm_probe;

typedef enum wfm_probe_task {
    WFM_PROBE_LOGISTIC = 0,  /* classification (integer labels 0..K-1) */
    WFM_PROBE_RIDGE = 1,     /* regression (float targets), closed form */
    WFM_PROBE_LINEAR = 2     /* regression, L-BFGS */
} wfm_probe_task;

/* "logistic", "ridge", "linear"; NULL out of range. */
const char *wfm_probe_task_name(wfm_probe_task task);

/* Person-relative features: every row of a group (e.g. one person's
 * windows) standardised, in place, by that group's own mean and population
 * standard deviation, taken over the group's `reference` rows (NULL: all of
 * them; labels play no part, so a person's unlabelled windows can serve). A
 * feature constant over a group's reference rows is only centred. A probe
 * fitted on people and used on another then reads how a window differs from
 * that person's usual rather than who the person is; fit it with
 * params.relative = 1 so that it says so (docs/probes.md). The result depends
 * on which windows a group holds: give each person a spread of their days, not
 * only the windows to be classified. X must be finite; WFM_ERR_NO_DATA when a
 * group has no reference row (X is then unchanged). `info` (may be NULL)
 * receives the number of groups and the fewest reference rows of one. */
typedef struct wfm_features_relative_info {
    int n_groups;
    size_t min_reference_rows;
} wfm_features_relative_info;
wfm_status wfm_features_relative(float *X, size_t n, size_t d, const int *groups, const uint8_t *reference,
                                 wfm_features_relative_info *info, wfm_error *err);

/* Metrics; arrays of WFM_METRIC_COUNT doubles are indexed by these. A metric
 * that does not apply to the task, or is undefined on the data (AUROC with a
 * single class, Pearson r with a constant side, ...), is NaN. */
typedef enum wfm_metric {
    WFM_METRIC_AUTO = -1,             /* for cv_metric: log loss / MSE (see below) */
    WFM_METRIC_ACCURACY = 0,
    WFM_METRIC_BALANCED_ACCURACY = 1, /* mean recall over the classes present in the labels */
    WFM_METRIC_MACRO_F1 = 2,          /* mean F1 over classes in the labels or the predictions */
    WFM_METRIC_AUROC = 3,             /* binary; K > 2: one-vs-rest macro mean; ties get average ranks */
    WFM_METRIC_LOG_LOSS = 4,          /* mean -ln p(true class), p clamped to [1e-15, 1] */
    WFM_METRIC_MAE = 5,
    WFM_METRIC_RMSE = 6,
    WFM_METRIC_PEARSON_R = 7,
    WFM_METRIC_R2 = 8,                /* 1 - SS_res / SS_tot */
    WFM_METRIC_COUNT = 9
} wfm_metric;

/* "accuracy", "balanced_accuracy", "macro_f1", "auroc", "log_loss", "mae",
 * "rmse", "pearson_r", "r2"; NULL out of range. */
const char *wfm_metric_name(wfm_metric metric);
/* 1 if larger is better (accuracy, ...), 0 if smaller is (log loss, MAE, RMSE). */
int wfm_metric_higher_is_better(wfm_metric metric);

typedef struct wfm_probe_params {
    wfm_probe_task task;       /* WFM_PROBE_LOGISTIC */
    double lambda;             /* 1e-3; >= 0 (ridge: > 0) */
    int balanced;              /* 0; logistic only */
    int max_iter;              /* 1000 L-BFGS iterations */
    double tol;                /* 1e-6 */
    /* Choose lambda by inner cross-validation over `lambdas` (NULL: the default
     * grid 1e-5, 1e-4, ..., 10), `inner_folds` folds (stratified for
     * classification; by group when groups are given). The selection score is
     * computed on the pooled out-of-fold predictions: `cv_metric`, or with
     * WFM_METRIC_AUTO the log loss (class-balanced when `balanced`) for
     * classification and the MSE for regression. Ties go to the larger lambda. */
    int cv_lambda;             /* 0 */
    const double *lambdas;     /* NULL */
    int n_lambdas;             /* 0; at most 64 */
    int inner_folds;           /* 5 */
    wfm_metric cv_metric;      /* WFM_METRIC_AUTO */
    uint64_t seed;             /* 0: seeds the (deterministic) fold shuffles */
    /* Classification: number of classes (0: 1 + the largest label) and
     * optional names (NULL: "0", "1", ...), copied into the probe. */
    int n_classes;
    const char *const *class_names;
    /* Optional names of the d feature columns (e.g. "emb_0"...), stored. */
    const char *const *feature_names;
    /* Optional: the encoder whose embeddings X are. Its weights hash is
     * stored, and predicting with another model is then an error. NULL: the
     * probe is not bound (features from anywhere). */
    const wfm_model *model;
    /* 1: X holds person-relative features (wfm_features_relative). Stored in
     * the probe, so that its users know to give it the same (the CLI's
     * `probe predict` then requires the group column). */
    int relative;
} wfm_probe_params;

wfm_probe_params wfm_probe_default_params(void);

/* Fits a probe on X (n rows x d features, row-major, finite). Classification
 * takes `labels` (n ints in 0..K-1, K <= 64; every class needs a row and
 * there must be two classes at least), regression `targets` (n finite floats); the other is
 * NULL. `groups` (n ints, may be NULL) only matters for the inner CV of
 * cv_lambda: rows of one group are never on both sides. `params` may be NULL
 * for the defaults. A solver that stops at max_iter is not an error: see
 * wfm_probe_info.converged. */
wfm_status wfm_probe_fit(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                         const int *groups, const wfm_probe_params *params, wfm_probe **out, wfm_error *err);
void wfm_probe_free(wfm_probe *probe);

typedef struct wfm_probe_info {
    wfm_probe_task task;
    int n_features;
    int n_classes;           /* 0 for regression */
    int n_outputs;           /* columns of wfm_probe_predict's output: n_classes, or 1 */
    double lambda;           /* the one fit (chosen by inner CV with cv_lambda) */
    int balanced;
    size_t n_train;
    int iterations;          /* L-BFGS iterations (ridge: 0) */
    int converged;           /* the stopping rule was met (ridge: 1) */
    double loss;             /* final objective */
    double grad_norm;        /* its ||grad||_inf */
    const char *encoder_hash;/* the bound encoder's weights hash, or NULL */
    int relative;            /* fitted on person-relative features (wfm_features_relative) */
} wfm_probe_info;

void wfm_probe_get_info(const wfm_probe *probe, wfm_probe_info *out);
/* The fitted parameters: weight [rows x cols] in standardised feature units,
 * bias [rows], and the standardisation, feature_mean [cols] and feature_std
 * [cols]; rows is wfm_probe_info.n_outputs for a classifier with K > 2
 * classes, else 1 (binary, regression), and cols the number of features.
 * The original-unit model is z = (W / std) x + b - (W / std) mean. The
 * pointers stay valid while the probe lives (all NULL for a NULL probe). */
typedef struct wfm_probe_coefficients {
    int rows, cols;
    const float *weight, *bias, *feature_mean, *feature_std;
} wfm_probe_coefficients;
void wfm_probe_get_coefficients(const wfm_probe *probe, wfm_probe_coefficients *out);
/* Class name (k in 0..n_classes-1) or feature name (NULL if none stored). */
const char *wfm_probe_class_name(const wfm_probe *probe, int k);
const char *wfm_probe_feature_name(const wfm_probe *probe, int j);
/* Index of a class by name, or -1. */
int wfm_probe_find_class(const wfm_probe *probe, const char *name);
/* The inner-CV scores of cv_lambda (n = 0 without): lambdas[i] scored
 * scores[i] in `metric`. The pointers stay valid while the probe lives. */
int wfm_probe_cv_scores(const wfm_probe *probe, const double **lambdas, const double **scores, wfm_metric *metric);

/* WFM_OK if the probe may be used with `model`: it is not bound, or it was fit
 * on this encoder's embeddings (same weights hash); else WFM_ERR_INVALID_ARG
 * naming both hashes. */
wfm_status wfm_probe_check_model(const wfm_probe *probe, const wfm_model *model, wfm_error *err);

/* Predictions for X (n x d). `out` (may be NULL) receives n x n_outputs
 * floats: class probabilities (binary: P(class 0), P(class 1)) or values;
 * `classes` (may be NULL) the most probable class of each row (the first on
 * ties). `model`, if not NULL, is checked with wfm_probe_check_model. */
wfm_status wfm_probe_predict(const wfm_probe *probe, const wfm_model *model, const float *X, size_t n, size_t d,
                             float *out, int *classes, wfm_error *err);

/* Metrics of the probe on labelled data (labels for classification, targets
 * for regression; a label outside the probe's classes is an error). */
wfm_status wfm_probe_evaluate(const wfm_probe *probe, const wfm_model *model, const float *X, size_t n, size_t d,
                              const int *labels, const float *targets, double metrics[WFM_METRIC_COUNT],
                              wfm_error *err);

/* Metrics from predictions. Classification: labels in 0..K-1, proba n x K
 * (rows summing to 1); regression: targets and predictions. Metrics of the
 * other kind are NaN. */
wfm_status wfm_metrics_classification(const int *labels, const float *proba, size_t n, int n_classes,
                                      double metrics[WFM_METRIC_COUNT], wfm_error *err);
wfm_status wfm_metrics_regression(const float *targets, const float *pred, size_t n,
                                  double metrics[WFM_METRIC_COUNT], wfm_error *err);

/* Probe files are safetensors: F32 tensors probe.weight [n_out, d],
 * probe.bias [n_out], probe.feature_mean [d] and probe.feature_std [d], and
 * __metadata__["wearfm.probe"], a JSON string with the task, classes, lambda,
 * features, the solver's result and the encoder binding (docs/probes.md).
 * save_buffer returns a malloc'ed buffer: release it with wfm_probe_buffer_free. */
wfm_status wfm_probe_save_buffer(const wfm_probe *probe, void **data, size_t *size, wfm_error *err);
void wfm_probe_buffer_free(void *data);
wfm_status wfm_probe_save_file(const wfm_probe *probe, const char *path, wfm_error *err);
wfm_status wfm_probe_load_buffer(const void *data, size_t size, wfm_probe **out, wfm_error *err);
wfm_status wfm_probe_load_file(const char *path, wfm_probe **out, wfm_error *err);

/* Error bands (optional, docs/probes.md): the mean absolute error a
 * regression probe was measured to make on held-out data, in bands of a
 * window summary: `by` is "motion_g" or "observed" (wfm_window_summary),
 * edges strictly increasing, mae[b] for band b: b = 0 below edges[0], b for
 * edges[b-1] <= v < edges[b], n_edges from the last edge on. Stored in the
 * probe file as "error_bands": {"by": ..., "edges": [...], "mae_bpm": [...]}.
 * get returns 1 and fills *out (pointers valid while the probe lives and its
 * bands are not set again), or 0. set takes that JSON object (or "null" or
 * NULL: no bands), validated as when loading; on error the probe is
 * unchanged. expected_error is the band's MAE for a window, NaN without
 * bands or when the summary's value is NaN. */
#define WFM_PROBE_MAX_ERROR_BAND_EDGES 16
typedef struct wfm_probe_error_bands {
    const char *by;
    int n_edges;
    const double *edges;   /* [n_edges] */
    const double *mae;     /* [n_edges + 1] */
} wfm_probe_error_bands;
int wfm_probe_get_error_bands(const wfm_probe *probe, wfm_probe_error_bands *out);
wfm_status wfm_probe_set_error_bands(wfm_probe *probe, const char *json, size_t len, wfm_error *err);
double wfm_probe_expected_error(const wfm_probe *probe, const wfm_window_summary *summary);

/* Cross-validation of a probe. Without groups: k folds, stratified by class
 * for classification, rows assigned by a shuffle seeded with params->seed.
 * With groups (n ints, e.g. a subject id per row): no group is ever on both
 * sides; folds = 0 is leave-one-group-out, otherwise min(folds, groups) folds
 * balanced by row count (largest groups first, each to the smallest fold).
 * Each fold fits a probe with `params` (including cv_lambda, whose inner
 * folds are then grouped too) on the other folds. A fold whose training rows
 * hold a single class cannot be fit: it is skipped (status 1, NaN metrics).
 * Fold classes absent from the training rows get probability 0.
 * mean/std (sample std, n-1; 0 for one fold) are over the folds where the
 * metric is defined (n_defined of them); `pooled` is each metric on all
 * out-of-fold predictions together. */
typedef struct wfm_probe_cv {
    wfm_probe_task task;
    int n_folds;
    int n_outputs;            /* columns of `predictions` */
    double *fold_metrics;     /* [n_folds * WFM_METRIC_COUNT] */
    double *fold_lambda;      /* [n_folds] lambda used (chosen by inner CV with cv_lambda) */
    size_t *fold_train_rows;  /* [n_folds] */
    size_t *fold_test_rows;   /* [n_folds] */
    int *fold_test_groups;    /* [n_folds] groups in the test fold (0 without groups) */
    int *fold_status;         /* [n_folds] 0 ok, 1 skipped (single class in training) */
    int *fold_converged;      /* [n_folds] the solver converged */
    int *fold_of_row;         /* [n] the fold that tested each row */
    float *predictions;       /* [n * n_outputs] out-of-fold; NaN for skipped folds */
    double mean[WFM_METRIC_COUNT], std[WFM_METRIC_COUNT], pooled[WFM_METRIC_COUNT];
    int n_defined[WFM_METRIC_COUNT];
    int n_skipped;
} wfm_probe_cv;

wfm_status wfm_probe_cross_validate(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                    const int *groups, int folds, const wfm_probe_params *params,
                                    wfm_probe_cv **out, wfm_error *err);
void wfm_probe_cv_free(wfm_probe_cv *cv);

/* ---- slots: probes that answer per patch ------------------------------ */

/* A slot is one patch of the window: slot p covers minutes [p P, (p + 1) P)
 * (P = patch_minutes), so a day model has T / P of them. Probes shipped for
 * "asleep or awake in these 20 minutes" read slot features; docs/probes.md,
 * "Slot probes". */

/* Runs the model on x with only the `inputs` channels (model channel
 * indices, each at most once; every other channel is set missing, so a probe
 * never sees the channel it was taught to predict) and writes, for each
 * slot, the mean of the encoder's visible token embeddings of the input
 * channels at that slot: features [T / P * enc_dim]. has_features [T / P]
 * (may be NULL) gets 1 for a slot with at least one observed input minute,
 * else 0 and a NaN row. WFM_ERR_NO_DATA when no input channel is observed
 * anywhere in the window; WFM_ERR_UNSUPPORTED for a waveform model. */
wfm_status wfm_slot_features(wfm_model *model, const float *x, const int *inputs, int n_inputs, float *features,
                             uint8_t *has_features, wfm_error *err);

typedef struct wfm_slot_period {
    size_t first, end;       /* slots [first, end) */
    float mean_probability;  /* mean over the slots of the period that have one */
    size_t n_known;          /* slots of the period with a probability */
} wfm_slot_period;

/* Periods of one class along consecutive slots (prob[i]: its probability in
 * slot i, NaN = no prediction): runs of slots with prob >= threshold, joined
 * across at most max_gap slots below it or unknown, kept when at least
 * min_slots long. Writes at most cap periods in time order and returns how
 * many there are (possibly more than cap). */
size_t wfm_slot_periods(const float *prob, size_t n, float threshold, int max_gap, int min_slots,
                        wfm_slot_period *out, size_t cap);

/* The expected number of slots of a class among n: the sum of the known
 * probabilities (NaN skipped; *n_known, if not NULL, gets how many were
 * known). With probabilities calibrated to the class's frequency (a probe
 * fit without class balancing), this is an unbiased count. */
double wfm_slot_expected(const float *prob, size_t n, size_t *n_known);

#ifdef __cplusplus
}
#endif
#endif
