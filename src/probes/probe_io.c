/* Probe files: safetensors with F32 tensors
 *   probe.bias [q], probe.feature_mean [d], probe.feature_std [d], probe.weight [q, d]
 * (q = 1 for binary and regression probes, else the number of classes) and
 * __metadata__["wearfm.probe"], a JSON string (docs/probes.md):
 *   {"format_version": 1, "task": "logistic", "n_features": d,
 *    "classes": ["awake", "asleep"] | null, "features": ["emb_0", ...] | null,
 *    "lambda": 0.001, "balanced": false, "n_train": 1234,
 *    "encoder_weights_hash": "fnv1a64w:..." | null,
 *    "features_relative_to_group": true   (optional; absent = false)
 *    "solver": {"name": "lbfgs" | "cholesky", "iterations": 37, "converged": true,
 *               "loss": 0.41, "grad_inf": 3e-7},
 *    "cv": {"metric": "log_loss", "lambdas": [...], "scores": [...]} | null,
 *    "error_bands": {"by": "motion_g", "edges": [...], "mae_bpm": [...]}   (optional)
 *    "wearfm_version": "0.1.0"}
 * Loading reuses the project's strict safetensors and JSON parsers and checks
 * every field; weights may also be F16/BF16 (widened). */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "platform/json.h"
#include "model/safetensors.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable string ---------------------------------------------------- */

typedef struct sbuf { char *p; size_t n, cap; int oom; } sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) cap *= 2;
        char *q = wfm_realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_printf(sbuf *b, const char *fmt, ...) WFM_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
/* A JSON string literal. */
static void sb_json(sbuf *b, const char *s) {
    sb_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') { char e[2] = {'\\', (char)*c}; sb_put(b, e, 2); }
        else if (*c < 0x20) sb_printf(b, "\\u%04x", *c);
        else sb_put(b, (const char *)c, 1);
    }
    sb_put(b, "\"", 1);
}
static void sb_num(sbuf *b, double v) {
    char num[32];
    if (isfinite(v)) sb_str(b, wfm_json_format_number(v, num));
    else sb_str(b, "null");
}

/* ---- save ------------------------------------------------------------------ */

static const char *cv_metric_name(const wfm_probe *p) {
    if (p->cv_metric != WFM_METRIC_AUTO) return wfm_metric_name(p->cv_metric);
    if (!p->n_classes) return "mse";
    return p->balanced ? "balanced_log_loss" : "log_loss";
}

static void meta_json(const wfm_probe *p, sbuf *b) {
    sb_printf(b, "{\"format_version\": %d, \"task\": ", WFM_PROBE_FORMAT_VERSION);
    sb_json(b, wfm_probe_task_name(p->task));
    sb_printf(b, ", \"n_features\": %d, \"classes\": ", p->d);
    if (p->n_classes) {
        sb_str(b, "[");
        for (int k = 0; k < p->n_classes; k++) { if (k) sb_str(b, ", "); sb_json(b, p->class_names[k] ? p->class_names[k] : ""); }
        sb_str(b, "]");
    } else sb_str(b, "null");
    sb_str(b, ", \"features\": ");
    if (p->feature_names) {
        sb_str(b, "[");
        for (int j = 0; j < p->d; j++) { if (j) sb_str(b, ", "); sb_json(b, p->feature_names[j]); }
        sb_str(b, "]");
    } else sb_str(b, "null");
    sb_str(b, ", \"lambda\": ");
    sb_num(b, p->lambda);
    sb_printf(b, ", \"balanced\": %s, \"n_train\": %zu, \"encoder_weights_hash\": ", p->balanced ? "true" : "false", p->n_train);
    if (p->encoder_hash[0]) sb_json(b, p->encoder_hash);
    else sb_str(b, "null");
    if (p->relative) sb_str(b, ", \"features_relative_to_group\": true");  /* absent: false (older files) */
    sb_printf(b, ", \"solver\": {\"name\": \"%s\", \"iterations\": %d, \"converged\": %s, \"loss\": ",
              p->task == WFM_PROBE_RIDGE ? "cholesky" : "lbfgs", p->iterations, p->converged ? "true" : "false");
    sb_num(b, p->task == WFM_PROBE_RIDGE ? NAN : p->loss);
    sb_str(b, ", \"grad_inf\": ");
    sb_num(b, p->task == WFM_PROBE_RIDGE ? NAN : p->grad_norm);
    sb_str(b, "}, \"cv\": ");
    if (p->n_cv) {
        sb_str(b, "{\"metric\": ");
        sb_json(b, cv_metric_name(p));
        sb_str(b, ", \"lambdas\": [");
        for (int i = 0; i < p->n_cv; i++) { if (i) sb_str(b, ", "); sb_num(b, p->cv_lambdas[i]); }
        sb_str(b, "], \"scores\": [");
        for (int i = 0; i < p->n_cv; i++) { if (i) sb_str(b, ", "); sb_num(b, p->cv_scores[i]); }
        sb_str(b, "]}");
    } else sb_str(b, "null");
    if (p->n_band_edges) {
        sb_str(b, ", \"error_bands\": {\"by\": ");
        sb_json(b, p->band_by);
        sb_str(b, ", \"edges\": [");
        for (int i = 0; i < p->n_band_edges; i++) { if (i) sb_str(b, ", "); sb_num(b, p->band_edges[i]); }
        sb_str(b, "], \"mae_bpm\": [");
        for (int i = 0; i <= p->n_band_edges; i++) { if (i) sb_str(b, ", "); sb_num(b, p->band_mae[i]); }
        sb_str(b, "]}");
    }
    sb_str(b, ", \"wearfm_version\": ");
    sb_json(b, wfm_version());
    sb_str(b, "}");
}

