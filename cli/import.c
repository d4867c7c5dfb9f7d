/* wearfm import fitabase FILE... : Fitabase exports -> one generic minute CSV
 * per user (OUTDIR/<id>.csv), and optionally a missingness report. */
#include "wearfm.h"
#include "cli.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define C WFM_FITABASE_CHANNELS

static void import_usage(FILE *f) {
    fprintf(f,
            "usage: wearfm import fitabase FILE... [options]\n"
            "       (Fitbit's account export, Apple Health, Garmin FIT: wearfm import takeout|apple-health|fit --help)\n"
            "\n"
            "Reads Fitabase CSV exports (minuteStepsWide, minuteIntensitiesWide,\n"
            "minuteStepsNarrow, minuteIntensitiesNarrow, minuteSleep, heartrate_seconds;\n"
            "the kind is read from each header; '-' is stdin) and writes one minute CSV\n"
            "per user, OUTDIR/<id>.csv, header timestamp,heart_rate,steps,intensity,sleep_state,\n"
            "whole days (midnight to midnight) from the user's first to last day with data.\n"
            "Conventions (units, sleep encoding, the non-wear rule): docs/data.md.\n"
            "\n"
            "options:\n"
            "  -o, --output OUTDIR   where to write (default: the current directory; created if needed)\n"
            "  --user ID             only this user\n"
            "  --no-nonwear          keep Fitbit's zeros while the band was off the wrist\n"
            "  --sleep-logs-only     sleep_state only inside sleep logs (default: a worn minute\n"
            "                        outside the logs is awake, 0, for a user who has logs)\n"
            "  --report              print a missingness report to stdout\n"
            "  -q, --quiet           no progress on stderr\n"
            "\n"
            "exit codes: 0 ok, 1 runtime error (e.g. cannot write), 2 usage,\n"
            "            4 input file (the message names the line), 5 no data (no rows,\n"
            "            or --user not in the input)\n");
}

typedef struct import_opts {
    const char **files;
    int n_files;
    const char *outdir;
    int64_t user;
    int one_user, nonwear, sleep_logs_only, report, quiet;
} import_opts;

static int parse_import_args(int argc, char **argv, import_opts *o) {
    memset(o, 0, sizeof *o);
    o->outdir = ".";
    o->nonwear = 1;
    o->files = calloc((size_t)argc, sizeof *o->files);
    if (!o->files) return EXIT_RUNTIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { import_usage(stdout); return -1; }
        if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--user")) {
            if (!next) { fprintf(stderr, "wearfm import: option '%s' needs a value\n", a); return EXIT_USAGE; }
            if (strcmp(a, "--user")) o->outdir = next;
            else {
                char *end;
                errno = 0;
                long long id = strtoll(next, &end, 10);
                if (*end || end == next || id < 0 || errno) { fprintf(stderr, "wearfm import: --user needs an Id\n"); return EXIT_USAGE; }
                o->user = id;
                o->one_user = 1;
            }
            i++;
        } else if (!strcmp(a, "--no-nonwear")) o->nonwear = 0;
        else if (!strcmp(a, "--sleep-logs-only")) o->sleep_logs_only = 1;
        else if (!strcmp(a, "--report")) o->report = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (a[0] == '-' && a[1]) { fprintf(stderr, "wearfm import: unknown option '%s' (see --help)\n", a); return EXIT_USAGE; }
        else if (i == 1) {
            if (strcmp(a, "fitabase")) {
                fprintf(stderr, "wearfm import: unknown format '%s' (fitabase, takeout, apple-health, fit)\n", a);
                return EXIT_USAGE;
            }
        } else o->files[o->n_files++] = a;
    }
    if (argc < 2 || strcmp(argv[1], "fitabase") || !o->n_files) {
        fprintf(stderr, "wearfm import: expected 'fitabase FILE...' (see --help)\n");
        return EXIT_USAGE;
    }
    return 0;
}

