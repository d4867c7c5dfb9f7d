/* Tiled online-softmax attention against a naive double-precision
 * implementation, with and without a key mask, for every kernel set. */
#include "model/attention.h"
#include "testing.h"
#include <stdint.h>
#include <string.h>

static void naive_attention(int n, int dim, int heads, const float *qkv, const uint8_t *kv, double *out) {
    int hd = dim / heads;
    double scale = 1.0 / sqrt((double)hd);
    double *s = malloc(sizeof(double) * (size_t)n);
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < n; i++) {
            const float *q = qkv + (size_t)i * 3 * dim + h * hd;
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j < n; j++) {
                if (kv && !kv[j]) { s[j] = -INFINITY; continue; }
                const float *k = qkv + (size_t)j * 3 * dim + dim + h * hd;
                double d = 0;
                for (int e = 0; e < hd; e++) d += (double)q[e] * k[e];
                s[j] = d * scale;
                if (s[j] > mx) mx = s[j];
            }
            for (int j = 0; j < n; j++) { s[j] = exp(s[j] - mx); sum += s[j]; }
            for (int e = 0; e < hd; e++) {
                double acc = 0;
                for (int j = 0; j < n; j++) acc += s[j] * qkv[(size_t)j * 3 * dim + 2 * dim + h * hd + e];
                out[(size_t)i * dim + h * hd + e] = acc / sum;
            }
        }
    free(s);
}

static double run_case(const wfm_kernels *kr, wfm_pool *pool, int n, int dim, int heads, int masked_pct,
                       float amplitude, unsigned seed) {
    size_t nq = (size_t)n * 3 * dim;
    float *qkv = malloc(sizeof(float) * nq), *out = malloc(sizeof(float) * (size_t)n * dim);
    double *ref = malloc(sizeof(double) * (size_t)n * dim);
    uint8_t *kv = malloc((size_t)n);
    for (size_t i = 0; i < nq; i++) qkv[i] = amplitude * wfm_t_uniform(&seed);
    int any = 0;
    for (int j = 0; j < n; j++) {
        kv[j] = (int)(wfm_t_rand(&seed) % 100) >= masked_pct;
        any |= kv[j];
    }
    if (!any) kv[n / 2] = 1;
    wfm_attention_shape s = {n, dim, heads, 1.0f / sqrtf((float)(dim / heads))};
    float *kvp = malloc(sizeof(float) * (size_t)wfm_attention_kv_size(kr, s));
    size_t per = (size_t)wfm_attention_scratch_size(kr, s);
    float *scratch = malloc(sizeof(float) * per * (size_t)wfm_pool_size(pool));
    const uint8_t *mask = masked_pct ? kv : NULL;
    wfm_attention(kr, pool, s, qkv, mask, out, kvp, scratch, per);
    naive_attention(n, dim, heads, qkv, mask, ref);
    double md = 0, mr = 0;
    for (size_t i = 0; i < (size_t)n * dim; i++) {
        double d = fabs(out[i] - ref[i]);
        if (d > md || d != d) md = d;
        if (fabs(ref[i]) > mr) mr = fabs(ref[i]);
    }
    free(qkv); free(out); free(ref); free(kv); free(kvp); free(scratch);
    return md / (mr > 0 ? mr : 1);
}

TEST(attention_matches_naive) {
    static const int ns[] = {1, 2, 5, 17, 37, 128, 129, 300};
    static const int shapes[][2] = {{8, 1}, {24, 3}, {64, 4}, {96, 2}, {384, 6}};
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++) {
        for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
            for (size_t b = 0; b < sizeof shapes / sizeof *shapes; b++)
                for (int masked = 0; masked <= 90; masked += 45) {
                    if (ns[a] > 130 && shapes[b][0] > 100 && masked == 45) continue; /* keep it quick */
                    double e = run_case(*k, NULL, ns[a], shapes[b][0], shapes[b][1], masked, 2.0f,
                                        (unsigned)(ns[a] * 131 + b * 7 + masked + 1));
                    CHECK_MSG(e < 2e-6, "%s n=%d dim=%d heads=%d masked=%d%%: rel err %.3g", (*k)->name, ns[a],
                              shapes[b][0], shapes[b][1], masked, e);
                }
    }
}

TEST(attention_large_logits_stay_finite) {
    /* Scores of +-100 would overflow a naive exp; the online max must absorb
     * them. Float32 logits that large carry ~|s| * 6e-8 absolute error, so the
     * bound is looser than for unit-scale inputs. */
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++) {
        double e = run_case(*k, NULL, 200, 64, 2, 30, 12.0f, 99);
        CHECK_MSG(e < 5e-5, "%s: rel err %.3g", (*k)->name, e);
    }
}

TEST(attention_threads_bit_identical) {
    wfm_pool *pool = wfm_pool_create(2);
    const wfm_kernels *kr = wfm_kernels_best();
    int n = 333, dim = 96, heads = 3;
    unsigned seed = 5;
    size_t nq = (size_t)n * 3 * dim;
    float *qkv = malloc(sizeof(float) * nq), *o1 = malloc(sizeof(float) * (size_t)n * dim),
          *o2 = malloc(sizeof(float) * (size_t)n * dim);
    for (size_t i = 0; i < nq; i++) qkv[i] = wfm_t_uniform(&seed);
    wfm_attention_shape s = {n, dim, heads, 1.0f / sqrtf((float)(dim / heads))};
    float *kvp = malloc(sizeof(float) * (size_t)wfm_attention_kv_size(kr, s));
    size_t per = (size_t)wfm_attention_scratch_size(kr, s);
    float *scratch = malloc(sizeof(float) * per * 2);
    wfm_attention(kr, NULL, s, qkv, NULL, o1, kvp, scratch, per);
    wfm_attention(kr, pool, s, qkv, NULL, o2, kvp, scratch, per);
    CHECK(memcmp(o1, o2, sizeof(float) * (size_t)n * dim) == 0);
    free(qkv); free(o1); free(o2); free(kvp); free(scratch);
    wfm_pool_destroy(pool);
}

int main(void) {
    RUN(attention_matches_naive);
    RUN(attention_large_logits_stay_finite);
    RUN(attention_threads_bit_identical);
    return TEST_SUMMARY();
}
