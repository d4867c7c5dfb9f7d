/* The minute table object: its storage, getters, and the one way a value
 * gets in from outside (wfm_minutes_set), which applies the channel's data
 * rule. Readers and builders are in minutes.c, fitabase_build.c and
 * aggregator_table.c. */
#include "platform/alloc.h"
#include "wearfm.h"
#include "platform/error.h"
#include "data/minutes_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct wfm_minutes {
    int64_t start;
    size_t n_minutes;
    int n_channels;
    char **names;
    const wfm_channel_rule **rules;     /* per column, NULL when the core has none */
    size_t (*dropped)[WFM_DROP_REASONS]; /* per column */
    float *values;
    size_t duplicates;
};

void wfm_minutes_free(wfm_minutes *t) {
    if (!t) return;
    for (int c = 0; c < t->n_channels && t->names; c++) free(t->names[c]);
    free(t->names);
    free(t->rules);
    free(t->dropped);
    free(t->values);
    free(t);
}

wfm_status wfm_minutes_create(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                              wfm_minutes **out, wfm_error *err) {
    *out = NULL;
    if (n_channels < 1 || n_channels > WFM_MINUTES_MAX_CHANNELS || n_minutes == 0 ||
        n_minutes > (size_t)WFM_MAX_SPAN_DAYS * 1440)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_create: bad shape");
    wfm_minutes *t = wfm_calloc(1, sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    t->start = start;
    t->n_minutes = n_minutes;
    t->n_channels = n_channels;
    t->names = wfm_calloc((size_t)n_channels, sizeof *t->names);
    t->rules = wfm_calloc((size_t)n_channels, sizeof *t->rules);
    t->dropped = wfm_calloc((size_t)n_channels, sizeof *t->dropped);
    t->values = wfm_malloc(n_minutes * (size_t)n_channels * sizeof(float));
    if (!t->names || !t->rules || !t->dropped || !t->values) {
        wfm_minutes_free(t);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu minutes", n_minutes);
    }
    for (int c = 0; c < n_channels; c++) {
        size_t n = strlen(names[c]);
        if (!(t->names[c] = wfm_malloc(n + 1))) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
        memcpy(t->names[c], names[c], n + 1);
        t->rules[c] = wfm_channel_rule_find(names[c]);
    }
    for (size_t i = 0; i < n_minutes * (size_t)n_channels; i++) t->values[i] = NAN;
    *out = t;
    return WFM_OK;
}

float *wfm_minutes_mutable_values(wfm_minutes *t) { return t->values; }

wfm_drop_reason wfm_minutes_set(wfm_minutes *t, size_t row, int c, float v) {
    wfm_drop_reason why = wfm_channel_check(t->rules[c], v);
    if (why == WFM_KEPT) t->values[row * (size_t)t->n_channels + (size_t)c] = v;
    else t->dropped[c][why]++;
    return why;
}

void wfm_minutes_count_dropped(wfm_minutes *t, int c, wfm_drop_reason why, size_t n) {
    if (why > WFM_KEPT && why < WFM_DROP_REASONS) t->dropped[c][why] += n;
}

void wfm_minutes_count_duplicate(wfm_minutes *t) { t->duplicates++; }

const char *wfm_minutes_name_problem(const char *name) {
    if (!name || !name[0]) return "is empty";
    for (const char *p = name; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return "has a control character";
        if (*p == ',' || *p == '"') return "has a comma or a quote";
    }
    return NULL;
}

wfm_status wfm_minutes_from_values(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                                   const float *values, wfm_minutes **out, wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_from_values: NULL argument");
    *out = NULL;
    if (!names || !values) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_from_values: NULL argument");
    if (n_channels < 1 || n_channels > WFM_MINUTES_MAX_CHANNELS)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "a table needs 1 to %d channels, not %d", WFM_MINUTES_MAX_CHANNELS,
                        n_channels);
    if (n_minutes == 0 || n_minutes > (size_t)WFM_MAX_SPAN_DAYS * 1440)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "a table needs 1 minute to %d days, not %zu minutes",
                        WFM_MAX_SPAN_DAYS, n_minutes);
    /* The span must stay where timestamps can be written (years 0-9999). */
    if (start < WFM_MINUTES_FIRST || start > WFM_MINUTES_END - (int64_t)n_minutes)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "start minute %lld is outside the years 0 to 9999", (long long)start);
    for (int c = 0; c < n_channels; c++) {
        const char *why = wfm_minutes_name_problem(names[c]);
        if (why) return wfm_fail(err, WFM_ERR_INVALID_ARG, "channel %d's name %s", c + 1, why);
        for (int k = 0; k < c; k++)
            if (!strcmp(names[k], names[c])) return wfm_fail(err, WFM_ERR_INVALID_ARG, "duplicate channel '%s'", names[c]);
    }
    wfm_minutes *t;
    wfm_status st = wfm_minutes_create(start, n_minutes, n_channels, names, &t, err);
    if (st) return st;
    for (size_t r = 0; r < n_minutes; r++)
        for (int c = 0; c < n_channels; c++) {
            float v = values[r * (size_t)n_channels + (size_t)c];
            if (!isnan(v)) wfm_minutes_set(t, r, c, v);
        }
    *out = t;
    return WFM_OK;
}

int64_t wfm_minutes_start(const wfm_minutes *t) { return t ? t->start : 0; }
size_t wfm_minutes_length(const wfm_minutes *t) { return t ? t->n_minutes : 0; }
int wfm_minutes_channels(const wfm_minutes *t) { return t ? t->n_channels : 0; }
const char *wfm_minutes_channel_name(const wfm_minutes *t, int c) {
    return t && c >= 0 && c < t->n_channels ? t->names[c] : NULL;
}
const float *wfm_minutes_values(const wfm_minutes *t) { return t ? t->values : NULL; }
size_t wfm_minutes_duplicates(const wfm_minutes *t) { return t ? t->duplicates : 0; }
size_t wfm_minutes_dropped(const wfm_minutes *t, int c, wfm_drop_reason why) {
    if (!t || c < 0 || c >= t->n_channels || why <= WFM_KEPT || why >= WFM_DROP_REASONS) return 0;
    return t->dropped[c][why];
}
