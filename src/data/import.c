/* Shared pieces of the export importers: options, times with zones, the
 * sample list, and the importers' minute table (src/data/import.h). */
#include "data/import.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "model/reserve.h"
#include "data/timestamp.h"
#include "data/minutes_internal.h"
#include "data/nonwear.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The importers' columns are the Fitabase layout, so its rules apply as they are. */
_Static_assert((int)IMP_HEART_RATE == (int)WFM_FITABASE_HEART_RATE && (int)IMP_STEPS == (int)WFM_FITABASE_STEPS &&
                   (int)IMP_INTENSITY == (int)WFM_FITABASE_INTENSITY && (int)IMP_SLEEP == (int)WFM_FITABASE_SLEEP_STATE &&
                   (int)IMP_CHANNELS == (int)WFM_FITABASE_CHANNELS,
               "import columns");

wfm_import_options wfm_import_default_options(void) {
    wfm_import_options o;
    memset(&o, 0, sizeof o);
    return o;
}

wfm_status imp_options(const wfm_import_options *in, wfm_import_options *o, wfm_error *err) {
    *o = in ? *in : wfm_import_default_options();
    if (o->utc_offset_minutes < -1080 || o->utc_offset_minutes > 1080)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "a UTC offset of %d minutes is outside -18:00..+18:00",
                        o->utc_offset_minutes);
    if ((o->from_minute || o->to_minute) && o->to_minute <= o->from_minute)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the chosen dates end before they start");
    return WFM_OK;
}

/* Local ms of a UTC instant: the zone's offset then, or the fixed one. */
static double local_of_utc(const wfm_import_options *o, double utc_ms) {
    if (!o->time_zone) return utc_ms + o->utc_offset_minutes * 60000.0;
    double minute = floor(utc_ms / 60000.0);
    int64_t m = minute < -9.2e15 ? INT64_MIN / 2 : minute > 9.2e15 ? INT64_MAX / 2 : (int64_t)minute;
    return utc_ms + wfm_tz_offset_at(o->time_zone, m) * 60000.0;
}

double imp_local_ms(const wfm_import_options *o, imp_time t, wfm_import_counts *c) {
    switch (t.zone) {
    case IMP_ZONE_UTC:
        if (c) c->utc_times++;
        return local_of_utc(o, (double)t.wall_ms);
    case IMP_ZONE_OFFSET:
        if (!o->fixed_offset) return (double)t.wall_ms;
        return local_of_utc(o, (double)t.wall_ms - t.offset_min * 60000.0);
    default:
        return (double)t.wall_ms;
    }
}

static int dig(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int wall(int y, int mo, int d, int h, int mi, int sec, int ms, int64_t *out) {
    if (!wfm_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60) return -1;
    *out = ((wfm_days_from_civil(y, mo, d) * 1440 + h * 60 + mi) * 60 + sec) * 1000 + ms;
    return 0;
}

int imp_parse_iso(const char *s, size_t len, imp_time *out) {
    int y, mo, d, h, mi, sec = 0, ms = 0;
    if (len < 16 || dig(s, 4, &y) || s[4] != '-' || dig(s + 5, 2, &mo) || s[7] != '-' || dig(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != ' ') || dig(s + 11, 2, &h) || s[13] != ':' || dig(s + 14, 2, &mi))
        return -1;
    size_t i = 16;
    if (i < len && s[i] == ':') {
        if (len < 19 || dig(s + 17, 2, &sec)) return -1;
        i = 19;
        if (i < len && s[i] == '.') {
            int k = 0;
            i++;
            if (i >= len || s[i] < '0' || s[i] > '9') return -1;
            for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, k++)
                if (k < 3) ms = ms * 10 + (s[i] - '0');
            for (; k < 3; k++) ms *= 10;
        }
    }
    out->zone = IMP_ZONE_NONE;
    out->offset_min = 0;
    if (i < len && s[i] == ' ') i++;
    if (i < len) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
            out->zone = IMP_ZONE_UTC;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
            size_t r = len - i - 1;
            const char *z = s + i + 1;
            if (r == 2) { if (dig(z, 2, &oh)) return -1; }
            else if (r == 4) { if (dig(z, 2, &oh) || dig(z + 2, 2, &om)) return -1; }
            else if (r == 5 && z[2] == ':') { if (dig(z, 2, &oh) || dig(z + 3, 2, &om)) return -1; }
            else return -1;
            if (oh > 18 || om > 59 || oh * 60 + om > 1080) return -1;
            out->zone = IMP_ZONE_OFFSET;
            out->offset_min = sign * (oh * 60 + om);
        } else {
            return -1;
        }
    }
    return wall(y, mo, d, h, mi, sec, ms, &out->wall_ms);
}

