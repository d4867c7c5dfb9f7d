/* libFuzzer target for the Apple Health importer (src/apple_health.c, over
 * the vendored expat). The first byte picks where the file is split into two
 * feeds and the time options; the rest is the file. Any input must give
 * WFM_OK or a clean error (the first error stays: later calls repeat it);
 * every sample given to the aggregator must be counted by it, and the table
 * must hold only values the rules keep. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

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
        size_t counted = 0;
        for (int ch = 0; ch < wfm_aggregator_channels(a); ch++)
            for (int why = 0; why < WFM_DROP_REASONS; why++) counted += wfm_aggregator_count(a, ch, (wfm_drop_reason)why);
        REQUIRE(counted == c.samples && c.files == 1);
        wfm_minutes *t = NULL;
        wfm_status ts = wfm_import_table(a, &t, &err);
        REQUIRE(ts == WFM_OK || ts == WFM_ERR_NO_DATA || ts == WFM_ERR_INVALID_ARG || ts == WFM_ERR_NO_MEMORY);
        if (t) {
            const float *v = wfm_minutes_values(t);
            for (size_t i = 0; i < wfm_minutes_length(t) * 4; i++)
                if (!isnan(v[i]))
                    REQUIRE(wfm_channel_check(wfm_channel_rule_find(wfm_minutes_channel_name(t, (int)(i % 4))), v[i]) == WFM_KEPT);
            wfm_minutes_free(t);
        }
    }
    wfm_apple_health_free(p);
    wfm_aggregator_free(a);
    return 0;
}
