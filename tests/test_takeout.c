/* Fitbit's account export (Google Takeout) into the minute aggregator
 * (src/data/takeout.c): the JSON and CSV layouts, sleep levels, times and zones,
 * detection, and bad input with clear messages. The records here are
 * written by hand in Fitbit's format (no licensed real export is
 * available); tests/data/takeout/ holds larger synthetic files for the CLI,
 * WASI and browser tests. */
#include "wearfm.h"
#include "testing.h"
#include <string.h>

static int64_t day10; /* 2024-03-10T00:00, minutes */

typedef struct run {
    wfm_aggregator *a;
    wfm_import_counts counts;
    wfm_takeout_kind kind;
    wfm_error err;
    wfm_status st;
} run;

static run *start(void) {
    static run r;
    memset(&r, 0, sizeof r);
    CHECK(wfm_aggregator_create(&r.a, NULL) == WFM_OK);
    return &r;
}

static wfm_status add(run *r, const char *name, const char *text, const wfm_import_options *o) {
    memset(&r->err, 0, sizeof r->err);
    r->st = wfm_takeout_add(r->a, name, text, strlen(text), o, &r->counts, &r->kind, &r->err);
    return r->st;
}

static wfm_minutes *table(run *r) {
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_import_table(r->a, &t, &err) == WFM_OK, "%s", err.message);
    return t;
}

/* Column c (0 heart_rate, 1 steps, 2 intensity, 3 sleep_state) at h:m of 2024-03-10 (h may pass 24 or be < 0). */
static float cell(const wfm_minutes *t, int h, int m, int c) {
    int64_t row = day10 + h * 60 + m - wfm_minutes_start(t);
    if (row < 0 || (size_t)row >= wfm_minutes_length(t)) return -999;
    return wfm_minutes_values(t)[row * 4 + c];
}

static size_t kept(const run *r) {
    size_t n = 0;
    for (int c = 0; c < wfm_aggregator_channels(r->a); c++) n += wfm_aggregator_count(r->a, c, WFM_KEPT);
    return n;
}

static void done(run *r, wfm_minutes *t) {
    wfm_minutes_free(t);
    wfm_aggregator_free(r->a);
}

static const char *HR =
    "[{\n  \"dateTime\" : \"03/10/24 08:00:05\",\n  \"value\" : {\"bpm\" : 60,\"confidence\" : 3}\n},"
    "{\n  \"dateTime\" : \"03/10/24 08:00:50\",\n  \"value\" : {\"bpm\" : 70,\"confidence\" : 2}\n},"
    "{\"dateTime\":\"03/10/24 08:01:10\",\"value\":{\"bpm\":255,\"confidence\":0}},"
    "{\"dateTime\":\"03/10/24 08:02:00\",\"value\":{\"bpm\":80,\"confidence\":1}}]";

TEST(heart_rate_json_is_averaged_per_minute_and_implausible_bpm_dropped) {
    run *r = start();
    CHECK_MSG(add(r, "Takeout/Fitbit/Global Export Data/heart_rate-2024-03-10.json", HR, NULL) == WFM_OK, "%s", r->err.message);
    CHECK(r->kind == WFM_TAKEOUT_HEART_RATE_JSON);
    CHECK(r->counts.files == 1 && r->counts.records == 4 && r->counts.samples == 4);
    wfm_minutes *t = table(r);
    if (t) {
        CHECK(wfm_minutes_start(t) == day10 && wfm_minutes_length(t) == 1440 && wfm_minutes_channels(t) == 4);
        CHECK(!strcmp(wfm_minutes_channel_name(t, 0), "heart_rate") && !strcmp(wfm_minutes_channel_name(t, 3), "sleep_state"));
        CHECK(cell(t, 8, 0, 0) == 65 && isnan(cell(t, 8, 1, 0)) && cell(t, 8, 2, 0) == 80);
        CHECK(isnan(cell(t, 8, 0, 1)) && isnan(cell(t, 8, 0, 3)));
    }
    int hr = -1;
    CHECK(wfm_aggregator_channel(r->a, "heart_rate", &hr, NULL) == WFM_OK);
    CHECK(wfm_aggregator_count(r->a, hr, WFM_DROP_ABOVE) == 1 && wfm_aggregator_count(r->a, hr, WFM_KEPT) == 3);
    done(r, t);
}

