/* The generic minute CSV importer and window extraction. */
#include "wearfm.h"
#include "model_builder.h"
#include "testing.h"
#include <string.h>

static wfm_status parse(const char *csv, wfm_minutes **t, wfm_error *err) {
    return wfm_minutes_read_csv(csv, strlen(csv), t, err);
}

TEST(reads_rows_in_any_order_with_gaps_and_duplicates) {
    const char *csv =
        "\xEF\xBB\xBFtimestamp,hr,steps\r\n"
        "2016-05-05T00:03,61,\r\n"
        "2016-05-05 00:00:30,60,5\r\n"
        "\r\n"
        "2016-05-05T00:01,NaN,NA\r\n"
        "2016-05-05T00:03,,7\r\n";
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(parse(csv, &t, &err) == WFM_OK, "%s", err.message);
    if (!t) return;
    CHECK(wfm_minutes_channels(t) == 2);
    CHECK(!strcmp(wfm_minutes_channel_name(t, 0), "hr") && !strcmp(wfm_minutes_channel_name(t, 1), "steps"));
    CHECK(wfm_minutes_length(t) == 4);
    char buf[20];
    wfm_format_minute(wfm_minutes_start(t), buf);
    CHECK(!strcmp(buf, "2016-05-05T00:00"));
    const float *v = wfm_minutes_values(t);
    CHECK(v[0] == 60 && v[1] == 5);          /* 00:00 (seconds floor to the minute) */
    CHECK(isnan(v[2]) && isnan(v[3]));       /* 00:01 NaN / NA */
    CHECK(isnan(v[4]) && isnan(v[5]));       /* 00:02 absent */
    CHECK(v[6] == 61 && v[7] == 7);          /* 00:03 duplicate: last non-missing value per column */
    CHECK(wfm_minutes_duplicates(t) == 1);
    wfm_minutes_free(t);
}

static void expect_error_n(const char *csv, size_t len, const char *needle) {
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_minutes_read_csv(csv, len, &t, &err);
    CHECK_MSG(st != WFM_OK && t == NULL && strstr(err.message, needle), "status %d message '%s' (wanted '%s')", st,
              err.message, needle);
}
static void expect_error(const char *csv, const char *needle) { expect_error_n(csv, strlen(csv), needle); }

TEST(malformed_input_names_the_line) {
    expect_error("", "empty header");
    expect_error("timestamp\n", "at least one channel");
    expect_error("timestamp,hr\n", "no rows");
    expect_error("timestamp,hr,hr\n2016-05-05T00:00,1,2\n", "duplicate column 'hr'");
    expect_error("timestamp,h\x01r\n2016-05-05T00:00,1\n", "control character");
    expect_error("timestamp,hr\n2016-05-05T00:00,60\n2016-05-05T00:01,60,3\n", "line 3: 3 fields");
    expect_error("timestamp,hr\n2016-05-05T00:00,60\n5/5/2016 12:00 AM,61\n", "line 3: bad timestamp");
    expect_error("timestamp,hr\n2016-02-30T00:00,60\n", "line 2: bad timestamp");
    expect_error("timestamp,hr\n2016-05-05T24:00,60\n", "bad timestamp");
    expect_error("timestamp,hr\n2016-05-05T00:00,6O\n", "line 2, column 'hr': not a number: '6O'");
    expect_error("timestamp,hr\n2016-05-05T00:00,inf\n", "not a number");
    expect_error("timestamp,hr\n2016-05-05T00:00,1e39\n", "not a number");
    expect_error("timestamp,hr\n2016-05-05T00:00,1\n2019-05-05T00:00,1\n", "limit");
}

/* Encodings and line endings the reader does not take are named as such,
 * not reported as a strange header. */
TEST(utf16_and_cr_only_files_are_named) {
#define BYTES(s) s, sizeof s - 1
    expect_error_n(BYTES("\xFF\xFEt\0i\0m\0e\0s\0t\0a\0m\0p\0,\0h\0r\0\n\0"), "the file is UTF-16; save it as UTF-8");
    expect_error_n(BYTES("\xFE\xFF\0t\0i\0m\0e\0,\0h\0r\0\n"), "UTF-16");
    expect_error_n(BYTES("t\0i\0m\0e\0s\0t\0a\0m\0p\0,\0h\0r\0\n\0"), "UTF-16"); /* no BOM */
#undef BYTES
    expect_error("timestamp,hr\r2016-05-05T00:00,60\r2016-05-05T00:01,61\r",
                 "CR-only line endings are not supported; convert to LF or CRLF");
    expect_error("timestamp,hr\r", "no rows"); /* one line ending in CR is just a header */
}

/* A NUL byte is named where it is; the value message used to quote the text
 * cut at the NUL ("not a number: '6'" for "6\\01"). */
