/* Fill bands (include/wearfm/fill_bands.h): the file's rules and the
 * per-minute interval. The distance of a missing minute is to the nearest
 * recorded minute of its channel in the same window: the model fills one
 * window from that window alone, and the bands were measured that way
 * (tools/fill_bands.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"
#include "platform/error.h"
#include "platform/json.h"

typedef struct {
    int from, to;      /* minutes to the nearest recorded minute, inclusive */
    int has_band;      /* 0: the row was measured too thinly to give one */
    float low, high;   /* offsets from the fill */
} band_row;

struct wfm_fill_bands {
    const wfm_model *model;
    int T, C;
    double coverage;
    band_row **rows;   /* [C]: NULL for a channel without bands */
    int *n_rows;       /* [C] */
    float *range;      /* [2C]: each channel's valid values (the intervals never leave them) */
};

void wfm_fill_bands_free(wfm_fill_bands *b) {
    if (!b) return;
    for (int c = 0; b->rows && c < b->C; c++) free(b->rows[c]);
    free(b->rows);
    free(b->n_rows);
    free(b->range);
    free(b);
}

static int whole_minutes(const wfm_json *v, int lo, int hi, int *out) {
    int64_t i;
    if (!wfm_json_int64(v, &i) || i < lo || i > hi) return 0;
    *out = (int)i;
    return 1;
}

static wfm_status parse_channel(wfm_fill_bands *b, const wfm_json *ch, wfm_error *err) {
    int c = wfm_model_find_channel(b->model, ch->key);
    if (c < 0) return wfm_fail(err, WFM_ERR_INVALID_ARG, "fill bands: channel '%s' is not a channel of the model", ch->key);
    const wfm_json *rows = wfm_json_get(ch, "bands");
    size_t n = wfm_json_count(rows);
    if (!wfm_json_is(rows, WFM_JSON_ARRAY) || n == 0 || n > (size_t)b->T)
        return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: channel '%s' needs \"bands\": 1 to %d rows", ch->key, b->T);
    if (!(b->rows[c] = calloc(n, sizeof *b->rows[c]))) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    b->n_rows[c] = (int)n;
    for (size_t i = 0; i < n; i++) {
        const wfm_json *r = wfm_json_at(rows, i);
        band_row *row = &b->rows[c][i];
        const wfm_json *low = wfm_json_get(r, "low"), *high = wfm_json_get(r, "high");
        if (!wfm_json_is(r, WFM_JSON_OBJECT) || !whole_minutes(wfm_json_get(r, "from"), 1, b->T, &row->from) ||
            !whole_minutes(wfm_json_get(r, "to"), row->from, b->T, &row->to))
            return wfm_fail(err, WFM_ERR_FORMAT,
                            "fill bands: channel '%s', row %zu: \"from\" and \"to\" must be whole minutes with "
                            "1 <= from <= to <= %d", ch->key, i + 1, b->T);
        if (i && row->from <= b->rows[c][i - 1].to)
            return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: channel '%s', row %zu overlaps or precedes the one before",
                            ch->key, i + 1);
        if (!low && !high) continue; /* measured too thinly: no band */
        double lo = wfm_json_number(low), hi = wfm_json_number(high);
        if (!wfm_json_is(low, WFM_JSON_NUMBER) || !wfm_json_is(high, WFM_JSON_NUMBER) || !(lo <= hi) ||
            !isfinite(lo) || !isfinite(hi) || fabs(lo) > 1e30 || fabs(hi) > 1e30)
            return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: channel '%s', row %zu: \"low\" <= \"high\" must be numbers",
                            ch->key, i + 1);
        row->has_band = 1;
        row->low = (float)lo;
        row->high = (float)hi;
    }
    return WFM_OK;
}

