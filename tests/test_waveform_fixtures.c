/* The waveform forward pass against committed PyTorch numbers: two tiny
 * waveform_encoder models (tests/fixtures/make_fixtures.py, w1 and w2: an
 * accelerometer with window_z and a projection head, a PPG channel with
 * fixed normalisation and no head) with a window that has gaps, and the
 * reference's float64 outputs. The embedding and the token outputs must be
 * within max|a-b| / max|b| <= 1e-4 (docs/model-format.md) with every kernel
 * set this CPU has, both mask modes and 1 or 2 threads, so ctest alone
 * catches a wrong forward pass; a changed weight or input sample must fail
 * the same check. The files are embedded by CMake (fixtures_data.h). */
#include "wearfm.h"
#include "kernels/gemm.h"
#include "testing.h"
#include "fixture_util.h"
#include "fixtures_data.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BOUND 1e-4

typedef struct {
    const char *name;
    const unsigned char *model, *ref;
    size_t model_size, ref_size;
} fixture;

static const fixture FIXTURES[] = {
    {"w1", wfm_fx_w1_safetensors, wfm_fx_w1_ref, sizeof wfm_fx_w1_safetensors, sizeof wfm_fx_w1_ref},
    {"w2", wfm_fx_w2_safetensors, wfm_fx_w2_ref, sizeof wfm_fx_w2_safetensors, sizeof wfm_fx_w2_ref},
};

/* A parsed .ref file (layout in make_fixtures.py). */
typedef struct {
    int T, C, N, D, E, n_visible, window_z;
    float *x;
    double *emb, *tok;
    uint8_t *vis;
} reference;

static int parse_ref(const fixture *f, reference *r) {
    memset(r, 0, sizeof *r);
    const unsigned char *p = f->ref;
    uint32_t one = 1;
    unsigned char le;
    memcpy(&le, &one, 1);
    if (!le || f->ref_size < 36 || memcmp(p, "WFMWAV1\n", 8)) return 0;
    int32_t h[7];
    memcpy(h, p + 8, sizeof h);
    p += 36;
    r->T = h[0], r->C = h[1], r->N = h[2], r->D = h[3], r->E = h[4], r->n_visible = h[5], r->window_z = h[6];
    size_t tc = (size_t)r->T * r->C, nd = (size_t)r->N * r->D;
    if (f->ref_size != 36 + 4 * tc + 8 * ((size_t)r->E + nd) + (size_t)r->N) return 0;
#define TAKE(dst, n, type) (dst = malloc(sizeof(type) * (n)), memcpy(dst, p, sizeof(type) * (n)), p += sizeof(type) * (n))
    TAKE(r->x, tc, float);
    TAKE(r->emb, (size_t)r->E, double);
    TAKE(r->tok, nd, double);
    TAKE(r->vis, (size_t)r->N, uint8_t);
#undef TAKE
    return 1;
}

static void free_ref(reference *r) { free(r->x); free(r->emb); free(r->tok); free(r->vis); }

/* max|a-b| / max|b| where b is finite; a NaN pattern that differs is infinite. */
static double rel_err(const float *a, const double *b, size_t n) {
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(b[i])) {
            if (!isnan(a[i])) return INFINITY;
            continue;
        }
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= md)) md = d;
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    if (md != md) return INFINITY;
    return mb > 0 ? md / mb : md;
}

typedef struct { double emb, tok; int vis_ok; } errors;

static double worst(const errors *e) {
    if (!e->vis_ok) return INFINITY;
    return e->tok > e->emb || e->tok != e->tok ? e->tok : e->emb;
}

