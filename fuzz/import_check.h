/* What every export importer's result must be (fuzz_takeout.c,
 * fuzz_apple_health.c, fuzz_fit.c): every sample given to the aggregator
 * counted by it, and the minute table holding only values the rules keep. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Samples the aggregator counted, under any reason (kept or dropped). */
static size_t counted_samples(const wfm_aggregator *a) {
    size_t counted = 0;
    for (int ch = 0; ch < wfm_aggregator_channels(a); ch++)
        for (int why = 0; why < WFM_DROP_REASONS; why++) counted += wfm_aggregator_count(a, ch, (wfm_drop_reason)why);
    return counted;
}

/* Builds the minute table and checks every value against its channel's
 * rule. Returns the table's status. */
static wfm_status check_import_table(wfm_aggregator *a, wfm_error *err) {
    wfm_minutes *t = NULL;
    wfm_status ts = wfm_import_table(a, &t, err);
    REQUIRE(ts == WFM_OK || ts == WFM_ERR_NO_DATA || ts == WFM_ERR_INVALID_ARG || ts == WFM_ERR_NO_MEMORY);
    if (t) {
        const float *v = wfm_minutes_values(t);
        for (size_t i = 0; i < wfm_minutes_length(t) * 4; i++)
            if (!isnan(v[i]))
                REQUIRE(wfm_channel_check(wfm_channel_rule_find(wfm_minutes_channel_name(t, (int)(i % 4))), v[i]) == WFM_KEPT);
        wfm_minutes_free(t);
    }
    return ts;
}
