/* The resampler (src/waveform/resample.c) against tools/waveform_ref.py: the rate
 * ratio exactly, the filter taps and numpy.kaiser to 1e-12, and resampled
 * signals to 1e-6 absolute on unit-scale signals (the C core computes in
 * double and rounds to float, so the error is float rounding: ~6e-8).
 * The cases are tests/waveform/resample_cases.h, written by
 * tests/waveform/make_resample_cases.py. Bad arguments fail clearly. */
#include "wearfm.h"
#include "waveform/resample.h"
#include "testing.h"
#include "waveform/resample_cases.h"
#include <stdint.h>

#define N_OF(a) (sizeof(a) / sizeof *(a))
#define SIGNAL_TOL 1e-6

TEST(ratio_equals_python_fraction_limit_denominator) {
    int bad = 0;
    for (size_t i = 0; i < N_OF(ratio_cases); i++) {
        const ratio_case *r = &ratio_cases[i];
        int up = -1, down = -1;
        wfm_error err = {0};
        wfm_status st = wfm_resample_ratio(r->rate_in, r->rate_out, &up, &down, &err);
        if (r->up == 0) {
            if (st != WFM_ERR_INVALID_ARG || !strstr(err.message, "ratio")) bad++;
        } else if (st != WFM_OK || up != r->up || down != r->down) {
            bad++;
            fprintf(stderr, "  %.17g -> %.17g: %d/%d, python %d/%d (%s)\n", r->rate_in, r->rate_out, up, down, r->up,
                    r->down, err.message);
        }
    }
    CHECK_MSG(bad == 0, "%d of %zu ratios differ", bad, N_OF(ratio_cases));
    int up, down;
    CHECK(wfm_resample_ratio(32, 25, &up, &down, NULL) == WFM_OK && up == 25 && down == 32);
    CHECK(wfm_resample_ratio(64, 31.25, &up, &down, NULL) == WFM_OK && up == 125 && down == 256);
}

TEST(taps_equal_numpy) {
    double mi = 0, md = 0;
    for (size_t i = 0; i < N_OF(i0_x); i++) mi = fmax(mi, fabs(wfm_bessel_i0(i0_x[i]) - i0_ref[i]) / i0_ref[i]);
    CHECK_MSG(mi <= 1e-14, "I0 relative error %.3g", mi);
    /* numpy.kaiser(41, 5) is the window of the (1, 2) filter: the window
     * formula through wfm_bessel_i0 */
    for (int i = 0; i < 41; i++) {
        double r = (i - 20) / 20.0;
        md = fmax(md, fabs(wfm_bessel_i0(5.0 * sqrt(1 - r * r)) / wfm_bessel_i0(5.0) - kaiser_41[i]));
    }
    CHECK_MSG(md <= 1e-12, "kaiser window error %.3g", md);
    double worst = 0;
    for (size_t c = 0; c < N_OF(taps_cases); c++) {
        const taps_case *t = &taps_cases[c];
        CHECK(wfm_resample_taps_count(t->up, t->down) == t->n);
        double *h = malloc(t->n * sizeof *h);
        wfm_resample_taps(t->up, t->down, h);
        for (size_t i = 0; i < t->n; i++) worst = fmax(worst, fabs(h[i] - t->h[i]));
        free(h);
    }
    CHECK_MSG(worst <= 1e-12, "taps error %.3g", worst);
    printf("  I0 rel. error %.2g, kaiser %.2g, taps max abs. error %.2g\n", mi, md, worst);
}

TEST(signals_equal_the_reference) {
    double worst = 0;
    for (size_t k = 0; k < N_OF(resample_cases); k++) {
        const resample_case *c = &resample_cases[k];
        size_t n_out = 0;
        wfm_error err = {0};
        CHECK_MSG(wfm_resample_length(c->n, c->channels, c->rate_in, c->rate_out, &n_out, &err) == WFM_OK &&
                      n_out == c->n_out, "%s: length %zu, reference %zu (%s)", c->name, n_out, c->n_out, err.message);
        if (n_out != c->n_out) continue;
        float *y = malloc((n_out ? n_out : 1) * (size_t)c->channels * sizeof *y);
        wfm_status st = wfm_resample(c->x, c->n, c->channels, c->rate_in, c->rate_out, y, n_out, &err);
        CHECK_MSG(st == WFM_OK, "%s: %s", c->name, err.message);
        double md = 0;
        size_t nan_bad = 0, n_val = 0;
        for (size_t i = 0; st == WFM_OK && i < n_out * (size_t)c->channels; i++) {
            if (isnan(c->y[i]) || isnan(y[i])) { nan_bad += isnan(c->y[i]) != isnan(y[i]); continue; }
            md = fmax(md, fabs(y[i] - c->y[i]));
            n_val++;
        }
        CHECK_MSG(nan_bad == 0, "%s: %zu outputs missing in one and not the other", c->name, nan_bad);
        CHECK_MSG(md <= SIGNAL_TOL, "%s: max error %.3g", c->name, md);
        printf("  %-36s %4zu -> %4zu samples x %d, %4zu values, max abs. error %.2g\n", c->name, c->n, n_out,
               c->channels, n_val, md);
        worst = fmax(worst, md);
        free(y);
    }
    printf("  worst %.3g (tolerance %g)\n", worst, SIGNAL_TOL);
}

