/* The minute aggregator, sample side: channels, the data rules on every
 * sample, per-minute accumulators, connection gaps. Tables are built in
 * aggregator_table.c. */
#include "platform/alloc.h"
#include "data/aggregator.h"
#include "platform/error.h"
#include "model/reserve.h"
#include "data/minutes_internal.h"
#include "data/timestamp.h"
#include "waveform/waveform_units.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

wfm_status wfm_aggregator_create(wfm_aggregator **out, wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_create: NULL argument");
    *out = wfm_calloc(1, sizeof **out);
    return *out ? WFM_OK : wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
}

static void channel_free(agg_channel *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n_days; i++) {
        free(c->days[i]->beats);
        free(c->days[i]);
    }
    free(c->days);
    free(c);
}

void wfm_aggregator_free(wfm_aggregator *a) {
    if (!a) return;
    for (int i = 0; i < a->n_channels; i++) channel_free(a->channels[i]);
    free(a->gaps);
    free(a);
}

wfm_status wfm_aggregator_channel(wfm_aggregator *a, const char *name, int *channel, wfm_error *err) {
    if (channel) *channel = -1;
    if (!a || !name || !channel) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_channel: NULL argument");
    for (int i = 0; i < a->n_channels; i++)
        if (!strcmp(a->channels[i]->name, name)) { *channel = i; return WFM_OK; }
    const char *problem = wfm_minutes_name_problem(name);
    if (problem) return wfm_fail(err, WFM_ERR_INVALID_ARG, "a channel name that %s", problem);
    if (strlen(name) > AGG_MAX_NAME)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "channel name '%.20s...' is longer than %d characters", name, AGG_MAX_NAME);
    if (a->n_channels == AGG_MAX_CHANNELS)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "more than %d channels", AGG_MAX_CHANNELS);
    const wfm_channel_rule *rule = wfm_channel_rule_find(name);
    const char *column = rule ? rule->feeds : name;
    for (int i = 0; i < a->n_channels; i++)
        if (!strcmp(a->channels[i]->column, column))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "channels '%s' and '%s' would both make the minute column '%s'",
                            a->channels[i]->name, name, column);
    agg_channel *c = wfm_calloc(1, sizeof *c);
    if (!c) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    memcpy(c->name, name, strlen(name) + 1);
    c->rule = rule;
    c->column = rule ? rule->feeds : c->name;
    c->minute = rule ? rule->minute : WFM_MINUTE_MEAN;
    c->first = INT64_MAX;
    c->last = INT64_MIN;
    *channel = a->n_channels;
    a->channels[a->n_channels++] = c;
    return WFM_OK;
}

int wfm_aggregator_channels(const wfm_aggregator *a) { return a ? a->n_channels : 0; }

const char *wfm_aggregator_channel_name(const wfm_aggregator *a, int channel) {
    return a && channel >= 0 && channel < a->n_channels ? a->channels[channel]->name : NULL;
}

size_t wfm_aggregator_count(const wfm_aggregator *a, int channel, wfm_drop_reason why) {
    if (!a || channel < 0 || channel >= a->n_channels || why < WFM_KEPT || why >= WFM_DROP_REASONS) return 0;
    return a->channels[channel]->counts[why];
}

