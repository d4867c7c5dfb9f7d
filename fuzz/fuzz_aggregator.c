/* libFuzzer target for the minute aggregator. The input is a stream of
 * 12-byte records: one op byte (sample, gap open, gap close, new channel),
 * a channel byte, a segment byte, a spare byte, then a float time offset
 * (minutes from a base day) and a float value. Any stream must give a table
 * or a clean error; a table must hold only values its rules keep, and its
 * counts must add up to the samples given. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const char *names[] = {"heart_rate", "rr", "steps", "intensity", "sleep_state", "movement", "energy_expended",
                              "hrv_rmssd", "skin_temp", "a,b"};
#define N_NAMES (sizeof names / sizeof *names)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wfm_aggregator *a = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    REQUIRE(wfm_aggregator_create(&a, &err) == WFM_OK);
    int ids[N_NAMES];
    size_t given[64] = {0};
    for (size_t i = 0; i < N_NAMES; i++) ids[i] = -1;
    const double base = 24 * 60 * 60000.0 * 19800; /* 2024-03-18, local ms */
    for (size_t o = 0; o + 12 <= size; o += 12) {
        float dt, v;
        memcpy(&dt, data + o + 4, 4);
        memcpy(&v, data + o + 8, 4);
        size_t k = data[o + 1] % N_NAMES;
        double t = base + (double)dt * 60000.0;
        switch (data[o] % 4) {
        case 0: /* a sample */
            if (ids[k] < 0) break;
            REQUIRE(wfm_aggregator_add(a, ids[k], t, v, data[o + 2] % 3, &err) == WFM_OK);
            given[ids[k]]++;
            break;
        case 1: if (wfm_aggregator_open_gap(a, t, &err) != WFM_OK) REQUIRE(isnan(t)); break;
        case 2: wfm_aggregator_close_gap(a, t); break;
        default: {
            int id;
            wfm_status st = wfm_aggregator_channel(a, names[k], &id, &err);
            REQUIRE(st == WFM_OK ? id >= 0 && id < 64 : id == -1 && err.message[0]);
            if (st == WFM_OK) ids[k] = id;
        }
        }
    }
    for (int c = 0; c < wfm_aggregator_channels(a); c++) {
        size_t sum = 0;
        for (int w = 0; w < WFM_DROP_REASONS; w++) sum += wfm_aggregator_count(a, c, (wfm_drop_reason)w);
        REQUIRE(sum == given[c]);
    }
    wfm_minutes *t = NULL;
    wfm_status st = wfm_aggregator_table(a, NULL, &t, &err);
    if (st == WFM_OK) {
        const int C = wfm_minutes_channels(t);
        const float *v = wfm_minutes_values(t);
        REQUIRE(C >= 1 && wfm_minutes_length(t) % 1440 == 0);
        for (int c = 0; c < C; c++) {
            const wfm_channel_rule *rule = wfm_channel_rule_find(wfm_minutes_channel_name(t, c));
            for (size_t r = 0; r < wfm_minutes_length(t); r++) {
                float x = v[r * (size_t)C + (size_t)c];
                REQUIRE(isnan(x) || wfm_channel_check(rule, x) == WFM_KEPT);
            }
        }
    } else {
        REQUIRE(!t && err.message[0]);
    }
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
    return 0;
}
