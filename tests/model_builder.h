/* Builds a random lsm2_mae model as an in-memory safetensors file, so C
 * tests can exercise the loader and the forward pass without Python. */
#ifndef WFM_MODEL_BUILDER_H
#define WFM_MODEL_BUILDER_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testing.h"
#include "wearfm.h"

typedef struct {
    int T, P, C;
    int de, le, he, me;   /* encoder dim, layers, heads, mlp */
    int dd, ld, hd, md;   /* decoder; ld = 0 and dd = 0 for encoder-only */
    const char *extra_tensor;   /* add an unexpected tensor (negative tests) */
    const char *skip_tensor;    /* leave one out */
    int bad_shape_first;        /* corrupt the first tensor's shape */
    const char *poke_tensor;    /* set element poke_index of this tensor to poke_value */
    size_t poke_index;
    float poke_value;
} mb_config;

typedef struct { char name[128]; int ndim; int64_t shape[2]; } mb_tensor;

static size_t mb_list(const mb_config *c, mb_tensor *t) {
    size_t n = 0;
#define ADD1(nm, a) (snprintf(t[n].name, 128, "%s", nm), t[n].ndim = 1, t[n].shape[0] = (a), n++)
#define ADD2(nm, a, b) (snprintf(t[n].name, 128, "%s", nm), t[n].ndim = 2, t[n].shape[0] = (a), t[n].shape[1] = (b), n++)
    char nm[128];
    ADD2("patch_embed.weight", c->de, c->P);
    ADD1("patch_embed.bias", c->de);
    for (int pass = 0; pass < 2; pass++) {
        const char *pre = pass ? "decoder" : "encoder";
        int D = pass ? c->dd : c->de, L = pass ? c->ld : c->le, M = pass ? c->md : c->me;
        if (pass && !c->dd) break;
        if (pass) {
            ADD2("decoder.embed.weight", c->dd, c->de);
            ADD1("decoder.embed.bias", c->dd);
            ADD1("decoder.mask_token", c->dd);
        }
        for (int i = 0; i < L; i++) {
#define L1(s, a) (snprintf(nm, 128, "%s.layers.%d.%s", pre, i, s), ADD1(nm, a))
#define L2(s, a, b) (snprintf(nm, 128, "%s.layers.%d.%s", pre, i, s), ADD2(nm, a, b))
            L1("norm1.weight", D); L1("norm1.bias", D);
            L2("attn.qkv.weight", 3 * D, D); L1("attn.qkv.bias", 3 * D);
            L2("attn.proj.weight", D, D); L1("attn.proj.bias", D);
            L1("norm2.weight", D); L1("norm2.bias", D);
            L2("mlp.fc1.weight", M, D); L1("mlp.fc1.bias", M);
            L2("mlp.fc2.weight", D, M); L1("mlp.fc2.bias", D);
#undef L1
#undef L2
        }
        snprintf(nm, 128, "%s.norm.weight", pre); ADD1(nm, D);
        snprintf(nm, 128, "%s.norm.bias", pre); ADD1(nm, D);
        if (pass) {
            ADD2("decoder.head.weight", c->P, c->dd);
            ADD1("decoder.head.bias", c->P);
        }
    }
    if (c->extra_tensor) ADD1(c->extra_tensor, 4);
#undef ADD1
#undef ADD2
    return n;
}

/* Returns a malloc'd file image; *size receives its length. With
 * header_only, the image stops after the header and *full_size receives the
 * length the whole file would have (for sparse files: a config that needs
 * gigabytes in a file of a few KB on disk). */
