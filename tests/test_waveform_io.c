/* The waveform readers (src/waveform/waveform_io.c): the real WESAD snippet
 * (tests/data/wesad, embedded), the E4 and generic CSV layouts, units and
 * plausibility, the grid of the generic CSV, and every kind of bad input
 * failing with a message that names it; wfm_waveform_from_samples giving
 * the CSV reader's grid for the same rows (the real WISDM snippet). */
#include "wearfm.h"
#include "testing.h"
#include "wesad_data.h"
#include "wisdm_data.h"
#include <stdint.h>

static const wfm_waveform_options E4 = {WFM_WAVEFORM_E4, NULL, 0, 0};

static wfm_waveform *read_opts(const char *text, size_t len, wfm_waveform_options o) {
    wfm_waveform *w = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_waveform_read_buffer(text, len, &o, &w, &err);
    CHECK_MSG(st == WFM_OK && w, "status %d: %s", st, err.message);
    return w;
}
static wfm_waveform *read_e4(const char *text) { return read_opts(text, strlen(text), E4); }
static wfm_waveform *read_csv(const char *text, const char *unit, double rate) {
    return read_opts(text, strlen(text), (wfm_waveform_options){WFM_WAVEFORM_CSV, unit, rate, 0});
}

/* The read fails with `status` and a message containing `word`. */
static int fails(const char *text, size_t len, wfm_waveform_options o, wfm_status status, const char *word) {
    wfm_waveform *w = (wfm_waveform *)&o; /* the reader must reset it */
    wfm_error err = {0};
    wfm_status st = wfm_waveform_read_buffer(text, len, &o, &w, &err);
    if (st != status || w != NULL || err.status != st || !strstr(err.message, word)) {
        fprintf(stderr, "  status %d (wanted %d), message '%s', wanted '%s'\n", st, status, err.message, word);
        return 0;
    }
    return 1;
}
#define E4_FAILS(text, word) fails(text, strlen(text), E4, WFM_ERR_INVALID_ARG, word)
#define CSV_FAILS(text, unit, rate, word) \
    fails(text, strlen(text), (wfm_waveform_options){WFM_WAVEFORM_CSV, unit, rate, 0}, WFM_ERR_INVALID_ARG, word)

TEST(wesad_accelerometer_in_g) {
    wfm_waveform *w = read_opts((const char *)wesad_ACC_csv, sizeof wesad_ACC_csv, E4);
    if (!w) return;
    CHECK(w->channels == 3 && w->n == 320 && w->rate == 32 && w->start == 1495437325.0);
    CHECK(!strcmp(w->unit, "g"));
    /* the first row of S2/ACC.csv is 29,-6,55 in 1/64 g */
    CHECK(w->samples[0] == 29 / 64.0f && w->samples[1] == -6 / 64.0f && w->samples[2] == 55 / 64.0f);
    size_t dropped = 0, nan = 0;
    for (int r = 0; r < WFM_DROP_REASONS; r++) dropped += w->dropped[r];
    for (size_t i = 0; i < w->n * 3; i++) nan += isnan(w->samples[i]);
    CHECK(dropped == 0 && nan == 0);
    /* about 1 g at rest */
    double mag = 0;
    for (size_t i = 0; i < w->n; i++) {
        const float *s = &w->samples[i * 3];
        mag += sqrt((double)s[0] * s[0] + (double)s[1] * s[1] + (double)s[2] * s[2]) / (double)w->n;
    }
    CHECK_MSG(mag > 0.9 && mag < 1.1, "mean |a| = %.3f g", mag);
    /* then resampled to 25 Hz (tests/test_resample.c compares that case with the reference) */
    size_t n_out;
    CHECK(wfm_resample_length(w->n, 3, w->rate, 25, &n_out, NULL) == WFM_OK && n_out == 250);
    float *y = malloc(n_out * 3 * sizeof *y);
    CHECK(wfm_resample(w->samples, w->n, 3, w->rate, 25, y, n_out, NULL) == WFM_OK);
    CHECK(fabs(y[0] - w->samples[0]) < 0.05 && !isnan(y[3 * 249]));
    free(y);
    wfm_waveform_free(w);
}

