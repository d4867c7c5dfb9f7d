/* Fitabase exports: header detection, row parsing, and the all-or-nothing
 * merge into the per-user accumulator (storage in fitabase.h).
 *
 * wfm_fitabase_add reads a file twice, like the generic minute importer:
 * pass 1 parses and validates every row and lists the (user, day) pairs it
 * touches; then every allocation the merge needs is made (new users, day
 * blocks, heart-rate capacity), and released again if one fails; only then
 * does pass 2 write values, which cannot fail. So a file is added whole or
 * not at all. */
#include "data/fitabase.h"
#include "platform/alloc.h"
#include "data/csv.h"
#include "platform/error.h"
#include "model/reserve.h"
#include "data/minutes_internal.h"
#include "data/timestamp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIDE_VALUES 60
#define MAX_FIELDS (WIDE_VALUES + 2)

typedef struct fb_format {
    wfm_fitabase_kind kind;
    const char *name;
    int channel;   /* WFM_FITABASE_* */
    int n_fields;
    const char *columns[4]; /* header; wide: Id, ActivityHour, then the value prefix + 00..59 */
} fb_format;

static const fb_format formats[] = {
    {WFM_FITABASE_STEPS_WIDE, "minuteStepsWide", WFM_FITABASE_STEPS, MAX_FIELDS, {"Id", "ActivityHour", "Steps"}},
    {WFM_FITABASE_INTENSITIES_WIDE, "minuteIntensitiesWide", WFM_FITABASE_INTENSITY, MAX_FIELDS,
     {"Id", "ActivityHour", "Intensity"}},
    {WFM_FITABASE_STEPS_NARROW, "minuteStepsNarrow", WFM_FITABASE_STEPS, 3, {"Id", "ActivityMinute", "Steps"}},
    {WFM_FITABASE_INTENSITIES_NARROW, "minuteIntensitiesNarrow", WFM_FITABASE_INTENSITY, 3,
     {"Id", "ActivityMinute", "Intensity"}},
    {WFM_FITABASE_SLEEP, "minuteSleep", WFM_FITABASE_SLEEP_STATE, 4, {"Id", "date", "value", "logId"}},
    {WFM_FITABASE_HEARTRATE_SECONDS, "heartrate_seconds", WFM_FITABASE_HEART_RATE, 3, {"Id", "Time", "Value"}},
};
#define N_FORMATS (sizeof formats / sizeof *formats)

static int is_wide(const fb_format *f) { return f->n_fields == MAX_FIELDS; }

const char *wfm_fitabase_kind_name(wfm_fitabase_kind kind) {
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].kind == kind) return formats[i].name;
    return "unknown";
}

const char *wfm_fitabase_channel_name(int channel) {
    static const char *names[WFM_FITABASE_CHANNELS] = {"heart_rate", "steps", "intensity", "sleep_state"};
    return channel >= 0 && channel < WFM_FITABASE_CHANNELS ? names[channel] : NULL;
}

/* ---- header ------------------------------------------------------------ */

typedef struct fb_header {
    const fb_format *fmt;
    wfm_field names[MAX_FIELDS]; /* column names, for messages */
    size_t nf;
    const char *body;            /* first byte after the header line */
} fb_header;

static int is_wide_column(wfm_field f, const char *prefix, int k) {
    size_t n = strlen(prefix);
    return wfm_field_len(f) == n + 2 && wfm_field_is((wfm_field){f.b, f.b + n}, prefix) && f.b[n] == '0' + k / 10 &&
           f.b[n + 1] == '0' + k % 10;
}

