#include "model/attention.h"
#include "kernels/exp_poly.h"
#include <float.h>
#include <math.h>
#include <string.h>

/* Key tile length: a multiple of every kernel's nr; S tile = q_tile x 128 floats. */
#define KEY_TILE 128
#define Q_TILE_ROWS_PER_MR 8

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

static int q_tile(const wfm_kernels *kr) { return kr->mr * Q_TILE_ROWS_PER_MR; }

static size_t k_packed_size(const wfm_kernels *kr, int n, int hd) {
    return wfm_gemm_packed_size(kr, (size_t)n, (size_t)hd); /* N x hd, keys as columns */
}
static size_t v_packed_size(const wfm_kernels *kr, int n, int hd) {
    return wfm_gemm_packed_size(kr, (size_t)hd, (size_t)n); /* n x hd, values */
}

/* k_packed_size + v_packed_size (wfm_gemm_packed_size) in 64 bits */
static uint64_t pad64(uint64_t x, uint64_t m) { return (x + m - 1) / m * m; }

uint64_t wfm_attention_kv_size(const wfm_kernels *kr, wfm_attention_shape s) {
    uint64_t hd = (uint64_t)(s.dim / s.heads), n = (uint64_t)s.n, nr = (uint64_t)kr->nr;
    return (uint64_t)s.heads * (pad64(n, nr) * hd + pad64(hd, nr) * n);
}

uint64_t wfm_attention_scratch_size(const wfm_kernels *kr, wfm_attention_shape s) {
    uint64_t qt = (uint64_t)q_tile(kr), hd = (uint64_t)(s.dim / s.heads);
    /* S tile, O tile, running max, running sum; padded to keep 64-byte alignment */
    return pad64(qt * KEY_TILE, 16) + pad64(qt * hd, 16) + 2 * pad64(qt, 16);
}

typedef struct {
    const wfm_kernels *kr;
    wfm_attention_shape s;
    int hd;
    const float *qkv;
    const uint8_t *key_visible;
    float *out;
    float *kv_packed;
    size_t k_size, v_size;
    float *scratch;
    size_t scratch_per_thread;
    int n_qtiles;
} attn_ctx;

static float *head_k(const attn_ctx *a, int h) { return a->kv_packed + (size_t)h * (a->k_size + a->v_size); }
static float *head_v(const attn_ctx *a, int h) { return head_k(a, h) + a->k_size; }

static void pack_head(void *p, size_t h, int thread) {
    const attn_ctx *a = p;
    size_t ld = 3 * (size_t)a->s.dim;
    const float *k = a->qkv + a->s.dim + h * a->hd;
    const float *v = a->qkv + 2 * a->s.dim + h * a->hd;
    wfm_gemm_pack_nt(a->kr, k, ld, (size_t)a->s.n, (size_t)a->hd, head_k(a, (int)h));
    wfm_gemm_pack_nn(a->kr, v, ld, (size_t)a->s.n, (size_t)a->hd, head_v(a, (int)h));
}