TEST(steps_json_values_are_strings_and_sum_per_minute) {
    run *r = start();
    const char *steps = "[{\"dateTime\":\"03/10/24 08:00:00\",\"value\":\"12\"},{\"dateTime\":\"03/10/24 08:01:00\",\"value\":\"0\"},"
                        "{\"dateTime\":\"03/10/24 08:02:00\",\"value\":\"350\"},{\"dateTime\":\"03/10/24 08:03:00\",\"value\":7}]";
    CHECK_MSG(add(r, "steps-2024-03-10.json", steps, NULL) == WFM_OK, "%s", r->err.message);
    CHECK(r->kind == WFM_TAKEOUT_STEPS_JSON && r->counts.records == 4);
    wfm_minutes *t = table(r);
    if (t) CHECK(cell(t, 8, 0, 1) == 12 && cell(t, 8, 1, 1) == 0 && isnan(cell(t, 8, 2, 1)) && cell(t, 8, 3, 1) == 7);
    done(r, t);
}

TEST(sleep_stages_and_classic_levels_become_sleep_state) {
    run *r = start();
    /* 23:50 wake 10 min, then light 20 min, deep 30 min; a short wake of 60 s at 00:20 inside the light. */
    const char *sleep =
        "[{\"logId\":1,\"dateOfSleep\":\"2024-03-10\",\"type\":\"stages\",\"levels\":{"
        "\"data\":[{\"dateTime\":\"2024-03-09T23:50:00.000\",\"level\":\"wake\",\"seconds\":600},"
        "{\"dateTime\":\"2024-03-10T00:00:00.000\",\"level\":\"light\",\"seconds\":1200},"
        "{\"dateTime\":\"2024-03-10T00:20:00.000\",\"level\":\"deep\",\"seconds\":1800}],"
        "\"shortData\":[{\"dateTime\":\"2024-03-10T00:05:00.000\",\"level\":\"wake\",\"seconds\":60}]}},"
        "{\"logId\":2,\"type\":\"classic\",\"levels\":{\"data\":["
        "{\"dateTime\":\"2024-03-10T14:00:00.000\",\"level\":\"asleep\",\"seconds\":120},"
        "{\"dateTime\":\"2024-03-10T14:02:00.000\",\"level\":\"restless\",\"seconds\":60},"
        "{\"dateTime\":\"2024-03-10T14:03:00.000\",\"level\":\"awake\",\"seconds\":60},"
        "{\"dateTime\":\"2024-03-10T14:04:00.000\",\"level\":\"unknown\",\"seconds\":60}]}}]";
    CHECK_MSG(add(r, "sleep-2024-03-10.json", sleep, NULL) == WFM_OK, "%s", r->err.message);
    CHECK(r->kind == WFM_TAKEOUT_SLEEP_JSON && r->counts.records == 2 && r->counts.ignored == 1);
    wfm_minutes *t = table(r);
    if (t) {
        CHECK(wfm_minutes_start(t) == day10 - 1440 && wfm_minutes_length(t) == 2 * 1440);
        CHECK(cell(t, -1, 55, 3) == 0 && cell(t, 0, 0, 3) == 2 && cell(t, 0, 5, 3) == 0 && cell(t, 0, 6, 3) == 2);
        CHECK(cell(t, 0, 49, 3) == 2 && isnan(cell(t, 0, 50, 3)));
        CHECK(cell(t, 14, 1, 3) == 2 && cell(t, 14, 2, 3) == 1 && cell(t, 14, 3, 3) == 0 && isnan(cell(t, 14, 4, 3)));
        CHECK(isnan(cell(t, 12, 0, 3))); /* outside the logs: missing */
    }
    done(r, t);
}

TEST(csv_times_in_utc_move_by_the_offset) {
    run *r = start();
    const char *csv = "timestamp,beats per minute\n2024-03-10T13:00:04Z,61.0\n2024-03-10T13:00:09Z,63.0\n\n"
                      "2024-03-10T13:01:00Z,\n";
    wfm_import_options o = wfm_import_default_options();
    o.utc_offset_minutes = -300;
    CHECK_MSG(add(r, "heart_rate_2024-03-10.csv", csv, &o) == WFM_OK, "%s", r->err.message);
    CHECK(r->kind == WFM_TAKEOUT_HEART_RATE_CSV && r->counts.records == 3 && r->counts.utc_times == 2 && r->counts.samples == 2);
    const char *steps = "timestamp,steps,data source\r\n2024-03-10T13:00:00Z,40,Fitbit Charge 6\r\n";
    CHECK_MSG(add(r, "any-name.csv", steps, &o) == WFM_OK, "%s", r->err.message);
    CHECK(r->kind == WFM_TAKEOUT_STEPS_CSV);
    wfm_minutes *t = table(r);
    if (t) CHECK(cell(t, 8, 0, 0) == 62 && cell(t, 8, 0, 1) == 40 && isnan(cell(t, 13, 0, 0)));
    done(r, t);
}

