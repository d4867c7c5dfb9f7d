/* Probe metrics (include/wearfm.h, wfm_metric). Conventions, as sklearn
 * where it defines them:
 *   predicted class: argmax of the probabilities, the first on ties;
 *   balanced accuracy: mean recall over the classes present in the labels;
 *   macro-F1: mean F1 = 2tp / (2tp + fp + fn) over the classes present in the
 *     labels or the predictions (a class predicted but absent scores 0);
 *   AUROC: Mann-Whitney U with average ranks for tied scores. Binary: the
 *     score is P(class 1). K > 2: one-vs-rest for every class with positives
 *     and negatives, macro mean over them. Undefined (NaN) when the labels
 *     hold a single class;
 *   log loss: mean -ln p(true class), p clamped to [1e-15, 1];
 *   Pearson r: NaN when either side is constant; R^2 = 1 - SS_res / SS_tot,
 *     NaN when the targets are constant.
 * Sums run in row order in double. */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *wfm_metric_name(wfm_metric m) {
    static const char *names[WFM_METRIC_COUNT] = {"accuracy", "balanced_accuracy", "macro_f1", "auroc", "log_loss",
                                                  "mae", "rmse", "pearson_r", "r2"};
    return m >= 0 && m < WFM_METRIC_COUNT ? names[m] : NULL;
}

int wfm_metric_higher_is_better(wfm_metric m) {
    return !(m == WFM_METRIC_LOG_LOSS || m == WFM_METRIC_MAE || m == WFM_METRIC_RMSE);
}

typedef struct scored { float s; size_t i; } scored;
static int by_score(const void *a, const void *b) {
    const scored *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* AUROC of score column c (stride K) for "label == c"; NaN if one side is empty. */
static double auroc(const int *labels, const float *proba, size_t n, int K, int c, scored *buf) {
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        buf[i].s = proba[i * (size_t)K + (size_t)c];
        buf[i].i = i;
        pos += labels[i] == c;
    }
    size_t neg = n - pos;
    if (!pos || !neg) return NAN;
    qsort(buf, n, sizeof *buf, by_score);
    double rank_sum = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && buf[b].s == buf[a].s) b++;
        double avg = 0.5 * (double)(a + 1 + b);  /* mean of ranks a+1..b */
        for (size_t k = a; k < b; k++)
            if (labels[buf[k].i] == c) rank_sum += avg;
        a = b;
    }
    return (rank_sum - 0.5 * (double)pos * (double)(pos + 1)) / ((double)pos * (double)neg);
}

static void clear(double *m) { for (int k = 0; k < WFM_METRIC_COUNT; k++) m[k] = NAN; }

wfm_status wfm_metrics_classification(const int *labels, const float *proba, size_t n, int K,
                                      double m[WFM_METRIC_COUNT], wfm_error *err) {
    if (!labels || !proba || !m) return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: NULL argument");
    clear(m);
    if (K < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: %d classes (need 2 or more)", K);
    if (!n) return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: no rows");
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= K)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: row %zu: label %d is not a class (0..%d)", i, labels[i], K - 1);
        for (int k = 0; k < K; k++)
            if (!isfinite(proba[i * (size_t)K + (size_t)k]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: row %zu: probability %d is not finite", i, k);
    }
    size_t *tp = wfm_calloc((size_t)K * 3, sizeof(size_t));
    scored *buf = wfm_malloc(sizeof *buf * n);
    if (!tp || !buf) { free(tp); free(buf); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    size_t *support = tp + K, *predicted = tp + 2 * K, correct = 0;
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        const float *p = proba + i * (size_t)K;
        int best = 0;
        for (int k = 1; k < K; k++) if (p[k] > p[best]) best = k;
        int y = labels[i];
        support[y]++;
        predicted[best]++;
        if (best == y) { tp[y]++; correct++; }
        double py = p[y] < 1e-15f ? 1e-15 : p[y] > 1 ? 1.0 : (double)p[y];
        ll -= log(py);
    }
    m[WFM_METRIC_ACCURACY] = (double)correct / (double)n;
    m[WFM_METRIC_LOG_LOSS] = ll / (double)n;
    double rec = 0, f1 = 0;
    int n_rec = 0, n_f1 = 0;
    for (int k = 0; k < K; k++) {
        if (support[k]) { rec += (double)tp[k] / (double)support[k]; n_rec++; }
        if (support[k] || predicted[k]) {
            /* 2tp / (2tp + fp + fn) = 2tp / (predicted + support) */
            f1 += 2.0 * (double)tp[k] / (double)(predicted[k] + support[k]);
            n_f1++;
        }
    }
    m[WFM_METRIC_BALANCED_ACCURACY] = rec / n_rec;
    m[WFM_METRIC_MACRO_F1] = f1 / n_f1;
    if (K == 2) {
        m[WFM_METRIC_AUROC] = auroc(labels, proba, n, K, 1, buf);
    } else {
        double s = 0;
        int defined = 0;
        for (int c = 0; c < K; c++) {
            double a = auroc(labels, proba, n, K, c, buf);
            if (!isnan(a)) { s += a; defined++; }
        }
        m[WFM_METRIC_AUROC] = defined ? s / defined : NAN;
    }
    free(tp);
    free(buf);
    return WFM_OK;
}

/* Log loss with each class's rows weighted n / (K' n_c), K' = classes present:
 * the mean over classes of each class's mean log loss. */
double wfm_metric_score_weighted_log_loss(const int *labels, const float *proba, size_t n, int K) {
    double sum[WFM_PROBE_MAX_CLASSES] = {0};
    size_t cnt[WFM_PROBE_MAX_CLASSES] = {0};
    for (size_t i = 0; i < n; i++) {
        float p = proba[i * (size_t)K + (size_t)labels[i]];
        double py = p < 1e-15f ? 1e-15 : p > 1 ? 1.0 : (double)p;
        sum[labels[i]] -= log(py);
        cnt[labels[i]]++;
    }
    double s = 0;
    int present = 0;
    for (int k = 0; k < K; k++)
        if (cnt[k]) { s += sum[k] / (double)cnt[k]; present++; }
    return present ? s / present : NAN;
}

wfm_status wfm_metrics_regression(const float *y, const float *pred, size_t n, double m[WFM_METRIC_COUNT],
                                  wfm_error *err) {
    if (!y || !pred || !m) return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: NULL argument");
    clear(m);
    if (!n) return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: no rows");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]) || !isfinite(pred[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "metrics: row %zu: %s is not finite", i,
                            isfinite(y[i]) ? "the prediction" : "the target");
    double my = 0, mp = 0;
    int y_const = 1, p_const = 1;
    for (size_t i = 0; i < n; i++) {
        my += y[i];
        mp += pred[i];
        y_const &= y[i] == y[0];
        p_const &= pred[i] == pred[0];
    }
    my /= (double)n;
    mp /= (double)n;
    double ae = 0, se = 0, syy = 0, spp = 0, syp = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)pred[i] - y[i], dy = y[i] - my, dp = pred[i] - mp;
        ae += fabs(e);
        se += e * e;
        syy += dy * dy;
        spp += dp * dp;
        syp += dy * dp;
    }
    m[WFM_METRIC_MAE] = ae / (double)n;
    m[WFM_METRIC_RMSE] = sqrt(se / (double)n);
    m[WFM_METRIC_PEARSON_R] = !y_const && !p_const ? syp / sqrt(syy * spp) : NAN;
    m[WFM_METRIC_R2] = !y_const ? 1 - se / syy : NAN;
    return WFM_OK;
}
