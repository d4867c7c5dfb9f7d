/* Fill bands (include/wearfm/fill_bands.h): the file's rules, the binding
 * to one model, and the interval per missing minute. */
#include "wearfm.h"
#include "model_builder.h"
#include "testing.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T = 60, C = 2 };

static wfm_model *small_model(unsigned seed) {
    size_t size;
    mb_config mc = {.T = T, .P = 10, .C = C, .de = 8, .le = 1, .he = 2, .me = 16, .dd = 8, .ld = 1, .hd = 2, .md = 16};
    uint8_t *buf = mb_build(&mc, seed, &size);
    wfm_model *m = NULL;
    CHECK(wfm_model_load_buffer(buf, size, NULL, &m, NULL) == WFM_OK);
    free(buf);
    return m;
}

/* A bands file for channel ch1 with the given rows, bound to hash. */
static char *bands_json(const char *hash, const char *rows) {
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"model\": {\"file\": \"m.safetensors\", \"weights_hash\": \"%s\"}, \"coverage\": 0.8,"
             " \"channels\": {\"ch1\": {\"minutes\": 100, \"bands\": [%s]}}}", hash, rows);
    return buf;
}

static const char *ROWS = "{\"from\": 1, \"to\": 5, \"low\": -1, \"high\": 2},"
                          " {\"from\": 6, \"to\": 20, \"n\": 3},"
                          " {\"from\": 21, \"to\": 40, \"low\": -4, \"high\": 8}";

static wfm_fill_bands *load_ok(wfm_model *m, const char *rows) {
    const char *j = bands_json(wfm_model_weights_hash(m), rows);
    wfm_fill_bands *b = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_fill_bands_load(m, j, strlen(j), &b, &err) == WFM_OK, "%s", err.message);
    return b;
}

TEST(interval_by_distance_to_the_nearest_recorded_minute) {
    wfm_model *m = small_model(1);
    wfm_fill_bands *b = load_ok(m, ROWS);
    CHECK(b && wfm_fill_bands_coverage(b) == 0.8);
    CHECK(!wfm_fill_bands_has_channel(b, 0) && wfm_fill_bands_has_channel(b, 1));
    float x[T * C], fill[T * C], lo[T * C], hi[T * C];
    for (int t = 0; t < T; t++) {
        x[t * C + 0] = NAN;                 /* ch0 has no bands */
        x[t * C + 1] = t == 10 ? 70.0f : NAN; /* ch1 recorded at minute 10 only */
        fill[t * C + 0] = fill[t * C + 1] = 100.0f;
    }
    CHECK(wfm_fill_bands_window(b, x, fill, lo, hi, NULL) == WFM_OK);
    CHECK(isnan(lo[10 * C + 1]) && isnan(hi[10 * C + 1]));       /* recorded: no band */
    CHECK(lo[11 * C + 1] == 99.0f && hi[11 * C + 1] == 102.0f);   /* 1 min away: row 1 */
    CHECK(lo[5 * C + 1] == 99.0f && hi[15 * C + 1] == 102.0f);    /* 5 min either side */
    CHECK(isnan(lo[16 * C + 1]) && isnan(hi[4 * C + 1]));      /* 6 min: a row without a band */
    CHECK(lo[31 * C + 1] == 96.0f && hi[31 * C + 1] == 108.0f);   /* 21 min: row 3 */
    CHECK(lo[59 * C + 1] == 96.0f && hi[59 * C + 1] == 108.0f);   /* 49 min, past the last row: the last row */
    for (int t = 0; t < T; t++) CHECK(isnan(lo[t * C + 0]) && isnan(hi[t * C + 0]));
    /* a channel missing all window: not measured, no band */
    for (int t = 0; t < T; t++) x[t * C + 1] = NAN;
    CHECK(wfm_fill_bands_window(b, x, fill, lo, hi, NULL) == WFM_OK);
    for (int t = 0; t < T; t++) CHECK(isnan(lo[t * C + 1]));
    CHECK(wfm_fill_bands_window(b, NULL, fill, lo, hi, NULL) == WFM_ERR_INVALID_ARG);
    wfm_fill_bands_free(b);
    wfm_fill_bands_free(NULL);
    wfm_model_free(m);
}

