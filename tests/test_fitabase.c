/* The Fitabase importer: real snippets of the exports (Furberg et al. 2016,
 * Zenodo 53894, CC BY 4.0), broken inputs, and the non-wear rule. */
#include "wearfm.h"
#include "testing.h"
#include "data/timestamp.h"
#include <stdarg.h>
#include <string.h>

enum { HR = WFM_FITABASE_HEART_RATE, STEPS = WFM_FITABASE_STEPS, INT = WFM_FITABASE_INTENSITY, SLEEP = WFM_FITABASE_SLEEP_STATE };

static const char *STEPS_WIDE =
    "Id,ActivityHour,Steps00,Steps01,Steps02,Steps03,Steps04,Steps05,Steps06,Steps07,Steps08,Steps09,Steps10,Steps11,"
    "Steps12,Steps13,Steps14,Steps15,Steps16,Steps17,Steps18,Steps19,Steps20,Steps21,Steps22,Steps23,Steps24,Steps25,"
    "Steps26,Steps27,Steps28,Steps29,Steps30,Steps31,Steps32,Steps33,Steps34,Steps35,Steps36,Steps37,Steps38,Steps39,"
    "Steps40,Steps41,Steps42,Steps43,Steps44,Steps45,Steps46,Steps47,Steps48,Steps49,Steps50,Steps51,Steps52,Steps53,"
    "Steps54,Steps55,Steps56,Steps57,Steps58,Steps59\r\n"
    "1503960366,4/13/2016 12:00:00 AM,4,16,0,0,0,9,0,17,0,0,0,0,0,0,0,0,0,0,0,0,6,0,0,0,0,11,21,0,8,0,0,0,8,6,0,0,0,0,0,"
    "0,0,0,0,0,0,0,0,0,0,0,0,9,8,0,20,1,0,0,0,0\r\n"
    "1503960366,4/13/2016 12:00:00 PM,9,0,0,0,24,0,0,0,0,14,0,0,9,0,0,6,0,0,0,0,0,0,0,0,0,65,0,0,0,0,0,0,46,101,82,83,8,0,"
    "0,0,0,0,0,0,0,0,0,0,7,0,0,0,0,9,0,0,0,11,0,12\r\n";

static const char *INTENSITIES_WIDE_HEAD =
    "Id,ActivityHour,Intensity00,Intensity01,Intensity02,Intensity03,Intensity04,Intensity05,Intensity06,Intensity07,"
    "Intensity08,Intensity09,Intensity10,Intensity11,Intensity12,Intensity13,Intensity14,Intensity15,Intensity16,"
    "Intensity17,Intensity18,Intensity19,Intensity20,Intensity21,Intensity22,Intensity23,Intensity24,Intensity25,"
    "Intensity26,Intensity27,Intensity28,Intensity29,Intensity30,Intensity31,Intensity32,Intensity33,Intensity34,"
    "Intensity35,Intensity36,Intensity37,Intensity38,Intensity39,Intensity40,Intensity41,Intensity42,Intensity43,"
    "Intensity44,Intensity45,Intensity46,Intensity47,Intensity48,Intensity49,Intensity50,Intensity51,Intensity52,"
    "Intensity53,Intensity54,Intensity55,Intensity56,Intensity57,Intensity58,Intensity59\r\n";
static const char *INTENSITIES_WIDE_ROW =
    "1503960366,4/13/2016 12:00:00 AM,1,1,0,0,0,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,1,1,0,1,0,0,0,1,1,0,0,0,0,0,0,0,"
    "0,0,0,0,0,0,0,0,0,0,1,1,0,1,1,0,0,0,0\r\n";

static const char *HEARTRATE =
    "Id,Time,Value\n"
    "2022484408,4/12/2016 7:21:00 AM,97\n"
    "2022484408,4/12/2016 7:21:05 AM,102\n"
    "2022484408,4/12/2016 7:21:10 AM,105\n"
    "2022484408,4/12/2016 7:21:20 AM,103\n"
    "2022484408,4/12/2016 7:21:25 AM,101\n"
    "2022484408,4/12/2016 7:22:05 AM,95\n"
    "2022484408,4/12/2016 7:22:10 AM,91\n";

static const char *SLEEP_LOG =
    "Id,date,value,logId\n"
    "1503960366,4/12/2016 2:47:30 AM,3,11380564589\n"
    "1503960366,4/12/2016 2:48:30 AM,2,11380564589\n"
    "1503960366,4/12/2016 2:49:30 AM,1,11380564589\n"
    "1503960366,4/12/2016 2:50:30 AM,1,11380564589\n"
    "1503960366,4/12/2016 2:49:30 AM,1,11380564589\n"; /* the original file repeats rows */

