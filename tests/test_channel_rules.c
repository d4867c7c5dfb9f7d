/* The data rules (src/data/channel_rules.c) and the paths that use them: every
 * way a value gets into the core (minute CSV, a caller's table, the
 * Fitabase importer, the sample aggregator) keeps and drops the same values
 * (issue 12, defect 5: 500, -20 and 1e30 bpm were shown when they came from
 * anything but a Fitabase file). */
#include "wearfm.h"
#include "testing.h"
#include <string.h>

TEST(the_rules_table_is_consistent) {
    int n = wfm_channel_rule_count();
    CHECK(n >= 6 && !wfm_channel_rule_at(-1) && !wfm_channel_rule_at(n));
    for (int i = 0; i < n; i++) {
        const wfm_channel_rule *r = wfm_channel_rule_at(i);
        CHECK_MSG(r->min <= r->max && isfinite(r->min) && r->unit && r->unit[0], "%s", r->name);
        CHECK_MSG(wfm_channel_rule_find(r->name) == r, "%s is found by name, once", r->name);
        const wfm_channel_rule *col = wfm_channel_rule_find(r->feeds);
        CHECK_MSG(col && !strcmp(col->feeds, r->feeds), "%s feeds a column that has its own rule", r->name);
    }
    CHECK(!wfm_channel_rule_find("no_such_channel") && !wfm_channel_rule_find(NULL));
    const wfm_channel_rule *hr = wfm_channel_rule_find("heart_rate");
    CHECK(hr && hr->min == 25 && hr->max == 250 && !hr->whole && hr->minute == WFM_MINUTE_MEAN);
    CHECK(!strcmp(wfm_channel_rule_find("rr")->feeds, "hrv_rmssd"));
    for (int w = 0; w < WFM_DROP_REASONS; w++) CHECK(wfm_drop_reason_name((wfm_drop_reason)w) != NULL);
    CHECK(wfm_drop_reason_name(WFM_DROP_REASONS) == NULL);
}

TEST(check_gives_the_reason) {
    const wfm_channel_rule *hr = wfm_channel_rule_find("heart_rate"), *st = wfm_channel_rule_find("steps");
    CHECK(wfm_channel_check(hr, 25) == WFM_KEPT && wfm_channel_check(hr, 250) == WFM_KEPT);
    CHECK(wfm_channel_check(hr, 500) == WFM_DROP_ABOVE && wfm_channel_check(hr, 1e30) == WFM_DROP_ABOVE);
    CHECK(wfm_channel_check(hr, -20) == WFM_DROP_BELOW && wfm_channel_check(hr, 24.999) == WFM_DROP_BELOW);
    CHECK(wfm_channel_check(hr, NAN) == WFM_DROP_NOT_FINITE && wfm_channel_check(hr, -INFINITY) == WFM_DROP_NOT_FINITE);
    CHECK(wfm_channel_check(st, 2.5) == WFM_DROP_NOT_WHOLE && wfm_channel_check(st, 300) == WFM_KEPT);
    CHECK(wfm_channel_check(NULL, -1e30) == WFM_KEPT && wfm_channel_check(NULL, INFINITY) == WFM_DROP_NOT_FINITE);
}

/* Values that probe each rule's edges, in the minute table's units. */
static const double probes[] = {500, -20, 1e30, 0, 1, 2, 2.5, 3, 4, 24.99, 25, 72.5, 250, 250.01, 300, 301, -1};
#define N_PROBES (sizeof probes / sizeof *probes)

/* The minute CSV: one row per probe, one column. */
static wfm_minutes *via_csv(const char *channel) {
    char csv[4096];
    int n = snprintf(csv, sizeof csv, "timestamp,%s\n", channel);
    for (size_t i = 0; i < N_PROBES; i++)
        n += snprintf(csv + n, sizeof csv - (size_t)n, "2016-05-05T00:%02zu,%.9g\n", i, probes[i]);
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_minutes_read_csv(csv, (size_t)n, &t, &err) == WFM_OK, "%s", err.message);
    return t;
}

static wfm_minutes *via_values(const char *channel) {
    float v[N_PROBES];
    for (size_t i = 0; i < N_PROBES; i++) v[i] = (float)probes[i];
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_minutes_from_values(0, N_PROBES, 1, &channel, v, &t, &err) == WFM_OK, "%s", err.message);
    return t;
}

