/* Pre-LN transformer blocks: h += Proj(MHA(LN1(h))); h += FC2(GELU(FC1(LN2(h)))). */
#include "model/model.h"
#include "model/attention.h"
#include "model/ops.h"
#include <stddef.h>

void wfm_linear_forward(wfm_state *s, const wfm_linear *l, const float *x, int n, float *y) {
    wfm_gemm(s->model->kr, s->pool, (size_t)n, (size_t)l->n_out, (size_t)l->n_in, x, (size_t)l->n_in,
             l->w_packed, l->bias, y, (size_t)l->n_out, 0);
}

/* Row-parallel helpers: element-wise work is split over the pool in row chunks. */
typedef struct {
    const wfm_layernorm *ln;
    const float *x;
    float *y;
    size_t rows, dim, chunk;
    float eps;
} ln_task;

static void ln_run(void *p, size_t t, int thread) {
    const ln_task *a = p;
    size_t r0 = t * a->chunk, r1 = r0 + a->chunk < a->rows ? r0 + a->chunk : a->rows;
    wfm_layernorm_rows(a->x + r0 * a->dim, a->y + r0 * a->dim, r1 - r0, a->dim,
                       a->ln->weight, a->ln->bias, a->eps);
}

static void layernorm(wfm_state *s, const wfm_layernorm *ln, const float *x, float *y, int n) {
    ln_task a = {ln, x, y, (size_t)n, (size_t)ln->dim, 64, s->model->cfg.norm_eps};
    wfm_pool_run(s->pool, (a.rows + a.chunk - 1) / a.chunk, ln_run, &a);
}

typedef struct { const wfm_kernels *kr; float *x; size_t n, chunk; } gelu_task;
static void gelu_run(void *p, size_t t, int thread) {
    const gelu_task *a = p;
    size_t i0 = t * a->chunk, i1 = i0 + a->chunk < a->n ? i0 + a->chunk : a->n;
    a->kr->gelu(a->x + i0, i1 - i0);
}
static void gelu(wfm_state *s, float *x, size_t n) {
    gelu_task a = {s->model->kr, x, n, 16384};
    wfm_pool_run(s->pool, (n + a.chunk - 1) / a.chunk, gelu_run, &a);
}

static void block_forward(wfm_state *st, const wfm_stack *s, const wfm_block *b,
                          float *h, int n, const uint8_t *key_visible) {
    wfm_workspace *ws = &st->ws;
    int dim = s->cfg.dim;
    size_t nd = (size_t)n * dim;

    layernorm(st, &b->norm1, h, ws->xn, n);
    wfm_linear_forward(st, &b->qkv, ws->xn, n, ws->qkv);
    wfm_attention_shape shape = {n, dim, s->cfg.heads, 1.0f}; /* q pre-scaled at load */
    wfm_attention(st->model->kr, st->pool, shape, ws->qkv, key_visible, ws->xn,
                  ws->kv_packed, ws->attn_scratch, ws->attn_scratch_per_thread);
    wfm_linear_forward(st, &b->proj, ws->xn, n, ws->tmp);
    wfm_add(h, ws->tmp, nd);

    layernorm(st, &b->norm2, h, ws->xn, n);
    wfm_linear_forward(st, &b->fc1, ws->xn, n, ws->mlp);
    gelu(st, ws->mlp, (size_t)n * s->cfg.mlp_dim);
    wfm_linear_forward(st, &b->fc2, ws->mlp, n, ws->tmp);
    wfm_add(h, ws->tmp, nd);
}

void wfm_stack_forward(wfm_state *st, const wfm_stack *s, float *h, int n,
                       const uint8_t *key_visible, float *out) {
    for (int l = 0; l < s->cfg.layers; l++) block_forward(st, s, &s->blocks[l], h, n, key_visible);
    layernorm(st, &s->norm, h, out, n);
}
