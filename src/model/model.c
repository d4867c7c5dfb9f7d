/* The lifecycle of models and states, in one place.
 *
 * Loading a model: validate the safetensors header and config, then stream
 * each tensor (from a file or a caller's buffer) into f32 and pack the
 * linear weights for the selected GEMM kernels. Peak memory is the packed
 * model plus one tensor, never the whole file twice. The loaded model is
 * immutable; a state (workspace, thread pool, mask mode) is made for it
 * here too, the model's default state at load and any caller's by
 * wfm_state_create. */
#include "model/model.h"
#include "platform/alloc.h"
#include "model/attention.h"
#include "platform/error.h"
#include "model/ops.h"
#include "model/config.h"
#include "model/safetensors.h"
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

/* A week of 26 channels in 10-minute patches is 26,208 tokens; anything far
 * beyond that is a malformed or hostile config, and attention is O(N^2). */
#define WFM_MAX_TOKENS 65536

/* What a loaded model may hold: its weights widened to f32, and the
 * positions and scratch of one window (the workspace). Checked from the
 * header before anything large is allocated, so a tiny or sparse file whose
 * config asks for gigabytes (dim 8192 at 60,480 tokens: 2 GiB of positions
 * alone) fails at once instead of allocating and filling them. The shipped
 * model holds 8 MiB (3.5 of weights, 4.6 for its 576-token window); a week
 * of 26 channels in 10-minute patches (26,208 tokens) needs 0.2 GiB of
 * window at its dims and 0.8 GiB at dim 512 / mlp 2048. 2 GiB is also half
 * of what wasm32 can address. */
#define WFM_MAX_MODEL_BYTES (2ull << 30)

/* The largest |weight| a model may hold. Trained weights are small (the
 * shipped models' largest is 1.13; LayerNorm keeps every stage near unit
 * scale), so a weight beyond 1e6 is a corrupt or hostile file: 3e38 turns
 * into inf in the first matmul, and a NaN or inf weight makes embed print
 * nan and impute write nan into the cells it reports filled. Both are
 * refused at load, naming the tensor. (F16 tops out at 65504: for it only
 * inf and NaN can trip this.) */
#define WFM_MAX_ABS_WEIGHT 1e6f

/* malloc of a x b floats, NULL when the size overflows size_t (wasm32!). */
static float *alloc_floats(size_t a, size_t b) {
    if (a && b > SIZE_MAX / sizeof(float) / a) return NULL;
    return wfm_malloc(a * b * sizeof(float));
}

typedef struct source {
    FILE *file;               /* either a file ... */
    const uint8_t *buf;       /* ... or a memory buffer */
    uint64_t size;
    uint64_t data_start;      /* 8 + header length */
} source;

static wfm_status source_read(source *s, uint64_t offset, size_t n, void *dst, wfm_error *err) {
    if (offset > s->size || n > s->size - offset)
        return wfm_fail(err, WFM_ERR_FORMAT, "read of %zu bytes at %llu is past the end of the file",
                        n, (unsigned long long)offset);
    if (s->buf) {
        memcpy(dst, s->buf + offset, n);
        return WFM_OK;
    }
    if (fseeko(s->file, (off_t)offset, SEEK_SET) != 0 || fread(dst, 1, n, s->file) != n)
        return wfm_fail(err, WFM_ERR_IO, "could not read %zu bytes at offset %llu", n,
                        (unsigned long long)offset);
    return WFM_OK;
}

typedef struct loader {
    wfm_model *m;
    source *src;
    wfm_st_file st;
    size_t n_loaded;
    uint8_t *raw;     /* one tensor's bytes */
    float *f32;       /* the same tensor widened */
    size_t cap;       /* elements */
    uint64_t *tensor_hash; /* [n_tensors] by header index: hash of each tensor's raw bytes */
    int threads;      /* of the default state, for the memory check */
} loader;