TEST(wesad_ppg_and_heart_rate_kept_as_recorded) {
    wfm_waveform *w = read_opts((const char *)wesad_BVP_csv, sizeof wesad_BVP_csv, E4);
    if (w) {
        CHECK(w->channels == 1 && w->n == 640 && w->rate == 64 && w->start == 1495437325.0 && !strcmp(w->unit, ""));
        CHECK(w->samples[0] == 0 && w->samples[297] == 26.26f); /* line 300 of BVP.csv */
        wfm_waveform_free(w);
    }
    w = read_opts((const char *)wesad_HR_csv, sizeof wesad_HR_csv, E4);
    if (w) {
        CHECK(w->channels == 1 && w->n == 20 && w->rate == 1 && w->start == 1495437335.0);
        CHECK(w->samples[0] == 101.0f && w->samples[1] == 106.5f);
        wfm_waveform_free(w);
    }
    /* EDA/TEMP: the same shape at 4 Hz; a comma-decimal locale changes nothing */
    const char *loc = wfm_t_comma_locale();
    w = read_e4("1495437325.000000\n4.000000\n0.000000\n0.328021\n\n\n");
    if (w) CHECK(w->n == 2 && w->rate == 4 && w->samples[1] == 0.328021f);
    wfm_waveform_free(w);
    if (loc) setlocale(LC_NUMERIC, "C");
}

TEST(e4_values_units_and_plausibility) {
    /* CRLF, a BOM, a missing cell, 1200/64 = 18.75 g, inf, and -1100/64 g */
    wfm_waveform *w = read_e4("\xEF\xBB\xBF" "10, 10, 10\r\n32, 32, 32\r\n64,,-64\r\n1200,0,0\r\ninf,-1100,1\r\n");
    if (!w) return;
    CHECK(w->n == 3 && w->samples[0] == 1 && isnan(w->samples[1]) && w->samples[2] == -1);
    CHECK(isnan(w->samples[3]) && isnan(w->samples[6]) && isnan(w->samples[7]) && w->samples[8] == 1 / 64.0f);
    CHECK(w->dropped[WFM_DROP_ABOVE] == 1 && w->dropped[WFM_DROP_BELOW] == 1 && w->dropped[WFM_DROP_NOT_FINITE] == 1);
    wfm_waveform_free(w);
    /* a PPG has no range, but must fit a float */
    w = read_e4("0\n64\n1e30\n1e39\n-5\n");
    if (w) CHECK(w->samples[0] == 1e30f && isnan(w->samples[1]) && w->dropped[WFM_DROP_NOT_FINITE] == 1);
    wfm_waveform_free(w);
}

static const char *digits100(char *buf, const char *head, const char *tail) {
    strcpy(buf, head);
    for (int i = 0; i < 100; i++) strcat(buf, "7");
    return strcat(buf, tail);
}

