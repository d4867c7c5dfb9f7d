/* wearfm import takeout|apple-health|fit FILE... : the exports people have
 * (Fitbit's account export, Apple Health's export.xml, Garmin FIT files)
 * -> the core's minute aggregator -> one minute CSV. The same C importers
 * run in the WASI build and in the browser (web/wearfm_web.c). */
#include "wearfm.h"
#include "cli.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage: wearfm import takeout FILE... [options]       Fitbit's account export (Google Takeout)\n"
            "       wearfm import apple-health export.xml [options] Apple Health's export (unzipped)\n"
            "       wearfm import fit FILE... [options]           Garmin FIT activity/monitoring files\n"
            "\n"
            "Reads the records into the core's minute aggregator, with the data rules of\n"
            "every other path (heart rate 25-250 bpm, steps 0-300 a minute, ...), and writes\n"
            "one minute CSV: timestamp,heart_rate,steps,intensity,sleep_state, whole days in\n"
            "local time. takeout reads heart_rate-*.json, steps-*.json, sleep-*.json\n"
            "(Global Export Data) and heart_rate_*.csv, steps_*.csv (Physical\n"
            "Activity_GoogleData); other files are skipped and counted. What each export\n"
            "holds and how times are read: docs/data.md.\n"
            "\n"
            "options:\n"
            "  -o, --output FILE   the minute CSV (default: stdout; parent directories are created)\n"
            "  --tz ZONE           local time of times written in UTC (Fitbit's CSVs, FIT files\n"
            "                      without a local time) in this zone, daylight saving included:\n"
            "                      Europe/Berlin, America/New_York, ... or 'local' (native CLI only)\n"
            "  --utc-offset +HH:MM the same with one offset for every time; default +00:00\n"
            "  --fixed-offset      times with their own offset (Apple Health) are converted to\n"
            "                      --tz or --utc-offset too, instead of keeping the clock they were recorded in\n"
            "  --no-nonwear        keep zero steps while the device was off the wrist (docs/data.md)\n"
            "  --sleep-logs-only   sleep_state only inside sleep records (default: a worn minute\n"
            "                      outside them is awake, 0, when the export has sleep records)\n"
            "  --from YYYY-MM-DD   only samples from this day ...\n"
            "  --to YYYY-MM-DD     ... to this day (inclusive): a table spans at most 1000 days\n"
            "  -q, --quiet         no notes on stderr\n"
            "\n"
            "exit codes: 0 ok, 1 runtime error (e.g. cannot write), 2 usage,\n"
            "            4 input file (the message names the record, line or byte),\n"
            "            5 no data (no file of a kind it reads, or no sample kept)\n");
}

typedef struct exp_opts {
    const char *kind;
    const char **files;
    int n_files;
    const char *out;
    const char *tz_name;     /* --tz */
    int have_offset;         /* --utc-offset given */
    wfm_import_options io;
    wfm_fitabase_options rules;
    int quiet;
} exp_opts;

/* +HH:MM, -HH:MM, +HHMM, +HH, or 0; minutes east of UTC. */
static int parse_offset(const char *s, int *out) {
    if (!strcmp(s, "0") || !strcmp(s, "Z") || !strcmp(s, "UTC")) { *out = 0; return 0; }
    if (s[0] != '+' && s[0] != '-') return -1;
    int sign = s[0] == '-' ? -1 : 1, h, m = 0;
    size_t n = strlen(s + 1);
    const char *p = s + 1;
    for (size_t i = 0; i < n; i++) if (!(p[i] >= '0' && p[i] <= '9') && !(i == 2 && p[i] == ':')) return -1;
    if (n == 2) h = atoi(p);
    else if (n == 4 && p[2] != ':') { h = (p[0] - '0') * 10 + p[1] - '0'; m = atoi(p + 2); }
    else if (n == 5 && p[2] == ':') { h = (p[0] - '0') * 10 + p[1] - '0'; m = atoi(p + 3); }
    else return -1;
    if (m > 59 || h * 60 + m > 1080) return -1;
    *out = sign * (h * 60 + m);
    return 0;
}

static int parse_day(const char *s, int64_t *minute) {
    char buf[24];
    if (strlen(s) != 10) return -1;
    snprintf(buf, sizeof buf, "%sT00:00", s);
    return wfm_parse_minute(buf, strlen(buf), minute);
}