TEST(nul_bytes_are_named_where_they_are) {
#define BYTES(s) s, sizeof s - 1
    expect_error_n(BYTES("timestamp,hr\n2016-05-05T00:00,60\n2016-05-05T00:01,6\0001\n"),
                   "a NUL byte at line 3, column 19 (field 2)");
    expect_error_n(BYTES("timestamp,hr,steps\r\n2016-05-05T00:00,60,\0\r\n"), "a NUL byte at line 2, column 21 (field 3)");
    expect_error_n(BYTES("timestamp,hr\n2016-05-05T00\0:00,60\n"), "a NUL byte at line 2, column 14 (field 1)");
    expect_error_n(BYTES("timestamp,h\0r\n2016-05-05T00:00,60\n"), "a NUL byte at line 1, column 12 (field 2)");
    expect_error_n(BYTES("timestamp,hr\n2016-05-05T00:00,60\n\0"), "a NUL byte at line 3, column 1 (field 1)");
#undef BYTES
}

/* A spreadsheet can write a long decimal; strtod reads any length. (The
 * columns are not named steps or heart_rate: their rules would drop 0.1.) */
TEST(long_decimals_parse) {
    const char *csv = "timestamp,hr,ratio\n"
                      "2016-05-05T00:00,60.000000000000000000000000000000000000000000000000000000000000000,"
                      "0.1000000000000000000000000000000000000000000000000000000000000000000000000000000001\n";
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(parse(csv, &t, &err) == WFM_OK, "%s", err.message);
    if (!t) return;
    CHECK(wfm_minutes_values(t)[0] == 60.0f && wfm_minutes_values(t)[1] == 0.1f);
    wfm_minutes_free(t);
    expect_error("timestamp,hr\n2016-05-05T00:00,60.00000000000000000000000000000000000000000000000000000000000000000x\n",
                 "not a number");
}

/* strtod reads the locale's decimal point; a host may have set a comma one. */
TEST(numbers_read_in_a_comma_locale) {
    const char *loc = wfm_t_comma_locale();
    if (!loc) { printf("skip numbers_read_in_a_comma_locale: no locale with a decimal comma is installed (locale -a)\n"); return; }
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    CHECK_MSG(parse("timestamp,hr\n2016-05-05T00:00,60.5\n", &t, &err) == WFM_OK, "%s: %s", loc, err.message);
    if (t) CHECK(wfm_minutes_values(t)[0] == 60.5f);
    wfm_minutes_free(t);
    setlocale(LC_NUMERIC, "C");
}

TEST(timestamps_round_trip) {
    static const char *ok[] = {"1970-01-01T00:00", "2016-02-29T23:59", "2000-02-29T12:00", "1969-12-31T23:59",
                               "2038-01-19T03:14"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int64_t m;
        char buf[20];
        CHECK(wfm_parse_minute(ok[i], strlen(ok[i]), &m) == 0);
        wfm_format_minute(m, buf);
        CHECK_MSG(!strcmp(buf, ok[i]), "%s -> %s", ok[i], buf);
    }
    int64_t m;
    CHECK(wfm_parse_minute("1970-01-01T00:00", 16, &m) == 0 && m == 0);
    CHECK(wfm_parse_minute("1900-02-29T00:00", 16, &m) != 0); /* not a leap year */
    CHECK(wfm_parse_minute("2016-05-05T00:00Z", 17, &m) != 0); /* zones are not accepted: local time only */
}

TEST(window_maps_channels_by_name) {
    mb_config c = {.T = 20, .P = 10, .C = 3, .de = 8, .le = 1, .he = 2, .me = 8};
    size_t size;
    uint8_t *buf = mb_build(&c, 1, &size);
    wfm_model *m = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_model_load_buffer(buf, size, NULL, &m, &err) == WFM_OK, "%s", err.message);
    free(buf);
    if (!m) return;
    /* Columns in another order, one extra, and ch1 absent. */
    const char *csv = "timestamp,extra,ch2,ch0\n2016-05-05T00:05,9,2.5,1.5\n2016-05-05T00:21,9,4,3\n";
    wfm_minutes *t = NULL;
    CHECK(parse(csv, &t, &err) == WFM_OK);
    float x[60];
    int64_t day;
    wfm_parse_minute("2016-05-05T00:00", 16, &day);
    CHECK(wfm_minutes_window(t, m, day, x) == 2);
    CHECK(x[5 * 3 + 0] == 1.5f && isnan(x[5 * 3 + 1]) && x[5 * 3 + 2] == 2.5f);
    CHECK(isnan(x[0]) && isnan(x[19 * 3 + 2]));
    CHECK(wfm_minutes_window(t, m, day + 20, x) == 2);
    CHECK(x[1 * 3 + 0] == 3.0f && x[1 * 3 + 2] == 4.0f);
    CHECK(wfm_minutes_window(t, m, day + 40, x) == 0);
    wfm_minutes_free(t);
    wfm_model_free(m);
}

int main(void) {
    RUN(reads_rows_in_any_order_with_gaps_and_duplicates);
    RUN(malformed_input_names_the_line);
    RUN(utf16_and_cr_only_files_are_named);
    RUN(nul_bytes_are_named_where_they_are);
    RUN(long_decimals_parse);
    RUN(numbers_read_in_a_comma_locale);
    RUN(timestamps_round_trip);
    RUN(window_maps_channels_by_name);
    return TEST_SUMMARY();
}
