/* The forward pass through the public API: AIM compaction vs attention
 * masking, thread and kernel invariance, buffer vs file loading, and the
 * errors a caller can trigger. (PyTorch parity lives in tests/parity.) */
#include "wearfm.h"
#include "model_builder.h"
#include "testing.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const mb_config SMALL = {.T = 120, .P = 10, .C = 3, .de = 32, .le = 2, .he = 4, .me = 64,
                                .dd = 16, .ld = 1, .hd = 2, .md = 32};

typedef struct { float *emb, *rec, *imp, *tok; uint8_t *vis; int nv; wfm_status st; } result;

static result run(wfm_model *m, const float *x) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    size_t tc = (size_t)info.window_minutes * info.n_channels;
    result r;
    r.emb = malloc(sizeof(float) * info.enc_dim);
    r.rec = malloc(sizeof(float) * tc);
    r.imp = malloc(sizeof(float) * tc);
    r.tok = malloc(sizeof(float) * (size_t)info.n_tokens * info.enc_dim);
    r.vis = malloc((size_t)info.n_tokens);
    wfm_outputs o = {r.emb, r.rec, r.imp, r.tok, r.vis, NULL, 0};
    wfm_error err = {0};
    r.st = wfm_run(m, x, &o, &err);
    r.nv = o.n_visible_tokens;
    return r;
}
static void release(result *r) { free(r->emb); free(r->rec); free(r->imp); free(r->tok); free(r->vis); }

TEST(compaction_equals_attention_masking) {
    wfm_model *mc = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 1), *ma = mb_load(&SMALL, 1234, WFM_MASK_ATTENTION, 1);
    size_t tc = (size_t)SMALL.T * SMALL.C;
    for (int pct = 0; pct <= 90; pct += 30) {
        float *x = mb_input(&SMALL, pct, 77 + pct);
        result a = run(mc, x), b = run(ma, x);
        CHECK(a.st == WFM_OK && b.st == WFM_OK);
        CHECK(a.nv == b.nv);
        double e1 = wfm_rel_err(a.emb, b.emb, SMALL.de), e2 = wfm_rel_err(a.rec, b.rec, tc);
        printf("  %d%% missing patches: %d visible, compact vs attention: embedding %.2e, reconstruction %.2e\n",
               pct, a.nv, e1, e2);
        CHECK(e1 < 1e-5 && e2 < 1e-5);
        float *r2 = malloc(sizeof(float) * tc);
        CHECK(wfm_reconstruct(mc, x, r2, NULL) == WFM_OK && memcmp(r2, a.rec, sizeof(float) * tc) == 0);
        free(r2);
        /* Imputation keeps every observed value exactly. */
        for (size_t i = 0; i < tc; i++)
            if (!isnan(x[i])) CHECK(a.imp[i] == x[i]);
            else CHECK(a.imp[i] == a.rec[i]);
        release(&a); release(&b); free(x);
    }
    wfm_model_free(mc); wfm_model_free(ma);
}

TEST(thread_count_gives_identical_results) {
    wfm_model *m1 = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 1), *m2 = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 2);
    float *x = mb_input(&SMALL, 40, 3);
    result a = run(m1, x), b = run(m2, x);
    CHECK(wfm_model_threads(m2) == 2 || wfm_model_threads(m2) == 1);
    CHECK(memcmp(a.emb, b.emb, sizeof(float) * SMALL.de) == 0);
    CHECK(memcmp(a.rec, b.rec, sizeof(float) * SMALL.T * SMALL.C) == 0);
    release(&a); release(&b); free(x);
    wfm_model_free(m1); wfm_model_free(m2);
}

TEST(token_outputs) {
    wfm_model *m = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 1);
    float *x = mb_input(&SMALL, 50, 11);
    result r = run(m, x);
    int N = SMALL.T / SMALL.P * SMALL.C, nv = 0;
    for (int n = 0; n < N; n++) {
        int ch = n / (SMALL.T / SMALL.P), p = n % (SMALL.T / SMALL.P), any = 0;
        for (int i = 0; i < SMALL.P; i++) any |= !isnan(x[(p * SMALL.P + i) * SMALL.C + ch]);
        CHECK(r.vis[n] == any);
        nv += any;
        CHECK(r.vis[n] ? !isnan(r.tok[(size_t)n * SMALL.de]) : isnan(r.tok[(size_t)n * SMALL.de]));
    }
    CHECK(nv == r.nv);
    /* The embedding is the mean of the visible token embeddings. */
    for (int d = 0; d < SMALL.de; d++) {
        double s = 0;
        for (int n = 0; n < N; n++) if (r.vis[n]) s += r.tok[(size_t)n * SMALL.de + d];
        CHECK_NEAR(r.emb[d], s / nv, 1e-5);
    }
    release(&r); free(x);
    wfm_model_free(m);
}

