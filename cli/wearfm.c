/* wearfm CLI: one source for the native and the WASI binary.
 *   wearfm info   MODEL
 *   wearfm embed  MODEL INPUT.csv [options]
 *   wearfm impute MODEL INPUT.csv [options]
 *   wearfm tokens MODEL INPUT.csv [options]
 *   wearfm embed  WAVEFORM-MODEL RECORDING [options]   (cli/waveform.c)
 *   wearfm hr     WAVEFORM-MODEL PROBE RECORDING [options]
 *   wearfm import fitabase FILE... [options]   (cli/import.c)
 *   wearfm import takeout|apple-health|fit FILE... [options]   (cli/import_exports.c)
 *   wearfm probe fit|predict|eval|info ...     (cli/probe.c)
 *   wearfm slots MODEL INPUT --inputs ...      (cli/slots.c)
 * INPUT may be '-' for stdin. See usage() for options and exit codes. */
#include "wearfm.h"
#include "cli.h"
#include "waveform/waveform_units.h"
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f) {
    fprintf(f,
            "wearfm %s: wearable foundation model runtime\n"
            "\n"
            "usage:\n"
            "  wearfm info   MODEL [--format text|json]\n"
            "  wearfm embed  MODEL INPUT [options]   one embedding per window\n"
            "  wearfm impute MODEL INPUT [options]   fill the gaps of every window\n"
            "  wearfm tokens MODEL INPUT [options]   per-token encoder outputs\n"
            "  wearfm embed  WAVEFORM-MODEL RECORDING [options]\n"
            "                                        one embedding per window of raw samples\n"
            "  wearfm hr     WAVEFORM-MODEL PROBE RECORDING [options]\n"
            "                                        heart rate per window from a ridge probe\n"
            "  wearfm import fitabase FILE... [-o OUTDIR] [--user ID] [--no-nonwear] [--report]\n"
            "                                        Fitabase CSV exports -> one minute CSV per user\n"
            "                                        (see 'wearfm import --help')\n"
            "  wearfm import takeout|apple-health|fit FILE... [-o OUT.csv] [--utc-offset +HH:MM]\n"
            "                                        Fitbit account export, Apple Health export.xml,\n"
            "                                        Garmin FIT -> one minute CSV ('wearfm import fit --help')\n"
            "  wearfm probe fit FEATURES.csv --labels COL -o PROBE   linear probe on embeddings\n"
            "  wearfm probe predict PROBE FEATURES.csv [--model MODEL]\n"
            "  wearfm probe eval FEATURES.csv --labels COL [--groups COL] [--folds K]\n"
            "                                        (see 'wearfm probe --help')\n"
            "  wearfm slots MODEL INPUT --inputs CH,... [--probe PROBE [--periods CLASS]]\n"
            "                                        per-slot (patch) features, a slot probe's\n"
            "                                        predictions, or periods (see 'wearfm slots --help')\n"
            "\n"
            "INPUT is a minute CSV (header: timestamp,<channel>,...; timestamps\n"
            "YYYY-MM-DDTHH:MM in local time; empty or NaN = missing), or '-' for stdin.\n"
            "Columns are matched to the model's channels by name; a channel the file\n"
            "lacks is treated as entirely missing. Windows are aligned to multiples of\n"
            "the model's window length since 1970-01-01T00:00 (midnight for a day).\n"
            "\n"
            "RECORDING (a waveform model's input) is an Empatica E4 file (ACC.csv, BVP.csv)\n"
            "or a CSV timestamp,x,y,z (unix s or ms, or ISO-8601 with a zone); it is checked\n"
            "against the model's channels and unit, resampled to the model's rate and cut\n"
            "into full windows from its first sample. Output: window_start (UTC),\n"
            "observed (fraction of samples with every channel), emb_0... (embed) or\n"
            "hr_bpm, motion_g (std of |acceleration| in g), expected_mae_bpm (from the\n"
            "probe's error bands; empty without them) (hr). The probe must be a ridge or\n"
            "linear probe fit on this model's emb_ columns with --model.\n"
            "\n"
            "options:\n"
            "  --format csv|json       output format (default csv; tokens: json only)\n"
            "  -o, --output FILE       write to FILE instead of stdout\n"
            "  --raw                   impute: the decoder's reconstruction for every minute\n"
            "                          (impute of a category channel also writes <name>_probability:\n"
            "                          how likely the filled level is; empty where observed)\n"
            "  --history FILE          a model with a profile anchor: the minute CSV of the person's\n"
            "                          days to learn their typical day from (default: the input\n"
            "                          itself; a window never uses its own minutes)\n"
            "  --no-history            no typical day: each window is filled from itself alone\n"
            "  --bands FILE            impute: the model's measured fill bands (models/<name>.fill-bands.json);\n"
            "                          adds <name>_low,<name>_high around each fill of a channel with bands\n"
            "                          (empty where recorded, or where the window has none of that channel)\n"
            "  --mask-mode compact|attention   AIM form (default compact; same results)\n"
            "  --threads N             worker threads (default: all cores; WASI: 1)\n"
            "  --input-format e4|csv   waveform recordings: the layout (default: a first line\n"
            "                          starting with 'timestamp' is csv, else e4)\n"
            "  --unit g|m/s2           csv recordings: the axes' unit (required)\n"
            "  --rate HZ               csv recordings: the sample rate (default: estimated)\n"
            "  --stride SECONDS        waveform windows: start one every SECONDS (default: the window)\n"
            "  -q, --quiet             no progress on stderr\n"
            "  -h, --help              this help\n"
            "  --version               print the version\n"
            "\n"
            "exit codes: 0 ok, 1 runtime error, 2 usage, 3 model file, 4 input file,\n"
            "            5 no window with observed data\n",
            wfm_version());
}

