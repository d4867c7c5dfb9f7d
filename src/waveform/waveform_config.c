/* The "waveform_encoder" architecture: its config (the rules of
 * tools/waveform_ref.py: waveform_config, made strict) and its tensor table.
 * docs/model-format.md, "Architecture waveform_encoder". */
#include "model/config.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "platform/json.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CFG_FAIL(err, ...) wfm_fail(err, WFM_ERR_CONFIG, "config: " __VA_ARGS__)

/* Keys that belong to the minute model: in a waveform config they mean a
 * mixed-up file, so they are refused rather than ignored. */
static const char *const MINUTE_KEYS[] = {"window_minutes", "patch_minutes", "decoder", "fill", "inherited_mask",
                                          "anchor", "anchor_rolling", "anchor_profile", "profile_smooth",
                                          "profile_tau", "edge_tau", "absent_residual", "personal_lambda",
                                          "personal_windows"};

/* An optional number member: `def` when absent; else finite and > 0. */
static wfm_status positive(const wfm_json *obj, const char *key, float def, float *out, wfm_error *err) {
    const wfm_json *v = wfm_json_get(obj, key);
    *out = def;
    if (!v) return WFM_OK;
    wfm_status st = wfm_cfg_float(v, key, out, err);
    if (st) return st;
    if (!(*out > 0)) return CFG_FAIL(err, "%s must be > 0 (got %.9g)", key, (double)*out);
    return WFM_OK;
}

/* {name, unit, mean, std, clip}: unit "" and mean 0, std 1, clip 10 (z-units,
 * symmetric) when omitted, as tools/waveform_ref.py fills them in. */
static wfm_status parse_channel(const wfm_json *v, int i, wfm_channel_cfg *ch, wfm_error *err) {
    char path[64];
    wfm_status st;
    if (!wfm_json_is(v, WFM_JSON_OBJECT)) return CFG_FAIL(err, "channels[%d] must be an object", i);
    snprintf(path, sizeof path, "channels[%d].name", i);
    if ((st = wfm_cfg_text(v, "name", path, 0, ch->name, sizeof ch->name, err))) return st;
    snprintf(path, sizeof path, "channels[%d].unit", i);
    if (wfm_json_get(v, "unit") && (st = wfm_cfg_text(v, "unit", path, 1, ch->unit, sizeof ch->unit, err)))
        return st;
    if (wfm_json_get(v, "kind") || wfm_json_get(v, "range") || wfm_json_get(v, "levels"))
        return CFG_FAIL(err, "channels[%d]: a waveform channel has no kind, range or levels (minute-model keys)", i);
    float clip = 10.0f;
    ch->mean = 0.0f;
    ch->std = 1.0f;
    const struct { const char *key; float *dst; int must_be_positive; } nums[] = {
        {"mean", &ch->mean, 0}, {"std", &ch->std, 1}, {"clip", &clip, 1}};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        const wfm_json *x = wfm_json_get(v, nums[k].key);
        if (!x) continue;
        snprintf(path, sizeof path, "channels[%d].%s", i, nums[k].key);
        if ((st = wfm_cfg_float(x, path, nums[k].dst, err))) return st;
        if (nums[k].must_be_positive && !(*nums[k].dst > 0))
            return CFG_FAIL(err, "%s must be > 0 (got %.9g)%s", path, (double)*nums[k].dst,
                            k == 2 ? "; it is one number, the z-range [-clip, clip]" : "");
    }
    ch->clip_min = -clip;
    ch->clip_max = clip;
    ch->kind = WFM_CHANNEL_CONTINUOUS;
    ch->range_min = -INFINITY;
    ch->range_max = INFINITY;
    return WFM_OK;
}

static wfm_status parse_channels(const wfm_json *root, wfm_config *c, wfm_error *err) {
    const wfm_json *chs = wfm_json_get(root, "channels");
    wfm_status st;
    if (!chs) return CFG_FAIL(err, "channels is missing");
    size_t nc = wfm_json_is(chs, WFM_JSON_ARRAY) ? wfm_json_count(chs) : 0;
    if (nc < 1 || nc > WFM_WAVE_MAX_CHANNELS)
        return CFG_FAIL(err, "channels must be an array of 1..%d channels (got %zu)", WFM_WAVE_MAX_CHANNELS, nc);
    if (!(c->channels = wfm_calloc(nc, sizeof *c->channels)))
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "config: out of memory");
    c->n_channels = (int)nc;
    for (int i = 0; i < c->n_channels; i++)
        if ((st = parse_channel(wfm_json_at(chs, (size_t)i), i, &c->channels[i], err)) ||
            (st = wfm_cfg_unique_name(c, i, err)))
            return st;
    return WFM_OK;
}