static uint8_t *mb_build_ex(const mb_config *c, unsigned seed, size_t *size, int header_only, uint64_t *full_size) {
    mb_tensor *t = calloc(4096, sizeof *t);
    size_t n = mb_list(c, t);
    char cfg[4096];
    int k = snprintf(cfg, sizeof cfg,
                     "{\\\"format_version\\\": 1, \\\"architecture\\\": \\\"lsm2_mae\\\", \\\"window_minutes\\\": %d, "
                     "\\\"patch_minutes\\\": %d, \\\"norm_eps\\\": 1e-6, \\\"channels\\\": [",
                     c->T, c->P);
    for (int ch = 0; ch < c->C; ch++)
        k += snprintf(cfg + k, sizeof cfg - k,
                      "%s{\\\"name\\\": \\\"ch%d\\\", \\\"unit\\\": \\\"u\\\", \\\"mean\\\": %d.5, \\\"std\\\": %d.0, "
                      "\\\"clip\\\": [-4.0, 4.0]}",
                      ch ? ", " : "", ch, 10 * ch, ch + 1);
    k += snprintf(cfg + k, sizeof cfg - k,
                  "], \\\"encoder\\\": {\\\"dim\\\": %d, \\\"layers\\\": %d, \\\"heads\\\": %d, \\\"mlp_dim\\\": %d}",
                  c->de, c->le, c->he, c->me);
    if (c->dd)
        k += snprintf(cfg + k, sizeof cfg - k,
                      ", \\\"decoder\\\": {\\\"dim\\\": %d, \\\"layers\\\": %d, \\\"heads\\\": %d, \\\"mlp_dim\\\": %d}",
                      c->dd, c->ld, c->hd, c->md);
    snprintf(cfg + k, sizeof cfg - k, "}");

    size_t cap = 65536 + n * 160, hl = 0, off = 0;
    char *hdr = malloc(cap);
    hl += (size_t)snprintf(hdr, cap, "{\"__metadata__\": {\"wearfm.config\": \"%s\"}", cfg);
    for (size_t i = 0; i < n; i++) {
        if (c->skip_tensor && !strcmp(t[i].name, c->skip_tensor)) continue;
        size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
        int64_t s0 = t[i].shape[0] + (i == 0 && c->bad_shape_first ? 1 : 0);
        size_t numel_written = (size_t)s0 * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
        (void)numel;
        if (t[i].ndim == 2)
            hl += (size_t)snprintf(hdr + hl, cap - hl, ", \"%s\": {\"dtype\": \"F32\", \"shape\": [%lld, %lld], \"data_offsets\": [%zu, %zu]}",
                                   t[i].name, (long long)s0, (long long)t[i].shape[1], off, off + 4 * numel_written);
        else
            hl += (size_t)snprintf(hdr + hl, cap - hl, ", \"%s\": {\"dtype\": \"F32\", \"shape\": [%lld], \"data_offsets\": [%zu, %zu]}",
                                   t[i].name, (long long)s0, off, off + 4 * numel_written);
        off += 4 * numel_written;
        t[i].shape[0] = s0;
    }
    hl += (size_t)snprintf(hdr + hl, cap - hl, "}");
    if (full_size) *full_size = 8 + (uint64_t)hl + off;
    uint8_t *buf = malloc(8 + hl + (header_only ? 0 : off));
    uint64_t h64 = hl;
    for (int b = 0; b < 8; b++) buf[b] = (uint8_t)(h64 >> (8 * b));
    memcpy(buf + 8, hdr, hl);
    if (header_only) {
        free(hdr);
        free(t);
        *size = 8 + hl;
        return buf;
    }
    float *data = (float *)(void *)(buf + 8 + hl); /* unaligned is fine on x86/wasm for memcpy below */
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (c->skip_tensor && !strcmp(t[i].name, c->skip_tensor)) continue;
        size_t numel = (size_t)t[i].shape[0] * (t[i].ndim == 2 ? (size_t)t[i].shape[1] : 1);
        int is_norm_w = strstr(t[i].name, "norm") && strstr(t[i].name, ".weight");
        float scale = t[i].ndim == 2 ? 1.0f / sqrtf((float)t[i].shape[1]) : 0.1f;
        for (size_t e = 0; e < numel; e++) {
            float v = (is_norm_w ? 1.0f : 0.0f) + scale * wfm_t_uniform(&seed);
            if (c->poke_tensor && !strcmp(t[i].name, c->poke_tensor) && e == c->poke_index) v = c->poke_value;
            memcpy((uint8_t *)data + 4 * (pos + e), &v, 4);
        }
        pos += numel;
    }
    free(hdr);
    free(t);
    *size = 8 + hl + off;
    return buf;
}
static uint8_t *mb_build(const mb_config *c, unsigned seed, size_t *size) {
    return mb_build_ex(c, seed, size, 0, NULL);
}

/* mb_build(c, seed) loaded with a mask mode and thread count (a failed check and NULL on error). */
static inline wfm_model *mb_load(const mb_config *c, unsigned seed, wfm_mask_mode mode, int threads) {
    size_t size;
    uint8_t *buf = mb_build(c, seed, &size);
    wfm_model_params p = wfm_model_default_params();
    p.mask_mode = mode;
    p.n_threads = threads;
    wfm_model *m = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_model_load_buffer(buf, size, &p, &m, &err);
    CHECK_MSG(st == WFM_OK, "load: %s", err.message);
    free(buf);
    return m;
}

/* A window [T, C] for c with missing_pct% of patches removed and some minutes missing inside the rest. */
static inline float *mb_input(const mb_config *c, int missing_pct, unsigned seed) {
    float *x = malloc(sizeof(float) * (size_t)c->T * c->C);
    for (int t = 0; t < c->T; t++)
        for (int ch = 0; ch < c->C; ch++)
            x[t * c->C + ch] = 10.0f * ch + 0.5f + (ch + 1) * 2.0f * wfm_t_uniform(&seed);
    for (int ch = 0; ch < c->C; ch++)
        for (int p = 0; p < c->T / c->P; p++) {
            int r = (int)(wfm_t_rand(&seed) % 100);
            for (int i = 0; i < c->P; i++)
                if (r < missing_pct || wfm_t_rand(&seed) % 5 == 0) x[(p * c->P + i) * c->C + ch] = NAN;
        }
    return x;
}
#endif