/* The weights hash that binds linear probes to an encoder: FNV-1a 64 run
 * over little-endian 64-bit words (a zero-padded tail), 8x faster than
 * byte-wise FNV on a 100 MB model. Each tensor's raw bytes (as stored, any
 * dtype) are hashed on their own, seeded with the byte count; the file's
 * hash then runs over every tensor in name order (strcmp): its name, a NUL
 * byte and its hash as 8 little-endian bytes, byte-wise FNV-1a 64. Printed
 * as "fnv1a64w:" + 16 hex digits. tests/probe/check_numpy.py reimplements it. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv_words(const uint8_t *p, size_t n) {
    uint64_t h = FNV_OFFSET ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = 0;
        for (int k = 7; k >= 0; k--) w = w << 8 | p[i + (size_t)k];
        h = (h ^ w) * FNV_PRIME;
    }
    if (i < n) {
        uint64_t w = 0;
        for (size_t k = n; k-- > i;) w = w << 8 | p[k];
        h = (h ^ w) * FNV_PRIME;
    }
    return h;
}

static uint64_t fnv_bytes(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static void weights_hash(loader *ld) {
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < ld->st.n_tensors; i++) {
        const wfm_st_tensor *t = ld->st.by_name[i];
        uint8_t le[8];
        uint64_t th = ld->tensor_hash[t - ld->st.tensors];
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)(th >> (8 * k));
        h = fnv_bytes(h, t->name, strlen(t->name) + 1);
        h = fnv_bytes(h, le, 8);
    }
    snprintf(ld->m->weights_hash, sizeof ld->m->weights_hash, "fnv1a64w:%016llx", (unsigned long long)h);
}

/* The header entry of tensor `name`, which must have exactly the given shape. */
static wfm_status find_tensor(const wfm_st_file *st, const char *name, int ndim, const int64_t *shape,
                              const wfm_st_tensor **out, wfm_error *err) {
    const wfm_st_tensor *t = wfm_st_find(st, name);
    if (!t) return wfm_fail(err, WFM_ERR_FORMAT, "missing tensor '%s'", name);
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = (int64_t)t->shape[i] == shape[i];
    if (!same) {
        char want[96] = "", got[96] = "";
        for (int i = 0; i < ndim; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", i ? ", " : "", (long long)shape[i]);
        for (int i = 0; i < t->ndim; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? ", " : "", (long long)t->shape[i]);
        return wfm_fail(err, WFM_ERR_FORMAT, "tensor '%s' has shape [%s], the config needs [%s]", name, got, want);
    }
    *out = t;
    return WFM_OK;
}

/* Reads tensor `name` (which must have exactly the given shape) into ld->f32. */
static wfm_status read_tensor(loader *ld, const char *name, int ndim, const int64_t *shape,
                              wfm_error *err) {
    const wfm_st_tensor *t = NULL;
    wfm_status fst = find_tensor(&ld->st, name, ndim, shape, &t, err);
    if (fst) return fst;
    size_t numel = (size_t)t->numel, bytes = (size_t)(t->end - t->begin);
    if (numel > ld->cap) {
        free(ld->raw);
        free(ld->f32);
        ld->raw = (uint8_t *)alloc_floats(numel, 1);
        ld->f32 = alloc_floats(numel, 1);
        ld->cap = ld->raw && ld->f32 ? numel : 0;
        if (!ld->cap) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory reading '%s'", name);
    }
    wfm_status st = source_read(ld->src, ld->src->data_start + t->begin, bytes, ld->raw, err);
    if (st) return st;
    ld->tensor_hash[t - ld->st.tensors] = fnv_words(ld->raw, bytes);
    wfm_st_to_f32(t->dtype, ld->raw, numel, ld->f32);
    for (size_t i = 0; i < numel; i++) {
        float v = ld->f32[i];
        if (fabsf(v) <= WFM_MAX_ABS_WEIGHT) continue; /* false for NaN too */
        char at[48];
        if (t->ndim == 2) snprintf(at, sizeof at, "[%zu, %zu]", i / (size_t)t->shape[1], i % (size_t)t->shape[1]);
        else snprintf(at, sizeof at, "[%zu]", i);
        if (!isfinite(v))
            return wfm_fail(err, WFM_ERR_FORMAT, "tensor '%s': element %s is %s; weights must be finite", name, at,
                            isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf");
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "tensor '%s': element %s is %g, beyond the limit |w| <= %g for a weight (a corrupt file?)",
                        name, at, (double)v, (double)WFM_MAX_ABS_WEIGHT);
    }
    ld->n_loaded++;
    ld->m->n_params += numel;
    return WFM_OK;
}

/* ---- the tensor table drives the loader (config.h) ---- */

/* The stack a spec's part names, or NULL. */
static wfm_stack *stack_of(wfm_model *m, wfm_tensor_part part) {
    return part == WFM_PART_ENCODER ? &m->enc : part == WFM_PART_DECODER ? &m->dec : NULL;
}

/* The linear layer a weight or bias entry fills. */
static wfm_linear *linear_of(wfm_model *m, const wfm_tensor_spec *s) {
    wfm_stack *st = stack_of(m, s->part);
    if (st) {
        wfm_block *b = &st->blocks[s->layer];
        switch (s->member) {
        case WFM_MEMBER_QKV: return &b->qkv;
        case WFM_MEMBER_ATTN_PROJ: return &b->proj;
        case WFM_MEMBER_FC1: return &b->fc1;
        case WFM_MEMBER_FC2: return &b->fc2;
        default: return NULL;
        }
    }
    switch (s->part) {
    case WFM_PART_PATCH_EMBED: return &m->patch_embed;
    case WFM_PART_DEC_EMBED: return &m->dec_embed;
    case WFM_PART_HEAD: return &m->head;
    case WFM_PART_ANCHOR_EMBED: return &m->anchor_embed;
    case WFM_PART_PROJ: return &m->proj;
    default: return NULL;
    }
}

static wfm_layernorm *norm_of(wfm_model *m, const wfm_tensor_spec *s) {
    wfm_stack *st = stack_of(m, s->part);
    if (!st) return NULL;
    if (s->layer < 0) return &st->norm;
    return s->member == WFM_MEMBER_NORM1 ? &st->blocks[s->layer].norm1 : &st->blocks[s->layer].norm2;
}

static float **vector_of(wfm_model *m, const wfm_tensor_spec *s) {
    if (s->part == WFM_PART_MASK_TOKEN) return &m->mask_token;
    if (s->part == WFM_PART_ANCHOR) return s->role == WFM_ROLE_ANCHOR_WEIGHT ? &m->anchor_weight : &m->anchor_bias;
    if (s->part == WFM_PART_ANCHOR_PROFILE) return &m->anchor_profile_weight;
    return NULL;
}

/* The rows a spec scales: attention's 1/sqrt(head_dim) is folded into the
 * query rows of qkv (weights and bias) instead of scaling every score. */
static int scaled_rows(wfm_model *m, const wfm_tensor_spec *s, float *scale) {
    wfm_stack *st = stack_of(m, s->part);
    if (!st || s->member != WFM_MEMBER_QKV) return 0;
    *scale = 1.0f / sqrtf((float)(st->cfg.dim / st->cfg.heads));
    return st->cfg.dim;
}

/* A stack's blocks and fixed positions: 2D over (patch, channel) for the
 * minute model, 1D over the time patches for a waveform model. */
static wfm_status alloc_stack(wfm_model *m, const char *prefix, wfm_block_cfg cfg, wfm_stack *s, wfm_error *err) {
    s->cfg = cfg;
    s->blocks = wfm_calloc((size_t)(cfg.layers > 0 ? cfg.layers : 1), sizeof *s->blocks);
    s->pos = alloc_floats((size_t)m->n_tokens, (size_t)cfg.dim);
    if (!s->blocks || !s->pos) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for %s", prefix);
    if (m->cfg.family == WFM_FAMILY_WAVEFORM) wfm_pos1d_sincos(s->pos, cfg.dim, m->n_patches);
    else wfm_pos2d_sincos(s->pos, cfg.dim, m->n_patches, m->cfg.n_channels);
    return WFM_OK;
}

/* anchor "cross_channel": a channel's own columns must be zero: its anchor
 * comes from the other channels only. */
static wfm_status check_anchor_weight(loader *ld, wfm_error *err) {
    const wfm_config *c = &ld->m->cfg;
    const int C = c->n_channels, F = 1 + c->n_rolling;
    for (int i = 0; i < C; i++)
        for (int f = 0; f < F; f++)
            if (ld->f32[(size_t)i * C * F + (size_t)i * F + f] != 0.0f)
                return wfm_fail(err, WFM_ERR_FORMAT,
                                "tensor 'anchor.weight': element [%d, %d] weighs channel '%s' in its own anchor; "
                                "a channel's own columns must be 0", i, i * F + f, c->channels[i].name);
    return WFM_OK;
}

/* Reads one table entry into ld->f32 and places it by its role. */
static wfm_status load_spec(loader *ld, const wfm_tensor_spec *s, wfm_error *err) {
    wfm_model *m = ld->m;
    int64_t shape[2] = {(int64_t)s->shape[0], (int64_t)s->shape[1]};
    const size_t numel = (size_t)s->shape[0] * (s->ndim > 1 ? (size_t)s->shape[1] : 1);
    float scale = 1.0f;
    int rows = scaled_rows(m, s, &scale);
    wfm_status st = read_tensor(ld, s->name, s->ndim, shape, err);
    if (st) return st;
    float **dst = NULL;
    switch (s->role) {
    case WFM_ROLE_WEIGHT: {
        wfm_linear *l = linear_of(m, s);
        l->n_out = (int)s->shape[0];
        l->n_in = (int)s->shape[1];
        for (size_t i = 0; i < (size_t)rows * l->n_in; i++) ld->f32[i] *= scale;
        l->w_packed = alloc_floats(wfm_gemm_packed_size(m->kr, (size_t)l->n_out, (size_t)l->n_in), 1);
        if (!l->w_packed) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for '%s'", s->name);
        wfm_gemm_pack_nt(m->kr, ld->f32, (size_t)l->n_in, (size_t)l->n_out, (size_t)l->n_in, l->w_packed);
        return WFM_OK;
    }
    case WFM_ROLE_BIAS: dst = &linear_of(m, s)->bias; break;
    case WFM_ROLE_NORM_WEIGHT: norm_of(m, s)->dim = (int)s->shape[0]; dst = &norm_of(m, s)->weight; break;
    case WFM_ROLE_NORM_BIAS: dst = &norm_of(m, s)->bias; break;
    case WFM_ROLE_ANCHOR_WEIGHT:
        if ((st = check_anchor_weight(ld, err))) return st;
        /* fall through */
    case WFM_ROLE_VECTOR: dst = vector_of(m, s); break;
    }
    if (!(*dst = wfm_malloc(sizeof(float) * numel)))
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for '%s'", s->name);
    memcpy(*dst, ld->f32, sizeof(float) * numel);
    for (int i = 0; i < rows && s->role == WFM_ROLE_BIAS; i++) (*dst)[i] *= scale;
    return WFM_OK;
}

/* Tensor-name prefixes an architecture owns: a file tensor outside the
 * table but under one of them is an extra layer or a mismatched config. */
static int known_prefix(const wfm_config *c, const char *name) {
    if (!strncmp(name, "patch_embed.", 12) || !strncmp(name, "encoder.", 8)) return 1;
    if (c->family == WFM_FAMILY_WAVEFORM) return c->wave.proj_dim && !strncmp(name, "proj.", 5);
    return !strncmp(name, "decoder.", 8) || !strncmp(name, "anchor.", 7);
}

static wfm_status load_weights(loader *ld, wfm_error *err) {
    wfm_model *m = ld->m;
    const wfm_config *c = &m->cfg;
    size_t n = wfm_config_tensor_count(c);
    wfm_tensor_spec *specs = wfm_malloc(n * sizeof *specs);
    if (!specs) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    wfm_status st = wfm_config_expected_tensors(c, specs, n, &n, err);
    if (!st) st = alloc_stack(m, "encoder", c->enc, &m->enc, err);
    if (!st && c->has_decoder) st = alloc_stack(m, "decoder", c->dec, &m->dec, err);
    for (size_t i = 0; i < n && !st; i++) st = load_spec(ld, &specs[i], err);
    free(specs);
    if (st) return st;
    if (ld->n_loaded != ld->st.n_tensors) {
        /* Name the first tensor the config does not explain. */
        for (size_t i = 0; i < ld->st.n_tensors; i++) {
            const char *name = ld->st.tensors[i].name;
            if (known_prefix(c, name)) continue;
            return wfm_fail(err, WFM_ERR_FORMAT, "unexpected tensor '%s' (not part of the config's architecture)", name);
        }
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "file has %zu tensors but the config describes %zu (extra layers or a mismatched config?)",
                        ld->st.n_tensors, ld->n_loaded);
    }
    return WFM_OK;
}