/* Loads `model`, runs the window x, measures against r. 0 if it did not load or run. */
static int measure(const void *model, size_t size, const reference *r, const float *x, wfm_mask_mode mode,
                   int threads, errors *e) {
    wfm_model_params prm = wfm_model_default_params();
    prm.mask_mode = mode;
    prm.n_threads = threads;
    wfm_model *m = NULL;
    wfm_error err = {0};
    if (wfm_model_load_buffer(model, size, &prm, &m, &err) != WFM_OK) {
        fprintf(stderr, "  load: %s\n", err.message);
        return 0;
    }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    int ok = info.family == WFM_FAMILY_WAVEFORM && info.window_samples == r->T && info.n_channels == r->C &&
             info.n_tokens == r->N && info.enc_dim == r->D && info.embedding_dim == r->E &&
             !strcmp(info.input_norm, r->window_z ? "window_z" : "fixed");
    float *emb = malloc(sizeof(float) * r->E), *tok = malloc(sizeof(float) * r->N * r->D);
    uint8_t *vis = malloc((size_t)r->N);
    wfm_outputs o = {0};
    o.embedding = emb;
    o.token_embeddings = tok;
    o.token_visible = vis;
    if (ok && wfm_run(m, x, &o, &err) != WFM_OK) {
        fprintf(stderr, "  run: %s\n", err.message);
        ok = 0;
    }
    if (ok) {
        e->emb = rel_err(emb, r->emb, (size_t)r->E);
        e->tok = rel_err(tok, r->tok, (size_t)r->N * r->D);
        e->vis_ok = o.n_visible_tokens == r->n_visible && !memcmp(vis, r->vis, (size_t)r->N);
    }
    free(emb); free(tok); free(vis);
    wfm_model_free(m);
    return ok;
}

static void print_errors(const char *what, const errors *e) {
    printf("  %-40s embedding %.2e  tokens %.2e  visibility %s\n", what, e->emb, e->tok,
           e->vis_ok ? "same" : "DIFFERENT");
}

static void check_fixture(const fixture *f) {
    reference r;
    CHECK_MSG(parse_ref(f, &r), "%s.ref is malformed", f->name);
    if (!r.x) return;
    printf("  %s: %d samples x %d channels, %d/%d tokens visible, embedding %d (%s)\n", f->name, r.T, r.C,
           r.n_visible, r.N, r.E, r.window_z ? "window_z" : "fixed");
    const char *saved = getenv("WFM_KERNELS");
    char keep[64] = "";
    if (saved) snprintf(keep, sizeof keep, "%s", saved);
    double w = 0;
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++) {
        setenv("WFM_KERNELS", (*k)->name, 1); /* read when a model is loaded */
        for (int mode = 0; mode < 2; mode++)
            for (int threads = 1; threads <= 2; threads++) {
                errors e;
                char what[160];
                snprintf(what, sizeof what, "%s, %s, %s, %d thread%s:", f->name, (*k)->name,
                         mode ? "attention" : "compact", threads, threads > 1 ? "s" : "");
                int ok = measure(f->model, f->model_size, &r, r.x, (wfm_mask_mode)mode, threads, &e);
                CHECK_MSG(ok, "%s did not run", what);
                if (!ok) continue;
                if (mode == 0 && threads == 1) print_errors(what, &e);
                CHECK_MSG(worst(&e) <= BOUND, "%s error %.3g > %g", what, worst(&e), BOUND);
                if (worst(&e) > w) w = worst(&e);
            }
    }
    if (saved) setenv("WFM_KERNELS", keep, 1);
    else unsetenv("WFM_KERNELS");
    printf("  %s: worst error over kernels, mask modes and threads %.2e (bound %.0e)\n", f->name, w, BOUND);
    free_ref(&r);
}

TEST(w1_matches_pytorch) { check_fixture(&FIXTURES[0]); }
TEST(w2_matches_pytorch) { check_fixture(&FIXTURES[1]); }

