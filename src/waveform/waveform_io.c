/* Readers of raw waveforms (docs/data.md, "Raw waveforms"): the Empatica
 * E4 CSV (WESAD) and a generic timestamped CSV put on a uniform grid. Both
 * read untrusted bytes: every size is checked before it is allocated, and
 * every problem is an error naming its line. Units and plausibility are in
 * src/waveform/waveform_units.c. */
#include "wearfm.h"
#include "platform/alloc.h"
#include "data/csv.h"
#include "platform/error.h"
#include "data/import.h"
#include "waveform/waveform_units.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_C WFM_WAVEFORM_MAX_CHANNELS
#define MAX_START 1e10      /* unix seconds: the year 2286 */
#define MS_FROM 1e11        /* a numeric timestamp this large is in ms (1e11 s would be the year 5138) */
#define GAP_PERIODS 1.5     /* samples further apart than this leave the grid slots between them missing */

void wfm_waveform_free(wfm_waveform *w) {
    if (!w) return;
    free(w->samples);
    free(w);
}

/* The caller's limit of values, within WFM_WAVEFORM_MAX_VALUES. */
static size_t limit_of(const wfm_waveform_options *o) {
    return o->max_values && o->max_values < WFM_WAVEFORM_MAX_VALUES ? o->max_values : WFM_WAVEFORM_MAX_VALUES;
}

/* A waveform of n x C missing samples, its size checked. */
static wfm_status wave_new(size_t n, int C, size_t limit, wfm_waveform **out, wfm_error *err) {
    if (n > limit / (size_t)C)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "%zu samples x %d channels: more than the limit of %zu values",
                        n, C, limit);
    wfm_waveform *w = wfm_calloc(1, sizeof *w);
    if (!w || !(w->samples = wfm_malloc((n ? n : 1) * (size_t)C * sizeof(float)))) {
        free(w);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu samples x %d channels", n, C);
    }
    for (size_t i = 0; i < n * (size_t)C; i++) w->samples[i] = NAN;
    w->n = n;
    w->channels = C;
    w->unit = "";
    *out = w;
    return WFM_OK;
}

/* Stores the cell (a value in unit u) at w->samples[at]; missing cells
 * stay NaN. Returns -1 when it is not a number. */
static int put(wfm_waveform *w, size_t at, const wfm_wave_unit *u, wfm_field f) {
    double v;
    if (wfm_csv_is_missing(f)) return 0;
    if (wfm_csv_parse_double(f, &v)) return -1;
    wfm_drop_reason why = wfm_wave_convert(u, v, &w->samples[at]);
    w->dropped[why] += why != WFM_KEPT;
    return 0;
}

static wfm_status bad_cell(wfm_error *err, size_t line, size_t col, wfm_field f) {
    if (wfm_field_len(f) > WFM_CSV_NUMBER_MAX)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column %zu: a %zu-character cell is not a sample value",
                        line, col, wfm_field_len(f));
    return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column %zu: not a number: '%.*s'", line, col,
                    wfm_field_shown(f), f.b);
}

/* Lines in [p, end): an upper bound of the rows, checked against the limit. */
static wfm_status count_lines(const char *p, const char *end, size_t limit, size_t *lines, wfm_error *err) {
    size_t n = 1;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))); q++) n++;
    if (n > limit) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%zu lines: more than the limit of %zu samples", n, limit);
    *lines = n;
    return WFM_OK;
}

static int blank_to_end(const char *q, const char *end) {
    for (; q < end; q++)
        if (*q != '\n' && *q != '\r' && *q != ' ' && *q != '\t') return 0;
    return 1;
}

/* ---- Empatica E4 ---- */