static wfm_minutes *via_aggregator(const char *channel) {
    wfm_aggregator *a = NULL;
    wfm_aggregator_create(&a, NULL);
    int id;
    wfm_aggregator_channel(a, channel, &id, NULL);
    for (size_t i = 0; i < N_PROBES; i++) wfm_aggregator_add(a, id, (double)i * 60000.0 + 5000, probes[i], 0, NULL);
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    p.start = 0;
    p.n_minutes = N_PROBES;
    p.channels = &channel;
    p.n_channels = 1;
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_aggregator_table(a, &p, &t, &err) == WFM_OK, "%s", err.message);
    wfm_aggregator_free(a);
    return t;
}

/* A Fitabase export of the channel, one minute per probe (sleep as Fitbit's codes, 3 - value). */
static wfm_minutes *via_fitabase(int channel) {
    static const char *heads[] = {"Id,Time,Value", "Id,ActivityMinute,Steps", "Id,ActivityMinute,Intensity",
                                  "Id,date,value,logId"};
    char csv[4096];
    int n = snprintf(csv, sizeof csv, "%s\n", heads[channel]);
    for (size_t i = 0; i < N_PROBES; i++) {
        double v = channel == WFM_FITABASE_SLEEP_STATE ? 3 - probes[i] : probes[i];
        n += snprintf(csv + n, sizeof csv - (size_t)n, "7,5/5/2016 12:%02zu:00 AM,%.9g%s\n", i, v,
                      channel == WFM_FITABASE_SLEEP_STATE ? ",1" : "");
    }
    wfm_fitabase *fb = NULL;
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    wfm_fitabase_create(&fb, NULL);
    CHECK_MSG(wfm_fitabase_add(fb, csv, (size_t)n, NULL, &err) == WFM_OK, "%s", err.message);
    wfm_fitabase_options o = wfm_fitabase_default_options();
    o.nonwear_rule = WFM_NONWEAR_OFF;
    o.sleep_outside_logs = WFM_SLEEP_OUTSIDE_MISSING;
    CHECK_MSG(wfm_fitabase_user_minutes(fb, 7, &o, &t, NULL, &err) == WFM_OK, "%s", err.message);
    wfm_fitabase_free(fb);
    return t;
}

/* Column c of t from `start`, as kept (NaN) or not, and the drop counts. */
static void expect_like_the_rule(const char *path, const wfm_minutes *t, int c, int64_t start, const char *channel) {
    if (!t) return;
    const wfm_channel_rule *rule = wfm_channel_rule_find(channel);
    size_t want[WFM_DROP_REASONS] = {0};
    int64_t r0 = start - wfm_minutes_start(t);
    for (size_t i = 0; i < N_PROBES; i++) {
        float f = (float)probes[i];
        wfm_drop_reason why = wfm_channel_check(rule, f);
        want[why]++;
        float got = wfm_minutes_values(t)[(size_t)(r0 + (int64_t)i) * wfm_minutes_channels(t) + c];
        if (why == WFM_KEPT) CHECK_MSG(got == f, "%s, %s: %g kept as %g", path, channel, probes[i], got);
        else CHECK_MSG(isnan(got), "%s, %s: %g should be dropped, is %g", path, channel, probes[i], got);
    }
    for (int w = WFM_DROP_BELOW; w <= WFM_DROP_NOT_WHOLE; w++)
        CHECK_MSG(wfm_minutes_dropped(t, c, (wfm_drop_reason)w) == want[w], "%s, %s: %zu dropped as %s, want %zu", path,
                  channel, wfm_minutes_dropped(t, c, (wfm_drop_reason)w), wfm_drop_reason_name((wfm_drop_reason)w),
                  want[w]);
}

