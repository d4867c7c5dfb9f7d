/* Fitbit's own account export, as Google Takeout delivers it: the JSON
 * files of "Fitbit/Global Export Data" (one per day for heart rate, per
 * month for steps and sleep) and the CSVs of "Physical
 * Activity_GoogleData". Each file is parsed whole and checked before its
 * samples go to the minute aggregator (docs/data.md, "Fitbit account
 * export"). JSON goes through the core's strict RFC 8259 parser
 * (src/platform/json.c): it already reads the model and probe headers and is fuzzed
 * there, and a Fitbit file is a few MB at most, so a DOM is fine; a second
 * JSON library (cJSON, yyjson) would add a parser without adding a check. */
#include "data/import.h"
#include "platform/alloc.h"
#include "data/csv.h"
#include "platform/error.h"
#include "platform/json.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wfm_takeout_kind_name(wfm_takeout_kind kind) {
    switch (kind) {
    case WFM_TAKEOUT_HEART_RATE_JSON: return "heart_rate json";
    case WFM_TAKEOUT_STEPS_JSON: return "steps json";
    case WFM_TAKEOUT_SLEEP_JSON: return "sleep json";
    case WFM_TAKEOUT_HEART_RATE_CSV: return "heart_rate csv";
    case WFM_TAKEOUT_STEPS_CSV: return "steps csv";
    default: return "unknown";
    }
}

