/* The generic minute CSV importer and model-window extraction. */
#include "wearfm.h"
#include "error.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHANNELS 256
#define MAX_SPAN_MINUTES (1000LL * 1440) /* ~2.7 years: a guard against a bogus timestamp */

struct wfm_minutes {
    int64_t start;
    size_t n_minutes;
    int n_channels;
    char **names;
    float *values;
    size_t duplicates;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void wfm_format_minute(int64_t minute, char *buf) {
    int64_t day = minute >= 0 ? minute / 1440 : -((-minute + 1439) / 1440);
    int mod = (int)(minute - day * 1440), y, m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, 20, "%04u-%02u-%02uT%02u:%02u", (unsigned)y % 10000u, (unsigned)m % 13u, (unsigned)d % 32u,
             (unsigned)(mod / 60) % 24u, (unsigned)mod % 60u);
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int wfm_parse_minute(const char *s, size_t len, int64_t *minute) {
    /* YYYY-MM-DD[T ]HH:MM[:SS[.fff]] */
    int y, mo, d, h, mi, sec = 0;
    if (len < 16 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi))
        return -1;
    size_t i = 16;
    if (i < len && s[i] == ':') {
        if (len < 19 || digits(s + 17, 2, &sec)) return -1;
        i = 19;
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && isdigit((unsigned char)s[i])) i++;
        }
    }
    if (i != len) return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return -1;
    *minute = days_from_civil(y, mo, d) * 1440 + h * 60 + mi;
    return 0;
}

/* One CSV field: [b, e) with surrounding spaces trimmed; simple quoted fields allowed. */
typedef struct { const char *b, *e; } field;

static size_t split_line(const char *b, const char *e, field *f, size_t max) {
    size_t n = 0;
    const char *p = b;
    for (;;) {
        const char *q = p;
        while (q < e && *q != ',') q++;
        if (n < max) {
            const char *fb = p, *fe = q;
            while (fb < fe && (*fb == ' ' || *fb == '\t')) fb++;
            while (fe > fb && (fe[-1] == ' ' || fe[-1] == '\t')) fe--;
            if (fe - fb >= 2 && *fb == '"' && fe[-1] == '"') { fb++; fe--; }
            f[n].b = fb;
            f[n].e = fe;
        }
        n++;
        if (q >= e) break;
        p = q + 1;
    }
    return n;
}

static int is_missing(field f) {
    size_t n = (size_t)(f.e - f.b);
    return n == 0 || (n == 3 && (!strncmp(f.b, "NaN", 3) || !strncmp(f.b, "nan", 3) || !strncmp(f.b, "NAN", 3))) ||
           (n == 2 && !strncmp(f.b, "NA", 2)) || (n == 4 && !strncmp(f.b, "null", 4));
}

static int parse_float(field f, float *out) {
    char buf[64];
    size_t n = (size_t)(f.e - f.b);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, f.b, n);
    buf[n] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + n || !isfinite(v) || fabs(v) > 3.0e38) return -1;
    *out = (float)v;
    return 0;
}

/* Advances *q past one line; [*lb, *le) is the line without its \r\n.
 * Returns 0 for a blank line. */
static int next_line(const char **q, const char *end, const char **lb, const char **le) {
    const char *nl = memchr(*q, '\n', (size_t)(end - *q));
    *lb = *q;
    *le = nl ? nl : end;
    *q = nl ? nl + 1 : end;
    if (*le > *lb && (*le)[-1] == '\r') (*le)--;
    return *le > *lb;
}


void wfm_minutes_free(wfm_minutes *t) {
    if (!t) return;
    for (int c = 0; c < t->n_channels && t->names; c++) free(t->names[c]);
    free(t->names);
    free(t->values);
    free(t);
}

wfm_status wfm_minutes_read_csv(const char *text, size_t len, wfm_minutes **out, wfm_error *err) {
    if (!out || (!text && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_minutes_read_csv: NULL argument");
    *out = NULL;
    field f[MAX_CHANNELS + 2];
    const char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* UTF-8 BOM from spreadsheets */

    /* Header. */
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *he = eol ? eol : end;
    if (he > p && he[-1] == '\r') he--;
    size_t nf = split_line(p, he, f, MAX_CHANNELS + 2);
    if (p == he) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: empty header (expected timestamp,<channel>,...)");
    if (nf < 2) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: header needs a timestamp column and at least one channel");
    if (nf > MAX_CHANNELS + 1) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: more than %d channel columns", MAX_CHANNELS);
    wfm_minutes *t = calloc(1, sizeof *t);
    if (!t) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    t->n_channels = (int)nf - 1;
    t->names = calloc((size_t)t->n_channels, sizeof *t->names);
    if (!t->names) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (int c = 0; c < t->n_channels; c++) {
        size_t n = (size_t)(f[c + 1].e - f[c + 1].b);
        if (n == 0) { wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %d has an empty name", c + 2); }
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)f[c + 1].b[k] < 0x20 || f[c + 1].b[k] == 0x7f) {
                wfm_minutes_free(t);
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %d's name has a control character", c + 2);
            }
        t->names[c] = malloc(n + 1);
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
        if (!next_line(&q, end, &lb, &le)) continue; /* blank line */
        size_t n = split_line(lb, le, f, MAX_CHANNELS + 2);
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
            if (!is_missing(f[c]) && parse_float(f[c], &v)) {
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
    t->values = malloc(total * sizeof(float));
    uint8_t *seen = calloc(t->n_minutes, 1);
    if (!t->values || !seen) { free(seen); wfm_minutes_free(t); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu minutes", t->n_minutes); }
    for (size_t i = 0; i < total; i++) t->values[i] = NAN;

    /* Pass 2: fill the grid (rows were validated above). */
    for (const char *q = body, *lb, *le; q < end;) {
        if (!next_line(&q, end, &lb, &le)) continue;
        split_line(lb, le, f, MAX_CHANNELS + 2);
        int64_t minute;
        wfm_parse_minute(f[0].b, (size_t)(f[0].e - f[0].b), &minute);
        size_t r = (size_t)(minute - lo);
        if (seen[r]) t->duplicates++;
        seen[r] = 1;
        for (int c = 0; c < t->n_channels; c++) {
            float v;
            if (!is_missing(f[c + 1]) && !parse_float(f[c + 1], &v)) t->values[r * t->n_channels + c] = v;
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