/* Floats of each workspace buffer, for the allocation and for the memory
 * check before it (64-bit: a hostile config must not wrap a wasm32 size_t). */
typedef struct ws_sizes {
    uint64_t n;           /* tokens: visible_index (ints), visible (bytes) */
    uint64_t act;         /* N x max dim: h, xn, tmp, stack_out */
    uint64_t qkv, mlp, kv, scratch_per_thread;
    uint64_t patches;     /* N x P (= C x T): patches, visible_patches, minute_observed, anchor */
    uint64_t enc_out, dec_out, anchor_in;
    uint64_t cross_terms, cross_anchor, cross_series, cross_prefix; /* 0 without the cross_channel anchor */
    uint64_t edge_gate;                                              /* 0 without edge_tau */
    uint64_t profile, profile_gate;                                  /* 0 without anchor_profile */
} ws_sizes;

static ws_sizes workspace_sizes(const wfm_model *m) {
    const wfm_config *c = &m->cfg;
    /* P: a token's values (N x P = C x T in both families) */
    const uint64_t N = (uint64_t)m->n_tokens, P = (uint64_t)m->token_width;
    uint64_t dmax = (uint64_t)c->enc.dim, mmax = (uint64_t)c->enc.mlp_dim;
    if (c->has_decoder) {
        if ((uint64_t)c->dec.dim > dmax) dmax = (uint64_t)c->dec.dim;
        if ((uint64_t)c->dec.mlp_dim > mmax) mmax = (uint64_t)c->dec.mlp_dim;
    }
    wfm_attention_shape se = {m->n_tokens, c->enc.dim, c->enc.heads, 1.0f}, sd = {m->n_tokens, c->dec.dim, c->dec.heads, 1.0f};
    ws_sizes z = {0};
    z.kv = wfm_attention_kv_size(m->kr, se);
    z.scratch_per_thread = wfm_attention_scratch_size(m->kr, se);
    if (c->has_decoder) {
        uint64_t kvd = wfm_attention_kv_size(m->kr, sd), sc = wfm_attention_scratch_size(m->kr, sd);
        if (kvd > z.kv) z.kv = kvd;
        if (sc > z.scratch_per_thread) z.scratch_per_thread = sc;
    }
    z.n = N;
    z.act = N * dmax;
    z.qkv = N * 3 * dmax;
    z.mlp = N * mmax;
    z.patches = N * P;
    z.enc_out = N * (uint64_t)c->enc.dim;
    if (c->family == WFM_FAMILY_MINUTE) { /* a waveform model has no decoder and no anchor */
        z.dec_out = N * P * (uint64_t)c->head_width;
        z.anchor_in = N * 2 * P;
    }
    if (c->cross_anchor) {
        const uint64_t T = (uint64_t)c->window_minutes;
        z.cross_anchor = N * P; /* = C x T */
        z.cross_terms = z.cross_anchor * (uint64_t)(1 + c->n_rolling);
        z.cross_series = 2 * T;
        z.cross_prefix = T + 1; /* doubles */
    }
    if (c->edge_tau > 0) z.edge_gate = N * P;
    if (c->anchor_profile) {
        z.profile = N * P; /* = C x T */
        z.profile_gate = (uint64_t)c->window_minutes;
    }
    return z;
}