TEST(bad_inputs_get_errors) {
    wfm_model *m = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 1);
    size_t tc = (size_t)SMALL.T * SMALL.C;
    float *x = malloc(sizeof(float) * tc), *e = malloc(sizeof(float) * SMALL.de);
    for (size_t i = 0; i < tc; i++) x[i] = NAN;
    wfm_error err = {0};
    CHECK(wfm_embed(m, x, e, &err) == WFM_ERR_NO_DATA && err.message[0]);
    x[5] = INFINITY;
    CHECK(wfm_embed(m, x, e, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "infinite"));
    CHECK(wfm_embed(m, NULL, e, &err) == WFM_ERR_INVALID_ARG);
    x[5] = 1.0f;
    CHECK(wfm_embed(m, x, e, &err) == WFM_OK);
    free(x); free(e);
    wfm_model_free(m);
}

TEST(encoder_only_model) {
    mb_config c = SMALL;
    c.dd = c.ld = c.hd = c.md = 0;
    wfm_model *m = mb_load(&c, 1234, WFM_MASK_COMPACT, 1);
    CHECK(m != NULL);
    if (!m) return;
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    CHECK(!info.has_decoder);
    float *x = mb_input(&c, 10, 9), *e = malloc(sizeof(float) * c.de), *r = malloc(sizeof(float) * c.T * c.C);
    wfm_error err = {0};
    CHECK(wfm_embed(m, x, e, &err) == WFM_OK);
    CHECK(wfm_impute(m, x, r, &err) == WFM_ERR_UNSUPPORTED && strstr(err.message, "decoder"));
    free(x); free(e); free(r);
    wfm_model_free(m);
}

static void expect_load_error(const mb_config *c, wfm_status want, const char *needle) {
    size_t size;
    uint8_t *buf = mb_build(c, 1, &size);
    wfm_model *m = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_model_load_buffer(buf, size, NULL, &m, &err);
    CHECK_MSG(st == want && m == NULL && strstr(err.message, needle), "status %d, message '%s'", st, err.message);
    free(buf);
}

TEST(tensor_mismatches_are_named) {
    mb_config c = SMALL;
    c.extra_tensor = "encoder.layers.7.norm1.weight";
    expect_load_error(&c, WFM_ERR_FORMAT, "file has");
    c = SMALL;
    c.extra_tensor = "classifier.weight";
    expect_load_error(&c, WFM_ERR_FORMAT, "classifier.weight");
    c = SMALL;
    c.skip_tensor = "decoder.mask_token";
    expect_load_error(&c, WFM_ERR_FORMAT, "missing tensor 'decoder.mask_token'");
    c = SMALL;
    c.bad_shape_first = 1;
    expect_load_error(&c, WFM_ERR_FORMAT, "patch_embed.weight");
}

