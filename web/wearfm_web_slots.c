/* Flat C entry points for slot probes and fills in the Emscripten build (see
 * web/wearfm_web.h for the conventions). The math is the core's
 * (src/probes/slots.c, src/model/forward.c), the same as `wearfm slots` and `impute`. */
#include "wearfm_web.h"
#include <math.h>
#include <stdlib.h>

/* inputs: n_inputs model channel indices. Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_slot_features(wfm_model *m, const float *x, const int *inputs, int n_inputs,
                                            float *features, uint8_t *has_features) {
    wfmw_clear_error();
    return (int)wfm_slot_features(m, x, inputs, n_inputs, features, has_features, &wfmw_error);
}

/* The periods of wfm_slot_periods as a handle, read by field
 * (wfmw_slot_period_first(h, i), ...) and freed with wfmw_slot_periods_free:
 * the core counts them before it writes them, so the caller neither guesses
 * a capacity nor reads rows of numbers by position, as with the other
 * structs that cross (wearfm_web.h). 0 with the error set when out of memory. */
typedef struct {
    size_t n;
    wfm_slot_period p[]; /* [n] */
} slot_periods;

EMSCRIPTEN_KEEPALIVE slot_periods *wfmw_slot_periods_create(const float *prob, double n, double threshold, int max_gap,
                                                            int min_slots) {
    wfmw_clear_error();
    const size_t total = wfm_slot_periods(prob, (size_t)n, (float)threshold, max_gap, min_slots, NULL, 0);
    slot_periods *s = malloc(sizeof *s + sizeof *s->p * total);
    if (!s) return WFMW_FAIL(WFM_ERR_NO_MEMORY, "out of memory"), NULL;
    s->n = wfm_slot_periods(prob, (size_t)n, (float)threshold, max_gap, min_slots, s->p, total);
    return s;
}
EMSCRIPTEN_KEEPALIVE void wfmw_slot_periods_free(slot_periods *s) { free(s); }
EMSCRIPTEN_KEEPALIVE double wfmw_slot_periods_count(const slot_periods *s) { return (double)s->n; }
/* Period i's fields (NaN out of range): slots [first, end), the mean
 * probability over its slots that have one, and how many have one. */
#define PERIOD(field) \
    EMSCRIPTEN_KEEPALIVE double wfmw_slot_period_##field(const slot_periods *s, double i) { \
        return i >= 0 && i < (double)s->n ? (double)s->p[(size_t)i].field : NAN; \
    }
PERIOD(first)
PERIOD(end)
PERIOD(mean_probability)
PERIOD(n_known)
#undef PERIOD

/* The sum of the known probabilities; *n_known gets their count. */
EMSCRIPTEN_KEEPALIVE double wfmw_slot_expected(const float *prob, double n, double *n_known) {
    size_t k = 0;
    double s = wfm_slot_expected(prob, (size_t)n, &k);
    if (n_known) *n_known = (double)k;
    return s;
}