TEST(same_rate_keeps_the_signal) {
    /* up = down = 1: the filter is a sinc at Nyquist sampled at integers, 1 at 0 */
    float x[5] = {1, NAN, 2, 3, 4}, y[5];
    CHECK(wfm_resample(x, 5, 1, 50, 50, y, 5, NULL) == WFM_OK);
    for (int i = 0; i < 5; i++) CHECK(isnan(x[i]) ? isnan(y[i]) : fabs(y[i] - x[i]) < 1e-6);
}

static int fails_with(wfm_status st, const wfm_error *err, const char *word) {
    if (st != WFM_ERR_INVALID_ARG || err->status != st || !strstr(err->message, word)) {
        fprintf(stderr, "  status %d, message '%s', wanted '%s'\n", st, err->message, word);
        return 0;
    }
    return 1;
}

TEST(bad_arguments_fail_clearly) {
    wfm_error err;
    int up, down;
    size_t n_out;
    const double bad_rates[] = {0, -1, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < N_OF(bad_rates); i++) {
        CHECK(fails_with(wfm_resample_ratio(bad_rates[i], 25, &up, &down, &err), &err, "input rate"));
        CHECK(fails_with(wfm_resample_ratio(25, bad_rates[i], &up, &down, &err), &err, "output rate"));
    }
    /* a ratio whose fraction needs a numerator or denominator above 1000 */
    CHECK(fails_with(wfm_resample_ratio(1, 1500, &up, &down, &err), &err, "not a fraction up/down"));
    CHECK(fails_with(wfm_resample_ratio(1e4, 1, &up, &down, &err), &err, "not a fraction up/down"));
    CHECK(fails_with(wfm_resample_ratio(1e-300, 1e300, &up, &down, &err), &err, "not a fraction up/down"));
    CHECK(fails_with(wfm_resample_ratio(1e300, 1e-300, &up, &down, &err), &err, "not a fraction up/down"));
    CHECK(fails_with(wfm_resample_ratio(1, 1001, &up, &down, &err), &err, "not a fraction up/down"));
    CHECK(wfm_resample_ratio(1, 1000, &up, &down, &err) == WFM_OK && up == 1000 && down == 1);
    /* sizes */
    CHECK(fails_with(wfm_resample_length(10, 0, 32, 25, &n_out, &err), &err, "at least 1"));
    CHECK(fails_with(wfm_resample_length(10, -3, 32, 25, &n_out, &err), &err, "at least 1"));
    /* n up overflows 64 bits where size_t has 64; with 32 bits the outputs do not fit */
    const char *huge = SIZE_MAX > 0xFFFFFFFFu ? "too many" : "do not fit";
    CHECK(fails_with(wfm_resample_length(SIZE_MAX, 1, 25, 32, &n_out, &err), &err, huge));
    CHECK(fails_with(wfm_resample_length(SIZE_MAX / 8, 3, 25, 200, &n_out, &err), &err, huge));
    CHECK(fails_with(wfm_resample_length(SIZE_MAX / 16, 16, 25, 25, &n_out, &err), &err, "do not fit"));
    CHECK(wfm_resample_length(0, 1, 25, 32, &n_out, &err) == WFM_OK && n_out == 0);
    CHECK(wfm_resample_length(3, 1, 25, 32, &n_out, &err) == WFM_OK && n_out == 4);
    float x[4] = {0, 1, INFINITY, 2}, y[8];
    CHECK(fails_with(wfm_resample(x, 4, 1, 32, 64, y, 7, &err), &err, "give 8 outputs"));
    CHECK(fails_with(wfm_resample(x, 4, 1, 32, 64, y, 8, &err), &err, "infinite"));
    CHECK(fails_with(wfm_resample(NULL, 4, 1, 32, 64, y, 8, &err), &err, "NULL"));
    CHECK(wfm_resample(NULL, 0, 1, 32, 64, NULL, 0, &err) == WFM_OK);
    CHECK(fails_with(wfm_resample_ratio(1, 2, NULL, &down, &err), &err, "NULL"));
    CHECK(wfm_resample_ratio(0, 1, &up, &down, NULL) == WFM_ERR_INVALID_ARG); /* no error struct: fine */
}

int main(void) {
    RUN(ratio_equals_python_fraction_limit_denominator);
    RUN(taps_equal_numpy);
    RUN(signals_equal_the_reference);
    RUN(same_rate_keeps_the_signal);
    RUN(bad_arguments_fail_clearly);
    return TEST_SUMMARY();
}