static int parse_args(int argc, char **argv, exp_opts *o) {
    memset(o, 0, sizeof o[0]);
    o->io = wfm_import_default_options();
    o->rules = wfm_fitabase_default_options();
    o->kind = argv[1];
    o->files = calloc((size_t)argc, sizeof *o->files);
    if (!o->files) return EXIT_RUNTIME;
    int64_t from = 0, to = 0;
    int have_from = 0, have_to = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return -1; }
        if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--utc-offset") || !strcmp(a, "--from") ||
            !strcmp(a, "--to") || !strcmp(a, "--tz")) {
            if (!next) { fprintf(stderr, "wearfm import: option '%s' needs a value\n", a); return EXIT_USAGE; }
            if (a[1] == 'o' || !strcmp(a, "--output")) o->out = next;
            else if (!strcmp(a, "--tz")) o->tz_name = next;
            else if (!strcmp(a, "--utc-offset")) {
                o->have_offset = 1;
                if (parse_offset(next, &o->io.utc_offset_minutes)) {
                    fprintf(stderr, "wearfm import: --utc-offset needs +HH:MM or -HH:MM within 18 hours, not '%s'\n", next);
                    return EXIT_USAGE;
                }
            } else {
                int64_t *m = !strcmp(a, "--from") ? &from : &to;
                if (parse_day(next, m)) { fprintf(stderr, "wearfm import: %s needs a date YYYY-MM-DD, not '%s'\n", a, next); return EXIT_USAGE; }
                *(m == &from ? &have_from : &have_to) = 1;
            }
            i++;
        } else if (!strcmp(a, "--fixed-offset")) o->io.fixed_offset = 1;
        else if (!strcmp(a, "--no-nonwear")) o->rules.nonwear_rule = WFM_NONWEAR_OFF;
        else if (!strcmp(a, "--sleep-logs-only")) o->rules.sleep_outside_logs = WFM_SLEEP_OUTSIDE_MISSING;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (a[0] == '-' && a[1]) { fprintf(stderr, "wearfm import: unknown option '%s' (see --help)\n", a); return EXIT_USAGE; }
        else o->files[o->n_files++] = a;
    }
    if (have_from || have_to) {
        o->io.from_minute = have_from ? from : -719528LL * 1440;
        o->io.to_minute = have_to ? to + 1440 : 2932897LL * 1440;
        if (o->io.to_minute <= o->io.from_minute) { fprintf(stderr, "wearfm import: --to is before --from\n"); return EXIT_USAGE; }
    }
    if (o->tz_name && o->have_offset) {
        fprintf(stderr, "wearfm import: give --tz or --utc-offset, not both\n");
        return EXIT_USAGE;
    }
    if (!o->n_files) { fprintf(stderr, "wearfm import: expected '%s FILE...' (see --help)\n", o->kind); return EXIT_USAGE; }
    if (!strcmp(o->kind, "apple-health") && o->n_files != 1) {
        fprintf(stderr, "wearfm import: apple-health reads one export.xml\n");
        return EXIT_USAGE;
    }
    return 0;
}

