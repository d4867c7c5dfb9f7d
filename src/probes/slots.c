/* Slots: per-patch features for probes, and periods of a class along slots
 * (include/wearfm.h, "slots"; docs/probes.md, "Slot probes"). */
#include "wearfm.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <math.h>

wfm_status wfm_slot_features(wfm_model *model, const float *x, const int *inputs, int n_inputs, float *features,
                             uint8_t *has_features, wfm_error *err) {
    if (!model || !x || !inputs || !features) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_slot_features: NULL argument");
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    if (info.family != WFM_FAMILY_MINUTE)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "slot features need a minute model (lsm2_mae), not a %s",
                        info.architecture);
    const int T = info.window_minutes, C = info.n_channels, D = info.enc_dim, NP = T / info.patch_minutes;
    if (n_inputs < 1 || n_inputs > C)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "slot features: %d input channels (1..%d)", n_inputs, C);
    uint8_t *use = wfm_calloc((size_t)C, 1);
    float *xm = wfm_malloc(sizeof(float) * (size_t)T * C);
    float *tok = wfm_malloc(sizeof(float) * (size_t)info.n_tokens * D);
    uint8_t *vis = wfm_malloc((size_t)info.n_tokens);
    wfm_status st = WFM_OK;
    if (!use || !xm || !tok || !vis) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto done; }
    for (int i = 0; i < n_inputs; i++) {
        int c = inputs[i];
        if (c < 0 || c >= C || use[c]) {
            st = wfm_fail(err, WFM_ERR_INVALID_ARG, "slot features: input channel %d is %s", c,
                          c < 0 || c >= C ? "not a model channel" : "given twice");
            goto done;
        }
        use[c] = 1;
    }
    /* The other channels go missing: the encoder then sees only the inputs. */
    for (size_t i = 0; i < (size_t)T * C; i++) xm[i] = use[i % C] ? x[i] : NAN;
    wfm_outputs o = {0};
    o.token_embeddings = tok;
    o.token_visible = vis;
    if ((st = wfm_run(model, xm, &o, err))) {
        if (st == WFM_ERR_NO_DATA) wfm_fail(err, st, "slot features: no input channel has an observed minute in the window");
        goto done;
    }
    for (int p = 0; p < NP; p++) {
        float *f = features + (size_t)p * D;
        int k = 0;
        for (int c = 0; c < C; c++) k += use[c] && vis[(size_t)c * NP + p];
        if (has_features) has_features[p] = k > 0;
        for (int d = 0; d < D; d++) {
            double s = 0; /* channels in model order, whatever the order of `inputs` */
            for (int c = 0; c < C; c++)
                if (use[c] && vis[(size_t)c * NP + p]) s += tok[((size_t)c * NP + p) * D + d];
            f[d] = k ? (float)(s / k) : NAN;
        }
    }
done:
    free(use);
    free(xm);
    free(tok);
    free(vis);
    return st;
}

size_t wfm_slot_periods(const float *prob, size_t n, float threshold, int max_gap, int min_slots,
                        wfm_slot_period *out, size_t cap) {
    size_t count = 0;
    if (!prob) return 0;
    if (max_gap < 0) max_gap = 0;
    for (size_t i = 0; i < n;) {
        if (!(prob[i] >= threshold)) { i++; continue; }
        /* A period: from slot i to the last slot at or above the threshold
         * that follows within max_gap slots of the previous one. */
        size_t last = i;
        for (size_t j = i + 1; j < n && j - last <= (size_t)max_gap + 1; j++)
            if (prob[j] >= threshold) last = j;
        size_t end = last + 1;
        if (end - i >= (size_t)(min_slots > 0 ? min_slots : 1)) {
            if (out && count < cap) {
                double s = 0;
                size_t known = 0;
                for (size_t j = i; j < end; j++)
                    if (!isnan(prob[j])) { s += prob[j]; known++; }
                out[count] = (wfm_slot_period){i, end, (float)(s / (double)known), known};
            }
            count++;
        }
        i = end;
    }
    return count;
}

double wfm_slot_expected(const float *prob, size_t n, size_t *n_known) {
    double s = 0;
    size_t known = 0;
    for (size_t i = 0; prob && i < n; i++)
        if (!isnan(prob[i])) { s += prob[i]; known++; }
    if (n_known) *n_known = known;
    return s;
}