int imp_parse_us_short(const char *s, size_t len, imp_time *out) {
    int mo, d, y, h, mi, sec;
    if (len != 17 || dig(s, 2, &mo) || s[2] != '/' || dig(s + 3, 2, &d) || s[5] != '/' || dig(s + 6, 2, &y) ||
        s[8] != ' ' || dig(s + 9, 2, &h) || s[11] != ':' || dig(s + 12, 2, &mi) || s[14] != ':' ||
        dig(s + 15, 2, &sec))
        return -1;
    out->zone = IMP_ZONE_NONE;
    out->offset_min = 0;
    return wall(2000 + y, mo, d, h, mi, sec, 0, &out->wall_ms);
}

const char *imp_channel_name(int ch) {
    static const char *names[IMP_CHANNELS] = {"heart_rate", "steps", "intensity", "sleep_state"};
    return ch >= 0 && ch < IMP_CHANNELS ? names[ch] : NULL;
}

int imp_push(imp_samples *l, int ch, double t, double v) {
    if (wfm_reserve((void **)&l->s, &l->cap, l->n + 1, sizeof *l->s)) return -1;
    l->s[l->n++] = (imp_sample){.t = t, .v = (float)v, .ch = (uint8_t)ch};
    return 0;
}

void imp_samples_free(imp_samples *l) {
    free(l->s);
    memset(l, 0, sizeof *l);
}

int imp_push_sleep(imp_samples *l, double t0, double seconds, float level) {
    if (!(seconds > 0)) return 0;
    if (seconds > 86400) seconds = 86400;
    for (double s = 0; s < seconds; s += 30)
        if (imp_push(l, IMP_SLEEP, t0 + s * 1000.0, level)) return -1;
    return 0;
}

static int in_window(const wfm_import_options *o, double t) {
    if (!o->from_minute && !o->to_minute) return 1;
    return t >= (double)o->from_minute * 60000.0 && t < (double)o->to_minute * 60000.0;
}

static wfm_status channel_id(wfm_aggregator *a, int ch, int *id, wfm_error *err) {
    return wfm_aggregator_channel(a, imp_channel_name(ch), id, err);
}

wfm_status imp_add_one(wfm_aggregator *a, int ch, double t, double v, const wfm_import_options *o,
                       wfm_import_counts *c, wfm_error *err) {
    if (!in_window(o, t)) {
        if (c) c->outside++;
        return WFM_OK;
    }
    int id;
    wfm_status st = channel_id(a, ch, &id, err);
    if (!st) st = wfm_aggregator_add(a, id, t, v, 0, err);
    if (!st && c) c->samples++;
    return st;
}

wfm_status imp_flush(wfm_aggregator *a, const imp_samples *l, const wfm_import_options *o, wfm_import_counts *c,
                     wfm_error *err) {
    int ids[IMP_CHANNELS] = {-1, -1, -1, -1};
    for (size_t i = 0; i < l->n; i++) {
        const imp_sample *s = &l->s[i];
        if (!in_window(o, s->t)) {
            if (c) c->outside++;
            continue;
        }
        wfm_status st;
        if (ids[s->ch] < 0 && (st = channel_id(a, s->ch, &ids[s->ch], err))) return st;
        if ((st = wfm_aggregator_add(a, ids[s->ch], s->t, s->v, 0, err))) return st;
        if (c) c->samples++;
    }
    return WFM_OK;
}

void imp_counts_add(wfm_import_counts *into, const wfm_import_counts *add) {
    if (!into || !add) return;
    into->files += add->files;
    into->records += add->records;
    into->samples += add->samples;
    into->ignored += add->ignored;
    into->outside += add->outside;
    into->utc_times += add->utc_times;
    into->bad_records += add->bad_records;
}

/* A file's name without its directories: the page knows only names, and the
 * CLI and the page must say the same words. */
static const char *base_name(const char *path) {
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return *b ? b : path;
}

/* Appends printf output to buf[cap] at *o, keeping it terminated. */
static void append(char *buf, size_t cap, size_t *o, const char *fmt, ...) {
    if (*o >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *o, cap - *o, fmt, ap);
    va_end(ap);
    if (k > 0) *o += (size_t)k < cap - *o ? (size_t)k : cap - *o - 1;
}

