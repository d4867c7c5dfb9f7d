/* libFuzzer target for the probe loader (src/probes/probe_io.c): the page opens a
 * participant's probe file, so any bytes given to wfm_probe_load_buffer must
 * load or fail cleanly with a message, never crash, leak or read out of
 * bounds. A probe that loads must be consistent, predict finite
 * probabilities or values for finite features, and survive a save and load:
 * the saved file loads again, predicts exactly the same, and saving that
 * gives the same bytes (the saved form is canonical).
 *
 * Seeds: fuzz/corpus_probe, files written by `wearfm probe fit`
 * (fuzz/make_probe_corpus.sh). Dictionary: fuzz/probe.dict.
 *   make fuzz FUZZ_SECONDS=600   (every target), or by hand:
 *   build/fuzz/fuzz_probe /tmp/corpus fuzz/corpus_probe -dict=fuzz/probe.dict */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

/* Invariant violations are bugs: make libFuzzer report them. */
#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define ROWS 3
#define MAX_PREDICT_FEATURES 4096 /* wider probes are checked without predicting */

static void require_failure(wfm_status st, const wfm_probe *p, const wfm_error *err) {
    REQUIRE(st != WFM_OK && p == NULL);
    REQUIRE(err->status == st && err->message[0] != 0);
    REQUIRE(memchr(err->message, 0, sizeof err->message) != NULL);
}

static void require_consistent(const wfm_probe *p) {
    wfm_probe_info in;
    wfm_probe_get_info(p, &in);
    REQUIRE(in.n_features >= 1);
    REQUIRE(wfm_probe_task_name(in.task) != NULL);
    if (in.task == WFM_PROBE_LOGISTIC) REQUIRE(in.n_classes >= 2 && in.n_outputs == in.n_classes);
    else REQUIRE(in.n_classes == 0 && in.n_outputs == 1);
    REQUIRE(in.lambda >= 0);
    for (int k = 0; k < in.n_classes; k++) {
        const char *name = wfm_probe_class_name(p, k);
        REQUIRE(name != NULL);
        int found = wfm_probe_find_class(p, name);
        REQUIRE(found >= 0 && found <= k); /* the first class of that name */
    }
    REQUIRE(wfm_probe_class_name(p, in.n_classes) == NULL && wfm_probe_class_name(p, -1) == NULL);
    int named = wfm_probe_feature_name(p, 0) != NULL;
    for (int j = 0; j < in.n_features; j++) REQUIRE((wfm_probe_feature_name(p, j) != NULL) == named);
    const double *lambdas, *scores;
    wfm_metric metric;
    int n_cv = wfm_probe_cv_scores(p, &lambdas, &scores, &metric);
    REQUIRE(n_cv >= 0 && n_cv <= 64);
    REQUIRE(metric == WFM_METRIC_AUTO || wfm_metric_name(metric) != NULL);
}

/* Predictions on ROWS deterministic rows from the input bytes; NULL when the
 * probe is too wide to bother, or when a regression prediction does not fit
 * a float (the one error predict may return here: *refused is set). */
static float *predict(const wfm_probe *p, const uint8_t *data, size_t size, int *refused) {
    wfm_probe_info in;
    wfm_probe_get_info(p, &in);
    *refused = 0;
    if (in.n_features > MAX_PREDICT_FEATURES) return NULL;
    size_t d = (size_t)in.n_features, cols = (size_t)in.n_outputs;
    float *x = malloc(sizeof(float) * ROWS * d), *out = malloc(sizeof(float) * ROWS * cols);
    int classes[ROWS];
    REQUIRE(x && out);
    for (size_t i = 0; i < ROWS * d; i++) x[i] = ((float)data[i % size] - 128.0f) / 32.0f;
    wfm_error err;
    memset(&err, 0, sizeof err);
    wfm_status st = wfm_probe_predict(p, NULL, x, ROWS, d, out, classes, &err);
    free(x);
    if (st != WFM_OK) {
        REQUIRE(st == WFM_ERR_INVALID_ARG && !in.n_classes && strstr(err.message, "beyond the float range"));
        *refused = 1;
        free(out);
        return NULL;
    }
    for (size_t r = 0; r < ROWS; r++) {
        if (!in.n_classes) { REQUIRE(isfinite(out[r])); continue; }
        double sum = 0;
        for (size_t k = 0; k < cols; k++) {
            float v = out[r * cols + k];
            REQUIRE(v >= 0 && v <= 1); /* false for NaN */
            sum += v;
        }
        REQUIRE(fabs(sum - 1) < 1e-3);
        REQUIRE(classes[r] >= 0 && classes[r] < in.n_classes);
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wfm_probe *p = (wfm_probe *)&size; /* garbage: the loader must reset it */
    wfm_error err;
    memset(&err, 0, sizeof err);
    wfm_status st = wfm_probe_load_buffer(data, size, &p, &err);
    if (st != WFM_OK) {
        require_failure(st, p, &err);
        return 0;
    }
    REQUIRE(p != NULL && size > 0);
    require_consistent(p);
    int refused_before, refused_after;
    float *before = predict(p, data, size, &refused_before);

    /* save, load, save: the same predictions and the same bytes */
    void *saved = NULL, *again = NULL;
    size_t saved_size = 0, again_size = 0;
    REQUIRE(wfm_probe_save_buffer(p, &saved, &saved_size, &err) == WFM_OK);
    wfm_probe *q = NULL;
    REQUIRE(wfm_probe_load_buffer(saved, saved_size, &q, &err) == WFM_OK);
    require_consistent(q);
    float *after = predict(q, data, size, &refused_after);
    REQUIRE(refused_before == refused_after);
    wfm_probe_info a, b;
    wfm_probe_get_info(p, &a);
    wfm_probe_get_info(q, &b);
    REQUIRE(a.task == b.task && a.n_features == b.n_features && a.n_classes == b.n_classes);
    REQUIRE(a.lambda == b.lambda && a.balanced == b.balanced && a.n_train == b.n_train);
    REQUIRE((a.encoder_hash == NULL) == (b.encoder_hash == NULL));
    REQUIRE(!a.encoder_hash || !strcmp(a.encoder_hash, b.encoder_hash));
    for (int k = 0; k < a.n_classes; k++) REQUIRE(!strcmp(wfm_probe_class_name(p, k), wfm_probe_class_name(q, k)));
    if (before) REQUIRE(after && !memcmp(before, after, sizeof(float) * ROWS * (size_t)a.n_outputs));
    REQUIRE(wfm_probe_save_buffer(q, &again, &again_size, &err) == WFM_OK);
    REQUIRE(again_size == saved_size && !memcmp(saved, again, saved_size));

    free(before);
    free(after);
    wfm_probe_buffer_free(saved);
    wfm_probe_buffer_free(again);
    wfm_probe_free(q);
    wfm_probe_free(p);
    return 0;
}