typedef struct options {
    const char *cmd, *model, *input, *output, *probe;
    const char *history;    /* --history: the minute CSV of the person's other days (default: the input) */
    const char *bands;      /* --bands: the model's fill-bands file (impute) */
    int json, raw, quiet, threads, no_history;
    wfm_mask_mode mask_mode;
    cli_wave_opts wave;     /* recordings of waveform models */
    const char *wave_option; /* the first waveform-only option given, for the minute commands' message */
} options;

/* A number > 0 (and finite) for --rate and --stride. */
static int positive_arg(const char *s, double *v) {
    char *end;
    *v = strtod(s, &end);
    return end != s && !*end && isfinite(*v) && *v > 0 ? 0 : -1;
}

static int parse_args(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    o->mask_mode = WFM_MASK_COMPACT;
    o->wave.input_format = -1;
    const char *pos[4];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(EXIT_OK); }
        if (!strcmp(a, "--version")) { printf("wearfm %s\n", wfm_version()); exit(EXIT_OK); }
        if (!strcmp(a, "--format")) {
            if (!next) goto missing;
            if (!strcmp(next, "json")) o->json = 1;
            else if (!strcmp(next, "csv") || !strcmp(next, "text")) o->json = 0;
            else { fprintf(stderr, "wearfm: unknown format '%s' (csv or json)\n", next); return -1; }
            i++;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!next) goto missing;
            o->output = next; i++;
        } else if (!strcmp(a, "--raw")) {
            o->raw = 1;
        } else if (!strcmp(a, "--history")) {
            if (!next) goto missing;
            o->history = next; i++;
        } else if (!strcmp(a, "--bands")) {
            if (!next) goto missing;
            o->bands = next; i++;
        } else if (!strcmp(a, "--no-history")) {
            o->no_history = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--threads")) {
            char *end;
            if (!next) goto missing;
            long n = strtol(next, &end, 10);
            /* end == next: '' would otherwise parse as 0 (all cores). */
            if (end == next || *end || n < 0 || n > 256) { fprintf(stderr, "wearfm: --threads needs a number 0..256\n"); return -1; }
            o->threads = (int)n; i++;
        } else if (!strcmp(a, "--mask-mode")) {
            if (!next) goto missing;
            if (!strcmp(next, "compact")) o->mask_mode = WFM_MASK_COMPACT;
            else if (!strcmp(next, "attention")) o->mask_mode = WFM_MASK_ATTENTION;
            else { fprintf(stderr, "wearfm: unknown mask mode '%s' (compact or attention)\n", next); return -1; }
            i++;
        } else if (!strcmp(a, "--input-format")) {
            if (!next) goto missing;
            if (!strcmp(next, "e4")) o->wave.input_format = WFM_WAVEFORM_E4;
            else if (!strcmp(next, "csv")) o->wave.input_format = WFM_WAVEFORM_CSV;
            else { fprintf(stderr, "wearfm: unknown input format '%s' (e4 or csv)\n", next); return -1; }
            o->wave_option = a; i++;
        } else if (!strcmp(a, "--unit")) {
            if (!next) goto missing;
            if (!wfm_wave_unit_find(next) || !wfm_wave_unit_find(next)->stored[0]) {
                fprintf(stderr, "wearfm: unknown unit '%s' (%s)\n", next, wfm_wave_unit_names());
                return -1;
            }
            o->wave.unit = next; o->wave_option = a; i++;
        } else if (!strcmp(a, "--rate") || !strcmp(a, "--stride")) {
            if (!next) goto missing;
            double v;
            if (positive_arg(next, &v)) { fprintf(stderr, "wearfm: %s needs a number > 0 (got '%s')\n", a, next); return -1; }
            if (a[2] == 'r') o->wave.rate = v; else o->wave.stride = v;
            o->wave_option = a; i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "wearfm: unknown option '%s' (see --help)\n", a);
            return -1;
        } else {
            if (npos == 4) { fprintf(stderr, "wearfm: too many arguments (see --help)\n"); return -1; }
            pos[npos++] = a;
        }
        continue;
    missing:
        fprintf(stderr, "wearfm: option '%s' needs a value\n", a);
        return -1;
    }
    if (npos == 0) { usage(stderr); return -1; }
    o->cmd = pos[0];
    int need = !strcmp(o->cmd, "info") ? 2 : !strcmp(o->cmd, "hr") ? 4 : 3;
    if (strcmp(o->cmd, "info") && strcmp(o->cmd, "embed") && strcmp(o->cmd, "impute") && strcmp(o->cmd, "tokens") &&
        strcmp(o->cmd, "hr")) {
        fprintf(stderr, "wearfm: unknown command '%s' (info, embed, impute, tokens, hr, import, probe, slots)\n", o->cmd);
        return -1;
    }
    if (npos != need) {
        fprintf(stderr, "wearfm %s: expected %s\n", o->cmd,
                need == 2 ? "MODEL" : need == 4 ? "WAVEFORM-MODEL PROBE RECORDING" : "MODEL INPUT");
        return -1;
    }
    if (o->bands && strcmp(o->cmd, "impute")) {
        fprintf(stderr, "wearfm %s: --bands is for impute (the intervals around fills)\n", o->cmd);
        return -1;
    }
    o->model = pos[1];
    o->probe = need == 4 ? pos[2] : NULL;
    o->input = need >= 3 ? pos[need - 1] : NULL;
    o->wave.input = o->input;
    o->wave.probe = o->probe;
    o->wave.output = o->output;
    o->wave.json = o->json;
    o->wave.quiet = o->quiet;
    return 0;
}