/* Europe/Berlin in 2024: +01:00, then +02:00 from 2024-03-31T01:00Z. */
static int berlin_2024(void *ctx, int64_t m) {
    (void)ctx;
    return m < 28530780 /* 2024-03-31T01:00Z */ ? 60 : 120;
}

TEST(utc_times_follow_the_time_zone_across_a_change) {
    /* One offset for a whole export puts half a year an hour off; a zone
     * gives each UTC time the offset of its own instant. */
    wfm_tz *tz = NULL;
    CHECK(wfm_tz_sample(berlin_2024, NULL, 28000000, 29000000, &tz, NULL) == WFM_OK && wfm_tz_changes(tz) == 2);
    run *r = start();
    const char *csv = "timestamp,steps\n2024-03-31T00:30:00Z,10\n2024-03-31T01:30:00Z,20\n";
    wfm_import_options o = wfm_import_default_options();
    o.time_zone = tz;
    o.utc_offset_minutes = 600; /* not used with a zone */
    CHECK_MSG(add(r, "steps_2024-03-31.csv", csv, &o) == WFM_OK, "%s", r->err.message);
    CHECK(r->counts.utc_times == 2);
    wfm_minutes *t = table(r);
    /* 00:30Z is 01:30 local (+1), 01:30Z is 03:30 local (+2) */
    if (t) CHECK(cell(t, 21 * 24 + 1, 30, 1) == 10 && cell(t, 21 * 24 + 3, 30, 1) == 20 && isnan(cell(t, 21 * 24 + 2, 30, 1)));
    done(r, t);
    wfm_tz_free(tz);
}

TEST(detection_by_name_and_content) {
    CHECK(wfm_takeout_detect("a/b/heart_rate-2020-01-01.json", NULL, 0) == WFM_TAKEOUT_HEART_RATE_JSON);
    CHECK(wfm_takeout_detect("C:\\x\\steps-2020-01-01.json", NULL, 0) == WFM_TAKEOUT_STEPS_JSON);
    CHECK(wfm_takeout_detect("sleep-2020-01-01.json", NULL, 0) == WFM_TAKEOUT_SLEEP_JSON);
    CHECK(wfm_takeout_detect("calories-2020-01-01.json", "[{\"dateTime\":\"01/01/20 00:00:00\",\"value\":\"1.2\"}]", 48) ==
          WFM_TAKEOUT_UNKNOWN);
    CHECK(wfm_takeout_detect("renamed.json", HR, strlen(HR)) == WFM_TAKEOUT_HEART_RATE_JSON);
    CHECK(wfm_takeout_detect("x.csv", "timestamp,beats per minute\n", 27) == WFM_TAKEOUT_HEART_RATE_CSV);
    CHECK(wfm_takeout_detect("x.csv", "timestamp,heart_rate\n", 21) == WFM_TAKEOUT_UNKNOWN);
    CHECK(!strcmp(wfm_takeout_kind_name(WFM_TAKEOUT_SLEEP_JSON), "sleep json"));
    CHECK(!strcmp(wfm_takeout_kind_name((wfm_takeout_kind)99), "unknown"));
    run *r = start();
    CHECK(add(r, "calories-2020-01-01.json", "[]", NULL) == WFM_ERR_UNSUPPORTED && strstr(r->err.message, "heart_rate-*.json"));
    CHECK(add(r, "heart_rate-2024-03-12.json", "no data\n", NULL) == WFM_OK && r->counts.files == 1 && !r->counts.records);
    wfm_minutes *t = NULL;
    CHECK(wfm_import_table(r->a, &t, NULL) == WFM_ERR_NO_DATA && !t);
    done(r, NULL);
}

