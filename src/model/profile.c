/* A person's typical day: the time-of-day mean of each model channel over a
 * history of minutes (docs/model-format.md, "anchor_profile").
 *
 * For the window starting at minute w the profile leaves out the history's
 * own minutes in [w, w + T), so a day never predicts itself; what is left is
 * summed by minute of day (local time, minute mod 1440) and smoothed
 * circularly over +- profile_smooth minutes: profile(m) = sum of the values
 * in [m - k, m + k] / their count, NaN where that count is 0. It is the
 * "own time-of-day mean" baseline of tools/evaluate.py, and
 * tools/wearfm_ref.py:profile_windows computes the same for training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "platform/alloc.h"
#include "platform/error.h"
#include "model/model.h"
#include "model/profile.h"

static int minute_of_day(int64_t m) {
    int64_t r = m % DAY_MINUTES;
    return (int)(r < 0 ? r + DAY_MINUTES : r);
}

void wfm_profile_free(wfm_profile *p) {
    if (!p) return;
    wfm_personal_free(p->personal);
    free(p->values); free(p->sum); free(p->count); free(p->w_sum); free(p->w_count);
    free(p->smooth_sum); free(p->smooth_count);
    free(p);
}

wfm_status wfm_profile_create(const wfm_model *model, const wfm_minutes *history, wfm_profile **out,
                              wfm_error *err) {
    if (out) *out = NULL;
    if (!model || !history || !out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_profile_create: NULL argument");
    const wfm_config *cfg = &model->cfg;
    if (cfg->family != WFM_FAMILY_MINUTE || !cfg->anchor_profile)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "this model takes no profile (its config has no anchor_profile)");
    const int C = cfg->n_channels, TC = wfm_minutes_channels(history);
    const size_t n = wfm_minutes_length(history);
    wfm_profile *p = wfm_calloc(1, sizeof *p);
    if (!p) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the profile");
    p->n_channels = C;
    p->window_minutes = cfg->window_minutes;
    p->smooth = cfg->profile_smooth;
    p->start = wfm_minutes_start(history);
    p->n_minutes = n;
    const size_t D = (size_t)DAY_MINUTES * C;
    p->values = n && (size_t)C > SIZE_MAX / sizeof(float) / n ? NULL : wfm_malloc(sizeof(float) * (n ? n : 1) * C);
    p->sum = wfm_calloc(D, sizeof(double));
    p->count = wfm_calloc(D, sizeof(double));
    p->w_sum = wfm_calloc(D, sizeof(double));
    p->w_count = wfm_calloc(D, sizeof(double));
    p->smooth_sum = wfm_malloc(sizeof(double) * DAY_MINUTES);
    p->smooth_count = wfm_malloc(sizeof(double) * DAY_MINUTES);
    if (!p->values || !p->sum || !p->count || !p->w_sum || !p->w_count || !p->smooth_sum || !p->smooth_count) {
        wfm_profile_free(p);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the profile of %zu minutes", n);
    }
    int col[WFM_CFG_MAX_CHANNELS]; /* the history's column of each model channel, -1 if it has none */
    for (int c = 0; c < C; c++) {
        col[c] = -1;
        for (int j = 0; j < TC; j++)
            if (!strcmp(wfm_minutes_channel_name(history, j), cfg->channels[c].name)) col[c] = j;
    }
    const float *v = wfm_minutes_values(history);
    for (size_t i = 0; i < n; i++) {
        const int tod = minute_of_day(p->start + (int64_t)i);
        for (int c = 0; c < C; c++) {
            float x = col[c] < 0 ? NAN : v[i * TC + col[c]];
            p->values[i * C + c] = x;
            if (isnan(x)) continue;
            p->sum[(size_t)tod * C + c] += x;
            p->count[(size_t)tod * C + c] += 1.0;
        }
    }
    if (cfg->personal_lambda > 0) {
        wfm_status st = wfm_personal_create(model, p, &p->personal, err);
        if (st) {
            wfm_profile_free(p);
            return st;
        }
    }
    *out = p;
    return WFM_OK;
}

/* Leaves the history's minutes inside [e, e + T) out of the w_ sums. */
static void leave_out(wfm_profile *p, int64_t e) {
    const int C = p->n_channels, T = p->window_minutes;
    int64_t lo = e > p->start ? e : p->start;
    int64_t hi = e + T < p->start + (int64_t)p->n_minutes ? e + T : p->start + (int64_t)p->n_minutes;
    for (int64_t m = lo; m < hi; m++) {
        const int tod = minute_of_day(m);
        const float *x = p->values + (size_t)(m - p->start) * C;
        for (int c = 0; c < C; c++)
            if (!isnan(x[c])) {
                p->w_sum[(size_t)tod * C + c] -= x[c];
                p->w_count[(size_t)tod * C + c] -= 1.0;
            }
    }
}

int wfm_profile_window_without(wfm_profile *p, int64_t window_start, int64_t also_left_out, float *profile) {
    const int C = p->n_channels, T = p->window_minutes, k = p->smooth;
    const size_t D = (size_t)DAY_MINUTES * C;
    memcpy(p->w_sum, p->sum, sizeof(double) * D);
    memcpy(p->w_count, p->count, sizeof(double) * D);
    leave_out(p, window_start); /* a day never predicts itself */
    if (also_left_out != window_start) leave_out(p, also_left_out);
    int known = 0;
    for (int c = 0; c < C; c++) {
        /* the sums over [tod - k, tod + k] of every minute of day, by a window
         * sliding round the day: O(1440) rather than O(T k) per window */
        double s = 0, cnt = 0;
        for (int d = -k; d <= k; d++) {
            const size_t i = (size_t)minute_of_day(d) * C + c;
            s += p->w_sum[i];
            cnt += p->w_count[i];
        }
        for (int tod = 0; tod < DAY_MINUTES; tod++) {
            p->smooth_sum[tod] = s;
            p->smooth_count[tod] = cnt;
            const size_t in = (size_t)minute_of_day(tod + k + 1) * C + c, out = (size_t)minute_of_day(tod - k) * C + c;
            s += p->w_sum[in] - p->w_sum[out];
            cnt += p->w_count[in] - p->w_count[out];
        }
        int any = 0;
        for (int t = 0; t < T; t++) {
            const int tod = minute_of_day(window_start + t);
            const double st = p->smooth_sum[tod], ct = p->smooth_count[tod];
            /* counts are whole numbers held exactly in a double */
            profile[(size_t)t * C + c] = ct > 0.5 ? (float)(st / ct) : NAN;
            any |= ct > 0.5;
        }
        known += any;
    }
    return known;
}

int wfm_profile_window(wfm_profile *p, int64_t window_start, float *profile) {
    if (!p || !profile) return 0;
    return wfm_profile_window_without(p, window_start, window_start, profile);
}
