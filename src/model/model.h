/* Internal model representation: the immutable model (weights packed for
 * the selected GEMM kernels) and the per-caller state (a workspace sized
 * for a full window, the thread pool, the mask mode).
 *   model.c      lifecycle: load, free, state create / free
 *   model_info.c accessors of a loaded model
 *   forward.c    the minute forward pass: tokenize, encode, decode, fills
 *   waveform_forward.c  the waveform forward pass: normalise, tokens, pool, project
 *   transformer.c, attention.c, gemm.c: the blocks and their kernels */
#ifndef WFM_MODEL_H
#define WFM_MODEL_H
#include "wearfm.h"
#include "model/config.h"
#include "kernels/gemm.h"
#include "platform/threadpool.h"

/* y = x W^T + b, with W packed for the kernel set at load time. */
typedef struct wfm_linear {
    int n_out, n_in;
    float *w_packed;
    float *bias;
} wfm_linear;

typedef struct wfm_layernorm {
    int dim;
    float *weight, *bias;
} wfm_layernorm;

typedef struct wfm_block {
    wfm_layernorm norm1, norm2;
    wfm_linear qkv, proj, fc1, fc2;
} wfm_block;

/* A pre-LN transformer: blocks, a final norm, and fixed 2D positions. */
typedef struct wfm_stack {
    wfm_block_cfg cfg;
    wfm_block *blocks;
    wfm_layernorm norm;
    float *pos;             /* [N, dim] sin-cos positions: 2D, token n = c*NP + p (minute); 1D over p (waveform) */
} wfm_stack;

/* Scratch for one forward pass, sized for all N tokens. Each buffer has one
 * purpose; the one documented union is the block scratch (xn, tmp), which
 * decode() also uses for its projections before the decoder stack runs. */
typedef struct wfm_workspace {
    float *h;                         /* [N, max dim] residual stream of the stack being run */
    float *xn;                        /* [N, max dim] block scratch: LayerNorm / attention output;
                                         decode(): visible encoder rows, then the anchor embedding */
    float *tmp;                       /* [N, max dim] block scratch: sublayer output before the residual add;
                                         decode(): the projected visible tokens */
    float *qkv;                       /* [N, 3 max dim] q | k | v rows */
    float *mlp;                       /* [N, max mlp dim] MLP hidden layer */
    float *kv_packed;                 /* packed keys + values of every head */
    float *attn_scratch;              /* per thread: S tile, O tile, row stats */
    size_t attn_scratch_per_thread;
    float *patches;                   /* [N, W] z-values, by token (W = the model's token_width) */
    float *visible_patches;           /* [N, W] the visible tokens' patches, gathered for compaction */
    float *minute_observed;           /* [C, T] 1 for an observed minute (format_version 2 tokenizer) */
    float *stack_out;                 /* [N, max dim] output of a stack */
    float *enc_out;                   /* [N, De] normed encoder output, by token */
    float *dec_out;                   /* [N, P*K] decoder head output */
    float *anchor;                    /* [N, P] anchor z-values (format_version 2) */
    float *anchor_in;                 /* [N, 2P] anchor and observed flags: the decoder's anchor input */
    float *cross_terms;               /* [C, F, T] anchor "cross_channel": each channel's terms */
    float *cross_anchor;              /* [C, T] anchor "cross_channel": the anchors, before they replace ws->anchor */
    float *cross_series;              /* [2T] anchor "cross_channel": one prediction and its edge line */
    double *cross_prefix;             /* [T+1] anchor "cross_channel": prefix sums for the rolling means */
    float *edge_gate;                 /* [C, T] "edge_tau": 1 - exp(-d/tau), d = minutes to the nearest observation */
    float *profile;                   /* [C, T] "anchor_profile": this run's profile, clipped z, 0 where unknown */
    float *profile_known;             /* [C, T] "anchor_profile": 1 where the profile has a value */
    float *profile_gate;              /* [T] "anchor_profile": 1 - exp(-d/profile_tau) of one channel */
    int *visible_index;               /* [N] indices of visible tokens */
    uint8_t *visible;                 /* [N] */
} wfm_workspace;

/* Immutable after load and shareable between threads: the config, the
 * weights packed for the kernel table, the positions and the hash. The
 * default state serves the model-level calls (wfm_run, wfm_set_threads...). */
struct wfm_model {
    wfm_config cfg;
    char *config_json;
    int n_patches, n_tokens;
    int token_width;                  /* values per token: P (minute), C*P (waveform) */
    size_t n_params;
    const wfm_kernels *kr;
    wfm_linear patch_embed;
    wfm_stack enc;
    wfm_linear dec_embed;
    float *mask_token;
    wfm_stack dec;
    wfm_linear head;
    wfm_linear anchor_embed;          /* "fill": "anchored" only */
    float *anchor_weight;             /* [C, C*F] "anchor": "cross_channel" only (F = 1 + n_rolling) */
    float *anchor_bias;               /* [C] */
    float *anchor_profile_weight;     /* [C, WFM_PROFILE_TERMS] "anchor_profile" only */
    wfm_linear proj;                  /* waveform "projection" only: the embedding head */
    char weights_hash[32];  /* "fnv1a64w:<16 hex>", see model.c (probe binding) */
    wfm_state *default_state;         /* owned; used by the wfm_model-level calls */
};

/* Everything one caller needs to run a model: the workspace, the thread
 * pool and the mask mode. One state per concurrent caller. */
struct wfm_state {
    const wfm_model *model;
    wfm_pool *pool;
    wfm_mask_mode mask_mode;
    wfm_workspace ws;
    const float *anchor_params;  /* wfm_run_state_personal: this run's anchor parameters, NULL = the model's */
};

/* transformer.c: runs a stack in place on h [n, dim]; key_visible (nullable,
 * [n]) excludes keys from attention. Output is the final-normed result in out. */
void wfm_stack_forward(wfm_state *s, const wfm_stack *st, float *h, int n,
                       const uint8_t *key_visible, float *out);

/* y[n, out] = x[n, in] W^T + b */
void wfm_linear_forward(wfm_state *s, const wfm_linear *l, const float *x, int n, float *y);

/* forward.c, for both families. With ws->patches [N, token_width] and
 * ws->visible [N] filled: lists the visible tokens in ws->visible_index and
 * runs patch_embed, the positions and the encoder over them (all N in
 * attention mode), writing ws->enc_out rows by token. */
void wfm_encode_visible(wfm_state *s, int n_visible);
/* After wfm_encode_visible: pooled[enc_dim] (nullable) = the mean of the
 * visible tokens' rows; token_embeddings [N, enc_dim] (nullable) = every
 * row, NaN for tokens that are not visible. */
void wfm_encoder_outputs(const wfm_state *s, int n_visible, float *pooled, float *token_embeddings);

/* waveform_forward.c: wfm_run_state for a waveform model. */
wfm_status wfm_waveform_run(wfm_state *s, const float *x, wfm_outputs *o, wfm_error *err);

#endif