static wfm_status read_header(const char *text, size_t len, fb_header *h, wfm_error *err) {
    const char *p = wfm_csv_skip_bom(text, text + len), *end = text + len, *lb, *le;
    h->fmt = NULL;
    char why[128];
    const char *problem = wfm_csv_text_problem(p, end, why, sizeof why);
    if (problem) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s", problem);
    wfm_csv_next_line(&p, end, &lb, &le);
    h->body = p;
    if (lb == le) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: empty header (expected a Fitabase export)");
    h->nf = wfm_csv_split(lb, le, h->names, MAX_FIELDS);
    const wfm_field *f = h->names;
    for (size_t i = 0; i < N_FORMATS && !h->fmt; i++) {
        const fb_format *fm = &formats[i];
        if (h->nf < 3 || !wfm_field_is(f[0], fm->columns[0]) || !wfm_field_is(f[1], fm->columns[1])) continue;
        if (is_wide(fm)) {
            /* Recognised by its first value column; then every column must be right. */
            if (!is_wide_column(f[2], fm->columns[2], 0)) continue;
            if (h->nf != MAX_FIELDS)
                return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: %s header has %zu columns, expected %d (Id, %s, %s00..%s59)",
                                fm->name, h->nf, MAX_FIELDS, fm->columns[1], fm->columns[2], fm->columns[2]);
            for (int k = 0; k < WIDE_VALUES; k++)
                if (!is_wide_column(f[k + 2], fm->columns[2], k))
                    return wfm_fail(err, WFM_ERR_INVALID_ARG, "line 1: column %d is '%.*s', expected '%s%02d'", k + 3,
                                    wfm_field_shown(f[k + 2]), f[k + 2].b, fm->columns[2], k);
            h->fmt = fm;
        } else if (h->nf == (size_t)fm->n_fields && wfm_field_is(f[2], fm->columns[2]) &&
                   (fm->n_fields == 3 || wfm_field_is(f[3], fm->columns[3]))) {
            h->fmt = fm;
        }
    }
    if (!h->fmt)
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "line 1: not a Fitabase export this importer reads (header '%.*s'); expected minuteStepsWide, "
                        "minuteIntensitiesWide, minuteStepsNarrow, minuteIntensitiesNarrow, minuteSleep or heartrate_seconds",
                        (int)(le - lb > 60 ? 60 : le - lb), lb);
    return WFM_OK;
}

wfm_fitabase_kind wfm_fitabase_detect(const char *text, size_t len) {
    fb_header h;
    if (!text || read_header(text, len, &h, NULL)) return WFM_FITABASE_UNKNOWN;
    return h.fmt->kind;
}

/* ---- rows -------------------------------------------------------------- */

typedef struct fb_row {
    int64_t user, sec; /* sec: seconds since 1970-01-01, local time */
    int n;             /* values: 60 for wide rows, else 1 */
    float v[WIDE_VALUES];
} fb_row;

static wfm_status parse_row(const fb_header *h, const char *lb, const char *le, size_t line, fb_row *r,
                            wfm_error *err) {
    wfm_field f[MAX_FIELDS];
    size_t n = wfm_csv_split(lb, le, f, MAX_FIELDS);
    if (n != h->nf) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: %zu fields, the header has %zu", line, n, h->nf);
    if (wfm_csv_parse_id(f[0], &r->user))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: bad Id '%.*s' (expected a whole number)", line,
                        wfm_field_shown(f[0]), f[0].b);
    if (wfm_parse_us_datetime(f[1].b, wfm_field_len(f[1]), &r->sec))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column '%s': bad timestamp '%.*s' (expected M/D/YYYY h:mm:ss AM/PM)",
                        line, h->fmt->columns[1], wfm_field_shown(f[1]), f[1].b);
    if (is_wide(h->fmt) && r->sec - wfm_floor_div(r->sec, 3600) * 3600 != 0)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: ActivityHour '%.*s' is not on the hour", line,
                        wfm_field_shown(f[1]), f[1].b);
    r->n = is_wide(h->fmt) ? WIDE_VALUES : 1;
    for (int k = 0; k < r->n; k++) {
        wfm_field c = f[k + 2];
        r->v[k] = NAN;
        if (!wfm_csv_is_missing(c) && wfm_csv_parse_float(c, &r->v[k]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column '%.*s': not a number: '%.*s'", line,
                            wfm_field_shown(h->names[k + 2]), h->names[k + 2].b, wfm_field_shown(c), c.b);
    }
    int64_t log_id;
    if (h->fmt->kind == WFM_FITABASE_SLEEP && wfm_csv_parse_id(f[3], &log_id))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu, column 'logId': bad log id '%.*s'", line,
                        wfm_field_shown(f[3]), f[3].b);
    return WFM_OK;
}

