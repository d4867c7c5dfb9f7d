/* The data rules of every channel the core knows, in one table: which
 * values are plausible, and how a minute's samples become its value. The
 * minute-CSV reader, the minute-table constructor, the Fitabase importer
 * and the sample aggregator all check values here (docs/data.md). */
#include "wearfm.h"
#include <math.h>
#include <string.h>

/* Ranges are of one value in the channel's unit, inclusive. A value outside
 * becomes missing and is counted; it is never clipped. */
static const wfm_channel_rule rules[] = {
    /* Fitabase's range (Fitbit reports 25-250); a beat rate outside it is a sensor fault. */
    {"heart_rate", "heart_rate", "bpm", 25, 250, 0, WFM_MINUTE_MEAN},
    /* Beat-to-beat intervals of 24-240 bpm; their successive differences make RMSSD. */
    {"rr", "hrv_rmssd", "ms", 250, 2500, 0, WFM_MINUTE_RMSSD},
    /* RMSSD of intervals in 250-2500 ms cannot exceed their largest difference. */
    {"hrv_rmssd", "hrv_rmssd", "ms", 0, 2250, 0, WFM_MINUTE_MEAN},
    {"steps", "steps", "steps/min", 0, 300, 1, WFM_MINUTE_SUM},
    {"intensity", "intensity", "level 0-3", 0, 3, 1, WFM_MINUTE_MAX},
    {"sleep_state", "sleep_state", "2 asleep, 1 restless, 0 awake", 0, 2, 1, WFM_MINUTE_LAST},
    /* Cumulative since the sensor's reset: only the latest reading counts. */
    {"energy_expended", "energy_expended", "kJ", 0, INFINITY, 0, WFM_MINUTE_LAST},
    /* |acceleration| - 1 g, a magnitude. */
    {"movement", "movement", "mg", 0, INFINITY, 0, WFM_MINUTE_MEAN},
};
#define N_RULES (sizeof rules / sizeof *rules)

const wfm_channel_rule *wfm_channel_rule_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < N_RULES; i++)
        if (!strcmp(rules[i].name, name)) return &rules[i];
    return NULL;
}

int wfm_channel_rule_count(void) { return (int)N_RULES; }

const wfm_channel_rule *wfm_channel_rule_at(int i) { return i >= 0 && (size_t)i < N_RULES ? &rules[i] : NULL; }

wfm_drop_reason wfm_channel_check(const wfm_channel_rule *rule, double v) {
    if (!isfinite(v)) return WFM_DROP_NOT_FINITE;
    if (!rule) return WFM_KEPT; /* an unknown channel: any finite value */
    if (v < rule->min) return WFM_DROP_BELOW;
    if (v > rule->max) return WFM_DROP_ABOVE;
    if (rule->whole && v != floor(v)) return WFM_DROP_NOT_WHOLE;
    return WFM_KEPT;
}

const char *wfm_drop_reason_name(wfm_drop_reason why) {
    switch (why) {
    case WFM_KEPT: return "kept";
    case WFM_DROP_NOT_FINITE: return "not a number";
    case WFM_DROP_BELOW: return "below the plausible range";
    case WFM_DROP_ABOVE: return "above the plausible range";
    case WFM_DROP_NOT_WHOLE: return "not a whole number";
    case WFM_DROP_BAD_TIME: return "no valid time";
    case WFM_DROP_REASONS: break;
    }
    return NULL;
}
