/* The minute aggregator (src/aggregator*.c): samples in, minutes out, by
 * each channel's rule; the data rules on every sample; gaps and RMSSD. The
 * cases of the page's former JavaScript aggregator, plus the plausibility
 * rules it lacked (issue 12, defect 5). */
#include "wearfm.h"
#include "testing.h"
#include <string.h>

static int64_t day0; /* 2024-03-10T00:00, minutes */

/* Local ms of h:m:s on day0 (h may run past 24). */
static double at(int h, int m, int s) { return ((double)day0 + h * 60 + m) * 60000.0 + s * 1000.0; }

static wfm_aggregator *fresh(void) {
    wfm_aggregator *a = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_aggregator_create(&a, &err) == WFM_OK, "%s", err.message);
    return a;
}

static int channel(wfm_aggregator *a, const char *name) {
    int id = -1;
    wfm_error err = {0};
    CHECK_MSG(wfm_aggregator_channel(a, name, &id, &err) == WFM_OK, "%s", err.message);
    return id;
}

static void add(wfm_aggregator *a, int ch, double t, double v, int seg) {
    wfm_error err = {0};
    CHECK_MSG(wfm_aggregator_add(a, ch, t, v, seg, &err) == WFM_OK, "%s", err.message);
}

static wfm_minutes *table(const wfm_aggregator *a, const wfm_aggregator_table_params *p) {
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_aggregator_table(a, p, &t, &err) == WFM_OK, "%s", err.message);
    return t;
}

/* The value at h:m of column c, for a table starting at day0. */
static float cell(const wfm_minutes *t, int h, int m, int c) {
    int64_t r = day0 + h * 60 + m - wfm_minutes_start(t);
    return wfm_minutes_values(t)[r * wfm_minutes_channels(t) + c];
}

static size_t observed(const wfm_minutes *t) {
    size_t n = 0, total = wfm_minutes_length(t) * (size_t)wfm_minutes_channels(t);
    for (size_t i = 0; i < total; i++) n += !isnan(wfm_minutes_values(t)[i]);
    return n;
}

TEST(samples_become_minute_means_and_empty_minutes_are_missing) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate");
    add(a, hr, at(8, 0, 5), 60, 0);
    add(a, hr, at(8, 0, 50), 70, 0);
    add(a, hr, at(8, 2, 0), 80, 0);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(wfm_minutes_start(t) == day0 && wfm_minutes_length(t) == 1440);
        CHECK(wfm_minutes_channels(t) == 1 && !strcmp(wfm_minutes_channel_name(t, 0), "heart_rate"));
        CHECK(cell(t, 8, 0, 0) == 65 && isnan(cell(t, 8, 1, 0)) && cell(t, 8, 2, 0) == 80);
        CHECK(observed(t) == 2);
    }
    CHECK(wfm_aggregator_count(a, hr, WFM_KEPT) == 3);
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(acceleration_becomes_movement_in_mg) {
    wfm_aggregator *a = fresh();
    wfm_error err = {0};
    const double rest[3] = {0, 0, 9.80665}, shake[3] = {0, 1.5, 0}, huge[3] = {0, 20000, 0}, bad[3] = {NAN, 0, 1000};
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 1), rest, "m/s2", 0, &err) == WFM_OK);  /* 1 g: 0 mg */
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 2), shake, "g", 0, &err) == WFM_OK);    /* 1.5 g: 500 mg */
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 3), huge, "mg", 0, &err) == WFM_OK);    /* 20 g: a fault */
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 4), bad, "mg", 0, &err) == WFM_OK);
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 5), rest, "1/64 g", 0, &err) == WFM_OK); /* 9.8/64 g: 847 mg */
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 6), rest, "furlongs", 0, &err) == WFM_ERR_INVALID_ARG &&
          strstr(err.message, "furlongs"));
    CHECK(wfm_aggregator_add_acceleration(a, at(8, 0, 6), rest, "", 0, &err) == WFM_ERR_INVALID_ARG);
    int mv = channel(a, "movement");
    CHECK(wfm_aggregator_count(a, mv, WFM_KEPT) == 3 && wfm_aggregator_count(a, mv, WFM_DROP_ABOVE) == 1 &&
          wfm_aggregator_count(a, mv, WFM_DROP_NOT_FINITE) == 1);
    wfm_minutes *t = table(a, NULL);
    if (t) CHECK_NEAR(cell(t, 8, 0, 0), (0 + 500 + (1 - 9.80665 / 64) * 1000) / 3, 1e-3);
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(late_and_out_of_order_samples_land_in_their_own_minute) {
    double s[][4] = {{9, 0, 10, 50}, {9, 1, 0, 70}, {9, 0, 40, 60}, {8, 59, 59, 40}, {9, 1, 30, 90}};
    wfm_aggregator *a = fresh(), *b = fresh();
    int ca = channel(a, "heart_rate"), cb = channel(b, "heart_rate");
    for (int i = 0; i < 5; i++) add(a, ca, at((int)s[i][0], (int)s[i][1], (int)s[i][2]), s[i][3], 0);
    for (int i = 4; i >= 0; i--) add(b, cb, at((int)s[i][0], (int)s[i][1], (int)s[i][2]), s[i][3], 0);
    wfm_minutes *ta = table(a, NULL), *tb = table(b, NULL);
    if (ta && tb) {
        CHECK(!memcmp(wfm_minutes_values(ta), wfm_minutes_values(tb), 1440 * sizeof(float)));
        CHECK(cell(ta, 9, 0, 0) == 55 && cell(ta, 9, 1, 0) == 80 && cell(ta, 8, 59, 0) == 40);
    }
    wfm_minutes_free(ta);
    wfm_minutes_free(tb);
    wfm_aggregator_free(a);
    wfm_aggregator_free(b);
}