/* A growable string for constructed inputs. */
typedef struct sbuf { char *s; size_t n, cap; } sbuf;
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) abort();
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}
/* "M/D/YYYY h:mm:ss AM" of minute m of 2016-05-01 plus sec seconds. */
static void us_time(sbuf *b, int m, int sec) {
    int h = m / 60 % 24, day = 1 + m / 1440;
    sb_printf(b, "5/%d/2016 %d:%02d:%02d %s", day, h % 12 ? h % 12 : 12, m % 60, sec, h < 12 ? "AM" : "PM");
}

static wfm_status add(wfm_fitabase *fb, const char *text, wfm_error *err) {
    return wfm_fitabase_add(fb, text, strlen(text), NULL, err);
}

static wfm_fitabase *load(const char *const *texts, int n) {
    wfm_fitabase *fb = NULL;
    wfm_error err = {0};
    CHECK(wfm_fitabase_create(&fb, &err) == WFM_OK);
    for (int i = 0; i < n; i++) CHECK_MSG(add(fb, texts[i], &err) == WFM_OK, "input %d: %s", i, err.message);
    return fb;
}

static wfm_minutes *table(const wfm_fitabase *fb, int64_t user, wfm_nonwear_rule rule, size_t *changed) {
    wfm_fitabase_options o = wfm_fitabase_default_options();
    o.nonwear_rule = rule;
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_fitabase_user_minutes(fb, user, &o, &t, changed, &err) == WFM_OK, "%s", err.message);
    return t;
}

/* The value at a timestamp "YYYY-MM-DDTHH:MM". */
static float at(const wfm_minutes *t, const char *ts, int ch) {
    int64_t m;
    if (!t || wfm_parse_minute(ts, strlen(ts), &m)) return -999;
    int64_t r = m - wfm_minutes_start(t);
    if (r < 0 || (size_t)r >= wfm_minutes_length(t)) return -999;
    return wfm_minutes_values(t)[(size_t)r * WFM_FITABASE_CHANNELS + ch];
}

static void start_is(const wfm_minutes *t, const char *ts, size_t days) {
    char buf[20];
    if (!t) return;
    wfm_format_minute(wfm_minutes_start(t), buf);
    CHECK_MSG(!strcmp(buf, ts) && wfm_minutes_length(t) == days * 1440, "start %s, %zu minutes", buf, wfm_minutes_length(t));
}

TEST(detects_every_kind) {
    CHECK(wfm_fitabase_detect(STEPS_WIDE, strlen(STEPS_WIDE)) == WFM_FITABASE_STEPS_WIDE);
    CHECK(wfm_fitabase_detect(INTENSITIES_WIDE_HEAD, strlen(INTENSITIES_WIDE_HEAD)) == WFM_FITABASE_INTENSITIES_WIDE);
    CHECK(wfm_fitabase_detect(HEARTRATE, strlen(HEARTRATE)) == WFM_FITABASE_HEARTRATE_SECONDS);
    CHECK(wfm_fitabase_detect(SLEEP_LOG, strlen(SLEEP_LOG)) == WFM_FITABASE_SLEEP);
    CHECK(wfm_fitabase_detect("Id,ActivityMinute,Steps\n", 24) == WFM_FITABASE_STEPS_NARROW);
    CHECK(wfm_fitabase_detect("\xEF\xBB\xBFId,ActivityMinute,Intensity\r\n", 32) == WFM_FITABASE_INTENSITIES_NARROW);
    CHECK(wfm_fitabase_detect("timestamp,steps\n", 16) == WFM_FITABASE_UNKNOWN);
    CHECK(wfm_fitabase_detect("", 0) == WFM_FITABASE_UNKNOWN);
    CHECK(!strcmp(wfm_fitabase_kind_name(WFM_FITABASE_SLEEP), "minuteSleep"));
    CHECK(!strcmp(wfm_fitabase_channel_name(SLEEP), "sleep_state") && !wfm_fitabase_channel_name(4));
}