const char *cli_dir_note(const char *path) {
    struct stat s;
    return strcmp(path, "-") && !stat(path, &s) && S_ISDIR(s.st_mode) ? ": it is a directory" : "";
}

uint64_t cli_max_input(void) {
    const char *e = getenv("WFM_MAX_INPUT_BYTES");
    if (e && *e) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(e, &end, 10);
        if (!*end && !errno && v > 0 && e[0] >= '0' && e[0] <= '9') return (uint64_t)v;
    }
    return CLI_MAX_INPUT;
}

char *cli_read_all(const char *path, size_t *len, int *why) {
    *len = 0;
    *why = CLI_READ_CANNOT;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return NULL;
    const uint64_t max = cli_max_input();
    struct stat sb;
    if (!fstat(fileno(f), &sb) && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max) { /* known at once */
        if (f != stdin) fclose(f);
        *why = CLI_READ_TOO_LARGE;
        return NULL;
    }
    /* Read at most max + 1 bytes: one past the limit tells a stream is too large. */
    const size_t hard = max >= SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)max + 1;
    size_t cap = hard < ((size_t)1 << 16) ? hard : (size_t)1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) *why = CLI_READ_NO_MEMORY;
    while (buf) {
        if (n == cap) {
            if (n >= hard) { free(buf); buf = NULL; *why = CLI_READ_TOO_LARGE; break; }
            size_t ncap = cap > hard / 2 ? hard : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) { free(buf); buf = NULL; *why = CLI_READ_NO_MEMORY; break; }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (buf && ferror(f)) { free(buf); buf = NULL; *why = CLI_READ_CANNOT; }
    if (buf) buf[n] = 0;
    if (f != stdin) fclose(f);
    *len = n;
    return buf;
}

int cli_read_failed(const char *who, const char *path, int why, size_t len) {
    uint64_t max = cli_max_input();
    char limit[48];
    if (max % (1u << 30) == 0) snprintf(limit, sizeof limit, "%llu GiB", (unsigned long long)(max >> 30));
    else if (max % (1u << 20) == 0) snprintf(limit, sizeof limit, "%llu MiB", (unsigned long long)(max >> 20));
    else snprintf(limit, sizeof limit, "%llu bytes", (unsigned long long)max);
    switch (why) {
    case CLI_READ_TOO_LARGE:
        fprintf(stderr, "%s: input '%s' is larger than the input limit of %s (inputs are read whole; split it, "
                        "or set WFM_MAX_INPUT_BYTES)\n", who, path, limit);
        return EXIT_INPUT;
    case CLI_READ_NO_MEMORY:
        fprintf(stderr, "%s: out of memory reading input '%s' (after %zu MiB)\n", who, path, len >> 20);
        return EXIT_RUNTIME;
    default:
        fprintf(stderr, "%s: cannot read input '%s'%s%s\n", who, path, cli_dir_note(path), cli_path_note(path));
        return EXIT_INPUT;
    }
}

static const char *channel_name(const wfm_model *m, int c) {
    wfm_channel_info ch;
    return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK ? ch.name : "";
}

static void print_float(FILE *f, float v) {
    if (isnan(v)) fputs("null", f);
    else fprintf(f, "%.9g", v);
}

static void print_model_json(FILE *f, const wfm_model *m) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    fprintf(f, "{\"architecture\": \"%s\", \"window_minutes\": %d, \"patch_minutes\": %d, \"n_tokens\": %d, "
               "\"embedding_dim\": %d, \"channels\": [", info.architecture, info.window_minutes,
            info.patch_minutes, info.n_tokens, info.enc_dim);
    for (int c = 0; c < info.n_channels; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(m, c, &ch, NULL);
        fprintf(f, "%s\"%s\"", c ? ", " : "", ch.name);
    }
    fprintf(f, "], \"wearfm_version\": \"%s\"}", wfm_version());
}

/* `wearfm info` of a waveform model: what a caller must give it (signal,
 * rate, window) and what it returns (the embedding's size). */
