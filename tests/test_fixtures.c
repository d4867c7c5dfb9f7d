/* The forward pass against committed PyTorch numbers: five tiny models
 * (format_version 1, 2, 2 with the cross_channel anchor, that with a
 * profile given beside the window (anchor_profile), that with
 * absent_residual false, and that with heart rate's residual only where the
 * other value channels are missing,
 * tests/fixtures/make_fixtures.py) with their
 * inputs and the reference's float64 outputs. Every output of wfm_run must
 * be within max|a-b| / max|b| <= 1e-4 of the reference (docs/model-format.md),
 * in both mask modes, with every kernel set this CPU has and 1 or 2 threads,
 * so ctest alone catches a wrong forward pass. One changed weight must fail
 * the same check (the test can fail).
 *
 * The fixture files are embedded by CMake (fixtures_data.h), so the native
 * and WASI builds read no file at test time. */
#include "wearfm.h"
#include "kernels/gemm.h"
#include "testing.h"
#include "fixture_util.h"
#include "fixtures_data.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BOUND 1e-4

typedef struct {
    const char *name;
    const unsigned char *model, *ref;
    size_t model_size, ref_size;
} fixture;

static const fixture FIXTURES[] = {
    {"v1", wfm_fx_v1_safetensors, wfm_fx_v1_ref, sizeof wfm_fx_v1_safetensors, sizeof wfm_fx_v1_ref},
    {"v2", wfm_fx_v2_safetensors, wfm_fx_v2_ref, sizeof wfm_fx_v2_safetensors, sizeof wfm_fx_v2_ref},
    {"v2x", wfm_fx_v2x_safetensors, wfm_fx_v2x_ref, sizeof wfm_fx_v2x_safetensors, sizeof wfm_fx_v2x_ref},
    {"v2p", wfm_fx_v2p_safetensors, wfm_fx_v2p_ref, sizeof wfm_fx_v2p_safetensors, sizeof wfm_fx_v2p_ref},
    {"v2a", wfm_fx_v2a_safetensors, wfm_fx_v2a_ref, sizeof wfm_fx_v2a_safetensors, sizeof wfm_fx_v2a_ref},
    {"v2g", wfm_fx_v2g_safetensors, wfm_fx_v2g_ref, sizeof wfm_fx_v2g_safetensors, sizeof wfm_fx_v2g_ref},
    {"v2q", wfm_fx_v2q_safetensors, wfm_fx_v2q_ref, sizeof wfm_fx_v2q_safetensors, sizeof wfm_fx_v2q_ref},
};

/* A parsed .ref file (layout in make_fixtures.py). */
typedef struct {
    int T, C, N, D, n_visible, version;
    float *x;
    float *profile;  /* "WFMREF2": the window's profile (anchor_profile), else NULL */
    double *emb, *rec, *imp, *fill, *tok;
    uint8_t *vis;
} reference;

static int little_endian(void) {
    uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static int parse_ref(const fixture *f, reference *r) {
    memset(r, 0, sizeof *r);
    const unsigned char *p = f->ref, *end = f->ref + f->ref_size;
    if (!little_endian() || f->ref_size < 32 || (memcmp(p, "WFMREF1\n", 8) && memcmp(p, "WFMREF2\n", 8))) return 0;
    const int with_profile = !memcmp(p, "WFMREF2\n", 8);
    int32_t h[6];
    memcpy(h, p + 8, sizeof h);
    p += 32;
    r->T = h[0], r->C = h[1], r->N = h[2], r->D = h[3], r->n_visible = h[4], r->version = h[5];
    size_t tc = (size_t)r->T * r->C, nd = (size_t)r->N * r->D;
    if (f->ref_size != 32 + 4 * tc * (with_profile ? 2 : 1) + 8 * (r->D + 3 * tc + nd) + (size_t)r->N) return 0;
#define TAKE(dst, n, type) (dst = malloc(sizeof(type) * (n)), memcpy(dst, p, sizeof(type) * (n)), p += sizeof(type) * (n))
    TAKE(r->x, tc, float);
    if (with_profile) TAKE(r->profile, tc, float);
    TAKE(r->emb, (size_t)r->D, double);
    TAKE(r->rec, tc, double);
    TAKE(r->imp, tc, double);
    TAKE(r->fill, tc, double);
    TAKE(r->tok, nd, double);
    TAKE(r->vis, (size_t)r->N, uint8_t);
#undef TAKE
    return p == end;
}

static void free_ref(reference *r) {
    free(r->x); free(r->profile); free(r->emb); free(r->rec); free(r->imp); free(r->fill); free(r->tok); free(r->vis);
}

/* max|a-b| / max|b| over the entries where b is finite (the project's
 * measure). A NaN in a where b is finite, or a number where b is NaN, is
 * an infinite error: the pattern of missing outputs must match too. */
static double rel_err(const float *a, const double *b, size_t n, size_t stride, size_t first) {
    double md = 0, mb = 0;
    for (size_t i = first; i < n; i += stride) {
        if (isnan(b[i])) {
            if (!isnan(a[i])) return INFINITY;
            continue;
        }
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= md)) md = d; /* NaN in a: md becomes NaN */
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    if (md != md) return INFINITY;
    return mb > 0 ? md / mb : md;
}

