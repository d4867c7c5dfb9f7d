/* A person's typical day (src/model/profile.c, anchor_profile): which minutes of
 * the history count for a window, the circular smoothing, channels the
 * history lacks, minutes before 1970, and the errors. The model is the v2p
 * fixture (120-minute windows, heart_rate / steps / sleep, profile_smooth 7). */
#include "wearfm.h"
#include "testing.h"
#include "fixtures_data.h"
#include <math.h>
#include <stdlib.h>

#define T 120
#define C 3
#define DAY 1440

static wfm_model *profile_model(void) {
    wfm_model *m = NULL;
    CHECK(wfm_model_load_buffer(wfm_fx_v2p_safetensors, sizeof wfm_fx_v2p_safetensors, NULL, &m, NULL) == WFM_OK);
    return m;
}

/* A history of heart rate only: n minutes from start, value v(i) (NaN = missing). */
static wfm_minutes *hr_history(int64_t start, size_t n, float (*v)(size_t)) {
    static const char *names[] = {"heart_rate"};
    float *vals = malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) vals[i] = v(i);
    wfm_minutes *t = NULL;
    CHECK(wfm_minutes_from_values(start, n, 1, names, vals, &t, NULL) == WFM_OK);
    free(vals);
    return t;
}

static float two_days(size_t i) { return i < DAY ? 60.0f : 80.0f; }
static float one_late_minute(size_t i) { return i == DAY - 2 ? 90.0f : NAN; } /* 23:58 */
static float fifty(size_t i) { (void)i; return 50.0f; }

TEST(a_window_leaves_out_its_own_minutes) {
    wfm_model *m = profile_model();
    wfm_minutes *h = hr_history(20000 * (int64_t)DAY, 2 * DAY, two_days);
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
    float out[T * C];
    const int64_t d0 = 20000 * (int64_t)DAY;
    CHECK(wfm_profile_window(p, d0 + 600, out) == 1); /* day 0, 10:00-12:00: there only day 1 is left */
    CHECK_NEAR(out[60 * C], 80.0, 1e-5);
    /* at 10:00 the +-7 min also reach day 0's 09:53-09:59, outside the window */
    CHECK_NEAR(out[0], (7 * 60.0 + 15 * 80.0) / 22, 1e-4);
    CHECK(isnan(out[1]) && isnan(out[2])); /* steps and sleep: not in the history */
    CHECK(wfm_profile_window(p, d0 + DAY + 600, out) == 1); /* day 1: day 0 */
    CHECK_NEAR(out[50 * C], 60.0, 1e-5);
    CHECK(wfm_profile_window(p, d0 + 2 * DAY, out) == 1); /* a day after the history: both */
    CHECK_NEAR(out[7 * C], 70.0, 1e-5);
    wfm_profile_free(p);
    wfm_minutes_free(h);
    wfm_model_free(m);
}

TEST(smoothing_wraps_around_midnight) {
    wfm_model *m = profile_model();
    const int64_t d0 = 20000 * (int64_t)DAY;
    wfm_minutes *h = hr_history(d0, DAY, one_late_minute);
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
    float out[T * C];
    CHECK(wfm_profile_window(p, d0 + DAY, out) == 1); /* the next day from 00:00 */
    for (int t = 0; t <= 5; t++) CHECK_NEAR(out[t * C], 90.0, 1e-5); /* 23:58 is within +-7 min */
    for (int t = 6; t < T; t++) CHECK(isnan(out[t * C]));
    /* the window that holds 23:58 itself has nothing left */
    CHECK(wfm_profile_window(p, d0 + DAY - T, out) == 0);
    for (int i = 0; i < T * C; i++) CHECK(isnan(out[i]));
    wfm_profile_free(p);
    wfm_minutes_free(h);
    wfm_model_free(m);
}

TEST(minutes_before_1970_have_a_time_of_day) {
    wfm_model *m = profile_model();
    wfm_minutes *h = hr_history(-3 * (int64_t)DAY + 30, DAY, fifty); /* from 1969-12-29T00:30 */
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
    float out[T * C];
    CHECK(wfm_profile_window(p, -(int64_t)T, out) == 1); /* 1969-12-31T22:00 */
    CHECK_NEAR(out[0], 50.0, 1e-5);
    wfm_profile_free(p);
    wfm_minutes_free(h);
    wfm_model_free(m);
}

