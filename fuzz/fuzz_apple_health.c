/* libFuzzer target for the Apple Health importer (src/data/apple_health.c, over
 * the vendored expat). The first byte picks where the file is split into two
 * feeds and the time options; the rest is the file. Any input must give
 * WFM_OK or a clean error (the first error stays: later calls repeat it);
 * every sample given to the aggregator must be counted by it, and the table
 * must hold only values the rules keep. */
#include "import_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    wfm_import_options o = wfm_import_default_options();
    o.fixed_offset = data[0] & 1;
    o.utc_offset_minutes = ((data[0] >> 1) & 7) * 120 - 420;
    const uint8_t *x = data + 1;
    size_t n = size - 1, cut = n * (data[0] >> 4) / 15;
    wfm_aggregator *a = NULL;
    wfm_apple_health *p = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    REQUIRE(wfm_aggregator_create(&a, &err) == WFM_OK);
    REQUIRE(wfm_apple_health_create(a, &o, &p, &err) == WFM_OK);
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    wfm_status st = wfm_apple_health_feed(p, x, cut, &err);
    if (!st) st = wfm_apple_health_feed(p, x + cut, n - cut, &err);
    if (!st) st = wfm_apple_health_finish(p, &c, &err);
    if (st) {
        REQUIRE(st == WFM_ERR_INVALID_ARG || st == WFM_ERR_NO_MEMORY);
        REQUIRE(err.status == st && err.message[0]);
        wfm_error again;
        memset(&again, 0, sizeof again);
        REQUIRE(wfm_apple_health_finish(p, NULL, &again) == st && !strcmp(again.message, err.message));
    } else {
        REQUIRE(counted_samples(a) == c.samples && c.files == 1);
        check_import_table(a, &err);
    }
    wfm_apple_health_free(p);
    wfm_aggregator_free(a);
    return 0;
}
