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
#include "model/config.h"

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

/* The tensors a format_version 1 model of c needs, from the C core's own
 * table (wfm_config_expected_tensors, src/model/config.c), so the builder
 * writes what the loader reads; then c->extra_tensor. The config is filled
 * directly, not parsed, so configs the loader must refuse can be built too.
 * t has room for wfm_config_tensor_count + 1. */
static size_t mb_list(const mb_config *c, mb_tensor *t, size_t cap) {
    wfm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.family = WFM_FAMILY_MINUTE;
    cfg.window_minutes = c->T, cfg.patch_minutes = c->P, cfg.n_channels = c->C;
    cfg.enc = (wfm_block_cfg){c->de, c->le, c->he, c->me};
    cfg.dec = (wfm_block_cfg){c->dd, c->ld, c->hd, c->md};
    cfg.has_decoder = c->dd > 0;
    cfg.head_width = 1;
    size_t n = wfm_config_tensor_count(&cfg), got = 0;
    wfm_tensor_spec *specs = calloc(n ? n : 1, sizeof *specs);
    if (!specs || n + 1 > cap || wfm_config_expected_tensors(&cfg, specs, n, &got, NULL)) {
        fprintf(stderr, "model_builder: cannot list the tensors of this config\n");
        exit(1);
    }
    for (size_t i = 0; i < got; i++) {
        snprintf(t[i].name, sizeof t[i].name, "%s", specs[i].name);
        t[i].ndim = specs[i].ndim;
        t[i].shape[0] = (int64_t)specs[i].shape[0];
        t[i].shape[1] = (int64_t)specs[i].shape[1];
    }
    free(specs);
    if (c->extra_tensor) {
        snprintf(t[got].name, sizeof t[got].name, "%s", c->extra_tensor);
        t[got].ndim = 1, t[got].shape[0] = 4, t[got].shape[1] = 0;
        got++;
    }
    return got;
}

/* Returns a malloc'd file image; *size receives its length. With
 * header_only, the image stops after the header and *full_size receives the
 * length the whole file would have (for sparse files: a config that needs
 * gigabytes in a file of a few KB on disk). */
static uint8_t *mb_build_ex(const mb_config *c, unsigned seed, size_t *size, int header_only, uint64_t *full_size) {
    mb_tensor *t = calloc(4096, sizeof *t);
    size_t n = mb_list(c, t, 4096);
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
