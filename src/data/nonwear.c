/* The non-wear rule. Fitbit writes 0 steps and intensity 0 for every minute
 * the band is off the wrist (charging, on the nightstand), which a model
 * would learn as "sedentary". Long runs of such minutes with no other sign
 * of wear become missing instead. */
#include "data/nonwear.h"
#include <math.h>

/* No movement recorded, and nothing that says the band was worn. */
static int idle(const float *r, int use_hr) {
    float s = r[WFM_FITABASE_STEPS], i = r[WFM_FITABASE_INTENSITY];
    if (isnan(s) && isnan(i)) return 0;             /* nothing recorded: already missing */
    if ((!isnan(s) && s != 0) || (!isnan(i) && i != 0)) return 0;
    if (!isnan(r[WFM_FITABASE_SLEEP_STATE])) return 0; /* inside a sleep log: worn */
    return !use_hr || isnan(r[WFM_FITABASE_HEART_RATE]);
}

size_t wfm_nonwear_apply(float *v, size_t n, const wfm_fitabase_options *o) {
    const size_t C = WFM_FITABASE_CHANNELS;
    if (o->nonwear_rule == WFM_NONWEAR_OFF) return 0;
    /* Heart-rate absence is a wear signal only for a user who has heart rate at all. */
    int has_hr = 0;
    for (size_t m = 0; m < n && !has_hr; m++) has_hr = !isnan(v[m * C + WFM_FITABASE_HEART_RATE]);
    int use_hr = has_hr && o->nonwear_rule == WFM_NONWEAR_AUTO;
    size_t min_run = (size_t)(use_hr ? o->nonwear_min_minutes : o->nonwear_min_minutes_no_hr);
    size_t changed = 0;
    for (size_t m = 0; m < n;) {
        if (!idle(v + m * C, use_hr)) { m++; continue; }
        size_t e = m;
        while (e < n && idle(v + e * C, use_hr)) e++;
        if (e - m >= min_run) {
            for (size_t k = m; k < e; k++) {
                v[k * C + WFM_FITABASE_STEPS] = NAN;
                v[k * C + WFM_FITABASE_INTENSITY] = NAN;
            }
            changed += e - m;
        }
        m = e;
    }
    return changed;
}

size_t wfm_sleep_outside_logs_apply(float *v, size_t n, const wfm_fitabase_options *o) {
    const size_t C = WFM_FITABASE_CHANNELS;
    if (o->sleep_outside_logs == WFM_SLEEP_OUTSIDE_MISSING) return 0;
    int has_logs = 0;
    for (size_t m = 0; m < n && !has_logs; m++) has_logs = !isnan(v[m * C + WFM_FITABASE_SLEEP_STATE]);
    if (!has_logs) return 0;
    size_t set = 0;
    for (size_t m = 0; m < n; m++) {
        float *r = v + m * C;
        if (!isnan(r[WFM_FITABASE_SLEEP_STATE])) continue;
        int worn = !isnan(r[WFM_FITABASE_HEART_RATE]) || !isnan(r[WFM_FITABASE_STEPS]) ||
                   !isnan(r[WFM_FITABASE_INTENSITY]);
        if (worn) { r[WFM_FITABASE_SLEEP_STATE] = 0.0f; set++; }
    }
    return set;
}