TEST(wide_steps_and_intensities) {
    sbuf in = {0};
    sb_printf(&in, "%s%s", INTENSITIES_WIDE_HEAD, INTENSITIES_WIDE_ROW);
    const char *files[] = {STEPS_WIDE, in.s};
    wfm_fitabase *fb = load(files, 2);
    CHECK(wfm_fitabase_user_count(fb) == 1 && wfm_fitabase_user_id(fb, 0) == 1503960366);
    CHECK(wfm_fitabase_user_id(fb, 1) == -1);
    wfm_minutes *t = table(fb, 1503960366, WFM_NONWEAR_OFF, NULL);
    start_is(t, "2016-04-13T00:00", 1); /* whole days, midnight to midnight */
    CHECK(wfm_minutes_channels(t) == 4 && !strcmp(wfm_minutes_channel_name(t, 0), "heart_rate"));
    CHECK(at(t, "2016-04-13T00:00", STEPS) == 4 && at(t, "2016-04-13T00:01", STEPS) == 16); /* 12 AM is 00 h */
    CHECK(at(t, "2016-04-13T00:59", STEPS) == 0 && at(t, "2016-04-13T00:01", INT) == 1);
    CHECK(at(t, "2016-04-13T12:33", STEPS) == 101 && at(t, "2016-04-13T12:59", STEPS) == 12); /* 12 PM is 12 h */
    CHECK(isnan(at(t, "2016-04-13T12:33", INT)));  /* no intensity row for that hour */
    CHECK(isnan(at(t, "2016-04-13T01:00", STEPS)) && isnan(at(t, "2016-04-13T00:00", HR)));
    CHECK(isnan(at(t, "2016-04-13T00:00", SLEEP)));
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    CHECK(k.files == 2 && k.rows == 3 && k.values[STEPS] == 120 && k.values[INT] == 60 && k.dropped[STEPS] == 0);
    wfm_minutes_free(t);
    wfm_fitabase_free(fb);
    free(in.s);
}

TEST(heart_rate_is_the_mean_of_plausible_samples) {
    const char *more =
        "Id,Time,Value\n"
        "2022484408,4/12/2016 7:23:00 AM,100\n"
        "2022484408,4/12/2016 7:23:05 AM,300\n"  /* impossible: dropped, not clipped to 250 */
        "2022484408,4/12/2016 7:24:00 AM,24\n"   /* impossible: the minute is missing */
        "2022484408,4/12/2016 7:25:00 AM,25\n"
        "2022484408,4/12/2016 7:25:30 AM,250\n"
        "2022484408,4/12/2016 7:26:00 AM,72.5\n"
        "2022484408,4/12/2016 7:27:00 AM,\n";     /* empty: missing */
    const char *files[] = {HEARTRATE, more};
    wfm_fitabase *fb = load(files, 2);
    wfm_minutes *t = table(fb, 2022484408, WFM_NONWEAR_OFF, NULL);
    start_is(t, "2016-04-12T00:00", 1);
    CHECK_NEAR(at(t, "2016-04-12T07:21", HR), (97 + 102 + 105 + 103 + 101) / 5.0, 1e-4);
    CHECK_NEAR(at(t, "2016-04-12T07:22", HR), 93, 1e-4);
    CHECK(at(t, "2016-04-12T07:23", HR) == 100);
    CHECK(isnan(at(t, "2016-04-12T07:24", HR)) && isnan(at(t, "2016-04-12T07:27", HR)));
    CHECK(at(t, "2016-04-12T07:25", HR) == 137.5f && at(t, "2016-04-12T07:26", HR) == 72.5f);
    CHECK(isnan(at(t, "2016-04-12T07:20", HR)) && isnan(at(t, "2016-04-12T07:21", STEPS)));
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    CHECK(k.values[HR] == 14 && k.dropped[HR] == 3);
    wfm_minutes_free(t);
    wfm_fitabase_free(fb);
}

TEST(sleep_on_half_minutes_and_encoding) {
    const char *files[] = {SLEEP_LOG,
                           "Id,date,value,logId\n1503960366,4/12/2016 2:51:00 AM,4,11380564589\n" /* no such code */
                           "1503960366,4/12/2016 2:52:00 AM,2,11380564589\n"};
    wfm_fitabase *fb = load(files, 2);
    wfm_minutes *t = table(fb, 1503960366, WFM_NONWEAR_OFF, NULL);
    start_is(t, "2016-04-12T00:00", 1);
    CHECK(at(t, "2016-04-12T02:47", SLEEP) == 0); /* awake (3) -> 0, in the minute the :30 s falls in */
    CHECK(at(t, "2016-04-12T02:48", SLEEP) == 1); /* restless (2) -> 1 */
    CHECK(at(t, "2016-04-12T02:49", SLEEP) == 2 && at(t, "2016-04-12T02:50", SLEEP) == 2); /* asleep (1) -> 2 */
    CHECK(isnan(at(t, "2016-04-12T02:51", SLEEP)) && at(t, "2016-04-12T02:52", SLEEP) == 1);
    CHECK(isnan(at(t, "2016-04-12T02:46", SLEEP)) && isnan(at(t, "2016-04-12T02:53", SLEEP))); /* outside: missing */
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    CHECK(k.duplicates[SLEEP] == 1 && k.conflicts[SLEEP] == 0 && k.dropped[SLEEP] == 1);
    wfm_minutes_free(t);
    wfm_fitabase_free(fb);
}

