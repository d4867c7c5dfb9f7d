/* Flat C entry points for slot probes and fills in the Emscripten build (see
 * web/wearfm_web.c for the conventions). The math is the core's
 * (src/probes/slots.c, src/model/forward.c), the same as `wearfm slots` and `impute`. */
#include "wearfm.h"
#include <emscripten/emscripten.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static wfm_error slot_error;

EMSCRIPTEN_KEEPALIVE const char *wfmw_slot_last_error(void) { return slot_error.message; }

/* inputs: n_inputs model channel indices. Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_slot_features(wfm_model *m, const float *x, const int *inputs, int n_inputs,
                                            float *features, uint8_t *has_features) {
    memset(&slot_error, 0, sizeof slot_error);
    return (int)wfm_slot_features(m, x, inputs, n_inputs, features, has_features, &slot_error);
}

/* out: cap rows of 4 doubles (first slot, end slot, mean probability, known
 * slots), so JS lays out no C struct. Returns the number of periods
 * (possibly more than cap), or -1 when out of memory. */
EMSCRIPTEN_KEEPALIVE double wfmw_slot_periods(const float *prob, double n, double threshold, int max_gap,
                                              int min_slots, double *out, int cap) {
    wfm_slot_period *per = cap > 0 ? malloc(sizeof *per * (size_t)cap) : NULL;
    if (cap > 0 && !per) return -1;
    size_t total = wfm_slot_periods(prob, (size_t)n, (float)threshold, max_gap, min_slots, per, (size_t)(cap > 0 ? cap : 0));
    for (size_t i = 0; i < total && i < (size_t)cap; i++) {
        double *o = out + 4 * i;
        o[0] = (double)per[i].first, o[1] = (double)per[i].end, o[2] = per[i].mean_probability, o[3] = (double)per[i].n_known;
    }
    free(per);
    return (double)total;
}

/* The sum of the known probabilities; *n_known gets their count. */
EMSCRIPTEN_KEEPALIVE double wfmw_slot_expected(const float *prob, double n, double *n_known) {
    size_t k = 0;
    double s = wfm_slot_expected(prob, (size_t)n, &k);
    if (n_known) *n_known = (double)k;
    return s;
}

/* A channel's kind (wfm_channel_kind) and its levels (categories). */
EMSCRIPTEN_KEEPALIVE int wfmw_channel_kind(const wfm_model *m, int c) {
    wfm_channel_info ch = {0};
    return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK ? (int)ch.kind : -1;
}
EMSCRIPTEN_KEEPALIVE int wfmw_channel_n_levels(const wfm_model *m, int c) {
    wfm_channel_info ch = {0};
    return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK ? ch.n_levels : 0;
}
EMSCRIPTEN_KEEPALIVE double wfmw_channel_level(const wfm_model *m, int c, int k) {
    wfm_channel_info ch = {0};
    return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK && k >= 0 && k < ch.n_levels ? ch.levels[k] : NAN;
}