/* Bytes of the workspace (every buffer workspace_alloc makes) and of the
 * stacks' position tables, for one window. */
static uint64_t window_bytes(const wfm_model *m, int threads) {
    ws_sizes z = workspace_sizes(m);
    const wfm_config *c = &m->cfg;
    uint64_t floats = z.scratch_per_thread * (uint64_t)threads + 4 * z.act + z.qkv + z.mlp + z.kv +
                      4 * z.patches + z.enc_out + z.dec_out + z.anchor_in + z.cross_terms + z.cross_anchor +
                      z.cross_series + 2 * z.cross_prefix + z.edge_gate + 2 * z.profile + z.profile_gate;
    floats += z.n * ((uint64_t)c->enc.dim + (c->has_decoder ? (uint64_t)c->dec.dim : 0)); /* positions */
    return floats * sizeof(float) + z.n * (sizeof(int) + 1);
}

/* ---- states ---- */

/* Every allocation of a state goes through here; NULL when a x b
 * overflows size_t (wasm32!). */
static void *state_alloc(size_t a, size_t b) {
    if (a && b > SIZE_MAX / a) return NULL;
    size_t n = a * b;
    return wfm_malloc(n ? n : 1);
}

static void workspace_free(wfm_workspace *ws) {
    free(ws->h); free(ws->xn); free(ws->tmp); free(ws->qkv); free(ws->mlp); free(ws->kv_packed);
    free(ws->attn_scratch); free(ws->patches); free(ws->visible_patches); free(ws->minute_observed);
    free(ws->stack_out); free(ws->enc_out); free(ws->dec_out); free(ws->anchor); free(ws->anchor_in);
    free(ws->cross_terms); free(ws->cross_anchor); free(ws->cross_series); free(ws->cross_prefix);
    free(ws->edge_gate); free(ws->profile); free(ws->profile_known); free(ws->profile_gate);
    free(ws->visible_index); free(ws->visible);
}

