/* wearfm probe fit | predict | eval | info: linear probes on feature CSVs
 * (the `embed` output, or any CSV with numeric columns). The probe math is
 * in the core (src/probe*.c, include/wearfm.h); this file reads tables,
 * turns labels into classes and prints results. */
#include "wearfm.h"
#include "cli.h"
#include "data/csv.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void probe_usage(FILE *f) {
    fprintf(f,
            "usage:\n"
            "  wearfm probe fit FEATURES.csv --labels COL -o PROBE.safetensors [options]\n"
            "  wearfm probe predict PROBE.safetensors FEATURES.csv [--model MODEL] [--groups COL] [--format csv|json] [-o OUT]\n"
            "  wearfm probe eval FEATURES.csv --labels COL [--groups COL] [--folds K] [options]\n"
            "  wearfm probe info PROBE.safetensors [--format text|json]\n"
            "  wearfm probe annotate PROBE.safetensors --error-bands BANDS.json -o OUT.safetensors\n"
            "                          store a regression probe's measured errors by window summary:\n"
            "                          {\"by\": \"motion_g\", \"edges\": [...], \"mae_bpm\": [...]} (or null:\n"
            "                          remove them); 'wearfm hr' reports them (docs/probes.md)\n"
            "\n"
            "FEATURES.csv has a header row. Features are the numeric columns (every\n"
            "non-empty cell a number) except the label, group and --exclude columns,\n"
            "or those whose name starts with --features PREFIX (e.g. emb_ for the\n"
            "output of 'wearfm embed'). Labels are class names (any text) for\n"
            "logistic probes, numbers for ridge/linear. Rows with a missing label or\n"
            "feature value are skipped with a note. '-' reads stdin.\n"
            "\n"
            "options:\n"
            "  --labels COL            the label column (fit, eval; predict: also print metrics)\n"
            "  --task logistic|ridge|linear   (default logistic)\n"
            "  --balanced              class-balanced loss, weights n / (K n_c)\n"
            "  --lambda L              L2 strength (default 0.001; objective: mean loss + L/2 ||w||^2)\n"
            "  --cv-lambda             choose lambda by inner cross-validation\n"
            "  --lambdas L1,L2,...     the grid for --cv-lambda (default 1e-5,1e-4,...,10)\n"
            "  --inner-folds K         inner folds for --cv-lambda (default 5)\n"
            "  --cv-metric NAME        inner-CV score: log_loss, balanced_accuracy, auroc, ... (default\n"
            "                          log loss, class-balanced with --balanced; regression MSE)\n"
            "  --groups COL            eval: grouped CV (a group, e.g. a user, is never on both sides);\n"
            "                          also groups the inner folds of --cv-lambda\n"
            "  --folds K               eval: folds (default 5; with --groups, 0 = leave one group out)\n"
            "  --relative              fit, eval: person-relative features: each group's (--groups)\n"
            "                          rows standardised by that group's own mean and spread, over\n"
            "                          all its rows, labelled or not; the probe records it and\n"
            "                          'predict' then needs --groups (docs/probes.md)\n"
            "  --features PREFIX       feature columns by name prefix (repeatable)\n"
            "  --exclude COL           a numeric column that is not a feature (repeatable)\n"
            "  --id COL                predict: the column copied to the output (default: the first\n"
            "                          column when it is not numeric)\n"
            "  --model MODEL           fit: bind the probe to this encoder (its weights hash);\n"
            "                          predict: refuse a probe bound to another encoder\n"
            "  --max-iter N, --tol T   L-BFGS limits (default 1000, 1e-6: ||grad||_inf <= T max(1, |f|))\n"
            "  --seed S                fold shuffles (default 0)\n"
            "  --format csv|json       output format (default csv; info: text)\n"
            "  -o, --output FILE       output (fit: the probe file, required)\n"
            "  -q, --quiet             no notes on stderr\n"
            "\n"
            "exit codes: 0 ok, 1 runtime error, 2 usage, 3 model or probe file (or a probe\n"
            "            bound to another encoder), 4 input file or labels, 5 no usable rows\n");
}

#define MAX_MULTI 32

typedef struct popts {
    const char *sub, *pos[2];
    int npos;
    const char *labels, *groups, *id, *model, *output, *error_bands;
    const char *features[MAX_MULTI], *exclude[MAX_MULTI];
    int n_features, n_exclude;
    int json, json_set, quiet, folds, folds_set;
    int relative;        /* person-relative features: --relative, or a probe fitted so */
    wfm_probe_params params;
    double lambdas[64];
} popts;

static int parse_num(const char *s, double *v) {
    char *end;
    *v = strtod(s, &end);
    return *s && !*end && isfinite(*v) ? 0 : -1;
}