/* A bad file is named by record (JSON) or line (CSV), and adds nothing. */
TEST(bad_files_are_refused_whole_with_the_place_named) {
    static const struct { const char *name, *text, *says; } bad[] = {
        {"heart_rate-1.json", "[{\"dateTime\":\"03/10/24 08:00:05\",\"value\":{\"bpm\":60}},", "json:"},
        {"heart_rate-1.json", "{\"dateTime\":\"03/10/24 08:00:05\"}", "expected a JSON array"},
        {"heart_rate-1.json", "[{\"dateTime\":\"03/10/24 08:00:05\",\"value\":{\"bpm\":60}},{\"dateTime\":\"2024/03/10\",\"value\":{\"bpm\":1}}]",
         "record 2 (byte 54): \"dateTime\" is not MM/DD/YY HH:MM:SS: '2024/03/10'"},
        {"heart_rate-1.json", "[{\"dateTime\":\"03/10/24 08:00:05\",\"value\":60}]", "\"value\" is not an object with \"bpm\""},
        {"heart_rate-1.json", "[{\"dateTime\":\"02/30/24 08:00:05\",\"value\":{\"bpm\":60}}]", "is not MM/DD/YY"},
        {"steps-1.json", "[{\"dateTime\":\"03/10/24 08:00:00\",\"value\":\"12\"},{\"dateTime\":\"03/10/24 08:01:00\",\"value\":\"twelve\"}]",
         "record 2 (byte 48): \"value\" is not a number"},
        {"steps-1.json", "[17]", "record 1 (byte 2): not an object"},
        {"sleep-1.json", "[{\"logId\":1}]", "a sleep log without \"levels\""},
        {"sleep-1.json", "[{\"levels\":{\"data\":[{\"dateTime\":\"x\",\"level\":\"wake\",\"seconds\":30}]}}]", "is not a date and time"},
        {"h.csv", "timestamp,beats per minute\n2024-03-10T13:00:04Z,61\n2024-03-10 13:00,62\n2024-13-10T13:00:09Z,63\n",
         "line 4: timestamp '2024-13-10T13:00:09Z' is not a date and time"},
        {"h.csv", "timestamp,beats per minute\n2024-03-10T13:00:04Z,sixty\n", "line 2: 'sixty' is not a number"},
        {"h.csv", "timestamp,beats per minute\n2024-03-10T13:00:04Z\n", "line 2: 1 field(s)"},
        {"h.csv", "\xff\xfet\0i\0m\0e\0", "UTF-16"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        run *r = start();
        wfm_status st = wfm_takeout_add(r->a, bad[i].name, bad[i].text, strlen(bad[i].text) + (i == 12 ? 8 : 0), NULL,
                                        &r->counts, NULL, &r->err);
        CHECK_MSG(st == WFM_ERR_INVALID_ARG && r->err.status == st && strstr(r->err.message, bad[i].says),
                  "case %zu: status %d '%s'", i, st, r->err.message);
        CHECK_MSG(!kept(r) && !r->counts.files && !r->counts.records, "case %zu added something", i);
        done(r, NULL);
    }
}

TEST(options_window_and_offsets) {
    run *r = start();
    wfm_import_options o = wfm_import_default_options();
    o.from_minute = day10 + 8 * 60 + 1;
    o.to_minute = day10 + 8 * 60 + 2;
    CHECK(add(r, "heart_rate-1.json", HR, &o) == WFM_OK && r->counts.samples == 1 && r->counts.outside == 3);
    o = wfm_import_default_options();
    o.utc_offset_minutes = 1081;
    CHECK(add(r, "heart_rate-1.json", HR, &o) == WFM_ERR_INVALID_ARG && strstr(r->err.message, "UTC offset"));
    o = wfm_import_default_options();
    o.from_minute = 10, o.to_minute = 5;
    CHECK(add(r, "heart_rate-1.json", HR, &o) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_takeout_add(NULL, "x", "", 0, NULL, NULL, NULL, NULL) == WFM_ERR_INVALID_ARG);
    done(r, NULL);
    /* A time with its own offset keeps its clock; fixed_offset converts it. */
    r = start();
    const char *csv = "timestamp,steps\n2024-03-10T08:00:00-05:00,10\n2024-03-10T08:01:00+0100,20\n";
    CHECK_MSG(add(r, "s.csv", csv, NULL) == WFM_OK, "%s", r->err.message);
    wfm_minutes *t = table(r);
    if (t) CHECK(cell(t, 8, 0, 1) == 10 && cell(t, 8, 1, 1) == 20);
    done(r, t);
    r = start();
    o = wfm_import_default_options();
    o.fixed_offset = 1;
    o.utc_offset_minutes = 60;
    CHECK_MSG(add(r, "s.csv", csv, &o) == WFM_OK, "%s", r->err.message);
    t = table(r);
    if (t) CHECK(cell(t, 14, 0, 1) == 10 && cell(t, 8, 1, 1) == 20);
    done(r, t);
}

/* The Fitabase importer's rules on the importers' table: awake when worn
 * outside sleep logs (when there are logs), and Fitbit's zeros off the wrist. */
TEST(the_fitabase_rules_apply_to_the_table) {
    run *r = start();
    const char *sleep = "[{\"logId\":1,\"levels\":{\"data\":[{\"dateTime\":\"2024-03-10T00:00:00.000\",\"level\":\"deep\",\"seconds\":600}]}}]";
    CHECK(add(r, "sleep-2024-03-10.json", sleep, NULL) == WFM_OK);
    CHECK(add(r, "heart_rate-2024-03-10.json", HR, NULL) == WFM_OK);
    char steps[64 * 250];
    size_t n = (size_t)snprintf(steps, sizeof steps, "[");
    for (int m = 0; m < 200; m++) /* 12:00-15:19: 200 minutes of 0 steps, no heart rate */
        n += (size_t)snprintf(steps + n, sizeof steps - n, "%s{\"dateTime\":\"03/10/24 %02d:%02d:00\",\"value\":\"0\"}", m ? "," : "",
                              12 + m / 60, m % 60);
    snprintf(steps + n, sizeof steps - n, "]");
    CHECK_MSG(add(r, "steps-2024-03-10.json", steps, NULL) == WFM_OK, "%s", r->err.message);
    wfm_minutes *t = NULL;
    size_t nonwear = 0;
    CHECK(wfm_import_table_rules(r->a, NULL, &t, &nonwear, NULL) == WFM_OK);
    if (t) {
        CHECK(cell(t, 0, 5, 3) == 2 && cell(t, 8, 0, 3) == 0 && isnan(cell(t, 8, 1, 3)) && isnan(cell(t, 12, 0, 1)));
        CHECK(nonwear == 200 && isnan(cell(t, 12, 0, 3)));
    }
    wfm_minutes_free(t);
    wfm_fitabase_options o = wfm_fitabase_default_options();
    o.nonwear_rule = WFM_NONWEAR_OFF;
    o.sleep_outside_logs = WFM_SLEEP_OUTSIDE_MISSING;
    CHECK(wfm_import_table_rules(r->a, &o, &t, &nonwear, NULL) == WFM_OK);
    if (t) CHECK(isnan(cell(t, 8, 0, 3)) && cell(t, 12, 0, 1) == 0 && nonwear == 0);
    wfm_minutes_free(t);
    o.nonwear_min_minutes = 0;
    CHECK(wfm_import_table_rules(r->a, &o, &t, NULL, NULL) == WFM_ERR_INVALID_ARG && !t);
    done(r, NULL);
}

TEST(no_data_words_name_the_files) {
    /* One wording for the CLI and the page (wfm_import_no_data_message):
     * files named without directories, at most three. */
    char m[512];
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    const char *one[] = {"/tmp/x/calories-2024-03-10.json"};
    wfm_import_no_data_message(&c, one, 1, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: calories-2024-03-10.json is not a file this importer reads"), "%s", m);
    const char *five[] = {"a/1.fit", "2.fit", "b\\3.fit", "4.fit", "5.fit"};
    wfm_import_no_data_message(&c, five, 2, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: none of the files (1.fit and 2.fit) is one this importer reads"), "%s", m);
    c.files = 5, c.records = 12;
    wfm_import_no_data_message(&c, five, 5, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: 12 record(s) read from 1.fit, 2.fit and 3 more files, no sample kept"), "%s", m);
    wfm_import_no_data_message(&c, five, 3, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: 12 record(s) read from 1.fit, 2.fit and 3.fit, no sample kept"), "%s", m);
    c.samples = 7, c.outside = 2;
    wfm_import_no_data_message(&c, five, 1, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: 12 record(s) read from 1.fit, no sample kept (the data rules dropped all 7 "
                         "sample(s); 2 sample(s) outside the chosen days)"), "%s", m);
    /* cut to the buffer, always terminated */
    char small[20];
    wfm_import_no_data_message(&c, five, 5, small, sizeof small);
    CHECK(strlen(small) == sizeof small - 1 && !strncmp(small, "no data: 12 record", 18));
    wfm_import_no_data_message(NULL, NULL, 3, m, sizeof m);
    CHECK_MSG(!strcmp(m, "no data: no file was given"), "%s", m);
}

int main(void) {
    setlocale(LC_ALL, "C");
    wfm_parse_minute("2024-03-10T00:00", 16, &day10);
    RUN(heart_rate_json_is_averaged_per_minute_and_implausible_bpm_dropped);
    RUN(steps_json_values_are_strings_and_sum_per_minute);
    RUN(sleep_stages_and_classic_levels_become_sleep_state);
    RUN(csv_times_in_utc_move_by_the_offset);
    RUN(detection_by_name_and_content);
    RUN(bad_files_are_refused_whole_with_the_place_named);
    RUN(options_window_and_offsets);
    RUN(the_fitabase_rules_apply_to_the_table);
    RUN(no_data_words_name_the_files);
    RUN(utc_times_follow_the_time_zone_across_a_change);
    return TEST_SUMMARY();
}