static wfm_status workspace_alloc(const wfm_model *m, int threads, wfm_workspace *ws, wfm_error *err) {
    ws_sizes z = workspace_sizes(m);
    size_t N = (size_t)z.n; /* the sizes fit size_t: load checked window_bytes against WFM_MAX_MODEL_BYTES */
    const size_t F = sizeof(float);
    memset(ws, 0, sizeof *ws);
    ws->attn_scratch_per_thread = (size_t)z.scratch_per_thread;
    /* the scratch of a state with more threads than the default may not fit */
    if (!(ws->attn_scratch = (size_t)z.scratch_per_thread > SIZE_MAX / F ? NULL
                             : state_alloc((size_t)z.scratch_per_thread * F, (size_t)threads)) ||
        !(ws->h = state_alloc((size_t)z.act, F)) || !(ws->xn = state_alloc((size_t)z.act, F)) ||
        !(ws->tmp = state_alloc((size_t)z.act, F)) || !(ws->qkv = state_alloc((size_t)z.qkv, F)) ||
        !(ws->mlp = state_alloc((size_t)z.mlp, F)) || !(ws->kv_packed = state_alloc((size_t)z.kv, F)) ||
        !(ws->patches = state_alloc((size_t)z.patches, F)) ||
        !(ws->visible_patches = state_alloc((size_t)z.patches, F)) ||
        !(ws->minute_observed = state_alloc((size_t)z.patches, F)) ||
        !(ws->stack_out = state_alloc((size_t)z.act, F)) || !(ws->enc_out = state_alloc((size_t)z.enc_out, F)) ||
        !(ws->dec_out = state_alloc((size_t)z.dec_out, F)) || !(ws->anchor = state_alloc((size_t)z.patches, F)) ||
        !(ws->anchor_in = state_alloc((size_t)z.anchor_in, F)) ||
        !(ws->cross_terms = state_alloc((size_t)z.cross_terms, F)) ||
        !(ws->cross_anchor = state_alloc((size_t)z.cross_anchor, F)) ||
        !(ws->cross_series = state_alloc((size_t)z.cross_series, F)) ||
        !(ws->cross_prefix = state_alloc((size_t)z.cross_prefix, sizeof(double))) ||
        !(ws->edge_gate = state_alloc((size_t)z.edge_gate, F)) ||
        !(ws->profile = state_alloc((size_t)z.profile, F)) ||
        !(ws->profile_known = state_alloc((size_t)z.profile, F)) ||
        !(ws->profile_gate = state_alloc((size_t)z.profile_gate, F)) ||
        !(ws->visible_index = state_alloc(N, sizeof(int))) || !(ws->visible = state_alloc(N, 1))) {
        workspace_free(ws);
        memset(ws, 0, sizeof *ws);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the workspace (%zu tokens, %d threads)", N,
                        threads);
    }
    return WFM_OK;
}

