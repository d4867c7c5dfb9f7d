/* Model config parsing. Every rule of docs/model-format.md is checked here so
 * the rest of the runtime can trust the numbers; messages name the field. */
#include "model/config.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "platform/json.h"
#include "model/safetensors.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_FAIL(err, ...) wfm_fail(err, WFM_ERR_CONFIG, "config: " __VA_ARGS__)

/* What a value is, for "(got ...)": the number itself, else its type. */
static void describe(char *buf, size_t cap, const wfm_json *v) {
    if (wfm_json_is(v, WFM_JSON_NUMBER)) snprintf(buf, cap, "%.9g", v->u.number);
    else snprintf(buf, cap, "%s", wfm_json_kind(v->type));
}

/* Integer member `key` of obj in [lo, hi]; path is the field name in messages. */
wfm_status wfm_cfg_int(const wfm_json *obj, const char *key, const char *path, int lo, int hi,
                          int *out, wfm_error *err) {
    const wfm_json *v = wfm_json_get(obj, key);
    int64_t x;
    char got[48];
    if (!v) return CFG_FAIL(err, "%s is missing", path);
    describe(got, sizeof got, v);
    if (!wfm_json_int64(v, &x)) return CFG_FAIL(err, "%s must be an integer (got %s)", path, got);
    if (x < lo || x > hi) return CFG_FAIL(err, "%s must be in %d..%d (got %s)", path, lo, hi, got);
    *out = (int)x;
    return WFM_OK;
}

/* Number member as a finite float. */
wfm_status wfm_cfg_float(const wfm_json *v, const char *path, float *out, wfm_error *err) {
    char got[48];
    if (!v) return CFG_FAIL(err, "%s is missing", path);
    describe(got, sizeof got, v);
    if (!wfm_json_is(v, WFM_JSON_NUMBER)) return CFG_FAIL(err, "%s must be a number (got %s)", path, got);
    float f = (float)v->u.number;
    if (!isfinite(f)) return CFG_FAIL(err, "%s is out of float range (got %s)", path, got);
    *out = f;
    return WFM_OK;
}

/* String member copied into dst[cap]: no NUL or control characters. */
wfm_status wfm_cfg_text(const wfm_json *obj, const char *key, const char *path, int allow_empty,
                           char *dst, size_t cap, wfm_error *err) {
    const wfm_json *v = wfm_json_get(obj, key);
    char got[48];
    if (!v) return CFG_FAIL(err, "%s is missing", path);
    if (!wfm_json_is(v, WFM_JSON_STRING)) {
        describe(got, sizeof got, v);
        return CFG_FAIL(err, "%s must be a string (got %s)", path, got);
    }
    if (!allow_empty && v->len == 0) return CFG_FAIL(err, "%s must not be empty", path);
    if (v->len >= cap) return CFG_FAIL(err, "%s is too long (%zu bytes, at most %zu)", path, v->len, cap - 1);
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->u.string[i];
        if (c < 0x20 || c == 0x7F)
            return CFG_FAIL(err, "%s contains a control character (byte 0x%02x)", path, c);
    }
    memcpy(dst, v->u.string, v->len + 1);
    return WFM_OK;
}

/* A [lo, hi] pair of finite numbers with lo < hi. */
static wfm_status get_pair(const wfm_json *a, const char *path, float *lo, float *hi, wfm_error *err) {
    char p[80];
    wfm_status st;
    if (!wfm_json_is(a, WFM_JSON_ARRAY) || wfm_json_count(a) != 2)
        return CFG_FAIL(err, "%s must be an array [min, max]", path);
    snprintf(p, sizeof p, "%s[0]", path);
    if ((st = wfm_cfg_float(wfm_json_at(a, 0), p, lo, err))) return st;
    snprintf(p, sizeof p, "%s[1]", path);
    if ((st = wfm_cfg_float(wfm_json_at(a, 1), p, hi, err))) return st;
    if (!(*lo < *hi)) return CFG_FAIL(err, "%s must have [0] < [1] (got [%.9g, %.9g])", path, (double)*lo, (double)*hi);
    return WFM_OK;
}

/* What a channel's values mean (format_version 2): its kind, the range its
 * fills are kept in, and a category's levels. Version 1 channels are
 * continuous without a range. */