TEST(the_profile_changes_the_fill_of_a_missing_sensor) {
    /* Heart rate missing all window: its fill follows the typical day. */
    wfm_model *m = profile_model();
    float x[T * C], with[T * C], without[T * C], prof[T * C];
    for (int t = 0; t < T; t++) {
        x[t * C + 0] = NAN;
        x[t * C + 1] = (float)(t % 9);
        x[t * C + 2] = (float)((t / 30) % 2);
        for (int c = 0; c < C; c++) prof[t * C + c] = c == 0 ? 62.0f + (float)t / 10.0f : NAN;
    }
    wfm_outputs o = {0};
    o.imputed = with;
    CHECK(wfm_run_profile(m, x, prof, &o, NULL) == WFM_OK);
    o.imputed = without;
    CHECK(wfm_run_profile(m, x, NULL, &o, NULL) == WFM_OK);
    double diff = 0;
    for (int t = 0; t < T; t++) diff += fabs(with[t * C] - without[t * C]);
    CHECK_MSG(diff > 1e-3, "heart-rate fills differ by %g in all", diff);
    /* an infinite profile value is an error, as in the window itself */
    prof[3 * C] = INFINITY;
    wfm_error err = {0};
    CHECK(wfm_run_profile(m, x, prof, &o, &err) == WFM_ERR_INVALID_ARG && err.message[0]);
    wfm_model_free(m);
}

TEST(errors) {
    wfm_error err = {0};
    wfm_profile *p = (wfm_profile *)1;
    CHECK(wfm_profile_create(NULL, NULL, &p, &err) == WFM_ERR_INVALID_ARG && p == NULL);
    wfm_model *v2x = NULL;
    CHECK(wfm_model_load_buffer(wfm_fx_v2x_safetensors, sizeof wfm_fx_v2x_safetensors, NULL, &v2x, NULL) == WFM_OK);
    wfm_minutes *h = hr_history(0, DAY, fifty);
    CHECK(wfm_profile_create(v2x, h, &p, &err) == WFM_ERR_UNSUPPORTED && p == NULL);
    CHECK(strstr(err.message, "anchor_profile") != NULL);
    /* a model without anchor_profile ignores a profile it is given */
    float x[T * C], a[T * C], b[T * C], prof[T * C];
    for (int i = 0; i < T * C; i++) { x[i] = i % 4 ? NAN : 1.0f; prof[i] = 3.0f; }
    wfm_outputs o = {0};
    o.imputed = a;
    CHECK(wfm_run_profile(v2x, x, NULL, &o, NULL) == WFM_OK);
    o.imputed = b;
    CHECK(wfm_run_profile(v2x, x, prof, &o, NULL) == WFM_OK);
    CHECK(!memcmp(a, b, sizeof a));
    CHECK(wfm_profile_window(NULL, 0, prof) == 0);
    wfm_profile_free(NULL);
    wfm_minutes_free(h);
    wfm_model_free(v2x);
}

/* ---- personal_lambda (src/model/personal.c), the v2q fixture: v2p's
 * weights, personal_lambda 20, personal_windows 2 ---------------------------- */

static wfm_model *personal_model(void) {
    wfm_model *m = NULL;
    CHECK(wfm_model_load_buffer(wfm_fx_v2q_safetensors, sizeof wfm_fx_v2q_safetensors, NULL, &m, NULL) == WFM_OK);
    return m;
}

/* n minutes from start of every model channel: heart rate follows steps with
 * a level that changes by window, so a refit has something to find. */
static wfm_minutes *person_history_with(const wfm_model *m, int64_t start, size_t n, int empty_window,
                                        int perturbed_window) {
    const char *names[C];
    for (int c = 0; c < C; c++) {
        wfm_channel_info ch;
        CHECK(wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK);
        names[c] = ch.name;
    }
    float *vals = malloc(sizeof(float) * n * C);
    for (size_t i = 0; i < n; i++) {
        const float steps = (float)((i * 7) % 23), level = 58.0f + 3.0f * (float)(i / T);
        vals[i * C + 0] = i % 17 == 5 ? NAN : level + 0.4f * steps;
        vals[i * C + 1] = steps;
        vals[i * C + 2] = (float)((i / 40) % 2);
        const int w = (int)(i / T), in_middle = i % T >= 30 && i % T < 90;
        if (w == perturbed_window && in_middle) vals[i * C + 0] += 10.0f;
        if (w == empty_window)
            for (int c = 0; c < C; c++) vals[i * C + c] = NAN;
    }
    wfm_minutes *t = NULL;
    CHECK(wfm_minutes_from_values(start, n, C, names, vals, &t, NULL) == WFM_OK);
    free(vals);
    return t;
}