/* A cell's value in the channel's minute-table units: Fitbit's sleep codes
 * 1 asleep, 2 restless, 3 awake become 2, 1, 0 (deeper sleep is larger). */
static float table_value(int channel, float v) { return channel == WFM_FITABASE_SLEEP_STATE ? 3 - v : v; }

/* The stored code of a value the data rules keep, or "dropped" (empty cells
 * included), which reads back as missing; *why says which rule dropped it. */
static unsigned encode(const wfm_channel_rule *rule, int channel, float v, wfm_drop_reason *why) {
    *why = wfm_channel_check(rule, table_value(channel, v));
    int kept = *why == WFM_KEPT;
    switch (channel) {
    case WFM_FITABASE_STEPS: return kept ? (unsigned)v : FB_STEPS_DROPPED;
    case WFM_FITABASE_INTENSITY:
    case WFM_FITABASE_SLEEP_STATE: return kept ? (unsigned)v : FB_CODE_DROPPED;
    default: return kept ? (unsigned)lrintf(v * 100) : 0; /* heart rate, centi-bpm */
    }
}

/* ---- storage ----------------------------------------------------------- */

fb_user *wfm_fb_find_user(const wfm_fitabase *fb, int64_t id) {
    size_t lo = 0, hi = fb->n_users;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fb->users[mid]->id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < fb->n_users && fb->users[lo]->id == id ? fb->users[lo] : NULL;
}

fb_day *wfm_fb_find_day(const fb_user *u, int64_t day) {
    size_t lo = 0, hi = u->n_days;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->days[mid]->day < day) lo = mid + 1;
        else hi = mid;
    }
    return lo < u->n_days && u->days[lo]->day == day ? u->days[lo] : NULL;
}

static fb_day *day_new(int64_t day) {
    fb_day *d = wfm_malloc(sizeof *d);
    if (!d) return NULL;
    d->day = day;
    for (int m = 0; m < FB_DAY_MINUTES; m++) d->steps[m] = FB_STEPS_ABSENT;
    memset(d->intensity, FB_CODE_ABSENT, sizeof d->intensity);
    memset(d->sleep, FB_CODE_ABSENT, sizeof d->sleep);
    d->hr = NULL;
    d->hr_n = d->hr_cap = 0;
    return d;
}

static void day_free(fb_day *d) {
    if (d) free(d->hr);
    free(d);
}

static void user_free(fb_user *u) {
    if (!u) return;
    for (size_t i = 0; i < u->n_days; i++) day_free(u->days[i]);
    free(u->days);
    free(u);
}

wfm_status wfm_fitabase_create(wfm_fitabase **out, wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_fitabase_create: NULL argument");
    *out = wfm_calloc(1, sizeof **out);
    return *out ? WFM_OK : wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
}

void wfm_fitabase_free(wfm_fitabase *fb) {
    if (!fb) return;
    for (size_t i = 0; i < fb->n_users; i++) user_free(fb->users[i]);
    free(fb->users);
    free(fb);
}

size_t wfm_fitabase_user_count(const wfm_fitabase *fb) { return fb ? fb->n_users : 0; }
int64_t wfm_fitabase_user_id(const wfm_fitabase *fb, size_t i) {
    return fb && i < fb->n_users ? fb->users[i]->id : -1;
}
void wfm_fitabase_get_counts(const wfm_fitabase *fb, wfm_fitabase_counts *out) {
    if (!out) return;
    if (fb) *out = fb->counts;
    else memset(out, 0, sizeof *out);
}