static const char *base_name(const char *name) {
    if (!name) return "";
    const char *b = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

static int starts(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }
static int ends(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The CSV's value column from its header: 0 none, else the kind. */
static wfm_takeout_kind csv_kind(const char *text, size_t len, int *ts_col, int *val_col) {
    const char *p = wfm_csv_skip_bom(text, text + len), *end = text + len, *lb, *le;
    if (p == end) return WFM_TAKEOUT_UNKNOWN;
    wfm_csv_next_line(&p, end, &lb, &le);
    wfm_field f[16];
    size_t n = wfm_csv_split(lb, le, f, 16);
    if (n > 16) n = 16;
    int ts = -1, hr = -1, st = -1;
    for (size_t i = 0; i < n; i++) {
        if (wfm_field_is(f[i], "timestamp") && ts < 0) ts = (int)i;
        else if (wfm_field_is(f[i], "beats per minute") && hr < 0) hr = (int)i;
        else if (wfm_field_is(f[i], "steps") && st < 0) st = (int)i;
    }
    if (ts < 0 || (hr < 0) == (st < 0)) return WFM_TAKEOUT_UNKNOWN;
    if (ts_col) *ts_col = ts;
    if (val_col) *val_col = hr >= 0 ? hr : st;
    return hr >= 0 ? WFM_TAKEOUT_HEART_RATE_CSV : WFM_TAKEOUT_STEPS_CSV;
}

/* Fitbit writes the text "no data" for a measure the account has but never recorded. */
static int is_no_data(const char *text, size_t len) {
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) len--;
    while (len && (*text == ' ' || *text == '\n' || *text == '\r')) text++, len--;
    return len == 7 && !memcmp(text, "no data", 7);
}

wfm_takeout_kind wfm_takeout_detect(const char *name, const char *text, size_t len) {
    const char *b = base_name(name);
    if (ends(b, ".json")) {
        if (starts(b, "heart_rate-")) return WFM_TAKEOUT_HEART_RATE_JSON;
        if (starts(b, "steps-")) return WFM_TAKEOUT_STEPS_JSON;
        if (starts(b, "sleep-")) return WFM_TAKEOUT_SLEEP_JSON;
    }
    if (!text) return WFM_TAKEOUT_UNKNOWN;
    if (ends(b, ".csv") || !ends(b, ".json")) {
        wfm_takeout_kind k = csv_kind(text, len, NULL, NULL);
        if (k) return k;
    }
    /* A renamed heart-rate file still says what it is: {"dateTime":...,"value":{"bpm":... */
    size_t n = len < 256 ? len : 256;
    const char *q = text;
    while (n && (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')) q++, n--;
    if (n && *q == '[') {
        char head[257];
        memcpy(head, q, n);
        head[n] = 0;
        for (size_t i = 0; i < n; i++) if (!head[i]) head[i] = ' ';
        if (strstr(head, "\"dateTime\"") && strstr(head, "\"bpm\"")) return WFM_TAKEOUT_HEART_RATE_JSON;
        if (strstr(head, "\"logId\"") && strstr(head, "\"levels\"")) return WFM_TAKEOUT_SLEEP_JSON;
    }
    return WFM_TAKEOUT_UNKNOWN;
}

/* ---- JSON -------------------------------------------------------------- */

/* "record 12 (byte 345)" for messages. */
#define REC_FMT "record %zu (byte %zu)"

static wfm_status rec_fail(wfm_error *err, size_t i, const wfm_json *v, const char *what) {
    return wfm_fail(err, WFM_ERR_INVALID_ARG, REC_FMT ": %s", i + 1, v ? v->offset + 1 : 0, what);
}

static wfm_status rec_fail_text(wfm_error *err, size_t i, const wfm_json *v, const char *what, const wfm_json *s) {
    char q[48];
    wfm_json_quote(q, sizeof q, s && s->type == WFM_JSON_STRING ? s->u.string : "", s ? s->len : 0);
    return wfm_fail(err, WFM_ERR_INVALID_ARG, REC_FMT ": %s '%s'", i + 1, v ? v->offset + 1 : 0, what, q);
}

/* A number, or a string holding one (Fitbit writes steps as "12"); 0 on success. */
static int json_value(const wfm_json *v, double *out) {
    if (wfm_json_is(v, WFM_JSON_NUMBER)) { *out = wfm_json_number(v); return 0; }
    const char *s = wfm_json_string(v);
    if (!s || !wfm_json_string_is_c(v) || !*s) return -1;
    wfm_field f = {s, s + strlen(s)};
    float x;
    if (wfm_csv_parse_float(f, &x)) return -1;
    *out = x;
    return 0;
}

static wfm_status minute_series(const wfm_json *root, wfm_takeout_kind kind, const wfm_import_options *o,
                                imp_samples *l, wfm_import_counts *c, wfm_error *err) {
    const int hr = kind == WFM_TAKEOUT_HEART_RATE_JSON;
    for (size_t i = 0; i < wfm_json_count(root); i++) {
        const wfm_json *r = wfm_json_at(root, i);
        if (!wfm_json_is(r, WFM_JSON_OBJECT)) return rec_fail(err, i, r, "not an object");
        const wfm_json *dt = wfm_json_get(r, "dateTime"), *val = wfm_json_get(r, "value");
        const char *s = wfm_json_string(dt);
        imp_time t;
        if (!s) return rec_fail(err, i, r, "no \"dateTime\" string");
        if (imp_parse_us_short(s, dt->len, &t) && imp_parse_iso(s, dt->len, &t))
            return rec_fail_text(err, i, r, "\"dateTime\" is not MM/DD/YY HH:MM:SS:", dt);
        double v;
        if (hr) {
            if (!wfm_json_is(val, WFM_JSON_OBJECT)) return rec_fail(err, i, r, "\"value\" is not an object with \"bpm\"");
            if (json_value(wfm_json_get(val, "bpm"), &v)) return rec_fail(err, i, r, "\"value\" has no number \"bpm\"");
        } else if (json_value(val, &v)) {
            return rec_fail(err, i, r, "\"value\" is not a number");
        }
        c->records++;
        if (imp_push(l, hr ? IMP_HEART_RATE : IMP_STEPS, imp_local_ms(o, t, c), v))
            return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    return WFM_OK;
}

/* Fitbit's sleep levels: stages (deep, light, rem, wake) and the older
 * classic levels (asleep, restless, awake), as sleep_state. */
static int sleep_level(const char *s, float *v) {
    static const struct { const char *name; float v; } levels[] = {
        {"deep", 2}, {"light", 2}, {"rem", 2}, {"asleep", 2}, {"restless", 1}, {"wake", 0}, {"awake", 0}};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
        if (!strcmp(s, levels[i].name)) { *v = levels[i].v; return 0; }
    return -1;
}

static wfm_status sleep_entries(const wfm_json *list, size_t log, const wfm_import_options *o, imp_samples *l,
                                wfm_import_counts *c, wfm_error *err) {
    if (!list) return WFM_OK;
    if (!wfm_json_is(list, WFM_JSON_ARRAY)) return rec_fail(err, log, list, "\"levels\" data is not an array");
    for (size_t k = 0; k < wfm_json_count(list); k++) {
        const wfm_json *e = wfm_json_at(list, k);
        const wfm_json *dt = wfm_json_get(e, "dateTime"), *lv = wfm_json_get(e, "level"), *sec = wfm_json_get(e, "seconds");
        const char *s = wfm_json_string(dt), *level = wfm_json_string(lv);
        imp_time t;
        if (!wfm_json_is(e, WFM_JSON_OBJECT) || !s || !level || !wfm_json_is(sec, WFM_JSON_NUMBER))
            return rec_fail(err, log, e, "a sleep level without \"dateTime\", \"level\" and \"seconds\"");
        if (imp_parse_iso(s, dt->len, &t)) return rec_fail_text(err, log, e, "sleep level \"dateTime\" is not a date and time:", dt);
        float v;
        double seconds = wfm_json_number(sec);
        if (sleep_level(level, &v)) { c->ignored++; continue; }
        if (!(seconds >= 0 && seconds <= 86400)) { c->bad_records++; continue; }
        if (imp_push_sleep(l, imp_local_ms(o, t, c), seconds, v)) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    return WFM_OK;
}

static wfm_status sleep_logs(const wfm_json *root, const wfm_import_options *o, imp_samples *l, wfm_import_counts *c,
                             wfm_error *err) {
    for (size_t i = 0; i < wfm_json_count(root); i++) {
        const wfm_json *r = wfm_json_at(root, i);
        if (!wfm_json_is(r, WFM_JSON_OBJECT)) return rec_fail(err, i, r, "not an object (a sleep log)");
        const wfm_json *levels = wfm_json_get(r, "levels");
        if (!wfm_json_is(levels, WFM_JSON_OBJECT)) return rec_fail(err, i, r, "a sleep log without \"levels\"");
        c->records++;
        wfm_status st = sleep_entries(wfm_json_get(levels, "data"), i, o, l, c, err);
        /* Short wakes (stages only) override the 30-second slots they cover: added after. */
        if (!st) st = sleep_entries(wfm_json_get(levels, "shortData"), i, o, l, c, err);
        if (st) return st;
    }
    return WFM_OK;
}

static wfm_status read_json(const char *text, size_t len, wfm_takeout_kind kind, const wfm_import_options *o,
                            imp_samples *l, wfm_import_counts *c, wfm_error *err) {
    const char *p = wfm_csv_skip_bom(text, text + len);
    wfm_json_doc *doc = NULL;
    wfm_status st = wfm_json_parse(p, (size_t)(text + len - p), &doc, err);
    if (st) {
        if (st == WFM_ERR_NO_MEMORY) return st;
        if (err) err->status = WFM_ERR_INVALID_ARG; /* a malformed file, not a malformed model */
        return WFM_ERR_INVALID_ARG;
    }
    const wfm_json *root = wfm_json_root(doc);
    if (!wfm_json_is(root, WFM_JSON_ARRAY)) st = wfm_fail(err, WFM_ERR_INVALID_ARG, "expected a JSON array of records, found %s", wfm_json_kind(root->type));
    else if (kind == WFM_TAKEOUT_SLEEP_JSON) st = sleep_logs(root, o, l, c, err);
    else st = minute_series(root, kind, o, l, c, err);
    wfm_json_free(doc);
    return st;
}

/* ---- CSV --------------------------------------------------------------- */

static wfm_status read_csv(const char *text, size_t len, wfm_takeout_kind kind, const wfm_import_options *o,
                           imp_samples *l, wfm_import_counts *c, wfm_error *err) {
    char why[128];
    const char *p = wfm_csv_skip_bom(text, text + len), *end = text + len, *lb, *le;
    const char *problem = wfm_csv_text_problem(p, end, why, sizeof why);
    if (problem) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s", problem);
    int tc = 0, vc = 0;
    csv_kind(text, len, &tc, &vc);
    wfm_csv_next_line(&p, end, &lb, &le);
    const int ch = kind == WFM_TAKEOUT_HEART_RATE_CSV ? IMP_HEART_RATE : IMP_STEPS;
    const size_t need = (size_t)(tc > vc ? tc : vc) + 1;
    for (size_t line = 2; p < end; line++) {
        if (!wfm_csv_next_line(&p, end, &lb, &le)) continue;
        wfm_field f[16];
        size_t n = wfm_csv_split(lb, le, f, 16);
        if (n < need) return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: %zu field(s), the header has %zu", line, n, need);
        imp_time t;
        wfm_field ts = f[tc], vf = f[vc];
        if (imp_parse_iso(ts.b, wfm_field_len(ts), &t))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: timestamp '%.*s' is not a date and time", line,
                            wfm_field_shown(ts), ts.b);
        c->records++;
        if (wfm_csv_is_missing(vf)) continue;
        float v;
        if (wfm_csv_parse_float(vf, &v))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "line %zu: '%.*s' is not a number", line, wfm_field_shown(vf), vf.b);
        if (imp_push(l, ch, imp_local_ms(o, t, c), v)) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    return WFM_OK;
}

wfm_status wfm_takeout_add(wfm_aggregator *a, const char *name, const char *text, size_t len,
                           const wfm_import_options *options, wfm_import_counts *counts, wfm_takeout_kind *kind,
                           wfm_error *err) {
    if (kind) *kind = WFM_TAKEOUT_UNKNOWN;
    if (!a || (!text && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_takeout_add: NULL argument");
    wfm_import_options o;
    wfm_status st = imp_options(options, &o, err);
    if (st) return st;
    wfm_takeout_kind k = wfm_takeout_detect(name, text, len);
    if (kind) *kind = k;
    char why[128];
    const char *problem = k ? NULL : wfm_csv_text_problem(text, text + len, why, sizeof why);
    if (problem && strstr(problem, "UTF-16")) return wfm_fail(err, WFM_ERR_INVALID_ARG, "%s", problem);
    if (!k)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "not a Fitbit export file this importer reads (heart_rate-*.json, "
                                                  "steps-*.json, sleep-*.json, heart_rate_*.csv, steps_*.csv)");
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    c.files = 1;
    if (len && is_no_data(text, len)) {
        imp_counts_add(counts, &c);
        return WFM_OK;
    }
    imp_samples l = {0};
    st = k == WFM_TAKEOUT_HEART_RATE_CSV || k == WFM_TAKEOUT_STEPS_CSV ? read_csv(text, len, k, &o, &l, &c, err)
                                                                        : read_json(text, len, k, &o, &l, &c, err);
    if (!st) st = imp_flush(a, &l, &o, &c, err);
    imp_samples_free(&l);
    if (!st) imp_counts_add(counts, &c);
    return st;
}
