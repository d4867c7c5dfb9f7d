/* Internal model representation: weights packed for the selected GEMM
 * kernels, and a workspace sized for a full window. */
#ifndef WFM_MODEL_H
#define WFM_MODEL_H
#include "wearfm.h"
#include "config.h"
#include "gemm.h"
#include "threadpool.h"

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
    float *pos;             /* [N, dim] sin-cos positions, token order n = c*NP + p */
} wfm_stack;

/* Scratch for one forward pass, sized for all N tokens. */
typedef struct wfm_workspace {
    float *h, *xn, *qkv, *tmp, *mlp;  /* activations */
    float *kv_packed;                 /* packed keys + values of every head */
    float *attn_scratch;              /* per thread: S tile, O tile, row stats */
    size_t attn_scratch_per_thread;
    float *patches;                   /* [N, P] z-values */
    float *stack_out;                 /* [N, max dim] output of a stack */
    float *enc_out;                   /* [N, De] normed encoder output, by token */
    float *dec_out;                   /* [N, P*K] decoder head output */
    float *anchor;                    /* [N, P] anchor z-values (format_version 2) */
    float *anchor_in;                 /* [N, 2P] anchor and observed flags: the decoder's anchor input */
    int *visible_index;               /* [N] indices of visible tokens */
    uint8_t *visible;                 /* [N] */
} wfm_workspace;

struct wfm_model {
    wfm_config cfg;
    char *config_json;
    int n_patches, n_tokens;
    size_t n_params;
    const wfm_kernels *kr;
    wfm_linear patch_embed;
    wfm_stack enc;
    wfm_linear dec_embed;
    float *mask_token;
    wfm_stack dec;
    wfm_linear head;
    wfm_linear anchor_embed;          /* "fill": "anchored" only */
    wfm_pool *pool;
    wfm_mask_mode mask_mode;
    wfm_workspace ws;
    char weights_hash[32];  /* "fnv1a64w:<16 hex>", see model_load.c (probe binding) */
};

/* model_load.c */
void wfm_model_release(wfm_model *m);
wfm_status wfm_workspace_alloc(wfm_model *m, wfm_error *err);

/* transformer.c: runs a stack in place on h [n, dim]; key_visible (nullable,
 * [n]) excludes keys from attention. Output is the final-normed result in out. */
void wfm_stack_forward(wfm_model *m, const wfm_stack *s, float *h, int n,
                       const uint8_t *key_visible, float *out);

/* y[n, out] = x[n, in] W^T + b */
void wfm_linear_forward(wfm_model *m, const wfm_linear *l, const float *x, int n, float *y);

#endif