typedef struct { double emb, rec, imp, fill, tok, rec_ch, imp_ch; int vis_ok; } errors;

static double worst(const errors *e) {
    double w = e->emb;
    const double v[] = {e->rec, e->imp, e->fill, e->tok, e->rec_ch, e->imp_ch};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) if (!(v[i] <= w)) w = v[i];
    return e->vis_ok ? w : INFINITY;
}

/* Loads `model` (size bytes), runs the fixture's window, and measures
 * every output against the reference. Returns 0 if it did not load or run. */
static int measure(const void *model, size_t size, const reference *r, wfm_mask_mode mode, int threads,
                   errors *e) {
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
    int ok = info.window_minutes == r->T && info.n_channels == r->C && info.n_tokens == r->N &&
             info.enc_dim == r->D && info.has_decoder;
    size_t tc = (size_t)r->T * r->C;
    float *emb = malloc(sizeof(float) * r->D), *rec = malloc(sizeof(float) * tc),
          *imp = malloc(sizeof(float) * tc), *fill = malloc(sizeof(float) * tc),
          *tok = malloc(sizeof(float) * r->N * r->D);
    uint8_t *vis = malloc((size_t)r->N);
    wfm_outputs o = {emb, rec, imp, tok, vis, fill, 0};
    if (ok && wfm_run_profile(m, r->x, r->profile, &o, &err) != WFM_OK) {
        fprintf(stderr, "  run: %s\n", err.message);
        ok = 0;
    }
    if (ok) {
        e->emb = rel_err(emb, r->emb, (size_t)r->D, 1, 0);
        e->rec = rel_err(rec, r->rec, tc, 1, 0);
        e->imp = rel_err(imp, r->imp, tc, 1, 0);
        e->fill = rel_err(fill, r->fill, tc, 1, 0);
        e->tok = rel_err(tok, r->tok, (size_t)r->N * r->D, 1, 0);
        /* Stricter than the format's bound: each channel against its own
         * scale, so a small channel is not hidden behind a large one. */
        e->rec_ch = e->imp_ch = 0;
        for (int c = 0; c < r->C; c++) {
            double a = rel_err(rec, r->rec, tc, (size_t)r->C, (size_t)c),
                   b = rel_err(imp, r->imp, tc, (size_t)r->C, (size_t)c);
            if (!(a <= e->rec_ch)) e->rec_ch = a;
            if (!(b <= e->imp_ch)) e->imp_ch = b;
        }
        e->vis_ok = o.n_visible_tokens == r->n_visible && memcmp(vis, r->vis, (size_t)r->N) == 0;
    }
    free(emb); free(rec); free(imp); free(fill); free(tok); free(vis);
    wfm_model_free(m);
    return ok;
}

