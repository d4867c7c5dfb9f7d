/* The model config (__metadata__["wearfm.config"], docs/model-format.md):
 * parsing, validation, and the list of tensors a config requires. */
#ifndef WFM_CONFIG_H
#define WFM_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "wearfm.h"

/* Bounds beyond docs/model-format.md keep every derived size far from
 * overflow (N = T/P*C <= 2.6M tokens, any weight matrix < 2^31 elements). */
#define WFM_CFG_MAX_WINDOW 10080   /* minutes: one week */
#define WFM_CFG_MAX_PATCH 1440
#define WFM_CFG_MAX_CHANNELS 256
#define WFM_CFG_MIN_DIM 4
#define WFM_CFG_MAX_DIM 8192
#define WFM_CFG_MAX_LAYERS 64
#define WFM_CFG_MAX_MLP 65536

#define WFM_CFG_MAX_LEVELS 16
#define WFM_CFG_MAX_ROLLING 7       /* anchor_rolling half-widths */
#define WFM_PERSONAL_WINDOWS 56      /* personal_lambda: history windows in the fit by default */
#define WFM_PROFILE_TERMS 3         /* anchor_profile: p, p * g and a * g (g = 1 - exp(-d/profile_tau)) */

typedef struct wfm_channel_cfg {
    char name[64];     /* non-empty, unique, no control characters */
    char unit[32];     /* may be empty */
    float mean, std;   /* original units; std > 0 */
    float clip_min, clip_max; /* z-units; clip_min < clip_max */
    wfm_channel_kind kind;    /* format_version 2; continuous in version 1 */
    float range_min, range_max; /* original units; fills are kept inside (+-inf: none) */
    int n_levels;             /* categories: 2..WFM_CFG_MAX_LEVELS, else 0 */
    float levels[WFM_CFG_MAX_LEVELS]; /* increasing */
    int residual_others_missing; /* "residual": "others_missing" (needs edge_tau): the head's residual only at
                                    minutes where every other continuous or count channel is missing */
} wfm_channel_cfg;

typedef struct wfm_block_cfg {
    int dim, layers, heads, mlp_dim;
} wfm_block_cfg;

/* Bounds of a waveform model (src/waveform/waveform_config.c; tools/waveform_ref.py). */
#define WFM_WAVE_MAX_WINDOW 65536   /* samples */
#define WFM_WAVE_MAX_CHANNELS 16
#define WFM_WAVE_MIN_RATE 1.0f      /* Hz */
#define WFM_WAVE_MAX_RATE 2000.0f

/* What only a waveform model has ("waveform_encoder", docs/model-format.md). */
typedef struct wfm_waveform_cfg {
    char signal[16];            /* "accelerometer" or "ppg" */
    float sample_rate_hz;       /* [1, 2000] */
    int window_samples, patch_samples; /* T, P: T a multiple of P */
    int window_z;               /* input_norm "window_z" (1) or "fixed" (0) */
    float window_std_floor;     /* window_z: s is at least this times the channel's std; default 1e-3 */
    int proj_dim;               /* projection.dim, 0 = no projection head */
} wfm_waveform_cfg;

typedef struct wfm_config {
    int format_version;         /* 1 or 2 */
    char architecture[32];      /* "lsm2_mae" or "waveform_encoder" */
    wfm_model_family family;    /* from the architecture */
    int window_minutes, patch_minutes; /* T, P of a minute model; 0 for a waveform model */
    float norm_eps;             /* default 1e-6 */
    int n_channels;             /* C */
    wfm_channel_cfg *channels;  /* [C], owned */
    wfm_block_cfg enc, dec;     /* dec is all zero when has_decoder == 0 */
    int has_decoder;
    int anchored;               /* "fill": "anchored" (version 2): decoder adds to the anchor */
    int inherited_mask;         /* 1; 0 = naive ablation: the input is imputed, all tokens visible */
    int cross_anchor;           /* "anchor": "cross_channel" (needs anchored): tensors anchor.weight/bias */
    int n_rolling;              /* anchor_rolling: the rolling means' half-widths, minutes */
    int rolling[WFM_CFG_MAX_ROLLING];
    float edge_tau;             /* "edge_tau" minutes (anchored): the head's residual fades to 0 at
                                   observations; 0 = not set (the residual is used as is) */
    int absent_residual;        /* "absent_residual" (default 1; 0 needs edge_tau): 0 = a continuous or count
                                   channel with no observed minute in the window is its anchor alone */
    int anchor_profile;         /* "anchor_profile" (cross_channel only): the anchor also weighs the
                                   person's typical day (a profile, src/model/profile.c); tensor anchor.profile_weight */
    int profile_smooth;         /* minutes: the profile's circular +- smoothing (default 15) */
    float profile_tau;          /* minutes: the profile's second term grows as 1 - exp(-d/tau) (default 60) */
    double personal_lambda;     /* "personal_lambda" (anchor_profile only; 0 = not set): the anchor is refitted
                                   on the person's history, shrunk toward the model's weights (personal.c) */
    int personal_windows;       /* "personal_windows": at most this many history windows in that fit (56) */
    int head_width;             /* K values per minute: 1, or the most levels of a category */
    wfm_waveform_cfg wave;      /* family WFM_FAMILY_WAVEFORM only; channels hold clip as [-clip, clip] */
} wfm_config;

/* Parses and validates json[0..len). On failure returns WFM_ERR_CONFIG (or
 * WFM_ERR_NO_MEMORY) with "config: <field> ..." in err and *out zeroed.
 * "decoder": null is treated like an omitted decoder. */
wfm_status wfm_config_parse(const char *json, size_t len, wfm_config *out, wfm_error *err);
void wfm_config_free(wfm_config *cfg);