static wfm_status parse_semantics(const wfm_json *v, int i, int version, wfm_channel_cfg *ch, wfm_error *err) {
    char path[64], kind[16];
    wfm_status st;
    const wfm_json *k = wfm_json_get(v, "kind"), *r = wfm_json_get(v, "range"), *lv = wfm_json_get(v, "levels");
    ch->kind = WFM_CHANNEL_CONTINUOUS;
    ch->range_min = -INFINITY;
    ch->range_max = INFINITY;
    if (version < 2) {
        if (k || r || lv) return CFG_FAIL(err, "channels[%d]: kind, range and levels need format_version 2", i);
        if (wfm_json_get(v, "residual")) return CFG_FAIL(err, "channels[%d].residual needs format_version 2", i);
        return WFM_OK;
    }
    if (k) {
        snprintf(path, sizeof path, "channels[%d].kind", i);
        if ((st = wfm_cfg_text(v, "kind", path, 0, kind, sizeof kind, err))) return st;
        if (!strcmp(kind, "continuous")) ch->kind = WFM_CHANNEL_CONTINUOUS;
        else if (!strcmp(kind, "count")) ch->kind = WFM_CHANNEL_COUNT;
        else if (!strcmp(kind, "category")) ch->kind = WFM_CHANNEL_CATEGORY;
        else return CFG_FAIL(err, "%s must be 'continuous', 'count' or 'category' (got '%s')", path, kind);
    }
    if (r) {
        snprintf(path, sizeof path, "channels[%d].range", i);
        if (ch->kind == WFM_CHANNEL_CATEGORY) return CFG_FAIL(err, "%s: a category has levels, not a range", path);
        if ((st = get_pair(r, path, &ch->range_min, &ch->range_max, err))) return st;
    }
    if (ch->kind == WFM_CHANNEL_COUNT && ch->range_min < 0) ch->range_min = 0; /* a count is never negative */
    const wfm_json *res = wfm_json_get(v, "residual");
    if (res) {
        char mode[16];
        snprintf(path, sizeof path, "channels[%d].residual", i);
        if ((st = wfm_cfg_text(v, "residual", path, 0, mode, sizeof mode, err))) return st;
        if (strcmp(mode, "always") && strcmp(mode, "others_missing"))
            return CFG_FAIL(err, "%s must be 'always' or 'others_missing' (got '%s')", path, mode);
        if (ch->kind == WFM_CHANNEL_CATEGORY) return CFG_FAIL(err, "%s: a category has no residual", path);
        ch->residual_others_missing = !strcmp(mode, "others_missing");
    }
    snprintf(path, sizeof path, "channels[%d].levels", i);
    if (ch->kind != WFM_CHANNEL_CATEGORY) {
        if (lv) return CFG_FAIL(err, "%s: only a category has levels", path);
        return WFM_OK;
    }
    if (!lv) return CFG_FAIL(err, "%s is missing (a category needs its levels)", path);
    size_t n = wfm_json_is(lv, WFM_JSON_ARRAY) ? wfm_json_count(lv) : 0;
    if (n < 2 || n > WFM_CFG_MAX_LEVELS)
        return CFG_FAIL(err, "%s must be an array of 2..%d numbers", path, WFM_CFG_MAX_LEVELS);
    for (size_t j = 0; j < n; j++) {
        char p[80];
        snprintf(p, sizeof p, "%s[%zu]", path, j);
        if ((st = wfm_cfg_float(wfm_json_at(lv, j), p, &ch->levels[j], err))) return st;
        if (j && !(ch->levels[j] > ch->levels[j - 1])) return CFG_FAIL(err, "%s must be increasing", path);
    }
    ch->n_levels = (int)n;
    return WFM_OK;
}

