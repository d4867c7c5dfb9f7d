/* libFuzzer target for Fitbit's account export (src/takeout.c). The first
 * byte picks the file name (and so the kind: heart-rate, steps or sleep
 * JSON, a CSV, or a renamed file detected from its contents); the rest is
 * the file. Any input must give WFM_OK or a clean error; a failed add must
 * add nothing; every sample given to the aggregator must be counted by it,
 * and the table must hold only values the rules keep. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const char *names[] = {"heart_rate-2024-03-10.json", "steps-2024-03-10.json", "sleep-2024-03-10.json",
                              "heart_rate_2024-03-10.csv", "renamed.json", "Takeout/Fitbit/x/steps_2024-03-11.csv"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    const char *name = names[data[0] % (sizeof names / sizeof *names)];
    wfm_import_options o = wfm_import_default_options();
    o.utc_offset_minutes = (data[0] >> 4) * 60 - 420;
    o.fixed_offset = data[0] >> 3 & 1;
    wfm_aggregator *a = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    REQUIRE(wfm_aggregator_create(&a, &err) == WFM_OK);
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    wfm_status st = wfm_takeout_add(a, name, (const char *)data + 1, size - 1, &o, &c, NULL, &err);
    size_t counted = 0, kept = 0;
    for (int ch = 0; ch < wfm_aggregator_channels(a); ch++)
        for (int why = 0; why < WFM_DROP_REASONS; why++) {
            counted += wfm_aggregator_count(a, ch, (wfm_drop_reason)why);
            if (!why) kept += wfm_aggregator_count(a, ch, WFM_KEPT);
        }
    if (st != WFM_OK) {
        REQUIRE(st == WFM_ERR_INVALID_ARG || st == WFM_ERR_UNSUPPORTED || st == WFM_ERR_NO_MEMORY);
        REQUIRE(err.status == st && err.message[0]);
        REQUIRE(st == WFM_ERR_NO_MEMORY || (!counted && !c.files));
    } else {
        REQUIRE(c.files == 1 && counted == c.samples);
        wfm_minutes *t = NULL;
        wfm_status ts = wfm_import_table(a, &t, &err);
        REQUIRE(ts == WFM_OK || ts == WFM_ERR_NO_DATA || ts == WFM_ERR_INVALID_ARG || ts == WFM_ERR_NO_MEMORY);
        REQUIRE((ts == WFM_ERR_NO_DATA) == (kept == 0) || ts == WFM_ERR_NO_MEMORY);
        if (t) {
            const float *v = wfm_minutes_values(t);
            for (size_t i = 0; i < wfm_minutes_length(t); i++)
                for (int k = 0; k < 4; k++) {
                    float x = v[i * 4 + (size_t)k];
                    if (isnan(x)) continue;
                    REQUIRE(wfm_channel_check(wfm_channel_rule_find(wfm_minutes_channel_name(t, k)), x) == WFM_KEPT);
                }
            wfm_minutes_free(t);
        }
    }
    wfm_aggregator_free(a);
    return 0;
}