/* ---- the merge --------------------------------------------------------- */

/* One (user, day) a file touches, with what it needs there. */
typedef struct fb_run {
    int64_t user, day;
    size_t hr;          /* heart-rate samples to add */
    size_t line;        /* first line of the run, for messages */
    fb_day *block;      /* set when reserved */
    size_t hr_before;   /* block->hr_n before this file */
} fb_run;

static int run_cmp(const void *a, const void *b) {
    const fb_run *x = a, *y = b;
    if (x->user != y->user) return x->user < y->user ? -1 : 1;
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}
static int user_cmp(const void *a, const void *b) {
    int64_t x = (*(fb_user *const *)a)->id, y = (*(fb_user *const *)b)->id;
    return x < y ? -1 : x > y;
}
static int day_cmp(const void *a, const void *b) {
    int64_t x = (*(fb_day *const *)a)->day, y = (*(fb_day *const *)b)->day;
    return x < y ? -1 : x > y;
}

/* Allocations made for a file, undone if a later one fails. */
typedef struct fb_pending {
    fb_user **users; size_t n_users;
    fb_day **days; fb_user **owners; size_t n_days;
} fb_pending;

static void pending_release(fb_pending *p) {
    for (size_t i = 0; i < p->n_days; i++) day_free(p->days[i]);
    for (size_t i = 0; i < p->n_users; i++) user_free(p->users[i]); /* no days linked yet */
    free(p->users); free(p->days); free(p->owners);
}

/* Pass 1: every row valid? Which (user, day) pairs, sorted and merged. */
static wfm_status scan(const fb_header *h, const char *end, fb_run **runs_out, size_t *n_out, size_t *rows_out,
                       wfm_error *err) {
    fb_run *runs = NULL;
    size_t n = 0, cap = 0, rows = 0, line = 1;
    fb_row r;
    int hr = h->fmt->channel == WFM_FITABASE_HEART_RATE;
    for (const char *q = h->body, *lb, *le; q < end; line++) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue;
        wfm_status st = parse_row(h, lb, le, line + 1, &r, err);
        if (st) { free(runs); return st; }
        rows++;
        int64_t day = wfm_floor_div(r.sec, FB_DAY_SECONDS);
        if (n && runs[n - 1].user == r.user && runs[n - 1].day == day) {
            runs[n - 1].hr += hr;
            continue;
        }
        if (wfm_reserve((void **)&runs, &cap, n + 1, sizeof *runs)) { free(runs); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
        runs[n++] = (fb_run){.user = r.user, .day = day, .hr = (size_t)hr, .line = line + 1};
    }
    if (n) qsort(runs, n, sizeof *runs, run_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && runs[m - 1].user == runs[i].user && runs[m - 1].day == runs[i].day) runs[m - 1].hr += runs[i].hr;
        else runs[m++] = runs[i];
    }
    *runs_out = runs;
    *n_out = m;
    *rows_out = rows;
    return WFM_OK;
}

/* A user's days must stay within WFM_MAX_SPAN_DAYS (tables are built over the whole span). */
static wfm_status check_span(const fb_user *u, const fb_run *g, size_t n, wfm_error *err) {
    int64_t lo = g[0].day, hi = g[n - 1].day;
    if (u && u->n_days) {
        if (u->days[0]->day < lo) lo = u->days[0]->day;
        if (u->days[u->n_days - 1]->day > hi) hi = u->days[u->n_days - 1]->day;
    }
    if (hi - lo < WFM_MAX_SPAN_DAYS) return WFM_OK;
    size_t line = g[n - 1].day == hi ? g[n - 1].line : g[0].line;
    char a[20], b[20];
    wfm_format_minute(lo * FB_DAY_MINUTES, a);
    wfm_format_minute(hi * FB_DAY_MINUTES, b);
    return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: user %lld's data would span %s to %s, more than the %d-day limit",
                    line, (long long)g[0].user, a, b, WFM_MAX_SPAN_DAYS);
}