static wfm_status parse_channel(const wfm_json *v, int i, int version, wfm_channel_cfg *ch, wfm_error *err) {
    char path[64], got[48];
    wfm_status st;
    if (!wfm_json_is(v, WFM_JSON_OBJECT)) {
        describe(got, sizeof got, v);
        return CFG_FAIL(err, "channels[%d] must be an object (got %s)", i, got);
    }
    snprintf(path, sizeof path, "channels[%d].name", i);
    if ((st = wfm_cfg_text(v, "name", path, 0, ch->name, sizeof ch->name, err))) return st;
    snprintf(path, sizeof path, "channels[%d].unit", i);
    if ((st = wfm_cfg_text(v, "unit", path, 1, ch->unit, sizeof ch->unit, err))) return st;
    snprintf(path, sizeof path, "channels[%d].mean", i);
    if ((st = wfm_cfg_float(wfm_json_get(v, "mean"), path, &ch->mean, err))) return st;
    snprintf(path, sizeof path, "channels[%d].std", i);
    if ((st = wfm_cfg_float(wfm_json_get(v, "std"), path, &ch->std, err))) return st;
    if (!(ch->std > 0)) {
        describe(got, sizeof got, wfm_json_get(v, "std"));
        return CFG_FAIL(err, "%s must be > 0 (got %s)", path, got);
    }
    const wfm_json *clip = wfm_json_get(v, "clip");
    snprintf(path, sizeof path, "channels[%d].clip", i);
    if (!clip) return CFG_FAIL(err, "%s is missing", path);
    if (!wfm_json_is(clip, WFM_JSON_ARRAY) || wfm_json_count(clip) != 2)
        return CFG_FAIL(err, "%s must be an array [min, max]", path);
    snprintf(path, sizeof path, "channels[%d].clip[0]", i);
    if ((st = wfm_cfg_float(wfm_json_at(clip, 0), path, &ch->clip_min, err))) return st;
    snprintf(path, sizeof path, "channels[%d].clip[1]", i);
    if ((st = wfm_cfg_float(wfm_json_at(clip, 1), path, &ch->clip_max, err))) return st;
    if (!(ch->clip_min < ch->clip_max))
        return CFG_FAIL(err, "channels[%d].clip must have clip[0] < clip[1] (got [%.9g, %.9g])", i,
                        (double)ch->clip_min, (double)ch->clip_max);
    return parse_semantics(v, i, version, ch, err);
}

wfm_status wfm_cfg_block(const wfm_json *root, const char *key, int min_layers, int pos_axes,
                         wfm_block_cfg *b, wfm_error *err) {
    const wfm_json *v = wfm_json_get(root, key);
    char path[64], got[48];
    wfm_status st;
    if (!v) return CFG_FAIL(err, "%s is missing", key);
    if (!wfm_json_is(v, WFM_JSON_OBJECT)) {
        describe(got, sizeof got, v);
        return CFG_FAIL(err, "%s must be an object (got %s)", key, got);
    }
    snprintf(path, sizeof path, "%s.dim", key);
    if ((st = wfm_cfg_int(v, "dim", path, WFM_CFG_MIN_DIM, WFM_CFG_MAX_DIM, &b->dim, err))) return st;
    snprintf(path, sizeof path, "%s.layers", key);
    if ((st = wfm_cfg_int(v, "layers", path, min_layers, WFM_CFG_MAX_LAYERS, &b->layers, err))) return st;
    snprintf(path, sizeof path, "%s.heads", key);
    if ((st = wfm_cfg_int(v, "heads", path, 1, b->dim, &b->heads, err))) return st;
    snprintf(path, sizeof path, "%s.mlp_dim", key);
    if ((st = wfm_cfg_int(v, "mlp_dim", path, 1, WFM_CFG_MAX_MLP, &b->mlp_dim, err))) return st;
    if (pos_axes == 2 && b->dim % 4)
        return CFG_FAIL(err, "%s.dim must be divisible by 4 for 2D sin-cos positions (got %d)", key, b->dim);
    if (pos_axes == 1 && b->dim % 2)
        return CFG_FAIL(err, "%s.dim must be even for 1D sin-cos positions (got %d)", key, b->dim);
    if (b->dim % b->heads)
        return CFG_FAIL(err, "%s.dim (%d) must be divisible by %s.heads (%d)", key, b->dim, key, b->heads);
    return WFM_OK;
}

/* anchor "cross_channel": "anchor_profile" (true/false) adds the person's
 * typical day to the anchor, smoothed over +-"profile_smooth" minutes
 * (default 15, in 0..720) with its second term growing as 1 - exp(-d /
 * "profile_tau") (minutes, default 60, in (0, window_minutes]). */
