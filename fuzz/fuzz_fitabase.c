/* libFuzzer target for the Fitabase importer. The input is split at NUL
 * bytes into up to 4 files, added in turn to one accumulator: each must be
 * added or fail with a message. Then every user's table must build, with
 * and without the non-wear rule, and be consistent. A failing file must
 * leave no trace: a second accumulator given only the files that succeeded
 * must end up identical. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int plausible(int c, float v) {
    if (isnan(v)) return 1;
    switch (c) {
    case WFM_FITABASE_HEART_RATE: return v >= 25 && v <= 250;
    case WFM_FITABASE_STEPS: return v >= 0 && v <= 300 && v == floorf(v);
    case WFM_FITABASE_INTENSITY: return v >= 0 && v <= 3 && v == floorf(v);
    default: return v == 0 || v == 1 || v == 2;
    }
}

/* Builds every user's table, checks it, and returns a fingerprint of the
 * tables without the non-wear rule. */
static uint64_t check_tables(const wfm_fitabase *fb) {
    uint64_t h = 1469598103934665603ull;
    wfm_fitabase_options off = wfm_fitabase_default_options(), on = off;
    off.nonwear_rule = WFM_NONWEAR_OFF;
    wfm_missingness miss;
    memset(&miss, 0, sizeof miss);
    for (size_t u = 0; u < wfm_fitabase_user_count(fb); u++) {
        int64_t id = wfm_fitabase_user_id(fb, u);
        REQUIRE(id >= 0 && (u == 0 || id > wfm_fitabase_user_id(fb, u - 1)));
        wfm_minutes *raw = NULL, *ruled = NULL;
        wfm_error err;
        memset(&err, 0, sizeof err);
        size_t changed = 1;
        REQUIRE(wfm_fitabase_user_minutes(fb, id, &off, &raw, &changed, &err) == WFM_OK && changed == 0);
        REQUIRE(wfm_fitabase_user_minutes(fb, id, &on, &ruled, &changed, &err) == WFM_OK);
        size_t n = wfm_minutes_length(raw);
        REQUIRE(n > 0 && n % 1440 == 0 && wfm_minutes_start(raw) % 1440 == 0 && changed <= n);
        REQUIRE(wfm_minutes_length(ruled) == n && wfm_minutes_start(ruled) == wfm_minutes_start(raw));
        REQUIRE(wfm_minutes_channels(raw) == WFM_FITABASE_CHANNELS);
        const float *a = wfm_minutes_values(raw), *b = wfm_minutes_values(ruled);
        size_t differ = 0;
        for (size_t i = 0; i < n; i++) {
            int d = 0;
            for (int c = 0; c < WFM_FITABASE_CHANNELS; c++) {
                float x = a[i * WFM_FITABASE_CHANNELS + c], y = b[i * WFM_FITABASE_CHANNELS + c];
                REQUIRE(plausible(c, x));
                int same = (isnan(x) && isnan(y)) || x == y;
                /* The rule only ever blanks steps and intensity. */
                REQUIRE(same || ((c == WFM_FITABASE_STEPS || c == WFM_FITABASE_INTENSITY) && isnan(y)));
                d |= !same;
                uint32_t bits;
                memcpy(&bits, &x, 4);
                h = (h ^ (isnan(x) ? 0x7fc00000u : bits)) * 1099511628211ull;
            }
            differ += d;
        }
        REQUIRE(differ <= changed);
        REQUIRE(wfm_missingness_add(&miss, ruled, &err) == WFM_OK);
        h = (h ^ (uint64_t)id ^ ((uint64_t)wfm_minutes_start(raw) << 20) ^ n) * 1099511628211ull;
        wfm_minutes_free(raw);
        wfm_minutes_free(ruled);
    }
    REQUIRE(miss.tables == wfm_fitabase_user_count(fb));
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wfm_fitabase *fb = NULL, *replay = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    REQUIRE(wfm_fitabase_create(&fb, &err) == WFM_OK && wfm_fitabase_create(&replay, &err) == WFM_OK);
    const char *p = (const char *)data, *end = p + size;
    for (int file = 0; file < 4; file++) {
        const char *q = memchr(p, 0, (size_t)(end - p));
        if (!q) q = end;
        wfm_fitabase_counts before, after;
        wfm_fitabase_get_counts(fb, &before);
        size_t users = wfm_fitabase_user_count(fb);
        memset(&err, 0, sizeof err);
        wfm_fitabase_kind kind;
        wfm_status st = wfm_fitabase_add(fb, p, (size_t)(q - p), &kind, &err);
        wfm_fitabase_get_counts(fb, &after);
        if (st != WFM_OK) {
            REQUIRE(err.message[0] != 0);
            REQUIRE(!memcmp(&before, &after, sizeof before) && users == wfm_fitabase_user_count(fb));
        } else {
            REQUIRE(kind != WFM_FITABASE_UNKNOWN && wfm_fitabase_detect(p, (size_t)(q - p)) == kind);
            REQUIRE(after.files == before.files + 1 && after.rows >= before.rows);
            REQUIRE(wfm_fitabase_add(replay, p, (size_t)(q - p), NULL, &err) == WFM_OK);
        }
        if (q == end) break;
        p = q + 1;
    }
    wfm_fitabase_counts a, b;
    wfm_fitabase_get_counts(fb, &a);
    wfm_fitabase_get_counts(replay, &b);
    REQUIRE(!memcmp(&a, &b, sizeof a) && wfm_fitabase_user_count(fb) == wfm_fitabase_user_count(replay));
    REQUIRE(check_tables(fb) == check_tables(replay));
    wfm_fitabase_free(fb);
    wfm_fitabase_free(replay);
    return 0;
}