static int parse_probe_args(int argc, char **argv, popts *o) {
    memset(o, 0, sizeof *o);
    o->params = wfm_probe_default_params();
    o->folds = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        double v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { probe_usage(stdout); return -1; }
        int takes = !strcmp(a, "--labels") || !strcmp(a, "--groups") || !strcmp(a, "--id") || !strcmp(a, "--model") ||
                    !strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--features") || !strcmp(a, "--exclude") ||
                    !strcmp(a, "--task") || !strcmp(a, "--lambda") || !strcmp(a, "--lambdas") ||
                    !strcmp(a, "--inner-folds") || !strcmp(a, "--cv-metric") || !strcmp(a, "--folds") ||
                    !strcmp(a, "--max-iter") || !strcmp(a, "--tol") || !strcmp(a, "--seed") || !strcmp(a, "--format") ||
                    !strcmp(a, "--error-bands");
        if (takes && !next) { fprintf(stderr, "wearfm probe: option '%s' needs a value\n", a); return EXIT_USAGE; }
        if (takes) i++;
        if (!strcmp(a, "--labels")) o->labels = next;
        else if (!strcmp(a, "--groups")) o->groups = next;
        else if (!strcmp(a, "--id")) o->id = next;
        else if (!strcmp(a, "--model")) o->model = next;
        else if (!strcmp(a, "--error-bands")) o->error_bands = next;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->output = next;
        else if (!strcmp(a, "--features") || !strcmp(a, "--exclude")) {
            int f = !strcmp(a, "--features");
            if ((f ? o->n_features : o->n_exclude) == MAX_MULTI) { fprintf(stderr, "wearfm probe: too many %s\n", a); return EXIT_USAGE; }
            if (f) o->features[o->n_features++] = next;
            else o->exclude[o->n_exclude++] = next;
        } else if (!strcmp(a, "--task")) {
            if (!strcmp(next, "logistic")) o->params.task = WFM_PROBE_LOGISTIC;
            else if (!strcmp(next, "ridge")) o->params.task = WFM_PROBE_RIDGE;
            else if (!strcmp(next, "linear")) o->params.task = WFM_PROBE_LINEAR;
            else { fprintf(stderr, "wearfm probe: unknown task '%s' (logistic, ridge or linear)\n", next); return EXIT_USAGE; }
        } else if (!strcmp(a, "--lambda")) {
            if (parse_num(next, &v) || v < 0) { fprintf(stderr, "wearfm probe: --lambda needs a number >= 0\n"); return EXIT_USAGE; }
            o->params.lambda = v;
        } else if (!strcmp(a, "--lambdas")) {
            const char *p = next;
            o->params.n_lambdas = 0;
            while (*p) {
                char *end;
                if (o->params.n_lambdas == 64) { fprintf(stderr, "wearfm probe: at most 64 lambdas\n"); return EXIT_USAGE; }
                double l = strtod(p, &end);
                if (end == p || (*end && *end != ',') || !(l >= 0) || !isfinite(l)) {
                    fprintf(stderr, "wearfm probe: --lambdas needs numbers >= 0 separated by commas\n");
                    return EXIT_USAGE;
                }
                o->lambdas[o->params.n_lambdas++] = l;
                p = *end ? end + 1 : end;
            }
            o->params.lambdas = o->lambdas;
            o->params.cv_lambda = 1;
        } else if (!strcmp(a, "--cv-lambda")) o->params.cv_lambda = 1;
        else if (!strcmp(a, "--balanced")) o->params.balanced = 1;
        else if (!strcmp(a, "--relative")) o->relative = 1;
        else if (!strcmp(a, "--inner-folds") || !strcmp(a, "--folds") || !strcmp(a, "--max-iter")) {
            if (parse_num(next, &v) || v != floor(v) || v < 0 || v > 1e9) {
                fprintf(stderr, "wearfm probe: %s needs a whole number >= 0\n", a);
                return EXIT_USAGE;
            }
            if (!strcmp(a, "--folds")) { o->folds = (int)v; o->folds_set = 1; }
            else if (!strcmp(a, "--max-iter")) o->params.max_iter = (int)v;
            else o->params.inner_folds = (int)v;
        } else if (!strcmp(a, "--cv-metric")) {
            int k;
            for (k = 0; k < WFM_METRIC_COUNT; k++) if (!strcmp(next, wfm_metric_name((wfm_metric)k))) break;
            if (k == WFM_METRIC_COUNT && strcmp(next, "auto")) {
                fprintf(stderr, "wearfm probe: unknown metric '%s' (auto", next);
                for (k = 0; k < WFM_METRIC_COUNT; k++) fprintf(stderr, ", %s", wfm_metric_name((wfm_metric)k));
                fprintf(stderr, ")\n");
                return EXIT_USAGE;
            }
            o->params.cv_metric = k == WFM_METRIC_COUNT ? WFM_METRIC_AUTO : (wfm_metric)k;
        } else if (!strcmp(a, "--tol")) {
            if (parse_num(next, &v) || v < 0) { fprintf(stderr, "wearfm probe: --tol needs a number >= 0\n"); return EXIT_USAGE; }
            o->params.tol = v;
        } else if (!strcmp(a, "--seed")) {
            if (parse_num(next, &v) || v < 0 || v != floor(v) || v > 9e15) { fprintf(stderr, "wearfm probe: --seed needs a whole number >= 0\n"); return EXIT_USAGE; }
            o->params.seed = (uint64_t)v;
        } else if (!strcmp(a, "--format")) {
            if (!strcmp(next, "json")) o->json = 1;
            else if (!strcmp(next, "csv") || !strcmp(next, "text")) o->json = 0;
            else { fprintf(stderr, "wearfm probe: unknown format '%s' (csv or json)\n", next); return EXIT_USAGE; }
            o->json_set = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (a[0] == '-' && a[1]) { fprintf(stderr, "wearfm probe: unknown option '%s' (see 'wearfm probe --help')\n", a); return EXIT_USAGE; }
        else if (!o->sub) o->sub = a;
        else if (o->npos < 2) o->pos[o->npos++] = a;
        else { fprintf(stderr, "wearfm probe: too many arguments (see 'wearfm probe --help')\n"); return EXIT_USAGE; }
    }
    if (!o->sub) { probe_usage(stderr); return EXIT_USAGE; }
    struct { const char *name, *args; int npos; } cmds[] = {
        {"fit", "FEATURES.csv --labels COL -o PROBE", 1}, {"predict", "PROBE FEATURES.csv", 2},
        {"eval", "FEATURES.csv --labels COL", 1}, {"info", "PROBE", 1},
        {"annotate", "PROBE --error-bands BANDS.json -o OUT", 1}};
    for (int k = 0; k < 5; k++) {
        if (strcmp(o->sub, cmds[k].name)) continue;
        int missing = o->npos != cmds[k].npos || (k == 0 && (!o->labels || !o->output)) || (k == 2 && !o->labels) ||
                      (k == 4 && (!o->error_bands || !o->output));
        if (missing) { fprintf(stderr, "wearfm probe %s: expected %s\n", o->sub, cmds[k].args); return EXIT_USAGE; }
        if (o->relative && k != 0 && k != 2) {
            fprintf(stderr, "wearfm probe %s: --relative is for fit and eval (predict follows the probe)\n", o->sub);
            return EXIT_USAGE;
        }
        if (o->relative && !o->groups) {
            fprintf(stderr, "wearfm probe %s: --relative needs --groups COL, the column naming each row's person\n", o->sub);
            return EXIT_USAGE;
        }
        return 0;
    }
    fprintf(stderr, "wearfm probe: unknown command '%s' (fit, predict, eval, info, annotate)\n", o->sub);
    return EXIT_USAGE;
}

/* ---- the feature table ---------------------------------------------------- */

typedef struct table {
    int ncol;
    char **names;
    size_t nrow;
    float *num;            /* [nrow x ncol], NaN = missing or not a number */
    size_t *bad_line;      /* per column: first line with a non-numeric cell (0 = numeric) */
    char **str[3];         /* the label, group and id columns as text (NULL cells = missing) */
    int str_col[3];        /* their column indices (-1 = none) */
    size_t *line;          /* [nrow] line number of each row */
} table;

static void table_free(table *t) {
    for (int c = 0; c < t->ncol; c++) free(t->names[c]);
    for (int s = 0; s < 3; s++) {
        if (t->str[s]) for (size_t i = 0; i < t->nrow; i++) free(t->str[s][i]);
        free(t->str[s]);
    }
    free(t->names); free(t->num); free(t->bad_line); free(t->line);
    memset(t, 0, sizeof *t);
}

static char *field_dup(wfm_field f) {
    size_t n = wfm_field_len(f);
    char *s = malloc(n + 1);
    if (s) { memcpy(s, f.b, n); s[n] = 0; }
    return s;
}

/* Reads the CSV; keep[0..3) are the label, group and id column names (or
 * NULL); with auto_id and no id column named, column 0 is kept as text too. */