TEST(per_channel_rules_sum_max_last) {
    wfm_aggregator *a = fresh();
    int st = channel(a, "steps"), in = channel(a, "intensity"), sl = channel(a, "sleep_state");
    add(a, st, at(7, 0, 1), 10, 0);
    add(a, st, at(7, 0, 30), 5, 0);
    add(a, in, at(7, 0, 1), 2, 0);
    add(a, in, at(7, 0, 2), 1, 0);
    add(a, sl, at(7, 0, 40), 1, 0);
    add(a, sl, at(7, 0, 10), 2, 0);   /* earlier in time, later in arrival: not the last */
    add(a, sl, at(7, 1, 0), 2, 0);
    add(a, sl, at(7, 1, 0), 0, 0);    /* the same time: the later arrival wins */
    const char *names[] = {"steps", "intensity", "sleep_state", "heart_rate"};
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    p.channels = names;
    p.n_channels = 4;
    wfm_minutes *t = table(a, &p);
    if (t) {
        CHECK(cell(t, 7, 0, 0) == 15 && cell(t, 7, 0, 1) == 2 && cell(t, 7, 0, 2) == 1);
        CHECK(cell(t, 7, 1, 2) == 0);
        CHECK(isnan(cell(t, 7, 0, 3))); /* a channel with no samples is all missing */
    }
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(rmssd_from_rr_sorted_within_the_minute) {
    wfm_aggregator *a = fresh();
    int rr = channel(a, "rr");
    double v[] = {800, 820, 790, 810}, t = at(10, 0, 10), times[4];
    for (int i = 0; i < 4; i++) times[i] = (t += v[i]);
    for (int i = 3; i >= 0; i--) add(a, rr, times[i], v[i], 1); /* arrival order does not matter */
    add(a, rr, at(10, 1, 0), 800, 1);
    add(a, rr, at(10, 1, 1), 100, 1); /* implausible: dropped */
    wfm_minutes *tab = table(a, NULL);
    if (tab) {
        CHECK(wfm_minutes_channels(tab) == 1 && !strcmp(wfm_minutes_channel_name(tab, 0), "hrv_rmssd"));
        CHECK_NEAR(cell(tab, 10, 0, 0), sqrt((20.0 * 20 + 30 * 30 + 20 * 20) / 3), 1e-4);
        CHECK(isnan(cell(tab, 10, 1, 0))); /* fewer than two differences */
    }
    CHECK(wfm_aggregator_count(a, rr, WFM_DROP_BELOW) == 1);
    wfm_minutes_free(tab);
    wfm_aggregator_free(a);
}

TEST(reconnect_gaps_are_never_differenced_across) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate"), rr = channel(a, "rr");
    add(a, hr, at(12, 0, 0), 70, 0);
    add(a, rr, at(12, 0, 1), 800, 1);
    add(a, rr, at(12, 0, 2), 810, 1);
    add(a, rr, at(12, 0, 3), 800, 1);
    CHECK(wfm_aggregator_open_gap(a, at(12, 0, 4), NULL) == WFM_OK);
    add(a, rr, at(12, 0, 5), 900, 1); /* a late packet from before the drop, stamped inside the gap */
    wfm_aggregator_close_gap(a, at(12, 3, 20));
    add(a, hr, at(12, 3, 30), 70, 0);
    add(a, rr, at(12, 3, 30), 1000, 2);
    add(a, rr, at(12, 3, 31), 1000, 2);
    add(a, rr, at(12, 3, 32), 1000, 2);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(!strcmp(wfm_minutes_channel_name(t, 0), "heart_rate") && !strcmp(wfm_minutes_channel_name(t, 1), "hrv_rmssd"));
        CHECK(isnan(cell(t, 12, 1, 0)) && isnan(cell(t, 12, 2, 0)));
        CHECK(cell(t, 12, 3, 1) == 0);
        CHECK(cell(t, 12, 0, 1) == 10); /* 800, 810, 800 (900 is inside the gap, not paired): sqrt(200 / 2) */
    }
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(segments_are_never_differenced_across) {
    wfm_aggregator *a = fresh();
    int rr = channel(a, "rr");
    add(a, rr, at(6, 0, 1), 800, 1);
    add(a, rr, at(6, 0, 2), 900, 2);
    add(a, rr, at(6, 0, 3), 800, 2);
    add(a, rr, at(6, 0, 4), 800, 2);
    add(a, rr, at(6, 0, 9), 800, 2); /* 5 s after the previous beat: not successive */
    wfm_minutes *t = table(a, NULL);
    if (t) CHECK(cell(t, 6, 0, 0) == (float)sqrt(100.0 * 100 / 2));
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(two_days_across_midnight_and_bad_samples_counted_not_stored) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate");
    add(a, hr, at(23, 59, 30), 50, 0);
    add(a, hr, at(24, 0, 30), 52, 0);
    add(a, hr, at(1, 0, 0), NAN, 0);
    add(a, hr, NAN, 60, 0);
    add(a, hr, 1e300, 60, 0);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(wfm_minutes_length(t) == 2880);
        CHECK(wfm_minutes_values(t)[1439] == 50 && wfm_minutes_values(t)[1440] == 52);
        CHECK(observed(t) == 2);
    }
    CHECK(wfm_aggregator_count(a, hr, WFM_DROP_NOT_FINITE) == 1);
    CHECK(wfm_aggregator_count(a, hr, WFM_DROP_BAD_TIME) == 2);
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

