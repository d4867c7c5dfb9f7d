/* The waveform-model forward pass (docs/model-format.md, "Architecture
 * waveform_encoder"; tools/waveform_ref.py): normalise the window, cut it
 * into time-patch tokens, encode the visible ones with the minute model's
 * encoder path (forward.c), pool, project. */
#include "model/model.h"
#include "platform/error.h"
#include <math.h>
#include <string.h>

/* z = clamp((x - m_c) / s_c, -clip_c, clip_c). "fixed": m_c, s_c are the
 * config's mean and std. "window_z": the mean and population std of the
 * channel's observed samples in this window (every one, also those in
 * tokens that are not visible), s_c at least window_std_floor * std_c, so
 * a device's gain and offset do not matter and a flat channel divides by
 * the floor. In double, as the f64 reference. */
static void channel_scale(const wfm_config *cfg, const float *x, int c, double *mean, double *scale) {
    const wfm_channel_cfg *ch = &cfg->channels[c];
    const int T = cfg->wave.window_samples, C = cfg->n_channels;
    *mean = ch->mean;
    *scale = ch->std;
    if (!cfg->wave.window_z) return;
    double sum = 0, sq = 0;
    int n = 0;
    for (int t = 0; t < T; t++) {
        float v = x[(size_t)t * C + c];
        if (!isnan(v)) sum += v, n++;
    }
    double m = n ? sum / n : 0.0; /* no sample: every token is hidden anyway */
    for (int t = 0; t < T; t++) {
        float v = x[(size_t)t * C + c];
        if (!isnan(v)) sq += ((double)v - m) * ((double)v - m);
    }
    double s = sqrt(sq / (n ? n : 1)), floor = (double)cfg->wave.window_std_floor * (double)ch->std;
    *mean = m;
    *scale = s > floor ? s : floor;
}

/* Token p holds samples [p*P, (p+1)*P) of every channel, channel-major:
 * patches[p, c*P + i] = z[p*P + i, c]. A token with any missing sample is
 * not visible (zeros, as the reference: its values never reach the
 * encoder in compact mode and are masked keys in attention mode).
 * Returns the visible count. */
static int tokenize(wfm_state *s, const float *x) {
    const wfm_model *m = s->model;
    const wfm_config *cfg = &m->cfg;
    wfm_workspace *ws = &s->ws;
    const int C = cfg->n_channels, P = cfg->wave.patch_samples, NP = m->n_patches, W = m->token_width;
    memset(ws->visible, 1, (size_t)NP);
    for (int c = 0; c < C; c++) {
        const wfm_channel_cfg *ch = &cfg->channels[c];
        double mean, scale;
        channel_scale(cfg, x, c, &mean, &scale);
        for (int p = 0; p < NP; p++) {
            float *z = ws->patches + (size_t)p * W + (size_t)c * P;
            for (int i = 0; i < P; i++) {
                float v = x[((size_t)p * P + i) * C + c];
                if (isnan(v)) {
                    ws->visible[p] = 0;
                    continue;
                }
                float zi = (float)(((double)v - mean) / scale);
                z[i] = zi < ch->clip_min ? ch->clip_min : zi > ch->clip_max ? ch->clip_max : zi;
            }
        }
    }
    int n_visible = 0;
    for (int p = 0; p < NP; p++) {
        if (!ws->visible[p]) memset(ws->patches + (size_t)p * W, 0, sizeof(float) * (size_t)W);
        n_visible += ws->visible[p];
    }
    return n_visible;
}

static wfm_status check_input(const wfm_config *cfg, const float *x, wfm_error *err) {
    const size_t n = (size_t)cfg->wave.window_samples * cfg->n_channels;
    for (size_t i = 0; i < n; i++)
        if (isinf(x[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "input value at sample %zu, channel '%s' is infinite (use NaN for missing)",
                            i / cfg->n_channels, cfg->channels[i % cfg->n_channels].name);
    return WFM_OK;
}

wfm_status wfm_waveform_run(wfm_state *s, const float *x, wfm_outputs *o, wfm_error *err) {
    const wfm_model *m = s->model;
    const wfm_config *cfg = &m->cfg;
    wfm_workspace *ws = &s->ws;
    if (o->reconstruction || o->imputed || o->fill_probability)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED,
                        "a waveform_encoder model has no decoder: it embeds windows, it cannot impute or "
                        "reconstruct them");
    wfm_status st = check_input(cfg, x, err);
    if (st) return st;
    int n_visible = tokenize(s, x);
    o->n_visible_tokens = n_visible;
    if (o->token_visible) memcpy(o->token_visible, ws->visible, (size_t)m->n_tokens);
    if (n_visible == 0)
        return wfm_fail(err, WFM_ERR_NO_DATA,
                        "the window has no visible token: each of its %d patches of %d samples misses at least "
                        "one sample of some channel",
                        m->n_patches, cfg->wave.patch_samples);
    wfm_encode_visible(s, n_visible);
    /* The pooled row goes through the projection head when there is one;
     * ws->xn is free once the encoder has run. */
    float *pooled = o->embedding && cfg->wave.proj_dim ? ws->xn : o->embedding;
    wfm_encoder_outputs(s, n_visible, pooled, o->token_embeddings);
    if (o->embedding && cfg->wave.proj_dim) wfm_linear_forward(s, &m->proj, pooled, 1, o->embedding);
    return WFM_OK;
}