static wfm_status parse(wfm_fill_bands *b, const wfm_json *root, wfm_error *err) {
    if (!wfm_json_is(root, WFM_JSON_OBJECT)) return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: not a JSON object");
    const char *hash = wfm_json_string(wfm_json_get(wfm_json_get(root, "model"), "weights_hash"));
    if (!hash) return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: no \"model\": {\"weights_hash\": ...}");
    const char *mine = wfm_model_weights_hash(b->model);
    if (!mine || strcmp(hash, mine))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "fill bands: measured on another model (bands: %s, model: %s)", hash,
                        mine ? mine : "none");
    const wfm_json *cov = wfm_json_get(root, "coverage");
    b->coverage = wfm_json_number(cov);
    if (!wfm_json_is(cov, WFM_JSON_NUMBER) || !(b->coverage > 0 && b->coverage < 1))
        return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: \"coverage\" must be a number in (0, 1)");
    const wfm_json *chans = wfm_json_get(root, "channels");
    if (!wfm_json_is(chans, WFM_JSON_OBJECT)) return wfm_fail(err, WFM_ERR_FORMAT, "fill bands: no \"channels\" object");
    for (size_t i = 0; i < wfm_json_count(chans); i++) {
        wfm_status s = parse_channel(b, wfm_json_at(chans, i), err);
        if (s) return s;
    }
    return WFM_OK;
}

wfm_status wfm_fill_bands_load(const wfm_model *model, const char *json, size_t len, wfm_fill_bands **out,
                               wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "fill bands: NULL output");
    *out = NULL;
    if (!model || (!json && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "fill bands: NULL model or text");
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    wfm_fill_bands *b = calloc(1, sizeof *b);
    if (!b) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    b->model = model;
    b->T = info.window_minutes;
    b->C = info.n_channels;
    b->rows = calloc((size_t)b->C, sizeof *b->rows);
    b->n_rows = calloc((size_t)b->C, sizeof *b->n_rows);
    b->range = malloc(sizeof *b->range * 2 * (size_t)b->C);
    if (!b->rows || !b->n_rows || !b->range) {
        wfm_fill_bands_free(b);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    for (int c = 0; c < b->C; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(model, c, &ch, NULL);
        b->range[2 * c] = ch.range_min;
        b->range[2 * c + 1] = ch.range_max;
    }
    wfm_json_doc *doc = NULL;
    wfm_status s = wfm_json_parse(json ? json : "", len, &doc, err);
    if (s == WFM_ERR_FORMAT) wfm_error_prefix(err, "fill bands");
    if (!s) s = parse(b, wfm_json_root(doc), err);
    wfm_json_free(doc);
    if (s) {
        wfm_fill_bands_free(b);
        return s;
    }
    *out = b;
    return WFM_OK;
}

double wfm_fill_bands_coverage(const wfm_fill_bands *b) { return b ? b->coverage : NAN; }

int wfm_fill_bands_has_channel(const wfm_fill_bands *b, int c) {
    return b && c >= 0 && c < b->C && b->rows[c] != NULL;
}

/* dist[t] = minutes from t to the nearest recorded minute of channel c in
 * the window; returns 0 if the channel has none. */
static int distances(const wfm_fill_bands *b, const float *x, int c, int *dist) {
    const int T = b->T, C = b->C, far = 2 * T + 1;
    int last = -far, any = 0;
    for (int t = 0; t < T; t++) {
        if (!isnan(x[(size_t)t * C + c])) { last = t; any = 1; }
        dist[t] = t - last;
    }
    int next = T + far;
    for (int t = T - 1; t >= 0; t--) {
        if (!isnan(x[(size_t)t * C + c])) next = t;
        if (next - t < dist[t]) dist[t] = next - t;
    }
    return any;
}

wfm_status wfm_fill_bands_window(const wfm_fill_bands *b, const float *x, const float *filled, float *low,
                                 float *high, wfm_error *err) {
    if (!b || !x || !filled || !low || !high) return wfm_fail(err, WFM_ERR_INVALID_ARG, "fill bands: NULL argument");
    int *dist = malloc(sizeof *dist * (size_t)b->T); /* per call: the handle stays read-only (threads) */
    if (!dist) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    const size_t n = (size_t)b->T * b->C;
    for (size_t i = 0; i < n; i++) low[i] = high[i] = NAN;
    for (int c = 0; c < b->C; c++) {
        if (!b->rows[c] || !distances(b, x, c, dist)) continue;
        const band_row *rows = b->rows[c];
        for (int t = 0; t < b->T; t++) {
            size_t i = (size_t)t * b->C + c;
            if (!isnan(x[i])) continue;
            int r = 0; /* the first row reaching this distance, or the last row */
            while (r < b->n_rows[c] - 1 && dist[t] > rows[r].to) r++;
            if (!rows[r].has_band) continue;
            low[i] = fmaxf(filled[i] + rows[r].low, b->range[2 * c]);
            high[i] = fminf(filled[i] + rows[r].high, b->range[2 * c + 1]);
        }
    }
    free(dist);
    return WFM_OK;
}
