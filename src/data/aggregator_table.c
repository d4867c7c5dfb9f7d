/* The minute aggregator, table side: which columns, which span, and each
 * minute's value by its channel's rule. Every value goes into the table
 * through wfm_minutes_set, so a column's own range applies to the minute
 * (a sum of steps above 300 is missing). */
#include "platform/alloc.h"
#include "data/aggregator.h"
#include "platform/error.h"
#include "data/minutes_internal.h"
#include "data/timestamp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

wfm_aggregator_table_params wfm_aggregator_table_default_params(void) {
    wfm_aggregator_table_params p;
    memset(&p, 0, sizeof p);
    return p;
}

/* Known columns first, in the order of the rules table; others after, as registered. */
static int column_rank(const wfm_aggregator *a, int channel) {
    const char *column = a->channels[channel]->column;
    for (int i = 0; i < wfm_channel_rule_count(); i++)
        if (!strcmp(wfm_channel_rule_at(i)->feeds, column)) return i;
    return wfm_channel_rule_count() + channel;
}

static int beat_cmp(const void *x, const void *y) {
    const agg_beat *p = x, *q = y;
    if (p->t != q->t) return p->t < q->t ? -1 : 1;
    return p->order < q->order ? -1 : p->order > q->order;
}

static int in_gap(const wfm_aggregator *a, double t0, double t1) {
    for (size_t i = 0; i < a->n_gaps; i++)
        if (a->gaps[i].from < t1 && a->gaps[i].to > t0) return 1;
    return 0;
}

/* RMSSD of beats [b, e) (sorted by time): successive beats of one segment, at
 * most AGG_RR_MAX_PAIR_MS apart and not across a recorded gap; NaN below two
 * differences. */
static float rmssd(const wfm_aggregator *a, const agg_beat *b, const agg_beat *e) {
    double ss = 0;
    int n = 0;
    for (const agg_beat *p = b + 1; p < e; p++) {
        const agg_beat *q = p - 1;
        if (q->segment != p->segment || p->t - q->t > AGG_RR_MAX_PAIR_MS || in_gap(a, q->t, p->t)) continue;
        ss += (p->v - q->v) * (p->v - q->v);
        n++;
    }
    return n >= 2 ? (float)sqrt(ss / n) : NAN;
}

static float bin_value(wfm_minute_rule rule, const agg_bin *b) {
    switch (rule) {
    case WFM_MINUTE_SUM: return (float)b->sum;
    case WFM_MINUTE_MAX: return b->max;
    case WFM_MINUTE_LAST: return b->last;
    default: return (float)(b->sum / b->n);
    }
}

/* Writes channel c's minutes that fall in the table into its column k. */
static wfm_status fill_column(const wfm_aggregator *a, const agg_channel *c, wfm_minutes *t, int k, wfm_error *err) {
    const int64_t start = wfm_minutes_start(t), stop = start + (int64_t)wfm_minutes_length(t);
    agg_beat *sorted = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < c->n_days; i++) {
        const agg_day *d = c->days[i];
        const int64_t m0 = d->day * AGG_DAY_MINUTES;
        if (m0 + AGG_DAY_MINUTES <= start || m0 >= stop) continue;
        if (c->minute == WFM_MINUTE_RMSSD) {
            if (d->n_beats > cap) {
                free(sorted);
                cap = d->n_beats;
                if (!(sorted = wfm_malloc(cap * sizeof *sorted))) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
            }
            memcpy(sorted, d->beats, d->n_beats * sizeof *sorted);
            qsort(sorted, d->n_beats, sizeof *sorted, beat_cmp);
            for (size_t j = 0; j < d->n_beats;) {
                int64_t minute = (int64_t)floor(sorted[j].t / 60000.0);
                size_t e = j;
                while (e < d->n_beats && (int64_t)floor(sorted[e].t / 60000.0) == minute) e++;
                float v = rmssd(a, sorted + j, sorted + e);
                if (minute >= start && minute < stop && !isnan(v)) wfm_minutes_set(t, (size_t)(minute - start), k, v);
                j = e;
            }
            continue;
        }
        for (int m = 0; m < AGG_DAY_MINUTES; m++) {
            int64_t minute = m0 + m;
            if (d->bins[m].n && minute >= start && minute < stop)
                wfm_minutes_set(t, (size_t)(minute - start), k, bin_value(c->minute, &d->bins[m]));
        }
    }
    free(sorted);
    return WFM_OK;
}