static wfm_minutes *person_history(const wfm_model *m, int64_t start, size_t n) {
    return person_history_with(m, start, n, -1, -1);
}

static size_t anchor_params(const wfm_model *m) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    return info.anchor_params;
}

/* The params for the window at `target` from a history of n_windows windows
 * (one of them empty, one with heart rate raised in its middle hour; -1: none). */
static int params_with(wfm_model *m, int64_t d0, int n_windows, int64_t target, int empty, int perturbed,
                       float *params) {
    wfm_minutes *h = person_history_with(m, d0, (size_t)n_windows * T, empty, perturbed);
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
    int r = wfm_profile_anchor(p, target, params);
    wfm_profile_free(p);
    wfm_minutes_free(h);
    return r;
}

static int params_from(wfm_model *m, int64_t d0, int n_windows, int64_t target, float *params) {
    return params_with(m, d0, n_windows, target, -1, -1, params);
}

TEST(personal_anchor_is_refitted_on_the_other_windows) {
    wfm_model *m = personal_model();
    const int64_t d0 = 20000 * (int64_t)DAY;
    const size_t n = anchor_params(m);
    CHECK(n == (size_t)C * C * 3 + C + (size_t)C * 3); /* anchor_rolling [5, 30]: F = 3 */
    float *params = malloc(sizeof(float) * n);
    CHECK(params_from(m, d0, 4, d0, params) == 2); /* heart rate and steps; the category keeps its row */
    for (size_t i = 0; i < n; i++) CHECK(isfinite(params[i]));
    /* the window with heart rate hidden for an hour: the refitted anchor fills it differently */
    wfm_minutes *h = person_history(m, d0, 4 * T);
    float x[T * C], with[T * C], without[T * C], prof[T * C];
    wfm_minutes_window(h, m, d0, x);
    for (int t = 30; t < 90; t++) x[t * C] = NAN;
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
    wfm_profile_window(p, d0, prof);
    wfm_outputs o = {0};
    o.imputed = with;
    CHECK(wfm_run_personal(m, x, prof, params, &o, NULL) == WFM_OK);
    o.imputed = without;
    CHECK(wfm_run_personal(m, x, prof, NULL, &o, NULL) == WFM_OK);
    double diff = 0;
    for (int t = 30; t < 90; t++) diff += fabs(with[t * C] - without[t * C]);
    CHECK_MSG(diff > 1e-3, "heart-rate fills differ by %g in all", diff);
    wfm_profile_free(p);
    wfm_minutes_free(h);
    free(params);
    wfm_model_free(m);
}

TEST(personal_anchor_takes_the_nearest_windows) {
    /* personal_windows 2. A window's middle hour reaches no other window's
     * profile (2-hour windows, 7-min smoothing), so changing it changes the
     * fit only if that window is in it. */
    wfm_model *m = personal_model();
    const int64_t d0 = 20000 * (int64_t)DAY;
    const size_t n = anchor_params(m);
    float *base = malloc(sizeof(float) * n), *alt = malloc(sizeof(float) * n);
    /* window 0 of 4: windows 1 and 2; not 3 */
    CHECK(params_with(m, d0, 4, d0, -1, -1, base) == 2);
    CHECK(params_with(m, d0, 4, d0, -1, 3, alt) == 2);
    CHECK(!memcmp(base, alt, sizeof(float) * n));
    CHECK(params_with(m, d0, 4, d0, -1, 2, alt) == 2);
    CHECK(memcmp(base, alt, sizeof(float) * n) != 0);
    /* window 2 of 5 with window 1 empty: window 3, then 0 and 4 tie and the earlier (0) is taken */
    CHECK(params_with(m, d0, 5, d0 + 2 * T, 1, -1, base) == 2);
    CHECK(params_with(m, d0, 5, d0 + 2 * T, 1, 4, alt) == 2);
    CHECK(!memcmp(base, alt, sizeof(float) * n));
    CHECK(params_with(m, d0, 5, d0 + 2 * T, 1, 0, alt) == 2);
    CHECK(memcmp(base, alt, sizeof(float) * n) != 0);
    free(base); free(alt);
    wfm_model_free(m);
}

/* The fit keeps the target-independent part of each history window in a
 * few slots (personal_windows + 2 = 4 here, of 9 windows): whatever the
 * order the targets come in, and so whatever the slots hold, each window's
 * anchor is the one a fresh profile gives it. */