typedef struct tensor_out { const char *name; const float *data; size_t rows, cols; int ndim; } tensor_out;

wfm_status wfm_probe_save_buffer(const wfm_probe *p, void **data, size_t *size, wfm_error *err) {
    if (!p || !data || !size) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe save: NULL argument");
    *data = NULL;
    *size = 0;
    const size_t d = (size_t)p->d, q = (size_t)p->q;
    /* name order, as safetensors writers lay them out */
    tensor_out t[4] = {{"probe.bias", p->bias, q, 1, 1},
                       {"probe.feature_mean", p->mean, d, 1, 1},
                       {"probe.feature_std", p->std, d, 1, 1},
                       {"probe.weight", p->weight, q, d, 2}};
    sbuf meta = {0}, h = {0};
    meta_json(p, &meta);
    sb_str(&h, "{\"__metadata__\": {\"wearfm.probe\": ");
    sb_json(&h, meta.p ? meta.p : "");
    sb_str(&h, "}");
    size_t off = 0;
    for (int i = 0; i < 4; i++) {
        size_t bytes = t[i].rows * t[i].cols * sizeof(float);
        sb_str(&h, ", ");
        sb_json(&h, t[i].name);
        if (t[i].ndim == 1) sb_printf(&h, ": {\"dtype\": \"F32\", \"shape\": [%zu], ", t[i].rows);
        else sb_printf(&h, ": {\"dtype\": \"F32\", \"shape\": [%zu, %zu], ", t[i].rows, t[i].cols);
        sb_printf(&h, "\"data_offsets\": [%zu, %zu]}", off, off + bytes);
        off += bytes;
    }
    sb_str(&h, "}");
    while (!h.oom && h.n % 8) sb_str(&h, " ");
    free(meta.p);
    if (meta.oom || h.oom) { free(h.p); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    size_t total = 8 + h.n + off;
    uint8_t *buf = wfm_malloc(total);
    if (!buf) { free(h.p); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (int k = 0; k < 8; k++) buf[k] = (uint8_t)((uint64_t)h.n >> (8 * k));
    memcpy(buf + 8, h.p, h.n);
    free(h.p);
    uint8_t *o = buf + 8 + (total - 8 - off);
    for (int i = 0; i < 4; i++)
        for (size_t k = 0; k < t[i].rows * t[i].cols; k++) {
            uint32_t u;
            memcpy(&u, &t[i].data[k], 4);
            for (int b = 0; b < 4; b++) *o++ = (uint8_t)(u >> (8 * b));
        }
    *data = buf;
    *size = total;
    return WFM_OK;
}

void wfm_probe_buffer_free(void *data) { free(data); }

wfm_status wfm_probe_save_file(const wfm_probe *p, const char *path, wfm_error *err) {
    if (!path) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe save: NULL path");
    void *buf;
    size_t n;
    wfm_status st = wfm_probe_save_buffer(p, &buf, &n, err);
    if (st) return st;
    FILE *f = fopen(path, "wb");
    if (!f) { free(buf); return wfm_fail(err, WFM_ERR_IO, "cannot write probe '%s'", path); }
    int bad = fwrite(buf, 1, n, f) != n;
    bad |= fclose(f) != 0;
    free(buf);
    return bad ? wfm_fail(err, WFM_ERR_IO, "error writing probe '%s'", path) : WFM_OK;
}

/* ---- load ------------------------------------------------------------------ */

static char *dup_json_string(const wfm_json *v) {
    const char *s = wfm_json_string(v);
    if (!s) return NULL;
    char *d = wfm_malloc(v->len + 1);
    if (d) memcpy(d, s, v->len + 1);
    return d;
}

static wfm_status names(const wfm_json *arr, int n, const char *what, char ***out, wfm_error *err) {
    if (wfm_json_count(arr) != (size_t)n || !wfm_json_is(arr, WFM_JSON_ARRAY))
        return wfm_fail(err, WFM_ERR_FORMAT, "probe: \"%s\" must be an array of %d strings", what, n);
    char **v = wfm_calloc((size_t)n, sizeof(char *));
    if (!v) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    *out = v;
    for (int i = 0; i < n; i++) {
        const wfm_json *s = wfm_json_at(arr, (size_t)i);
        if (!wfm_json_is(s, WFM_JSON_STRING) || !wfm_json_string_is_c(s))
            return wfm_fail(err, WFM_ERR_FORMAT, "probe: \"%s\"[%d] is not a string", what, i);
        if (!(v[i] = dup_json_string(s))) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    return WFM_OK;
}

/* The four tensors, with the shapes the metadata implies (q rows of W, d
 * features). Checked before the probe is allocated: the file's data then
 * bounds what a few bytes of metadata ("n_features": 1048576) can ask for. */
static wfm_status check_tensors(const wfm_st_file *st, uint64_t q, uint64_t d, wfm_error *err) {
    if (st->n_tensors != 4)
        return wfm_fail(err, WFM_ERR_FORMAT, "probe: %zu tensors; a probe has exactly probe.weight, probe.bias, "
                        "probe.feature_mean and probe.feature_std", st->n_tensors);
    static const char *const names[4] = {"probe.weight", "probe.bias", "probe.feature_mean", "probe.feature_std"};
    const uint64_t rows[4] = {q, q, d, d};
    for (int i = 0; i < 4; i++) {
        const wfm_st_tensor *t = wfm_st_find(st, names[i]);
        if (!t) return wfm_fail(err, WFM_ERR_FORMAT, "probe: missing tensor '%s'", names[i]);
        int ndim = i ? 1 : 2;
        if (t->ndim != ndim || t->shape[0] != rows[i] || (ndim == 2 && t->shape[1] != d))
            return wfm_fail(err, WFM_ERR_FORMAT, "probe: tensor '%s' has the wrong shape for the metadata", names[i]);
    }
    return WFM_OK;
}

/* A tensor check_tensors accepted, widened into dst. */
static wfm_status read_tensor(const wfm_st_file *st, const uint8_t *base, const char *name, float *dst,
                              wfm_error *err) {
    const wfm_st_tensor *t = wfm_st_find(st, name);
    wfm_st_to_f32(t->dtype, base + t->begin, (size_t)t->numel, dst);
    for (uint64_t i = 0; i < t->numel; i++)
        if (!isfinite(dst[i])) return wfm_fail(err, WFM_ERR_FORMAT, "probe: tensor '%s' holds a non-finite value", name);
    return WFM_OK;
}

static int get_int(const wfm_json *o, const char *key, int lo, int hi, int *out) {
    int64_t v;
    if (!wfm_json_int64(wfm_json_get(o, key), &v) || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* ---- error bands ------------------------------------------------------------ */

/* "error_bands": the absolute error a regression probe is expected to make,
 * measured elsewhere (on held-out people), in bands of a window summary
 * (wfm_window_summary). One parser for files and for wfm_probe_set_error_bands,
 * strict: a malformed value is refused, never half-used. */
static const char *const BAND_BY[] = {"motion_g", "observed"};

static int key_is(const wfm_json *member, const char *key) {
    return member->key_len == strlen(key) && !memcmp(member->key, key, member->key_len);
}

/* Parses v (NULL or null: no bands) into p; p is unchanged on failure. */
static wfm_status parse_error_bands(const wfm_json *v, wfm_probe *p, wfm_error *err) {
#define BAD(...) wfm_fail(err, WFM_ERR_FORMAT, "probe: \"error_bands\" " __VA_ARGS__)
    if (!v || wfm_json_is(v, WFM_JSON_NULL)) { p->n_band_edges = 0; p->band_by[0] = 0; return WFM_OK; }
    if (p->task == WFM_PROBE_LOGISTIC) return BAD("belong to a regression probe (ridge or linear)");
    if (!wfm_json_is(v, WFM_JSON_OBJECT)) return BAD("must be an object {\"by\", \"edges\", \"mae_bpm\"} or null");
    for (size_t i = 0; i < wfm_json_count(v); i++) {
        const wfm_json *m = wfm_json_at(v, i);
        if (!key_is(m, "by") && !key_is(m, "edges") && !key_is(m, "mae_bpm"))
            return BAD("has an unknown key \"%.*s\" (by, edges, mae_bpm)", (int)(m->key_len > 40 ? 40 : m->key_len), m->key);
    }
    const wfm_json *by = wfm_json_get(v, "by"), *e = wfm_json_get(v, "edges"), *m = wfm_json_get(v, "mae_bpm");
    int known = -1;
    for (int k = 0; k < (int)(sizeof BAND_BY / sizeof *BAND_BY); k++)
        if (wfm_json_is(by, WFM_JSON_STRING) && wfm_json_string_is_c(by) && !strcmp(wfm_json_string(by), BAND_BY[k])) known = k;
    if (known < 0) return BAD("\"by\" must be \"motion_g\" or \"observed\" (a wfm_window_summary field)");
    const size_t ne = wfm_json_count(e);
    if (!wfm_json_is(e, WFM_JSON_ARRAY) || ne < 1 || ne > WFM_PROBE_MAX_BAND_EDGES)
        return BAD("\"edges\" must be an array of 1..%d numbers", WFM_PROBE_MAX_BAND_EDGES);
    if (!wfm_json_is(m, WFM_JSON_ARRAY) || wfm_json_count(m) != ne + 1)
        return BAD("\"mae_bpm\" must be an array of %zu numbers, one per band (one more than the edges)", ne + 1);
    double edges[WFM_PROBE_MAX_BAND_EDGES], mae[WFM_PROBE_MAX_BAND_EDGES + 1];
    for (size_t i = 0; i < ne; i++) {
        const wfm_json *x = wfm_json_at(e, i);
        if (!wfm_json_is(x, WFM_JSON_NUMBER)) return BAD("\"edges\"[%zu] is not a number", i);
        edges[i] = wfm_json_number(x);
        if (i && !(edges[i] > edges[i - 1])) return BAD("\"edges\" must increase strictly (edges[%zu] = %g)", i, edges[i]);
    }
    for (size_t i = 0; i <= ne; i++) {
        const wfm_json *x = wfm_json_at(m, i);
        if (!wfm_json_is(x, WFM_JSON_NUMBER) || !(wfm_json_number(x) >= 0))
            return BAD("\"mae_bpm\"[%zu] must be a number >= 0", i);
        mae[i] = wfm_json_number(x);
    }
#undef BAD
    strcpy(p->band_by, BAND_BY[known]);
    p->n_band_edges = (int)ne;
    memcpy(p->band_edges, edges, ne * sizeof *edges);
    memcpy(p->band_mae, mae, (ne + 1) * sizeof *mae);
    return WFM_OK;
}

wfm_status wfm_probe_set_error_bands(wfm_probe *p, const char *json, size_t len, wfm_error *err) {
    if (!p || (!json && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_probe_set_error_bands: NULL argument");
    wfm_json_doc *doc = NULL;
    wfm_status s = json ? wfm_json_parse(json, len, &doc, err) : WFM_OK;
    if (s) { wfm_error_prefix(err, "error bands"); return s; }
    s = parse_error_bands(doc ? wfm_json_root(doc) : NULL, p, err);
    wfm_json_free(doc);
    return s;
}

int wfm_probe_get_error_bands(const wfm_probe *p, wfm_probe_error_bands *out) {
    memset(out, 0, sizeof *out);
    if (!p || !p->n_band_edges) return 0;
    out->by = p->band_by;
    out->n_edges = p->n_band_edges;
    out->edges = p->band_edges;
    out->mae = p->band_mae;
    return 1;
}

double wfm_probe_expected_error(const wfm_probe *p, const wfm_window_summary *s) {
    if (!p || !s || !p->n_band_edges) return NAN;
    double v = !strcmp(p->band_by, "motion_g") ? s->motion_g : s->observed;
    if (isnan(v)) return NAN;
    int b = 0;
    while (b < p->n_band_edges && v >= p->band_edges[b]) b++;
    return p->band_mae[b];
}

wfm_status wfm_probe_load_buffer(const void *data, size_t size, wfm_probe **out, wfm_error *err) {
    if (!out || (!data && size)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe load: NULL argument");
    *out = NULL;
    wfm_st_file st;
    wfm_status s = wfm_st_parse_buffer(data, size, &st, err);
    if (s) return s;
    wfm_json_doc *doc = NULL;
    wfm_probe *p = NULL;
    const char *mj = wfm_st_metadata(&st, "wearfm.probe");
    if (!mj) {
        s = wfm_fail(err, WFM_ERR_FORMAT, "no \"wearfm.probe\" entry in __metadata__: not a wearfm probe%s",
                     wfm_st_metadata(&st, "wearfm.config") ? " (this is a model file)" : "");
        goto done;
    }
    if ((s = wfm_json_parse(mj, strlen(mj), &doc, err))) { wfm_error_prefix(err, "probe metadata"); goto done; }
    const wfm_json *root = wfm_json_root(doc);
    int version = 0, d = 0;
    if (!wfm_json_is(root, WFM_JSON_OBJECT) || get_int(root, "format_version", 0, 1 << 30, &version)) {
        s = wfm_fail(err, WFM_ERR_FORMAT, "probe metadata: not an object with a \"format_version\"");
        goto done;
    }
    if (version != WFM_PROBE_FORMAT_VERSION) {
        s = wfm_fail(err, WFM_ERR_UNSUPPORTED, "probe format_version %d (this build reads %d)", version, WFM_PROBE_FORMAT_VERSION);
        goto done;
    }
    const char *task = wfm_json_string(wfm_json_get(root, "task"));
    wfm_probe_task t;
    if (task && !strcmp(task, "logistic")) t = WFM_PROBE_LOGISTIC;
    else if (task && !strcmp(task, "ridge")) t = WFM_PROBE_RIDGE;
    else if (task && !strcmp(task, "linear")) t = WFM_PROBE_LINEAR;
    else { s = wfm_fail(err, WFM_ERR_FORMAT, "probe: \"task\" must be \"logistic\", \"ridge\" or \"linear\""); goto done; }
    if (get_int(root, "n_features", 1, 1 << 20, &d)) { s = wfm_fail(err, WFM_ERR_FORMAT, "probe: bad \"n_features\""); goto done; }
    const wfm_json *classes = wfm_json_get(root, "classes");
    int K = 0;
    if (t == WFM_PROBE_LOGISTIC) {
        K = (int)wfm_json_count(classes);
        if (!wfm_json_is(classes, WFM_JSON_ARRAY) || K < 2 || K > WFM_PROBE_MAX_CLASSES) {
            s = wfm_fail(err, WFM_ERR_FORMAT, "probe: a logistic probe needs \"classes\", 2..%d names", WFM_PROBE_MAX_CLASSES);
            goto done;
        }
    } else if (classes && !wfm_json_is(classes, WFM_JSON_NULL)) {
        s = wfm_fail(err, WFM_ERR_FORMAT, "probe: a regression probe has no \"classes\"");
        goto done;
    }
    if ((s = check_tensors(&st, t == WFM_PROBE_LOGISTIC && K > 2 ? (uint64_t)K : 1, (uint64_t)d, err))) goto done;
    if (!(p = wfm_probe_alloc(t, d, K))) { s = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto done; }
    if (K) {
        char **v = NULL;
        s = names(classes, K, "classes", &v, err);
        free(p->class_names);
        p->class_names = v;
        if (s) goto done;
    }
    const wfm_json *feat = wfm_json_get(root, "features");
    if (feat && !wfm_json_is(feat, WFM_JSON_NULL) && (s = names(feat, d, "features", &p->feature_names, err))) goto done;
    const wfm_json *lam = wfm_json_get(root, "lambda");
    if (!wfm_json_is(lam, WFM_JSON_NUMBER) || !(wfm_json_number(lam) >= 0)) {
        s = wfm_fail(err, WFM_ERR_FORMAT, "probe: \"lambda\" must be a number >= 0");
        goto done;
    }
    p->lambda = wfm_json_number(lam);
    const wfm_json *bal = wfm_json_get(root, "balanced");
    p->balanced = wfm_json_is(bal, WFM_JSON_BOOL) && bal->u.boolean;
    const wfm_json *rel = wfm_json_get(root, "features_relative_to_group");
    if (rel && !wfm_json_is(rel, WFM_JSON_BOOL)) {
        s = wfm_fail(err, WFM_ERR_FORMAT, "probe: \"features_relative_to_group\" must be true or false");
        goto done;
    }
    p->relative = rel && rel->u.boolean;
    int64_t ntr = 0;
    if (wfm_json_int64(wfm_json_get(root, "n_train"), &ntr) && ntr > 0) p->n_train = (size_t)ntr;
    const wfm_json *hash = wfm_json_get(root, "encoder_weights_hash");
    if (hash && !wfm_json_is(hash, WFM_JSON_NULL)) {
        if (!wfm_json_is(hash, WFM_JSON_STRING) || hash->len == 0 || hash->len >= sizeof p->encoder_hash ||
            !wfm_json_string_is_c(hash)) {
            s = wfm_fail(err, WFM_ERR_FORMAT, "probe: \"encoder_weights_hash\" must be a hash string or null");
            goto done;
        }
        memcpy(p->encoder_hash, wfm_json_string(hash), hash->len + 1);
    }
    const wfm_json *solver = wfm_json_get(root, "solver");
    if (wfm_json_is(solver, WFM_JSON_OBJECT)) {
        get_int(solver, "iterations", 0, 1 << 30, &p->iterations);
        const wfm_json *c = wfm_json_get(solver, "converged");
        p->converged = !wfm_json_is(c, WFM_JSON_BOOL) || c->u.boolean;
        const wfm_json *l = wfm_json_get(solver, "loss"), *g = wfm_json_get(solver, "grad_inf");
        p->loss = wfm_json_is(l, WFM_JSON_NUMBER) ? wfm_json_number(l) : NAN;
        p->grad_norm = wfm_json_is(g, WFM_JSON_NUMBER) ? wfm_json_number(g) : NAN;
    }
    const wfm_json *cv = wfm_json_get(root, "cv");
    if (wfm_json_is(cv, WFM_JSON_OBJECT)) {
        const wfm_json *ls = wfm_json_get(cv, "lambdas"), *sc = wfm_json_get(cv, "scores");
        size_t nl = wfm_json_count(ls);
        if (wfm_json_is(ls, WFM_JSON_ARRAY) && wfm_json_is(sc, WFM_JSON_ARRAY) && nl == wfm_json_count(sc) &&
            nl <= WFM_PROBE_MAX_LAMBDAS) {
            p->n_cv = (int)nl;
            for (size_t i = 0; i < nl; i++) {
                const wfm_json *a = wfm_json_at(ls, i), *b = wfm_json_at(sc, i);
                p->cv_lambdas[i] = wfm_json_is(a, WFM_JSON_NUMBER) ? wfm_json_number(a) : NAN;
                p->cv_scores[i] = wfm_json_is(b, WFM_JSON_NUMBER) ? wfm_json_number(b) : NAN;
            }
            const char *mn = wfm_json_string(wfm_json_get(cv, "metric"));
            for (int k = 0; mn && k < WFM_METRIC_COUNT; k++)
                if (!strcmp(mn, wfm_metric_name((wfm_metric)k))) p->cv_metric = (wfm_metric)k;
        }
    }
    if ((s = parse_error_bands(wfm_json_get(root, "error_bands"), p, err))) goto done;
    const uint8_t *base = (const uint8_t *)data + st.data_offset;
    if ((s = read_tensor(&st, base, "probe.weight", p->weight, err)) ||
        (s = read_tensor(&st, base, "probe.bias", p->bias, err)) ||
        (s = read_tensor(&st, base, "probe.feature_mean", p->mean, err)) ||
        (s = read_tensor(&st, base, "probe.feature_std", p->std, err)))
        goto done;
    for (int j = 0; j < d; j++)
        if (!(p->std[j] > 0)) { s = wfm_fail(err, WFM_ERR_FORMAT, "probe: feature_std[%d] is not positive", j); goto done; }
done:
    wfm_json_free(doc);
    wfm_st_free(&st);
    if (s) { wfm_probe_free(p); return s; }
    *out = p;
    return WFM_OK;
}

wfm_status wfm_probe_load_file(const char *path, wfm_probe **out, wfm_error *err) {
    if (!path || !out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "probe load: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return wfm_fail(err, WFM_ERR_IO, "cannot open probe '%s'", path);
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = wfm_malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = cap < ((size_t)1 << 31) ? wfm_realloc(buf, cap * 2) : NULL;
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (!r) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory reading probe '%s'", path);
    if (bad) { free(buf); return wfm_fail(err, WFM_ERR_IO, "cannot read probe '%s'", path); }
    wfm_status s = wfm_probe_load_buffer(buf, n, out, err);
    free(buf);
    if (s) wfm_error_prefix(err, "%s", path);
    return s;
}