/* Makes every allocation the merge needs; on failure undoes them. */
static wfm_status reserve_all(wfm_fitabase *fb, fb_run *runs, size_t n, fb_pending *p, wfm_error *err) {
    memset(p, 0, sizeof *p);
    p->users = wfm_malloc((n + 1) * sizeof *p->users); /* + 1: never malloc(0) */
    p->days = wfm_malloc((n + 1) * sizeof *p->days);
    p->owners = wfm_malloc((n + 1) * sizeof *p->owners);
    if (!p->users || !p->days || !p->owners) goto oom;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && runs[j].user == runs[i].user) j++;
        fb_user *u = wfm_fb_find_user(fb, runs[i].user);
        wfm_status st = check_span(u, runs + i, j - i, err);
        if (st) { pending_release(p); return st; }
        if (!u) {
            if (!(u = wfm_calloc(1, sizeof *u))) goto oom;
            u->id = runs[i].user;
            p->users[p->n_users++] = u;
        }
        size_t new_days = 0;
        for (size_t k = i; k < j; k++) {
            fb_day *d = wfm_fb_find_day(u, runs[k].day);
            if (!d) {
                if (!(d = day_new(runs[k].day))) goto oom;
                p->days[p->n_days] = d;
                p->owners[p->n_days++] = u;
                new_days++;
            }
            if (wfm_reserve((void **)&d->hr, &d->hr_cap, d->hr_n + runs[k].hr, sizeof *d->hr)) goto oom;
            runs[k].block = d;
            runs[k].hr_before = d->hr_n;
        }
        if (wfm_reserve((void **)&u->days, &u->cap_days, u->n_days + new_days, sizeof *u->days)) goto oom;
        i = j;
    }
    if (wfm_reserve((void **)&fb->users, &fb->cap_users, fb->n_users + p->n_users, sizeof *fb->users)) goto oom;
    return WFM_OK;
oom:
    pending_release(p);
    return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
}

static void count_overwrite(wfm_fitabase_counts *c, int ch, unsigned old, unsigned absent, unsigned now) {
    if (old == absent) return;
    if (old == now) c->duplicates[ch]++;
    else c->conflicts[ch]++;
}

/* Pass 2: writes every value (rows were validated, storage reserved). */
static void write_rows(wfm_fitabase *fb, const fb_header *h, const char *end) {
    wfm_fitabase_counts *c = &fb->counts;
    const int ch = h->fmt->channel;
    const wfm_channel_rule *rule = wfm_channel_rule_find(wfm_fitabase_channel_name(ch)); /* src/data/channel_rules.c */
    fb_user *u = NULL;
    fb_day *d = NULL;
    fb_row r;
    for (const char *q = h->body, *lb, *le; q < end;) {
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue;
        parse_row(h, lb, le, 0, &r, NULL);
        int64_t minute = wfm_floor_div(r.sec, 60), day = wfm_floor_div(minute, FB_DAY_MINUTES);
        if (!u || u->id != r.user) { u = wfm_fb_find_user(fb, r.user); d = NULL; }
        if (!d || d->day != day) d = wfm_fb_find_day(u, day);
        int m0 = (int)(minute - day * FB_DAY_MINUTES);
        for (int k = 0; k < r.n; k++) {
            wfm_drop_reason why;
            unsigned code = encode(rule, ch, r.v[k], &why);
            /* An empty cell is missing, not implausible: only the rules' drops are the user's to report. */
            if (why != WFM_KEPT && why != WFM_DROP_NOT_FINITE) u->dropped[ch][why]++;
            int m = m0 + k; /* wide rows start on the hour: all 60 minutes are in this day */
            c->values[ch]++;
            switch (ch) {
            case WFM_FITABASE_STEPS:
                c->dropped[ch] += code == FB_STEPS_DROPPED;
                count_overwrite(c, ch, d->steps[m], FB_STEPS_ABSENT, code);
                d->steps[m] = (uint16_t)code;
                break;
            case WFM_FITABASE_INTENSITY:
            case WFM_FITABASE_SLEEP_STATE: {
                uint8_t *slot = ch == WFM_FITABASE_INTENSITY ? &d->intensity[m] : &d->sleep[m];
                c->dropped[ch] += code == FB_CODE_DROPPED;
                count_overwrite(c, ch, *slot, FB_CODE_ABSENT, code);
                *slot = (uint8_t)code;
                break;
            }
            default:
                c->dropped[ch] += code == 0;
                d->hr[d->hr_n++] = FB_HR_PACK(r.sec - day * FB_DAY_SECONDS, code);
            }
        }
    }
}