TEST(every_path_applies_the_same_rule) {
    int64_t day;
    wfm_parse_minute("2016-05-05T00:00", 16, &day);
    for (int c = 0; c < WFM_FITABASE_CHANNELS; c++) {
        const char *name = wfm_fitabase_channel_name(c);
        wfm_minutes *t = via_csv(name);
        expect_like_the_rule("minute CSV", t, 0, day, name);
        wfm_minutes_free(t);
        t = via_values(name);
        expect_like_the_rule("wfm_minutes_from_values", t, 0, 0, name);
        wfm_minutes_free(t);
        t = via_fitabase(c);
        expect_like_the_rule("Fitabase", t, c, day, name);
        wfm_minutes_free(t);
    }
    /* Samples: one per minute, so each minute's value is the sample. */
    const char *channels[] = {"heart_rate", "steps", "intensity", "sleep_state", "movement", "hrv_rmssd"};
    for (size_t k = 0; k < sizeof channels / sizeof *channels; k++) {
        wfm_minutes *t = via_aggregator(channels[k]);
        if (t) {
            const wfm_channel_rule *rule = wfm_channel_rule_find(channels[k]);
            for (size_t i = 0; i < N_PROBES; i++) {
                float got = wfm_minutes_values(t)[i];
                int kept = wfm_channel_check(rule, probes[i]) == WFM_KEPT;
                CHECK_MSG(kept ? got == (float)probes[i] : isnan(got), "aggregator, %s: %g -> %g", channels[k], probes[i], got);
            }
        }
        wfm_minutes_free(t);
    }
}

TEST(a_dropped_value_never_hides_an_earlier_duplicate) {
    const char *csv = "timestamp,heart_rate\n2016-05-05T00:00,70\n2016-05-05T00:00,500\n";
    wfm_minutes *t = NULL;
    CHECK(wfm_minutes_read_csv(csv, strlen(csv), &t, NULL) == WFM_OK);
    if (t) CHECK(wfm_minutes_values(t)[0] == 70 && wfm_minutes_duplicates(t) == 1 &&
                 wfm_minutes_dropped(t, 0, WFM_DROP_ABOVE) == 1);
    CHECK(wfm_minutes_dropped(t, 1, WFM_DROP_ABOVE) == 0 && wfm_minutes_dropped(t, 0, WFM_KEPT) == 0 &&
          wfm_minutes_dropped(NULL, 0, WFM_DROP_ABOVE) == 0);
    wfm_minutes_free(t);
}

TEST(minutes_from_values_checks_its_input) {
    wfm_error err = {0};
    wfm_minutes *t = (wfm_minutes *)&err;
    float v[4] = {60, NAN, 61, INFINITY};
    const char *ok[] = {"heart_rate", "other"}, *dup[] = {"a", "a"}, *comma[] = {"a,b", "c"}, *empty[] = {"", "c"};
    CHECK(wfm_minutes_from_values(0, 2, 2, ok, v, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_minutes_from_values(0, 2, 2, NULL, v, &t, &err) == WFM_ERR_INVALID_ARG && !t);
    CHECK(wfm_minutes_from_values(0, 2, 2, ok, NULL, &t, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_minutes_from_values(0, 0, 2, ok, v, &t, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_minutes_from_values(0, 2, 0, ok, v, &t, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_minutes_from_values(0, 2, 2, dup, v, &t, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "duplicate"));
    CHECK(wfm_minutes_from_values(0, 2, 2, comma, v, &t, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "comma"));
    CHECK(wfm_minutes_from_values(0, 2, 2, empty, v, &t, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "empty"));
    CHECK(wfm_minutes_from_values(INT64_MAX - 1, 2, 2, ok, v, &t, &err) == WFM_ERR_INVALID_ARG && !t);
    CHECK(wfm_minutes_from_values(0, 1001 * 1440, 2, ok, v, &t, &err) == WFM_ERR_INVALID_ARG);
    CHECK_MSG(wfm_minutes_from_values(-3, 2, 2, ok, v, &t, &err) == WFM_OK, "%s", err.message);
    if (t) {
        const float *x = wfm_minutes_values(t);
        CHECK(wfm_minutes_start(t) == -3 && x[0] == 60 && isnan(x[1]) && x[2] == 61 && isnan(x[3]));
        CHECK(wfm_minutes_dropped(t, 1, WFM_DROP_NOT_FINITE) == 1 && wfm_minutes_dropped(t, 0, WFM_DROP_NOT_FINITE) == 0);
    }
    wfm_minutes_free(t);
}

int main(void) {
    RUN(the_rules_table_is_consistent);
    RUN(check_gives_the_reason);
    RUN(every_path_applies_the_same_rule);
    RUN(a_dropped_value_never_hides_an_earlier_duplicate);
    RUN(minutes_from_values_checks_its_input);
    return TEST_SUMMARY();
}