TEST(e4_bad_input_fails_clearly) {
    wfm_waveform_options o = E4;
    CHECK(fails("", 0, o, WFM_ERR_NO_DATA, "empty"));
    CHECK(fails("\xEF\xBB\xBF", 3, o, WFM_ERR_NO_DATA, "empty"));
    const char *header_only = "1495437325, 1495437325, 1495437325\n32, 32, 32\n\n";
    CHECK(fails("1495437325\n32\n", 14, o, WFM_ERR_NO_DATA, "no samples"));
    CHECK(fails(header_only, strlen(header_only), o, WFM_ERR_NO_DATA, "no samples"));
    CHECK(E4_FAILS("1495437325\n", "line 2: expected the rate"));
    CHECK(E4_FAILS("1495437325, 1495437325, 1495437325\n32, 32, 32\n1,2,3\n1,2\n", "line 4: 2 fields"));
    CHECK(E4_FAILS("1495437325, 1495437325, 1495437325\n32, 32, 32\n1,2,3\n1,2,3,4\n", "line 4: 4 fields"));
    CHECK(E4_FAILS("1495437325, 1495437325\n32, 32\n1,2\n", "IBI.csv"));
    CHECK(E4_FAILS("1,2,3,4\n32,32,32,32\n1,2,3,4\n", "4 columns"));
    CHECK(E4_FAILS("1495437325, 1495437325, 1495437325\n32, 32\n1,2,3\n", "line 2: 2 columns"));
    CHECK(E4_FAILS("1495437325, 1495437326, 1495437325\n32, 32, 32\n1,2,3\n", "disagree on the start"));
    CHECK(E4_FAILS("1495437325, 1495437325, 1495437325\n32, 64, 32\n1,2,3\n", "disagree on the rate"));
    CHECK(E4_FAILS("1495437325\n0\n1\n", "rate (Hz) 0 is outside"));
    CHECK(E4_FAILS("1495437325\n1e300\n1\n", "rate (Hz) 1e300 is outside"));
    CHECK(E4_FAILS("1495437325\n-32\n1\n", "is outside"));
    CHECK(E4_FAILS("1495437325\nnan\n1\n", "is outside"));
    CHECK(E4_FAILS("-5\n32\n1\n", "start time (unix s) -5 is outside"));
    CHECK(E4_FAILS("1495437325\nIBI\n1\n", "line 2, column 1: not a number: 'IBI'"));
    CHECK(E4_FAILS("1495437325\n32\n1\n\n2\n", "line 4: a blank line among the samples"));
    CHECK(E4_FAILS("1495437325\n32\n1\nabc\n", "line 4, column 1: not a number: 'abc'"));
    char buf[256];
    CHECK(E4_FAILS(digits100(buf, "1495437325\n32\n1\n", "\n"), "line 4, column 1: a 100-character cell"));
    CHECK(E4_FAILS(digits100(buf, "1495437325\n", "\n1\n"), "line 2, column 1: a 100-character cell"));
    CHECK(fails("1495437325\n32\n1\n\0" "2\n", 18, o, WFM_ERR_INVALID_ARG, "NUL byte at line 4"));
    CHECK(E4_FAILS("1495437325\r32\r1\r2\r", "CR-only"));
    CHECK(fails("\xFF\xFE" "1\0" "\n\0", 6, o, WFM_ERR_INVALID_ARG, "UTF-16"));
    /* a 2 GB claim of length: refused before a byte is read */
    CHECK(fails("1\n1\n1\n", (size_t)3 << 30, o, WFM_ERR_INVALID_ARG, "byte limit"));
    wfm_waveform *w = NULL;
    o.format = (wfm_waveform_format)7;
    CHECK(fails("1\n1\n1\n", 6, o, WFM_ERR_INVALID_ARG, "format 7"));
    CHECK(wfm_waveform_read_buffer(NULL, 5, &E4, &w, NULL) == WFM_ERR_INVALID_ARG && !w);
    CHECK(wfm_waveform_read_buffer("1", 1, NULL, &w, NULL) == WFM_ERR_INVALID_ARG);
}

