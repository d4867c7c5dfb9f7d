/* libFuzzer target for Fitbit's account export (src/data/takeout.c). The first
 * byte picks the file name (and so the kind: heart-rate, steps or sleep
 * JSON, a CSV, or a renamed file detected from its contents); the rest is
 * the file. Any input must give WFM_OK or a clean error; a failed add must
 * add nothing; every sample given to the aggregator must be counted by it,
 * and the table must hold only values the rules keep. */
#include "import_check.h"

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
    size_t counted = counted_samples(a), kept = 0;
    for (int ch = 0; ch < wfm_aggregator_channels(a); ch++) kept += wfm_aggregator_count(a, ch, WFM_KEPT);
    if (st != WFM_OK) {
        REQUIRE(st == WFM_ERR_INVALID_ARG || st == WFM_ERR_UNSUPPORTED || st == WFM_ERR_NO_MEMORY);
        REQUIRE(err.status == st && err.message[0]);
        REQUIRE(st == WFM_ERR_NO_MEMORY || (!counted && !c.files));
    } else {
        REQUIRE(c.files == 1 && counted == c.samples);
        wfm_status ts = check_import_table(a, &err);
        REQUIRE((ts == WFM_ERR_NO_DATA) == (kept == 0) || ts == WFM_ERR_NO_MEMORY);
    }
    wfm_aggregator_free(a);
    return 0;
}
