/* Apple Health's export.xml streamed through expat into the minute
 * aggregator (src/data/apple_health.c): record types, units, step intervals and
 * sources, sleep values, times and zones, streaming in any pieces, and bad
 * input with the line named. The records are written by hand in Apple's
 * format (no licensed real export is available);
 * tests/data/apple_health/export.xml is a larger synthetic one for the CLI,
 * WASI and browser tests. */
#include "wearfm.h"
#include "testing.h"
#include <stdlib.h>
#include <string.h>

static int64_t day10; /* 2024-03-10T00:00, minutes */

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record)*)>\n" \
             "<!ATTLIST HealthData\n  locale CDATA #REQUIRED\n>\n]>\n<HealthData locale=\"en_US\">\n" \
             " <ExportDate value=\"2024-03-11 09:00:00 -0400\"/>\n"
#define TAIL "</HealthData>\n"
#define REC(type, unit, value, start, end) \
    " <Record type=\"" type "\" sourceName=\"Watch\" unit=\"" unit "\" startDate=\"" start "\" endDate=\"" end "\" value=\"" value "\"/>\n"
#define HR(value, at) REC("HKQuantityTypeIdentifierHeartRate", "count/min", value, at, at)

typedef struct result {
    wfm_status st;
    wfm_error err;
    wfm_import_counts counts;
    wfm_minutes *t;
    size_t kept[4], above;
} result;

/* Feeds `xml` in pieces of `piece` bytes (0: whole), finishes, builds the table. */
static result import(const char *xml, size_t piece, const wfm_import_options *o) {
    result r;
    memset(&r, 0, sizeof r);
    wfm_aggregator *a = NULL;
    wfm_apple_health *p = NULL;
    CHECK(wfm_aggregator_create(&a, NULL) == WFM_OK);
    r.st = wfm_apple_health_create(a, o, &p, &r.err);
    size_t n = strlen(xml);
    for (size_t at = 0; !r.st && at < n; at += piece ? piece : n)
        r.st = wfm_apple_health_feed(p, xml + at, piece && n - at > piece ? piece : n - at, &r.err);
    if (!r.st) r.st = wfm_apple_health_finish(p, &r.counts, &r.err);
    if (!r.st) r.st = wfm_import_table(a, &r.t, &r.err);
    static const char *names[4] = {"heart_rate", "steps", "intensity", "sleep_state"};
    for (int c = 0; c < 4; c++) {
        int id;
        if (wfm_aggregator_channel(a, names[c], &id, NULL) == WFM_OK) {
            r.kept[c] = wfm_aggregator_count(a, id, WFM_KEPT);
            r.above += wfm_aggregator_count(a, id, WFM_DROP_ABOVE);
        }
    }
    wfm_apple_health_free(p);
    wfm_aggregator_free(a);
    return r;
}

static float cell(const result *r, int h, int m, int c) {
    if (!r->t) return -999;
    int64_t row = day10 + h * 60 + m - wfm_minutes_start(r->t);
    if (row < 0 || (size_t)row >= wfm_minutes_length(r->t)) return -999;
    return wfm_minutes_values(r->t)[row * 4 + c];
}

static const char *DAY =
    HEAD HR("60", "2024-03-10 08:00:05 -0500") HR("70", "2024-03-10 08:00:50 -0500") HR("400", "2024-03-10 08:01:10 -0500")
    REC("HKQuantityTypeIdentifierHeartRate", "count/s", "1.5", "2024-03-10 08:02:00 -0500", "2024-03-10 08:02:00 -0500")
    REC("HKQuantityTypeIdentifierHeartRate", "mmHg", "80", "2024-03-10 08:03:00 -0500", "2024-03-10 08:03:00 -0500")
    " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"W\" device=\"&lt;&lt;HKDevice: 0x6&gt;, name:Apple Watch&gt;\""
    " unit=\"count/min\" startDate=\"2024-03-10 08:04:00 -0500\" endDate=\"2024-03-10 08:04:00 -0500\" value=\"64\">\n"
    "  <MetadataEntry key=\"HKMetadataKeyHeartRateMotionContext\" value=\"1\"/>\n"
    "  <HeartRateVariabilityMetadataList><InstantaneousBeatsPerMinute bpm=\"61\" time=\"8:04:00.10 AM\"/></HeartRateVariabilityMetadataList>\n"
    " </Record>\n"
    REC("HKQuantityTypeIdentifierBodyMass", "lb", "150", "2024-03-10 08:00:00 -0500", "2024-03-10 08:00:00 -0500")
    /* 120 steps over 08:10:30-08:12:30 from the Watch; the iPhone counts 100 of the same in 08:10-08:12 */
    REC("HKQuantityTypeIdentifierStepCount", "count", "120", "2024-03-10 08:10:30 -0500", "2024-03-10 08:12:30 -0500")
    " <Record type=\"HKQuantityTypeIdentifierStepCount\" sourceName=\"iPhone\" unit=\"count\" startDate=\"2024-03-10 08:10:00 -0500\""
    " endDate=\"2024-03-10 08:12:00 -0500\" value=\"100\"/>\n"
    REC("HKQuantityTypeIdentifierStepCount", "count", "7", "2024-03-10 08:20:00 -0500", "2024-03-10 08:20:00 -0500")
    REC("HKQuantityTypeIdentifierStepCount", "count", "9", "2024-03-10 08:30:00 -0500", "2024-03-10 08:29:00 -0500")
    REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisInBed", "2024-03-10 00:00:00 -0500", "2024-03-10 02:00:00 -0500")
    REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisAsleepCore", "2024-03-10 00:10:00 -0500", "2024-03-10 00:40:00 -0500")
    REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisAwake", "2024-03-10 00:40:00 -0500", "2024-03-10 00:45:00 -0500")
    REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisAsleepREM", "2024-03-10 00:45:00 -0500", "2024-03-10 01:00:00 -0500")
    REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisSomethingNew", "2024-03-10 01:00:00 -0500", "2024-03-10 01:05:00 -0500")
    TAIL;