static wfm_status parse_profile(const wfm_json *root, wfm_config *c, wfm_error *err) {
    const wfm_json *p = wfm_json_get(root, "anchor_profile"), *sm = wfm_json_get(root, "profile_smooth"),
                   *tau = wfm_json_get(root, "profile_tau"), *lam = wfm_json_get(root, "personal_lambda"),
                   *pw = wfm_json_get(root, "personal_windows");
    c->profile_smooth = 15;
    c->profile_tau = 60.0f;
    c->personal_windows = WFM_PERSONAL_WINDOWS;
    if (p) {
        if (!wfm_json_is(p, WFM_JSON_BOOL)) return CFG_FAIL(err, "anchor_profile must be true or false");
        c->anchor_profile = p->u.boolean;
    }
    if (!c->anchor_profile) {
        if (sm || tau) return CFG_FAIL(err, "profile_smooth and profile_tau need anchor_profile true");
        if (lam || pw) return CFG_FAIL(err, "personal_lambda and personal_windows need anchor_profile true");
        return WFM_OK;
    }
    /* "personal_lambda": the anchor is refitted on the person's history,
     * shrunk toward the model's weights with this weight (src/model/personal.c) */
    if (pw && !lam) return CFG_FAIL(err, "personal_windows needs personal_lambda");
    if (lam) {
        double v;
        if (!wfm_json_is(lam, WFM_JSON_NUMBER) || !((v = lam->u.number) > 0 && v <= 1e12))
            return CFG_FAIL(err, "personal_lambda must be a number in (0, 1e12]");
        c->personal_lambda = v;
    }
    if (pw) {
        int64_t k;
        if (!wfm_json_int64(pw, &k) || k < 1 || k > 366)
            return CFG_FAIL(err, "personal_windows must be an integer in 1..366");
        c->personal_windows = (int)k;
    }
    if (sm) {
        int64_t k;
        if (!wfm_json_int64(sm, &k) || k < 0 || k > 720)
            return CFG_FAIL(err, "profile_smooth must be an integer in 0..720 (minutes)");
        c->profile_smooth = (int)k;
    }
    if (tau) {
        wfm_status st = wfm_cfg_float(tau, "profile_tau", &c->profile_tau, err);
        if (st) return st;
        if (!(c->profile_tau > 0 && c->profile_tau <= (float)c->window_minutes))
            return CFG_FAIL(err, "profile_tau must be in (0, window_minutes] minutes");
    }
    return WFM_OK;
}

/* format_version 2: the anchor of an anchored fill, "linear" (default) or
 * "cross_channel" with "anchor_rolling", the half-widths of its rolling means,
 * "edge_tau", how fast the head's residual grows away from observations, and
 * "absent_residual", whether a channel without observations gets it at all
 * (docs/model-format.md). */
static wfm_status parse_anchor(const wfm_json *root, wfm_config *c, wfm_error *err) {
    const wfm_json *a = wfm_json_get(root, "anchor"), *r = wfm_json_get(root, "anchor_rolling");
    char kind[16] = "linear";
    wfm_status st;
    if (a && (st = wfm_cfg_text(root, "anchor", "anchor", 0, kind, sizeof kind, err))) return st;
    if (strcmp(kind, "linear") && strcmp(kind, "cross_channel"))
        return CFG_FAIL(err, "anchor must be 'linear' or 'cross_channel' (got '%s')", kind);
    c->cross_anchor = !strcmp(kind, "cross_channel");
    const wfm_json *tau = wfm_json_get(root, "edge_tau");
    if (tau) {
        if (!c->anchored) return CFG_FAIL(err, "edge_tau needs fill 'anchored'");
        if ((st = wfm_cfg_float(tau, "edge_tau", &c->edge_tau, err))) return st;
        if (!(c->edge_tau > 0 && c->edge_tau <= (float)c->window_minutes))
            return CFG_FAIL(err, "edge_tau must be in (0, window_minutes] minutes");
    }
    const wfm_json *absent = wfm_json_get(root, "absent_residual");
    c->absent_residual = 1;
    if (absent) {
        if (!wfm_json_is(absent, WFM_JSON_BOOL)) return CFG_FAIL(err, "absent_residual must be true or false");
        c->absent_residual = absent->u.boolean;
        if (!c->absent_residual && !(c->edge_tau > 0)) return CFG_FAIL(err, "absent_residual false needs edge_tau");
    }
    for (int i = 0; i < c->n_channels; i++)
        if (c->channels[i].residual_others_missing && !(c->edge_tau > 0))
            return CFG_FAIL(err, "channels[%d].residual 'others_missing' needs edge_tau", i);
    if (c->cross_anchor && !c->anchored) return CFG_FAIL(err, "anchor 'cross_channel' needs fill 'anchored'");
    if (!c->cross_anchor) {
        if (r) return CFG_FAIL(err, "anchor_rolling is for anchor 'cross_channel' only");
        if (wfm_json_get(root, "anchor_profile") || wfm_json_get(root, "profile_smooth") ||
            wfm_json_get(root, "profile_tau"))
            return CFG_FAIL(err, "anchor_profile, profile_smooth and profile_tau are for anchor 'cross_channel' only");
        if (wfm_json_get(root, "personal_lambda") || wfm_json_get(root, "personal_windows"))
            return CFG_FAIL(err, "personal_lambda and personal_windows need anchor_profile true");
        return WFM_OK;
    }
    if ((st = parse_profile(root, c, err))) return st;
    if (!r) return WFM_OK; /* no rolling means: the other channels' values only */
    if (!wfm_json_is(r, WFM_JSON_ARRAY) || wfm_json_count(r) > WFM_CFG_MAX_ROLLING)
        return CFG_FAIL(err, "anchor_rolling must be an array of at most %d half-widths", WFM_CFG_MAX_ROLLING);
    c->n_rolling = (int)wfm_json_count(r);
    for (int i = 0; i < c->n_rolling; i++) {
        int64_t k;
        if (!wfm_json_int64(wfm_json_at(r, (size_t)i), &k) || k < 1 || k > c->window_minutes)
            return CFG_FAIL(err, "anchor_rolling[%d] must be an integer in 1..%d (minutes)", i, c->window_minutes);
        c->rolling[i] = (int)k;
    }
    return WFM_OK;
}