TEST(twelve_am_and_pm) {
    int64_t s;
    CHECK(wfm_parse_us_datetime("4/12/2016 12:00:00 AM", 21, &s) == 0 && s % 86400 == 0);
    CHECK(wfm_parse_us_datetime("4/12/2016 12:59:59 AM", 21, &s) == 0 && s % 86400 == 59 * 60 + 59);
    CHECK(wfm_parse_us_datetime("4/12/2016 12:00:00 PM", 21, &s) == 0 && s % 86400 == 12 * 3600);
    CHECK(wfm_parse_us_datetime("4/12/2016 11:59:59 PM", 21, &s) == 0 && s % 86400 == 86399);
    CHECK(wfm_parse_us_datetime("4/12/2016 1:05 pm", 17, &s) == 0 && s % 86400 == 13 * 3600 + 300);
    CHECK(wfm_parse_us_datetime("12/31/2016 23:05:00", 19, &s) == 0 && s % 86400 == 23 * 3600 + 300);
    static const char *bad[] = {"4/12/2016 0:00:00 AM", "4/12/2016 13:00:00 PM", "4/31/2016 1:00:00 AM",
                                "2/29/2015 1:00:00 AM", "4/12/16 1:00:00 AM", "4/12/2016 1:00:00 XM",
                                "4/12/2016 1:60:00 AM", "4/12/2016 1:00:60 AM", "4/12/2016 24:00:00",
                                "2016-04-12 01:00:00", "4/12/2016 1:00:00 AM x", "004/12/2016 1:00:00 AM"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_MSG(wfm_parse_us_datetime(bad[i], strlen(bad[i]), &s) != 0, "accepted '%s'", bad[i]);
    CHECK(wfm_parse_us_datetime("2/29/2016 1:00:00 AM", 20, &s) == 0);
    /* Through the importer: a sample at 12:00:30 AM belongs to 00:00; 12 PM to noon. */
    const char *files[] = {"Id,Time,Value\n5,5/1/2016 12:00:30 AM,60\n5,5/1/2016 12:00:59 PM,70\n5,5/1/2016 11:59:59 PM,80\n"};
    wfm_fitabase *fb = load(files, 1);
    wfm_minutes *t = table(fb, 5, WFM_NONWEAR_OFF, NULL);
    start_is(t, "2016-05-01T00:00", 1);
    CHECK(at(t, "2016-05-01T00:00", HR) == 60 && at(t, "2016-05-01T12:00", HR) == 70 && at(t, "2016-05-01T23:59", HR) == 80);
    wfm_minutes_free(t);
    wfm_fitabase_free(fb);
}

TEST(out_of_order_and_repeated_rows) {
    const char *steps =
        "Id,ActivityMinute,Steps\n"
        "9,5/2/2016 8:01:00 AM,12\n"
        "3,5/2/2016 8:00:00 AM,7\n"   /* users out of order */
        "9,5/1/2016 11:59:00 PM,4\n"  /* time out of order, the day before */
        "9,5/2/2016 8:01:00 AM,12\n"  /* the same value again */
        "9,5/2/2016 8:02:00 AM,5\n"
        "9,5/2/2016 8:02:00 AM,6\n";  /* another value: the later row wins */
    const char *later = "Id,ActivityMinute,Steps\n9,5/2/2016 8:01:00 AM,13\n"; /* a later file wins too */
    const char *hr = "Id,Time,Value\n9,5/2/2016 8:02:10 AM,80\n9,5/2/2016 8:02:10 AM,90\n9,5/2/2016 8:02:20 AM,100\n"
                     "9,5/2/2016 8:02:20 AM,100\n";
    const char *files[] = {steps, later, hr};
    wfm_fitabase *fb = load(files, 3);
    CHECK(wfm_fitabase_user_count(fb) == 2 && wfm_fitabase_user_id(fb, 0) == 3 && wfm_fitabase_user_id(fb, 1) == 9);
    wfm_minutes *t = table(fb, 9, WFM_NONWEAR_OFF, NULL);
    start_is(t, "2016-05-01T00:00", 2);
    CHECK(at(t, "2016-05-01T23:59", STEPS) == 4 && at(t, "2016-05-02T08:01", STEPS) == 13);
    CHECK(at(t, "2016-05-02T08:02", STEPS) == 6);
    CHECK(at(t, "2016-05-02T08:02", HR) == 95); /* second :10 keeps 90, :20 is 100 */
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    CHECK(k.duplicates[STEPS] == 1 && k.conflicts[STEPS] == 2 && k.duplicates[HR] == 1 && k.conflicts[HR] == 1);
    wfm_minutes_free(t);
    wfm_minutes *t3 = table(fb, 3, WFM_NONWEAR_OFF, NULL);
    CHECK(at(t3, "2016-05-02T08:00", STEPS) == 7);
    wfm_minutes_free(t3);
    wfm_minutes *none = NULL;
    wfm_error err = {0};
    CHECK(wfm_fitabase_user_minutes(fb, 4, NULL, &none, NULL, &err) == WFM_ERR_NO_DATA && !none && strstr(err.message, "user 4"));
    wfm_fitabase_free(fb);
}

static void expect_error_n(const char *text, size_t len, const char *needle) {
    wfm_fitabase *fb = NULL;
    wfm_error err = {0};
    wfm_fitabase_create(&fb, &err);
    wfm_status st = wfm_fitabase_add(fb, text, len, NULL, &err);
    CHECK_MSG(st != WFM_OK && strstr(err.message, needle) && wfm_fitabase_user_count(fb) == 0,
              "status %d message '%s' (wanted '%s')", st, err.message, needle);
    wfm_fitabase_free(fb);
}
static void expect_error(const char *text, const char *needle) { expect_error_n(text, strlen(text), needle); }

TEST(utf16_and_cr_only_files_are_named) {
#define BYTES(s) s, sizeof s - 1
    expect_error_n(BYTES("\xFF\xFEI\0d\0,\0T\0i\0m\0e\0,\0V\0a\0l\0u\0e\0\r\0\n\0"), "the file is UTF-16; save it as UTF-8");
    expect_error_n(BYTES("I\0d\0,\0T\0i\0m\0e\0,\0V\0a\0l\0u\0e\0\r\0\n\0"), "UTF-16");
#undef BYTES
    expect_error("Id,Time,Value\r1,4/12/2016 7:21:00 AM,97\r1,4/12/2016 7:21:05 AM,98\r",
                 "CR-only line endings are not supported; convert to LF or CRLF");
    /* a NUL byte is named where it is, not as the value cut at it */
    static const char nul[] = "Id,Time,Value\r\n1,4/12/2016 7:21:00 AM,9\0007\r\n";
    expect_error_n(nul, sizeof nul - 1, "a NUL byte at line 2, column 25 (field 3)");
}

TEST(malformed_input_names_the_line) {
    expect_error("", "line 1: empty header");
    expect_error("Id,Foo,Bar\n1,2,3\n", "line 1: not a Fitabase export");
    expect_error("timestamp,steps\n", "not a Fitabase export");
    expect_error("Id,ActivityHour,Steps00,Steps01\n", "line 1: minuteStepsWide header has 4 columns, expected 62");
    sbuf b = {0};
    sb_printf(&b, "%s", STEPS_WIDE);
    char *c = strstr(b.s, "Steps05");
    memmove(c + 5, c + 6, strlen(c + 6) + 1); /* Steps05 -> Steps5 */
    expect_error(b.s, "line 1: column 8 is 'Steps5', expected 'Steps05'");
    free(b.s);
    expect_error("Id,Time,Value\n1,4/12/2016 7:21:00 AM,97\n1,4/12/2016 7:21:05 AM\n", "line 3: 2 fields, the header has 3");
    expect_error("Id,Time,Value\n1,2016-04-12 07:21:00,97\n", "line 2, column 'Time': bad timestamp '2016-04-12 07:21:00'");
    expect_error("Id,Time,Value\n1,4/31/2016 7:21:00 AM,97\n", "line 2, column 'Time': bad timestamp");
    expect_error("Id,Time,Value\n\n1,4/12/2016 13:21:00 PM,97\n", "line 3, column 'Time': bad timestamp");
    expect_error("Id,Time,Value\n1,4/12/2016 7:21:00 AM,9x7\n", "line 2, column 'Value': not a number: '9x7'");
    expect_error("Id,Time,Value\n1,4/12/2016 7:21:00 AM,inf\n", "not a number");
    expect_error("Id,Time,Value\n-1,4/12/2016 7:21:00 AM,97\n", "line 2: bad Id '-1'");
    expect_error("Id,Time,Value\n99999999999999999999,4/12/2016 7:21:00 AM,97\n", "bad Id");
    expect_error("Id,date,value,logId\n1,4/12/2016 2:47:30 AM,3,x1\n", "line 2, column 'logId': bad log id 'x1'");
    expect_error("Id,ActivityMinute,Steps\n1,4/12/2016 2:47:00 AM,many\n", "column 'Steps': not a number: 'many'");
    sbuf w = {0};
    sb_printf(&w, "%s", STEPS_WIDE);
    char *row2 = strstr(w.s, "\r\n") + 2;
    row2[24] = '3';  /* "12:00:00 AM" -> "12:30:00 AM" */
    expect_error(w.s, "line 2: ActivityHour '4/13/2016 12:30:00 AM' is not on the hour");
    free(w.s);
    sbuf v = {0};
    sb_printf(&v, "%s", STEPS_WIDE);
    memcpy(strstr(v.s, ",17,"), ",1?,", 4);
    expect_error(v.s, "line 2, column 'Steps07': not a number: '1?'");
    free(v.s);
    expect_error("Id,Time,Value\n1,4/12/2016 7:21:00 AM,97\n1,4/12/2019 7:21:00 AM,97\n",
                 "line 3: user 1's data would span 2016-04-12T00:00 to 2019-04-12T00:00, more than the 1000-day limit");
}

TEST(a_failing_file_adds_nothing) {
    const char *files[] = {"Id,ActivityMinute,Steps\n7,5/1/2016 8:00:00 AM,10\n7,5/1/2016 8:01:00 AM,0\n"};
    wfm_fitabase *fb = load(files, 1);
    wfm_fitabase_counts before, after;
    wfm_fitabase_get_counts(fb, &before);
    wfm_minutes *t0 = table(fb, 7, WFM_NONWEAR_AUTO, NULL);
    /* Valid rows first: the known user and day, a new day, a new user; then a broken line. */
    static const char *broken[] = {
        "Id,Time,Value\n7,5/1/2016 8:00:00 AM,70\n7,5/3/2016 8:00:00 AM,70\n8,5/1/2016 8:00:00 AM,70\n7,5/1/2016 8:01:00 AM,x\n",
        "Id,ActivityMinute,Steps\n7,5/1/2016 8:00:00 AM,99\n6,5/9/2016 8:00:00 AM,1\n7,5/1/2016 8:02:00 AM\n",
        "Id,date,value,logId\n7,5/1/2016 8:00:30 AM,1,1\n7,5/2/2016 8:00:30 AM,1,1\n7,5/2/2016 8:01:30 AM,1,\n",
        "Id,Time,Value\n7,5/1/2016 8:00:00 AM,70\n7,5/1/2020 8:00:00 AM,70\n"};
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        wfm_error err = {0};
        CHECK_MSG(add(fb, broken[i], &err) != WFM_OK && strstr(err.message, "line "), "file %zu: '%s'", i, err.message);
        wfm_fitabase_get_counts(fb, &after);
        CHECK(!memcmp(&before, &after, sizeof before));
        CHECK(wfm_fitabase_user_count(fb) == 1 && wfm_fitabase_user_id(fb, 0) == 7);
        wfm_minutes *t = table(fb, 7, WFM_NONWEAR_AUTO, NULL);
        CHECK(t && t0 && wfm_minutes_start(t) == wfm_minutes_start(t0) && wfm_minutes_length(t) == wfm_minutes_length(t0) &&
              !memcmp(wfm_minutes_values(t), wfm_minutes_values(t0), wfm_minutes_length(t) * 4 * sizeof(float)));
        wfm_minutes_free(t);
    }
    /* And the accumulator still takes good files. */
    wfm_error err = {0};
    CHECK(add(fb, "Id,Time,Value\n8,5/1/2016 8:00:00 AM,70\n", &err) == WFM_OK && wfm_fitabase_user_count(fb) == 2);
    wfm_minutes_free(t0);
    wfm_fitabase_free(fb);
}

