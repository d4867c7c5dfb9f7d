/* The generic minute CSV importer and model-window extraction. */
#include "wearfm.h"
#include "alloc.h"
#include "error.h"
#include "csv.h"
#include "minutes_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 256
#define MAX_SPAN_MINUTES ((long long)WFM_MAX_SPAN_DAYS * 1440)

struct wfm_minutes {
    int64_t start;
    size_t n_minutes;
    int n_channels;
    char **names;
    float *values;
    size_t duplicates;
};

void wfm_minutes_free(wfm_minutes *t) {
    if (!t) return;
    for (int c = 0; c < t->n_channels && t->names; c++) free(t->names[c]);
    free(t->names);
    free(t->values);
    free(t);
}

wfm_status wfm_minutes_create(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                              wfm_minutes **out, wfm_error *err) {
    *out = NULL;
    if (n_channels < 1 || n_channels > MAX_CHANNELS || n_minutes == 0 || n_minutes > (size_t)MAX_SPAN_MINUTES)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_create: bad shape");
    wfm_minutes *t = wfm_calloc(1, sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    t->start = start;
    t->n_minutes = n_minutes;
    t->n_channels = n_channels;
    t->names = wfm_calloc((size_t)n_channels, sizeof *t->names);
    t->values = wfm_malloc(n_minutes * (size_t)n_channels * sizeof(float));
    if (!t->names || !t->values) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu minutes", n_minutes); }
    for (int c = 0; c < n_channels; c++) {
        size_t n = strlen(names[c]);
        if (!(t->names[c] = wfm_malloc(n + 1))) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
        memcpy(t->names[c], names[c], n + 1);
    }
    for (size_t i = 0; i < n_minutes * (size_t)n_channels; i++) t->values[i] = NAN;
    *out = t;
    return WFM_OK;
}

float *wfm_minutes_mutable_values(wfm_minutes *t) { return t->values; }

wfm_status wfm_minutes_read_csv(const char *text, size_t len, wfm_minutes **out, wfm_error *err) {
    if (!out || (!text && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_read_csv: NULL argument");
    *out = NULL;
    wfm_field f[MAX_CHANNELS + 2];
    const char *p = text, *end = text + len;
    p = wfm_csv_skip_bom(p, end);
    char why[128];
    const char *problem = wfm_csv_text_problem(p, end, why, sizeof why);
    if (problem) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s", problem);

    /* Header. */
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *he = eol ? eol : end;
    if (he > p && he[-1] == '\r') he--;
    size_t nf = wfm_csv_split(p, he, f, MAX_CHANNELS + 2);
    if (p == he) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: empty header (expected timestamp,<channel>,...)");
    if (nf < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: header needs a timestamp column and at least one channel");
    if (nf > MAX_CHANNELS + 1) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: more than %d channel columns", MAX_CHANNELS);
    wfm_minutes *t = wfm_calloc(1, sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    t->n_channels = (int)nf - 1;
    t->names = wfm_calloc((size_t)t->n_channels, sizeof *t->names);
    if (!t->names) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (int c = 0; c < t->n_channels; c++) {
        size_t n = (size_t)(f[c + 1].e - f[c + 1].b);
        if (n == 0) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %d has an empty name", c + 2); }
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)f[c + 1].b[k] < 0x20 || f[c + 1].b[k] == 0x7f) {
                wfm_minutes_free(t);
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %d's name has a control character", c + 2);
            }
        t->names[c] = wfm_malloc(n + 1);
        if (!t->names[c]) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
        memcpy(t->names[c], f[c + 1].b, n);
        t->names[c][n] = 0;
        for (int k = 0; k < c; k++)
            if (!strcmp(t->names[k], t->names[c])) {
                wfm_status st = wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: duplicate column '%s'", t->names[c]);
                wfm_minutes_free(t);
                return st;
            }
    }

    /* Pass 1: validate every row and find the time span. */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t rows = 0, line = 1;
    const char *body = eol ? eol + 1 : end;
    for (const char *q = body, *lb, *le; q < end; line++) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue; /* blank line */
        size_t n = wfm_csv_split(lb, le, f, MAX_CHANNELS + 2);
        if (n != nf) {
            wfm_minutes_free(t);
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: %zu fields, the header has %zu", line + 1, n, nf);
        }
        int64_t minute;
        if (wfm_parse_minute(f[0].b, (size_t)(f[0].e - f[0].b), &minute)) {
            wfm_minutes_free(t);
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: bad timestamp '%.*s' (expected YYYY-MM-DDTHH:MM)",
                            line + 1, (int)(f[0].e - f[0].b > 40 ? 40 : f[0].e - f[0].b), f[0].b);
        }
        for (size_t c = 1; c < n; c++) {
            float v;
            if (!wfm_csv_is_missing(f[c]) && wfm_csv_parse_float(f[c], &v)) {
                wfm_status st = wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column '%s': not a number: '%.*s'",
                                         line + 1, t->names[c - 1],
                                         (int)(f[c].e - f[c].b > 40 ? 40 : f[c].e - f[c].b), f[c].b);
                wfm_minutes_free(t);
                return st;
            }
        }
        if (minute < lo) lo = minute;
        if (minute > hi) hi = minute;
        rows++;
    }
    if (rows == 0) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_DATA, "the CSV has a header but no rows"); }
    if (hi - lo + 1 > MAX_SPAN_MINUTES) {
        wfm_minutes_free(t);
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the CSV spans %lld days, more than the %lld-day limit (split the file)",
                        (long long)((hi - lo) / 1440 + 1), MAX_SPAN_MINUTES / 1440);
    }
    t->start = lo;
    t->n_minutes = (size_t)(hi - lo + 1);
    size_t total = t->n_minutes * (size_t)t->n_channels;
    t->values = wfm_malloc(total * sizeof(float));
    uint8_t *seen = wfm_calloc(t->n_minutes, 1);
    if (!t->values || !seen) { /* the message reads t: before the free */
        wfm_status st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu minutes", t->n_minutes);
        free(seen);
        wfm_minutes_free(t);
        return st;
    }
    for (size_t i = 0; i < total; i++) t->values[i] = NAN;

    /* Pass 2: fill the grid (rows were validated above). */
    for (const char *q = body, *lb, *le; q < end;) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue;
        wfm_csv_split(lb, le, f, MAX_CHANNELS + 2);
        int64_t minute;
        wfm_parse_minute(f[0].b, (size_t)(f[0].e - f[0].b), &minute);
        size_t r = (size_t)(minute - lo);
        if (seen[r]) t->duplicates++;
        seen[r] = 1;
        for (int c = 0; c < t->n_channels; c++) {
            float v;
            if (!wfm_csv_is_missing(f[c + 1]) && !wfm_csv_parse_float(f[c + 1], &v)) t->values[r * t->n_channels + c] = v;
        }
    }
    free(seen);
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

size_t wfm_minutes_window(const wfm_minutes *t, const wfm_model *model, int64_t window_start, float *x) {
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    int C = info.n_channels, T = info.window_minutes;
    int map[MAX_CHANNELS];
    for (int c = 0; c < C; c++) {
        wfm_channel_info ch;
        map[c] = -1;
        if (wfm_model_get_channel(model, c, &ch, NULL) == WFM_OK)
            for (int k = 0; k < t->n_channels; k++)
                if (!strcmp(t->names[k], ch.name)) map[c] = k;
    }
    size_t observed = 0;
    for (int m = 0; m < T; m++) {
        int64_t r = window_start + m - t->start;
        for (int c = 0; c < C; c++) {
            float v = NAN;
            if (r >= 0 && (uint64_t)r < t->n_minutes && map[c] >= 0) v = t->values[(size_t)r * t->n_channels + map[c]];
            x[(size_t)m * C + c] = v;
            observed += !isnan(v);
        }
    }
    return observed;
}