/* ---- required tensors ------------------------------------------------- */

/* One table per architecture lists every tensor with its shape, what it is
 * (role) and where it goes (part, layer, member): the loader walks it to
 * place each tensor, and the header check walks it before anything is
 * allocated, so a family adds tensors in one place. */
typedef enum wfm_tensor_role {
    WFM_ROLE_WEIGHT = 0,     /* a linear layer's [out, in] weight, packed for the GEMM kernels */
    WFM_ROLE_BIAS,           /* that layer's [out] bias (the entry after its weight) */
    WFM_ROLE_NORM_WEIGHT,    /* a LayerNorm's gain */
    WFM_ROLE_NORM_BIAS,      /* and shift */
    WFM_ROLE_VECTOR,         /* kept as is (decoder.mask_token, anchor.bias) */
    WFM_ROLE_ANCHOR_WEIGHT   /* anchor.weight: kept as is; a channel's own columns must be 0 */
} wfm_tensor_role;

typedef enum wfm_tensor_part {
    WFM_PART_PATCH_EMBED = 0,
    WFM_PART_ENCODER,        /* a block's tensor (layer >= 0) or the stack's final norm (layer -1) */
    WFM_PART_DEC_EMBED,
    WFM_PART_MASK_TOKEN,
    WFM_PART_DECODER,
    WFM_PART_HEAD,
    WFM_PART_ANCHOR_EMBED,
    WFM_PART_ANCHOR,         /* anchor.weight and anchor.bias */
    WFM_PART_ANCHOR_PROFILE, /* anchor.profile_weight */
    WFM_PART_PROJ            /* waveform: the projection head */
} wfm_tensor_part;

/* Which tensor of a block (WFM_PART_ENCODER / DECODER with layer >= 0). */
typedef enum wfm_block_member {
    WFM_MEMBER_NONE = 0, WFM_MEMBER_NORM1, WFM_MEMBER_QKV, WFM_MEMBER_ATTN_PROJ,
    WFM_MEMBER_NORM2, WFM_MEMBER_FC1, WFM_MEMBER_FC2
} wfm_block_member;

typedef struct wfm_tensor_spec {
    char name[64];
    int ndim;
    uint64_t shape[4];   /* unused dims are 0 */
    wfm_tensor_role role;
    wfm_tensor_part part;
    int layer;           /* block index in a stack; -1 outside a block */
    wfm_block_member member;
} wfm_tensor_spec;

/* Number of tensors cfg requires. */
size_t wfm_config_tensor_count(const wfm_config *cfg);

/* Writes the required tensors, in the order of the tables in
 * docs/model-format.md (the order the loader reads them), to
 * specs[0..*count). Fails with WFM_ERR_INVALID_ARG
 * if capacity < wfm_config_tensor_count(cfg). */
wfm_status wfm_config_expected_tensors(const wfm_config *cfg, wfm_tensor_spec *specs,
                                       size_t capacity, size_t *count, wfm_error *err);

/* Checks a parsed file against cfg: every required tensor present with
 * exactly its shape, and no other tensor. WFM_ERR_FORMAT on mismatch. */
struct wfm_st_file;
wfm_status wfm_config_check_tensors(const wfm_config *cfg, const struct wfm_st_file *file,
                                    wfm_error *err);

/* ---- shared by the architectures' parsers (config.c, waveform_config.c) ---- */

struct wfm_json;
/* Integer member `key` of obj in [lo, hi]; `path` names it in messages. */
wfm_status wfm_cfg_int(const struct wfm_json *obj, const char *key, const char *path, int lo, int hi, int *out,
                       wfm_error *err);
/* A number as a finite float (v may be NULL: "path is missing"). */
wfm_status wfm_cfg_float(const struct wfm_json *v, const char *path, float *out, wfm_error *err);
/* String member copied into dst[cap]: no control characters. */
wfm_status wfm_cfg_text(const struct wfm_json *obj, const char *key, const char *path, int allow_empty, char *dst,
                        size_t cap, wfm_error *err);
/* A transformer's {dim, layers, heads, mlp_dim}; dim must be divisible by
 * heads and by 2 * pos_axes (pos_axes = 2 for 2D sin-cos positions, 1 for 1D). */
wfm_status wfm_cfg_block(const struct wfm_json *root, const char *key, int min_layers, int pos_axes,
                         wfm_block_cfg *b, wfm_error *err);
/* The channel name must be unique among channels[0..i). */
wfm_status wfm_cfg_unique_name(const wfm_config *c, int i, wfm_error *err);

/* Appends one spec to specs[*n] (ndim 1: d1 unused). */
void wfm_spec_add(wfm_tensor_spec *specs, size_t *n, const char *prefix, const char *name, int ndim, uint64_t d0,
                  uint64_t d1, wfm_tensor_role role, wfm_tensor_part part, int layer, wfm_block_member member);
/* Appends a linear layer: prefix.weight [out, in] then prefix.bias [out]. */
void wfm_spec_linear(wfm_tensor_spec *specs, size_t *n, const char *prefix, uint64_t out, uint64_t in,
                     wfm_tensor_part part);
/* Appends a pre-LN stack ("encoder" / "decoder"): 12 tensors a block, then its final norm. */
void wfm_spec_stack(wfm_tensor_spec *specs, size_t *n, const char *stack, const wfm_block_cfg *b,
                    wfm_tensor_part part);

/* waveform_config.c: the "waveform_encoder" architecture. */
wfm_status wfm_waveform_config_parse(const struct wfm_json *root, wfm_config *c, wfm_error *err);
size_t wfm_waveform_tensor_count(const wfm_config *c);
void wfm_waveform_tensors(const wfm_config *c, wfm_tensor_spec *specs, size_t *n);

#endif