TEST(records_become_minutes_by_type_unit_and_source) {
    result r = import(DAY, 0, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 8, 0, 0) == 65 && isnan(cell(&r, 8, 1, 0)) && cell(&r, 8, 2, 0) == 90 && isnan(cell(&r, 8, 3, 0)));
    CHECK(cell(&r, 8, 4, 0) == 64 && r.above == 1);
    /* steps: the Watch 30, 60, 30 by overlap; the iPhone 50, 50; each minute the larger */
    CHECK(cell(&r, 8, 10, 1) == 50 && cell(&r, 8, 11, 1) == 60 && cell(&r, 8, 12, 1) == 30 && isnan(cell(&r, 8, 13, 1)));
    CHECK(cell(&r, 8, 20, 1) == 7 && isnan(cell(&r, 8, 30, 1)) && isnan(cell(&r, 8, 29, 1)));
    CHECK(isnan(cell(&r, 0, 5, 3)) && cell(&r, 0, 10, 3) == 2 && cell(&r, 0, 39, 3) == 2 && cell(&r, 0, 40, 3) == 0);
    CHECK(cell(&r, 0, 44, 3) == 0 && cell(&r, 0, 45, 3) == 2 && isnan(cell(&r, 1, 0, 3)));
    /* ignored: BodyMass, InBed; bad: the mmHg rate, the step record ending before it starts, the unknown sleep value */
    CHECK_MSG(r.counts.ignored == 2 && r.counts.bad_records == 3 && r.counts.files == 1, "ignored %zu bad %zu",
              r.counts.ignored, r.counts.bad_records);
    CHECK(r.t && isnan(cell(&r, 8, 0, 2)) && !strcmp(wfm_minutes_channel_name(r.t, 2), "intensity"));
    wfm_minutes_free(r.t);
}

TEST(streaming_in_any_pieces_gives_the_same_table) {
    result whole = import(DAY, 0, NULL);
    static const size_t pieces[] = {1, 7, 100, 4096};
    for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
        result r = import(DAY, pieces[i], NULL);
        CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
        CHECK(whole.t && r.t && wfm_minutes_length(r.t) == wfm_minutes_length(whole.t));
        if (whole.t && r.t && wfm_minutes_length(r.t) == wfm_minutes_length(whole.t)) {
            size_t n = wfm_minutes_length(r.t) * 4, same = 0;
            for (size_t k = 0; k < n; k++) {
                float x = wfm_minutes_values(r.t)[k], y = wfm_minutes_values(whole.t)[k];
                same += x == y || (isnan(x) && isnan(y));
            }
            CHECK_MSG(same == n, "pieces of %zu: %zu of %zu cells", pieces[i], same, n);
        }
        wfm_minutes_free(r.t);
    }
    wfm_minutes_free(whole.t);
}

TEST(times_keep_their_recorded_clock_or_one_fixed_offset) {
    const char *xml = HEAD HR("60", "2024-03-10 08:00:00 -0500") HR("70", "2024-03-10 08:00:00 +0100") TAIL;
    result r = import(xml, 0, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 8, 0, 0) == 65);
    wfm_minutes_free(r.t);
    wfm_import_options o = wfm_import_default_options();
    o.fixed_offset = 1;
    o.utc_offset_minutes = -300;
    r = import(xml, 0, &o);
    CHECK(cell(&r, 8, 0, 0) == 60 && cell(&r, 2, 0, 0) == 70);
    wfm_minutes_free(r.t);
    /* A sleep record across the daylight-saving change (01:50 EST to 03:10 EDT) lasts 20 minutes, not 80. */
    xml = HEAD REC("HKCategoryTypeIdentifierSleepAnalysis", "", "HKCategoryValueSleepAnalysisAsleepDeep",
                   "2024-03-10 01:50:00 -0500", "2024-03-10 03:10:00 -0400") TAIL;
    r = import(xml, 0, NULL);
    CHECK(cell(&r, 1, 50, 3) == 2 && cell(&r, 2, 9, 3) == 2 && isnan(cell(&r, 2, 10, 3)) && isnan(cell(&r, 3, 0, 3)));
    wfm_minutes_free(r.t);
}