/* One of the two header rows: the same number in every column, in [lo, hi]. */
static wfm_status e4_header_row(const char **q, const char *end, size_t line, const char *what, double lo,
                                double hi, size_t *C, double *value, wfm_error *err) {
    const char *lb, *le;
    wfm_field f[MAX_C + 1];
    if (*q >= end || !wfm_csv_next_line(q, end, &lb, &le))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: expected the %s of each column (E4 CSV)", line, what);
    size_t n = wfm_csv_split(lb, le, f, MAX_C + 1);
    if (*C == 0) {
        if (n != 1 && n != 3)
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "line 1: %zu columns; an E4 signal file has 1 (BVP, EDA, TEMP, HR) or 3 (ACC)%s", n,
                            n == 2 ? " (IBI.csv holds beat times, not samples)" : "");
        *C = n;
    } else if (n != *C) {
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: %zu columns, the first row has %zu", line, n, *C);
    }
    for (size_t c = 0; c < n; c++) {
        double v;
        if (wfm_csv_parse_double(f[c], &v)) return bad_cell(err, line, c + 1, f[c]);
        if (!(v >= lo && v <= hi))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column %zu: %s %.*s is outside [%g, %g]", line,
                            c + 1, what, wfm_field_shown(f[c]), f[c].b, lo, hi);
        if (c && v != *value)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: the columns disagree on the %s (%.17g and %.17g)",
                            line, what, *value, v);
        *value = v;
    }
    return WFM_OK;
}

static wfm_status read_e4(const char *p, const char *end, const wfm_waveform_options *o, wfm_waveform **out,
                          wfm_error *err) {
    size_t C = 0, lines = 0;
    double start = 0, rate = 0;
    const char *q = p;
    wfm_status st = e4_header_row(&q, end, 1, "start time (unix s)", 0, MAX_START, &C, &start, err);
    if (!st) st = e4_header_row(&q, end, 2, "rate (Hz)", WFM_WAVEFORM_MIN_RATE, WFM_WAVEFORM_MAX_RATE, &C, &rate, err);
    if (!st) st = count_lines(q, end, limit_of(o), &lines, err);
    if (st) return st;
    if (blank_to_end(q, end)) return wfm_fail(err, WFM_ERR_NO_DATA, "the E4 file has its two header rows but no samples");
    const wfm_wave_unit *u = wfm_wave_unit_find(C == 3 ? "1/64 g" : "");
    wfm_waveform *w;
    if ((st = wave_new(lines, (int)C, limit_of(o), &w, err))) return st;
    size_t n = 0, line = 3;
    wfm_field f[MAX_C + 1];
    for (const char *lb, *le; q < end && !blank_to_end(q, end); line++) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) {
            wfm_waveform_free(w);
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: a blank line among the samples (a sample is lost?)", line);
        }
        size_t nf = wfm_csv_split(lb, le, f, MAX_C + 1);
        if (nf != C) {
            wfm_waveform_free(w);
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: %zu fields, the header rows declare %zu columns", line,
                            nf, C);
        }
        for (size_t c = 0; c < C; c++)
            if (put(w, n * C + c, u, f[c])) {
                wfm_waveform_free(w);
                return bad_cell(err, line, c + 1, f[c]);
            }
        n++;
    }
    w->n = n;
    w->start = start;
    w->rate = rate;
    w->unit = u->stored;
    *out = w;
    return WFM_OK;
}

/* ---- generic CSV: timestamp,<axis>,... ---- */

typedef enum { T_UNKNOWN, T_SECONDS, T_MS, T_ISO } time_kind;

/* A row's time in unix seconds; the first row sets the kind for the file. */
static wfm_status row_time(wfm_field f, size_t line, time_kind *kind, double *t, wfm_error *err) {
    double v;
    imp_time it;
    if (!wfm_csv_parse_double(f, &v)) {
        if (*kind == T_UNKNOWN) *kind = fabs(v) >= MS_FROM ? T_MS : T_SECONDS;
        if (*kind == T_ISO)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: a numeric timestamp after ISO-8601 ones", line);
        if (*kind == T_MS) v /= 1000;
    } else if (!imp_parse_iso(f.b, wfm_field_len(f), &it)) {
        if (it.zone == IMP_ZONE_NONE)
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "line %zu: timestamp '%.*s' has no zone (Z or +HH:MM); waveform times are UTC", line,
                            wfm_field_shown(f), f.b);
        if (*kind == T_UNKNOWN) *kind = T_ISO;
        if (*kind != T_ISO)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: an ISO-8601 timestamp after numeric ones", line);
        v = ((double)it.wall_ms - (it.zone == IMP_ZONE_OFFSET ? it.offset_min * 60000.0 : 0)) / 1000;
    } else {
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "line %zu: bad timestamp '%.*s' (unix seconds, milliseconds, or ISO-8601 with a zone)", line,
                        wfm_field_shown(f), f.b);
    }
    if (!(v >= 0 && v <= MAX_START))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: timestamp '%.*s' is outside 1970-2286", line,
                        wfm_field_shown(f), f.b);
    *t = v;
    return WFM_OK;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 1 / the mean interval among those within [0.5, 1.5] x the median: robust
 * to gaps and to timestamps rounded to the millisecond. */