/* Shortest of %.6g..%.9g that reads back as the same float; integers plainly. */
void cli_put_value(FILE *f, float v) {
    if (isnan(v)) return;
    if (v == floorf(v) && fabsf(v) < 1e6f) { fprintf(f, "%d", (int)v); return; }
    char buf[32];
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

static int write_csv(const char *path, const wfm_minutes *t) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static char buf[1 << 16];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("timestamp", f);
    for (int c = 0; c < C; c++) fprintf(f, ",%s", wfm_fitabase_channel_name(c));
    fputc('\n', f);
    const float *v = wfm_minutes_values(t);
    int64_t start = wfm_minutes_start(t);
    for (size_t i = 0; i < wfm_minutes_length(t); i++) {
        char ts[20];
        wfm_format_minute(start + (int64_t)i, ts);
        fputs(ts, f);
        for (int c = 0; c < C; c++) {
            fputc(',', f);
            cli_put_value(f, v[i * C + c]);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* ---- report ------------------------------------------------------------ */

#define COVER_BINS 6 /* user-days by observed fraction: none, <25%, 25-50%, 50-75%, 75-<100%, all */

typedef struct report {
    wfm_missingness before, after;  /* without / with the non-wear rule */
    wfm_missingness hr_users;       /* before, users with heart rate only */
    size_t cover[C][COVER_BINS];    /* after */
    size_t users_hr, users_sleep;
    size_t nonwear_hr, nonwear_no_hr;   /* minutes the rule set missing, by kind of user */
    size_t step_minutes;                /* observed step-minutes before the rule */
    size_t check_flagged, check_no_hr, check_auto, check_both; /* movement-only rule on users with HR */
} report;

static int has_values(const wfm_minutes *t, int c) {
    const float *v = wfm_minutes_values(t);
    for (size_t i = 0; i < wfm_minutes_length(t); i++)
        if (!isnan(v[i * C + c])) return 1;
    return 0;
}

/* Adds one user to the report; `t` is the table as written, `changed` the
 * minutes the non-wear rule set missing in it. */
static wfm_status report_user(report *r, const wfm_fitabase *fb, int64_t id, const wfm_minutes *t, size_t changed,
                              wfm_error *err) {
    wfm_fitabase_options off = wfm_fitabase_default_options(), move = off;
    off.nonwear_rule = WFM_NONWEAR_OFF;
    move.nonwear_rule = WFM_NONWEAR_MOVEMENT_ONLY;
    wfm_minutes *raw = NULL, *mv = NULL;
    wfm_status st = wfm_fitabase_user_minutes(fb, id, &off, &raw, NULL, err);
    int hr = !st && has_values(raw, WFM_FITABASE_HEART_RATE);
    if (!st && hr) st = wfm_fitabase_user_minutes(fb, id, &move, &mv, NULL, err);
    if (!st) st = wfm_missingness_add(&r->before, raw, err);
    if (!st) st = wfm_missingness_add(&r->after, t, err);
    if (!st && hr) st = wfm_missingness_add(&r->hr_users, raw, err);
    if (!st) {
        r->users_hr += hr;
        r->users_sleep += has_values(raw, WFM_FITABASE_SLEEP_STATE);
        *(hr ? &r->nonwear_hr : &r->nonwear_no_hr) += changed;
        const float *a = wfm_minutes_values(raw), *b = wfm_minutes_values(t), *m = mv ? wfm_minutes_values(mv) : NULL;
        for (size_t d = 0; d < wfm_minutes_length(t) / 1440; d++) /* tables are whole days */
            for (int c = 0; c < C; c++) {
                int seen = 0;
                for (int i = 0; i < 1440; i++) seen += !isnan(b[(d * 1440 + (size_t)i) * C + c]);
                r->cover[c][seen == 0 ? 0 : seen == 1440 ? 5 : 1 + seen * 4 / 1440]++;
            }
        for (size_t i = 0; i < wfm_minutes_length(raw); i++) {
            const float *ra = a + i * C;
            r->step_minutes += !isnan(ra[WFM_FITABASE_STEPS]);
            if (!m) continue;
            /* Minutes with movement data that a rule turned entirely missing. */
            int was = !isnan(ra[WFM_FITABASE_STEPS]) || !isnan(ra[WFM_FITABASE_INTENSITY]);
            int by_move = was && isnan(m[i * C + WFM_FITABASE_STEPS]) && isnan(m[i * C + WFM_FITABASE_INTENSITY]);
            int by_auto = was && isnan(b[i * C + WFM_FITABASE_STEPS]) && isnan(b[i * C + WFM_FITABASE_INTENSITY]);
            r->check_flagged += by_move;
            r->check_no_hr += by_move && isnan(ra[WFM_FITABASE_HEART_RATE]);
            r->check_auto += by_auto;
            r->check_both += by_move && by_auto;
        }
    }
    wfm_minutes_free(raw);
    wfm_minutes_free(mv);
    return st;
}

static double pct(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static void print_report(FILE *f, const report *r, const wfm_fitabase_counts *k, int nonwear) {
    const wfm_missingness *b = &r->before, *a = &r->after;
    wfm_fitabase_options d = wfm_fitabase_default_options();
    fprintf(f, "Fitabase import report\n\n");
    fprintf(f, "files %zu, rows %zu; users %zu (%zu with heart rate, %zu with sleep logs);\n", k->files, k->rows,
            b->tables, r->users_hr, r->users_sleep);
    fprintf(f, "%zu user-days, %zu user-minutes (whole days from each user's first to last day with data)\n\n",
            b->days, b->minutes);

    fprintf(f, "%-28s", "cells read");
    for (int c = 0; c < C; c++) fprintf(f, " %12s", wfm_fitabase_channel_name(c));
    fprintf(f, "\n%-28s", "  values (HR: samples)");
    for (int c = 0; c < C; c++) fprintf(f, " %12zu", k->values[c]);
    fprintf(f, "\n%-28s", "  dropped: empty/implausible");
    for (int c = 0; c < C; c++) fprintf(f, " %12zu", k->dropped[c]);
    fprintf(f, "\n%-28s", "  repeated, same value");
    for (int c = 0; c < C; c++) fprintf(f, " %12zu", k->duplicates[c]);
    fprintf(f, "\n%-28s", "  repeated, later row won");
    for (int c = 0; c < C; c++) fprintf(f, " %12zu", k->conflicts[c]);

    fprintf(f, "\n\nmissing, %% of user-minutes      before non-wear   after   user-days with any value\n");
    for (int c = 0; c < C; c++)
        fprintf(f, "  %-30s %13.1f %9.1f   %zu of %zu (%.0f%%)\n", wfm_fitabase_channel_name(c), pct(b->missing[c], b->minutes),
                pct(a->missing[c], a->minutes), a->days_observed[c], a->days, pct(a->days_observed[c], a->days));
    const wfm_missingness *h = &r->hr_users;
    fprintf(f, "  %-30s %13.1f %9.1f   %zu of %zu (%.0f%%)\n", "heart_rate, users with HR", pct(h->missing[0], h->minutes),
            pct(h->missing[0], h->minutes), h->days_observed[0], h->days, pct(h->days_observed[0], h->days));
    fprintf(f, "  (sleep_state outside sleep logs: 0, awake, while worn, for users with sleep logs; else missing)\n\n");

    fprintf(f, "user-days by observed minutes%s    none     <25%%   25-50%%   50-75%%  75-<100%%      all\n",
            nonwear ? " (after non-wear)" : "                 ");
    for (int c = 0; c < C; c++) {
        fprintf(f, "  %-44s", wfm_fitabase_channel_name(c));
        for (int b2 = 0; b2 < COVER_BINS; b2++) fprintf(f, " %8zu", r->cover[c][b2]);
        fputc('\n', f);
    }
    fputc('\n', f);

    if (nonwear) {
        fprintf(f, "non-wear rule: idle runs (steps and intensity 0, outside sleep logs) of >= %d min without\n"
                   "heart rate (users with heart rate) or >= %d min (users without) -> steps, intensity missing\n",
                d.nonwear_min_minutes, d.nonwear_min_minutes_no_hr);
        fprintf(f, "  minutes set missing: %zu (%.1f%% of observed step-minutes): %zu in users with heart rate, %zu without\n",
                r->nonwear_hr + r->nonwear_no_hr, pct(r->nonwear_hr + r->nonwear_no_hr, r->step_minutes), r->nonwear_hr,
                r->nonwear_no_hr);
        if (r->users_hr)
            fprintf(f, "  check on the users with heart rate: the movement-only rule (>= %d min) flags %zu minutes,\n"
                       "  %.1f%% of them without heart rate; it finds %.1f%% of the %zu minutes the heart-rate rule flags\n",
                    d.nonwear_min_minutes_no_hr, r->check_flagged, pct(r->check_no_hr, r->check_flagged),
                    pct(r->check_both, r->check_auto), r->check_auto);
        fputc('\n', f);
    }

    fprintf(f, "missing by hour of day, %%%s\nhour", nonwear ? " (* after the non-wear rule)" : "");
    for (int c = 0; c < C; c++) {
        fprintf(f, " %11s", wfm_fitabase_channel_name(c));
        if (c == WFM_FITABASE_HEART_RATE) fprintf(f, " %11s", "HR (HR usr)");
        if (nonwear && (c == WFM_FITABASE_STEPS || c == WFM_FITABASE_INTENSITY))
            fprintf(f, " %10s*", wfm_fitabase_channel_name(c));
    }
    fputc('\n', f);
    for (int hh = 0; hh < 24; hh++) {
        fprintf(f, "  %02d", hh);
        for (int c = 0; c < C; c++) {
            fprintf(f, " %11.1f", pct(b->hour_missing[c][hh], b->hour_minutes[hh]));
            if (c == WFM_FITABASE_HEART_RATE) fprintf(f, " %11.1f", pct(h->hour_missing[c][hh], h->hour_minutes[hh]));
            if (nonwear && (c == WFM_FITABASE_STEPS || c == WFM_FITABASE_INTENSITY))
                fprintf(f, " %11.1f", pct(a->hour_missing[c][hh], a->hour_minutes[hh]));
        }
        fputc('\n', f);
    }

    fprintf(f, "\ngaps by length: number of gaps / %% of the channel's missing minutes in them\n%-14s", "minutes");
    for (int g = 0; g < WFM_GAP_BUCKETS; g++) {
        char lab[16];
        if (g + 1 < WFM_GAP_BUCKETS) snprintf(lab, sizeof lab, "%d-%d", wfm_gap_bucket_min(g), wfm_gap_bucket_min(g + 1) - 1);
        else snprintf(lab, sizeof lab, ">=%d", wfm_gap_bucket_min(g));
        fprintf(f, " %15s", lab);
    }
    fputc('\n', f);
    for (int c = 0; c < C; c++)
        for (int pass = 0; pass < 2; pass++) {
            if (pass && !(c == WFM_FITABASE_HEART_RATE || (nonwear && (c == WFM_FITABASE_STEPS || c == WFM_FITABASE_INTENSITY))))
                continue;
            const wfm_missingness *m = !pass ? b : c == WFM_FITABASE_HEART_RATE ? h : a;
            char name[24];
            snprintf(name, sizeof name, "%s", !pass ? wfm_fitabase_channel_name(c) : c ? wfm_fitabase_channel_name(c) : "HR (HR usr)");
            if (pass && c) strcat(name, "*");
            fprintf(f, "%-14s", name);
            for (int g = 0; g < WFM_GAP_BUCKETS; g++)
                fprintf(f, " %7zu /%5.1f%%", m->gaps[c][g], pct(m->gap_minutes[c][g], m->missing[c]));
            fputc('\n', f);
        }
}

/* ---- the command ------------------------------------------------------- */

/* mkdir -p, as the help promises: every missing parent, then dir itself.
 * Returns 0, or -1 with errno set. */
int cli_make_dir(const char *dir) {
    size_t n = strlen(dir);
    if (!n) { errno = ENOENT; return -1; }
    char *p = malloc(n + 1);
    if (!p) return -1;
    memcpy(p, dir, n + 1);
    struct stat s;
    int rc = 0;
    for (size_t i = 1; i <= n && !rc; i++)
        if (p[i] == '/' || !p[i]) {
            char c = p[i];
            p[i] = 0;
            if (stat(p, &s)) rc = mkdir(p, 0777);
            else if (!S_ISDIR(s.st_mode)) { errno = ENOTDIR; rc = -1; }
            p[i] = c;
        }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

static int run_import(const import_opts *o) {
    wfm_error err = {0};
    wfm_fitabase *fb = NULL;
    if (wfm_fitabase_create(&fb, &err)) { fprintf(stderr, "wearfm: %s\n", err.message); return EXIT_RUNTIME; }
    int rc = EXIT_OK;
    for (int i = 0; i < o->n_files && rc == EXIT_OK; i++) {
        size_t len = 0, rows_before;
        wfm_fitabase_counts k;
        wfm_fitabase_get_counts(fb, &k);
        rows_before = k.rows;
        int why;
        char *text = cli_read_all(o->files[i], &len, &why);
        if (!text) {
            rc = cli_read_failed("wearfm", o->files[i], why, len);
            break;
        }
        wfm_fitabase_kind kind;
        wfm_status st = wfm_fitabase_add(fb, text, len, &kind, &err);
        free(text);
        if (st) {
            fprintf(stderr, "wearfm: %s: %s\n", o->files[i], err.message);
            rc = st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
            break;
        }
        wfm_fitabase_get_counts(fb, &k);
        if (!o->quiet) fprintf(stderr, "wearfm: %s: %s, %zu rows\n", o->files[i], wfm_fitabase_kind_name(kind), k.rows - rows_before);
    }
    /* Header-only files add no user: say so, as an empty minute CSV does. */
    if (rc == EXIT_OK && !wfm_fitabase_user_count(fb)) {
        fprintf(stderr, "wearfm: no data: the input has a header but no rows\n");
        rc = EXIT_NO_DATA;
    }
    if (rc == EXIT_OK && o->one_user) {
        size_t n = wfm_fitabase_user_count(fb), i = 0;
        while (i < n && wfm_fitabase_user_id(fb, i) != o->user) i++;
        if (i == n) { fprintf(stderr, "wearfm: user %lld is not in the input\n", (long long)o->user); rc = EXIT_NO_DATA; }
    }
    if (rc == EXIT_OK && cli_make_dir(o->outdir)) {
        int e = errno;
        fprintf(stderr, "wearfm: cannot create the output directory '%s': %s%s\n", o->outdir, strerror(e), cli_path_note(o->outdir));
        rc = EXIT_RUNTIME;
    }
    report *r = o->report ? calloc(1, sizeof *r) : NULL;
    if (rc == EXIT_OK && o->report && !r) { fprintf(stderr, "wearfm: out of memory\n"); rc = EXIT_RUNTIME; }
    wfm_fitabase_options opt = wfm_fitabase_default_options();
    if (!o->nonwear) opt.nonwear_rule = WFM_NONWEAR_OFF;
    if (o->sleep_logs_only) opt.sleep_outside_logs = WFM_SLEEP_OUTSIDE_MISSING;
    size_t written = 0, nonwear_total = 0, days = 0;
    for (size_t i = 0; rc == EXIT_OK && i < wfm_fitabase_user_count(fb); i++) {
        int64_t id = wfm_fitabase_user_id(fb, i);
        if (o->one_user && id != o->user) continue;
        wfm_minutes *t = NULL;
        size_t changed = 0;
        wfm_status st = wfm_fitabase_user_minutes(fb, id, &opt, &t, &changed, &err);
        if (!st && r) st = report_user(r, fb, id, t, changed, &err);
        if (st) {
            fprintf(stderr, "wearfm: user %lld: %s\n", (long long)id, err.message);
            wfm_minutes_free(t);
            rc = EXIT_RUNTIME;
            break;
        }
        size_t plen = strlen(o->outdir) + 32;
        char *path = malloc(plen);
        if (!path) { wfm_minutes_free(t); fprintf(stderr, "wearfm: out of memory\n"); rc = EXIT_RUNTIME; break; }
        snprintf(path, plen, "%s/%lld.csv", o->outdir, (long long)id);
        if (write_csv(path, t)) { fprintf(stderr, "wearfm: cannot write '%s'%s\n", path, cli_path_note(path)); rc = EXIT_RUNTIME; }
        written++;
        nonwear_total += changed;
        days += wfm_minutes_length(t) / 1440;
        free(path);
        wfm_minutes_free(t);
    }
    if (rc == EXIT_OK && r) {
        wfm_fitabase_counts k;
        wfm_fitabase_get_counts(fb, &k);
        print_report(stdout, r, &k, o->nonwear);
        if (fflush(stdout) != 0 || ferror(stdout)) { fprintf(stderr, "wearfm: error writing the report\n"); rc = EXIT_RUNTIME; }
    }
    /* Last, so that it is never printed before a failed write. */
    if (rc == EXIT_OK && !o->quiet)
        fprintf(stderr, "wearfm: wrote %zu user file(s), %zu user-days, to %s/; the non-wear rule set %zu minutes missing%s\n",
                written, days, o->outdir, nonwear_total, o->nonwear ? "" : " (off)");
    free(r);
    wfm_fitabase_free(fb);
    return rc;
}

int cli_import(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "takeout") || !strcmp(argv[1], "apple-health") || !strcmp(argv[1], "fit")))
        return cli_import_export(argc, argv);
    import_opts o;
    int rc = parse_import_args(argc, argv, &o);
    if (rc == 0) rc = run_import(&o);
    else if (rc < 0) rc = EXIT_OK; /* --help */
    free(o.files);
    return rc;
}