TEST(non_finite_and_absurd_weights_are_refused) {
    /* One bad weight anywhere is refused at load, naming the tensor and the
     * element; a NaN used to load and make embed print nan. */
    static const struct { const char *tensor; size_t index; float value; const char *want; } bad[] = {
        {"encoder.layers.1.attn.qkv.weight", 37, NAN, "element [1, 5] is NaN"},
        {"patch_embed.bias", 3, INFINITY, "element [3] is inf"},
        {"decoder.head.weight", 0, -INFINITY, "is -inf"},
        {"decoder.layers.0.mlp.fc2.weight", 2, 3e38f, "beyond the limit |w| <= 1e+06"},
        {"encoder.norm.weight", 0, -2e6f, "is -2e+06, beyond the limit"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mb_config c = SMALL;
        c.poke_tensor = bad[i].tensor;
        c.poke_index = bad[i].index;
        c.poke_value = bad[i].value;
        char want[160];
        snprintf(want, sizeof want, "tensor '%s': ", bad[i].tensor);
        expect_load_error(&c, WFM_ERR_FORMAT, want);
        expect_load_error(&c, WFM_ERR_FORMAT, bad[i].want);
    }
    /* The limit itself is a weight (large, but finite and not absurd). */
    mb_config c = SMALL;
    c.poke_tensor = "encoder.layers.0.mlp.fc1.weight";
    c.poke_value = -1e6f;
    wfm_model *m = mb_load(&c, 1234, WFM_MASK_COMPACT, 1);
    CHECK(m != NULL);
    wfm_model_free(m);
}

TEST(oversized_window_is_refused) {
    /* A tiny file can describe a huge window: 10080 one-minute patches x 8
     * channels = 80,640 tokens. It must fail cleanly, not allocate gigabytes. */
    mb_config c = {.T = 10080, .P = 1, .C = 8, .de = 8, .le = 1, .he = 2, .me = 8};
    expect_load_error(&c, WFM_ERR_CONFIG, "exceeds the limit");
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

TEST(huge_window_is_refused_before_allocating) {
    /* Within every config limit (60,480 tokens, dim 8192), in a sparse file
     * of a few KB on disk: loading it used to fill 2 GiB of positions and
     * take 4.2 GB and 30-56 s ('wearfm info'). It needs 20 GiB of positions
     * and scratch, so it is refused from the header, at once. */
    mb_config c = {.T = 10080, .P = 1, .C = 6, .de = 8192, .le = 1, .he = 1, .me = 1};
    size_t hsize;
    uint64_t full;
    uint8_t *hdr = mb_build_ex(&c, 1, &hsize, 1, &full);
    const char *path = "test_model_sparse.safetensors";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) { free(hdr); return; }
    CHECK(fwrite(hdr, 1, hsize, f) == hsize);
    fflush(f);
    CHECK(ftruncate(fileno(f), (off_t)full) == 0); /* a hole: zeros that take no disk */
    fclose(f);
    free(hdr);
    wfm_model *m = NULL;
    wfm_error err = {0};
    double t0 = now_s();
    wfm_status st = wfm_model_load_file(path, NULL, &m, &err);
    double dt = now_s() - t0;
    printf("  %.2f GB sparse file (dim 8192, 60480 tokens): %.3f s: %s\n", (double)full / 1e9, dt, err.message);
    CHECK_MSG(st == WFM_ERR_CONFIG && m == NULL && strstr(err.message, "more than the limit of 2 GiB"),
              "status %d, message '%s'", st, err.message);
    CHECK(strstr(err.message, "for a window of 60480 tokens") != NULL);
    CHECK_MSG(dt < 2.0, "took %.1f s", dt);
    wfm_model_free(m);
    remove(path);
    /* The same from a buffer: 17 MB of weights, 2.5 GiB of window. */
    c.de = 1024;
    expect_load_error(&c, WFM_ERR_CONFIG, "GiB of positions and scratch for a window of 60480 tokens");
    /* Missing tensors are found from the header too, before the positions. */
    c.skip_tensor = "encoder.norm.bias";
    expect_load_error(&c, WFM_ERR_FORMAT, "missing tensor 'encoder.norm.bias'");
}

TEST(file_and_buffer_load_agree) {
    size_t size;
    uint8_t *buf = mb_build(&SMALL, 1234, &size);
    const char *path = "test_model_tmp.safetensors";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) { free(buf); return; }
    fwrite(buf, 1, size, f);
    fclose(f);
    wfm_model *mf = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_model_load_file(path, NULL, &mf, &err) == WFM_OK, "%s", err.message);
    wfm_model *mb = mb_load(&SMALL, 1234, WFM_MASK_COMPACT, 0);
    float *x = mb_input(&SMALL, 20, 8);
    result a = run(mf, x), b = run(mb, x);
    CHECK(memcmp(a.rec, b.rec, sizeof(float) * SMALL.T * SMALL.C) == 0);
    release(&a); release(&b); free(x); free(buf);
    wfm_model_free(mf); wfm_model_free(mb);
    remove(path);
    CHECK(wfm_model_load_file("does/not/exist.safetensors", NULL, &mf, &err) == WFM_ERR_IO && mf == NULL);
    /* A directory is named as one (the reads used to fail: "could not read 8 bytes"). */
    CHECK(wfm_model_load_file(".", NULL, &mf, &err) == WFM_ERR_IO && mf == NULL);
    CHECK_MSG(strstr(err.message, "model '.' is a directory, not a model file") != NULL, "%s", err.message);
}

int main(void) {
    RUN(compaction_equals_attention_masking);
    RUN(thread_count_gives_identical_results);
    RUN(token_outputs);
    RUN(bad_inputs_get_errors);
    RUN(encoder_only_model);
    RUN(tensor_mismatches_are_named);
    RUN(non_finite_and_absurd_weights_are_refused);
    RUN(oversized_window_is_refused);
    RUN(huge_window_is_refused_before_allocating);
    RUN(file_and_buffer_load_agree);
    return TEST_SUMMARY();
}