/* The columns of the default table: channels with a kept sample, by rank. */
static int default_columns(const wfm_aggregator *a, int *order) {
    int n = 0;
    for (int i = 0; i < a->n_channels; i++)
        if (a->channels[i]->counts[WFM_KEPT]) order[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort: stable, and n <= 64 */
        for (int j = i; j > 0 && column_rank(a, order[j - 1]) > column_rank(a, order[j]); j--) {
            int x = order[j]; order[j] = order[j - 1]; order[j - 1] = x;
        }
    return n;
}

/* Whole days from the first to the last kept sample of any channel. */
static wfm_status default_span(const wfm_aggregator *a, int64_t *start, size_t *n, wfm_error *err) {
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (int i = 0; i < a->n_channels; i++) {
        if (a->channels[i]->first < first) first = a->channels[i]->first;
        if (a->channels[i]->last > last) last = a->channels[i]->last;
    }
    if (first > last) return wfm_fail(err, WFM_ERR_NO_DATA, "no sample was kept yet, so the table has no span");
    int64_t d0 = wfm_floor_div(first, AGG_DAY_MINUTES), d1 = wfm_floor_div(last, AGG_DAY_MINUTES);
    if (d1 - d0 + 1 > WFM_MAX_SPAN_DAYS) {
        char x[20], y[20];
        wfm_format_minute(first, x);
        wfm_format_minute(last, y);
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the samples span %s to %s, more than the %d-day limit", x, y,
                        WFM_MAX_SPAN_DAYS);
    }
    *start = d0 * AGG_DAY_MINUTES;
    *n = (size_t)(d1 - d0 + 1) * AGG_DAY_MINUTES;
    return WFM_OK;
}

static wfm_status check_params(const wfm_aggregator_table_params *p, wfm_error *err) {
    if (p->n_channels < 0 || p->n_channels > WFM_MINUTES_MAX_CHANNELS || (p->n_channels && !p->channels))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "table channels: need 0 to %d names", WFM_MINUTES_MAX_CHANNELS);
    for (int k = 0; k < p->n_channels; k++) {
        const char *why = wfm_minutes_name_problem(p->channels[k]);
        if (why) return wfm_fail(err, WFM_ERR_INVALID_ARG, "table channel %d's name %s", k + 1, why);
        for (int j = 0; j < k; j++)
            if (!strcmp(p->channels[j], p->channels[k]))
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "table channel '%s' is asked for twice", p->channels[k]);
    }
    if (p->n_minutes > (size_t)WFM_MAX_SPAN_DAYS * AGG_DAY_MINUTES)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "a table of %zu minutes is longer than the %d-day limit", p->n_minutes,
                        WFM_MAX_SPAN_DAYS);
    if (p->n_minutes && (p->start < WFM_MINUTES_FIRST || p->start > WFM_MINUTES_END - (int64_t)p->n_minutes))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "table start minute %lld is outside the years 0 to 9999",
                        (long long)p->start);
    return WFM_OK;
}

wfm_status wfm_aggregator_table(const wfm_aggregator *a, const wfm_aggregator_table_params *params,
                                wfm_minutes **out, wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_table: NULL argument");
    *out = NULL;
    if (!a) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_aggregator_table: NULL aggregator");
    wfm_aggregator_table_params p = params ? *params : wfm_aggregator_table_default_params();
    wfm_status st = check_params(&p, err);
    if (st) return st;

    /* Columns, and the channel feeding each (-1: none, all missing). */
    const char *names[WFM_MINUTES_MAX_CHANNELS];
    int source[WFM_MINUTES_MAX_CHANNELS], n_columns = p.n_channels;
    if (n_columns) {
        for (int k = 0; k < n_columns; k++) {
            names[k] = p.channels[k];
            source[k] = -1;
            for (int i = 0; i < a->n_channels; i++)
                if (!strcmp(a->channels[i]->column, names[k])) source[k] = i;
        }
    } else {
        n_columns = default_columns(a, source);
        if (!n_columns) return wfm_fail(err, WFM_ERR_NO_DATA, "no sample was kept yet");
        for (int k = 0; k < n_columns; k++) names[k] = a->channels[source[k]]->column;
    }
    int64_t start = p.start;
    size_t n = p.n_minutes;
    if (!n && (st = default_span(a, &start, &n, err))) return st;

    wfm_minutes *t;
    if ((st = wfm_minutes_create(start, n, n_columns, names, &t, err))) return st;
    for (int k = 0; k < n_columns; k++)
        if (source[k] >= 0 && (st = fill_column(a, a->channels[source[k]], t, k, err))) {
            wfm_minutes_free(t);
            return st;
        }
    *out = t;
    return WFM_OK;
}