/* "a.json", "a.json and b.json", "a.json, b.json and 4 more files" */
static void append_names(char *buf, size_t cap, size_t *o, const char *const *names, size_t n) {
    enum { SHOWN = 3 };
    size_t shown = n > SHOWN ? SHOWN - 1 : n;
    for (size_t i = 0; i < shown; i++)
        append(buf, cap, o, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", base_name(names[i] ? names[i] : "?"));
    if (n > shown) append(buf, cap, o, " and %zu more files", n - shown);
}

void wfm_import_no_data_message(const wfm_import_counts *counts, const char *const *names, size_t n_names,
                                char *buf, size_t cap) {
    if (!buf || !cap) return;
    buf[0] = 0;
    size_t o = 0;
    const wfm_import_counts zero = {0};
    const wfm_import_counts *c = counts ? counts : &zero;
    if (!names) n_names = 0;
    if (!c->files) {
        if (n_names == 1) {
            append(buf, cap, &o, "no data: ");
            append_names(buf, cap, &o, names, n_names);
            append(buf, cap, &o, " is not a file this importer reads");
        } else if (n_names) {
            append(buf, cap, &o, "no data: none of the files (");
            append_names(buf, cap, &o, names, n_names);
            append(buf, cap, &o, ") is one this importer reads");
        } else {
            append(buf, cap, &o, "no data: no file was given");
        }
        return;
    }
    append(buf, cap, &o, "no data: %zu record(s) read", c->records);
    if (n_names) {
        append(buf, cap, &o, " from ");
        append_names(buf, cap, &o, names, n_names);
    }
    append(buf, cap, &o, ", no sample kept");
    if (c->samples || c->outside) {
        append(buf, cap, &o, " (");
        if (c->samples) append(buf, cap, &o, "the data rules dropped all %zu sample(s)", c->samples);
        if (c->outside) append(buf, cap, &o, "%s%zu sample(s) outside the chosen days", c->samples ? "; " : "", c->outside);
        append(buf, cap, &o, ")");
    }
}

wfm_status wfm_import_table(const wfm_aggregator *a, wfm_minutes **out, wfm_error *err) {
    return wfm_import_table_rules(a, NULL, out, NULL, err);
}

wfm_status wfm_import_table_rules(const wfm_aggregator *a, const wfm_fitabase_options *rules, wfm_minutes **out,
                                  size_t *nonwear_minutes, wfm_error *err) {
    if (nonwear_minutes) *nonwear_minutes = 0;
    if (out) *out = NULL;
    wfm_fitabase_options r = rules ? *rules : wfm_fitabase_default_options();
    if (r.nonwear_rule < WFM_NONWEAR_OFF || r.nonwear_rule > WFM_NONWEAR_MOVEMENT_ONLY || r.nonwear_min_minutes < 1 ||
        r.nonwear_min_minutes_no_hr < 1 ||
        (r.sleep_outside_logs != WFM_SLEEP_OUTSIDE_AWAKE_WHEN_WORN && r.sleep_outside_logs != WFM_SLEEP_OUTSIDE_MISSING))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "import rules: unknown rule or a run length below 1 minute");
    const char *names[IMP_CHANNELS];
    for (int c = 0; c < IMP_CHANNELS; c++) names[c] = imp_channel_name(c);
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    p.channels = names;
    p.n_channels = IMP_CHANNELS;
    if (out) *out = NULL;
    /* With the columns fixed the aggregator would give an empty day: say "no data" instead. */
    size_t kept = 0;
    for (int i = 0; a && i < wfm_aggregator_channels(a); i++) kept += wfm_aggregator_count(a, i, WFM_KEPT);
    if (a && out && !kept) return wfm_fail(err, WFM_ERR_NO_DATA, "no sample was kept, so there is no minute table");
    wfm_status st = wfm_aggregator_table(a, &p, out, err);
    if (st) return st;
    /* The Fitabase importer's rules, on the same layout (src/data/nonwear.c). */
    float *v = wfm_minutes_mutable_values(*out);
    size_t n = wfm_minutes_length(*out), changed = wfm_nonwear_apply(v, n, &r);
    wfm_sleep_outside_logs_apply(v, n, &r);
    if (nonwear_minutes) *nonwear_minutes = changed;
    return WFM_OK;
}