TEST(another_models_bands_are_refused) {
    wfm_model *m = small_model(1), *other = small_model(2);
    CHECK(strcmp(wfm_model_weights_hash(m), wfm_model_weights_hash(other)) != 0);
    const char *j = bands_json(wfm_model_weights_hash(other), ROWS);
    wfm_fill_bands *b = (wfm_fill_bands *)1;
    wfm_error err = {0};
    CHECK(wfm_fill_bands_load(m, j, strlen(j), &b, &err) == WFM_ERR_INVALID_ARG && b == NULL);
    CHECK_MSG(strstr(err.message, "another model"), "%s", err.message);
    wfm_model_free(m);
    wfm_model_free(other);
}

static void expect_format_error(wfm_model *m, const char *text, const char *says) {
    wfm_fill_bands *b = NULL;
    wfm_error err = {0};
    wfm_status s = wfm_fill_bands_load(m, text, strlen(text), &b, &err);
    CHECK_MSG(s == WFM_ERR_FORMAT || s == WFM_ERR_INVALID_ARG, "status %d for %s", (int)s, text);
    CHECK(b == NULL);
    CHECK_MSG(strstr(err.message, says), "'%s' lacks '%s'", err.message, says);
}

TEST(malformed_files_are_refused_with_a_reason) {
    wfm_model *m = small_model(1);
    const char *h = wfm_model_weights_hash(m);
    char text[4096];
    expect_format_error(m, "", "json");
    expect_format_error(m, "[1]", "not a JSON object");
    expect_format_error(m, "{\"coverage\": 0.8}", "weights_hash");
    snprintf(text, sizeof text, "%s", bands_json(h, ROWS));
    char *cov = strstr(text, "0.8");
    memcpy(cov, "1.5", 3);
    expect_format_error(m, text, "coverage");
    expect_format_error(m, bands_json(h, ""), "1 to 60 rows");
    expect_format_error(m, bands_json(h, "{\"from\": 0, \"to\": 5, \"low\": -1, \"high\": 1}"), "whole minutes");
    expect_format_error(m, bands_json(h, "{\"from\": 3, \"to\": 2, \"low\": -1, \"high\": 1}"), "whole minutes");
    expect_format_error(m, bands_json(h, "{\"from\": 1.5, \"to\": 2, \"low\": -1, \"high\": 1}"), "whole minutes");
    expect_format_error(m, bands_json(h, "{\"from\": 1, \"to\": 99, \"low\": -1, \"high\": 1}"), "whole minutes");
    expect_format_error(m, bands_json(h, "{\"from\": 1, \"to\": 5, \"low\": -1, \"high\": 1},"
                                         " {\"from\": 5, \"to\": 9, \"low\": -1, \"high\": 1}"), "overlaps");
    expect_format_error(m, bands_json(h, "{\"from\": 1, \"to\": 5, \"low\": 2, \"high\": 1}"), "\"low\" <= \"high\"");
    expect_format_error(m, bands_json(h, "{\"from\": 1, \"to\": 5, \"low\": -1}"), "\"low\" <= \"high\"");
    expect_format_error(m, bands_json(h, "{\"from\": 1, \"to\": 5, \"low\": \"-1\", \"high\": 1}"), "\"low\" <= \"high\"");
    snprintf(text, sizeof text, "{\"model\": {\"weights_hash\": \"%s\"}, \"coverage\": 0.8, \"channels\": "
             "{\"pulse\": {\"bands\": [{\"from\": 1, \"to\": 5, \"low\": -1, \"high\": 1}]}}}", h);
    expect_format_error(m, text, "'pulse' is not a channel");
    wfm_fill_bands *b = NULL;
    CHECK(wfm_fill_bands_load(NULL, "{}", 2, &b, NULL) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_fill_bands_load(m, "{}", 2, NULL, NULL) == WFM_ERR_INVALID_ARG);
    wfm_model_free(m);
}

int main(void) {
    RUN(interval_by_distance_to_the_nearest_recorded_minute);
    RUN(another_models_bands_are_refused);
    RUN(malformed_files_are_refused_with_a_reason);
    return TEST_SUMMARY();
}
