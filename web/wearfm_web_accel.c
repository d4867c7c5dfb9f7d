/* Flat C entry points for the page's "heart rate from motion" (issue 10):
 * an accelerometer waveform model beside the minute model, a bounded live
 * buffer of raw samples per source, and an estimate from its latest full
 * window through the heart-rate and activity probes. Every rule is the
 * core's: the grid (wfm_waveform_from_samples, as the CSV reader), units and
 * plausibility, resampling and the window (wfm_waveform_prepare/window), the
 * motion summary and the probes' error bands; this file keeps samples and
 * moves results out through one getter per field. Errors: web/wearfm_web.h. */
#include "wearfm_web.h"
#include <math.h>
#include <stdlib.h>

/* A live buffer holds at most this many samples whatever its seconds (2 min at 2 kHz), so its memory is bounded. */
#define BUFFER_MAX_SAMPLES 240000

/* An accelerometer waveform model (3 axes in g), or 0 with the error set:
 * the page lays its samples out as x, y, z. */
EMSCRIPTEN_KEEPALIVE wfm_model *wfmw_accel_load(const void *data, size_t size, int n_threads) {
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = n_threads;
    wfm_model *m = NULL;
    wfmw_clear_error();
    if (wfm_model_load_buffer(data, size, &p, &m, &wfmw_error)) return NULL;
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    if (i.family != WFM_FAMILY_WAVEFORM || strcmp(i.signal, "accelerometer") || i.n_channels != 3) {
        WFMW_FAIL(WFM_ERR_UNSUPPORTED, "a %s model (%s, %d channels): heart rate from motion needs a 3-axis accelerometer "
                  "waveform model (waveform_encoder)", i.architecture, i.signal ? i.signal : "minutes", i.n_channels);
        wfm_model_free(m);
        return NULL;
    }
    return m;
}

EMSCRIPTEN_KEEPALIVE double wfmw_accel_rate_hz(const wfm_model *m) {
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    return i.sample_rate_hz;
}
EMSCRIPTEN_KEEPALIVE double wfmw_accel_window_seconds(const wfm_model *m) {
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    return i.window_samples / (double)i.sample_rate_hz;
}
EMSCRIPTEN_KEEPALIVE int wfmw_accel_embedding_dim(const wfm_model *m) {
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    return i.embedding_dim;
}

/* 0 when `probe` can give this model's estimate `kind` (0 heart rate: a
 * regression; 1 activity: a classifier), bound to the model's weights; else
 * -1 with the error set, so a wrong file is refused when it loads. */
EMSCRIPTEN_KEEPALIVE int wfmw_accel_check_probe(const wfm_model *m, const wfm_probe *probe, int kind) {
    wfmw_clear_error();
    wfm_probe_info pi;
    wfm_probe_get_info(probe, &pi);
    const int regression = pi.task != WFM_PROBE_LOGISTIC;
    if (kind == 0 && !regression) return WFMW_FAIL(WFM_ERR_INVALID_ARG, "it is a classifier; heart rate needs a ridge or linear probe"), -1;
    if (kind == 1 && regression) return WFMW_FAIL(WFM_ERR_INVALID_ARG, "it gives a number; the activity needs a classifier"), -1;
    if (!pi.encoder_hash) return WFMW_FAIL(WFM_ERR_INVALID_ARG, "it is not bound to an encoder"), -1;
    if (wfm_probe_check_model(probe, m, &wfmw_error)) return -1;
    if (pi.n_features != wfmw_accel_embedding_dim(m))
        return WFMW_FAIL(WFM_ERR_INVALID_ARG, "it takes %d features; the model's embedding has %d", pi.n_features,
                         wfmw_accel_embedding_dim(m)), -1;
    return 0;
}

/* ---- a source's live buffer: the newest `seconds` of its samples ---- */

typedef struct {
    double seconds;
    char unit[16];
    size_t n, cap, out_of_order;
    double *t_s, *xyz; /* [n], [n x 3] */
} accel_buffer;

