/* Garmin FIT files into the minute aggregator (src/data/fit.c). The files are
 * written here by a small builder that follows the FIT protocol (header,
 * definitions, data, compressed timestamps, developer fields, both CRCs).
 * Real device files (fetched by scripts/setup.sh, not committed) are read by
 * web/test/exports.test.mjs against Garmin's decoder. tests/data/fit/ holds files
 * written by Garmin's own JavaScript SDK for the CLI, WASI and browser
 * tests, which also compare with Garmin's decoder. */
#include "wearfm.h"
#include "testing.h"
#include <stdint.h>
#include <string.h>

#define FIT_EPOCH 631065600LL /* unix seconds of 1989-12-31T00:00:00Z */

typedef struct fit_buf {
    uint8_t b[8192];
    size_t n;
    int big; /* big-endian definitions and data */
} fit_buf;

#include "fit_crc.h"

static void u8(fit_buf *f, unsigned v) { f->b[f->n++] = (uint8_t)v; }
static void uint_n(fit_buf *f, uint32_t v, int size) {
    for (int i = 0; i < size; i++) u8(f, (v >> (8 * (f->big ? size - 1 - i : i))) & 0xFF);
}

static void begin(fit_buf *f) {
    memset(f, 0, sizeof *f);
    f->n = 14; /* the header is written by finish() */
}

/* Definition of local type `local` for global message `global`: fields as (num, size, base) triples. */
static void define(fit_buf *f, int local, int global, int n, const uint8_t (*fields)[3], int dev_bytes) {
    u8(f, 0x40 | (dev_bytes ? 0x20 : 0) | local);
    u8(f, 0);
    u8(f, f->big);
    uint_n(f, (uint32_t)global, 2);
    u8(f, (unsigned)n);
    for (int i = 0; i < n; i++) u8(f, fields[i][0]), u8(f, fields[i][1]), u8(f, fields[i][2]);
    if (dev_bytes) u8(f, 1), u8(f, 0), u8(f, (unsigned)dev_bytes), u8(f, 0);
}

static void finish(fit_buf *f) {
    uint32_t size = (uint32_t)(f->n - 14);
    uint8_t h[14] = {14, 0x20, 0x54, 0x08, (uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16), (uint8_t)(size >> 24),
                     '.', 'F', 'I', 'T', 0, 0};
    uint16_t hc = crc16(h, 12);
    h[12] = (uint8_t)hc, h[13] = (uint8_t)(hc >> 8);
    memcpy(f->b, h, 14);
    uint16_t c = crc16(f->b, f->n);
    f->b[f->n++] = (uint8_t)c;
    f->b[f->n++] = (uint8_t)(c >> 8);
}

/* FIT seconds of 2024-03-10 h:m:s UTC. */
static uint32_t at(int h, int m, int s) { return (uint32_t)(1710028800LL - FIT_EPOCH + h * 3600 + m * 60 + s); }

static const uint8_t RECORD[][3] = {{253, 4, 0x86}, {3, 1, 0x02}};

typedef struct run {
    wfm_status st;
    wfm_error err;
    wfm_import_counts counts;
    wfm_minutes *t;
    size_t above;
} run;

static run import(const fit_buf *f, const wfm_import_options *o) {
    run r;
    memset(&r, 0, sizeof r);
    wfm_aggregator *a = NULL;
    CHECK(wfm_aggregator_create(&a, NULL) == WFM_OK);
    r.st = wfm_fit_add(a, f->b, f->n, o, &r.counts, &r.err);
    if (!r.st) r.st = wfm_import_table(a, &r.t, &r.err);
    int id;
    if (wfm_aggregator_channel(a, "heart_rate", &id, NULL) == WFM_OK) r.above = wfm_aggregator_count(a, id, WFM_DROP_ABOVE);
    wfm_aggregator_free(a);
    return r;
}

static int64_t day10;
static float cell(const run *r, int h, int m, int c) {
    if (!r->t) return -999;
    int64_t row = day10 + h * 60 + m - wfm_minutes_start(r->t);
    if (row < 0 || (size_t)row >= wfm_minutes_length(r->t)) return -999;
    return wfm_minutes_values(r->t)[row * 4 + c];
}