wfm_state_params wfm_state_default_params(void) {
    wfm_state_params p;
    p.n_threads = 0;
    p.mask_mode = WFM_MASK_COMPACT;
    return p;
}

wfm_status wfm_state_create(const wfm_model *m, const wfm_state_params *params, wfm_state **out,
                            wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_state_create: NULL argument");
    *out = NULL;
    if (!m) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_state_create: NULL model");
    wfm_state_params p = params ? *params : wfm_state_default_params();
    if (p.mask_mode != WFM_MASK_COMPACT && p.mask_mode != WFM_MASK_ATTENTION)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "unknown mask mode %d", (int)p.mask_mode);
    wfm_state *s = state_alloc(1, sizeof *s);
    if (!s) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for a state");
    memset(s, 0, sizeof *s);
    s->model = m;
    s->mask_mode = p.mask_mode;
    s->pool = wfm_pool_create(p.n_threads);
    if (!s->pool) {
        free(s);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "could not create the thread pool");
    }
    wfm_status st = workspace_alloc(m, wfm_pool_size(s->pool), &s->ws, err);
    if (st) {
        wfm_pool_destroy(s->pool);
        free(s);
        return st;
    }
    *out = s;
    return WFM_OK;
}

void wfm_state_free(wfm_state *s) {
    if (!s) return;
    workspace_free(&s->ws);
    wfm_pool_destroy(s->pool);
    free(s);
}

int wfm_state_threads(const wfm_state *s) { return s ? wfm_pool_size(s->pool) : 0; }

/* ---- the model-level settings act on the default state ---- */

wfm_model_params wfm_model_default_params(void) {
    wfm_model_params p;
    p.n_threads = 0;
    p.mask_mode = WFM_MASK_COMPACT;
    return p;
}