/* format_version 2: how fills are made ("fill") and whether the input keeps
 * its inherited mask ("inherited_mask"); the head's width follows. */
static wfm_status parse_fill(const wfm_json *root, wfm_config *c, wfm_error *err) {
    const wfm_json *f = wfm_json_get(root, "fill"), *im = wfm_json_get(root, "inherited_mask");
    char fill[16] = "direct";
    wfm_status st;
    c->inherited_mask = 1;
    c->head_width = 1;
    if (c->format_version < 2) {
        if (f || im || wfm_json_get(root, "anchor") || wfm_json_get(root, "anchor_rolling") ||
            wfm_json_get(root, "edge_tau") || wfm_json_get(root, "anchor_profile") ||
            wfm_json_get(root, "absent_residual") || wfm_json_get(root, "personal_lambda") ||
            wfm_json_get(root, "personal_windows"))
            return CFG_FAIL(err, "fill, inherited_mask, anchor, anchor_profile, edge_tau and absent_residual "
                                 "need format_version 2");
        return WFM_OK;
    }
    if (f && (st = wfm_cfg_text(root, "fill", "fill", 0, fill, sizeof fill, err))) return st;
    if (strcmp(fill, "direct") && strcmp(fill, "anchored"))
        return CFG_FAIL(err, "fill must be 'direct' or 'anchored' (got '%s')", fill);
    c->anchored = !strcmp(fill, "anchored");
    if (im) {
        if (!wfm_json_is(im, WFM_JSON_BOOL)) return CFG_FAIL(err, "inherited_mask must be true or false");
        c->inherited_mask = im->u.boolean;
    }
    for (int i = 0; i < c->n_channels; i++)
        if (c->channels[i].n_levels > c->head_width) c->head_width = c->channels[i].n_levels;
    return parse_anchor(root, c, err);
}

wfm_status wfm_cfg_unique_name(const wfm_config *c, int i, wfm_error *err) {
    for (int j = 0; j < i; j++)
        if (!strcmp(c->channels[i].name, c->channels[j].name))
            return CFG_FAIL(err, "channels[%d].name '%s' repeats channels[%d].name", i, c->channels[i].name, j);
    return WFM_OK;
}