/* Issue 12, defect 5: 500, -20 and 1e30 bpm from a sensor are dropped by
 * the C rule and counted by reason, never shown. */
TEST(implausible_heart_rate_is_dropped_and_counted) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate");
    double bad[] = {500, -20, 1e30, 24.99, 250.01, 0, INFINITY};
    for (int i = 0; i < 7; i++) add(a, hr, at(9, 0, i), bad[i], 0);
    add(a, hr, at(9, 1, 0), 25, 0);
    add(a, hr, at(9, 1, 1), 250, 0);
    CHECK(wfm_aggregator_count(a, hr, WFM_KEPT) == 2);
    CHECK(wfm_aggregator_count(a, hr, WFM_DROP_ABOVE) == 3);
    CHECK(wfm_aggregator_count(a, hr, WFM_DROP_BELOW) == 3);
    CHECK(wfm_aggregator_count(a, hr, WFM_DROP_NOT_FINITE) == 1);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(isnan(cell(t, 9, 0, 0)));
        CHECK(cell(t, 9, 1, 0) == 137.5f);
        CHECK(observed(t) == 1);
    }
    wfm_minutes_free(t);
    /* Only implausible samples: no column, and no table to show. */
    wfm_aggregator *b = fresh();
    int h2 = channel(b, "heart_rate");
    add(b, h2, at(9, 0, 0), 500, 0);
    wfm_error err = {0};
    CHECK(wfm_aggregator_table(b, NULL, &t, &err) == WFM_ERR_NO_DATA && !t && err.message[0]);
    CHECK(wfm_aggregator_count(b, h2, WFM_DROP_ABOVE) == 1);
    wfm_aggregator_free(b);
    wfm_aggregator_free(a);
}