static int cmd_info_waveform(const options *o, wfm_model *m, const wfm_model_info *info, FILE *out) {
    if (o->json) {
        fprintf(out, "{\"model\": {\"architecture\": \"%s\", \"signal\": \"%s\", \"sample_rate_hz\": %.9g, "
                     "\"window_samples\": %d, \"patch_samples\": %d, \"n_tokens\": %d, \"input_norm\": \"%s\", "
                     "\"embedding_dim\": %d, \"projection_dim\": %d, \"channels\": [",
                info->architecture, info->signal, (double)info->sample_rate_hz, info->window_samples,
                info->patch_samples, info->n_tokens, info->input_norm, info->embedding_dim, info->projection_dim);
        for (int c = 0; c < info->n_channels; c++) fprintf(out, "%s\"%s\"", c ? ", " : "", channel_name(m, c));
        fprintf(out, "], \"wearfm_version\": \"%s\"}, \"n_params\": %zu, \"weights_hash\": \"%s\", \"threads\": %d, "
                     "\"config\": %s}\n",
                wfm_version(), info->n_params, wfm_model_weights_hash(m), wfm_model_threads(m), wfm_model_config_json(m));
        return EXIT_OK;
    }
    fprintf(out, "architecture   %s (%s)\n", info->architecture, info->signal);
    fprintf(out, "window         %d samples at %g Hz (%g s), patches of %d samples -> %d tokens\n",
            info->window_samples, (double)info->sample_rate_hz, info->window_samples / (double)info->sample_rate_hz,
            info->patch_samples, info->n_tokens);
    if (!strcmp(info->input_norm, "window_z"))
        fprintf(out, "input norm     window_z (each channel's own mean and std in the window, std at least %g x the "
                     "channel's)\n", (double)info->window_std_floor);
    else
        fprintf(out, "input norm     fixed (the channels' mean and std)\n");
    fprintf(out, "encoder        %d layers, dim %d, %d heads, mlp %d\n", info->enc_layers, info->enc_dim,
            info->enc_heads, info->enc_mlp_dim);
    if (info->projection_dim) fprintf(out, "projection     %d -> %d\n", info->enc_dim, info->projection_dim);
    else fprintf(out, "projection     none\n");
    fprintf(out, "embedding      %d floats\n", info->embedding_dim);
    fprintf(out, "parameters     %zu\n", info->n_params);
    fprintf(out, "weights hash   %s (probes fit on this model store it)\n", wfm_model_weights_hash(m));
    fprintf(out, "threads        %d\n", wfm_model_threads(m));
    fprintf(out, "channels       %d\n", info->n_channels);
    for (int c = 0; c < info->n_channels; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(m, c, &ch, NULL);
        fprintf(out, "  %-20s %-10s mean %-10g std %-10g clip [%g, %g] z\n", ch.name, ch.unit, ch.mean, ch.std,
                ch.clip_min, ch.clip_max);
    }
    return EXIT_OK;
}

static int cmd_info(const options *o, wfm_model *m, FILE *out) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    if (info.family == WFM_FAMILY_WAVEFORM) return cmd_info_waveform(o, m, &info, out);
    if (o->json) {
        fprintf(out, "{\"model\": ");
        print_model_json(out, m);
        fprintf(out, ", \"n_params\": %zu, \"weights_hash\": \"%s\", \"threads\": %d, \"config\": %s}\n", info.n_params,
                wfm_model_weights_hash(m), wfm_model_threads(m), wfm_model_config_json(m));
        return EXIT_OK;
    }
    fprintf(out, "architecture   %s\n", info.architecture);
    fprintf(out, "window         %d min, patches of %d min -> %d tokens\n", info.window_minutes,
            info.patch_minutes, info.n_tokens);
    fprintf(out, "encoder        %d layers, dim %d, %d heads, mlp %d\n", info.enc_layers, info.enc_dim,
            info.enc_heads, info.enc_mlp_dim);
    if (info.has_decoder)
        fprintf(out, "decoder        %d layers, dim %d, %d heads, mlp %d\n", info.dec_layers, info.dec_dim,
                info.dec_heads, info.dec_mlp_dim);
    else
        fprintf(out, "decoder        none (encoder-only)\n");
    fprintf(out, "parameters     %zu\n", info.n_params);
    fprintf(out, "weights hash   %s (probes fit on this model store it)\n", wfm_model_weights_hash(m));
    if (info.has_decoder) {
        fprintf(out, "fill           %s", info.fill);
        if (!strcmp(info.fill, "anchored")) {
            fprintf(out, " on the %s anchor", !strcmp(info.anchor, "linear") ? "linear" : "cross-channel");
            for (int i = 0; i < info.n_anchor_rolling; i++)
                fprintf(out, "%s%d", i ? ", +-" : " (rolling means +-", info.anchor_rolling[i]);
            if (info.n_anchor_rolling) fprintf(out, " min)");
            if (info.edge_tau > 0) fprintf(out, ", residual fading within %g min of an observation", info.edge_tau);
            if (!info.absent_residual) fprintf(out, ", a channel absent all window takes its anchor");
            if (info.anchor_profile) fprintf(out, ", with the person's typical day (--history)");
            if (info.personal_lambda > 0)
                fprintf(out, ", refitted on up to %d of the person's other days (personal_lambda %g)",
                        info.personal_windows, info.personal_lambda);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "input          %s\n", info.inherited_mask ? "missing minutes kept missing (inherited mask, AIM)"
                                                             : "missing minutes imputed first (naive ablation)");
    fprintf(out, "threads        %d\n", wfm_model_threads(m));
    fprintf(out, "channels       %d\n", info.n_channels);
    for (int c = 0; c < info.n_channels; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(m, c, &ch, NULL);
        fprintf(out, "  %-20s %-10s mean %-10g std %-10g clip [%g, %g] z", ch.name, ch.unit, ch.mean,
                ch.std, ch.clip_min, ch.clip_max);
        if (ch.kind == WFM_CHANNEL_CATEGORY) {
            fprintf(out, "  category, levels");
            for (int k = 0; k < ch.n_levels; k++) fprintf(out, "%s%g", k ? "/" : " ", ch.levels[k]);
        } else if (ch.kind == WFM_CHANNEL_COUNT || isfinite(ch.range_min) || isfinite(ch.range_max)) {
            fprintf(out, "  %s in [%g, %g]", ch.kind == WFM_CHANNEL_COUNT ? "count" : "continuous", ch.range_min,
                    ch.range_max);
        }
        if (ch.residual_others_missing) fprintf(out, ", its anchor where the other channels record");
        fputc('\n', out);
    }
    return EXIT_OK;
}