TEST(csv_grid_units_and_time_rules) {
    /* unix seconds, m/s^2 -> g, declared rate 10 Hz */
    wfm_waveform *w = read_csv("timestamp,x,y,z\n1700000000.0,9.80665,0,-19.6133\n1700000000.1,0,,0\n"
                               "1700000000.2,200,0,0\n", "m/s2", 10);
    if (w) {
        CHECK(w->n == 3 && w->channels == 3 && w->rate == 10 && w->start == 1700000000.0 && !strcmp(w->unit, "g"));
        CHECK(w->samples[0] == 1.0f && w->samples[2] == -2.0f && isnan(w->samples[4]));
        CHECK(isnan(w->samples[6]) && w->dropped[WFM_DROP_ABOVE] == 1); /* 200 m/s^2 = 20.4 g */
        wfm_waveform_free(w);
    }
    /* milliseconds (>= 1e11), in g, with a gap: 1.4 periods is bridged, 3 are not */
    w = read_csv("timestamp,x\n1700000000000,0.1\n1700000000020,0.2\n1700000000048,0.3\n1700000000108,0.4\n",
                 "g", 50);
    if (w) {
        CHECK(w->start == 1700000000.0 && w->n == 6);
        /* slots at 0, 20, 40, 60, 80, 100 ms: 40 lies between 20 and 48 (28 ms apart) -> the nearer, 48;
         * 60 and 80 lie in a 60 ms gap: 60 is 12 ms from 48 (> 10), 80 is 28 from 108 -> missing;
         * 100 is 8 ms from 108 -> kept */
        float want[6] = {0.1f, 0.2f, 0.3f, NAN, NAN, 0.4f};
        for (int i = 0; i < 6; i++) CHECK_MSG(isnan(want[i]) ? isnan(w->samples[i]) : w->samples[i] == want[i],
                                              "slot %d: %g", i, w->samples[i]);
        wfm_waveform_free(w);
    }
    /* ISO-8601 with a zone; the rate estimated from jittered ms timestamps (32 Hz: 31 or 32 ms) */
    char text[4096] = "timestamp,x,y,z\n";
    for (int i = 0; i < 64; i++) {
        int ms = (int)(i * 1000.0 / 32 + 0.5);
        sprintf(text + strlen(text), "2024-03-10T08:00:%02d.%03d+01:00,0,0,1\n", ms / 1000, ms % 1000);
    }
    w = read_csv(text, "g", 0);
    if (w) {
        CHECK_MSG(fabs(w->rate - 32) < 0.1, "estimated %g Hz", w->rate);
        CHECK(w->start == 1710054000.0 && w->n == 64); /* 07:00 UTC */
        size_t nan = 0;
        for (size_t i = 0; i < w->n * 3; i++) nan += isnan(w->samples[i]);
        CHECK(nan == 0);
        wfm_waveform_free(w);
    }
    w = read_csv("TimeStamp, x\n100,1\n", "g", 25);
    if (w) CHECK(w->n == 1 && w->start == 100 && w->samples[0] == 1);
    wfm_waveform_free(w);
}