static int write_table(const char *path, const wfm_minutes *t) {
    FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f) return -1;
    static char buf[1 << 16];
    if (f != stdout) setvbuf(f, buf, _IOFBF, sizeof buf);
    const int C = wfm_minutes_channels(t);
    fputs("timestamp", f);
    for (int c = 0; c < C; c++) fprintf(f, ",%s", wfm_minutes_channel_name(t, c));
    fputc('\n', f);
    const float *v = wfm_minutes_values(t);
    const int64_t start = wfm_minutes_start(t);
    for (size_t i = 0; i < wfm_minutes_length(t); i++) {
        char ts[20];
        wfm_format_minute(start + (int64_t)i, ts);
        fputs(ts, f);
        for (int c = 0; c < C; c++) {
            fputc(',', f);
            cli_put_value(f, v[i * (size_t)C + (size_t)c]);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (f == stdout) return fflush(f) != 0 || bad ? -1 : 0;
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* The parent directories of an output file, as --help promises. */
static int make_parents(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir) return -1;
    memcpy(dir, path, n);
    dir[n] = 0;
    int rc = cli_make_dir(dir);
    free(dir);
    return rc;
}

/* What the rules dropped of the samples, per channel, in words. */
static void note_drops(const wfm_aggregator *a) {
    for (int c = 0; c < wfm_aggregator_channels(a); c++) {
        const char *name = wfm_aggregator_channel_name(a, c);
        const wfm_channel_rule *r = wfm_channel_rule_find(name);
        size_t above = wfm_aggregator_count(a, c, WFM_DROP_ABOVE), below = wfm_aggregator_count(a, c, WFM_DROP_BELOW);
        size_t whole = wfm_aggregator_count(a, c, WFM_DROP_NOT_WHOLE), nan = wfm_aggregator_count(a, c, WFM_DROP_NOT_FINITE);
        size_t time = wfm_aggregator_count(a, c, WFM_DROP_BAD_TIME);
        if (!above && !below && !whole && !nan && !time) continue;
        fprintf(stderr, "wearfm: note: '%s':", name);
        const char *sep = " ";
#define N(n) (n), (n) == 1 ? "sample" : "samples"
        if (above && r) { fprintf(stderr, "%s%zu %s above %g %s", sep, N(above), r->max, r->unit); sep = ", "; }
        if (below && r) { fprintf(stderr, "%s%zu %s below %g %s", sep, N(below), r->min, r->unit); sep = ", "; }
        if (whole) { fprintf(stderr, "%s%zu %s not a whole number", sep, N(whole)); sep = ", "; }
        if (nan) { fprintf(stderr, "%s%zu %s not a number", sep, N(nan)); sep = ", "; }
        if (time) fprintf(stderr, "%s%zu %s with no valid time", sep, N(time));
#undef N
        fprintf(stderr, " dropped (not plausible)\n");
    }
}

static int fail_code(wfm_status st) { return st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT; }

/* read[] gets the files of a kind the importer reads (the others are skipped). */
static int read_takeout(wfm_aggregator *a, const exp_opts *o, wfm_import_counts *k, size_t *skipped,
                        const char **read, size_t *n_read) {
    for (int i = 0; i < o->n_files; i++) {
        size_t len = 0;
        int why;
        char *text = cli_read_all(o->files[i], &len, &why);
        if (!text) return cli_read_failed("wearfm", o->files[i], why, len);
        wfm_error err = {0};
        wfm_takeout_kind kind;
        size_t before = k->records;
        wfm_status st = wfm_takeout_add(a, o->files[i], text, len, &o->io, k, &kind, &err);
        free(text);
        if (st == WFM_ERR_UNSUPPORTED) { (*skipped)++; continue; }
        if (st) { fprintf(stderr, "wearfm: %s: %s\n", o->files[i], err.message); return fail_code(st); }
        read[(*n_read)++] = o->files[i];
        if (!o->quiet && o->n_files <= 20)
            fprintf(stderr, "wearfm: %s: %s, %zu records\n", o->files[i], wfm_takeout_kind_name(kind), k->records - before);
    }
    return EXIT_OK;
}

/* export.xml is streamed in 1 MiB pieces: memory does not grow with the file. */
static int read_fit(wfm_aggregator *a, const exp_opts *o, wfm_import_counts *k) {
    for (int i = 0; i < o->n_files; i++) {
        size_t len = 0;
        int why;
        char *data = cli_read_all(o->files[i], &len, &why);
        if (!data) return cli_read_failed("wearfm", o->files[i], why, len);
        wfm_error err = {0};
        size_t before = k->records;
        wfm_status st = wfm_fit_add(a, data, len, &o->io, k, &err);
        free(data);
        if (st) { fprintf(stderr, "wearfm: %s: %s\n", o->files[i], err.message); return fail_code(st); }
        if (!o->quiet && o->n_files <= 20) fprintf(stderr, "wearfm: %s: %zu records\n", o->files[i], k->records - before);
    }
    return EXIT_OK;
}

static int read_apple(wfm_aggregator *a, const exp_opts *o, wfm_import_counts *k) {
    const char *path = o->files[0];
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "wearfm: cannot read input '%s': %s%s\n", path, strerror(errno), cli_path_note(path));
        return EXIT_INPUT;
    }
    wfm_error err = {0};
    wfm_apple_health *p = NULL;
    int rc = EXIT_OK;
    char *buf = malloc(1 << 20);
    if (!buf || wfm_apple_health_create(a, &o->io, &p, &err)) {
        fprintf(stderr, "wearfm: %s\n", buf ? err.message : "out of memory");
        rc = EXIT_RUNTIME;
    }
    size_t total = 0, next_note = 256u << 20, n;
    while (rc == EXIT_OK && (n = fread(buf, 1, 1 << 20, f)) > 0) {
        if (!total && n >= 4 && !memcmp(buf, "PK\x03\x04", 4)) {
            fprintf(stderr, "wearfm: %s is a zip archive (Apple's export.zip): unzip it first "
                            "(unzip export.zip apple_health_export/export.xml) and give export.xml; "
                            "the page reads export.zip as it is\n", path);
            rc = EXIT_INPUT;
            break;
        }
        wfm_status st = wfm_apple_health_feed(p, buf, n, &err);
        if (st) { fprintf(stderr, "wearfm: %s: %s\n", path, err.message); rc = fail_code(st); }
        total += n;
        if (!o->quiet && total >= next_note) {
            fprintf(stderr, "wearfm: %s: %zu MiB read\n", path, total >> 20);
            next_note += 256u << 20;
        }
    }
    if (rc == EXIT_OK && ferror(f)) {
        fprintf(stderr, "wearfm: cannot read input '%s'%s\n", path, cli_dir_note(path));
        rc = EXIT_INPUT;
    }
    if (rc == EXIT_OK) {
        wfm_status st = wfm_apple_health_finish(p, k, &err);
        if (st) { fprintf(stderr, "wearfm: %s: %s\n", path, err.message); rc = fail_code(st); }
    }
    if (f != stdin) fclose(f);
    free(buf);
    wfm_apple_health_free(p);
    return rc;
}

