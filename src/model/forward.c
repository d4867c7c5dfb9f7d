/* The minute-model forward pass (docs/model-format.md) on a state:
 * tokenize, encode, decode and the fills; wfm_run and its wrappers. The
 * model is only read; everything written lives in the state's workspace. */
#include "model/anchor_terms.h"
#include "model/model.h"
#include "platform/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Standardise, clip and cut into patches (token n = c*NP + p). A patch with
 * no observed minute is inherited-missing; inside a visible patch, missing
 * minutes take the mean of its observed z-values. Returns visible count. */
static int tokenize(const wfm_model *m, const float *x, float *patches, uint8_t *visible) {
    const wfm_config *cfg = &m->cfg;
    int C = cfg->n_channels, P = cfg->patch_minutes, NP = m->n_patches, n_visible = 0;
    for (int c = 0; c < C; c++) {
        const wfm_channel_cfg *ch = &cfg->channels[c];
        for (int p = 0; p < NP; p++) {
            float *z = patches + ((size_t)c * NP + p) * P;
            double sum = 0;
            int observed = 0;
            for (int i = 0; i < P; i++) {
                float v = x[((size_t)p * P + i) * C + c];
                if (isnan(v)) { z[i] = NAN; continue; }
                float zi = (v - ch->mean) / ch->std;
                zi = zi < ch->clip_min ? ch->clip_min : zi > ch->clip_max ? ch->clip_max : zi;
                z[i] = zi;
                sum += zi;
                observed++;
            }
            float fill = observed ? (float)(sum / observed) : 0.0f;
            for (int i = 0; i < P; i++)
                if (isnan(z[i])) z[i] = fill;
            visible[(size_t)c * NP + p] = observed > 0;
            n_visible += observed > 0;
        }
    }
    return n_visible;
}

/* The linear anchor of channel c, z[0..T): the edge line of its observed
 * (clipped) z-values. obs[t] is 1 for observed minutes. */
static void channel_anchor(const wfm_model *m, const float *x, int c, float *z, float *obs) {
    const wfm_config *cfg = &m->cfg;
    const wfm_channel_cfg *ch = &cfg->channels[c];
    const int T = cfg->window_minutes, C = cfg->n_channels;
    for (int t = 0; t < T; t++) {
        float v = x[(size_t)t * C + c];
        obs[t] = isnan(v) ? 0.0f : 1.0f;
        if (isnan(v)) continue;
        z[t] = wfm_clipped_z(ch, v);
    }
    wfm_edge_line(z, obs, T, z);
}

/* A channel's "residual": "others_missing": its gate is 0 at every minute
 * where another continuous or count channel is observed: there the
 * cross-channel anchor already carries what the others say, and the head's
 * residual made held-out people's heart rate worse (docs/model-format.md). */
static void others_missing_gate(const wfm_config *cfg, const float *minute_observed, int c, float *gate) {
    const int T = cfg->window_minutes;
    for (int j = 0; j < cfg->n_channels; j++) {
        if (j == c || cfg->channels[j].kind == WFM_CHANNEL_CATEGORY) continue;
        const float *obs = minute_observed + (size_t)j * T;
        for (int t = 0; t < T; t++)
            if (obs[t] != 0.0f) gate[t] = 0.0f;
    }
}

/* The anchor's parameters of this run: the person's (personal_lambda,
 * wfm_run_state_personal: [C*C*F weights, C biases, C*3 profile weights])
 * or the model's. */
static const float *anchor_weight(const wfm_state *s) {
    return s->anchor_params ? s->anchor_params : s->model->anchor_weight;
}
static const float *anchor_bias(const wfm_state *s) {
    const wfm_config *cfg = &s->model->cfg;
    return s->anchor_params ? s->anchor_params + (size_t)cfg->n_channels * cfg->n_channels * (1 + cfg->n_rolling)
                            : s->model->anchor_bias;
}
static const float *anchor_profile_weight(const wfm_state *s) {
    return s->anchor_params ? anchor_bias(s) + s->model->cfg.n_channels : s->model->anchor_profile_weight;
}