TEST(csv_bad_input_fails_clearly) {
    wfm_waveform_options o = {WFM_WAVEFORM_CSV, "g", 25, 0};
    CHECK(fails("", 0, o, WFM_ERR_NO_DATA, "empty"));
    CHECK(fails("timestamp,x,y,z\n", 16, o, WFM_ERR_NO_DATA, "header but no rows"));
    CHECK(CSV_FAILS("1,2,3,4\n", "g", 25, "header must be timestamp"));
    CHECK(CSV_FAILS("timestamp\n1\n", "g", 25, "header must be timestamp"));
    CHECK(CSV_FAILS("timestamp,x,,z\n1,2,3,4\n", "g", 25, "column 3 has no name"));
    CHECK(CSV_FAILS("timestamp,x,y,z\n1,0,0,1\n2,0,0\n", "g", 25, "line 3: 3 fields, the header has 4"));
    CHECK(CSV_FAILS("timestamp,x,y,z\n1,0,0,1\n2,0,0,1,5\n", "g", 25, "line 3: 5 fields, the header has 4"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n1,0\n", "g", 25, "line 3: timestamp '1' is not after"));
    CHECK(CSV_FAILS("timestamp,x\n2,0\n1,0\n", "g", 25, "not after the previous row's"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\nyesterday,0\n", "g", 25, "line 3: bad timestamp 'yesterday'"));
    CHECK(CSV_FAILS("timestamp,x\n2024-03-10T08:00:00,0\n", "g", 25, "has no zone"));
    CHECK(CSV_FAILS("timestamp,x\n2024-03-10T08:00:00Z,0\n1710057601,0\n", "g", 25, "numeric timestamp after ISO"));
    CHECK(CSV_FAILS("timestamp,x\n-1,0\n", "g", 25, "outside 1970-2286"));
    CHECK(CSV_FAILS("timestamp,x\n1,zero\n", "g", 25, "line 2, column 2: not a number: 'zero'"));
    char buf[256];
    CHECK(CSV_FAILS(digits100(buf, "timestamp,x\n1,", "\n"), "g", 25, "line 2, column 2: a 100-character cell"));
    CHECK(CSV_FAILS(digits100(buf, "timestamp,x\n", ",1\n"), "g", 25, "line 2: bad timestamp"));
    CHECK(fails("timestamp,x\n1,\0\n", 16, o, WFM_ERR_INVALID_ARG, "NUL byte at line 2, column 3 (field 2)"));
    CHECK(CSV_FAILS("timestamp,x\r1,0\r2,0\r", "g", 25, "CR-only"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "g", 1e300, "rate 1e+300 Hz is outside"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "g", -5, "rate -5 Hz is outside"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "g", NAN, "is outside"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "g", 0, "one sample: the rate cannot be estimated"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n2000,0\n", "g", 0, "a rate of 0.00050025 Hz, outside"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "furlongs", 25, "unit 'furlongs' is not one of g, m/s2"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", NULL, 25, "unit '(none)'"));
    CHECK(CSV_FAILS("timestamp,x\n1,0\n", "", 25, "unit ''"));
    /* a 2 GB claim: two rows whose timestamps span 3 years at 100 Hz */
    CHECK(CSV_FAILS("timestamp,x,y,z\n1600000000,0,0,1\n1700000000,0,0,1\n", "g", 100, "more than the limit"));
    /* the caller's own limit (a page with little memory): 21 slots x 1 axis > 20 */
    wfm_waveform_options small = {WFM_WAVEFORM_CSV, "g", 10, 20};
    CHECK(fails("timestamp,x\n0,0\n2,0\n", 20, small, WFM_ERR_INVALID_ARG, "more than the limit of 20 values"));
    small.max_values = 21;
    wfm_waveform *w = read_opts("timestamp,x\n0,0\n2,0\n", 20, small);
    if (w) CHECK(w->n == 21 && w->samples[0] == 0 && isnan(w->samples[10]) && w->samples[20] == 0);
    wfm_waveform_free(w);
    char many[512] = "timestamp";
    for (int c = 0; c < 17; c++) strcat(many, ",a");
    CHECK(CSV_FAILS(strcat(many, "\n"), "g", 25, "more than 16 axes"));
}

TEST(files) {
    const char *path = "test_waveform_io.tmp.csv";
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(wesad_ACC_csv, 1, sizeof wesad_ACC_csv, f) == sizeof wesad_ACC_csv);
    if (f) fclose(f);
    wfm_waveform *w = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_waveform_read_file(path, &E4, &w, &err) == WFM_OK && w && w->n == 320, "%s", err.message);
    wfm_waveform_free(w);
    wfm_waveform_options o = {WFM_WAVEFORM_CSV, "g", 25, 0};
    CHECK(wfm_waveform_read_file(path, &o, &w, &err) == WFM_ERR_INVALID_ARG && !w &&
          strstr(err.message, "test_waveform_io.tmp.csv: line 1: the header must be"));
    remove(path);
    CHECK(wfm_waveform_read_file("no/such/file.csv", &E4, &w, &err) == WFM_ERR_IO && strstr(err.message, "cannot open"));
    wfm_waveform_free(NULL);
}


/* The rows of a timestamp,x,y,z CSV text (ms times), parsed here as the page holds them. */
static size_t csv_rows(const char *text, size_t len, double *t_s, double *v) {
    const char *p = memchr(text, '\n', len) + 1, *end = text + len;
    size_t n = 0;
    for (char *q; p < end; n++) {
        t_s[n] = strtod(p, &q) / 1000;
        for (int c = 0; c < 3; c++) v[n * 3 + c] = strtod(q + 1, &q);
        p = q + 1;
    }
    return n;
}

static int same_waveform(const wfm_waveform *a, const wfm_waveform *b) {
    if (a->n != b->n || a->channels != b->channels || a->start != b->start || a->rate != b->rate || strcmp(a->unit, b->unit) ||
        memcmp(a->dropped, b->dropped, sizeof a->dropped))
        return 0;
    for (size_t i = 0; i < a->n * (size_t)a->channels; i++)
        if (!(a->samples[i] == b->samples[i] || (isnan(a->samples[i]) && isnan(b->samples[i])))) return 0;
    return 1;
}

TEST(samples_give_the_csv_readers_grid) {
    static double t[1300], v[1300 * 3];
    const size_t n = csv_rows((const char *)wisdm_walking_csv, sizeof wisdm_walking_csv, t, v);
    CHECK(n == 1200);
    for (double rate = 0; rate <= 25; rate += 25) { /* estimated, and declared at another rate */
        wfm_waveform *a = read_opts((const char *)wisdm_walking_csv, sizeof wisdm_walking_csv,
                                    (wfm_waveform_options){WFM_WAVEFORM_CSV, "m/s2", rate, 0});
        wfm_waveform *b = NULL;
        wfm_error err = {0};
        CHECK_MSG(wfm_waveform_from_samples(t, v, n, 3, "m/s2", rate, &b, &err) == WFM_OK, "%s", err.message);
        if (a && b) CHECK_MSG(same_waveform(a, b), "rate %g: n %zu vs %zu, rate %.17g vs %.17g", rate, a->n, b->n, a->rate, b->rate);
        if (b && rate == 0) /* unix seconds as doubles step by 0.2 us: 20 Hz within 1e-7 */
            CHECK_MSG(b->n == 1200 && fabs(b->rate - 20) < 1e-6 && b->start == 1546300800.0 && !strcmp(b->unit, "g"), "n %zu rate %.17g start %.17g", b->n, b->rate, b->start);
        wfm_waveform_free(a);
        wfm_waveform_free(b);
    }
    /* A gap, a missing value and implausible ones, in mg (Polar's unit). */
    const double ts[] = {10, 10.1, 10.2, 10.6, 10.7}, vs[] = {0, 0, 1000, 20000, 0, 0, NAN, 1, 2, 3, 4, 5, -1e300, 0, 0};
    wfm_waveform *w = NULL;
    CHECK(wfm_waveform_from_samples(ts, vs, 5, 3, "mg", 10, &w, NULL) == WFM_OK);
    if (w) {
        CHECK(w->n == 8 && w->start == 10 && !strcmp(w->unit, "g") && w->samples[2] == 1.0f && isnan(w->samples[3]));
        CHECK(isnan(w->samples[6]) && isnan(w->samples[9]) && isnan(w->samples[5 * 3]) && w->samples[6 * 3 + 1] == 0.004f);
        CHECK(w->dropped[WFM_DROP_ABOVE] == 1 && w->dropped[WFM_DROP_NOT_FINITE] == 1);
    }
    wfm_waveform_free(w);
    wfm_error err = {0};
    w = (wfm_waveform *)&err;
    const double back[] = {1, 2, 2};
    CHECK(wfm_waveform_from_samples(back, vs, 3, 3, "g", 0, &w, &err) == WFM_ERR_INVALID_ARG && !w &&
          strstr(err.message, "sample 2: time 2 s is not after"));
    CHECK(wfm_waveform_from_samples(ts, vs, 5, 3, "furlongs", 0, &w, &err) == WFM_ERR_INVALID_ARG &&
          strstr(err.message, "unit 'furlongs'"));
    CHECK(wfm_waveform_from_samples(ts, vs, 5, 3, "", 0, &w, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_waveform_from_samples(ts, vs, 0, 3, "g", 0, &w, &err) == WFM_ERR_NO_DATA);
    CHECK(wfm_waveform_from_samples(ts, vs, 1, 3, "g", 0, &w, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "one sample"));
    CHECK(wfm_waveform_from_samples(ts, vs, 5, 0, "g", 0, &w, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_waveform_from_samples(NULL, vs, 5, 3, "g", 0, &w, &err) == WFM_ERR_INVALID_ARG);
    const double neg[] = {-1, 0};
    CHECK(wfm_waveform_from_samples(neg, vs, 2, 3, "g", 0, &w, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "outside"));
    CHECK(!strcmp(wfm_waveform_unit_stored("m/s^2"), "g") && !strcmp(wfm_waveform_unit_stored("mg"), "g"));
    CHECK(!wfm_waveform_unit_stored("") && !wfm_waveform_unit_stored("kg") && !wfm_waveform_unit_stored(NULL));
}

int main(void) {
    RUN(wesad_accelerometer_in_g);
    RUN(wesad_ppg_and_heart_rate_kept_as_recorded);
    RUN(e4_values_units_and_plausibility);
    RUN(e4_bad_input_fails_clearly);
    RUN(csv_grid_units_and_time_rules);
    RUN(csv_bad_input_fails_clearly);
    RUN(files);
    RUN(samples_give_the_csv_readers_grid);
    return TEST_SUMMARY();
}