/* Bad files: a clear message with the place, and WFM_ERR_INVALID_ARG. */
TEST(bad_files_stop_with_the_place_named) {
    static const struct { const char *xml, *says; } bad[] = {
        {HEAD HR("60", "2024-03-10 08:00:05 -0500") "<Record type=\"x\"", "unclosed token"},
        {HEAD HR("60", "2024-03-10 08:00:05 -0500") "</Health>\n", "mismatched tag"},
        {"<?xml version=\"1.0\"?>\n<gpx version=\"1.1\"></gpx>\n", "the document is <gpx>, not Apple Health's <HealthData>"},
        {"<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n<!ENTITY a \"aaaaaaaaaa\">\n<!ENTITY b \"&a;&a;&a;&a;&a;\">\n]>\n"
         "<HealthData>&b;</HealthData>", "the file declares an entity"},
        {HEAD HR("60", "10 March 2024 08:00") TAIL, "line 10, column 2: a Record's startDate is not a date and time"},
        {HEAD HR("sixty", "2024-03-10 08:00:05 -0500") TAIL, "a heart-rate Record's value is not a number"},
        {HEAD REC("HKQuantityTypeIdentifierStepCount", "count", "5", "2024-03-10 08:00:05 -0500", "") TAIL, "endDate"},
        {"", "no element found (is this Apple Health's export.xml?)"},
        {"timestamp,heart_rate\n2024-03-10T08:00,60\n", "syntax error (is this Apple Health's export.xml?)"},
        {"\xff\xfe<\0H\0", "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        result r = import(bad[i].xml, i % 2 ? 3 : 0, NULL);
        CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && r.err.status == r.st && strstr(r.err.message, bad[i].says),
                  "case %zu: status %d '%s'", i, r.st, r.err.message);
        CHECK(!r.t);
    }
    /* A prologue that runs past 4 MiB before <HealthData> is not an export (it bounds the DTD). */
    size_t n = 5u << 20;
    char *big = malloc(n + 64);
    if (big) {
        int k = snprintf(big, 64, "<?xml version=\"1.0\"?>\n<!--");
        memset(big + k, 'x', n - (size_t)k);
        strcpy(big + n, "-->\n<HealthData/>");
        result r = import(big, 1 << 20, NULL);
        CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && strstr(r.err.message, "no <HealthData> element in the first 4 MiB"), "%s",
                  r.err.message);
        free(big);
    }
}

TEST(the_parser_refuses_misuse) {
    wfm_aggregator *a = NULL;
    wfm_apple_health *p = NULL;
    wfm_error err = {0};
    CHECK(wfm_apple_health_create(NULL, NULL, &p, &err) == WFM_ERR_INVALID_ARG && !p);
    CHECK(wfm_aggregator_create(&a, NULL) == WFM_OK);
    wfm_import_options o = wfm_import_default_options();
    o.utc_offset_minutes = 5000;
    CHECK(wfm_apple_health_create(a, &o, &p, &err) == WFM_ERR_INVALID_ARG && !p);
    CHECK(wfm_apple_health_create(a, NULL, &p, &err) == WFM_OK);
    CHECK(wfm_apple_health_feed(p, NULL, 3, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_apple_health_feed(p, "<x>", 3, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "<x>"));
    memset(&err, 0, sizeof err);
    CHECK(wfm_apple_health_feed(p, "<y/>", 4, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "<x>")); /* sticky */
    CHECK(wfm_apple_health_finish(p, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "<x>"));
    wfm_apple_health_free(p);
    wfm_apple_health_free(NULL);
    CHECK(wfm_apple_health_create(a, NULL, &p, &err) == WFM_OK);
    const char *ok = HEAD HR("60", "2024-03-10 08:00:05 -0500") TAIL;
    CHECK(wfm_apple_health_feed(p, ok, strlen(ok), &err) == WFM_OK && wfm_apple_health_finish(p, NULL, &err) == WFM_OK);
    CHECK(wfm_apple_health_finish(p, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "finished"));
    CHECK(wfm_apple_health_feed(p, "x", 1, &err) == WFM_ERR_INVALID_ARG);
    wfm_apple_health_free(p);
    wfm_aggregator_free(a);
}

int main(void) {
    setlocale(LC_ALL, "C");
    wfm_parse_minute("2024-03-10T00:00", 16, &day10);
    RUN(records_become_minutes_by_type_unit_and_source);
    RUN(streaming_in_any_pieces_gives_the_same_table);
    RUN(times_keep_their_recorded_clock_or_one_fixed_offset);
    RUN(bad_files_stop_with_the_place_named);
    RUN(the_parser_refuses_misuse);
    return TEST_SUMMARY();
}
