/* Multi-head softmax attention with a key mask, tiled with an online
 * softmax (flash-attention style): no N x N buffer is ever formed, so a full
 * day of 26 channels (3,744 tokens) needs only per-thread tiles. */
#ifndef WFM_ATTENTION_H
#define WFM_ATTENTION_H
#include <stddef.h>
#include <stdint.h>
#include "kernels/gemm.h"
#include "platform/threadpool.h"

typedef struct wfm_attention_shape {
    int n;            /* tokens (queries = keys) */
    int dim, heads;   /* head_dim = dim / heads */
    float q_scale;    /* scores are (q . k) * q_scale; the model folds
                         1/sqrt(head_dim) into its query weights and passes 1 */
} wfm_attention_shape;

/* Floats of packed K/V storage needed for all heads. 64-bit, so that a
 * hostile config cannot wrap a 32-bit size_t (wasm32) before the loader's
 * memory check sees the true size. */
uint64_t wfm_attention_kv_size(const wfm_kernels *kr, wfm_attention_shape s);
/* Floats of scratch needed per thread. */
uint64_t wfm_attention_scratch_size(const wfm_kernels *kr, wfm_attention_shape s);

/* qkv: [n, 3*dim] rows (q | k | v, heads contiguous in each).
 * key_visible: nullable [n]; 0 excludes that token as a key.
 * out: [n, dim]. Every query must have at least one visible key. */
void wfm_attention(const wfm_kernels *kr, wfm_pool *pool, wfm_attention_shape s,
                   const float *qkv, const uint8_t *key_visible, float *out,
                   float *kv_packed, float *scratch, size_t scratch_per_thread);

#endif