TEST(header_only_and_blank_lines) {
    const char *files[] = {"Id,Time,Value\r\n", "\xEF\xBB\xBFId,ActivityMinute,Steps\r\n\r\n5,5/1/2016 8:00:00 AM,3\r\n\r\n"};
    wfm_fitabase *fb = load(files, 2);
    CHECK(wfm_fitabase_user_count(fb) == 1);
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    CHECK(k.files == 2 && k.rows == 1);
    wfm_fitabase_free(fb);
}

/* Minute-by-minute narrow files for 2016-05-01 (see nonwear_rule). */
static void day_files(sbuf *steps, sbuf *inten, sbuf *hr, sbuf *sleep) {
    sb_printf(steps, "Id,ActivityMinute,Steps\n");
    sb_printf(inten, "Id,ActivityMinute,Intensity\n");
    sb_printf(hr, "Id,Time,Value\n");
    sb_printf(sleep, "Id,date,value,logId\n");
    for (int m = 0; m < 1440; m++) {
        /* User 1 (heart rate): idle 06:00-06:59 (60 min, no HR), 08:00-08:58 (59 min, no HR),
         * 10:00-10:59 (60 min, HR: worn while sitting). */
        int idle1 = (m >= 360 && m < 420) || (m >= 480 && m < 539) || (m >= 600 && m < 660);
        sb_printf(steps, "1,"); us_time(steps, m, 0); sb_printf(steps, ",%d\n", idle1 ? 0 : 10);
        sb_printf(inten, "1,"); us_time(inten, m, 0); sb_printf(inten, ",%d\n", idle1 ? 0 : 1);
        if (!idle1 || m >= 600) { sb_printf(hr, "1,"); us_time(hr, m, 15); sb_printf(hr, ",70\n"); }
        /* User 2 (no heart rate, no intensity file): idle 00:00-02:58 (179 min), 06:00-08:59 (180 min),
         * 12:00-16:59 with a sleep log 13:00-13:59, which splits it into 60 and 180 min. */
        int idle2 = m < 179 || (m >= 360 && m < 540) || (m >= 720 && m < 1020);
        sb_printf(steps, "2,"); us_time(steps, m, 0); sb_printf(steps, ",%d\n", idle2 ? 0 : 10);
        if (m >= 780 && m < 840) { sb_printf(sleep, "2,"); us_time(sleep, m, 30); sb_printf(sleep, ",1,77\n"); }
    }
}

