/* Accessors of a loaded model: its config, channels and weights hash. */
#include "model/model.h"
#include "platform/error.h"
#include <stdlib.h>
#include <string.h>

const char *wfm_version(void) { return "0.1.0"; }

void wfm_model_get_info(const wfm_model *m, wfm_model_info *o) {
    memset(o, 0, sizeof *o);
    if (!m) return;
    const wfm_config *c = &m->cfg;
    o->architecture = c->architecture;
    o->family = c->family;
    o->n_channels = c->n_channels;
    o->n_tokens = m->n_tokens;
    o->enc_dim = c->enc.dim; o->enc_layers = c->enc.layers;
    o->enc_heads = c->enc.heads; o->enc_mlp_dim = c->enc.mlp_dim;
    o->n_params = m->n_params;
    o->embedding_dim = c->enc.dim;
    if (c->family == WFM_FAMILY_WAVEFORM) { /* the minute model's fields stay 0 / NULL */
        const wfm_waveform_cfg *w = &c->wave;
        o->signal = w->signal;
        o->sample_rate_hz = w->sample_rate_hz;
        o->window_samples = w->window_samples;
        o->patch_samples = w->patch_samples;
        o->input_norm = w->window_z ? "window_z" : "fixed";
        o->window_std_floor = w->window_std_floor;
        o->projection_dim = w->proj_dim;
        if (w->proj_dim) o->embedding_dim = w->proj_dim;
        return;
    }
    o->window_minutes = c->window_minutes;
    o->patch_minutes = c->patch_minutes;
    o->has_decoder = c->has_decoder;
    if (c->has_decoder) {
        o->dec_dim = c->dec.dim; o->dec_layers = c->dec.layers;
        o->dec_heads = c->dec.heads; o->dec_mlp_dim = c->dec.mlp_dim;
    }
    o->fill = c->anchored ? "anchored" : "direct";
    o->inherited_mask = c->inherited_mask;
    o->anchor = c->cross_anchor ? "cross_channel" : "linear";
    o->n_anchor_rolling = c->n_rolling;
    o->anchor_rolling = c->rolling;
    o->edge_tau = c->edge_tau;
    o->absent_residual = c->absent_residual;
    o->anchor_profile = c->anchor_profile;
    o->personal_lambda = c->personal_lambda;
    o->personal_windows = c->personal_lambda > 0 ? c->personal_windows : 0;
    o->anchor_params = c->cross_anchor ? (size_t)c->n_channels * c->n_channels * (1 + c->n_rolling) +
                                             (size_t)c->n_channels * (1 + WFM_PROFILE_TERMS)
                                       : 0;
}

wfm_status wfm_model_get_channel(const wfm_model *m, int ch, wfm_channel_info *o, wfm_error *err) {
    if (!m || !o) return wfm_fail(err, WFM_ERR_INVALID_ARG, "NULL argument");
    if (ch < 0 || ch >= m->cfg.n_channels)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "channel %d out of range [0, %d)", ch, m->cfg.n_channels);
    const wfm_channel_cfg *c = &m->cfg.channels[ch];
    o->name = c->name;
    o->unit = c->unit;
    o->mean = c->mean;
    o->std = c->std;
    o->clip_min = c->clip_min;
    o->clip_max = c->clip_max;
    o->kind = c->kind;
    o->range_min = c->range_min;
    o->range_max = c->range_max;
    o->n_levels = c->n_levels;
    o->levels = c->n_levels ? c->levels : NULL;
    o->residual_others_missing = c->residual_others_missing;
    return WFM_OK;
}

int wfm_model_find_channel(const wfm_model *m, const char *name) {
    if (!m || !name) return -1;
    for (int c = 0; c < m->cfg.n_channels; c++)
        if (!strcmp(m->cfg.channels[c].name, name)) return c;
    return -1;
}

const char *wfm_model_config_json(const wfm_model *m) { return m ? m->config_json : NULL; }

const char *wfm_model_weights_hash(const wfm_model *m) { return m ? m->weights_hash : NULL; }

