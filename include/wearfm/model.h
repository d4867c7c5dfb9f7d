/* wearfm: models, states (one model, many callers) and inference: wfm_run.
 * Part of the public API; include "wearfm.h". */
#ifndef WEARFM_MODEL_H
#define WEARFM_MODEL_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- model ------------------------------------------------------------ */

typedef struct wfm_model wfm_model;
/* What one caller needs to run a model (workspace, thread pool, mask mode);
 * see wfm_state_create below. */
typedef struct wfm_state wfm_state;

typedef enum wfm_mask_mode {
    WFM_MASK_COMPACT = 0,   /* drop masked tokens: cost grows with observed tokens */
    WFM_MASK_ATTENTION = 1  /* keep all tokens, exclude masked keys */
} wfm_mask_mode;

typedef struct wfm_model_params {
    int n_threads;          /* 0 = all cores (native); builds without threads use 1 */
    wfm_mask_mode mask_mode;
} wfm_model_params;

wfm_model_params wfm_model_default_params(void);

/* Load a model. `params` may be NULL for defaults. On success *out owns the
 * weights; a memory buffer may be freed by the caller right after the call.
 * Before anything large is allocated the header must hold every tensor the
 * config needs, and the model must fit in 2 GiB: its weights as f32 plus the
 * positions and scratch of one window (else WFM_ERR_CONFIG). A NaN, infinite
 * or |w| > 1e6 weight is WFM_ERR_FORMAT, naming the tensor. */
wfm_status wfm_model_load_file(const char *path, const wfm_model_params *params,
                               wfm_model **out, wfm_error *err);
wfm_status wfm_model_load_buffer(const void *data, size_t size,
                                 const wfm_model_params *params,
                                 wfm_model **out, wfm_error *err);
void wfm_model_free(wfm_model *model);

/* These act on the model's default state (made at load from its params).
 * set_threads builds a new state first and swaps it in only on success: on
 * failure the model keeps its old state and still runs. */
wfm_status wfm_model_set_threads(wfm_model *model, int n_threads, wfm_error *err);
int wfm_model_threads(const wfm_model *model);
wfm_status wfm_model_set_mask_mode(wfm_model *model, wfm_mask_mode mode, wfm_error *err);

/* ---- states: one model, many callers ---------------------------------- */

/* A loaded model is immutable (config, packed weights, kernels, positions),
 * so any number of states may share it, each used by one thread at a time:
 * two threads run one model concurrently with one state each. A state holds
 * the workspace of one window, its thread pool and its mask mode; to change
 * the thread count, make a new state. Free every state before its model. */
typedef struct wfm_state_params {
    int n_threads;          /* 0 = all cores (native); builds without threads use 1 */
    wfm_mask_mode mask_mode;
} wfm_state_params;

wfm_state_params wfm_state_default_params(void);
/* `params` may be NULL for defaults. On failure *out is NULL and nothing is leaked. */
wfm_status wfm_state_create(const wfm_model *model, const wfm_state_params *params,
                            wfm_state **out, wfm_error *err);
void wfm_state_free(wfm_state *state);
int wfm_state_threads(const wfm_state *state);

/* The two model families (docs/model-format.md). */
typedef enum wfm_model_family {
    WFM_FAMILY_MINUTE = 0,   /* "lsm2_mae": a window of minutes, one channel per patch, a decoder that fills gaps */
    WFM_FAMILY_WAVEFORM = 1  /* "waveform_encoder": a window of raw samples, time patches of every channel,
                                embeddings only */
} wfm_model_family;

/* Fields marked "minute" are 0 (NULL for strings) for a waveform model, and
 * those marked "waveform" are 0 (NULL) for a minute model. */
typedef struct wfm_model_info {
    const char *architecture;  /* "lsm2_mae" or "waveform_encoder" */
    int window_minutes;        /* minute: T */
    int patch_minutes;         /* minute: P */
    int n_channels;            /* C */
    int n_tokens;              /* N: T / P * C (minute), T / P (waveform: one token per time patch) */
    int enc_dim, enc_layers, enc_heads, enc_mlp_dim;
    int dec_dim, dec_layers, dec_heads, dec_mlp_dim; /* all 0 when encoder-only (always for a waveform model) */
    int has_decoder;
    size_t n_params;
    /* minute: how fills are made (docs/model-format.md, format_version 2). */
    const char *fill;          /* "direct" or "anchored" */
    int inherited_mask;        /* 1 (AIM); 0 = the naive ablation: the input is imputed first */
    const char *anchor;        /* "linear" or "cross_channel" */
    int n_anchor_rolling;      /* cross_channel: its rolling means' half-widths, minutes */
    const int *anchor_rolling;
    float edge_tau;            /* minutes; 0 = not set */
    int absent_residual;       /* 0: a channel with no observed minute in the window is filled by its anchor alone */
    int anchor_profile;        /* 1: fills use the person's profile (wfm_run_profile) */
    double personal_lambda;    /* > 0: the anchor is refitted on the person's history (wfm_profile_anchor) */
    int personal_windows;      /* at most this many history windows in that fit */
    size_t anchor_params;      /* floats of wfm_profile_anchor's output (cross_channel models; else 0) */
    /* Both families. */
    wfm_model_family family;
    int embedding_dim;         /* floats of wfm_outputs.embedding: projection_dim if set, else enc_dim */
    /* The waveform model (format_version 2, "waveform_encoder"). */
    const char *signal;        /* waveform: "accelerometer" or "ppg" */
    float sample_rate_hz;      /* waveform: the rate the window's samples must be at */
    int window_samples;        /* waveform: T, samples per window */
    int patch_samples;         /* waveform: P, samples per token */
    const char *input_norm;    /* waveform: "fixed" or "window_z" */
    float window_std_floor;    /* waveform: window_z's floor on the window std, in units of the channel's std */
    int projection_dim;        /* waveform: E of the projection head, 0 without one */
} wfm_model_info;