TEST(personal_anchor_does_not_depend_on_the_order_of_targets) {
    wfm_model *m = personal_model();
    const int64_t d0 = 20000 * (int64_t)DAY;
    const int W = 9;
    const size_t n = anchor_params(m);
    float *fresh = malloc(sizeof(float) * n * W), *got = malloc(sizeof(float) * n);
    for (int w = 0; w < W; w++) CHECK(params_with(m, d0, W, d0 + w * T, 3, 5, fresh + (size_t)w * n) == 2);
    static const int orders[2][9] = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {8, 0, 4, 2, 7, 1, 8, 5, 3}};
    for (int k = 0; k < 2; k++) {
        wfm_minutes *h = person_history_with(m, d0, (size_t)W * T, 3, 5);
        wfm_profile *p = NULL;
        CHECK(wfm_profile_create(m, h, &p, NULL) == WFM_OK);
        for (int i = 0; i < W; i++) {
            const int w = orders[k][i];
            CHECK(wfm_profile_anchor(p, d0 + w * T, got) == 2);
            CHECK_MSG(!memcmp(got, fresh + (size_t)w * n, sizeof(float) * n), "order %d, window %d", k, w);
        }
        wfm_profile_free(p);
        wfm_minutes_free(h);
    }
    free(fresh); free(got);
    wfm_model_free(m);
}

TEST(personal_anchor_without_other_windows_is_the_models) {
    wfm_model *m = personal_model();
    const int64_t d0 = 20000 * (int64_t)DAY;
    const size_t n = anchor_params(m);
    float *params = malloc(sizeof(float) * n);
    CHECK(params_from(m, d0, 1, d0, params) == 0); /* the history is the window itself */
    wfm_minutes *h = person_history(m, d0, T);
    float x[T * C], a[T * C], b[T * C];
    wfm_minutes_window(h, m, d0, x);
    for (int t = 10; t < 50; t++) x[t * C] = NAN;
    wfm_outputs o = {0};
    o.imputed = a;
    CHECK(wfm_run_personal(m, x, NULL, params, &o, NULL) == WFM_OK);
    o.imputed = b;
    CHECK(wfm_run_profile(m, x, NULL, &o, NULL) == WFM_OK);
    CHECK(!memcmp(a, b, sizeof a));
    wfm_minutes_free(h);
    free(params);
    wfm_model_free(m);
}

TEST(personal_anchor_errors) {
    wfm_model *v2p = profile_model(), *v2q = personal_model(), *v2x = NULL;
    CHECK(wfm_model_load_buffer(wfm_fx_v2x_safetensors, sizeof wfm_fx_v2x_safetensors, NULL, &v2x, NULL) == WFM_OK);
    const size_t n = anchor_params(v2q);
    float *params = malloc(sizeof(float) * n);
    CHECK(wfm_profile_anchor(NULL, 0, params) == -1);
    wfm_minutes *h = person_history(v2p, 0, 2 * T);
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(v2p, h, &p, NULL) == WFM_OK);
    CHECK(wfm_profile_anchor(p, 0, params) == -1); /* no personal_lambda */
    wfm_profile_free(p);
    CHECK(params_from(v2q, 0, 2, 0, params) == 2);
    CHECK(wfm_profile_anchor(NULL, 0, NULL) == -1);
    float x[T * C], out[T * C];
    wfm_minutes_window(h, v2q, 0, x);
    wfm_outputs o = {0};
    o.imputed = out;
    wfm_error err = {0};
    CHECK(wfm_run_personal(v2x, x, NULL, params, &o, &err) == WFM_ERR_UNSUPPORTED && err.message[0]);
    params[7] = NAN;
    CHECK(wfm_run_personal(v2q, x, NULL, params, &o, &err) == WFM_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "not finite") != NULL);
    wfm_minutes_free(h);
    free(params);
    wfm_model_free(v2p); wfm_model_free(v2q); wfm_model_free(v2x);
}

int main(void) {
    RUN(a_window_leaves_out_its_own_minutes);
    RUN(smoothing_wraps_around_midnight);
    RUN(minutes_before_1970_have_a_time_of_day);
    RUN(the_profile_changes_the_fill_of_a_missing_sensor);
    RUN(errors);
    RUN(personal_anchor_is_refitted_on_the_other_windows);
    RUN(personal_anchor_takes_the_nearest_windows);
    RUN(personal_anchor_without_other_windows_is_the_models);
    RUN(personal_anchor_does_not_depend_on_the_order_of_targets);
    RUN(personal_anchor_errors);
    return TEST_SUMMARY();
}