/* unit: the samples' unit as the waveform readers name it ("m/s2", "mg", "g"). */
EMSCRIPTEN_KEEPALIVE accel_buffer *wfmw_accel_buffer_new(double seconds, const char *unit) {
    wfmw_clear_error();
    const char *stored = wfm_waveform_unit_stored(unit);
    if (!stored || strcmp(stored, "g") || strlen(unit) >= sizeof ((accel_buffer *)0)->unit) {
        WFMW_FAIL(WFM_ERR_INVALID_ARG, "'%.20s' is not a unit of acceleration the core reads", unit ? unit : "");
        return NULL;
    }
    if (!(seconds > 0 && seconds <= 3600)) {
        WFMW_FAIL(WFM_ERR_INVALID_ARG, "a live buffer keeps 0-3600 s, not %g", seconds);
        return NULL;
    }
    accel_buffer *b = calloc(1, sizeof *b);
    if (!b) { WFMW_FAIL(WFM_ERR_NO_MEMORY, "out of memory"); return NULL; }
    b->seconds = seconds;
    strcpy(b->unit, unit);
    return b;
}

EMSCRIPTEN_KEEPALIVE void wfmw_accel_buffer_free(accel_buffer *b) {
    if (!b) return;
    free(b->t_s);
    free(b->xyz);
    free(b);
}

/* Drops the samples older than `seconds` before the newest, and the oldest beyond the sample cap. */
static void trim(accel_buffer *b) {
    size_t k = 0;
    const double from = b->t_s[b->n - 1] - b->seconds;
    while (k < b->n && (b->t_s[k] < from || b->n - k > BUFFER_MAX_SAMPLES)) k++;
    if (!k) return;
    memmove(b->t_s, b->t_s + k, (b->n - k) * sizeof *b->t_s);
    memmove(b->xyz, b->xyz + 3 * k, (b->n - k) * 3 * sizeof *b->xyz);
    b->n -= k;
}

/* n samples: times (epoch ms) and x, y, z per sample in the buffer's unit
 * (NaN missing). A sample not after the newest one is dropped and counted:
 * the grid needs times in order (a sensor's clock may repeat a millisecond).
 * Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_accel_push(accel_buffer *b, double n, const double *t_ms, const double *xyz) {
    wfmw_clear_error();
    if (!b || !(n >= 0 && n <= BUFFER_MAX_SAMPLES) || (n > 0 && (!t_ms || !xyz)))
        return WFMW_FAIL(WFM_ERR_INVALID_ARG, "wfmw_accel_push: bad sample arrays");
    size_t want = b->n + (size_t)n;
    if (want > b->cap) {
        size_t cap = want < 1024 ? 1024 : 2 * want;
        double *t = realloc(b->t_s, cap * sizeof *t);
        if (t) b->t_s = t;
        double *v = t ? realloc(b->xyz, 3 * cap * sizeof *v) : NULL;
        if (!v) return WFMW_FAIL(WFM_ERR_NO_MEMORY, "out of memory for the motion samples");
        b->xyz = v;
        b->cap = cap;
    }
    for (size_t i = 0; i < (size_t)n; i++) {
        const double t = t_ms[i] / 1000; /* the waveform's unix seconds */
        if (b->n && !(t > b->t_s[b->n - 1])) { b->out_of_order++; continue; }
        b->t_s[b->n] = t;
        memcpy(b->xyz + 3 * b->n, xyz + 3 * i, 3 * sizeof *xyz);
        b->n++;
    }
    if (b->n) trim(b);
    return WFM_OK;
}

/* Seconds from the oldest kept sample to the newest. */
EMSCRIPTEN_KEEPALIVE double wfmw_accel_buffer_seconds(const accel_buffer *b) {
    return b && b->n > 1 ? b->t_s[b->n - 1] - b->t_s[0] : 0;
}
EMSCRIPTEN_KEEPALIVE double wfmw_accel_buffer_out_of_order(const accel_buffer *b) { return b ? (double)b->out_of_order : 0; }

/* ---- the estimate of the latest full window ---- */

typedef struct {
    double start, hr_bpm, expected_mae_bpm, motion_g, observed, activity_p;
    const char *activity; /* the activity probe's class name (owned by the probe), or NULL */
    int dim;
    float embedding[]; /* [dim] */
} accel_estimate;

/* The last full model window of the buffer (the core's window rule, stride
 * one sample, so it ends with the newest samples), embedded, through the
 * probes (either may be 0: its fields are NaN / NULL). 0 with the error set;
 * WFM_ERR_NO_DATA while less than a window is buffered or no patch of it is
 * complete. The caller releases the estimate with wfmw_accel_estimate_free. */