/* Says which values the data rules dropped (src/data/channel_rules.c), by column
 * and reason: "note: 'heart_rate': 2 values above 250 bpm, 1 below 25 bpm
 * were dropped (not plausible) and count as missing". */
static void note_dropped(const wfm_minutes *t) {
    for (int k = 0; k < wfm_minutes_channels(t); k++) {
        const char *name = wfm_minutes_channel_name(t, k);
        const wfm_channel_rule *r = wfm_channel_rule_find(name);
        size_t below = wfm_minutes_dropped(t, k, WFM_DROP_BELOW), above = wfm_minutes_dropped(t, k, WFM_DROP_ABOVE);
        size_t not_whole = wfm_minutes_dropped(t, k, WFM_DROP_NOT_WHOLE), not_finite = wfm_minutes_dropped(t, k, WFM_DROP_NOT_FINITE);
        if (!below && !above && !not_whole && !not_finite) continue;
        fprintf(stderr, "wearfm: note: '%s':", name);
        const char *sep = " ";
#define VALUES(n) (n), (n) == 1 ? "value" : "values"
        if (above && r) { fprintf(stderr, "%s%zu %s above %g %s", sep, VALUES(above), r->max, r->unit); sep = ", "; }
        if (below && r) { fprintf(stderr, "%s%zu %s below %g %s", sep, VALUES(below), r->min, r->unit); sep = ", "; }
        if (not_whole) { fprintf(stderr, "%s%zu %s not a whole number", sep, VALUES(not_whole)); sep = ", "; }
        if (not_finite) fprintf(stderr, "%s%zu %s not a number", sep, VALUES(not_finite));
#undef VALUES
        fprintf(stderr, " dropped (not plausible); %s as missing\n", below + above + not_whole + not_finite == 1 ? "it counts" : "they count");
    }
}

/* A model with a profile anchor: the person's typical day from --history, or
 * from the input table itself. */
static int open_profile(const options *o, wfm_model *m, const wfm_minutes *t, wfm_profile **out) {
    wfm_minutes *h = NULL;
    wfm_error err = {0};
    if (o->history) {
        size_t len = 0;
        int why;
        char *text = cli_read_all(o->history, &len, &why);
        if (!text) return cli_read_failed("wearfm --history", o->history, why, len);
        wfm_status st = wfm_minutes_read_csv(text, len, &h, &err);
        free(text);
        if (st) {
            fprintf(stderr, "wearfm: --history %s: %s\n", o->history, err.message);
            return EXIT_INPUT;
        }
    }
    wfm_status st = wfm_profile_create(m, h ? h : t, out, &err);
    wfm_minutes_free(h);
    if (st) {
        fprintf(stderr, "wearfm: the typical day: %s\n", err.message);
        return st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
    }
    return EXIT_OK;
}

/* --bands: the model's fill bands, checked against it. */
static int open_bands(const options *o, const wfm_model *m, wfm_fill_bands **out) {
    size_t len = 0;
    int why;
    char *text = cli_read_all(o->bands, &len, &why);
    if (!text) return cli_read_failed("wearfm --bands", o->bands, why, len);
    wfm_error err = {0};
    wfm_status st = wfm_fill_bands_load(m, text, len, out, &err);
    free(text);
    if (st) {
        fprintf(stderr, "wearfm: --bands %s: %s\n", o->bands, err.message);
        return st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
    }
    return EXIT_OK;
}

/* Runs every window of the table that has an observed value. The closing
 * summary goes to `summary`, for main to print once the output is safely
 * written. */
