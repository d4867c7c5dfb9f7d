/* The window rule of waveform models, in one place for the CLI, WASI, the
 * page and the Python package (docs/data.md, "Windows of a waveform"):
 * check a recording against the model's channels and unit, resample it to
 * the model's rate, cut full windows of T samples from the first sample,
 * and summarise each window (observed fraction, motion_g). */
#include "wearfm.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The stored unit a model's signal needs (src/waveform/waveform_units.c stores every
 * acceleration in g; other signals stay as recorded). */
static const char *signal_unit(const char *signal) { return !strcmp(signal, "accelerometer") ? "g" : ""; }

static const char *unit_shown(const char *u) { return u[0] ? u : "as recorded"; }

wfm_status wfm_waveform_prepare(const wfm_model *model, const wfm_waveform *w, wfm_waveform **prepared,
                                wfm_error *err) {
    if (!model || !w || !prepared || !w->samples || !w->unit)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_waveform_prepare: NULL argument");
    *prepared = NULL;
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    if (info.family != WFM_FAMILY_WAVEFORM)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "a %s model reads minute tables, not waveforms", info.architecture);
    const char *need = signal_unit(info.signal);
    for (int c = 0; c < info.n_channels; c++) { /* a model in m/s2 would silently get values 9.8x too small */
        wfm_channel_info ch;
        wfm_model_get_channel(model, c, &ch, NULL);
        if (need[0] && ch.unit[0] && strcmp(ch.unit, need))
            return wfm_fail(err, WFM_ERR_UNSUPPORTED, "the model's channel '%s' is in '%s'; waveforms store %s in %s",
                            ch.name, ch.unit, info.signal, need);
    }
    if (w->channels != info.n_channels)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the model (%s) takes %d channel%s; the waveform has %d", info.signal,
                        info.n_channels, info.n_channels == 1 ? "" : "s", w->channels);
    if (strcmp(w->unit, need))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the model (%s) takes samples %s%s; the waveform's are %s%s",
                        info.signal, need[0] ? "in " : "", unit_shown(need), w->unit[0] ? "in " : "",
                        unit_shown(w->unit));
    const double rate = (double)info.sample_rate_hz;
    const int C = w->channels;
    size_t n = w->n;
    wfm_status st = WFM_OK;
    if (w->rate != rate && (st = wfm_resample_length(w->n, C, w->rate, rate, &n, err))) return st;
    if (n > WFM_WAVEFORM_MAX_VALUES / (size_t)C)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "at %g Hz the waveform is %zu samples x %d channels, more than the "
                        "limit of %zu values", rate, n, C, (size_t)WFM_WAVEFORM_MAX_VALUES);
    wfm_waveform *p = wfm_calloc(1, sizeof *p);
    if (!p || !(p->samples = wfm_malloc(n * (size_t)C * sizeof(float)))) {
        free(p);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %zu samples x %d channels", n, C);
    }
    p->start = w->start;
    p->rate = rate;
    p->channels = C;
    p->n = n;
    p->unit = need; /* static, equal to w->unit */
    memcpy(p->dropped, w->dropped, sizeof p->dropped);
    if (w->rate == rate) memcpy(p->samples, w->samples, n * (size_t)C * sizeof(float));
    else st = wfm_resample(w->samples, w->n, C, w->rate, rate, p->samples, n, err);
    if (st) { wfm_waveform_free(p); return st; }
    *prepared = p;
    return WFM_OK;
}

/* Full windows only, as the models were trained (tools/accel_data.py):
 * starts 0, stride, 2 stride, ... while the window ends inside the recording. */
size_t wfm_waveform_window_count(const wfm_model *model, const wfm_waveform *prepared, size_t stride) {
    wfm_model_info info;
    if (!model || !prepared) return 0;
    wfm_model_get_info(model, &info);
    const size_t T = (size_t)info.window_samples;
    if (!T || prepared->n < T) return 0;
    return (prepared->n - T) / (stride ? stride : T) + 1;
}

void wfm_window_summarize(const wfm_model *model, const float *x, wfm_window_summary *out) {
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    const int T = info.window_samples, C = info.n_channels;
    const int accel = info.family == WFM_FAMILY_WAVEFORM && !strcmp(info.signal, "accelerometer");
    /* A sample is observed when every channel is (a token needs all of its
     * samples); motion_g is the population standard deviation of the
     * magnitude |a| over those samples, two passes in double. */
    size_t n = 0;
    double sum = 0, sq = 0;
    for (int pass = 0; pass < 2; pass++) {
        const double mean = n ? sum / (double)n : 0;
        for (int t = 0; t < T; t++) {
            double m2 = 0;
            int ok = 1;
            for (int c = 0; c < C; c++) {
                float v = x[(size_t)t * C + c];
                ok &= !isnan(v);
                m2 += (double)v * v;
            }
            if (!ok) continue;
            if (pass == 0) sum += sqrt(m2), n++;
            else sq += (sqrt(m2) - mean) * (sqrt(m2) - mean);
        }
    }
    out->observed = T ? (double)n / T : 0;
    out->motion_g = accel && n ? sqrt(sq / (double)n) : NAN;
}

wfm_status wfm_waveform_window(const wfm_model *model, const wfm_waveform *prepared, size_t index, size_t stride,
                               float *x, double *start_time, wfm_window_summary *summary, wfm_error *err) {
    if (!model || !prepared || !x) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_waveform_window: NULL argument");
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    if (info.family != WFM_FAMILY_WAVEFORM || prepared->rate != (double)info.sample_rate_hz ||
        prepared->channels != info.n_channels)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "the waveform was not prepared for this model (wfm_waveform_prepare)");
    const size_t T = (size_t)info.window_samples, C = (size_t)info.n_channels, step = stride ? stride : T;
    const size_t count = wfm_waveform_window_count(model, prepared, stride);
    if (index >= count)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "window %zu of %zu (stride %zu samples)", index, count, step);
    memcpy(x, prepared->samples + index * step * C, T * C * sizeof(float));
    if (start_time) *start_time = prepared->start + (double)(index * step) / prepared->rate;
    if (summary) wfm_window_summarize(model, x, summary);
    return WFM_OK;
}