static int read_table(const char *path, const char *const keep[3], int auto_id, table *t) {
    memset(t, 0, sizeof *t);
    size_t len = 0;
    int why;
    char *text = cli_read_all(path, &len, &why);
    if (!text) return cli_read_failed("wearfm probe", path, why, len);
    const char *q = wfm_csv_skip_bom(text, text + len), *end = text + len, *lb = q, *le = q;
    size_t lineno = 1;
    int rc = EXIT_INPUT;
    char problem_buf[128];
    const char *problem = wfm_csv_text_problem(q, end, problem_buf, sizeof problem_buf);
    if (problem) { fprintf(stderr, "wearfm probe: %s: %s\n", path, problem); goto fail; }
    while (q < end && !wfm_csv_next_line(&q, end, &lb, &le)) lineno++;
    if (lb >= le) { fprintf(stderr, "wearfm probe: %s: no header line\n", path); goto fail; }
    size_t nf = wfm_csv_split(lb, le, NULL, 0);
    wfm_field *f = malloc(sizeof *f * nf);
    if (!f) goto oom;
    wfm_csv_split(lb, le, f, nf);
    t->ncol = (int)nf;
    t->names = calloc(nf, sizeof(char *));
    t->bad_line = calloc(nf, sizeof(size_t));
    if (!t->names || !t->bad_line) { free(f); goto oom; }
    for (size_t c = 0; c < nf; c++)
        if (!(t->names[c] = field_dup(f[c]))) { free(f); goto oom; }
    for (int s = 0; s < 3; s++) {
        t->str_col[s] = -1;
        if (s == 2 && !keep[s] && auto_id) t->str_col[s] = 0;
        if (!keep[s]) continue;
        for (int c = 0; c < t->ncol; c++) if (!strcmp(t->names[c], keep[s])) t->str_col[s] = c;
        if (t->str_col[s] < 0) {
            fprintf(stderr, "wearfm probe: %s: no column '%s' in the header\n", path, keep[s]);
            free(f);
            goto fail;
        }
    }
    size_t cap = 0, header_line = lineno;
    while (q < end) {
        lineno++;
        if (!wfm_csv_next_line(&q, end, &lb, &le)) continue;
        size_t n = wfm_csv_split(lb, le, f, nf);
        if (n != nf) {
            fprintf(stderr, "wearfm probe: %s: line %zu has %zu fields, the header (line %zu) has %zu\n", path, lineno, n,
                    header_line, nf);
            free(f);
            goto fail;
        }
        if (t->nrow == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            float *num = realloc(t->num, sizeof(float) * nc * nf);
            if (num) t->num = num;
            size_t *ln = realloc(t->line, sizeof(size_t) * nc);
            if (ln) t->line = ln;
            int ok = num && ln;
            for (int s = 0; s < 3 && ok; s++) {
                if (t->str_col[s] < 0) continue;
                char **v = realloc(t->str[s], sizeof(char *) * nc);
                if (v) t->str[s] = v;
                else ok = 0;
            }
            if (!ok) { free(f); goto oom; }
            cap = nc;
        }
        float *row = t->num + t->nrow * nf;
        for (size_t c = 0; c < nf; c++) {
            row[c] = NAN;
            if (wfm_csv_is_missing(f[c])) continue;
            if (wfm_csv_parse_float(f[c], &row[c])) {
                row[c] = NAN;
                if (!t->bad_line[c]) t->bad_line[c] = lineno;
            }
        }
        for (int s = 0; s < 3; s++) {
            if (t->str_col[s] < 0) continue;
            wfm_field cell = f[t->str_col[s]];
            t->str[s][t->nrow] = NULL;
            if (!wfm_csv_is_missing(cell) && !(t->str[s][t->nrow] = field_dup(cell))) { free(f); t->nrow++; goto oom; }
        }
        t->line[t->nrow++] = lineno;
    }
    free(f);
    free(text);
    if (!t->nrow) { fprintf(stderr, "wearfm probe: %s: no data rows\n", path); table_free(t); return EXIT_NO_DATA; }
    return 0;
oom:
    fprintf(stderr, "wearfm probe: out of memory reading '%s'\n", path);
    rc = EXIT_RUNTIME;
fail:
    free(text);
    table_free(t);
    return rc;
}