static wfm_status estimate_rate(const double *t, size_t n, double *rate, wfm_error *err) {
    if (n < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "one sample: the rate cannot be estimated; declare it");
    double *d = wfm_malloc((n - 1) * sizeof *d);
    if (!d) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory estimating the rate");
    for (size_t i = 0; i + 1 < n; i++) d[i] = t[i + 1] - t[i];
    qsort(d, n - 1, sizeof *d, cmp_double);
    double med = d[(n - 1) / 2], sum = 0;
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (d[i] >= 0.5 * med && d[i] <= 1.5 * med) sum += d[i], k++;
    free(d);
    *rate = k / sum;
    return WFM_OK;
}

/* Puts the rows (times t relative to the first, values v) on the grid:
 * slot k at k / rate takes the channel values of the sample nearest to it
 * (the earlier on a tie) when that sample is within half a period, or when
 * the slot lies between two samples at most 1.5 periods apart. */
static void to_grid(wfm_waveform *w, const double *t, const float *v, size_t rows) {
    const size_t C = (size_t)w->channels;
    const double period = 1 / w->rate;
    size_t j = 0;
    for (size_t k = 0; k < w->n; k++) {
        double tk = (double)k * period;
        while (j + 1 < rows && t[j + 1] <= tk) j++;
        size_t near = j;
        int bridged = 0;
        if (j + 1 < rows) {
            if (t[j + 1] - tk < tk - t[j]) near = j + 1;
            bridged = t[j + 1] - t[j] <= GAP_PERIODS * period;
        }
        if (bridged || fabs(t[near] - tk) <= 0.5 * period)
            memcpy(&w->samples[k * C], &v[near * C], C * sizeof(float));
    }
}

/* The one grid rule of timestamped samples, for the CSV reader and
 * wfm_waveform_from_samples: t (unix s, strictly increasing) and the rows'
 * stored values v [n x C]; rate 0 estimates it. t is made relative to t[0]. */
static wfm_status place_on_grid(double *t, const float *v, size_t n, int C, double rate, size_t limit,
                                wfm_waveform **out, wfm_error *err) {
    wfm_status st;
    if (rate == 0) {
        if ((st = estimate_rate(t, n, &rate, err))) return st;
        if (!(rate >= WFM_WAVEFORM_MIN_RATE && rate <= WFM_WAVEFORM_MAX_RATE))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "the timestamps give a rate of %g Hz, outside [%g, %g]", rate,
                            WFM_WAVEFORM_MIN_RATE, WFM_WAVEFORM_MAX_RATE);
    }
    const double t0 = t[0], span = (t[n - 1] - t0) * rate;
    for (size_t i = 0; i < n; i++) t[i] -= t0;
    /* The grid's length is claimed by the timestamps, not by the rows. */
    if (!(span + 1 <= (double)(limit / (size_t)C)))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the timestamps span %.17g s: %.3g samples at %g Hz x %d axes, more "
                        "than the limit of %zu values", t[n - 1], span + 1, rate, C, limit);
    wfm_waveform *w;
    if ((st = wave_new((size_t)llround(span) + 1, C, limit, &w, err))) return st;
    w->start = t0;
    w->rate = rate;
    to_grid(w, t, v, n);
    *out = w;
    return WFM_OK;
}

/* The unit of a caller that puts axes on a grid: one of an accelerometer's. */
static wfm_status grid_unit(const char *name, double rate, const char *who, const wfm_wave_unit **u, wfm_error *err) {
    *u = name ? wfm_wave_unit_find(name) : NULL;
    if (!*u || !(*u)->stored[0])
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s: unit '%s' is not one of %s", who, name ? name : "(none)",
                        wfm_wave_unit_names());
    if (rate != 0 && !(rate >= WFM_WAVEFORM_MIN_RATE && rate <= WFM_WAVEFORM_MAX_RATE))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s: rate %g Hz is outside [%g, %g] (0: estimate it)", who, rate,
                        WFM_WAVEFORM_MIN_RATE, WFM_WAVEFORM_MAX_RATE);
    return WFM_OK;
}