/* "anchor_profile": r += w0 * p + w1 * p * g + w2 * a * g * k, with p
 * channel c's profile (clipped z, 0 where unknown), k 1 where it is known,
 * a c's linear anchor and g = 1 - exp(-d/profile_tau), d the minutes to c's
 * nearest observation (1 when c has none): far from what was measured the
 * fill leaves the gap's edge values (w2 < 0) for the typical day (w1)
 * (docs/model-format.md). */
static void profile_terms(wfm_state *s, int c, float *r) {
    const wfm_model *m = s->model;
    const int T = m->cfg.window_minutes;
    const float *p = s->ws.profile + (size_t)c * T, *k = s->ws.profile_known + (size_t)c * T;
    const float *a = s->ws.anchor + (size_t)c * T, *w = anchor_profile_weight(s) + (size_t)c * WFM_PROFILE_TERMS;
    float *g = s->ws.profile_gate;
    if (w[0] == 0.0f && w[1] == 0.0f && w[2] == 0.0f) return;
    wfm_edge_gate(s->ws.minute_observed + (size_t)c * T, T, m->cfg.profile_tau, 1.0f, g);
    for (int t = 0; t < T; t++) r[t] += w[0] * p[t] + w[1] * (p[t] * g[t]) + w[2] * (a[t] * g[t] * k[t]);
}

/* The run's profile (original units [T x C], NaN unknown; NULL: none) as
 * clipped z-values by channel, 0 where unknown: an unknown profile adds
 * nothing to the anchor. */
static void set_profile(wfm_state *s, const float *profile) {
    const wfm_config *cfg = &s->model->cfg;
    const int C = cfg->n_channels, T = cfg->window_minutes;
    for (int c = 0; c < C; c++) {
        const wfm_channel_cfg *ch = &cfg->channels[c];
        float *z = s->ws.profile + (size_t)c * T, *known = s->ws.profile_known + (size_t)c * T;
        for (int t = 0; t < T; t++) {
            float v = profile ? profile[(size_t)t * C + c] : NAN;
            known[t] = isnan(v) ? 0.0f : 1.0f;
            z[t] = isnan(v) ? 0.0f : wfm_clipped_z(ch, v);
        }
    }
}

/* anchor "cross_channel" (docs/model-format.md): for each channel c,
 * r = bias_c + sum over the other channels' terms of weight[c, .] * term,
 * and the anchor a_c + r - edge_line(r) at c's missing minutes, clipped in
 * z. Reads the linear anchors ws->anchor and writes the result back. */
static void cross_anchor(wfm_state *s) {
    const wfm_model *m = s->model;
    const wfm_config *cfg = &m->cfg;
    wfm_workspace *ws = &s->ws;
    const int C = cfg->n_channels, T = cfg->window_minutes, F = 1 + cfg->n_rolling;
    float *r = ws->cross_series, *line = ws->cross_series + T;
    for (int j = 0; j < C; j++)
        wfm_cross_terms(cfg, ws->anchor + (size_t)j * T, ws->minute_observed + (size_t)j * T, ws->cross_prefix,
                    ws->cross_terms + (size_t)j * F * T);
    for (int c = 0; c < C; c++) {
        const float *w = anchor_weight(s) + (size_t)c * C * F, *obs = ws->minute_observed + (size_t)c * T;
        const float *a = ws->anchor + (size_t)c * T;
        float *out = ws->cross_anchor + (size_t)c * T;
        for (int t = 0; t < T; t++) r[t] = anchor_bias(s)[c];
        for (int k = 0; k < C * F; k++) {
            if (w[k] == 0.0f) continue; /* own columns and unused terms */
            const float *term = ws->cross_terms + (size_t)k * T;
            for (int t = 0; t < T; t++) r[t] += w[k] * term[t];
        }
        if (cfg->anchor_profile) profile_terms(s, c, r);
        wfm_edge_line(r, obs, T, line);
        const wfm_channel_cfg *ch = &cfg->channels[c];
        for (int t = 0; t < T; t++) {
            float v = obs[t] != 0.0f ? a[t] : a[t] + r[t] - line[t];
            out[t] = v < ch->clip_min ? ch->clip_min : v > ch->clip_max ? ch->clip_max : v;
        }
    }
    memcpy(ws->anchor, ws->cross_anchor, sizeof(float) * (size_t)C * T);
}