static int has_prefix(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* Feature columns: by prefix, or every numeric column but label/group/id/excluded. */
static int select_features(const table *t, const popts *o, const char *path, int **cols, int *d) {
    *cols = malloc(sizeof(int) * (size_t)t->ncol);
    if (!*cols) return EXIT_RUNTIME;
    *d = 0;
    for (int c = 0; c < t->ncol; c++) {
        int special = c == t->str_col[0] || c == t->str_col[1] || (o->id && c == t->str_col[2]);
        for (int k = 0; k < o->n_exclude; k++) special |= !strcmp(t->names[c], o->exclude[k]);
        if (special) continue;
        if (o->n_features) {
            int match = 0;
            for (int k = 0; k < o->n_features; k++) match |= has_prefix(t->names[c], o->features[k]);
            if (!match) continue;
            if (t->bad_line[c]) {
                fprintf(stderr, "wearfm probe: %s: line %zu: feature column '%s' holds a value that is not a number\n", path,
                        t->bad_line[c], t->names[c]);
                free(*cols);
                return EXIT_INPUT;
            }
        } else if (t->bad_line[c]) {
            continue;
        }
        (*cols)[(*d)++] = c;
    }
    if (!*d) {
        fprintf(stderr, "wearfm probe: %s: no feature columns%s\n", path, o->n_features ? " match --features" : " (no numeric columns)");
        free(*cols);
        return EXIT_INPUT;
    }
    if (!o->quiet && !o->n_features) {
        int emb = 0;
        for (int k = 0; k < *d; k++) emb += has_prefix(t->names[(*cols)[k]], "emb_");
        fprintf(stderr, "wearfm probe: note: %d numeric columns are the features (%s ... %s)%s\n", *d,
                t->names[(*cols)[0]], t->names[(*cols)[*d - 1]],
                emb && emb < *d ? "; use --features emb_ for the embedding only" : "");
    }
    return 0;
}

/* ---- labels ------------------------------------------------------------ */

typedef struct classes { int n; char **names; } classes;

static void classes_free(classes *c) {
    for (int k = 0; k < c->n; k++) free(c->names[k]);
    free(c->names);
    c->names = NULL;
    c->n = 0;
}

/* The class name of a label: a number is written canonically (%.9g), so
 * "1", "1.0" and "1e0" are one class; any other text is itself. */
static char *class_key(const char *s) {
    float v;
    wfm_field f = {s, s + strlen(s)};
    if (!wfm_csv_parse_float(f, &v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.9g", (double)v);
        return strdup(buf);
    }
    return strdup(s);
}

static int numeric_label(const char *s, double *v) {
    float f;
    wfm_field fl = {s, s + strlen(s)};
    if (wfm_csv_parse_float(fl, &f)) return 0;
    *v = f;
    return 1;
}

static int cmp_class(const void *a, const void *b) {
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    double u, v;
    int nx = numeric_label(x, &u), ny = numeric_label(y, &v);
    if (nx && ny) return (u > v) - (u < v);
    if (nx != ny) return nx ? -1 : 1;  /* numbers first */
    return strcmp(x, y);
}

static int find_name(char **names, int n, const char *s) {
    for (int k = 0; k < n; k++) if (!strcmp(names[k], s)) return k;
    return -1;
}

/* ---- the rows used -------------------------------------------------------- */

typedef struct dataset {
    size_t n, d;
    float *X;
    int *labels;
    float *targets;
    int *groups;
    size_t *src;         /* table row of each used row */
    int n_groups;
    classes cls;
} dataset;

static void dataset_free(dataset *s) {
    free(s->X); free(s->labels); free(s->targets); free(s->groups); free(s->src);
    classes_free(&s->cls);
    memset(s, 0, sizeof *s);
}

/* Rows with a label (if need_labels) and every feature: X, labels or targets,
 * groups. `fixed` (predict with --labels): the probe's classes. */
static int build_dataset(const table *t, const int *cols, int d, const popts *o, const char *path, int classification,
                         int need_labels, const wfm_probe *fixed, dataset *s) {
    memset(s, 0, sizeof *s);
    s->d = (size_t)d;
    s->X = malloc(sizeof(float) * t->nrow * (size_t)d + 1);
    s->src = malloc(sizeof(size_t) * t->nrow + 1);
    s->labels = malloc(sizeof(int) * t->nrow + 1);
    s->targets = malloc(sizeof(float) * t->nrow + 1);
    s->groups = malloc(sizeof(int) * t->nrow + 1);
    char **gnames = NULL;
    uint8_t *labelled = NULL;  /* --relative: which kept rows carry a label */
    int ng = 0, rc = 0;
    if (!s->X || !s->src || !s->labels || !s->targets || !s->groups) goto oom;
    size_t no_label = 0, no_feature = 0, no_group = 0;
    char **lab = t->str[0], **grp = t->str[1];
    /* classes: sorted distinct labels (numbers numerically, then text) */
    if (classification && lab && !fixed) {
        for (size_t i = 0; i < t->nrow; i++) {
            if (!lab[i]) continue;
            char *k = class_key(lab[i]);
            if (!k) goto oom;
            if (find_name(s->cls.names, s->cls.n, k) >= 0) { free(k); continue; }
            if (s->cls.n == 64) {
                free(k);
                fprintf(stderr, "wearfm probe: %s: more than 64 distinct labels in column '%s' (numbers for a "
                                "regression need --task ridge or linear)\n", path, o->labels);
                rc = EXIT_INPUT;
                goto fail;
            }
            char **nn = realloc(s->cls.names, sizeof(char *) * (size_t)(s->cls.n + 1));
            if (!nn) { free(k); goto oom; }
            s->cls.names = nn;
            s->cls.names[s->cls.n++] = k;
        }
        if (s->cls.n) qsort(s->cls.names, (size_t)s->cls.n, sizeof(char *), cmp_class);
    }
    /* person-relative: rows without a label still count towards their
     * group's mean and spread; they are dropped after the standardisation */
    if (o->relative && !(labelled = malloc(t->nrow + 1))) goto oom;
    for (size_t i = 0; i < t->nrow; i++) {
        int unlabelled = lab && !lab[i];
        if (unlabelled && !o->relative) { no_label++; continue; }
        const float *row = t->num + i * (size_t)t->ncol;
        int ok = 1;
        for (int k = 0; k < d; k++) ok &= !isnan(row[cols[k]]);
        if (!ok) { no_feature++; continue; }
        if (grp && !grp[i]) { no_group++; continue; }
        size_t r = s->n;
        if (labelled) labelled[r] = !unlabelled;
        if (unlabelled) {
            s->labels[r] = 0;
            s->targets[r] = 0;
        } else if (lab && classification) {
            char *k = class_key(lab[i]);
            if (!k) goto oom;
            int c = fixed ? wfm_probe_find_class(fixed, k) : find_name(s->cls.names, s->cls.n, k);
            if (c < 0) {
                fprintf(stderr, "wearfm probe: %s: line %zu: label '%s' is not one of the probe's classes (", path, t->line[i], lab[i]);
                wfm_probe_info info;
                wfm_probe_get_info(fixed, &info);
                for (int q = 0; q < info.n_classes; q++) fprintf(stderr, "%s'%s'", q ? ", " : "", wfm_probe_class_name(fixed, q));
                fprintf(stderr, ")\n");
                free(k);
                rc = EXIT_INPUT;
                goto fail;
            }
            free(k);
            s->labels[r] = c;
        } else if (lab) {
            double v;
            if (!numeric_label(lab[i], &v)) {
                fprintf(stderr, "wearfm probe: %s: line %zu: target '%s' in column '%s' is not a number (task '%s' is a regression)\n",
                        path, t->line[i], lab[i], o->labels, wfm_probe_task_name(o->params.task));
                rc = EXIT_INPUT;
                goto fail;
            }
            s->targets[r] = (float)v;
        }
        if (grp) {
            int g = find_name(gnames, ng, grp[i]);
            if (g < 0) {
                char **nn = realloc(gnames, sizeof(char *) * (size_t)(ng + 1));
                if (!nn) goto oom;
                gnames = nn;
                gnames[ng] = grp[i];
                g = ng++;
            }
            s->groups[r] = g;
        }
        for (int k = 0; k < d; k++) s->X[r * (size_t)d + (size_t)k] = row[cols[k]];
        s->src[r] = i;
        s->n++;
    }
    s->n_groups = ng;
    if (o->relative && s->n) {
        wfm_error err = {0};
        wfm_features_relative_info ri;
        if (wfm_features_relative(s->X, s->n, s->d, s->groups, NULL, &ri, &err)) {
            fprintf(stderr, "wearfm probe: %s: %s\n", path, err.message);
            rc = err.status == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
            goto fail;
        }
        if (!o->quiet)
            fprintf(stderr, "wearfm probe: features relative to each of %d groups in '%s' (fewest rows of one: %zu)\n",
                    ri.n_groups, o->groups, ri.min_reference_rows);
        size_t kept = 0;
        for (size_t r = 0; r < s->n; r++) {
            if (!labelled[r]) { no_label++; continue; }
            if (kept != r) {
                memmove(s->X + kept * s->d, s->X + r * s->d, sizeof(float) * s->d);
                s->labels[kept] = s->labels[r];
                s->targets[kept] = s->targets[r];
                s->groups[kept] = s->groups[r];
                s->src[kept] = s->src[r];
            }
            kept++;
        }
        s->n = kept;
        /* the groups that still have a row: those with only unlabelled rows served their statistics */
        uint8_t *seen = labelled;  /* reused: ng <= nrow */
        memset(seen, 0, (size_t)ng);
        s->n_groups = 0;
        for (size_t r = 0; r < s->n; r++)
            if (!seen[s->groups[r]]) seen[s->groups[r]] = 1, s->n_groups++;
    }
    free(labelled);
    labelled = NULL;
    if (!o->quiet) {
        if (no_label) fprintf(stderr, "wearfm probe: note: %zu row(s) with no label in '%s' skipped\n", no_label, o->labels);
        if (no_feature) fprintf(stderr, "wearfm probe: note: %zu row(s) with a missing or non-numeric feature skipped\n", no_feature);
        if (no_group) fprintf(stderr, "wearfm probe: note: %zu row(s) with no group in '%s' skipped\n", no_group, o->groups);
    }
    free(gnames);
    if (!s->n) { fprintf(stderr, "wearfm probe: %s: no usable rows\n", path); dataset_free(s); return EXIT_NO_DATA; }
    (void)need_labels;
    return 0;
oom:
    fprintf(stderr, "wearfm probe: out of memory\n");
    rc = EXIT_RUNTIME;
fail:
    free(labelled);
    free(gnames);
    dataset_free(s);
    return rc;
}

/* ---- output helpers ------------------------------------------------------- */

static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(f, "\\%c", *c);
        else if (*c < 0x20) fprintf(f, "\\u%04x", *c);
        else fputc(*c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else fputs("null", f);
}

/* A CSV cell: quoted when it holds a comma or a quote. */
static void csv_str(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) { if (*s == '"') fputc('"', f); fputc(*s, f); }
    fputc('"', f);
}

static int task_metric(wfm_probe_task task, int k) {
    return task == WFM_PROBE_LOGISTIC ? k <= WFM_METRIC_LOG_LOSS : k > WFM_METRIC_LOG_LOSS;
}

static void json_metrics(FILE *f, wfm_probe_task task, const double *m) {
    fputc('{', f);
    int first = 1;
    for (int k = 0; k < WFM_METRIC_COUNT; k++) {
        if (!task_metric(task, k)) continue;
        fprintf(f, "%s\"%s\": ", first ? "" : ", ", wfm_metric_name((wfm_metric)k));
        json_num(f, m[k]);
        first = 0;
    }
    fputc('}', f);
}

static FILE *open_out(const popts *o) {
    if (!o->output || !strcmp(o->output, "-")) return stdout;
    FILE *f = fopen(o->output, "w");
    if (!f) fprintf(stderr, "wearfm probe: cannot write '%s'%s\n", o->output, cli_path_note(o->output));
    return f;
}

static int close_out(FILE *f) {
    int bad = fflush(f) != 0;
    if (f != stdout) bad |= fclose(f) != 0;
    if (bad) { fprintf(stderr, "wearfm probe: error writing the output\n"); return EXIT_RUNTIME; }
    return EXIT_OK;
}

static int load_model(const popts *o, wfm_model **m) {
    *m = NULL;
    if (!o->model) return 0;
    wfm_model_params mp = wfm_model_default_params();
    mp.n_threads = 1;
    wfm_error err = {0};
    if (wfm_model_load_file(o->model, &mp, m, &err)) {
        fprintf(stderr, "wearfm probe: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(o->model) : "");
        return EXIT_MODEL;
    }
    return 0;
}

static int lib_error(const char *what, const wfm_error *err) {
    fprintf(stderr, "wearfm probe %s: %s\n", what, err->message);
    return err->status == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
}

/* ---- commands ------------------------------------------------------------- */

static int load_data(const popts *o, const char *path, int classification, int need_labels, const wfm_probe *fixed,
                     table *t, int **cols, int *d, dataset *s) {
    const char *keep[3] = {o->labels, o->groups, o->id};
    int rc = read_table(path, keep, fixed != NULL, t);
    if (rc) return rc;
    if (fixed) {
        /* the probe's own feature columns, by name, when it stored them */
        wfm_probe_info info;
        wfm_probe_get_info(fixed, &info);
        if (wfm_probe_feature_name(fixed, 0)) {
            *cols = malloc(sizeof(int) * (size_t)info.n_features);
            if (!*cols) { table_free(t); return EXIT_RUNTIME; }
            for (int j = 0; j < info.n_features; j++) {
                const char *name = wfm_probe_feature_name(fixed, j);
                int c = -1;
                for (int k = 0; k < t->ncol; k++) if (!strcmp(t->names[k], name)) c = k;
                if (c < 0 || t->bad_line[c]) {
                    if (c < 0) fprintf(stderr, "wearfm probe: %s: no column '%s', a feature of the probe\n", path, name);
                    else fprintf(stderr, "wearfm probe: %s: line %zu: feature column '%s' holds a value that is not a number\n",
                                 path, t->bad_line[c], name);
                    free(*cols);
                    table_free(t);
                    return EXIT_INPUT;
                }
                (*cols)[j] = c;
            }
            *d = info.n_features;
        } else if ((rc = select_features(t, o, path, cols, d))) {
            table_free(t);
            return rc;
        }
    } else if ((rc = select_features(t, o, path, cols, d))) {
        table_free(t);
        return rc;
    }
    if ((rc = build_dataset(t, *cols, *d, o, path, classification, need_labels, fixed, s))) {
        free(*cols);
        table_free(t);
    }
    return rc;
}

static void print_class_counts(const dataset *s) {
    int cnt[64] = {0};
    for (size_t i = 0; i < s->n; i++) cnt[s->labels[i]]++;
    fprintf(stderr, "wearfm probe: %d classes:", s->cls.n);
    for (int k = 0; k < s->cls.n; k++) fprintf(stderr, " '%s' %d%s", s->cls.names[k], cnt[k], k + 1 < s->cls.n ? "," : "\n");
}

static int cmd_fit(popts *o) {
    table t;
    int *cols = NULL, d = 0, rc;
    dataset s;
    int cls = o->params.task == WFM_PROBE_LOGISTIC;
    if ((rc = load_data(o, o->pos[0], cls, 1, NULL, &t, &cols, &d, &s))) return rc;
    wfm_model *m = NULL;
    if ((rc = load_model(o, &m))) goto done;
    const char **fnames = malloc(sizeof(char *) * (size_t)d);
    if (!fnames) { rc = EXIT_RUNTIME; goto done; }
    for (int j = 0; j < d; j++) fnames[j] = t.names[cols[j]];
    wfm_probe_params p = o->params;
    p.relative = o->relative;
    p.feature_names = fnames;
    p.model = m;
    if (cls) {
        p.class_names = (const char *const *)s.cls.names;
        p.n_classes = s.cls.n;
        if (!o->quiet) print_class_counts(&s);
    }
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    if (!o->quiet) fprintf(stderr, "wearfm probe: fitting a %s probe on %zu rows x %d features\n", wfm_probe_task_name(p.task), s.n, d);
    if (wfm_probe_fit(s.X, s.n, s.d, cls ? s.labels : NULL, cls ? NULL : s.targets, o->groups ? s.groups : NULL, &p, &pr,
                      &err)) {
        rc = lib_error("fit", &err);
        free(fnames);
        goto done;
    }
    free(fnames);
    wfm_probe_info info;
    wfm_probe_get_info(pr, &info);
    if (!o->quiet) {
        const double *ls, *sc;
        wfm_metric met;
        int nl = wfm_probe_cv_scores(pr, &ls, &sc, &met);
        for (int k = 0; k < nl; k++)
            fprintf(stderr, "wearfm probe: inner CV lambda %-8g score %.6g%s\n", ls[k], sc[k], ls[k] == info.lambda ? "  <- chosen" : "");
        if (p.task == WFM_PROBE_RIDGE) fprintf(stderr, "wearfm probe: lambda %g, closed form\n", info.lambda);
        else
            fprintf(stderr, "wearfm probe: lambda %g, L-BFGS %s after %d iterations (objective %.9g, ||grad||_inf %.3g)\n",
                    info.lambda, info.converged ? "converged" : "did NOT converge", info.iterations, info.loss, info.grad_norm);
        double met_train[WFM_METRIC_COUNT];
        if (!wfm_probe_evaluate(pr, NULL, s.X, s.n, s.d, cls ? s.labels : NULL, cls ? NULL : s.targets, met_train, NULL)) {
            if (cls) fprintf(stderr, "wearfm probe: training accuracy %.4f, balanced %.4f\n", met_train[WFM_METRIC_ACCURACY], met_train[WFM_METRIC_BALANCED_ACCURACY]);
            else fprintf(stderr, "wearfm probe: training RMSE %.6g, R2 %.4f\n", met_train[WFM_METRIC_RMSE], met_train[WFM_METRIC_R2]);
        }
        if (info.encoder_hash) fprintf(stderr, "wearfm probe: bound to encoder %s\n", info.encoder_hash);
    }
    if (wfm_probe_save_file(pr, o->output, &err)) {
        fprintf(stderr, "wearfm probe: %s\n", err.message);
        rc = EXIT_RUNTIME;
    } else if (!o->quiet) {
        fprintf(stderr, "wearfm probe: wrote %s\n", o->output);
    }
    wfm_probe_free(pr);
done:
    wfm_model_free(m);
    free(cols);
    dataset_free(&s);
    table_free(&t);
    return rc;
}

static int load_probe(const char *path, wfm_probe **pr) {
    wfm_error err = {0};
    if (wfm_probe_load_file(path, pr, &err)) {
        fprintf(stderr, "wearfm probe: %s%s\n", err.message, err.status == WFM_ERR_IO ? cli_path_note(path) : "");
        return EXIT_MODEL;
    }
    return 0;
}

static int cmd_predict(popts *o) {
    wfm_probe *pr = NULL;
    int rc = load_probe(o->pos[0], &pr);
    if (rc) return rc;
    wfm_probe_info info;
    wfm_probe_get_info(pr, &info);
    wfm_model *m = NULL;
    if ((rc = load_model(o, &m))) { wfm_probe_free(pr); return rc; }
    wfm_error err = {0};
    if (m && wfm_probe_check_model(pr, m, &err)) {
        fprintf(stderr, "wearfm probe predict: %s\n", err.message);
        wfm_model_free(m);
        wfm_probe_free(pr);
        return EXIT_MODEL;
    }
    if (!o->quiet && info.encoder_hash && !m)
        fprintf(stderr, "wearfm probe: note: the probe is bound to encoder %s; pass --model to check the features' encoder\n",
                info.encoder_hash);
    if (!o->quiet && !info.encoder_hash && m)
        fprintf(stderr, "wearfm probe: note: the probe is not bound to an encoder; --model is not checked\n");
    if (info.relative && !o->groups) {
        fprintf(stderr, "wearfm probe predict: the probe was fitted on person-relative features: give --groups COL, the "
                        "column naming each row's person (each person's rows in the file set their mean and spread)\n");
        wfm_model_free(m);
        wfm_probe_free(pr);
        return EXIT_USAGE;
    }
    o->relative = info.relative;
    table t;
    int *cols = NULL, d = 0;
    dataset s;
    int cls = info.n_classes > 0;
    if ((rc = load_data(o, o->pos[1], cls, 0, pr, &t, &cols, &d, &s))) { wfm_model_free(m); wfm_probe_free(pr); return rc; }
    /* the id column: --id, or the first column when it is not numeric (window_start) */
    int id_col = o->id || (t.str_col[2] == 0 && t.bad_line[0]) ? t.str_col[2] : -1;
    size_t cols_out = cls ? (size_t)info.n_classes : 1;
    float *pred = malloc(sizeof(float) * s.n * cols_out + 1);
    int *pc = malloc(sizeof(int) * s.n + 1);
    FILE *out = NULL;
    if (!pred || !pc) { rc = EXIT_RUNTIME; goto done; }
    if (wfm_probe_predict(pr, m, s.X, s.n, s.d, pred, pc, &err)) {
        rc = err.status == WFM_ERR_INVALID_ARG && strstr(err.message, "encoder") ? EXIT_MODEL : lib_error("predict", &err);
        if (rc == EXIT_MODEL) fprintf(stderr, "wearfm probe predict: %s\n", err.message);
        goto done;
    }
    double met[WFM_METRIC_COUNT];
    int have_met = o->labels && !(cls ? wfm_metrics_classification(s.labels, pred, s.n, info.n_classes, met, NULL)
                                      : wfm_metrics_regression(s.targets, pred, s.n, met, NULL));
    if (!(out = open_out(o))) { rc = EXIT_RUNTIME; goto done; }
    if (s.n < t.nrow && !o->quiet)
        fprintf(stderr, "wearfm probe: note: %zu of %zu rows predicted\n", s.n, t.nrow);
    const char *idname = id_col >= 0 ? t.names[id_col] : "row";
    char buf[32];
    if (o->json) {
        fprintf(out, "{\"task\": \"%s\", \"classes\": ", wfm_probe_task_name(info.task));
        if (cls) {
            fputc('[', out);
            for (int k = 0; k < info.n_classes; k++) { if (k) fputs(", ", out); json_str(out, wfm_probe_class_name(pr, k)); }
            fputc(']', out);
        } else fputs("null", out);
        fprintf(out, ", \"id_column\": ");
        json_str(out, idname);
        fprintf(out, ", \"encoder_weights_hash\": ");
        if (info.encoder_hash) json_str(out, info.encoder_hash); else fputs("null", out);
        fprintf(out, ", \"rows\": [");
        for (size_t i = 0; i < s.n; i++) {
            size_t r = s.src[i];
            fprintf(out, "%s\n  {\"line\": %zu, \"id\": ", i ? "," : "", t.line[r]);
            if (id_col >= 0) {
                const char *v = t.str[2][r];
                if (v) json_str(out, v); else fputs("null", out);
            } else fprintf(out, "%zu", r);
            if (cls) {
                fprintf(out, ", \"class\": ");
                json_str(out, wfm_probe_class_name(pr, pc[i]));
                fprintf(out, ", \"probabilities\": [");
                for (size_t k = 0; k < cols_out; k++) { if (k) fputs(", ", out); json_num(out, pred[i * cols_out + k]); }
                fputc(']', out);
            } else {
                fprintf(out, ", \"value\": ");
                json_num(out, pred[i]);
            }
            fputc('}', out);
        }
        fprintf(out, "%s]", s.n ? "\n" : "");
        if (have_met) { fprintf(out, ", \"metrics\": "); json_metrics(out, info.task, met); }
        fprintf(out, "}\n");
    } else {
        csv_str(out, idname);
        if (cls) {
            fputs(",class", out);
            for (int k = 0; k < info.n_classes; k++) { fputs(",p_", out); csv_str(out, wfm_probe_class_name(pr, k)); }
        } else fputs(",prediction", out);
        fputc('\n', out);
        for (size_t i = 0; i < s.n; i++) {
            size_t r = s.src[i];
            const char *v = id_col >= 0 ? t.str[2][r] : NULL;
            if (v) csv_str(out, v);
            else if (id_col < 0) { snprintf(buf, sizeof buf, "%zu", r); fputs(buf, out); }
            if (cls) {
                fputc(',', out);
                csv_str(out, wfm_probe_class_name(pr, pc[i]));
                for (size_t k = 0; k < cols_out; k++) fprintf(out, ",%.9g", pred[i * cols_out + k]);
            } else fprintf(out, ",%.9g", pred[i]);
            fputc('\n', out);
        }
    }
    if (have_met && !o->quiet) {
        fprintf(stderr, "wearfm probe: metrics on %zu labelled rows:", s.n);
        for (int k = 0; k < WFM_METRIC_COUNT; k++)
            if (task_metric(info.task, k)) fprintf(stderr, " %s %.4f", wfm_metric_name((wfm_metric)k), met[k]);
        fputc('\n', stderr);
    }
    rc = close_out(out);
done:
    free(pred);
    free(pc);
    free(cols);
    dataset_free(&s);
    table_free(&t);
    wfm_model_free(m);
    wfm_probe_free(pr);
    return rc;
}

static int cmd_eval(popts *o) {
    table t;
    int *cols = NULL, d = 0, rc;
    dataset s;
    int cls = o->params.task == WFM_PROBE_LOGISTIC;
    if ((rc = load_data(o, o->pos[0], cls, 1, NULL, &t, &cols, &d, &s))) return rc;
    wfm_probe_params p = o->params;
    if (cls) {
        p.class_names = (const char *const *)s.cls.names;
        p.n_classes = s.cls.n;
        if (!o->quiet) print_class_counts(&s);
    }
    int folds = o->folds;
    wfm_probe_cv *cv = NULL;
    wfm_error err = {0};
    FILE *out = NULL;
    if (!o->quiet)
        fprintf(stderr, "wearfm probe: %s cross-validation of a %s probe on %zu rows x %d features%s\n",
                o->groups ? "grouped" : "stratified", wfm_probe_task_name(p.task), s.n, d,
                o->groups ? "" : (cls ? "" : " (shuffled)"));
    if (wfm_probe_cross_validate(s.X, s.n, s.d, cls ? s.labels : NULL, cls ? NULL : s.targets, o->groups ? s.groups : NULL,
                                 folds, &p, &cv, &err)) {
        rc = lib_error("eval", &err);
        goto done;
    }
    if (!(out = open_out(o))) { rc = EXIT_RUNTIME; goto done; }
    if (o->json) {
        fprintf(out, "{\"task\": \"%s\", \"rows\": %zu, \"features\": %d, \"classes\": ", wfm_probe_task_name(p.task), s.n, d);
        if (cls) {
            fputc('[', out);
            for (int k = 0; k < s.cls.n; k++) { if (k) fputs(", ", out); json_str(out, s.cls.names[k]); }
            fputc(']', out);
        } else fputs("null", out);
        fprintf(out, ", \"grouped\": %s, \"groups\": %d, \"lambda\": ", o->groups ? "true" : "false", s.n_groups);
        if (p.cv_lambda) fputs("\"inner cv\"", out); else json_num(out, p.lambda);
        fprintf(out, ", \"balanced\": %s, \"folds\": [", p.balanced ? "true" : "false");
        for (int f = 0; f < cv->n_folds; f++) {
            fprintf(out, "%s\n  {\"fold\": %d, \"train_rows\": %zu, \"test_rows\": %zu, \"test_groups\": %d, \"status\": \"%s\", "
                         "\"converged\": %s, \"lambda\": ", f ? "," : "", f + 1, cv->fold_train_rows[f], cv->fold_test_rows[f],
                    cv->fold_test_groups[f], cv->fold_status[f] ? "skipped: a single class in the training rows" : "ok",
                    cv->fold_converged[f] ? "true" : "false");
            json_num(out, cv->fold_lambda[f]);
            fprintf(out, ", \"metrics\": ");
            json_metrics(out, p.task, cv->fold_metrics + (size_t)f * WFM_METRIC_COUNT);
            fputc('}', out);
        }
        fprintf(out, "\n], \"mean\": ");
        json_metrics(out, p.task, cv->mean);
        fprintf(out, ", \"std\": ");
        json_metrics(out, p.task, cv->std);
        double nd[WFM_METRIC_COUNT];
        for (int k = 0; k < WFM_METRIC_COUNT; k++) nd[k] = cv->n_defined[k];
        fprintf(out, ", \"n_defined\": ");
        json_metrics(out, p.task, nd);
        fprintf(out, ", \"pooled\": ");
        json_metrics(out, p.task, cv->pooled);
        fprintf(out, ", \"skipped_folds\": %d}\n", cv->n_skipped);
    } else {
        fprintf(out, "fold,train_rows,test_rows,test_groups,lambda,status");
        for (int k = 0; k < WFM_METRIC_COUNT; k++) if (task_metric(p.task, k)) fprintf(out, ",%s", wfm_metric_name((wfm_metric)k));
        fputc('\n', out);
        for (int f = 0; f <= cv->n_folds + 2; f++) {
            const double *m;
            if (f < cv->n_folds) {
                fprintf(out, "%d,%zu,%zu,%d,%.6g,%s", f + 1, cv->fold_train_rows[f], cv->fold_test_rows[f], cv->fold_test_groups[f],
                        cv->fold_lambda[f], cv->fold_status[f] ? "skipped" : cv->fold_converged[f] ? "ok" : "not converged");
                m = cv->fold_metrics + (size_t)f * WFM_METRIC_COUNT;
            } else {
                static const char *what[3] = {"mean", "std", "pooled"};
                int w = f - cv->n_folds;
                fprintf(out, "%s,,,,,", what[w]);
                m = w == 0 ? cv->mean : w == 1 ? cv->std : cv->pooled;
            }
            for (int k = 0; k < WFM_METRIC_COUNT; k++)
                if (task_metric(p.task, k)) { if (isnan(m[k])) fputs(",", out); else fprintf(out, ",%.6g", m[k]); }
            fputc('\n', out);
        }
    }
    if (!o->quiet) {
        fprintf(stderr, "wearfm probe: %d folds%s", cv->n_folds, cv->n_skipped ? "" : "\n");
        if (cv->n_skipped) fprintf(stderr, ", %d skipped (a single class in the training rows)\n", cv->n_skipped);
        for (int k = 0; k < WFM_METRIC_COUNT; k++) {
            if (!task_metric(p.task, k)) continue;
            fprintf(stderr, "  %-18s %.4f +- %.4f", wfm_metric_name((wfm_metric)k), cv->mean[k], cv->std[k]);
            if (cv->n_defined[k] < cv->n_folds - cv->n_skipped)
                fprintf(stderr, "  (defined in %d of %d folds)", cv->n_defined[k], cv->n_folds - cv->n_skipped);
            fprintf(stderr, "  pooled %.4f\n", cv->pooled[k]);
        }
    }
    rc = close_out(out);
done:
    wfm_probe_cv_free(cv);
    free(cols);
    dataset_free(&s);
    table_free(&t);
    return rc;
}

static int cmd_info(popts *o) {
    wfm_probe *pr = NULL;
    int rc = load_probe(o->pos[0], &pr);
    if (rc) return rc;
    wfm_probe_info info;
    wfm_probe_get_info(pr, &info);
    FILE *out = open_out(o);
    if (!out) { wfm_probe_free(pr); return EXIT_RUNTIME; }
    const double *ls, *sc;
    wfm_metric met;
    int nl = wfm_probe_cv_scores(pr, &ls, &sc, &met);
    wfm_probe_error_bands bands;
    int has_bands = wfm_probe_get_error_bands(pr, &bands);
    if (o->json) {
        fprintf(out, "{\"task\": \"%s\", \"features\": %d, \"classes\": ", wfm_probe_task_name(info.task), info.n_features);
        if (info.n_classes) {
            fputc('[', out);
            for (int k = 0; k < info.n_classes; k++) { if (k) fputs(", ", out); json_str(out, wfm_probe_class_name(pr, k)); }
            fputc(']', out);
        } else fputs("null", out);
        fprintf(out, ", \"lambda\": ");
        json_num(out, info.lambda);
        fprintf(out, ", \"balanced\": %s, \"n_train\": %zu, \"iterations\": %d, \"converged\": %s, \"encoder_weights_hash\": ",
                info.balanced ? "true" : "false", info.n_train, info.iterations, info.converged ? "true" : "false");
        if (info.encoder_hash) json_str(out, info.encoder_hash); else fputs("null", out);
        fprintf(out, ", \"features_relative_to_group\": %s", info.relative ? "true" : "false");
        fprintf(out, ", \"error_bands\": ");
        if (!has_bands) fputs("null", out);
        else {
            fprintf(out, "{\"by\": \"%s\", \"edges\": [", bands.by);
            for (int i = 0; i < bands.n_edges; i++) { if (i) fputs(", ", out); json_num(out, bands.edges[i]); }
            fprintf(out, "], \"mae_bpm\": [");
            for (int i = 0; i <= bands.n_edges; i++) { if (i) fputs(", ", out); json_num(out, bands.mae[i]); }
            fputs("]}", out);
        }
        fprintf(out, "}\n");
    } else {
        fprintf(out, "task           %s\n", wfm_probe_task_name(info.task));
        fprintf(out, "features       %d", info.n_features);
        if (wfm_probe_feature_name(pr, 0))
            fprintf(out, " (%s ... %s)", wfm_probe_feature_name(pr, 0), wfm_probe_feature_name(pr, info.n_features - 1));
        fputc('\n', out);
        if (info.n_classes) {
            fprintf(out, "classes        %d:", info.n_classes);
            for (int k = 0; k < info.n_classes; k++) fprintf(out, " %s", wfm_probe_class_name(pr, k));
            fputc('\n', out);
        }
        fprintf(out, "lambda         %g%s\n", info.lambda, nl ? " (inner cross-validation)" : "");
        fprintf(out, "balanced       %s\n", info.balanced ? "yes" : "no");
        if (info.relative) fprintf(out, "relative       yes: features standardised within each person (predict needs --groups)\n");
        fprintf(out, "training rows  %zu\n", info.n_train);
        if (info.task != WFM_PROBE_RIDGE)
            fprintf(out, "solver         L-BFGS, %d iterations, %s\n", info.iterations, info.converged ? "converged" : "not converged");
        else
            fprintf(out, "solver         Cholesky (closed form)\n");
        fprintf(out, "encoder        %s\n", info.encoder_hash ? info.encoder_hash : "not bound");
        if (has_bands) {
            fprintf(out, "error bands    MAE by %s:", bands.by);
            for (int i = 0; i <= bands.n_edges; i++) {
                if (i == 0) fprintf(out, " < %g: %g", bands.edges[0], bands.mae[0]);
                else fprintf(out, ", >= %g: %g", bands.edges[i - 1], bands.mae[i]);
            }
            fputc('\n', out);
        }
    }
    wfm_probe_free(pr);
    return close_out(out);
}

/* Stores error bands measured elsewhere (held-out people) in a probe file;
 * the core validates them exactly as when loading (src/probes/probe_io.c). */
static int cmd_annotate(popts *o) {
    wfm_probe *pr = NULL;
    int rc = load_probe(o->pos[0], &pr);
    if (rc) return rc;
    size_t len = 0;
    int why;
    char *text = cli_read_all(o->error_bands, &len, &why);
    if (!text) { wfm_probe_free(pr); return cli_read_failed("wearfm probe annotate", o->error_bands, why, len); }
    wfm_error err = {0};
    if (wfm_probe_set_error_bands(pr, text, len, &err)) {
        fprintf(stderr, "wearfm probe annotate: %s: %s\n", o->error_bands, err.message);
        rc = err.status == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_INPUT;
    } else if (wfm_probe_save_file(pr, o->output, &err)) {
        fprintf(stderr, "wearfm probe annotate: %s%s\n", err.message, cli_path_note(o->output));
        rc = EXIT_RUNTIME;
    } else if (!o->quiet) {
        fprintf(stderr, "wearfm probe: wrote %s\n", o->output);
    }
    free(text);
    wfm_probe_free(pr);
    return rc;
}

int cli_probe(int argc, char **argv) {
    popts o;
    int rc = parse_probe_args(argc, argv, &o);
    if (rc < 0) return EXIT_OK;
    if (rc) return rc;
    if (!strcmp(o.sub, "fit")) return cmd_fit(&o);
    if (!strcmp(o.sub, "predict")) return cmd_predict(&o);
    if (!strcmp(o.sub, "eval")) return cmd_eval(&o);
    if (!strcmp(o.sub, "annotate")) return cmd_annotate(&o);
    return cmd_info(&o);
}