static int run(const exp_opts *o) {
    wfm_error err = {0};
    wfm_aggregator *a = NULL;
    if (wfm_aggregator_create(&a, &err)) { fprintf(stderr, "wearfm: %s\n", err.message); return EXIT_RUNTIME; }
    wfm_import_counts k;
    memset(&k, 0, sizeof k);
    size_t skipped = 0, n_read = 0;
    int rc = EXIT_OK;
    /* The files read, for the words of an import that keeps nothing. */
    const char **read = calloc((size_t)o->n_files + 1, sizeof *read);
    char msg[512];
    if (!read) {
        fprintf(stderr, "wearfm: out of memory\n");
        wfm_aggregator_free(a);
        return EXIT_RUNTIME;
    }
    if (!strcmp(o->kind, "takeout")) rc = read_takeout(a, o, &k, &skipped, read, &n_read);
    else {
        rc = !strcmp(o->kind, "apple-health") ? read_apple(a, o, &k) : read_fit(a, o, &k);
        for (int i = 0; i < o->n_files; i++) read[n_read++] = strcmp(o->files[i], "-") ? o->files[i] : "standard input";
    }
    if (rc == EXIT_OK && skipped && !o->quiet)
        fprintf(stderr, "wearfm: skipped %zu file(s) that hold no heart rate, steps or sleep this importer reads\n", skipped);
    if (rc == EXIT_OK && !k.files) {
        wfm_import_no_data_message(&k, o->files, (size_t)o->n_files, msg, sizeof msg);
        fprintf(stderr, "wearfm: %s\nwearfm: 'wearfm import --help' says which files each importer reads\n", msg);
        rc = EXIT_NO_DATA;
    }
    wfm_minutes *t = NULL;
    size_t nonwear = 0;
    if (rc == EXIT_OK) {
        if (!o->quiet) note_drops(a);
        wfm_status st = wfm_import_table_rules(a, &o->rules, &t, &nonwear, &err);
        if (st == WFM_ERR_NO_DATA) {
            wfm_import_no_data_message(&k, read, n_read, msg, sizeof msg);
            fprintf(stderr, "wearfm: %s\n", msg);
            rc = EXIT_NO_DATA;
        } else if (st) {
            fprintf(stderr, "wearfm: %s%s\n", err.message, st == WFM_ERR_INVALID_ARG ? " (choose days with --from and --to)" : "");
            rc = fail_code(st);
        }
    }
    if (rc == EXIT_OK && o->out && strcmp(o->out, "-") && make_parents(o->out)) {
        fprintf(stderr, "wearfm: cannot create the directory of '%s': %s%s\n", o->out, strerror(errno), cli_path_note(o->out));
        rc = EXIT_RUNTIME;
    }
    if (rc == EXIT_OK && write_table(o->out, t)) {
        if (o->out && strcmp(o->out, "-")) fprintf(stderr, "wearfm: cannot write '%s'%s\n", o->out, cli_path_note(o->out));
        else fprintf(stderr, "wearfm: error writing the output\n");
        rc = EXIT_RUNTIME;
    }
    if (rc == EXIT_OK && !o->quiet) {
        if (k.utc_times && !o->io.utc_offset_minutes && !o->io.time_zone)
            fprintf(stderr, "wearfm: note: %zu time(s) were written in UTC and are shown as UTC; give --tz or --utc-offset for local time\n",
                    k.utc_times);
        if (nonwear) fprintf(stderr, "wearfm: note: the non-wear rule set %zu minute(s) of zero steps missing (--no-nonwear keeps them)\n", nonwear);
        fprintf(stderr, "wearfm: %zu file(s), %zu record(s), %zu sample(s)%s; wrote %zu day(s) to %s\n", k.files, k.records,
                k.samples, k.outside ? " (others outside --from/--to)" : "", wfm_minutes_length(t) / 1440,
                o->out && strcmp(o->out, "-") ? o->out : "stdout");
    }
    free(read);
    wfm_minutes_free(t);
    wfm_aggregator_free(a);
    return rc;
}

int cli_import_export(int argc, char **argv) {
    exp_opts o;
    wfm_tz *tz = NULL;
    int rc = parse_args(argc, argv, &o);
    if (rc == 0 && o.tz_name && !(rc = cli_time_zone(o.tz_name, &tz))) o.io.time_zone = tz;
    if (rc == 0) rc = run(&o);
    else if (rc < 0) rc = EXIT_OK;
    wfm_tz_free(tz);
    free(o.files);
    return rc;
}
