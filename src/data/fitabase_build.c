/* A user's minute table from the Fitabase accumulator: whole days from the
 * first to the last day with data, the stored codes decoded into the
 * channels of docs/data.md, then the non-wear rule. */
#include "data/fitabase.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "data/minutes_internal.h"
#include "data/nonwear.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

wfm_fitabase_options wfm_fitabase_default_options(void) {
    wfm_fitabase_options o;
    o.nonwear_rule = WFM_NONWEAR_AUTO;
    o.nonwear_min_minutes = 60;
    o.nonwear_min_minutes_no_hr = 180;
    o.sleep_outside_logs = WFM_SLEEP_OUTSIDE_AWAKE_WHEN_WORN;
    return o;
}

/* Per-minute mean of the day's heart-rate samples; a second given more than
 * once keeps its last sample, and implausible samples (stored as 0) count
 * for nothing. `last` is scratch for 86,400 seconds, all 0 on entry and on
 * return; the work is proportional to the samples, not to the seconds. */
static void hr_minutes(const fb_day *d, uint16_t *last, float *row0, int stride) {
    uint32_t sum[FB_DAY_MINUTES] = {0};
    uint16_t n[FB_DAY_MINUTES] = {0};
    for (size_t k = 0; k < d->hr_n; k++) last[FB_HR_SEC(d->hr[k])] = (uint16_t)(0x8000u | FB_HR_CBPM(d->hr[k]));
    for (size_t k = 0; k < d->hr_n; k++) {
        uint32_t s = FB_HR_SEC(d->hr[k]), v = last[s] & 0x7FFFu;
        if (!last[s]) continue; /* this second is counted already */
        last[s] = 0;
        sum[s / 60] += v;
        n[s / 60] += v != 0;
    }
    for (int m = 0; m < FB_DAY_MINUTES; m++)
        if (n[m]) row0[(size_t)m * stride] = (float)((double)sum[m] / n[m] / 100.0);
}

/* Stored codes back to values: only kept values were stored (fitabase.c), so
 * anything else is one of the absent/dropped markers. */
static float steps_value(uint16_t c) { return c < FB_STEPS_DROPPED ? (float)c : NAN; }
static float intensity_value(uint8_t c) { return c < FB_CODE_DROPPED ? (float)c : NAN; }
/* Fitbit's 1 asleep, 2 restless, 3 awake -> 2, 1, 0: deeper sleep is larger. */
static float sleep_value(uint8_t c) { return c < FB_CODE_DROPPED ? (float)(3 - c) : NAN; }

wfm_status wfm_fitabase_user_minutes(const wfm_fitabase *fb, int64_t user, const wfm_fitabase_options *options,
                                     wfm_minutes **out, size_t *nonwear_minutes, wfm_error *err) {
    if (nonwear_minutes) *nonwear_minutes = 0;
    if (!fb || !out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_fitabase_user_minutes: NULL argument");
    *out = NULL;
    wfm_fitabase_options o = options ? *options : wfm_fitabase_default_options();
    if (o.nonwear_rule < WFM_NONWEAR_OFF || o.nonwear_rule > WFM_NONWEAR_MOVEMENT_ONLY || o.nonwear_min_minutes < 1 ||
        o.nonwear_min_minutes_no_hr < 1)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "non-wear options: unknown rule or a run length below 1 minute");
    if (o.sleep_outside_logs != WFM_SLEEP_OUTSIDE_AWAKE_WHEN_WORN && o.sleep_outside_logs != WFM_SLEEP_OUTSIDE_MISSING)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "unknown sleep_outside_logs option %d", (int)o.sleep_outside_logs);
    const fb_user *u = wfm_fb_find_user(fb, user);
    if (!u || !u->n_days) return wfm_fail(err, WFM_ERR_NO_DATA, "user %lld is not in the data", (long long)user);

    int64_t first = u->days[0]->day, last = u->days[u->n_days - 1]->day;
    size_t n = (size_t)(last - first + 1) * FB_DAY_MINUTES;
    const char *names[WFM_FITABASE_CHANNELS];
    for (int c = 0; c < WFM_FITABASE_CHANNELS; c++) names[c] = wfm_fitabase_channel_name(c);
    wfm_minutes *t;
    wfm_status st = wfm_minutes_create(first * FB_DAY_MINUTES, n, WFM_FITABASE_CHANNELS, names, &t, err);
    if (st) return st;
    float *v = wfm_minutes_mutable_values(t);
    uint16_t *last_sample = NULL;
    for (size_t i = 0; i < u->n_days; i++) {
        const fb_day *d = u->days[i];
        float *row0 = v + (size_t)(d->day - first) * FB_DAY_MINUTES * WFM_FITABASE_CHANNELS;
        for (int m = 0; m < FB_DAY_MINUTES; m++) {
            float *r = row0 + (size_t)m * WFM_FITABASE_CHANNELS;
            r[WFM_FITABASE_STEPS] = steps_value(d->steps[m]);
            r[WFM_FITABASE_INTENSITY] = intensity_value(d->intensity[m]);
            r[WFM_FITABASE_SLEEP_STATE] = sleep_value(d->sleep[m]);
        }
        if (!d->hr_n) continue;
        if (!last_sample && !(last_sample = wfm_calloc(FB_DAY_SECONDS, sizeof *last_sample))) {
            wfm_minutes_free(t);
            return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
        }
        hr_minutes(d, last_sample, row0 + WFM_FITABASE_HEART_RATE, WFM_FITABASE_CHANNELS);
    }
    free(last_sample);
    for (int c = 0; c < WFM_FITABASE_CHANNELS; c++)
        for (int why = 1; why < WFM_DROP_REASONS; why++) wfm_minutes_count_dropped(t, c, (wfm_drop_reason)why, u->dropped[c][why]);
    size_t changed = wfm_nonwear_apply(v, n, &o);
    wfm_sleep_outside_logs_apply(v, n, &o); /* after non-wear: it decides what counts as worn */
    if (nonwear_minutes) *nonwear_minutes = changed;
    *out = t;
    return WFM_OK;
}