static wfm_status read_csv(const char *p, const char *end, const wfm_waveform_options *o, wfm_waveform **out,
                           wfm_error *err) {
    const wfm_wave_unit *u;
    wfm_status st = grid_unit(o->unit, o->rate, "waveform CSV", &u, err);
    if (st) return st;
    wfm_field f[MAX_C + 2];
    const char *q = p, *lb, *le;
    if (q >= end || !wfm_csv_next_line(&q, end, &lb, &le))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: empty header (expected timestamp,<axis>,...)");
    size_t nf = wfm_csv_split(lb, le, f, MAX_C + 2);
    if (!wfm_field_is(f[0], "timestamp") || nf < 2)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: the header must be timestamp,<axis>,... (e.g. timestamp,x,y,z)");
    if (nf > MAX_C + 1) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: more than %d axes", MAX_C);
    for (size_t c = 1; c < nf; c++)
        if (!wfm_field_len(f[c])) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %zu has no name", c + 1);
    const size_t C = nf - 1;
    size_t lines = 0;
    const size_t limit = limit_of(o);
    if ((st = count_lines(q, end, limit, &lines, err))) return st;
    if (blank_to_end(q, end)) return wfm_fail(err, WFM_ERR_NO_DATA, "the CSV has a header but no rows");
    /* The rows as read (a waveform holds their values), then the grid. */
    wfm_waveform *rows;
    double *t = wfm_malloc(lines * sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu rows", lines);
    if ((st = wave_new(lines, (int)C, limit, &rows, err))) { free(t); return st; }
#define FAIL(...) do { st = wfm_fail(err, __VA_ARGS__); goto done; } while (0)
    size_t n = 0, line = 2;
    time_kind kind = T_UNKNOWN;
    for (; q < end; line++) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue; /* blank line */
        size_t k = wfm_csv_split(lb, le, f, MAX_C + 2);
        if (k != nf) FAIL(WFM_ERR_INVALID_ARG, "line %zu: %zu fields, the header has %zu", line, k, nf);
        if ((st = row_time(f[0], line, &kind, &t[n], err))) goto done;
        if (n && !(t[n] > t[n - 1]))
            FAIL(WFM_ERR_INVALID_ARG,
                 "line %zu: timestamp '%.*s' is not after the previous row's: rows must be in time order, without "
                 "duplicates", line, wfm_field_shown(f[0]), f[0].b);
        for (size_t c = 0; c < C; c++)
            if (put(rows, n * C + c, u, f[c + 1])) { st = bad_cell(err, line, c + 2, f[c + 1]); goto done; }
        n++;
    }
    wfm_waveform *w;
    if (!(st = place_on_grid(t, rows->samples, n, (int)C, o->rate, limit, &w, err))) {
        w->unit = u->stored;
        memcpy(w->dropped, rows->dropped, sizeof w->dropped);
        *out = w;
    }
done:
#undef FAIL
    free(t);
    wfm_waveform_free(rows);
    return st;
}

/* Samples a caller already holds (the page's sensors): the CSV reader's
 * rules without the text, so both give the same grid for the same rows. */