static int cmd_run(const options *o, wfm_model *m, const wfm_minutes *t, FILE *out, char *summary, size_t cap) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const int T = info.window_minutes, C = info.n_channels, D = info.enc_dim, N = info.n_tokens;
    int is_embed = !strcmp(o->cmd, "embed"), is_impute = !strcmp(o->cmd, "impute");
    if (is_impute && !info.has_decoder) {
        fprintf(stderr, "wearfm impute: this model has no decoder\n");
        return EXIT_MODEL;
    }
    /* Warn about columns the model does not use and channels the file lacks. */
    int matched = 0;
    for (int k = 0; k < wfm_minutes_channels(t); k++) {
        if (wfm_model_find_channel(m, wfm_minutes_channel_name(t, k)) >= 0) matched++;
        else if (!o->quiet) fprintf(stderr, "wearfm: note: column '%s' is not a model channel; ignored\n", wfm_minutes_channel_name(t, k));
    }
    if (!matched) {
        fprintf(stderr, "wearfm: no column of the input matches a model channel (see 'wearfm info')\n");
        return EXIT_INPUT;
    }
    for (int c = 0; c < C && !o->quiet; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(m, c, &ch, NULL);
        int found = 0;
        for (int k = 0; k < wfm_minutes_channels(t); k++) found |= !strcmp(wfm_minutes_channel_name(t, k), ch.name);
        if (!found) fprintf(stderr, "wearfm: note: channel '%s' is not in the input; treated as missing\n", ch.name);
    }
    if (wfm_minutes_duplicates(t) && !o->quiet)
        fprintf(stderr, "wearfm: note: %zu duplicate minute rows (the last value was kept)\n", wfm_minutes_duplicates(t));
    if (!o->quiet) note_dropped(t);

    int64_t start = wfm_minutes_start(t), stop = start + (int64_t)wfm_minutes_length(t);
    int64_t w0 = start >= 0 ? start / T * T : -((-start + T - 1) / T) * T;
    int64_t n_windows = (stop - w0 + T - 1) / T;

    float *x = malloc(sizeof(float) * (size_t)T * C);
    float *emb = malloc(sizeof(float) * (size_t)D);
    float *vals = malloc(sizeof(float) * (size_t)T * C);
    float *tok = !strcmp(o->cmd, "tokens") ? malloc(sizeof(float) * (size_t)N * D) : NULL;
    uint8_t *vis = malloc((size_t)N);
    /* Category channels (format_version 2) report how sure each filled level is. */
    int *is_category = calloc((size_t)C, sizeof *is_category), n_category = 0;
    for (int c = 0; is_category && c < C; c++) {
        wfm_channel_info ch;
        wfm_model_get_channel(m, c, &ch, NULL);
        n_category += is_category[c] = is_impute && ch.kind == WFM_CHANNEL_CATEGORY;
    }
    float *prob = malloc(sizeof(float) * (size_t)T * C);
    wfm_profile *profile = NULL;
    int prc = info.anchor_profile && !o->no_history ? open_profile(o, m, t, &profile) : EXIT_OK;
    if (!info.anchor_profile && (o->history || o->no_history) && !o->quiet)
        fprintf(stderr, "wearfm: note: this model takes no typical day (no anchor_profile); %s ignored\n",
                o->history ? "--history" : "--no-history");
    float *pvals = profile ? malloc(sizeof(float) * (size_t)T * C) : NULL;
    /* personal_lambda: the anchor refitted on the history, per window */
    float *params = profile && info.personal_lambda > 0 ? malloc(sizeof(float) * info.anchor_params) : NULL;
    wfm_fill_bands *bands = NULL;
    if (!prc && o->bands) prc = open_bands(o, m, &bands);
    float *band_lo = bands ? malloc(sizeof(float) * (size_t)T * C) : NULL;
    float *band_hi = bands ? malloc(sizeof(float) * (size_t)T * C) : NULL;
    if (prc || (bands && (!band_lo || !band_hi)) || !x || !emb || !vals || !vis || !is_category || !prob || (!strcmp(o->cmd, "tokens") && !tok) ||
        (profile && !pvals) || (profile && info.personal_lambda > 0 && !params)) {
        if (!prc) fprintf(stderr, "wearfm: out of memory\n");
        free(x); free(emb); free(vals); free(tok); free(vis); free(prob); free(is_category); free(pvals); free(params);
        free(band_lo); free(band_hi);
        wfm_profile_free(profile);
        wfm_fill_bands_free(bands);
        return prc ? prc : EXIT_RUNTIME;
    }

    if (o->json) {
        fprintf(out, "{\"model\": ");
        print_model_json(out, m);
        fprintf(out, ", \"windows\": [");
    } else if (is_embed) {
        fprintf(out, "window_start,visible_tokens,total_tokens");
        for (int d = 0; d < D; d++) fprintf(out, ",emb_%d", d);
        fputc('\n', out);
    } else if (is_impute) {
        fprintf(out, "timestamp");
        for (int c = 0; c < C; c++) fprintf(out, ",%s", channel_name(m, c));
        for (int c = 0; c < C; c++) fprintf(out, ",%s_filled", channel_name(m, c));
        for (int c = 0; c < C; c++) if (is_category[c]) fprintf(out, ",%s_probability", channel_name(m, c));
        for (int c = 0; c < C; c++)
            if (wfm_fill_bands_has_channel(bands, c)) fprintf(out, ",%s_low,%s_high", channel_name(m, c), channel_name(m, c));
        fputc('\n', out);
    }

    int rc = EXIT_OK, done = 0;
    size_t total_missing = 0, total_minutes = 0;
    for (int64_t w = 0; w < n_windows; w++) {
        int64_t ws = w0 + w * T;
        char when[20];
        wfm_format_minute(ws, when);
        size_t observed = wfm_minutes_window(t, m, ws, x);
        if (!observed) {
            if (!o->quiet) fprintf(stderr, "wearfm: window %s: no observed value, skipped\n", when);
            continue;
        }
        wfm_outputs outp = {0};
        outp.token_visible = vis;
        if (is_embed) outp.embedding = emb;
        if (is_impute) { if (o->raw) outp.reconstruction = vals; else outp.imputed = vals; }
        if (is_impute && n_category) outp.fill_probability = prob;
        if (tok) outp.token_embeddings = tok;
        wfm_error err = {0};
        if (profile) wfm_profile_window(profile, ws, pvals);
        const int personal = params && wfm_profile_anchor(profile, ws, params) >= 0;
        wfm_status st = wfm_run_personal(m, x, pvals, personal ? params : NULL, &outp, &err);
        if (st == WFM_ERR_NO_DATA) {
            if (!o->quiet) fprintf(stderr, "wearfm: window %s: %s, skipped\n", when, err.message);
            continue;
        }
        if (st) {
            fprintf(stderr, "wearfm: window %s: %s\n", when, err.message);
            rc = st == WFM_ERR_INVALID_ARG ? EXIT_INPUT : EXIT_RUNTIME;
            break;
        }
        if (bands && (st = wfm_fill_bands_window(bands, x, vals, band_lo, band_hi, &err))) {
            fprintf(stderr, "wearfm: window %s: %s\n", when, err.message);
            rc = EXIT_RUNTIME;
            break;
        }
        if (!o->quiet && n_windows > 1)
            fprintf(stderr, "wearfm: window %lld/%lld %s: %d/%d tokens observed\n", (long long)w + 1,
                    (long long)n_windows, when, outp.n_visible_tokens, N);
        if (o->json) {
            fprintf(out, "%s\n  {\"start\": \"%s\", \"visible_tokens\": %d, \"total_tokens\": %d", done ? "," : "",
                    when, outp.n_visible_tokens, N);
            if (is_embed) {
                fprintf(out, ", \"embedding\": [");
                for (int d = 0; d < D; d++) { if (d) fputs(", ", out); print_float(out, emb[d]); }
                fputc(']', out);
            } else if (is_impute) {
                fprintf(out, ", \"channels\": [");
                for (int c = 0; c < C; c++) fprintf(out, "%s\"%s\"", c ? ", " : "", channel_name(m, c));
                fprintf(out, "], \"values\": [");
                for (int i = 0; i < T; i++) {
                    fputs(i ? ", [" : "[", out);
                    for (int c = 0; c < C; c++) { if (c) fputs(", ", out); print_float(out, vals[(size_t)i * C + c]); }
                    fputc(']', out);
                }
                fprintf(out, "], \"filled\": [");
                for (int i = 0; i < T; i++) {
                    fputs(i ? ", [" : "[", out);
                    for (int c = 0; c < C; c++) fprintf(out, "%s%d", c ? ", " : "", isnan(x[(size_t)i * C + c]) ? 1 : 0);
                    fputc(']', out);
                }
                fputc(']', out);
                if (n_category) { /* per minute, the category channels in order: the chosen level's probability */
                    fprintf(out, ", \"probability_channels\": [");
                    for (int c = 0, k = 0; c < C; c++) if (is_category[c]) fprintf(out, "%s\"%s\"", k++ ? ", " : "", channel_name(m, c));
                    fprintf(out, "], \"probability\": [");
                    for (int i = 0; i < T; i++) {
                        fputs(i ? ", [" : "[", out);
                        for (int c = 0, k = 0; c < C; c++)
                            if (is_category[c]) { if (k++) fputs(", ", out); print_float(out, prob[(size_t)i * C + c]); }
                        fputc(']', out);
                    }
                    fputc(']', out);
                }
                if (bands) { /* per minute, the channels with bands in order: the interval around the fill */
                    fprintf(out, ", \"band_channels\": [");
                    for (int c = 0, k = 0; c < C; c++)
                        if (wfm_fill_bands_has_channel(bands, c)) fprintf(out, "%s\"%s\"", k++ ? ", " : "", channel_name(m, c));
                    for (int e = 0; e < 2; e++) {
                        const float *v = e ? band_hi : band_lo;
                        fprintf(out, "], \"%s\": [", e ? "high" : "low");
                        for (int i = 0; i < T; i++) {
                            fputs(i ? ", [" : "[", out);
                            for (int c = 0, k = 0; c < C; c++)
                                if (wfm_fill_bands_has_channel(bands, c)) { if (k++) fputs(", ", out); print_float(out, v[(size_t)i * C + c]); }
                            fputc(']', out);
                        }
                    }
                    fputc(']', out);
                }
            } else {
                fprintf(out, ", \"visible\": [");
                for (int n = 0; n < N; n++) fprintf(out, "%s%d", n ? ", " : "", vis[n]);
                fprintf(out, "], \"tokens\": [");
                for (int n = 0; n < N; n++) {
                    if (n) fputs(", ", out);
                    if (!vis[n]) { fputs("null", out); continue; }
                    fputc('[', out);
                    for (int d = 0; d < D; d++) { if (d) fputs(", ", out); print_float(out, tok[(size_t)n * D + d]); }
                    fputc(']', out);
                }
                fputc(']', out);
            }
            fputc('}', out);
        } else if (is_embed) {
            fprintf(out, "%s,%d,%d", when, outp.n_visible_tokens, N);
            for (int d = 0; d < D; d++) fprintf(out, ",%.9g", emb[d]);
            fputc('\n', out);
        } else if (is_impute) {
            for (int i = 0; i < T; i++) {
                char ts[20];
                wfm_format_minute(ws + i, ts);
                fputs(ts, out);
                for (int c = 0; c < C; c++) fprintf(out, ",%.9g", vals[(size_t)i * C + c]);
                for (int c = 0; c < C; c++) fprintf(out, ",%d", isnan(x[(size_t)i * C + c]) ? 1 : 0);
                for (int c = 0; c < C; c++) {
                    if (!is_category[c]) continue;
                    float p = prob[(size_t)i * C + c];
                    if (isnan(p)) fputc(',', out);
                    else fprintf(out, ",%.9g", p);
                }
                for (int c = 0; bands && c < C; c++) {
                    if (!wfm_fill_bands_has_channel(bands, c)) continue;
                    size_t k = (size_t)i * C + c;
                    if (isnan(band_lo[k])) fputs(",,", out);
                    else fprintf(out, ",%.9g,%.9g", band_lo[k], band_hi[k]);
                }
                fputc('\n', out);
            }
        }
        for (size_t i = 0; i < (size_t)T * C; i++) total_missing += isnan(x[i]);
        total_minutes += (size_t)T * C;
        done++;
        if (ferror(out)) { rc = EXIT_RUNTIME; break; } /* main reports it; no point in running on */
    }
    if (o->json) fprintf(out, "%s]}\n", done ? "\n" : "");
    if (rc == EXIT_OK && !done) {
        fprintf(stderr, "wearfm: no window with observed data\n");
        rc = EXIT_NO_DATA;
    }
    if (rc == EXIT_OK && !o->quiet)
        snprintf(summary, cap, "wearfm: %d window(s); %.1f%% of channel-minutes were missing%s\n", done,
                total_minutes ? 100.0 * total_missing / total_minutes : 0.0,
                is_impute && !o->raw ? " and were filled" : "");
    free(x); free(emb); free(vals); free(tok); free(vis); free(prob); free(is_category); free(pvals); free(params);
    free(band_lo); free(band_hi);
    wfm_profile_free(profile);
    wfm_fill_bands_free(bands);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "import")) return cli_import(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "probe")) return cli_probe(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "slots")) return cli_slots(argc - 1, argv + 1);
    options o;
    if (parse_args(argc, argv, &o)) return EXIT_USAGE;
    if (!strcmp(o.cmd, "tokens") && !o.json) o.json = 1;

    wfm_model_params params = wfm_model_default_params();
    params.n_threads = o.threads;
    params.mask_mode = o.mask_mode;
    wfm_model *m = NULL;
    wfm_error err = {0};
    if (wfm_model_load_file(o.model, &params, &m, &err)) {
        fprintf(stderr, "wearfm: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(o.model) : "");
        return EXIT_MODEL;
    }
    wfm_model_info mi;
    wfm_model_get_info(m, &mi);
    if (mi.family == WFM_FAMILY_WAVEFORM && (!strcmp(o.cmd, "embed") || !strcmp(o.cmd, "hr"))) {
        int rc = cli_waveform(&o.wave, m);
        wfm_model_free(m);
        return rc;
    }
    if (mi.family != WFM_FAMILY_MINUTE && strcmp(o.cmd, "info")) { /* its input is not a minute table */
        fprintf(stderr, "wearfm: %s is a %s model (%s); '%s' reads minute tables: only 'wearfm info', 'embed' and "
                        "'hr' take it\n", o.model, mi.architecture, mi.signal, o.cmd);
        wfm_model_free(m);
        return EXIT_MODEL;
    }
    if (!strcmp(o.cmd, "hr") || o.wave_option) { /* a minute model */
        if (!strcmp(o.cmd, "hr")) fprintf(stderr, "wearfm hr: %s is a %s (minute) model; hr needs a waveform model "
                                                  "(accelerometer or PPG windows)\n", o.model, mi.architecture);
        else fprintf(stderr, "wearfm: %s is for recordings of a waveform model; %s is a %s (minute) model\n",
                     o.wave_option, o.model, mi.architecture);
        wfm_model_free(m);
        return !strcmp(o.cmd, "hr") ? EXIT_MODEL : EXIT_USAGE;
    }
    wfm_minutes *t = NULL;
    if (o.input) {
        size_t len = 0;
        int why;
        char *text = cli_read_all(o.input, &len, &why);
        if (!text) {
            int rc = cli_read_failed("wearfm", o.input, why, len);
            wfm_model_free(m);
            return rc;
        }
        wfm_status st = wfm_minutes_read_csv(text, len, &t, &err);
        free(text);
        if (st) {
            fprintf(stderr, "wearfm: %s: %s\n", o.input, err.message);
            wfm_model_free(m);
            return EXIT_INPUT;
        }
    }
    FILE *out = stdout;
    if (o.output && !(out = fopen(o.output, "w"))) {
        fprintf(stderr, "wearfm: cannot write '%s'%s\n", o.output, cli_path_note(o.output));
        wfm_minutes_free(t);
        wfm_model_free(m);
        return EXIT_RUNTIME;
    }
    char summary[160] = "";
    int rc = !strcmp(o.cmd, "info") ? cmd_info(&o, m, out) : cmd_run(&o, m, t, out, summary, sizeof summary);
    int bad = fflush(out) != 0 || ferror(out);
    if (out != stdout) bad |= fclose(out) != 0;
    if (bad) {
        fprintf(stderr, "wearfm: error writing the output\n");
        rc = EXIT_RUNTIME;
    } else if (rc == EXIT_OK) {
        fputs(summary, stderr);
    }
    wfm_minutes_free(t);
    wfm_model_free(m);
    return rc;
}