TEST(nonwear_rule) {
    sbuf s = {0}, i = {0}, h = {0}, z = {0};
    day_files(&s, &i, &h, &z);
    const char *files[] = {s.s, i.s, h.s, z.s};
    wfm_fitabase *fb = load(files, 4);
    size_t changed = 0;
    wfm_minutes *t = table(fb, 1, WFM_NONWEAR_AUTO, &changed);
    CHECK(changed == 60);
    CHECK(isnan(at(t, "2016-05-01T06:00", STEPS)) && isnan(at(t, "2016-05-01T06:59", INT)));
    CHECK(at(t, "2016-05-01T05:59", STEPS) == 10 && at(t, "2016-05-01T07:00", STEPS) == 10);
    CHECK(at(t, "2016-05-01T08:00", STEPS) == 0 && at(t, "2016-05-01T08:58", INT) == 0); /* 59 min: kept */
    CHECK(at(t, "2016-05-01T10:30", STEPS) == 0 && at(t, "2016-05-01T10:30", HR) == 70); /* heart rate: worn */
    wfm_minutes_free(t);
    t = table(fb, 1, WFM_NONWEAR_OFF, &changed); /* switched off */
    CHECK(changed == 0 && at(t, "2016-05-01T06:00", STEPS) == 0 && at(t, "2016-05-01T06:00", INT) == 0);
    wfm_minutes_free(t);
    t = table(fb, 1, WFM_NONWEAR_MOVEMENT_ONLY, &changed); /* as if without HR: every run is < 180 min */
    CHECK(changed == 0);
    wfm_minutes_free(t);

    t = table(fb, 2, WFM_NONWEAR_AUTO, &changed); /* no heart rate at all: >= 180 min */
    CHECK(changed == 360);
    CHECK(at(t, "2016-05-01T00:00", STEPS) == 0 && at(t, "2016-05-01T02:58", STEPS) == 0);     /* 179 min */
    CHECK(isnan(at(t, "2016-05-01T06:00", STEPS)) && isnan(at(t, "2016-05-01T08:59", STEPS))); /* 180 min */
    CHECK(at(t, "2016-05-01T09:00", STEPS) == 10);
    CHECK(at(t, "2016-05-01T12:00", STEPS) == 0 && at(t, "2016-05-01T13:30", STEPS) == 0);   /* 60 min, sleep log */
    CHECK(at(t, "2016-05-01T13:30", SLEEP) == 2);
    CHECK(isnan(at(t, "2016-05-01T14:00", STEPS)) && isnan(at(t, "2016-05-01T16:59", STEPS)));
    CHECK(isnan(at(t, "2016-05-01T12:00", INT)) && isnan(at(t, "2016-05-01T12:00", HR)));
    wfm_minutes_free(t);

    /* Thresholds are options. */
    wfm_fitabase_options o = wfm_fitabase_default_options();
    CHECK(o.nonwear_rule == WFM_NONWEAR_AUTO && o.nonwear_min_minutes == 60 && o.nonwear_min_minutes_no_hr == 180);
    o.nonwear_min_minutes_no_hr = 179;
    wfm_error err = {0};
    CHECK(wfm_fitabase_user_minutes(fb, 2, &o, &t, &changed, &err) == WFM_OK && changed == 179 + 180 + 180);
    wfm_minutes_free(t);
    o.nonwear_min_minutes = 0;
    CHECK(wfm_fitabase_user_minutes(fb, 2, &o, &t, &changed, &err) == WFM_ERR_INVALID_ARG && !t);
    wfm_fitabase_free(fb);
    free(s.s); free(i.s); free(h.s); free(z.s);
}