wfm_status wfm_waveform_from_samples(const double *times_s, const double *values, size_t n, int channels,
                                     const char *unit, double rate, wfm_waveform **out, wfm_error *err) {
    if (!out || ((!times_s || !values) && n))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_waveform_from_samples: NULL argument");
    *out = NULL;
    const wfm_wave_unit *u;
    wfm_status st = grid_unit(unit, rate, "waveform samples", &u, err);
    if (st) return st;
    if (channels < 1 || channels > MAX_C)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "waveform samples: %d channels (1..%d)", channels, MAX_C);
    if (!n) return wfm_fail(err, WFM_ERR_NO_DATA, "no samples");
    const size_t C = (size_t)channels, limit = WFM_WAVEFORM_MAX_VALUES;
    for (size_t i = 0; i < n; i++) {
        if (!(times_s[i] >= 0 && times_s[i] <= MAX_START))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "sample %zu: time %.17g s is outside 1970-2286", i, times_s[i]);
        if (i && !(times_s[i] > times_s[i - 1]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "sample %zu: time %.17g s is not after the previous sample's: "
                            "samples must be in time order, without duplicates", i, times_s[i]);
    }
    wfm_waveform *rows, *w = NULL;
    double *t = wfm_malloc(n * sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu samples", n);
    if ((st = wave_new(n, channels, limit, &rows, err))) { free(t); return st; }
    memcpy(t, times_s, n * sizeof *t);
    /* NaN is missing, as an empty CSV cell; anything else goes through the unit's rule. */
    for (size_t i = 0; i < n * C; i++)
        if (!isnan(values[i])) {
            wfm_drop_reason why = wfm_wave_convert(u, values[i], &rows->samples[i]);
            rows->dropped[why] += why != WFM_KEPT;
        }
    if (!(st = place_on_grid(t, rows->samples, n, channels, rate, limit, &w, err))) {
        w->unit = u->stored;
        memcpy(w->dropped, rows->dropped, sizeof w->dropped);
        *out = w;
    }
    free(t);
    wfm_waveform_free(rows);
    return st;
}

const char *wfm_waveform_unit_stored(const char *unit) {
    const wfm_wave_unit *u = wfm_wave_unit_find(unit);
    return u && u->stored[0] ? u->stored : NULL;
}

/* ---- entry points ---- */

wfm_status wfm_waveform_read_buffer(const void *data, size_t size, const wfm_waveform_options *options,
                                    wfm_waveform **out, wfm_error *err) {
    if (!out || !options || (!data && size))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_waveform_read_buffer: NULL argument");
    *out = NULL;
    if (size > WFM_WAVEFORM_MAX_BYTES)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "%zu bytes: more than the %zu-byte limit of a waveform file", size,
                        (size_t)WFM_WAVEFORM_MAX_BYTES);
    const char *p = data, *end = p + size;
    p = wfm_csv_skip_bom(p, end);
    if (p == end) return wfm_fail(err, WFM_ERR_NO_DATA, "the file is empty");
    char why[128];
    const char *problem = wfm_csv_text_problem(p, end, why, sizeof why);
    if (problem) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s", problem);
    switch (options->format) {
    case WFM_WAVEFORM_E4: return read_e4(p, end, options, out, err);
    case WFM_WAVEFORM_CSV: return read_csv(p, end, options, out, err);
    }
    return wfm_fail(err, WFM_ERR_INVALID_ARG, "waveform format %d is not E4 (0) or CSV (1)", (int)options->format);
}

wfm_status wfm_waveform_read_file(const char *path, const wfm_waveform_options *options, wfm_waveform **out,
                                  wfm_error *err) {
    if (!path || !out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_waveform_read_file: NULL argument");
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) return wfm_fail(err, WFM_ERR_IO, "cannot open %s", path);
    /* read in growing chunks: a pipe has no size to ask for */
    size_t n = 0, cap = 0;
    char *buf = NULL;
    wfm_status st = WFM_OK;
    for (;;) {
        if (n == cap) {
            if (cap > WFM_WAVEFORM_MAX_BYTES) { /* one byte past the limit was read */
                st = wfm_fail(err, WFM_ERR_INVALID_ARG, "more than the %zu-byte limit of a waveform file",
                              (size_t)WFM_WAVEFORM_MAX_BYTES);
                break;
            }
            size_t ncap = cap ? cap * 2 : 1 << 16;
            if (ncap > WFM_WAVEFORM_MAX_BYTES + 1) ncap = WFM_WAVEFORM_MAX_BYTES + 1;
            char *nb = wfm_realloc(buf, ncap);
            if (!nb) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory reading %s", path); break; }
            buf = nb, cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp)) st = wfm_fail(err, WFM_ERR_IO, "error reading %s", path);
            break;
        }
    }
    fclose(fp);
    if (!st) st = wfm_waveform_read_buffer(buf, n, options, out, err);
    if (st && st != WFM_ERR_NO_MEMORY && st != WFM_ERR_IO) wfm_error_prefix(err, "%s", path); /* which file */
    free(buf);
    return st;
}