/* One (head, query tile) task: stream over key tiles with an online softmax. */
static void attend_tile(void *p, size_t task, int thread) {
    const attn_ctx *a = p;
    const wfm_kernels *kr = a->kr;
    int h = (int)(task / a->n_qtiles);
    int qt = q_tile(kr);
    int q0 = (int)(task % a->n_qtiles) * qt;
    int rows = a->s.n - q0 < qt ? a->s.n - q0 : qt;
    int hd = a->hd, n = a->s.n, nr = kr->nr;
    size_t ld = 3 * (size_t)a->s.dim;

    float *S = a->scratch + (size_t)thread * a->scratch_per_thread;
    float *O = S + round_up((size_t)qt * KEY_TILE, 16);
    float *row_max = O + round_up((size_t)qt * hd, 16);
    float *row_sum = row_max + round_up((size_t)qt, 16);

    memset(O, 0, sizeof(float) * (size_t)rows * hd);
    for (int i = 0; i < rows; i++) { row_max[i] = -INFINITY; row_sum[i] = 0.0f; }

    const float *q = a->qkv + (size_t)q0 * ld + (size_t)h * hd;
    const float *kp = head_k(a, h), *vp = head_v(a, h);
    size_t k_panel_stride = (size_t)hd * nr, v_panel_stride = (size_t)n * nr;

    for (int j0 = 0; j0 < n; j0 += KEY_TILE) {
        int cols = n - j0 < KEY_TILE ? n - j0 : KEY_TILE;
        const uint8_t *kv = a->key_visible ? a->key_visible + j0 : NULL;
        if (kv && !memchr(kv, 1, (size_t)cols)) continue; /* whole tile masked */

        /* S = Q K^T for this tile (KEY_TILE is a multiple of nr) */
        wfm_gemm_panels(kr, (size_t)rows, (size_t)cols, (size_t)hd, q, ld,
                        kp + (size_t)(j0 / nr) * k_panel_stride, k_panel_stride,
                        NULL, S, KEY_TILE, 0);
        for (int i = 0; i < rows; i++) {
            float *s = S + (size_t)i * KEY_TILE;
            float m = row_max[i];
            if (a->s.q_scale != 1.0f)
                for (int j = 0; j < cols; j++) s[j] *= a->s.q_scale;
            if (kv) {
                for (int j = 0; j < cols; j++) {
                    if (!kv[j]) s[j] = -FLT_MAX; /* exp underflows to exactly 0 */
                    else if (s[j] > m) m = s[j];
                }
            } else {
                float tile_max = kr->rmax((size_t)cols, s);
                m = tile_max > m ? tile_max : m;
            }
            /* Rescale what was accumulated under the previous max. */
            /* exp of a value <= 0, by the kernels' polynomial (libm's expf
             * here cost 2% of a paper-config day) */
            float corr = row_max[i] == -INFINITY ? 0.0f : wfm_exp_poly(row_max[i] - m);
            row_sum[i] = row_sum[i] * corr + kr->expminusmax((size_t)cols, s, m, s);
            if (kv)
                for (int j = 0; j < cols; j++)
                    if (!kv[j]) s[j] = 0.0f;
            row_max[i] = m;
            if (corr != 1.0f) {
                float *o = O + (size_t)i * hd;
                for (int d = 0; d < hd; d++) o[d] *= corr;
            }
        }
        /* O += P V for this tile */
        wfm_gemm_panels(kr, (size_t)rows, (size_t)hd, (size_t)cols, S, KEY_TILE,
                        vp + (size_t)j0 * nr, v_panel_stride, NULL, O, (size_t)hd, 1);
    }
    for (int i = 0; i < rows; i++) {
        float inv = 1.0f / row_sum[i];
        float *dst = a->out + (size_t)(q0 + i) * a->s.dim + (size_t)h * hd;
        for (int d = 0; d < hd; d++) dst[d] = O[(size_t)i * hd + d] * inv;
    }
}

void wfm_attention(const wfm_kernels *kr, wfm_pool *pool, wfm_attention_shape s,
                   const float *qkv, const uint8_t *key_visible, float *out,
                   float *kv_packed, float *scratch, size_t scratch_per_thread) {
    attn_ctx a = {0};
    a.kr = kr;
    a.s = s;
    a.hd = s.dim / s.heads;
    a.qkv = qkv;
    a.key_visible = key_visible;
    a.out = out;
    a.kv_packed = kv_packed;
    a.k_size = k_packed_size(kr, s.n, a.hd);
    a.v_size = v_packed_size(kr, s.n, a.hd);
    a.scratch = scratch;
    a.scratch_per_thread = scratch_per_thread;
    a.n_qtiles = (s.n + q_tile(kr) - 1) / q_tile(kr);
    wfm_pool_run(pool, (size_t)s.heads, pack_head, &a);
    wfm_pool_run(pool, (size_t)s.heads * a.n_qtiles, attend_tile, &a);
}