/* The minute's own rule: steps are whole and at most 300 per minute, also as a sum. */
TEST(a_minute_value_outside_its_range_is_missing_and_counted) {
    wfm_aggregator *a = fresh();
    int st = channel(a, "steps");
    add(a, st, at(7, 0, 0), 200, 0);
    add(a, st, at(7, 0, 30), 150, 0);   /* 350 in the minute */
    add(a, st, at(7, 1, 0), 2.5, 0);    /* not a whole step */
    add(a, st, at(7, 2, 0), 301, 0);
    add(a, st, at(7, 3, 0), 300, 0);
    CHECK(wfm_aggregator_count(a, st, WFM_DROP_NOT_WHOLE) == 1 && wfm_aggregator_count(a, st, WFM_DROP_ABOVE) == 1);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(isnan(cell(t, 7, 0, 0)) && isnan(cell(t, 7, 1, 0)) && isnan(cell(t, 7, 2, 0)) && cell(t, 7, 3, 0) == 300);
        CHECK(wfm_minutes_dropped(t, 0, WFM_DROP_ABOVE) == 1); /* the minute's sum */
    }
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(unknown_channels_are_averaged_after_known_ones) {
    wfm_aggregator *a = fresh();
    int x = channel(a, "skin_temp"), mv = channel(a, "movement"), hr = channel(a, "heart_rate");
    add(a, x, at(5, 0, 0), -3, 0);
    add(a, x, at(5, 0, 1), 1e30, 0);
    add(a, mv, at(5, 0, 0), 30, 0);
    add(a, mv, at(5, 0, 1), -1, 0); /* a magnitude is never negative */
    add(a, hr, at(5, 0, 0), 60, 0);
    wfm_minutes *t = table(a, NULL);
    if (t) {
        CHECK(wfm_minutes_channels(t) == 3);
        CHECK(!strcmp(wfm_minutes_channel_name(t, 0), "heart_rate") && !strcmp(wfm_minutes_channel_name(t, 1), "movement") &&
              !strcmp(wfm_minutes_channel_name(t, 2), "skin_temp"));
        CHECK(cell(t, 5, 0, 2) == 5e29f && cell(t, 5, 0, 1) == 30);
    }
    CHECK(wfm_aggregator_count(a, mv, WFM_DROP_BELOW) == 1);
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(an_explicit_span_and_column_order) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate"), st = channel(a, "steps");
    add(a, hr, at(8, 0, 0), 60, 0);
    add(a, st, at(8, 1, 0), 3, 0);
    add(a, hr, at(30, 0, 0), 61, 0); /* the next day, outside the span asked for */
    const char *names[] = {"steps", "heart_rate"};
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    p.start = day0 + 8 * 60;
    p.n_minutes = 2;
    p.channels = names;
    p.n_channels = 2;
    wfm_minutes *t = table(a, &p);
    if (t) {
        CHECK(wfm_minutes_start(t) == day0 + 480 && wfm_minutes_length(t) == 2);
        const float *v = wfm_minutes_values(t);
        CHECK(isnan(v[0]) && v[1] == 60 && v[2] == 3 && isnan(v[3]));
    }
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
}

