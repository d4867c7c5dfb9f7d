/* wearfm slots: per-slot features of a minute CSV, a slot probe's
 * predictions, or the periods of one of its classes (include/wearfm.h,
 * "slots"; docs/probes.md, "Slot probes"). The page computes the same
 * through web/wearfm_web_slots.c. */
#include "wearfm.h"
#include "cli.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
            "usage:\n"
            "  wearfm slots MODEL INPUT --inputs CH,CH... [options]\n"
            "\n"
            "A slot is one patch of the model (patch_minutes long). Without --probe,\n"
            "writes each slot's features (slot_start,emb_0,...): the mean of the\n"
            "encoder's token embeddings of the --inputs channels at the slot, the\n"
            "model having seen only those channels. Slots with no observed input are\n"
            "left out. With --probe, the probe's prediction per slot; with --periods\n"
            "CLASS, the periods of that class (from,to,minutes,mean_probability).\n"
            "\n"
            "options:\n"
            "  --inputs CH,CH...       the channels the model sees (required; a probe's card names them)\n"
            "  --probe PROBE           a probe fit on these slot features (checked against MODEL)\n"
            "  --periods CLASS         with --probe: periods where CLASS has probability >= --threshold\n"
            "  --threshold P           default 0.5\n"
            "  --max-gap MIN           join periods across gaps of at most MIN minutes (default 20)\n"
            "  --min-length MIN        keep periods of at least MIN minutes (default 60)\n"
            "  --format csv|json       default csv\n"
            "  -o, --output FILE       write to FILE instead of stdout\n"
            "  --threads N             worker threads (default: all cores; WASI: 1)\n"
            "  -q, --quiet             no notes on stderr\n"
            "\n"
            "exit codes: 0 ok, 1 runtime error, 2 usage, 3 model or probe file (or a probe\n"
            "            bound to another encoder), 4 input file, 5 no slot with observed input\n");
}

typedef struct sopts {
    const char *model, *input, *output, *inputs, *probe, *periods;
    double threshold, max_gap, min_length;
    int json, quiet, threads;
} sopts;

static int number(const char *s, double lo, double hi, double *out) {
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, sopts *o) {
    memset(o, 0, sizeof *o);
    o->threshold = 0.5, o->max_gap = 20, o->min_length = 60;
    const char *pos[2];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        const char **str = !strcmp(a, "--inputs") ? &o->inputs : !strcmp(a, "--probe") ? &o->probe
                         : !strcmp(a, "--periods") ? &o->periods : !strcmp(a, "-o") || !strcmp(a, "--output") ? &o->output : NULL;
        double *num = !strcmp(a, "--threshold") ? &o->threshold : !strcmp(a, "--max-gap") ? &o->max_gap
                    : !strcmp(a, "--min-length") ? &o->min_length : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(EXIT_OK); }
        if (str || num || !strcmp(a, "--format") || !strcmp(a, "--threads")) {
            if (!next) { fprintf(stderr, "wearfm slots: option '%s' needs a value\n", a); return -1; }
            i++;
            double v;
            if (str) *str = next;
            else if (num && number(next, 0, num == &o->threshold ? 1 : 1e7, num)) {
                fprintf(stderr, "wearfm slots: %s needs a number%s\n", a, num == &o->threshold ? " in [0, 1]" : " of minutes");
                return -1;
            } else if (!strcmp(a, "--threads")) {
                if (number(next, 0, 256, &v) || v != floor(v)) { fprintf(stderr, "wearfm slots: --threads needs a number 0..256\n"); return -1; }
                o->threads = (int)v;
            } else if (!strcmp(a, "--format")) {
                if (strcmp(next, "csv") && strcmp(next, "json")) { fprintf(stderr, "wearfm slots: unknown format '%s' (csv or json)\n", next); return -1; }
                o->json = !strcmp(next, "json");
            }
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "wearfm slots: unknown option '%s' (see --help)\n", a);
            return -1;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "wearfm slots: too many arguments (see --help)\n");
            return -1;
        }
    }
    if (npos != 2) { fprintf(stderr, "wearfm slots: expected MODEL INPUT (see --help)\n"); return -1; }
    if (!o->inputs) { fprintf(stderr, "wearfm slots: --inputs is required: the channels the model sees (a probe's card names them)\n"); return -1; }
    if (o->periods && !o->probe) { fprintf(stderr, "wearfm slots: --periods needs --probe\n"); return -1; }
    o->model = pos[0], o->input = pos[1];
    return 0;
}