/* What a channel's values are (docs/model-format.md, format_version 2).
 * The core returns fills inside them: continuous and count values clipped
 * to the range (a count is never negative), a category as its most
 * probable level. */
typedef enum wfm_channel_kind {
    WFM_CHANNEL_CONTINUOUS = 0,
    WFM_CHANNEL_COUNT = 1,
    WFM_CHANNEL_CATEGORY = 2
} wfm_channel_kind;

typedef struct wfm_channel_info {
    const char *name;
    const char *unit;
    float mean, std;
    float clip_min, clip_max;  /* z-units */
    wfm_channel_kind kind;
    float range_min, range_max; /* original units; -inf/+inf when unbounded */
    int n_levels;               /* categories only, else 0 */
    const float *levels;        /* [n_levels], increasing */
    int residual_others_missing; /* 1: the head's residual only where the other value channels are missing */
} wfm_channel_info;

void wfm_model_get_info(const wfm_model *model, wfm_model_info *out);
wfm_status wfm_model_get_channel(const wfm_model *model, int channel,
                                 wfm_channel_info *out, wfm_error *err);
/* Index of a channel by name, or -1. */
int wfm_model_find_channel(const wfm_model *model, const char *name);
/* The config JSON string exactly as stored in the file. */
const char *wfm_model_config_json(const wfm_model *model);
/* "fnv1a64w:<16 hex digits>": a hash of the raw bytes of every tensor of the
 * model file (FNV-1a 64 over 64-bit words per tensor, combined in tensor-name
 * order with the names; docs/probes.md). Linear probes store it to bind
 * themselves to the encoder whose embeddings they were fit on. */
const char *wfm_model_weights_hash(const wfm_model *model);

/* ---- inference -------------------------------------------------------- */

/* Input windows are T x C floats, minute-major: x[t * C + c], original units,
 * NaN = missing. For a waveform model x is [window_samples x C], sample-major
 * (x[t * C + c]), in signal units at sample_rate_hz; a token with any missing
 * sample is not visible, and only the embedding, token_embeddings and
 * token_visible outputs exist (the others are WFM_ERR_UNSUPPORTED).
 * Outputs are caller-allocated; any pointer may be NULL. */
typedef struct wfm_outputs {
    float *embedding;          /* [embedding_dim]: mean over visible tokens (then the projection head, if any) */
    float *reconstruction;     /* [T * C]: decoder output for every minute, original units */
    float *imputed;            /* [T * C]: observed values kept, gaps from the decoder */
    float *token_embeddings;   /* [N * enc_dim]: encoder output per token; NaN rows for masked */
    uint8_t *token_visible;    /* [N]: 1 visible, 0 inherited-missing */
    float *fill_probability;   /* [T * C]: for a missing minute of a category channel, the
                                  probability of the level it was given; NaN elsewhere */
    int n_visible_tokens;      /* out */
} wfm_outputs;

wfm_status wfm_run(wfm_model *model, const float *x, wfm_outputs *out, wfm_error *err);

/* Convenience wrappers around wfm_run. */
wfm_status wfm_embed(wfm_model *model, const float *x, float *embedding, wfm_error *err);
wfm_status wfm_impute(wfm_model *model, const float *x, float *imputed, wfm_error *err);
wfm_status wfm_reconstruct(wfm_model *model, const float *x, float *reconstruction, wfm_error *err);

/* The same on a caller's state (see wfm_state_create); the model-level calls
 * above run the model's default state. */
wfm_status wfm_run_state(wfm_state *state, const float *x, wfm_outputs *out, wfm_error *err);
/* wfm_run / wfm_run_state with the person's profile of this window
 * (wfm_profile_window: [T x C], original units, NaN unknown; NULL = none).
 * Only a model with "anchor_profile" uses it; any other ignores it. */
wfm_status wfm_run_profile(wfm_model *model, const float *x, const float *profile, wfm_outputs *out,
                           wfm_error *err);
wfm_status wfm_run_state_profile(wfm_state *state, const float *x, const float *profile, wfm_outputs *out,
                                 wfm_error *err);
/* The same with the person's anchor parameters of this window
 * (wfm_profile_anchor, a model with "personal_lambda": info.anchor_params
 * floats; NULL = the model's own). */
wfm_status wfm_run_personal(wfm_model *model, const float *x, const float *profile, const float *anchor_params,
                            wfm_outputs *out, wfm_error *err);
wfm_status wfm_run_state_personal(wfm_state *state, const float *x, const float *profile,
                                  const float *anchor_params, wfm_outputs *out, wfm_error *err);
wfm_status wfm_embed_state(wfm_state *state, const float *x, float *embedding, wfm_error *err);
wfm_status wfm_impute_state(wfm_state *state, const float *x, float *imputed, wfm_error *err);
wfm_status wfm_reconstruct_state(wfm_state *state, const float *x, float *reconstruction, wfm_error *err);

#ifdef __cplusplus
}
#endif
#endif
