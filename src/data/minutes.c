/* The generic minute CSV importer and model-window extraction. */
#include "wearfm.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "data/csv.h"
#include "data/minutes_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS WFM_MINUTES_MAX_CHANNELS
#define MAX_SPAN_MINUTES ((long long)WFM_MAX_SPAN_DAYS * 1440)

static void free_names(char **names, int n) {
    for (int c = 0; names && c < n; c++) free(names[c]);
    free(names);
}

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
    int n_channels = (int)nf - 1;
    char **names = wfm_calloc((size_t)n_channels, sizeof *names);
    if (!names) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
#define FAIL(...) do { wfm_status st_ = wfm_fail(err, __VA_ARGS__); free_names(names, n_channels); return st_; } while (0)
    for (int c = 0; c < n_channels; c++) {
        size_t n = (size_t)(f[c + 1].e - f[c + 1].b);
        if (n == 0) FAIL(WFM_ERR_INVALID_ARG, "line 1: column %d has an empty name", c + 2);
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)f[c + 1].b[k] < 0x20 || f[c + 1].b[k] == 0x7f)
                FAIL(WFM_ERR_INVALID_ARG, "line 1: column %d's name has a control character", c + 2);
        if (!(names[c] = wfm_malloc(n + 1))) FAIL(WFM_ERR_NO_MEMORY, "out of memory");
        memcpy(names[c], f[c + 1].b, n);
        names[c][n] = 0;
        for (int k = 0; k < c; k++)
            if (!strcmp(names[k], names[c])) FAIL(WFM_ERR_INVALID_ARG, "line 1: duplicate column '%s'", names[c]);
    }

    /* Pass 1: validate every row and find the time span. */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    size_t rows = 0, line = 1;
    const char *body = eol ? eol + 1 : end;
    for (const char *q = body, *lb, *le; q < end; line++) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue; /* blank line */
        size_t n = wfm_csv_split(lb, le, f, MAX_CHANNELS + 2);
        if (n != nf) FAIL(WFM_ERR_INVALID_ARG, "line %zu: %zu fields, the header has %zu", line + 1, n, nf);
        int64_t minute;
        if (wfm_parse_minute(f[0].b, (size_t)(f[0].e - f[0].b), &minute))
            FAIL(WFM_ERR_INVALID_ARG, "line %zu: bad timestamp '%.*s' (expected YYYY-MM-DDTHH:MM)", line + 1,
                 wfm_field_shown(f[0]), f[0].b);
        for (size_t c = 1; c < n; c++) {
            float v;
            if (!wfm_csv_is_missing(f[c]) && wfm_csv_parse_float(f[c], &v))
                FAIL(WFM_ERR_INVALID_ARG, "line %zu, column '%s': not a number: '%.*s'", line + 1, names[c - 1],
                     wfm_field_shown(f[c]), f[c].b);
        }
        if (minute < lo) lo = minute;
        if (minute > hi) hi = minute;
        rows++;
    }
    if (rows == 0) FAIL(WFM_ERR_NO_DATA, "the CSV has a header but no rows");
    if (hi - lo + 1 > MAX_SPAN_MINUTES)
        FAIL(WFM_ERR_INVALID_ARG, "the CSV spans %lld days, more than the %lld-day limit (split the file)",
             (long long)((hi - lo) / 1440 + 1), MAX_SPAN_MINUTES / 1440);
    size_t n_minutes = (size_t)(hi - lo + 1);
    wfm_minutes *t;
    uint8_t *seen = wfm_calloc(n_minutes, 1);
    if (!seen) FAIL(WFM_ERR_NO_MEMORY, "out of memory for %zu minutes", n_minutes);
    wfm_status st = wfm_minutes_create(lo, n_minutes, n_channels, (const char *const *)names, &t, err);
    free_names(names, n_channels);
#undef FAIL
    if (st) { free(seen); return st; }

    /* Pass 2: fill the grid (rows were validated above); the data rules
     * decide which values are kept, so a dropped value never hides an
     * earlier one of a duplicate row. */
    for (const char *q = body, *lb, *le; q < end;) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue;
        wfm_csv_split(lb, le, f, MAX_CHANNELS + 2);
        int64_t minute;
        wfm_parse_minute(f[0].b, (size_t)(f[0].e - f[0].b), &minute);
        size_t r = (size_t)(minute - lo);
        if (seen[r]) wfm_minutes_count_duplicate(t);
        seen[r] = 1;
        for (int c = 0; c < n_channels; c++) {
            float v;
            if (!wfm_csv_is_missing(f[c + 1]) && !wfm_csv_parse_float(f[c + 1], &v)) wfm_minutes_set(t, r, c, v);
        }
    }
    free(seen);
    *out = t;
    return WFM_OK;
}

size_t wfm_minutes_window(const wfm_minutes *t, const wfm_model *model, int64_t window_start, float *x) {
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    int C = info.n_channels, T = info.window_minutes;
    const int K = wfm_minutes_channels(t);
    const int64_t start = wfm_minutes_start(t);
    const size_t n_minutes = wfm_minutes_length(t);
    const float *values = wfm_minutes_values(t);
    int map[MAX_CHANNELS];
    for (int c = 0; c < C; c++) {
        wfm_channel_info ch;
        map[c] = -1;
        if (wfm_model_get_channel(model, c, &ch, NULL) == WFM_OK)
            for (int k = 0; k < K; k++)
                if (!strcmp(wfm_minutes_channel_name(t, k), ch.name)) map[c] = k;
    }
    size_t observed = 0;
    for (int m = 0; m < T; m++) {
        int64_t r = window_start + m - start;
        for (int c = 0; c < C; c++) {
            float v = NAN;
            if (r >= 0 && (uint64_t)r < n_minutes && map[c] >= 0) v = values[(size_t)r * K + map[c]];
            x[(size_t)m * C + c] = v;
            observed += !isnan(v);
        }
    }
    return observed;
}