/* "heart_rate,steps" -> model channel indices; names every channel on an unknown one. */
static int channel_list(const wfm_model *m, const char *list, int *idx, int cap) {
    int n = 0;
    char name[128];
    for (const char *s = list; *s;) {
        size_t k = strcspn(s, ",");
        if (k == 0 || k >= sizeof name || n == cap) { fprintf(stderr, "wearfm slots: bad --inputs '%s'\n", list); return -1; }
        memcpy(name, s, k);
        name[k] = 0;
        if ((idx[n++] = wfm_model_find_channel(m, name)) < 0) {
            wfm_model_info info;
            wfm_model_get_info(m, &info);
            fprintf(stderr, "wearfm slots: '%s' is not a channel of the model (", name);
            for (int c = 0; c < info.n_channels; c++) {
                wfm_channel_info ch;
                wfm_model_get_channel(m, c, &ch, NULL);
                fprintf(stderr, "%s%s", c ? ", " : "", ch.name);
            }
            fprintf(stderr, ")\n");
            return -1;
        }
        s += k + (s[k] == ',');
    }
    return n;
}

typedef struct slots {
    size_t n;        /* slots from the first window to the last */
    int64_t first;   /* minute of slot 0 */
    int P, D;
    float *features; /* [n, D], NaN rows without features */
    uint8_t *has;
    size_t n_with;
} slots;

/* Slot features of every window of the table that has an observed input. */
static int compute(wfm_model *m, const wfm_minutes *t, const int *inputs, int n_inputs, slots *s, int quiet) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const int T = info.window_minutes, C = info.n_channels, NP = T / info.patch_minutes;
    int64_t start = wfm_minutes_start(t), stop = start + (int64_t)wfm_minutes_length(t);
    int64_t w0 = start >= 0 ? start / T * T : -((-start + T - 1) / T) * T, nw = (stop - w0 + T - 1) / T;
    memset(s, 0, sizeof *s);
    s->first = w0, s->P = info.patch_minutes, s->D = info.enc_dim, s->n = (size_t)(nw * NP);
    s->features = malloc(sizeof(float) * (s->n * s->D + 1));
    s->has = calloc(s->n + 1, 1);
    float *x = malloc(sizeof(float) * (size_t)T * C);
    if (!s->features || !s->has || !x) { free(x); fprintf(stderr, "wearfm slots: out of memory\n"); return EXIT_RUNTIME; }
    for (size_t i = 0; i < s->n * s->D; i++) s->features[i] = NAN;
    for (int64_t w = 0; w < nw; w++) {
        char when[20];
        wfm_format_minute(w0 + w * T, when);
        if (!wfm_minutes_window(t, m, w0 + w * T, x)) continue;
        wfm_error err = {0};
        wfm_status st = wfm_slot_features(m, x, inputs, n_inputs, s->features + (size_t)(w * NP) * s->D, s->has + w * NP, &err);
        if (st == WFM_ERR_NO_DATA) {
            if (!quiet) fprintf(stderr, "wearfm slots: window %s: no observed input, skipped\n", when);
            continue;
        }
        if (st) { free(x); fprintf(stderr, "wearfm slots: window %s: %s\n", when, err.message); return EXIT_RUNTIME; }
    }
    free(x);
    for (size_t i = 0; i < s->n; i++) s->n_with += s->has[i];
    if (!s->n_with) { fprintf(stderr, "wearfm slots: no slot with an observed input\n"); return EXIT_NO_DATA; }
    return EXIT_OK;
}

static void when(const slots *s, size_t i, char *buf) { wfm_format_minute(s->first + (int64_t)i * s->P, buf); }

static void write_features(FILE *out, const slots *s, int json) {
    char ts[20];
    if (!json) {
        fputs("slot_start", out);
        for (int d = 0; d < s->D; d++) fprintf(out, ",emb_%d", d);
        fputc('\n', out);
    } else fputs("{\"slots\": [", out);
    for (size_t i = 0, k = 0; i < s->n; i++) {
        if (!s->has[i]) continue;
        when(s, i, ts);
        if (json) fprintf(out, "%s\n  {\"start\": \"%s\", \"features\": [", k++ ? "," : "", ts);
        else fputs(ts, out);
        for (int d = 0; d < s->D; d++) fprintf(out, "%s%.9g", json && !d ? "" : json ? ", " : ",", s->features[i * s->D + d]);
        fputs(json ? "]}" : "\n", out);
    }
    if (json) fputs("\n]}\n", out);
}