static wfm_status parse_root(const wfm_json *root, wfm_config *c, wfm_error *err) {
    wfm_status st;
    char got[48];
    if (!wfm_json_is(root, WFM_JSON_OBJECT)) {
        describe(got, sizeof got, root);
        return CFG_FAIL(err, "must be a JSON object (got %s)", got);
    }
    const wfm_json *fv = wfm_json_get(root, "format_version");
    int64_t ver;
    if (!fv) return CFG_FAIL(err, "format_version is missing");
    describe(got, sizeof got, fv);
    if (!wfm_json_int64(fv, &ver)) return CFG_FAIL(err, "format_version must be an integer (got %s)", got);
    if (ver != 1 && ver != 2) return CFG_FAIL(err, "format_version %s is not supported (this build reads 1 and 2)", got);
    c->format_version = (int)ver;

    if ((st = wfm_cfg_text(root, "architecture", "architecture", 0, c->architecture,
                       sizeof c->architecture, err)))
        return st;
    if (!strcmp(c->architecture, "waveform_encoder")) {
        c->family = WFM_FAMILY_WAVEFORM;
        return wfm_waveform_config_parse(root, c, err);
    }
    if (strcmp(c->architecture, "lsm2_mae"))
        return CFG_FAIL(err, "architecture '%s' is not supported (expected 'lsm2_mae' or 'waveform_encoder')",
                        c->architecture);
    c->family = WFM_FAMILY_MINUTE;

    if ((st = wfm_cfg_int(root, "window_minutes", "window_minutes", 1, WFM_CFG_MAX_WINDOW,
                      &c->window_minutes, err)) ||
        (st = wfm_cfg_int(root, "patch_minutes", "patch_minutes", 1, WFM_CFG_MAX_PATCH,
                      &c->patch_minutes, err)))
        return st;
    if (c->window_minutes % c->patch_minutes)
        return CFG_FAIL(err, "window_minutes (%d) must be a multiple of patch_minutes (%d)",
                        c->window_minutes, c->patch_minutes);

    c->norm_eps = 1e-6f;
    const wfm_json *eps = wfm_json_get(root, "norm_eps");
    if (eps) {
        if ((st = wfm_cfg_float(eps, "norm_eps", &c->norm_eps, err))) return st;
        if (!(c->norm_eps > 0)) {
            describe(got, sizeof got, eps);
            return CFG_FAIL(err, "norm_eps must be > 0 (got %s)", got);
        }
    }

    const wfm_json *chs = wfm_json_get(root, "channels");
    if (!chs) return CFG_FAIL(err, "channels is missing");
    if (!wfm_json_is(chs, WFM_JSON_ARRAY)) {
        describe(got, sizeof got, chs);
        return CFG_FAIL(err, "channels must be an array (got %s)", got);
    }
    size_t nc = wfm_json_count(chs);
    if (nc < 1 || nc > WFM_CFG_MAX_CHANNELS)
        return CFG_FAIL(err, "channels must have 1..%d entries (got %zu)", WFM_CFG_MAX_CHANNELS, nc);
    c->channels = wfm_calloc(nc, sizeof *c->channels);
    if (!c->channels) return wfm_fail(err, WFM_ERR_NO_MEMORY, "config: out of memory");
    c->n_channels = (int)nc;
    for (int i = 0; i < c->n_channels; i++) {
        if ((st = parse_channel(wfm_json_at(chs, (size_t)i), i, c->format_version, &c->channels[i], err)) ||
            (st = wfm_cfg_unique_name(c, i, err)))
            return st;
    }

    if ((st = wfm_cfg_block(root, "encoder", 1, 2, &c->enc, err))) return st;
    const wfm_json *dec = wfm_json_get(root, "decoder");
    if (dec && !wfm_json_is(dec, WFM_JSON_NULL)) {
        if ((st = wfm_cfg_block(root, "decoder", 0, 2, &c->dec, err))) return st;
        c->has_decoder = 1;
    }
    return parse_fill(root, c, err);
}