TEST(bad_arguments_are_errors_never_crashes) {
    wfm_error err = {0};
    wfm_aggregator *a = NULL;
    int id = 7;
    CHECK(wfm_aggregator_create(NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_aggregator_channel(NULL, "heart_rate", &id, &err) == WFM_ERR_INVALID_ARG && id == -1);
    CHECK(wfm_aggregator_add(NULL, 0, 0, 0, 0, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_aggregator_open_gap(NULL, 0, &err) == WFM_ERR_INVALID_ARG);
    wfm_aggregator_close_gap(NULL, 0);
    wfm_aggregator_free(NULL);
    CHECK(wfm_aggregator_count(NULL, 0, WFM_KEPT) == 0 && wfm_aggregator_channels(NULL) == 0);
    wfm_minutes *t = (wfm_minutes *)&err;
    CHECK(wfm_aggregator_table(NULL, NULL, &t, &err) == WFM_ERR_INVALID_ARG && !t);
    CHECK(wfm_aggregator_create(&a, &err) == WFM_OK);
    CHECK(wfm_aggregator_table(a, NULL, &t, &err) == WFM_ERR_NO_DATA && !t);
    CHECK(wfm_aggregator_add(a, 0, 0, 60, 0, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "no channel 0"));
    CHECK(wfm_aggregator_channel(a, "", &id, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_aggregator_channel(a, "a,b", &id, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "comma"));
    CHECK(wfm_aggregator_channel(a, "a\nb", &id, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_aggregator_channel(a, "x2345678901234567890123456789012345678901234567890123456789012345", &id, &err) ==
          WFM_ERR_INVALID_ARG);
    CHECK(wfm_aggregator_open_gap(a, NAN, &err) == WFM_ERR_INVALID_ARG);
    int rr = channel(a, "rr");
    CHECK(wfm_aggregator_channel(a, "hrv_rmssd", &id, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "both"));
    CHECK(channel(a, "rr") == rr && wfm_aggregator_channels(a) == 1);
    CHECK(!strcmp(wfm_aggregator_channel_name(a, rr), "rr") && !wfm_aggregator_channel_name(a, 1));
    CHECK(wfm_aggregator_count(a, rr, WFM_DROP_REASONS) == 0 && wfm_aggregator_count(a, 5, WFM_KEPT) == 0);
    char name[16];
    for (int i = 1; i < 64; i++) {
        snprintf(name, sizeof name, "c%d", i);
        channel(a, name);
    }
    CHECK(wfm_aggregator_channel(a, "one_too_many", &id, &err) == WFM_ERR_INVALID_ARG);
    /* Table parameters. */
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    const char *twice[] = {"x", "x"}, *empty[] = {""};
    p.n_channels = 2;
    CHECK(wfm_aggregator_table(a, &p, &t, &err) == WFM_ERR_INVALID_ARG); /* no names */
    p.channels = twice;
    CHECK(wfm_aggregator_table(a, &p, &t, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "twice"));
    p.channels = empty;
    p.n_channels = 1;
    CHECK(wfm_aggregator_table(a, &p, &t, &err) == WFM_ERR_INVALID_ARG);
    p = wfm_aggregator_table_default_params();
    p.n_minutes = 1001 * 1440;
    CHECK(wfm_aggregator_table(a, &p, &t, &err) == WFM_ERR_INVALID_ARG);
    p.n_minutes = 10;
    p.start = INT64_MAX - 5;
    CHECK(wfm_aggregator_table(a, &p, &t, &err) == WFM_ERR_INVALID_ARG);
    wfm_aggregator_free(a);
}

TEST(the_default_span_has_a_limit) {
    wfm_aggregator *a = fresh();
    int hr = channel(a, "heart_rate");
    add(a, hr, at(0, 0, 0), 60, 0);
    add(a, hr, at(1001 * 24, 0, 0), 60, 0); /* a bogus time 1001 days later */
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK(wfm_aggregator_table(a, NULL, &t, &err) == WFM_ERR_INVALID_ARG && !t && strstr(err.message, "1000-day"));
    wfm_aggregator_free(a);
}

int main(void) {
    wfm_parse_minute("2024-03-10T00:00", 16, &day0);
    RUN(samples_become_minute_means_and_empty_minutes_are_missing);
    RUN(late_and_out_of_order_samples_land_in_their_own_minute);
    RUN(acceleration_becomes_movement_in_mg);
    RUN(per_channel_rules_sum_max_last);
    RUN(rmssd_from_rr_sorted_within_the_minute);
    RUN(reconnect_gaps_are_never_differenced_across);
    RUN(segments_are_never_differenced_across);
    RUN(two_days_across_midnight_and_bad_samples_counted_not_stored);
    RUN(implausible_heart_rate_is_dropped_and_counted);
    RUN(a_minute_value_outside_its_range_is_missing_and_counted);
    RUN(unknown_channels_are_averaged_after_known_ones);
    RUN(an_explicit_span_and_column_order);
    RUN(bad_arguments_are_errors_never_crashes);
    RUN(the_default_span_has_a_limit);
    return TEST_SUMMARY();
}