/* Heart-rate samples repeating a second, old or within this file. `seen`
 * is scratch for 86,400 seconds, all 0 on entry and on return. */
static void count_hr_repeats(wfm_fitabase_counts *c, const fb_run *runs, size_t n, uint16_t *seen) {
    for (size_t i = 0; i < n; i++) {
        const fb_day *d = runs[i].block;
        if (!runs[i].hr) continue;
        for (size_t k = 0; k < d->hr_n; k++) {
            uint32_t s = FB_HR_SEC(d->hr[k]), v = 0x8000u | FB_HR_CBPM(d->hr[k]);
            if (k >= runs[i].hr_before && seen[s]) count_overwrite(c, WFM_FITABASE_HEART_RATE, seen[s], 0, v);
            seen[s] = (uint16_t)v;
        }
        for (size_t k = 0; k < d->hr_n; k++) seen[FB_HR_SEC(d->hr[k])] = 0;
    }
}

wfm_status wfm_fitabase_add(wfm_fitabase *fb, const char *text, size_t len, wfm_fitabase_kind *kind,
                            wfm_error *err) {
    if (kind) *kind = WFM_FITABASE_UNKNOWN;
    if (!fb || (!text && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_fitabase_add: NULL argument");
    if (!text) text = "";
    fb_header h;
    wfm_status st = read_header(text, len, &h, err);
    if (st) return st;
    if (kind) *kind = h.fmt->kind;
    const char *end = text + len;
    fb_run *runs = NULL;
    size_t n_runs = 0, rows = 0;
    if ((st = scan(&h, end, &runs, &n_runs, &rows, err))) return st;

    fb_pending p;
    uint16_t *seen = NULL;
    if ((st = reserve_all(fb, runs, n_runs, &p, err))) { free(runs); return st; }
    if (h.fmt->channel == WFM_FITABASE_HEART_RATE && !(seen = wfm_calloc(FB_DAY_SECONDS, sizeof *seen))) {
        pending_release(&p);
        free(runs);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }

    /* Commit: link the new users and days (capacity is reserved), then write. */
    for (size_t i = 0; i < p.n_days; i++) p.owners[i]->days[p.owners[i]->n_days++] = p.days[i];
    for (size_t i = 0; i < p.n_days; i++)
        if (i + 1 == p.n_days || p.owners[i + 1] != p.owners[i])
            qsort(p.owners[i]->days, p.owners[i]->n_days, sizeof *p.owners[i]->days, day_cmp);
    for (size_t i = 0; i < p.n_users; i++) fb->users[fb->n_users++] = p.users[i];
    if (p.n_users) qsort(fb->users, fb->n_users, sizeof *fb->users, user_cmp);
    free(p.users); free(p.days); free(p.owners);

    write_rows(fb, &h, end);
    if (seen) count_hr_repeats(&fb->counts, runs, n_runs, seen);
    fb->counts.files++;
    fb->counts.rows += rows;
    free(seen);
    free(runs);
    return WFM_OK;
}
