/* wearfm embed MODEL FILE and wearfm hr MODEL PROBE FILE for a waveform
 * model: read a raw recording (E4 CSV or timestamp,x,y,z), cut it into the
 * model's windows with the core's one rule (wfm_waveform_prepare /
 * wfm_waveform_window), embed each, and for hr put the embedding through a
 * ridge probe bound to the model, with the probe's expected error for the
 * window when it has error bands. */
#include "wearfm.h"
#include "cli.h"
#include "data/csv.h"
#include "data/timestamp.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "2017-05-22T07:15:25.000Z": unix seconds to ISO-8601 UTC, to the millisecond. */
static void format_utc(double t, char buf[32]) {
    long long ms = llround(t * 1000), s = ms / 1000, day = s / 86400, sec = s % 86400;
    int y, mo, d;
    wfm_civil_from_days(day, &y, &mo, &d);
    snprintf(buf, 32, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", y, mo, d, sec / 3600, sec / 60 % 60, sec % 60,
             ms % 1000);
}

static void put_num(FILE *f, double v, int json) {
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else if (json) fputs("null", f);
}

/* The file's layout: an explicit choice, else a header starting with
 * "timestamp" is the generic CSV and anything else an E4 file. */
static wfm_waveform_format sniff(const cli_wave_opts *o, const char *text, size_t len) {
    if (o->input_format >= 0) return (wfm_waveform_format)o->input_format;
    const char *p = wfm_csv_skip_bom(text, text + len);
    return (size_t)(text + len - p) >= 9 && !strncmp(p, "timestamp", 9) ? WFM_WAVEFORM_CSV : WFM_WAVEFORM_E4;
}

