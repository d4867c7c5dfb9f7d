/* Missingness statistics of minute tables, for data reports. */
#include "wearfm.h"
#include "platform/error.h"
#include "data/timestamp.h"
#include <math.h>

static const int bucket_min[WFM_GAP_BUCKETS] = {1, 10, 60, 180, 720};

int wfm_gap_bucket_min(int b) { return b >= 0 && b < WFM_GAP_BUCKETS ? bucket_min[b] : -1; }

static int bucket(size_t len) {
    int b = WFM_GAP_BUCKETS - 1;
    while (b > 0 && len < (size_t)bucket_min[b]) b--;
    return b;
}

wfm_status wfm_missingness_add(wfm_missingness *acc, const wfm_minutes *t, wfm_error *err) {
    if (!acc || !t) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_missingness_add: NULL argument");
    const int C = wfm_minutes_channels(t);
    if (C > WFM_MISSINGNESS_MAX_CHANNELS)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "missingness: %d channels, at most %d", C, WFM_MISSINGNESS_MAX_CHANNELS);
    if (acc->n_channels && acc->n_channels != C)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "missingness: a table with %d channels after tables with %d", C,
                        acc->n_channels);
    acc->n_channels = C;
    const int64_t start = wfm_minutes_start(t);
    const size_t n = wfm_minutes_length(t);
    const float *v = wfm_minutes_values(t);
    acc->tables++;
    acc->minutes += n;
    if (!n) return WFM_OK;
    const int64_t day0 = wfm_floor_div(start, 1440), day1 = wfm_floor_div(start + (int64_t)n - 1, 1440);
    acc->days += (size_t)(day1 - day0 + 1);
    const int h0 = (int)((start - day0 * 1440) / 60);
    for (size_t i = 0, h = (size_t)h0, left = (size_t)(60 - (start - day0 * 1440) % 60); i < n; h = (h + 1) % 24) {
        size_t k = left < n - i ? left : n - i; /* minutes of this clock hour */
        acc->hour_minutes[h] += k;
        for (int c = 0; c < C; c++)
            for (size_t j = i; j < i + k; j++) acc->hour_missing[c][h] += isnan(v[j * C + c]);
        i += k;
        left = 60;
    }
    for (int c = 0; c < C; c++) {
        size_t gap = 0;
        int64_t seen_day = day0 - 1;
        for (size_t i = 0; i <= n; i++) {
            int missing = i < n && isnan(v[i * C + c]);
            if (missing) {
                gap++;
                continue;
            }
            if (gap) {
                int b = bucket(gap);
                acc->gaps[c][b]++;
                acc->gap_minutes[c][b] += gap;
                acc->missing[c] += gap;
                gap = 0;
            }
            if (i < n) {
                int64_t day = wfm_floor_div(start + (int64_t)i, 1440);
                if (day != seen_day) acc->days_observed[c]++, seen_day = day;
            }
        }
    }
    return WFM_OK;
}