TEST(sleep_without_heart_rate) {
    /* A user with sleep logs and steps but no heart rate: sleep minutes are never non-wear. */
    sbuf st = {0}, sl = {0};
    sb_printf(&st, "Id,ActivityMinute,Steps\n");
    sb_printf(&sl, "Id,date,value,logId\n");
    for (int m = 0; m < 1440; m++) {
        sb_printf(&st, "4,"); us_time(&st, m, 0); sb_printf(&st, ",%d\n", m < 480 ? 0 : 3);
        if (m < 480) { sb_printf(&sl, "4,"); us_time(&sl, m, 30); sb_printf(&sl, ",%d,1\n", 1 + m % 3); }
    }
    const char *files[] = {st.s, sl.s};
    wfm_fitabase *fb = load(files, 2);
    size_t changed = 1;
    wfm_minutes *t = table(fb, 4, WFM_NONWEAR_AUTO, &changed);
    CHECK(changed == 0 && at(t, "2016-05-01T03:00", STEPS) == 0 && isnan(at(t, "2016-05-01T03:00", HR)));
    CHECK(at(t, "2016-05-01T00:00", SLEEP) == 2 && at(t, "2016-05-01T00:01", SLEEP) == 1 && at(t, "2016-05-01T00:02", SLEEP) == 0);
    CHECK(at(t, "2016-05-01T08:00", SLEEP) == 0); /* worn outside every log: awake */
    wfm_minutes_free(t);
    wfm_fitabase_options o = wfm_fitabase_default_options();
    o.sleep_outside_logs = WFM_SLEEP_OUTSIDE_MISSING;
    wfm_error err = {0};
    CHECK(wfm_fitabase_user_minutes(fb, 4, &o, &t, NULL, &err) == WFM_OK);
    CHECK(isnan(at(t, "2016-05-01T08:00", SLEEP)) && at(t, "2016-05-01T00:00", SLEEP) == 2);
    wfm_minutes_free(t);
    o.sleep_outside_logs = (wfm_sleep_outside_logs)7;
    CHECK(wfm_fitabase_user_minutes(fb, 4, &o, &t, NULL, &err) == WFM_ERR_INVALID_ARG && !t);
    wfm_fitabase_free(fb);
    free(st.s); free(sl.s);
}