/* Probabilities (or values) per slot, NaN rows where a slot has no features. */
static int predict(const wfm_probe *pr, const wfm_model *m, const slots *s, float *out, int q) {
    float *X = malloc(sizeof(float) * (s->n_with * s->D + 1)), *y = malloc(sizeof(float) * (s->n_with * q + 1));
    if (!X || !y) { free(X); free(y); fprintf(stderr, "wearfm slots: out of memory\n"); return EXIT_RUNTIME; }
    for (size_t i = 0, k = 0; i < s->n; i++)
        if (s->has[i]) memcpy(X + k++ * s->D, s->features + i * s->D, sizeof(float) * s->D);
    wfm_error err = {0};
    if (wfm_probe_predict(pr, m, X, s->n_with, (size_t)s->D, y, NULL, &err)) {
        free(X); free(y);
        fprintf(stderr, "wearfm slots: %s\n", err.message);
        return strstr(err.message, "encoder") ? EXIT_MODEL : EXIT_RUNTIME;
    }
    for (size_t i = 0, k = 0; i < s->n; i++, k += s->has[i - 1])
        for (int j = 0; j < q; j++) out[i * q + j] = s->has[i] ? y[k * q + j] : NAN;
    free(X);
    free(y);
    return EXIT_OK;
}

static void write_predictions(FILE *out, const wfm_probe *pr, const slots *s, const float *y, int q, int json) {
    wfm_probe_info info;
    wfm_probe_get_info(pr, &info);
    char ts[20];
    if (json) fputs("{\"slots\": [", out);
    else {
        fputs("slot_start", out);
        if (info.n_classes) for (int k = 0; k < info.n_classes; k++) fprintf(out, ",p_%s", wfm_probe_class_name(pr, k));
        else fputs(",prediction", out);
        fputc('\n', out);
    }
    size_t row = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->has[i]) continue;
        when(s, i, ts);
        const float *p = y + i * q;
        if (json) {
            fprintf(out, "%s\n  {\"start\": \"%s\", ", row++ ? "," : "", ts);
            if (info.n_classes) {
                fputs("\"probabilities\": {", out);
                for (int k = 0; k < info.n_classes; k++) fprintf(out, "%s\"%s\": %.9g", k ? ", " : "", wfm_probe_class_name(pr, k), p[k]);
                fputs("}}", out);
            } else fprintf(out, "\"value\": %.9g}", p[0]);
        } else {
            fputs(ts, out);
            for (int k = 0; k < q; k++) fprintf(out, ",%.9g", p[k]);
            fputc('\n', out);
        }
    }
    if (json) fputs("\n]}\n", out);
}

static int write_periods(FILE *out, const wfm_probe *pr, const slots *s, const float *y, int q, const sopts *o) {
    int k = wfm_probe_find_class(pr, o->periods);
    if (k < 0) {
        wfm_probe_info info;
        wfm_probe_get_info(pr, &info);
        fprintf(stderr, "wearfm slots: --periods '%s' is not a class of the probe (", o->periods);
        for (int j = 0; j < info.n_classes; j++) fprintf(stderr, "%s%s", j ? ", " : "", wfm_probe_class_name(pr, j));
        fprintf(stderr, ")\n");
        return EXIT_USAGE;
    }
    float *p = malloc(sizeof(float) * (s->n + 1));
    if (!p) { fprintf(stderr, "wearfm slots: out of memory\n"); return EXIT_RUNTIME; }
    for (size_t i = 0; i < s->n; i++) p[i] = y[i * q + k];
    const int max_gap = (int)floor(o->max_gap / s->P), min_slots = (int)ceil(o->min_length / s->P);
    size_t n = wfm_slot_periods(p, s->n, (float)o->threshold, max_gap, min_slots, NULL, 0);
    wfm_slot_period *per = malloc(sizeof *per * (n + 1));
    if (!per) { free(p); fprintf(stderr, "wearfm slots: out of memory\n"); return EXIT_RUNTIME; }
    wfm_slot_periods(p, s->n, (float)o->threshold, max_gap, min_slots, per, n);
    fputs(o->json ? "{\"class\": " : "from,to,minutes,mean_probability\n", out);
    if (o->json) fprintf(out, "\"%s\", \"periods\": [", o->periods);
    for (size_t i = 0; i < n; i++) {
        char a[20], b[20];
        when(s, per[i].first, a);
        when(s, per[i].end, b);
        long minutes = (long)(per[i].end - per[i].first) * s->P;
        if (o->json) fprintf(out, "%s\n  {\"from\": \"%s\", \"to\": \"%s\", \"minutes\": %ld, \"mean_probability\": %.9g}", i ? "," : "", a, b, minutes, per[i].mean_probability);
        else fprintf(out, "%s,%s,%ld,%.9g\n", a, b, minutes, per[i].mean_probability);
    }
    if (o->json) fputs("\n]}\n", out);
    free(per);
    free(p);
    return EXIT_OK;
}