TEST(a_changed_weight_fails_the_check) {
    /* One weight changed by 0.01 in each part of the network: the embedding
     * must leave the bound. The projection head's weight and bias are only
     * in w1; w2 has none. */
    static const struct { int fx; const char *tensor; size_t index; } pokes[] = {
        {0, "patch_embed.weight", 8 * 16 + 3},   /* channel 1's weights of the first output */
        {0, "encoder.layers.0.attn.qkv.weight", 2 * 16 * 16 + 5}, /* a value row */
        {0, "encoder.layers.1.mlp.fc1.bias", 4},
        {0, "encoder.norm.weight", 2},
        {0, "proj.weight", 9},
        {0, "proj.bias", 3},
        {1, "patch_embed.bias", 1},
        {1, "encoder.layers.1.attn.proj.weight", 7},
        {1, "encoder.norm.bias", 11},
    };
    for (size_t i = 0; i < sizeof pokes / sizeof *pokes; i++) {
        const fixture *f = &FIXTURES[pokes[i].fx];
        reference r;
        if (!parse_ref(f, &r)) { CHECK(0); continue; }
        unsigned char *copy = malloc(f->model_size);
        memcpy(copy, f->model, f->model_size);
        size_t at = element_offset(copy, f->model_size, pokes[i].tensor, pokes[i].index);
        CHECK_MSG(at > 0, "no tensor %s", pokes[i].tensor);
        if (at) {
            float v;
            memcpy(&v, copy + at, 4);
            v += 0.01f;
            memcpy(copy + at, &v, 4);
            errors e;
            CHECK(measure(copy, f->model_size, &r, r.x, WFM_MASK_COMPACT, 1, &e));
            char what[160];
            snprintf(what, sizeof what, "%s, %s[%zu] + 0.01:", f->name, pokes[i].tensor, pokes[i].index);
            print_errors(what, &e);
            CHECK_MSG(e.emb > BOUND, "%s embedding still passes (%.3g)", what, e.emb);
        }
        free(copy);
        free_ref(&r);
    }
}

TEST(the_input_path_is_pinned) {
    /* One observed sample of a visible token moved by 2% of a channel std
     * fails the check (normalisation, token layout); with window_z (w1) the
     * same window at another gain and offset passes it, since a window's
     * own mean and std take them out. */
    for (int fx = 0; fx < 2; fx++) {
        const fixture *f = &FIXTURES[fx];
        reference r;
        if (!parse_ref(f, &r)) { CHECK(0); continue; }
        size_t tc = (size_t)r.T * r.C, P = (size_t)r.T / (size_t)r.N, i;
        for (i = 0; i < tc && !(r.vis[i / r.C / P] && !isnan(r.x[i])); i++) continue;
        CHECK(i < tc);
        float *x = malloc(sizeof(float) * tc);
        memcpy(x, r.x, sizeof(float) * tc);
        wfm_model *m = NULL;
        wfm_channel_info ch = {0};
        CHECK(wfm_model_load_buffer(f->model, f->model_size, NULL, &m, NULL) == WFM_OK);
        CHECK(wfm_model_get_channel(m, (int)(i % r.C), &ch, NULL) == WFM_OK);
        x[i] += 0.02f * ch.std;
        wfm_model_free(m);
        errors e;
        CHECK(measure(f->model, f->model_size, &r, x, WFM_MASK_COMPACT, 1, &e));
        char what[160];
        snprintf(what, sizeof what, "%s, sample %zu channel %zu moved:", f->name, i / r.C, i % r.C);
        print_errors(what, &e);
        CHECK_MSG(worst(&e) > BOUND, "%s still passes (%.3g)", what, worst(&e));
        if (r.window_z) {
            for (size_t k = 0; k < tc; k++) x[k] = r.x[k] * 2.5f + 4.0f;
            CHECK(measure(f->model, f->model_size, &r, x, WFM_MASK_COMPACT, 1, &e));
            print_errors("w1, the window x 2.5 + 4 (window_z):", &e);
            CHECK_MSG(worst(&e) <= BOUND, "window_z: a gain and offset changed the embedding (%.3g)", worst(&e));
        }
        free(x);
        free_ref(&r);
    }
}

int main(void) {
    RUN(w1_matches_pytorch);
    RUN(w2_matches_pytorch);
    RUN(a_changed_weight_fails_the_check);
    RUN(the_input_path_is_pinned);
    return TEST_SUMMARY();
}