/* format_version 2: patches take the anchor at missing minutes; ws->anchor
 * and ws->anchor_in (anchor, observed flags) feed the anchored decoder;
 * ws->minute_observed holds each channel's observed flags.
 * Without the inherited mask (naive ablation) every minute counts as
 * observed and every token is visible. Returns the visible count. */
static int tokenize_v2(wfm_state *s, const float *x, const float *profile) {
    const wfm_model *m = s->model;
    const wfm_config *cfg = &m->cfg;
    wfm_workspace *ws = &s->ws;
    const int C = cfg->n_channels, P = cfg->patch_minutes, NP = m->n_patches, T = cfg->window_minutes;
    int n_visible = 0;
    for (int c = 0; c < C; c++) /* channel c's tokens are contiguous minutes */
        channel_anchor(m, x, c, ws->anchor + (size_t)c * T, ws->minute_observed + (size_t)c * T);
    if (cfg->anchor_profile) set_profile(s, profile);
    if (cfg->cross_anchor) cross_anchor(s);
    if (cfg->edge_tau > 0)
        for (int c = 0; c < C; c++) {
            wfm_edge_gate(ws->minute_observed + (size_t)c * T, T, cfg->edge_tau, cfg->absent_residual ? 1.0f : 0.0f,
                      ws->edge_gate + (size_t)c * T);
            if (cfg->channels[c].residual_others_missing)
                others_missing_gate(cfg, ws->minute_observed, c, ws->edge_gate + (size_t)c * T);
        }
    for (int c = 0; c < C; c++) {
        const float *z = ws->anchor + (size_t)c * T, *obs = ws->minute_observed + (size_t)c * T;
        for (int p = 0; p < NP; p++) {
            size_t n = (size_t)c * NP + p;
            float *in = ws->anchor_in + n * 2 * P;
            int observed = 0;
            for (int i = 0; i < P; i++) {
                float o = cfg->inherited_mask ? obs[p * P + i] : 1.0f;
                observed += o != 0;
                in[i] = z[p * P + i];
                in[P + i] = o;
            }
            ws->visible[n] = observed > 0;
            n_visible += observed > 0;
        }
    }
    memcpy(ws->patches, ws->anchor, sizeof(float) * (size_t)C * T);
    return n_visible;
}