static wfm_minutes *read_table(const char *path) {
    size_t len = 0;
    int why;
    char *text = cli_read_all(path, &len, &why);
    if (!text) { cli_read_failed("wearfm slots", path, why, len); return NULL; }
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    if (wfm_minutes_read_csv(text, len, &t, &err)) fprintf(stderr, "wearfm slots: %s: %s\n", path, err.message);
    free(text);
    return t;
}

int cli_slots(int argc, char **argv) {
    sopts o;
    if (parse(argc, argv, &o)) return EXIT_USAGE;
    wfm_model_params mp = wfm_model_default_params();
    mp.n_threads = o.threads;
    wfm_model *m = NULL;
    wfm_probe *pr = NULL;
    wfm_minutes *t = NULL;
    slots s = {0};
    float *y = NULL;
    FILE *out = NULL;
    wfm_error err = {0};
    int rc = EXIT_OK, inputs[64], q = 0;
    if (wfm_model_load_file(o.model, &mp, &m, &err)) {
        fprintf(stderr, "wearfm slots: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(o.model) : "");
        return EXIT_MODEL;
    }
    wfm_model_info mi;
    wfm_model_get_info(m, &mi);
    if (mi.family != WFM_FAMILY_MINUTE) { /* slots are patches of minutes */
        fprintf(stderr, "wearfm slots: %s is a %s model: slots need a minute model\n", o.model, mi.architecture);
        wfm_model_free(m);
        return EXIT_MODEL;
    }
    int n_inputs = channel_list(m, o.inputs, inputs, 64);
    if (n_inputs < 0) { rc = EXIT_USAGE; goto done; }
    if (o.probe) {
        if (wfm_probe_load_file(o.probe, &pr, &err) || wfm_probe_check_model(pr, m, &err)) {
            fprintf(stderr, "wearfm slots: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(o.probe) : "");
            rc = EXIT_MODEL;
            goto done;
        }
        wfm_probe_info info;
        wfm_probe_get_info(pr, &info);
        q = info.n_outputs;
    }
    if (!(t = read_table(o.input))) { rc = EXIT_INPUT; goto done; }
    if ((rc = compute(m, t, inputs, n_inputs, &s, o.quiet))) goto done;
    if (pr) {
        if (!(y = malloc(sizeof(float) * (s.n * q + 1)))) { rc = EXIT_RUNTIME; goto done; }
        if ((rc = predict(pr, m, &s, y, q))) goto done;
    }
    if (o.output && !(out = fopen(o.output, "w"))) {
        fprintf(stderr, "wearfm slots: cannot write '%s'%s\n", o.output, cli_path_note(o.output));
        rc = EXIT_RUNTIME;
        goto done;
    }
    FILE *f = out ? out : stdout;
    if (o.periods) rc = write_periods(f, pr, &s, y, q, &o);
    else if (pr) write_predictions(f, pr, &s, y, q, o.json);
    else write_features(f, &s, o.json);
    if (fflush(f) || ferror(f)) { fprintf(stderr, "wearfm slots: error writing the output\n"); rc = EXIT_RUNTIME; }
    if (!rc && !o.quiet) fprintf(stderr, "wearfm slots: %zu of %zu slots have an observed input\n", s.n_with, s.n);
done:
    if (out && fclose(out) && !rc) rc = EXIT_RUNTIME;
    free(s.features);
    free(s.has);
    free(y);
    wfm_minutes_free(t);
    wfm_probe_free(pr);
    wfm_model_free(m);
    return rc;
}