/* The channel's block for `day`, made (and sorted in) when new; NULL when out of memory. */
static agg_day *day_block(agg_channel *c, int64_t day) {
    size_t lo = 0, hi = c->n_days;
    if (hi && c->days[hi - 1]->day < day) lo = hi; /* samples mostly come in order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->days[mid]->day < day) lo = mid + 1;
        else hi = mid;
    }
    if (lo < c->n_days && c->days[lo]->day == day) return c->days[lo];
    if (wfm_reserve((void **)&c->days, &c->cap_days, c->n_days + 1, sizeof *c->days)) return NULL;
    agg_day *d = wfm_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->day = day;
    memmove(c->days + lo + 1, c->days + lo, (c->n_days - lo) * sizeof *c->days);
    c->days[lo] = d;
    c->n_days++;
    return d;
}

wfm_status wfm_aggregator_add(wfm_aggregator *a, int channel, double t, double value, int segment, wfm_error *err) {
    if (!a) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_add: NULL aggregator");
    if (channel < 0 || channel >= a->n_channels)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_add: no channel %d (register it first)", channel);
    agg_channel *c = a->channels[channel];
    /* Times a minute table can hold (the years 0 to 9999). */
    if (!(t >= (double)WFM_MINUTES_FIRST * 60000.0 && t < (double)WFM_MINUTES_END * 60000.0)) {
        c->counts[WFM_DROP_BAD_TIME]++;
        return WFM_OK;
    }
    wfm_drop_reason why = wfm_channel_check(c->rule, value);
    if (why != WFM_KEPT) {
        c->counts[why]++;
        return WFM_OK;
    }
    int64_t minute = (int64_t)floor(t / 60000.0);
    int64_t day = wfm_floor_div(minute, AGG_DAY_MINUTES);
    agg_day *d = day_block(c, day);
    if (!d) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the samples of '%s'", c->name);
    if (c->minute == WFM_MINUTE_RMSSD) {
        if (wfm_reserve((void **)&d->beats, &d->cap_beats, d->n_beats + 1, sizeof *d->beats))
            return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the samples of '%s'", c->name);
        d->beats[d->n_beats++] = (agg_beat){.t = t, .v = value, .segment = segment, .order = a->beats_seen++};
    }
    agg_bin *b = &d->bins[minute - day * AGG_DAY_MINUTES];
    float v = (float)value;
    if (!b->n || v > b->max) b->max = v;
    if (!b->n || t >= b->last_t) { b->last = v; b->last_t = t; }
    b->n++;
    b->sum += value;
    c->counts[WFM_KEPT]++;
    if (minute < c->first) c->first = minute;
    if (minute > c->last) c->last = minute;
    return WFM_OK;
}

/* The movement feature of an accelerometer sample, in the one place it is
 * computed: the distance of |a| from 1 g (gravity alone), in mg, after the
 * waveform unit table's conversion and plausibility rule. */
wfm_status wfm_aggregator_add_acceleration(wfm_aggregator *a, double t, const double xyz[3], const char *unit,
                                           int segment, wfm_error *err) {
    if (!a || !xyz) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_add_acceleration: NULL argument");
    const wfm_wave_unit *u = wfm_wave_unit_find(unit);
    if (!u || strcmp(u->stored, "g"))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "acceleration unit '%s' is not one of %s", unit ? unit : "(none)",
                        wfm_wave_unit_names());
    int channel;
    wfm_status st = wfm_aggregator_channel(a, "movement", &channel, err);
    if (st) return st;
    double m2 = 0;
    for (int c = 0; c < 3; c++) {
        float g;
        wfm_drop_reason why = wfm_wave_convert(u, xyz[c], &g);
        if (why != WFM_KEPT) {
            a->channels[channel]->counts[why]++;
            return WFM_OK;
        }
        m2 += (double)g * g;
    }
    return wfm_aggregator_add(a, channel, t, fabs(sqrt(m2) - 1.0) * 1000.0, segment, err);
}

wfm_status wfm_aggregator_open_gap(wfm_aggregator *a, double from, wfm_error *err) {
    if (!a) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_open_gap: NULL aggregator");
    if (isnan(from)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "a gap needs a start time");
    if (wfm_reserve((void **)&a->gaps, &a->cap_gaps, a->n_gaps + 1, sizeof *a->gaps))
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    a->gaps[a->n_gaps++] = (agg_gap){.from = from, .to = INFINITY};
    return WFM_OK;
}

void wfm_aggregator_close_gap(wfm_aggregator *a, double to) {
    if (!a || isnan(to)) return;
    for (size_t i = a->n_gaps; i-- > 0;)
        if (a->gaps[i].to == INFINITY) { a->gaps[i].to = to; return; }
}