EMSCRIPTEN_KEEPALIVE accel_estimate *wfmw_accel_estimate(wfm_model *m, const wfm_probe *hr, const wfm_probe *activity,
                                                         const accel_buffer *b) {
    wfmw_clear_error();
    if (!m || !b) { WFMW_FAIL(WFM_ERR_INVALID_ARG, "wfmw_accel_estimate: no model or buffer"); return NULL; }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const int T = info.window_samples, C = info.n_channels, E = info.embedding_dim;
    if (wfmw_accel_buffer_seconds(b) < T / (double)info.sample_rate_hz) {
        WFMW_FAIL(WFM_ERR_NO_DATA, "%.0f s of motion; the model reads %.0f s", wfmw_accel_buffer_seconds(b),
                  T / (double)info.sample_rate_hz);
        return NULL;
    }
    wfm_waveform *w = NULL, *p = NULL;
    float *x = malloc(sizeof *x * (size_t)T * C), *probs = NULL;
    accel_estimate *e = calloc(1, sizeof *e + sizeof(float) * (size_t)E);
    wfm_window_summary s;
    size_t count = 0;
    if (!x || !e) { WFMW_FAIL(WFM_ERR_NO_MEMORY, "out of memory"); goto fail; }
    if (wfm_waveform_from_samples(b->t_s, b->xyz, b->n, 3, b->unit, 0, &w, &wfmw_error) ||
        wfm_waveform_prepare(m, w, &p, &wfmw_error))
        goto fail;
    if (!(count = wfm_waveform_window_count(m, p, 1))) {
        WFMW_FAIL(WFM_ERR_NO_DATA, "the motion samples do not fill a window yet");
        goto fail;
    }
    if (wfm_waveform_window(m, p, count - 1, 1, x, &e->start, &s, &wfmw_error) ||
        wfm_embed(m, x, e->embedding, &wfmw_error))
        goto fail;
    e->dim = E;
    e->observed = s.observed;
    e->motion_g = s.motion_g;
    e->hr_bpm = e->expected_mae_bpm = e->activity_p = NAN;
    if (hr) {
        float bpm;
        if (wfm_probe_predict(hr, m, e->embedding, 1, (size_t)E, &bpm, NULL, &wfmw_error)) goto fail;
        e->hr_bpm = bpm;
        e->expected_mae_bpm = wfm_probe_expected_error(hr, &s);
    }
    if (activity) {
        wfm_probe_info pi;
        wfm_probe_get_info(activity, &pi);
        int k = 0;
        if (!(probs = malloc(sizeof *probs * (size_t)pi.n_outputs))) { WFMW_FAIL(WFM_ERR_NO_MEMORY, "out of memory"); goto fail; }
        if (wfm_probe_predict(activity, m, e->embedding, 1, (size_t)E, probs, &k, &wfmw_error)) goto fail;
        e->activity = wfm_probe_class_name(activity, k);
        e->activity_p = probs[k];
    }
    free(probs);
    free(x);
    wfm_waveform_free(p);
    wfm_waveform_free(w);
    return e;
fail:
    free(probs);
    free(x);
    free(e);
    wfm_waveform_free(p);
    wfm_waveform_free(w);
    return NULL;
}

EMSCRIPTEN_KEEPALIVE void wfmw_accel_estimate_free(accel_estimate *e) { free(e); }
/* The window's start, unix s (UTC). */
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_start(const accel_estimate *e) { return e->start; }
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_hr_bpm(const accel_estimate *e) { return e->hr_bpm; }
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_expected_mae_bpm(const accel_estimate *e) { return e->expected_mae_bpm; }
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_motion_g(const accel_estimate *e) { return e->motion_g; }
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_observed(const accel_estimate *e) { return e->observed; }
EMSCRIPTEN_KEEPALIVE const char *wfmw_estimate_activity(const accel_estimate *e) { return e->activity; }
EMSCRIPTEN_KEEPALIVE double wfmw_estimate_activity_p(const accel_estimate *e) { return e->activity_p; }
EMSCRIPTEN_KEEPALIVE int wfmw_estimate_embedding_dim(const accel_estimate *e) { return e->dim; }
EMSCRIPTEN_KEEPALIVE const float *wfmw_estimate_embedding(const accel_estimate *e) { return e->embedding; }