TEST(activity_records_with_full_and_compressed_timestamps) {
    fit_buf f;
    begin(&f);
    static const uint8_t file_id[][3] = {{0, 1, 0x00}, {4, 4, 0x86}};
    define(&f, 0, 0, 2, file_id, 0);
    u8(&f, 0), u8(&f, 4), uint_n(&f, at(8, 0, 0), 4); /* type activity */
    define(&f, 1, 20, 2, RECORD, 0);
    u8(&f, 1), uint_n(&f, at(8, 0, 10), 4), u8(&f, 60);
    u8(&f, 1), uint_n(&f, at(8, 0, 50), 4), u8(&f, 70);
    /* compressed headers for local type 1 need a definition whose fields lack the timestamp */
    static const uint8_t HR_ONLY[][3] = {{3, 1, 0x02}};
    define(&f, 2, 20, 1, HR_ONLY, 0);
    uint32_t t = at(8, 0, 50);
    /* +20 s (offset 30 -> 8:01:10) and a rollover of the 5-bit counter */
    uint32_t t1 = t + 20, t2 = t1 + 25;
    u8(&f, 0x80 | (2 << 5) | (t1 & 0x1F)), u8(&f, 80);
    u8(&f, 0x80 | (2 << 5) | (t2 & 0x1F)), u8(&f, 90);
    u8(&f, 1), uint_n(&f, at(8, 2, 0), 4), u8(&f, 0xFF); /* invalid heart rate: no sample */
    u8(&f, 1), uint_n(&f, at(8, 3, 0), 4), u8(&f, 251);  /* implausible: dropped by the rule */
    finish(&f);
    run r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 8, 0, 0) == 65 && cell(&r, 8, 1, 0) == 85 && isnan(cell(&r, 8, 2, 0)) && isnan(cell(&r, 8, 3, 0)));
    CHECK(r.above == 1 && r.counts.utc_times == 5 && r.counts.files == 1);
    wfm_minutes_free(r.t);
    /* the same with the file in UTC+01:00 given as an option */
    wfm_import_options o = wfm_import_default_options();
    o.utc_offset_minutes = 60;
    r = import(&f, &o);
    CHECK(cell(&r, 9, 0, 0) == 65);
    wfm_minutes_free(r.t);
}

/* hr messages (132): an anchor (timestamp + time256, one event time in
 * 1/1024 s), then ten 12-bit event times packed LSB first, each added to the
 * last modulo 4096 (here 1 s = 1024 apart, so the 12-bit value wraps every
 * 4 events). Their heart rate is used only in minutes the records leave
 * without one. */
static void pack12(uint8_t *out, const uint32_t *v, int n) {
    memset(out, 0, (size_t)(n * 12 + 7) / 8);
    for (int k = 0; k < n; k++)
        for (int b = 0; b < 12; b++)
            if ((v[k] >> b) & 1) out[(k * 12 + b) / 8] |= (uint8_t)(1 << ((k * 12 + b) % 8));
}

TEST(stored_heart_rate_in_hr_messages) {
    fit_buf f;
    begin(&f);
    define(&f, 0, 20, 2, RECORD, 0);
    u8(&f, 0), uint_n(&f, at(8, 10, 30), 4), u8(&f, 60); /* the record covers 8:10 */
    static const uint8_t ANCHOR[][3] = {{253, 4, 0x86}, {1, 1, 0x02}, {9, 4, 0x86}, {6, 1, 0x02}};
    static const uint8_t DELTA[][3] = {{10, 15, 0x0D}, {6, 10, 0x02}};
    define(&f, 1, 132, 4, ANCHOR, 0);
    define(&f, 2, 132, 2, DELTA, 0);
    const uint32_t e0 = 5000000u; /* the anchor's event time, at 8:10:59.5 */
    u8(&f, 1), uint_n(&f, at(8, 10, 59), 4), u8(&f, 128), uint_n(&f, e0, 4), u8(&f, 100);
    uint32_t v[10];
    uint8_t packed[15];
    for (int k = 0; k < 10; k++) v[k] = (e0 + (uint32_t)(k + 1) * 1024u) & 0xFFF; /* 8:11:00.5 .. 8:11:09.5 */
    pack12(packed, v, 10);
    u8(&f, 2);
    for (int k = 0; k < 15; k++) u8(&f, packed[k]);
    for (int k = 0; k < 10; k++) u8(&f, k == 9 ? 0xFF : 110 + (unsigned)k); /* the last bpm is invalid */
    finish(&f);
    run r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK_MSG(cell(&r, 8, 10, 0) == 60, "8:10 %g: the record's minute keeps its own", cell(&r, 8, 10, 0));
    CHECK_MSG(cell(&r, 8, 11, 0) == 114, "8:11 %g", cell(&r, 8, 11, 0)); /* mean of 110..118 */
    CHECK(isnan(cell(&r, 8, 12, 0)));
    wfm_minutes_free(r.t);
    /* a delta message before any anchor has no time: nothing is read */
    begin(&f);
    define(&f, 2, 132, 2, DELTA, 0);
    u8(&f, 2);
    for (int k = 0; k < 15; k++) u8(&f, packed[k]);
    for (int k = 0; k < 10; k++) u8(&f, 110);
    finish(&f);
    r = import(&f, NULL);
    CHECK(r.st != WFM_OK && !r.t);
}