static int read_recording(const cli_wave_opts *o, wfm_waveform **w) {
    size_t len = 0;
    int why;
    char *text = cli_read_all(o->input, &len, &why);
    if (!text) return cli_read_failed("wearfm", o->input, why, len);
    wfm_waveform_options wo = {sniff(o, text, len), NULL, 0, 0};
    if (wo.format == WFM_WAVEFORM_E4 && (o->unit || o->rate)) {
        fprintf(stderr, "wearfm: %s is an E4 file, which declares its own rate and unit: --unit and --rate are for "
                        "a timestamp,x,y,z CSV\n", o->input);
        free(text);
        return EXIT_USAGE;
    }
    if (wo.format == WFM_WAVEFORM_CSV && !o->unit) {
        fprintf(stderr, "wearfm: %s is a timestamp,<axis>,... CSV: say the axes' unit with --unit g or --unit m/s2\n",
                o->input);
        free(text);
        return EXIT_USAGE;
    }
    wo.unit = o->unit;
    wo.rate = o->rate;
    wfm_error err = {0};
    wfm_status st = wfm_waveform_read_buffer(text, len, &wo, w, &err);
    free(text);
    if (st == WFM_ERR_NO_MEMORY) { fprintf(stderr, "wearfm: %s: %s\n", o->input, err.message); return EXIT_RUNTIME; }
    if (st == WFM_ERR_NO_DATA) { fprintf(stderr, "wearfm: %s: %s\n", o->input, err.message); return EXIT_NO_DATA; }
    if (st) {
        fprintf(stderr, "wearfm: %s (%s): %s\n", o->input, wo.format == WFM_WAVEFORM_E4 ? "E4 CSV" : "timestamp CSV",
                err.message);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* The probe of `wearfm hr`: a regression on exactly this model's embedding. */
static int load_hr_probe(const cli_wave_opts *o, const wfm_model *m, const wfm_model_info *info, wfm_probe **pr) {
    wfm_error err = {0};
    if (wfm_probe_load_file(o->probe, pr, &err)) {
        fprintf(stderr, "wearfm hr: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(o->probe) : "");
        return EXIT_MODEL;
    }
    wfm_probe_info pi;
    wfm_probe_get_info(*pr, &pi);
    const char *why = NULL;
    char buf[160];
    if (pi.task == WFM_PROBE_LOGISTIC) why = "it is a classifier; heart rate needs a ridge or linear probe";
    else if (!pi.encoder_hash) why = "it is not bound to an encoder (fit it with 'wearfm probe fit ... --model MODEL')";
    else if (wfm_probe_check_model(*pr, m, &err)) why = err.message;
    else if (pi.n_features != info->embedding_dim) {
        snprintf(buf, sizeof buf, "it takes %d features; the model's embedding has %d", pi.n_features, info->embedding_dim);
        why = buf;
    }
    for (int j = 0; !why && wfm_probe_feature_name(*pr, 0) && j < pi.n_features; j++) {
        snprintf(buf, sizeof buf, "emb_%d", j);
        if (strcmp(wfm_probe_feature_name(*pr, j), buf)) {
            snprintf(buf, sizeof buf, "its feature %d is '%.40s', not emb_%d: it was not fit on the embedding alone", j,
                     wfm_probe_feature_name(*pr, j), j);
            why = buf;
        }
    }
    if (!why) return EXIT_OK;
    fprintf(stderr, "wearfm hr: probe %s: %s\n", o->probe, why);
    wfm_probe_free(*pr);
    *pr = NULL;
    return EXIT_MODEL;
}

/* Notes on what the reader dropped (src/waveform/waveform_units.c's rules). */
static void note_dropped(const wfm_waveform *w) {
    size_t above = w->dropped[WFM_DROP_ABOVE] + w->dropped[WFM_DROP_BELOW], bad = w->dropped[WFM_DROP_NOT_FINITE];
    if (above) fprintf(stderr, "wearfm: note: %zu value(s) beyond +-16 g dropped (not plausible); missing\n", above);
    if (bad) fprintf(stderr, "wearfm: note: %zu value(s) infinite or beyond float range dropped; missing\n", bad);
}

int cli_waveform(const cli_wave_opts *o, wfm_model *m) {
    const int hr = o->probe != NULL;
    const char *who = hr ? "wearfm hr" : "wearfm embed";
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const int T = info.window_samples, C = info.n_channels, E = info.embedding_dim;
    const double rate = info.sample_rate_hz, steps = o->stride * rate;
    const size_t stride = o->stride ? (size_t)llround(steps) : (size_t)T;
    if (o->stride && (steps < 0.5 || fabs(steps - llround(steps)) > 1e-6 * steps)) {
        fprintf(stderr, "%s: --stride %g s is %g samples at the model's %g Hz: it must be a whole number of samples "
                        "(>= 1)\n", who, o->stride, steps, rate);
        return EXIT_USAGE;
    }
    wfm_probe *pr = NULL;
    wfm_waveform *w = NULL, *p = NULL;
    int rc;
    if (hr && (rc = load_hr_probe(o, m, &info, &pr))) return rc;
    if ((rc = read_recording(o, &w))) { wfm_probe_free(pr); return rc; }
    wfm_error err = {0};
    wfm_status st = wfm_waveform_prepare(m, w, &p, &err);
    if (st) {
        fprintf(stderr, "%s: %s: %s\n", who, o->input, err.message);
        wfm_waveform_free(w);
        wfm_probe_free(pr);
        return st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
    }
    if (!o->quiet) {
        note_dropped(w);
        if (w->rate != p->rate) fprintf(stderr, "wearfm: note: resampled from %g Hz to the model's %g Hz\n", w->rate, rate);
    }
    const size_t n_windows = wfm_waveform_window_count(m, p, stride);
    if (!n_windows) {
        fprintf(stderr, "%s: the recording is %g s; a window of the model is %g s\n", who, (double)p->n / rate, T / rate);
        rc = EXIT_NO_DATA;
        goto done;
    }
    size_t covered = (n_windows - 1) * stride + (size_t)T;
    if (covered < p->n && !o->quiet)
        fprintf(stderr, "wearfm: note: the last %g s are not in a full window and are not used\n",
                (double)(p->n - covered) / rate);
    size_t n_done = 0, skipped = 0;
    wfm_probe_error_bands bands;
    int has_bands = 0;
    FILE *out = stdout;
    if (o->output && strcmp(o->output, "-") && !(out = fopen(o->output, "w"))) {
        fprintf(stderr, "%s: cannot write '%s'%s\n", who, o->output, cli_path_note(o->output));
        rc = EXIT_RUNTIME;
        goto done;
    }
    float *x = malloc(sizeof(float) * (size_t)T * C), *emb = malloc(sizeof(float) * (size_t)E);
    if (!x || !emb) { fprintf(stderr, "%s: out of memory\n", who); rc = EXIT_RUNTIME; goto write_done; }
    has_bands = pr && wfm_probe_get_error_bands(pr, &bands);
    if (o->json) {
        fprintf(out, "{\"model\": {\"architecture\": \"%s\", \"signal\": \"%s\", \"sample_rate_hz\": %.9g, "
                     "\"window_samples\": %d, \"stride_samples\": %zu, \"embedding_dim\": %d, \"weights_hash\": \"%s\"}",
                info.architecture, info.signal, rate, T, stride, E, wfm_model_weights_hash(m));
        if (hr) {
            fputs(", \"error_bands\": ", out);
            if (!has_bands) fputs("null", out);
            else {
                fprintf(out, "{\"by\": \"%s\", \"edges\": [", bands.by);
                for (int i = 0; i < bands.n_edges; i++) fprintf(out, "%s%.9g", i ? ", " : "", bands.edges[i]);
                fputs("], \"mae_bpm\": [", out);
                for (int i = 0; i <= bands.n_edges; i++) fprintf(out, "%s%.9g", i ? ", " : "", bands.mae[i]);
                fputs("]}", out);
            }
        }
        fputs(", \"windows\": [", out);
    } else if (hr) {
        fputs("window_start,hr_bpm,observed,motion_g,expected_mae_bpm\n", out);
    } else {
        fputs("window_start,observed", out);
        for (int d = 0; d < E; d++) fprintf(out, ",emb_%d", d);
        fputc('\n', out);
    }
        for (size_t i = 0; i < n_windows && rc == EXIT_OK; i++) {
        double start;
        wfm_window_summary s;
        char when[32];
        if ((st = wfm_waveform_window(m, p, i, stride, x, &start, &s, &err)) ||
            ((st = wfm_embed(m, x, emb, &err)) && st != WFM_ERR_NO_DATA)) {
            fprintf(stderr, "%s: window %zu: %s\n", who, i, err.message);
            rc = st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
            break;
        }
        if (st == WFM_ERR_NO_DATA) { skipped++; continue; }
        float bpm = NAN;
        if (hr && (st = wfm_probe_predict(pr, m, emb, 1, (size_t)E, &bpm, NULL, &err))) {
            fprintf(stderr, "%s: window %zu: %s\n", who, i, err.message);
            rc = EXIT_RUNTIME;
            break;
        }
        format_utc(start, when);
        const double mae = wfm_probe_expected_error(pr, &s);
        if (o->json) {
            fprintf(out, "%s\n  {\"start\": \"%s\", ", n_done ? "," : "", when);
            if (hr) { fputs("\"hr_bpm\": ", out); put_num(out, bpm, 1); fputs(", ", out); }
            fputs("\"observed\": ", out);
            put_num(out, s.observed, 1);
            if (hr) {
                fputs(", \"motion_g\": ", out);
                put_num(out, s.motion_g, 1);
                fputs(", \"expected_mae_bpm\": ", out);
                put_num(out, mae, 1);
            } else {
                fputs(", \"embedding\": [", out);
                for (int d = 0; d < E; d++) { if (d) fputs(", ", out); put_num(out, emb[d], 1); }
                fputc(']', out);
            }
            fputc('}', out);
        } else if (hr) {
            fprintf(out, "%s,%.9g,%.9g,", when, bpm, s.observed);
            put_num(out, s.motion_g, 0);
            fputc(',', out);
            put_num(out, mae, 0);
            fputc('\n', out);
        } else {
            fprintf(out, "%s,%.9g", when, s.observed);
            for (int d = 0; d < E; d++) fprintf(out, ",%.9g", emb[d]);
            fputc('\n', out);
        }
        n_done++;
        if (ferror(out)) rc = EXIT_RUNTIME; /* reported below */
    }
    if (o->json) fprintf(out, "%s]}\n", n_done ? "\n" : "");
    if (skipped && !o->quiet)
        fprintf(stderr, "wearfm: note: %zu window(s) with no visible token (each patch misses a sample) skipped\n",
                skipped);
    if (rc == EXIT_OK && !n_done) {
        fprintf(stderr, "%s: no window with a visible token\n", who);
        rc = EXIT_NO_DATA;
    }
write_done:
    free(x);
    free(emb);
    int bad = fflush(out) != 0 || ferror(out);
    if (out != stdout) bad |= fclose(out) != 0;
    if (bad) {
        fprintf(stderr, "%s: error writing the output\n", who);
        rc = EXIT_RUNTIME;
    } else if (rc == EXIT_OK && !o->quiet) {
        fprintf(stderr, "wearfm: %zu window(s) of %g s every %g s%s\n", n_done, T / rate, (double)stride / rate,
                hr && !has_bands ? "; the probe has no error bands, so expected_mae_bpm is empty" : "");
    }
done:
    wfm_waveform_free(p);
    wfm_waveform_free(w);
    wfm_probe_free(pr);
    return rc;
}