wfm_status wfm_config_parse(const char *json, size_t len, wfm_config *out, wfm_error *err) {
    if (!out || (!json && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "config: NULL argument");
    memset(out, 0, sizeof *out);
    wfm_json_doc *doc = NULL;
    wfm_status st = wfm_json_parse(json, len, &doc, err);
    if (st) {
        if (st == WFM_ERR_FORMAT) st = WFM_ERR_CONFIG;
        if (err) err->status = st;
        wfm_error_prefix(err, "config");
        return st;
    }
    st = parse_root(wfm_json_root(doc), out, err);
    wfm_json_free(doc);
    if (st) wfm_config_free(out);
    return st;
}

void wfm_config_free(wfm_config *cfg) {
    if (!cfg) return;
    free(cfg->channels);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- required tensors ------------------------------------------------- */

size_t wfm_config_tensor_count(const wfm_config *cfg) {
    if (!cfg) return 0;
    if (cfg->family == WFM_FAMILY_WAVEFORM) return wfm_waveform_tensor_count(cfg);
    size_t n = 2 + 12 * (size_t)cfg->enc.layers + 2;
    if (cfg->has_decoder) n += 3 + 12 * (size_t)cfg->dec.layers + 2 + 2 + (cfg->anchored ? 2 : 0);
    if (cfg->cross_anchor) n += 2 + (cfg->anchor_profile ? 1 : 0);
    return n;
}

void wfm_spec_add(wfm_tensor_spec *specs, size_t *n, const char *prefix, const char *name, int ndim, uint64_t d0,
                  uint64_t d1, wfm_tensor_role role, wfm_tensor_part part, int layer, wfm_block_member member) {
    wfm_tensor_spec *s = &specs[(*n)++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s%s", prefix, name);
    s->ndim = ndim;
    s->shape[0] = d0;
    s->shape[1] = ndim > 1 ? d1 : 0;
    s->role = role;
    s->part = part;
    s->layer = layer;
    s->member = member;
}

void wfm_spec_linear(wfm_tensor_spec *specs, size_t *n, const char *prefix, uint64_t out, uint64_t in,
                     wfm_tensor_part part) {
    wfm_spec_add(specs, n, prefix, ".weight", 2, out, in, WFM_ROLE_WEIGHT, part, -1, WFM_MEMBER_NONE);
    wfm_spec_add(specs, n, prefix, ".bias", 1, out, 0, WFM_ROLE_BIAS, part, -1, WFM_MEMBER_NONE);
}

void wfm_spec_stack(wfm_tensor_spec *specs, size_t *n, const char *stack, const wfm_block_cfg *b,
                    wfm_tensor_part part) {
    const uint64_t d = (uint64_t)b->dim, m = (uint64_t)b->mlp_dim;
    static const struct {
        const char *name;
        wfm_block_member member;
        wfm_tensor_role role;
        int out_mult;   /* out = out_mult * dim, or mlp_dim when 0 */
        int in_mlp;     /* in = mlp_dim (else dim); 1D tensors ignore it */
    } BLOCK[12] = {
        {"norm1.weight", WFM_MEMBER_NORM1, WFM_ROLE_NORM_WEIGHT, 1, 0},
        {"norm1.bias", WFM_MEMBER_NORM1, WFM_ROLE_NORM_BIAS, 1, 0},
        {"attn.qkv.weight", WFM_MEMBER_QKV, WFM_ROLE_WEIGHT, 3, 0},
        {"attn.qkv.bias", WFM_MEMBER_QKV, WFM_ROLE_BIAS, 3, 0},
        {"attn.proj.weight", WFM_MEMBER_ATTN_PROJ, WFM_ROLE_WEIGHT, 1, 0},
        {"attn.proj.bias", WFM_MEMBER_ATTN_PROJ, WFM_ROLE_BIAS, 1, 0},
        {"norm2.weight", WFM_MEMBER_NORM2, WFM_ROLE_NORM_WEIGHT, 1, 0},
        {"norm2.bias", WFM_MEMBER_NORM2, WFM_ROLE_NORM_BIAS, 1, 0},
        {"mlp.fc1.weight", WFM_MEMBER_FC1, WFM_ROLE_WEIGHT, 0, 0},
        {"mlp.fc1.bias", WFM_MEMBER_FC1, WFM_ROLE_BIAS, 0, 0},
        {"mlp.fc2.weight", WFM_MEMBER_FC2, WFM_ROLE_WEIGHT, 1, 1},
        {"mlp.fc2.bias", WFM_MEMBER_FC2, WFM_ROLE_BIAS, 1, 1},
    };
    char p[40];
    for (int i = 0; i < b->layers; i++) {
        snprintf(p, sizeof p, "%s.layers.%d.", stack, i);
        for (int k = 0; k < 12; k++) {
            uint64_t out = BLOCK[k].out_mult ? (uint64_t)BLOCK[k].out_mult * d : m;
            int ndim = BLOCK[k].role == WFM_ROLE_WEIGHT ? 2 : 1;
            wfm_spec_add(specs, n, p, BLOCK[k].name, ndim, out, BLOCK[k].in_mlp ? m : d, BLOCK[k].role, part, i,
                         BLOCK[k].member);
        }
    }
    snprintf(p, sizeof p, "%s.", stack);
    wfm_spec_add(specs, n, p, "norm.weight", 1, d, 0, WFM_ROLE_NORM_WEIGHT, part, -1, WFM_MEMBER_NONE);
    wfm_spec_add(specs, n, p, "norm.bias", 1, d, 0, WFM_ROLE_NORM_BIAS, part, -1, WFM_MEMBER_NONE);
}

/* The lsm2_mae table (docs/model-format.md, "Tensors"). */
static void minute_tensors(const wfm_config *cfg, wfm_tensor_spec *specs, size_t *n) {
    const uint64_t P = (uint64_t)cfg->patch_minutes, De = (uint64_t)cfg->enc.dim;
    wfm_spec_linear(specs, n, "patch_embed", De, P, WFM_PART_PATCH_EMBED);
    wfm_spec_stack(specs, n, "encoder", &cfg->enc, WFM_PART_ENCODER);
    if (cfg->has_decoder) {
        const uint64_t Dd = (uint64_t)cfg->dec.dim;
        wfm_spec_linear(specs, n, "decoder.embed", Dd, De, WFM_PART_DEC_EMBED);
        wfm_spec_add(specs, n, "", "decoder.mask_token", 1, Dd, 0, WFM_ROLE_VECTOR, WFM_PART_MASK_TOKEN, -1,
                     WFM_MEMBER_NONE);
        wfm_spec_stack(specs, n, "decoder", &cfg->dec, WFM_PART_DECODER);
        const uint64_t K = (uint64_t)cfg->head_width;
        wfm_spec_linear(specs, n, "decoder.head", P * K, Dd, WFM_PART_HEAD);
        if (cfg->anchored) wfm_spec_linear(specs, n, "decoder.anchor_embed", Dd, 2 * P, WFM_PART_ANCHOR_EMBED);
    }
    if (cfg->cross_anchor) {
        const uint64_t C = (uint64_t)cfg->n_channels;
        wfm_spec_add(specs, n, "", "anchor.weight", 2, C, C * (uint64_t)(1 + cfg->n_rolling),
                     WFM_ROLE_ANCHOR_WEIGHT, WFM_PART_ANCHOR, -1, WFM_MEMBER_NONE);
        wfm_spec_add(specs, n, "", "anchor.bias", 1, C, 0, WFM_ROLE_VECTOR, WFM_PART_ANCHOR, -1, WFM_MEMBER_NONE);
        if (cfg->anchor_profile)
            wfm_spec_add(specs, n, "", "anchor.profile_weight", 2, C, WFM_PROFILE_TERMS, WFM_ROLE_VECTOR,
                         WFM_PART_ANCHOR_PROFILE, -1, WFM_MEMBER_NONE);
    }
}

wfm_status wfm_config_expected_tensors(const wfm_config *cfg, wfm_tensor_spec *specs,
                                       size_t capacity, size_t *count, wfm_error *err) {
    if (!cfg || !specs || !count) return wfm_fail(err, WFM_ERR_INVALID_ARG, "config: NULL argument");
    size_t need = wfm_config_tensor_count(cfg), n = 0;
    *count = 0;
    if (capacity < need)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "config: %zu tensor specs needed, room for %zu",
                        need, capacity);
    if (cfg->family == WFM_FAMILY_WAVEFORM) wfm_waveform_tensors(cfg, specs, &n);
    else minute_tensors(cfg, specs, &n);
    *count = n;
    return WFM_OK;
}

static void shape_str(char *buf, size_t cap, int ndim, const uint64_t *shape) {
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%llu", i ? ", " : "", (unsigned long long)shape[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

wfm_status wfm_config_check_tensors(const wfm_config *cfg, const wfm_st_file *file, wfm_error *err) {
    if (!cfg || !file) return wfm_fail(err, WFM_ERR_INVALID_ARG, "config: NULL argument");
    size_t n = wfm_config_tensor_count(cfg), got_n = 0;
    wfm_tensor_spec *specs = wfm_malloc(n * sizeof *specs);
    unsigned char *seen = wfm_calloc(file->n_tensors ? file->n_tensors : 1, 1);
    wfm_status st = WFM_OK;
    if (!specs || !seen) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "config: out of memory");
        goto done;
    }
    if ((st = wfm_config_expected_tensors(cfg, specs, n, &got_n, err))) goto done;
    for (size_t i = 0; i < got_n; i++) {
        const wfm_tensor_spec *s = &specs[i];
        const wfm_st_tensor *t = wfm_st_find(file, s->name);
        if (!t) {
            st = wfm_fail(err, WFM_ERR_FORMAT, "missing tensor '%s' (required by the config)", s->name);
            goto done;
        }
        int same = t->ndim == s->ndim;
        for (int d = 0; same && d < s->ndim; d++) same = t->shape[d] == s->shape[d];
        if (!same) {
            char want[96], have[128];
            shape_str(want, sizeof want, s->ndim, s->shape);
            shape_str(have, sizeof have, t->ndim, t->shape);
            st = wfm_fail(err, WFM_ERR_FORMAT, "tensor '%s': shape %s does not match the config (expected %s)",
                          s->name, have, want);
            goto done;
        }
        seen[t - file->tensors] = 1;
    }
    for (size_t i = 0; i < file->n_tensors; i++) {
        if (seen[i]) continue;
        char q[96];
        wfm_json_quote(q, sizeof q, file->tensors[i].name, strlen(file->tensors[i].name));
        st = wfm_fail(err, WFM_ERR_FORMAT, "unexpected tensor '%s' (not part of this config)", q);
        goto done;
    }
done:
    free(specs);
    free(seen);
    return st;
}