TEST(the_activity_message_gives_local_time) {
    fit_buf f;
    begin(&f);
    define(&f, 0, 20, 2, RECORD, 0);
    u8(&f, 0), uint_n(&f, at(13, 0, 0), 4), u8(&f, 100);
    static const uint8_t ACTIVITY[][3] = {{253, 4, 0x86}, {5, 4, 0x86}};
    define(&f, 1, 34, 2, ACTIVITY, 0);
    u8(&f, 1), uint_n(&f, at(13, 30, 0), 4), uint_n(&f, at(13, 30, 0) - 5 * 3600, 4); /* UTC-05:00 */
    finish(&f);
    run r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 8, 0, 0) == 100 && !r.counts.utc_times);
    wfm_minutes_free(r.t);
    wfm_import_options o = wfm_import_default_options();
    o.fixed_offset = 1;
    o.utc_offset_minutes = 60;
    r = import(&f, &o);
    CHECK(cell(&r, 14, 0, 0) == 100);
    wfm_minutes_free(r.t);
}

TEST(monitoring_steps_are_differences_of_the_cumulative_count) {
    fit_buf f;
    begin(&f);
    static const uint8_t INFO[][3] = {{253, 4, 0x86}, {0, 4, 0x86}};
    define(&f, 0, 103, 2, INFO, 0);
    u8(&f, 0), uint_n(&f, at(0, 0, 0), 4), uint_n(&f, at(0, 0, 0), 4); /* local = UTC */
    static const uint8_t MON[][3] = {{253, 4, 0x86}, {3, 4, 0x86}, {5, 1, 0x00}};
    define(&f, 1, 55, 3, MON, 0);
    u8(&f, 1), uint_n(&f, at(8, 0, 0), 4), uint_n(&f, 100, 4), u8(&f, 6);  /* walking: 100 so far today */
    u8(&f, 1), uint_n(&f, at(8, 2, 0), 4), uint_n(&f, 220, 4), u8(&f, 6);  /* +120 over 2 minutes */
    u8(&f, 1), uint_n(&f, at(8, 2, 0), 4), uint_n(&f, 500, 4), u8(&f, 2);  /* cycling: not steps */
    u8(&f, 1), uint_n(&f, at(8, 3, 0), 4), uint_n(&f, 40, 4), u8(&f, 1);   /* running, its own count */
    u8(&f, 1), uint_n(&f, at(8, 4, 0), 4), uint_n(&f, 100, 4), u8(&f, 1);  /* +60 */
    /* all-day heart rate with 16-bit timestamps */
    static const uint8_t HR16[][3] = {{26, 2, 0x84}, {27, 1, 0x02}};
    define(&f, 2, 55, 2, HR16, 0);
    u8(&f, 2), uint_n(&f, (at(8, 5, 30)) & 0xFFFF, 2), u8(&f, 58);
    finish(&f);
    run r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 7, 59, 1) == 100 && cell(&r, 8, 0, 1) == 60 && cell(&r, 8, 1, 1) == 60 && cell(&r, 8, 2, 1) == 40);
    CHECK(cell(&r, 8, 3, 1) == 60 && isnan(cell(&r, 8, 4, 1)));
    CHECK(cell(&r, 8, 5, 0) == 58 && r.counts.ignored >= 1);
    wfm_minutes_free(r.t);
}