wfm_status wfm_model_set_threads(wfm_model *m, int n_threads, wfm_error *err) {
    if (!m || !m->default_state) return wfm_fail(err, WFM_ERR_INVALID_ARG, "NULL model");
    /* build the new state first; the model keeps its old one on failure */
    wfm_state_params p = {n_threads, m->default_state->mask_mode};
    wfm_state *s = NULL;
    wfm_status st = wfm_state_create(m, &p, &s, err);
    if (st) return st;
    wfm_state_free(m->default_state);
    m->default_state = s;
    return WFM_OK;
}

int wfm_model_threads(const wfm_model *m) { return m ? wfm_state_threads(m->default_state) : 0; }

wfm_status wfm_model_set_mask_mode(wfm_model *m, wfm_mask_mode mode, wfm_error *err) {
    if (!m || !m->default_state) return wfm_fail(err, WFM_ERR_INVALID_ARG, "NULL model");
    if (mode != WFM_MASK_COMPACT && mode != WFM_MASK_ATTENTION)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "unknown mask mode %d", (int)mode);
    m->default_state->mask_mode = mode;
    return WFM_OK;
}

/* ---- models ---- */

/* Before anything large is allocated: every tensor the config needs is in
 * the header with the right shape (the messages read_tensor would give), and
 * the memory the model will hold is within WFM_MAX_MODEL_BYTES. */
static wfm_status check_before_alloc(loader *ld, wfm_error *err) {
    wfm_model *m = ld->m;
    size_t n = wfm_config_tensor_count(&m->cfg);
    wfm_tensor_spec *specs = wfm_malloc(n * sizeof *specs);
    if (!specs) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    wfm_status st = wfm_config_expected_tensors(&m->cfg, specs, n, &n, err);
    uint64_t params = 0, largest = 0;
    for (size_t i = 0; i < n && !st; i++) {
        int64_t shape[2] = {(int64_t)specs[i].shape[0], (int64_t)specs[i].shape[1]};
        const wfm_st_tensor *t = NULL;
        st = find_tensor(&ld->st, specs[i].name, specs[i].ndim, shape, &t, err);
        if (st) break;
        params += t->numel;
        if (t->numel > largest) largest = t->numel;
    }
    free(specs);
    if (st) return st;
    /* weights widened to f32, plus the loader's two buffers for one tensor */
    uint64_t weights = (params + 2 * largest) * sizeof(float);
    uint64_t window = window_bytes(m, wfm_pool_threads_for(ld->threads));
    if (weights > WFM_MAX_MODEL_BYTES || window > WFM_MAX_MODEL_BYTES - weights) {
        const double gib = 1024.0 * 1024.0 * 1024.0;
        return wfm_fail(err, WFM_ERR_CONFIG,
                        "config: the model would need %.1f GiB (%.2f GiB of weights as f32, %.2f GiB of positions "
                        "and scratch for a window of %d tokens), more than the limit of %.0f GiB",
                        (double)(weights + window) / gib, (double)weights / gib, (double)window / gib, m->n_tokens,
                        (double)WFM_MAX_MODEL_BYTES / gib);
    }
    return WFM_OK;
}

static void free_linear(wfm_linear *l) { free(l->w_packed); free(l->bias); }
static void free_norm(wfm_layernorm *n) { free(n->weight); free(n->bias); }
static void free_stack(wfm_stack *s) {
    if (s->blocks)
        for (int i = 0; i < s->cfg.layers; i++) {
            wfm_block *b = &s->blocks[i];
            free_norm(&b->norm1); free_norm(&b->norm2);
            free_linear(&b->qkv); free_linear(&b->proj); free_linear(&b->fc1); free_linear(&b->fc2);
        }
    free(s->blocks);
    free_norm(&s->norm);
    free(s->pos);
}

void wfm_model_free(wfm_model *m) {
    if (!m) return;
    wfm_state_free(m->default_state);
    free_linear(&m->patch_embed);
    free_stack(&m->enc);
    free_linear(&m->dec_embed);
    free(m->mask_token);
    free_stack(&m->dec);
    free_linear(&m->head);
    free_linear(&m->anchor_embed);
    free(m->anchor_weight);
    free(m->anchor_bias);
    free(m->anchor_profile_weight);
    free_linear(&m->proj);
    wfm_config_free(&m->cfg);
    free(m->config_json);
    free(m);
}