/* What the window is: the signal, its rate, T and P, and its normalisation. */
static wfm_status parse_window(const wfm_json *root, wfm_config *c, wfm_error *err) {
    wfm_waveform_cfg *w = &c->wave;
    char norm[16];
    wfm_status st;
    if ((st = wfm_cfg_text(root, "signal", "signal", 0, w->signal, sizeof w->signal, err))) return st;
    if (strcmp(w->signal, "accelerometer") && strcmp(w->signal, "ppg"))
        return CFG_FAIL(err, "signal must be 'accelerometer' or 'ppg' (got '%s')", w->signal);
    if ((st = wfm_cfg_float(wfm_json_get(root, "sample_rate_hz"), "sample_rate_hz", &w->sample_rate_hz, err)))
        return st;
    if (!(w->sample_rate_hz >= WFM_WAVE_MIN_RATE && w->sample_rate_hz <= WFM_WAVE_MAX_RATE))
        return CFG_FAIL(err, "sample_rate_hz must be in [%g, %g] (got %.9g)", (double)WFM_WAVE_MIN_RATE,
                        (double)WFM_WAVE_MAX_RATE, (double)w->sample_rate_hz);
    if ((st = wfm_cfg_int(root, "window_samples", "window_samples", 1, WFM_WAVE_MAX_WINDOW, &w->window_samples,
                          err)) ||
        (st = wfm_cfg_int(root, "patch_samples", "patch_samples", 1, WFM_WAVE_MAX_WINDOW, &w->patch_samples, err)))
        return st;
    if (w->window_samples % w->patch_samples)
        return CFG_FAIL(err, "window_samples (%d) must be a multiple of patch_samples (%d)", w->window_samples,
                        w->patch_samples);
    if ((st = wfm_cfg_text(root, "input_norm", "input_norm", 0, norm, sizeof norm, err))) return st;
    if (strcmp(norm, "fixed") && strcmp(norm, "window_z"))
        return CFG_FAIL(err, "input_norm must be 'fixed' or 'window_z' (got '%s')", norm);
    w->window_z = !strcmp(norm, "window_z");
    /* > 0, so a flat channel divides by a floor, never by zero */
    if ((st = positive(root, "window_std_floor", 1e-3f, &w->window_std_floor, err))) return st;
    return positive(root, "norm_eps", 1e-6f, &c->norm_eps, err);
}

/* "projection": absent or null (the embedding is the pooled encoder output),
 * or {"dim": E}. */
static wfm_status parse_projection(const wfm_json *root, wfm_config *c, wfm_error *err) {
    const wfm_json *p = wfm_json_get(root, "projection");
    if (!p || wfm_json_is(p, WFM_JSON_NULL)) return WFM_OK;
    if (!wfm_json_is(p, WFM_JSON_OBJECT)) return CFG_FAIL(err, "projection must be null or an object {\"dim\": E}");
    return wfm_cfg_int(p, "dim", "projection.dim", 1, WFM_CFG_MAX_DIM, &c->wave.proj_dim, err);
}

wfm_status wfm_waveform_config_parse(const wfm_json *root, wfm_config *c, wfm_error *err) {
    wfm_status st;
    if (c->format_version != 2)
        return CFG_FAIL(err, "architecture 'waveform_encoder' needs format_version 2 (got %d)", c->format_version);
    for (size_t k = 0; k < sizeof MINUTE_KEYS / sizeof *MINUTE_KEYS; k++)
        if (wfm_json_get(root, MINUTE_KEYS[k]))
            return CFG_FAIL(err, "%s is a key of the minute model (lsm2_mae), not of a waveform_encoder", MINUTE_KEYS[k]);
    if ((st = parse_window(root, c, err)) || (st = parse_channels(root, c, err)) ||
        (st = wfm_cfg_block(root, "encoder", 1, 1, &c->enc, err)) || (st = parse_projection(root, c, err)))
        return st;
    c->inherited_mask = 1; /* a token with a missing sample is not visible */
    c->head_width = 1;
    return WFM_OK;
}

/* ---- tensors (docs/model-format.md, "waveform_encoder: tensors") ---- */

size_t wfm_waveform_tensor_count(const wfm_config *c) {
    return 2 + 12 * (size_t)c->enc.layers + 2 + (c->wave.proj_dim ? 2 : 0);
}

void wfm_waveform_tensors(const wfm_config *c, wfm_tensor_spec *specs, size_t *n) {
    const uint64_t D = (uint64_t)c->enc.dim, CP = (uint64_t)c->n_channels * (uint64_t)c->wave.patch_samples;
    wfm_spec_linear(specs, n, "patch_embed", D, CP, WFM_PART_PATCH_EMBED);
    wfm_spec_stack(specs, n, "encoder", &c->enc, WFM_PART_ENCODER);
    if (c->wave.proj_dim) wfm_spec_linear(specs, n, "proj", (uint64_t)c->wave.proj_dim, D, WFM_PART_PROJ);
}