static void print_errors(const char *what, const errors *e) {
    printf("  %-34s embedding %.2e  reconstruction %.2e (per channel %.2e)  imputed %.2e (%.2e)  "
           "fill probability %.2e  tokens %.2e  visibility %s\n",
           what, e->emb, e->rec, e->rec_ch, e->imp, e->imp_ch, e->fill, e->tok, e->vis_ok ? "same" : "DIFFERENT");
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check_fixture(const fixture *f) {
    reference r;
    CHECK_MSG(parse_ref(f, &r), "%s.ref is malformed", f->name);
    if (!r.x) return;
    CHECK(r.version == (f->name[1] - '0'));
    int n_fill = 0;
    for (size_t i = 0; i < (size_t)r.T * r.C; i++) n_fill += !isnan(r.fill[i]);
    printf("  %s: format_version %d, %d minutes x %d channels, %d/%d tokens visible, %d fill probabilities\n",
           f->name, r.version, r.T, r.C, r.n_visible, r.N, n_fill);
    CHECK(r.version == 1 ? n_fill == 0 : n_fill > 0);
    const char *saved = getenv("WFM_KERNELS");
    char keep[64] = "";
    if (saved) snprintf(keep, sizeof keep, "%s", saved);
    double w = 0;
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++) {
        setenv("WFM_KERNELS", (*k)->name, 1); /* read when a model is loaded */
        for (int mode = 0; mode < 2; mode++)
            for (int threads = 1; threads <= 2; threads++) {
                errors e;
                char what[192];
                snprintf(what, sizeof what, "%s, %s, %s, %d thread%s:", f->name, (*k)->name,
                         mode ? "attention" : "compact", threads, threads > 1 ? "s" : "");
                int ok = measure(f->model, f->model_size, &r, (wfm_mask_mode)mode, threads, &e);
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

TEST(v1_matches_pytorch) { check_fixture(&FIXTURES[0]); }
TEST(v2_matches_pytorch) { check_fixture(&FIXTURES[1]); }
TEST(v2x_matches_pytorch) { check_fixture(&FIXTURES[2]); }
TEST(v2p_matches_pytorch) { check_fixture(&FIXTURES[3]); }
TEST(v2a_matches_pytorch) { check_fixture(&FIXTURES[4]); }
/* The imputed window of fixture `fx` (optionally with decoder.head.bias[0]
 * moved by `poke`) on the input and profile of fixture `on`; malloc'd, T x C. */
static float *imputed_on(int on, int fx, float poke) {
    reference r;
    if (!parse_ref(&FIXTURES[on], &r)) return NULL;
    const fixture *f = &FIXTURES[fx];
    unsigned char *copy = malloc(f->model_size);
    memcpy(copy, f->model, f->model_size);
    size_t at = element_offset(copy, f->model_size, "decoder.head.bias", 0);
    float v;
    memcpy(&v, copy + at, 4);
    v += poke;
    memcpy(copy + at, &v, 4);
    wfm_model *m = NULL;
    float *imp = malloc(sizeof(float) * (size_t)r.T * r.C);
    wfm_outputs o = {0};
    o.imputed = imp;
    if (!at || wfm_model_load_buffer(copy, f->model_size, NULL, &m, NULL) != WFM_OK ||
        wfm_run_profile(m, r.x, r.profile, &o, NULL) != WFM_OK) {
        free(imp);
        imp = NULL;
    }
    wfm_model_free(m);
    free(copy);
    free_ref(&r);
    return imp;
}

TEST(absent_residual_false_fills_an_absent_channel_by_its_anchor) {
    /* v2a is v2p (same weights, input and profile) with absent_residual
     * false. Heart rate (channel 0) is missing all window: v2p adds the
     * head's residual there, v2a does not, and moving the head's bias moves
     * v2a's steps but not its heart rate. The other channels agree exactly. */
    enum { T = 120, C = 3 };
    float *p = imputed_on(4, 3, 0.0f), *a = imputed_on(4, 4, 0.0f), *poked = imputed_on(4, 4, 0.5f);
    CHECK(p && a && poked);
    if (p && a && poked) {
        int hr_differs = 0, others_differ = 0, poke_moves_hr = 0, poke_moves_steps = 0;
        for (int t = 0; t < T; t++) {
            hr_differs += p[t * C] != a[t * C];
            poke_moves_hr += poked[t * C] != a[t * C];
            poke_moves_steps += poked[t * C + 1] != a[t * C + 1];
            for (int c = 1; c < C; c++) others_differ += memcmp(&p[t * C + c], &a[t * C + c], 4) != 0;
        }
        printf("  heart rate differs from v2p at %d/%d minutes; the head's bias + 0.5 moves heart rate at %d, "
               "steps at %d\n", hr_differs, T, poke_moves_hr, poke_moves_steps);
        CHECK(hr_differs > T / 2);
        CHECK(others_differ == 0);
        CHECK(poke_moves_hr == 0);
        CHECK(poke_moves_steps > 0);
    }
    free(p); free(a); free(poked);
}

TEST(v2g_matches_pytorch) { check_fixture(&FIXTURES[5]); }
/* personal_lambda given no anchor parameters: the model's own (test_profile.c runs the fit) */
TEST(v2q_matches_pytorch) { check_fixture(&FIXTURES[6]); }

TEST(residual_others_missing_leaves_heart_rate_to_its_anchor_where_steps_record) {
    /* v2g is v2p's weights with heart rate's "residual": "others_missing",
     * on v2g's input (heart rate and steps with gaps). Where heart rate is
     * missing and steps are recorded, moving the head's bias does not move
     * v2g's heart rate; where both are missing it does; steps and sleep
     * agree with v2p exactly. */
    enum { T = 120, C = 3 };
    reference r;
    if (!parse_ref(&FIXTURES[5], &r)) { CHECK(0); return; }
    float *p = imputed_on(5, 3, 0.0f), *g = imputed_on(5, 5, 0.0f), *poked = imputed_on(5, 5, 0.5f);
    CHECK(p && g && poked);
    if (p && g && poked) {
        int n_steps_rec = 0, moved_steps_rec = 0, n_both = 0, moved_both = 0, others_differ = 0;
        for (int t = 0; t < T; t++) {
            if (!isnan(r.x[t * C])) continue; /* heart rate observed: its own value either way */
            int steps_rec = !isnan(r.x[t * C + 1]), moved = poked[t * C] != g[t * C];
            if (steps_rec) { n_steps_rec++; moved_steps_rec += moved; }
            else { n_both++; moved_both += moved; }
        }
        for (int i = 0; i < T * C; i++) others_differ += i % C != 0 && memcmp(&p[i], &g[i], 4) != 0;
        printf("  heart rate missing: %d min with steps recorded (the head's bias + 0.5 moves %d), %d with both "
               "missing (moves %d)\n", n_steps_rec, moved_steps_rec, n_both, moved_both);
        CHECK(n_steps_rec > 0 && moved_steps_rec == 0);
        CHECK(n_both > 0 && moved_both > 0);
        CHECK(others_differ == 0);
    }
    free(p); free(g); free(poked);
    free_ref(&r);
}

TEST(v2p_without_its_profile_fails_the_check) {
    /* The profile is an input: the same window without it (or with it moved
     * by 1% of the heart rate's std at every minute) must miss the reference. */
    reference r;
    if (!parse_ref(&FIXTURES[3], &r)) { CHECK(0); return; }
    CHECK(r.profile != NULL);
    errors e;
    float *keep = r.profile;
    r.profile = NULL;
    CHECK(measure(FIXTURES[3].model, FIXTURES[3].model_size, &r, WFM_MASK_COMPACT, 1, &e));
    print_errors("v2p without its profile:", &e);
    CHECK_MSG(worst(&e) > BOUND, "still passes (%.3g)", worst(&e));
    r.profile = keep;
    for (int t = 0; t < r.T; t++) r.profile[(size_t)t * r.C] += 0.12f; /* heart rate: std 12 */
    CHECK(measure(FIXTURES[3].model, FIXTURES[3].model_size, &r, WFM_MASK_COMPACT, 1, &e));
    print_errors("v2p, heart-rate profile + 0.12 bpm:", &e);
    CHECK_MSG(worst(&e) > BOUND, "still passes (%.3g)", worst(&e));
    free_ref(&r);
}

TEST(a_changed_weight_fails_the_check) {
    /* One weight of the file changed by 0.01 (the weights are ~0.1-1) in
     * each part of the network: the same measure must exceed the bound, in
     * the outputs that weight feeds. Each model still loads and runs. */
    static const struct { int fx; const char *tensor; size_t index; int encoder; } pokes[] = {
        {0, "patch_embed.weight", 3, 1},
        {0, "encoder.layers.0.attn.qkv.weight", 16 * 40 + 3, 1}, /* a value row */
        {0, "encoder.layers.1.mlp.fc2.weight", 7, 1},
        {0, "encoder.norm.bias", 5, 1},
        {0, "decoder.layers.0.attn.proj.weight", 9, 0},
        {0, "decoder.head.bias", 2, 0},
        {1, "encoder.layers.1.attn.qkv.weight", 600, 1},
        {1, "decoder.anchor_embed.weight", 4, 0},
        {1, "decoder.mask_token", 1, 0},
        {1, "decoder.head.weight", 11, 0},
        /* v2x: heart rate is missing all window, so its anchor is the
         * cross-channel prediction (its tokens are not visible: the fills change) */
        {2, "anchor.weight", 3, 0}, /* heart rate from the steps' own values */
        {2, "anchor.bias", 0, 0},
        {3, "anchor.profile_weight", 0, 0}, /* heart rate's profile term */
        {3, "anchor.profile_weight", 4, 0}, /* steps (observed around its gaps): the far-from-observations term */
        {3, "anchor.profile_weight", 5, 0}, /* and its pull away from the gap's edge values */
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
            CHECK(measure(copy, f->model_size, &r, WFM_MASK_COMPACT, 1, &e));
            char what[192];
            snprintf(what, sizeof what, "%s, %s[%zu] + 0.01:", f->name, pokes[i].tensor, pokes[i].index);
            print_errors(what, &e);
            CHECK_MSG(worst(&e) > BOUND, "%s still passes (%.3g)", what, worst(&e));
            /* An encoder weight shows in the embedding itself. */
            if (pokes[i].encoder) CHECK_MSG(e.emb > BOUND, "%s embedding error %.3g", what, e.emb);
        }
        free(copy);
        free_ref(&r);
    }
}

TEST(a_changed_input_fails_the_check) {
    /* The other side: the right weights on a window with one observed
     * minute moved by 1% of its channel's std also fail, so the fixture
     * pins the input path (standardisation, clipping, patch filling) too. */
    for (int fx = 0; fx < 2; fx++) {
        const fixture *f = &FIXTURES[fx];
        reference r;
        if (!parse_ref(f, &r)) { CHECK(0); continue; }
        wfm_model *m = NULL;
        CHECK(wfm_model_load_buffer(f->model, f->model_size, NULL, &m, NULL) == WFM_OK);
        size_t i, tc = (size_t)r.T * r.C;
        wfm_channel_info ch = {0};
        for (i = 0; i < tc; i++) /* the first observed minute of a channel that is not a category */
            if (!isnan(r.x[i]) && wfm_model_get_channel(m, (int)(i % r.C), &ch, NULL) == WFM_OK &&
                ch.kind != WFM_CHANNEL_CATEGORY)
                break;
        char chname[48];
        snprintf(chname, sizeof chname, "%s", i < tc ? ch.name : "?"); /* ch points into the model */
        wfm_model_free(m);
        CHECK(i < tc);
        if (i < tc) {
            float delta = 0.01f * ch.std;
            r.x[i] += delta;
            errors e;
            CHECK(measure(f->model, f->model_size, &r, WFM_MASK_COMPACT, 1, &e));
            char what[192];
            snprintf(what, sizeof what, "%s, %s at minute %zu + %g:", f->name, chname, i / r.C, delta);
            print_errors(what, &e);
            CHECK_MSG(worst(&e) > BOUND, "%s still passes (%.3g)", what, worst(&e));
        }
        free_ref(&r);
    }
}

int main(void) {
    double t0 = now_s();
    RUN(v1_matches_pytorch);
    RUN(v2_matches_pytorch);
    RUN(v2x_matches_pytorch);
    RUN(v2p_matches_pytorch);
    RUN(v2a_matches_pytorch);
    RUN(absent_residual_false_fills_an_absent_channel_by_its_anchor);
    RUN(v2g_matches_pytorch);
    RUN(v2q_matches_pytorch);
    RUN(residual_others_missing_leaves_heart_rate_to_its_anchor_where_steps_record);
    RUN(v2p_without_its_profile_fails_the_check);
    RUN(a_changed_weight_fails_the_check);
    RUN(a_changed_input_fails_the_check);
    printf("  %.3f s\n", now_s() - t0);
    return TEST_SUMMARY();
}