TEST(missingness_counts_gaps_and_hours) {
    const char *csv = "timestamp,a,b\n"
                      "2016-05-05T00:58,1,\n"
                      "2016-05-05T00:59,,\n"
                      "2016-05-05T01:00,,\n"
                      "2016-05-05T01:01,2,\n"
                      "2016-05-05T01:02,,\n";
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK(wfm_minutes_read_csv(csv, strlen(csv), &t, &err) == WFM_OK);
    wfm_missingness m;
    memset(&m, 0, sizeof m);
    CHECK(wfm_missingness_add(&m, t, &err) == WFM_OK && wfm_missingness_add(&m, t, &err) == WFM_OK);
    CHECK(m.n_channels == 2 && m.tables == 2 && m.minutes == 10 && m.days == 2);
    CHECK(m.missing[0] == 6 && m.missing[1] == 10);
    CHECK(m.hour_minutes[0] == 4 && m.hour_minutes[1] == 6 && m.hour_missing[0][0] == 2 && m.hour_missing[0][1] == 4);
    CHECK(m.gaps[0][0] == 4 && m.gap_minutes[0][0] == 6 && m.gaps[1][0] == 2 && m.gap_minutes[1][0] == 10);
    CHECK(m.days_observed[0] == 2 && m.days_observed[1] == 0);
    CHECK(wfm_gap_bucket_min(0) == 1 && wfm_gap_bucket_min(4) == 720 && wfm_gap_bucket_min(5) == -1);
    wfm_minutes_free(t);
    csv = "timestamp,a\n2016-05-05T00:00,1\n";
    CHECK(wfm_minutes_read_csv(csv, strlen(csv), &t, &err) == WFM_OK);
    CHECK(wfm_missingness_add(&m, t, &err) == WFM_ERR_INVALID_ARG);
    wfm_minutes_free(t);
}

int main(void) {
    RUN(detects_every_kind);
    RUN(wide_steps_and_intensities);
    RUN(heart_rate_is_the_mean_of_plausible_samples);
    RUN(sleep_on_half_minutes_and_encoding);
    RUN(twelve_am_and_pm);
    RUN(out_of_order_and_repeated_rows);
    RUN(malformed_input_names_the_line);
    RUN(utf16_and_cr_only_files_are_named);
    RUN(a_failing_file_adds_nothing);
    RUN(header_only_and_blank_lines);
    RUN(nonwear_rule);
    RUN(sleep_without_heart_rate);
    RUN(missingness_counts_gaps_and_hours);
    return TEST_SUMMARY();
}