/* what: "input" (the window) or "profile". */
static wfm_status check_input(const wfm_model *m, const float *x, const char *what, wfm_error *err) {
    size_t n = (size_t)m->cfg.window_minutes * m->cfg.n_channels;
    for (size_t i = 0; i < n; i++)
        if (isinf(x[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG,
                            "%s value at minute %zu, channel '%s' is infinite (use NaN for missing)", what,
                            i / m->cfg.n_channels, m->cfg.channels[i % m->cfg.n_channels].name);
    return WFM_OK;
}

/* Encoder over the visible tokens; writes ws->enc_out rows for every token
 * that went through (all N in attention mode, the visible ones otherwise),
 * indexed by token. P is the token's width (model.h). */
void wfm_encode_visible(wfm_state *s, int n_visible) {
    const wfm_model *m = s->model;
    wfm_workspace *ws = &s->ws;
    const int D = m->cfg.enc.dim, P = m->token_width, N = m->n_tokens;
    for (int t = 0, k = 0; t < N; t++)
        if (ws->visible[t]) ws->visible_index[k++] = t;
    int compact = s->mask_mode == WFM_MASK_COMPACT;
    int n = compact ? n_visible : N;
    /* Compaction gathers the visible patches. */
    float *rows = ws->patches;
    if (compact) {
        rows = ws->visible_patches;
        for (int i = 0; i < n; i++)
            memcpy(rows + (size_t)i * P, ws->patches + (size_t)ws->visible_index[i] * P, sizeof(float) * P);
    }
    wfm_linear_forward(s, &m->patch_embed, rows, n, ws->h);
    for (int i = 0; i < n; i++) {
        int tok = compact ? ws->visible_index[i] : i;
        float *h = ws->h + (size_t)i * D;
        const float *pos = m->enc.pos + (size_t)tok * D;
        for (int d = 0; d < D; d++) h[d] += pos[d];
    }
    float *out = ws->stack_out;
    wfm_stack_forward(s, &m->enc, ws->h, n, compact ? NULL : ws->visible, out);
    for (int i = 0; i < n; i++) {
        int tok = compact ? ws->visible_index[i] : i;
        memcpy(ws->enc_out + (size_t)tok * D, out + (size_t)i * D, sizeof(float) * D);
    }
}

void wfm_encoder_outputs(const wfm_state *s, int n_visible, float *pooled, float *token_embeddings) {
    const wfm_model *m = s->model;
    const wfm_workspace *ws = &s->ws;
    const int D = m->cfg.enc.dim, N = m->n_tokens;
    if (pooled) {
        for (int d = 0; d < D; d++) {
            double sum = 0;
            for (int i = 0; i < n_visible; i++) sum += ws->enc_out[(size_t)ws->visible_index[i] * D + d];
            pooled[d] = (float)(sum / n_visible);
        }
    }
    if (token_embeddings) {
        for (int t = 0; t < N; t++) {
            float *dst = token_embeddings + (size_t)t * D;
            if (ws->visible[t]) memcpy(dst, ws->enc_out + (size_t)t * D, sizeof(float) * D);
            else for (int d = 0; d < D; d++) dst[d] = NAN;
        }
    }
}

static void decode(wfm_state *s, int n_visible) {
    const wfm_model *m = s->model;
    wfm_workspace *ws = &s->ws;
    const int De = m->cfg.enc.dim, Dd = m->cfg.dec.dim, N = m->n_tokens;
    /* Project the visible tokens, then lay out all N with mask tokens (xn and
     * tmp are the blocks' scratch, free until the decoder stack runs). */
    float *vis_in = ws->xn, *vis_out = ws->tmp;
    for (int i = 0; i < n_visible; i++)
        memcpy(vis_in + (size_t)i * De, ws->enc_out + (size_t)ws->visible_index[i] * De, sizeof(float) * De);
    wfm_linear_forward(s, &m->dec_embed, vis_in, n_visible, vis_out);
    for (int t = 0; t < N; t++)
        if (!ws->visible[t]) memcpy(ws->h + (size_t)t * Dd, m->mask_token, sizeof(float) * Dd);
    for (int i = 0; i < n_visible; i++)
        memcpy(ws->h + (size_t)ws->visible_index[i] * Dd, vis_out + (size_t)i * Dd, sizeof(float) * Dd);
    if (m->cfg.anchored) { /* every token's anchor and observed flags */
        wfm_linear_forward(s, &m->anchor_embed, ws->anchor_in, N, ws->xn);
        for (size_t i = 0; i < (size_t)N * Dd; i++) ws->h[i] += ws->xn[i];
    }
    for (size_t i = 0; i < (size_t)N * Dd; i++) ws->h[i] += m->dec.pos[i];
    float *out = ws->stack_out;
    wfm_stack_forward(s, &m->dec, ws->h, N, NULL, out);
    wfm_linear_forward(s, &m->head, out, N, ws->dec_out);
}

/* format_version 2 outputs: each channel's values kept inside its kind
 * (docs/model-format.md): continuous and count values are the anchor plus
 * the head (anchored fill; times the edge gate with edge_tau) in original
 * units, clipped to the range; a
 * category is its most probable level (the lower one on a tie). */
static void write_fills_v2(const wfm_state *s, const float *x, wfm_outputs *o) {
    const wfm_model *m = s->model;
    const wfm_config *cfg = &m->cfg;
    const wfm_workspace *ws = &s->ws;
    const int C = cfg->n_channels, P = cfg->patch_minutes, NP = m->n_patches, K = cfg->head_width;
    for (int c = 0; c < C; c++) {
        const wfm_channel_cfg *ch = &cfg->channels[c];
        for (int t = 0; t < cfg->window_minutes; t++) {
            size_t n = (size_t)c * NP + t / P, idx = (size_t)t * C + c;
            const float *row = ws->dec_out + (n * P + (size_t)(t % P)) * K;
            float v, prob = NAN;
            if (ch->kind == WFM_CHANNEL_CATEGORY) {
                int best = 0;
                for (int k = 1; k < ch->n_levels; k++)
                    if (row[k] > row[best]) best = k;
                double sum = 0;
                for (int k = 0; k < ch->n_levels; k++) sum += exp((double)row[k] - (double)row[best]);
                v = ch->levels[best];
                prob = (float)(1.0 / sum);
            } else {
                float r = cfg->edge_tau > 0 ? row[0] * ws->edge_gate[(size_t)c * cfg->window_minutes + t] : row[0];
                float z = r + (cfg->anchored ? ws->anchor[n * P + (size_t)(t % P)] : 0.0f);
                v = z * ch->std + ch->mean;
                v = v < ch->range_min ? ch->range_min : v > ch->range_max ? ch->range_max : v;
            }
            int missing = isnan(x[idx]);
            if (o->reconstruction) o->reconstruction[idx] = v;
            if (o->imputed) o->imputed[idx] = missing ? v : x[idx];
            if (o->fill_probability && missing) o->fill_probability[idx] = prob;
        }
    }
}

wfm_status wfm_run_state(wfm_state *s, const float *x, wfm_outputs *o, wfm_error *err) {
    return wfm_run_state_profile(s, x, NULL, o, err);
}

wfm_status wfm_run_state_profile(wfm_state *s, const float *x, const float *profile, wfm_outputs *o, wfm_error *err) {
    if (!s || !x || !o) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_run: NULL argument");
    const wfm_model *m = s->model;
    if (m->cfg.family == WFM_FAMILY_WAVEFORM) {
        if (profile) return wfm_fail(err, WFM_ERR_UNSUPPORTED, "a waveform model takes no profile");
        return wfm_waveform_run(s, x, o, err);
    }
    wfm_status st = check_input(m, x, "input", err);
    if (!st && profile) st = check_input(m, profile, "profile", err);
    if (st) return st;
    const wfm_config *cfg = &m->cfg;
    wfm_workspace *ws = &s->ws;
    const int N = m->n_tokens, C = cfg->n_channels, P = cfg->patch_minutes,
              NP = m->n_patches;
    int want_decoder = o->reconstruction || o->imputed || o->fill_probability;
    if (want_decoder && !cfg->has_decoder)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "this model has no decoder: it can embed but not reconstruct");

    int n_visible = cfg->format_version >= 2 ? tokenize_v2(s, x, profile) : tokenize(m, x, ws->patches, ws->visible);
    o->n_visible_tokens = n_visible;
    if (o->token_visible) memcpy(o->token_visible, ws->visible, (size_t)N);
    if (n_visible == 0)
        return wfm_fail(err, WFM_ERR_NO_DATA, "the window has no observed minute in any channel");
    wfm_encode_visible(s, n_visible);
    wfm_encoder_outputs(s, n_visible, o->embedding, o->token_embeddings);
    if (o->fill_probability)
        for (size_t i = 0; i < (size_t)cfg->window_minutes * C; i++) o->fill_probability[i] = NAN;
    if (want_decoder && cfg->format_version >= 2) {
        decode(s, n_visible);
        write_fills_v2(s, x, o);
    } else if (want_decoder) {
        decode(s, n_visible);
        for (int c = 0; c < C; c++) {
            const wfm_channel_cfg *ch = &cfg->channels[c];
            for (int p = 0; p < NP; p++)
                for (int i = 0; i < P; i++) {
                    size_t idx = ((size_t)p * P + i) * C + c;
                    float v = ws->dec_out[((size_t)c * NP + p) * P + i] * ch->std + ch->mean;
                    if (o->reconstruction) o->reconstruction[idx] = v;
                    if (o->imputed) o->imputed[idx] = isnan(x[idx]) ? v : x[idx];
                }
        }
    }
    return WFM_OK;
}

wfm_status wfm_run_state_personal(wfm_state *s, const float *x, const float *profile, const float *anchor_params,
                                  wfm_outputs *o, wfm_error *err) {
    if (!anchor_params) return wfm_run_state_profile(s, x, profile, o, err);
    if (!s || !x || !o) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_run: NULL argument");
    const wfm_config *cfg = &s->model->cfg;
    if (cfg->family != WFM_FAMILY_MINUTE || !cfg->cross_anchor || !cfg->anchor_profile)
        return wfm_fail(err, WFM_ERR_UNSUPPORTED, "this model takes no anchor parameters (no anchor_profile)");
    const size_t n = (size_t)cfg->n_channels * cfg->n_channels * (1 + cfg->n_rolling) +
                     (size_t)cfg->n_channels * (1 + WFM_PROFILE_TERMS);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(anchor_params[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "anchor parameter %zu is not finite", i);
    s->anchor_params = anchor_params;
    wfm_status st = wfm_run_state_profile(s, x, profile, o, err);
    s->anchor_params = NULL;
    return st;
}

wfm_status wfm_embed_state(wfm_state *s, const float *x, float *embedding, wfm_error *err) {
    wfm_outputs o = {0};
    o.embedding = embedding;
    return wfm_run_state(s, x, &o, err);
}

wfm_status wfm_impute_state(wfm_state *s, const float *x, float *imputed, wfm_error *err) {
    wfm_outputs o = {0};
    o.imputed = imputed;
    return wfm_run_state(s, x, &o, err);
}

wfm_status wfm_reconstruct_state(wfm_state *s, const float *x, float *reconstruction, wfm_error *err) {
    wfm_outputs o = {0};
    o.reconstruction = reconstruction;
    return wfm_run_state(s, x, &o, err);
}

/* The model-level calls run the model's default state. */
#define DEFAULT_STATE(m) ((m) ? (m)->default_state : NULL)

wfm_status wfm_run(wfm_model *m, const float *x, wfm_outputs *o, wfm_error *err) {
    return wfm_run_state(DEFAULT_STATE(m), x, o, err);
}

wfm_status wfm_run_profile(wfm_model *m, const float *x, const float *profile, wfm_outputs *o, wfm_error *err) {
    return wfm_run_state_profile(DEFAULT_STATE(m), x, profile, o, err);
}

wfm_status wfm_run_personal(wfm_model *m, const float *x, const float *profile, const float *anchor_params,
                            wfm_outputs *o, wfm_error *err) {
    return wfm_run_state_personal(DEFAULT_STATE(m), x, profile, anchor_params, o, err);
}

wfm_status wfm_embed(wfm_model *m, const float *x, float *embedding, wfm_error *err) {
    return wfm_embed_state(DEFAULT_STATE(m), x, embedding, err);
}

wfm_status wfm_impute(wfm_model *m, const float *x, float *imputed, wfm_error *err) {
    return wfm_impute_state(DEFAULT_STATE(m), x, imputed, err);
}

wfm_status wfm_reconstruct(wfm_model *m, const float *x, float *reconstruction, wfm_error *err) {
    return wfm_reconstruct_state(DEFAULT_STATE(m), x, reconstruction, err);
}