TEST(big_endian_developer_fields_and_chained_files) {
    fit_buf f;
    begin(&f);
    f.big = 1;
    define(&f, 3, 20, 2, RECORD, 2); /* two bytes of a developer field after the standard ones */
    u8(&f, 3), uint_n(&f, at(10, 0, 0), 4), u8(&f, 120), u8(&f, 0xAB), u8(&f, 0xCD);
    finish(&f);
    fit_buf g;
    begin(&g);
    define(&g, 0, 20, 2, RECORD, 0);
    u8(&g, 0), uint_n(&g, at(10, 0, 30), 4), u8(&g, 130);
    finish(&g);
    fit_buf both = f;
    memcpy(both.b + both.n, g.b, g.n);
    both.n += g.n;
    run r = import(&both, NULL);
    CHECK_MSG(r.st == WFM_OK, "%s", r.err.message);
    CHECK(cell(&r, 10, 0, 0) == 125);
    wfm_minutes_free(r.t);
}

TEST(damaged_files_are_refused_whole_naming_the_byte) {
    fit_buf ok;
    begin(&ok);
    define(&ok, 0, 20, 2, RECORD, 0);
    u8(&ok, 0), uint_n(&ok, at(8, 0, 0), 4), u8(&ok, 60);
    finish(&ok);
    struct { const char *says; size_t cut; int flip; } cases[] = {
        {"it is cut off", ok.n - 3, -1},
        {"the file's CRC does not match", 0, 20},
        {"the header's CRC does not match", 0, 5},
        {"not a FIT file", 0, 8},
        {"too short", 5, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fit_buf f = ok;
        if (cases[i].cut) f.n = cases[i].cut;
        if (cases[i].flip >= 0) f.b[cases[i].flip] ^= 0x40;
        run r = import(&f, NULL);
        CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && strstr(r.err.message, cases[i].says) && strstr(r.err.message, "byte "),
                  "case %zu: %d '%s'", i, r.st, r.err.message);
        CHECK(!r.t);
    }
    /* structure errors, with valid CRCs */
    fit_buf f;
    begin(&f);
    u8(&f, 0x05), u8(&f, 1);
    finish(&f);
    run r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && strstr(r.err.message, "byte 14: a data message for a local type that was never defined"), "%s", r.err.message);
    begin(&f);
    define(&f, 0, 20, 2, RECORD, 0);
    u8(&f, 0), uint_n(&f, at(8, 0, 0), 4); /* the heart-rate byte is missing */
    finish(&f);
    r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && strstr(r.err.message, "runs past the end"), "%s", r.err.message);
    begin(&f);
    u8(&f, 0x80 | 1);
    finish(&f);
    r = import(&f, NULL);
    CHECK(r.st == WFM_ERR_INVALID_ARG);
    /* trailing bytes that are not a FIT file */
    f = ok;
    memcpy(f.b + f.n, "garbage!!!!!!!", 14);
    f.n += 14;
    r = import(&f, NULL);
    CHECK_MSG(r.st == WFM_ERR_INVALID_ARG && strstr(r.err.message, "bytes after the FIT file"), "%s", r.err.message);
    /* nothing was added by any of them; a valid file without samples has no table */
    begin(&f);
    finish(&f);
    r = import(&f, NULL);
    CHECK(r.st == WFM_ERR_NO_DATA && !r.t);
    CHECK(wfm_fit_add(NULL, "", 0, NULL, NULL, NULL) == WFM_ERR_INVALID_ARG);
}

int main(void) {
    setlocale(LC_ALL, "C");
    wfm_parse_minute("2024-03-10T00:00", 16, &day10);
    RUN(activity_records_with_full_and_compressed_timestamps);
    RUN(stored_heart_rate_in_hr_messages);
    RUN(the_activity_message_gives_local_time);
    RUN(monitoring_steps_are_differences_of_the_cumulative_count);
    RUN(big_endian_developer_fields_and_chained_files);
    RUN(damaged_files_are_refused_whole_naming_the_byte);
    return TEST_SUMMARY();
}
