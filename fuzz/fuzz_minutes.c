/* libFuzzer target for the generic minute-CSV importer: any bytes must parse
 * or fail with a message naming the problem; a parsed table must be
 * consistent, hold only values its data rules keep, and its windows
 * extractable. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wfm_minutes *t = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    wfm_status st = wfm_minutes_read_csv((const char *)data, size, &t, &err);
    if (st != WFM_OK) {
        REQUIRE(t == NULL && err.message[0] != 0);
        return 0;
    }
    REQUIRE(t != NULL && wfm_minutes_channels(t) >= 1 && wfm_minutes_length(t) >= 1);
    size_t n = wfm_minutes_length(t) * (size_t)wfm_minutes_channels(t);
    const float *v = wfm_minutes_values(t);
    for (size_t i = 0; i < n; i++) REQUIRE(isnan(v[i]) || isfinite(v[i]));
    /* Every kept value passes its column's data rule. */
    const int C = wfm_minutes_channels(t);
    for (int c = 0; c < C; c++) {
        REQUIRE(wfm_minutes_channel_name(t, c)[0] != 0);
        const wfm_channel_rule *rule = wfm_channel_rule_find(wfm_minutes_channel_name(t, c));
        for (size_t r = 0; r < wfm_minutes_length(t); r++) {
            float x = v[r * (size_t)C + (size_t)c];
            REQUIRE(isnan(x) || wfm_channel_check(rule, x) == WFM_KEPT);
        }
    }
    char buf[20];
    wfm_format_minute(wfm_minutes_start(t), buf);
    int64_t back;
    REQUIRE(wfm_parse_minute(buf, strlen(buf), &back) == 0 && back == wfm_minutes_start(t));
    wfm_minutes_free(t);
    return 0;
}
