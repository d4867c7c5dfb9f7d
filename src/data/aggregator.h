/* The minute aggregator's storage, shared by the sample side (aggregator.c)
 * and the table builder (aggregator_table.c).
 *
 * Per sample channel, a sorted array of day blocks, allocated only for days
 * with a kept sample: one accumulator per minute, and for RMSSD channels the
 * beats themselves, since their differences need the order in time. */
#ifndef WFM_AGGREGATOR_H
#define WFM_AGGREGATOR_H
#include "wearfm.h"

#define AGG_MAX_CHANNELS 64
#define AGG_MAX_NAME 64
#define AGG_DAY_MINUTES 1440

/* One minute of one channel. max and last are kept as floats: rounding to
 * float is monotonic, so the table gets the same values either way. */
typedef struct agg_bin {
    uint32_t n;
    float max, last;
    double sum;
    double last_t;  /* time of `last`; a later sample, or an equal time, replaces it */
} agg_bin;

typedef struct agg_beat {
    double t;       /* local ms */
    double v;       /* RR interval, ms */
    int segment;
    size_t order;   /* arrival, so that sorting is stable */
} agg_beat;

typedef struct agg_day {
    int64_t day;    /* days since 1970-01-01, local time */
    agg_bin bins[AGG_DAY_MINUTES];
    agg_beat *beats;
    size_t n_beats, cap_beats;
} agg_day;

typedef struct agg_channel {
    char name[AGG_MAX_NAME + 1];
    const wfm_channel_rule *rule;  /* NULL: a channel the rules do not know, averaged */
    const char *column;            /* the minute column it makes: rule->feeds, or its name */
    wfm_minute_rule minute;
    agg_day **days;                /* sorted by day */
    size_t n_days, cap_days;
    size_t counts[WFM_DROP_REASONS];
    int64_t first, last;           /* minutes of the earliest and latest kept sample */
} agg_channel;

typedef struct agg_gap {
    double from, to;  /* local ms; to = +inf while open */
} agg_gap;

struct wfm_aggregator {
    agg_channel *channels[AGG_MAX_CHANNELS];
    int n_channels;
    agg_gap *gaps;
    size_t n_gaps, cap_gaps;
    size_t beats_seen;
};

/* RR intervals further apart than this are not successive beats. */
#define AGG_RR_MAX_PAIR_MS 3000.0

#endif