static wfm_status load_from_source(source *src, const wfm_model_params *params, wfm_model **out,
                                   wfm_error *err) {
    wfm_model_params p = params ? *params : wfm_model_default_params();
    uint8_t first8[8];
    uint64_t header_len = 0;
    wfm_status st;
    if (src->size < 8) return wfm_fail(err, WFM_ERR_FORMAT, "file is %llu bytes, too short for a safetensors header", (unsigned long long)src->size);
    if ((st = source_read(src, 0, 8, first8, err))) return st;
    if ((st = wfm_st_header_length(first8, src->size, &header_len, err))) return st;
    src->data_start = 8 + header_len;

    wfm_model *m = wfm_calloc(1, sizeof *m);
    char *header = wfm_malloc((size_t)header_len + 1);
    loader ld = {0};
    ld.m = m;
    ld.src = src;
    if (!m || !header) {
        free(m);
        free(header);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for a %llu-byte header", (unsigned long long)header_len);
    }
    if ((st = source_read(src, 8, (size_t)header_len, header, err))) goto fail;
    header[header_len] = 0;
    if ((st = wfm_st_parse_header(header, (size_t)header_len, src->size - src->data_start, &ld.st, err))) goto fail;

    const char *cfg_json = wfm_st_metadata(&ld.st, "wearfm.config");
    if (!cfg_json) {
        st = wfm_fail(err, WFM_ERR_CONFIG, "no \"wearfm.config\" entry in __metadata__: not a wearfm model");
        goto fail;
    }
    if ((st = wfm_config_parse(cfg_json, strlen(cfg_json), &m->cfg, err))) goto fail;
    if (!(m->config_json = wfm_strdup(cfg_json))) { st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); goto fail; }
    if (m->cfg.family == WFM_FAMILY_WAVEFORM) { /* one token per time patch, holding every channel */
        m->n_patches = m->cfg.wave.window_samples / m->cfg.wave.patch_samples;
        m->n_tokens = m->n_patches;
        m->token_width = m->cfg.wave.patch_samples * m->cfg.n_channels;
    } else { /* one token per patch of one channel */
        m->n_patches = m->cfg.window_minutes / m->cfg.patch_minutes;
        m->n_tokens = m->n_patches * m->cfg.n_channels;
        m->token_width = m->cfg.patch_minutes;
    }
    if (m->n_tokens > WFM_MAX_TOKENS) {
        st = wfm_fail(err, WFM_ERR_CONFIG,
                      "config: %d tokens per window (%d patches x %d channels) exceeds the limit of %d",
                      m->n_tokens, m->n_patches, m->cfg.n_channels, WFM_MAX_TOKENS);
        goto fail;
    }
    m->kr = wfm_kernels_best();
    ld.threads = p.n_threads;
    if ((st = check_before_alloc(&ld, err))) goto fail;
    if (!(ld.tensor_hash = wfm_calloc(ld.st.n_tensors + 1, sizeof *ld.tensor_hash))) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
        goto fail;
    }
    if ((st = load_weights(&ld, err))) goto fail;
    weights_hash(&ld);
    wfm_state_params sp = {p.n_threads, p.mask_mode};
    if ((st = wfm_state_create(m, &sp, &m->default_state, err))) goto fail;

    free(header);
    free(ld.raw);
    free(ld.f32);
    free(ld.tensor_hash);
    wfm_st_free(&ld.st);
    *out = m;
    return WFM_OK;
fail:
    free(header);
    free(ld.raw);
    free(ld.f32);
    free(ld.tensor_hash);
    wfm_st_free(&ld.st);
    wfm_model_free(m);
    return st;
}

wfm_status wfm_model_load_buffer(const void *data, size_t size, const wfm_model_params *params,
                                 wfm_model **out, wfm_error *err) {
    if (!out || (!data && size)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_model_load_buffer: NULL argument");
    *out = NULL;
    source src = {0};
    src.buf = data;
    src.size = size;
    return load_from_source(&src, params, out, err);
}

wfm_status wfm_model_load_file(const char *path, const wfm_model_params *params, wfm_model **out,
                               wfm_error *err) {
    if (!path || !out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_model_load_file: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return wfm_fail(err, WFM_ERR_IO, "cannot open model '%s'", path);
    /* fopen of a directory succeeds on Linux; only the reads fail. */
    struct stat sb;
    if (!fstat(fileno(f), &sb) && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return wfm_fail(err, WFM_ERR_IO, "model '%s' is a directory, not a model file", path);
    }
    source src = {0};
    src.file = f;
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) == 0) size = ftello(f);
    if (size < 0) {
        fclose(f);
        return wfm_fail(err, WFM_ERR_IO, "cannot determine the size of '%s'", path);
    }
    src.size = (uint64_t)size;
    wfm_status st = load_from_source(&src, params, out, err);
    fclose(f);
    if (st) wfm_error_prefix(err, "%s", path);
    return st;
}
