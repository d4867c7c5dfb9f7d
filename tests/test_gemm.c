/* GEMM and expminusmax kernels, every kernel set this CPU runs, against
 * double-precision references. */
#define _POSIX_C_SOURCE 200112L /* setenv */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/gemm.h"
#include "testing.h"

#define SENTINEL 12345.0f

static unsigned seed = 12345u;

static float *rand_buf(size_t n) {
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = wfm_t_uniform(&seed);
    return p;
}

/* One GEMM case; B logically K x N (b[kk][j]) built from either layout. */
typedef struct {
    size_t m, n, k, lda, ldc;
    int use_bias, accumulate, nn; /* nn: B given K x N (pack_nn), else N x K */
} gemm_case;

/* Checks c (m x n, stride ldc) against c0 + bias + a*b in double, with the
 * error bound relative to sum |terms|; also that padding was not touched. */
static int check_result(const gemm_case *t, const float *a, const float *bkn, const float *bias,
                        const float *c0, const float *c, size_t k0, size_t kc,
                        const char *what, const char *kname) {
    int bad = 0;
    for (size_t i = 0; i < t->m; i++) {
        for (size_t j = 0; j < t->ldc; j++) {
            const float got = c[i * t->ldc + j];
            if (j >= t->n) { /* padding column */
                if (got != c0[i * t->ldc + j]) bad++;
                continue;
            }
            double ref = 0, mag = 0;
            if (t->accumulate) ref = c0[i * t->ldc + j];
            else if (bias) ref = bias[j];
            mag = fabs(ref);
            for (size_t kk = k0; kk < k0 + kc; kk++) {
                const double p = (double)a[i * t->lda + kk] * bkn[kk * t->n + j];
                ref += p;
                mag += fabs(p);
            }
            if (!(fabs(got - ref) <= 1e-5 * mag + 1e-30)) {
                if (bad++ < 3)
                    fprintf(stderr, "  %s %s m=%zu n=%zu k=%zu acc=%d bias=%d nn=%d: c[%zu][%zu]=%.9g ref=%.9g\n",
                            kname, what, t->m, t->n, t->k, t->accumulate, t->use_bias, t->nn,
                            i, j, got, ref);
            }
        }
    }
    return bad;
}

/* Packs B (K x N logical) through pack_nt or pack_nn. */
static float *pack_b(const wfm_kernels *kr, const float *bkn, size_t n, size_t k, int nn) {
    float *packed = malloc((wfm_gemm_packed_size(kr, n, k) + 1) * sizeof *packed);
    if (nn) {
        const size_t ldb = n + 3; /* strided source */
        float *src = malloc((k * ldb + 1) * sizeof *src);
        for (size_t kk = 0; kk < k; kk++)
            for (size_t j = 0; j < ldb; j++) src[kk * ldb + j] = j < n ? bkn[kk * n + j] : NAN;
        wfm_gemm_pack_nn(kr, src, ldb, k, n, packed);
        free(src);
    } else {
        const size_t ldb = k + 2;
        float *src = malloc((n * ldb + 1) * sizeof *src);
        for (size_t j = 0; j < n; j++)
            for (size_t kk = 0; kk < ldb; kk++) src[j * ldb + kk] = kk < k ? bkn[kk * n + j] : NAN;
        wfm_gemm_pack_nt(kr, src, ldb, n, k, packed);
        free(src);
    }
    return packed;
}

static int run_case(const wfm_kernels *kr, const gemm_case *t) {
    float *a = rand_buf(t->m * t->lda);
    float *bkn = rand_buf(t->k * t->n);
    float *bias = t->use_bias ? rand_buf(t->n) : NULL; /* exactly n: ASan sees overreads */
    float *c0 = rand_buf(t->m * t->ldc);
    for (size_t i = 0; i < t->m; i++)
        for (size_t j = t->n; j < t->ldc; j++) c0[i * t->ldc + j] = SENTINEL;
    float *c = malloc(t->m * t->ldc * sizeof *c);
    memcpy(c, c0, t->m * t->ldc * sizeof *c);
    float *packed = pack_b(kr, bkn, t->n, t->k, t->nn);
    wfm_gemm(kr, NULL, t->m, t->n, t->k, a, t->lda, packed, bias, c, t->ldc, t->accumulate);
    int bad = check_result(t, a, bkn, bias, c0, c, 0, t->k, "wfm_gemm", kr->name);
    free(a); free(bkn); free(bias); free(c0); free(c); free(packed);
    return bad;
}

TEST(kernel_registry) {
    const wfm_kernels *const *all = wfm_kernels_available();
    CHECK(all[0] != NULL);
    CHECK(wfm_kernels_by_name("scalar") == &wfm_kernels_scalar);
    CHECK(wfm_kernels_by_name("no_such_set") == NULL);
    CHECK(wfm_kernels_by_name(NULL) == NULL);
    for (const wfm_kernels *const *k = all; *k; k++) {
        printf("     kernel set %s (%dx%d)\n", (*k)->name, (*k)->mr, (*k)->nr);
        CHECK((*k)->mr >= 1 && (*k)->nr >= 1 && (*k)->gemm && (*k)->expminusmax && (*k)->rmax);
        CHECK(wfm_kernels_by_name((*k)->name) == *k);
    }
#if defined(WFM_HAVE_WASM_SIMD) || defined(__wasm_simd128__)
    CHECK(wfm_kernels_by_name("wasm_simd128") != NULL);
#endif
    const char *env = getenv("WFM_KERNELS");
    if (!env || !*env) {
        CHECK(wfm_kernels_best() == all[0]);
        setenv("WFM_KERNELS", "scalar", 1);
        CHECK(wfm_kernels_best() == &wfm_kernels_scalar);
        setenv("WFM_KERNELS", "no_such_set", 1); /* unknown: falls back to best */
        CHECK(wfm_kernels_best() == all[0]);
        unsetenv("WFM_KERNELS");
    }
}

/* Every small shape, all four bias/accumulate combinations, both packings;
 * k = 0 too (C becomes bias-or-zero, or stays as it was). */
TEST(gemm_small_shapes) {
    static const size_t dims[] = {1, 2, 3, 5, 7, 13, 17}, kdims[] = {0, 1, 2, 3, 5, 7, 13, 17};
    const size_t nd = sizeof dims / sizeof dims[0], nk = sizeof kdims / sizeof kdims[0];
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        int bad = 0;
        for (size_t im = 0; im < nd; im++)
            for (size_t in = 0; in < nd; in++)
                for (size_t ik = 0; ik < nk; ik++)
                    for (int v = 0; v < 8; v++) {
                        gemm_case t = {dims[im], dims[in], kdims[ik], kdims[ik] + 3, dims[in] + 5,
                                       v & 1, (v >> 1) & 1, (v >> 2) & 1};
                        bad += run_case(*kr, &t);
                    }
        CHECK_MSG(bad == 0, "%s: %d bad elements", (*kr)->name, bad);
    }
}

/* Larger and odd shapes, K across several cache blocks. */
TEST(gemm_large_shapes) {
    static const size_t shapes[][3] = {
        {31, 64, 65}, {64, 64, 64}, {65, 100, 257}, {100, 65, 31}, {257, 17, 100},
        {13, 257, 513}, {100, 31, 1100}, {7, 1152, 384}, {40, 384, 1536}, {1, 100, 1000},
        {257, 257, 7}, {19, 1030, 33}};
    const size_t ns = sizeof shapes / sizeof shapes[0];
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        int bad = 0;
        for (size_t s = 0; s < ns; s++) {
            gemm_case t = {shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][2] + 1,
                           shapes[s][1] + 7, (int)(s & 1), (int)((s >> 1) & 1), (int)((s >> 2) & 1)};
            bad += run_case(*kr, &t);
            t.accumulate = !t.accumulate;
            t.nn = !t.nn;
            bad += run_case(*kr, &t);
        }
        CHECK_MSG(bad == 0, "%s: %d bad elements", (*kr)->name, bad);
    }
}

/* wfm_gemm_panels on a sub-range of K and of the panels of a bigger packed
 * matrix (what attention does with a tile of keys). */
TEST(gemm_panels_subrange) {
    const size_t M = 13, N = 70, K = 100, k0 = 24, kc = 37, lda = K + 5;
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        const size_t nr = (size_t)(*kr)->nr, stride = K * nr;
        float *a = rand_buf(M * lda), *bkn = rand_buf(K * N), *bias = rand_buf(N);
        float *packed = pack_b(*kr, bkn, N, K, 0);
        /* Columns [j0, N) of the full product, j0 on a panel boundary. */
        const size_t j0 = nr, n = N - j0, ldc = n + 2;
        float *sub = malloc(K * n * sizeof *sub);
        for (size_t kk = 0; kk < K; kk++) memcpy(sub + kk * n, bkn + kk * N + j0, n * sizeof *sub);
        for (int v = 0; v < 4; v++) {
            gemm_case t = {M, n, K, lda, ldc, v & 1, v >> 1, 0};
            float *c0 = rand_buf(M * ldc), *c = malloc(M * ldc * sizeof *c);
            for (size_t i = 0; i < M; i++)
                for (size_t j = n; j < ldc; j++) c0[i * ldc + j] = SENTINEL;
            memcpy(c, c0, M * ldc * sizeof *c);
            wfm_gemm_panels(*kr, M, n, kc, a + k0, lda, packed + stride + k0 * nr, stride,
                            t.use_bias ? bias + j0 : NULL, c, ldc, t.accumulate);
            int bad = check_result(&t, a, sub, t.use_bias ? bias + j0 : NULL, c0, c, k0, kc,
                                   "panels", (*kr)->name);
            CHECK_MSG(bad == 0, "%s v=%d: %d bad elements", (*kr)->name, v, bad);
            /* kc = 0 writes bias-or-zero, or leaves C as it was. */
            memcpy(c, c0, M * ldc * sizeof *c);
            wfm_gemm_panels(*kr, M, n, 0, a, lda, packed, stride, t.use_bias ? bias + j0 : NULL,
                            c, ldc, t.accumulate);
            bad = check_result(&t, a, sub, t.use_bias ? bias + j0 : NULL, c0, c, 0, 0, "panels kc=0",
                               (*kr)->name);
            CHECK_MSG(bad == 0, "%s v=%d kc=0: %d bad elements", (*kr)->name, v, bad);
            free(c0); free(c);
        }
        free(a); free(bkn); free(bias); free(packed); free(sub);
    }
}

/* The thread count must not change a single bit. */
TEST(gemm_threads_bit_identical) {
    static const size_t shapes[][3] = {{300, 200, 600}, {257, 1100, 70}, {1, 2000, 64}, {97, 33, 1537}};
    wfm_pool *pool = wfm_pool_create(2);
    CHECK(pool != NULL);
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            float *a = rand_buf(m * k), *b = rand_buf(n * k), *bias = rand_buf(n);
            float *c1 = rand_buf(m * n), *c2 = malloc(m * n * sizeof *c2);
            memcpy(c2, c1, m * n * sizeof *c2);
            float *packed = malloc(wfm_gemm_packed_size(*kr, n, k) * sizeof *packed);
            wfm_gemm_pack_nt(*kr, b, k, n, k, packed);
            const int acc = (int)(s & 1);
            wfm_gemm(*kr, NULL, m, n, k, a, k, packed, bias, c1, n, acc);
            wfm_gemm(*kr, pool, m, n, k, a, k, packed, bias, c2, n, acc);
            CHECK_MSG(memcmp(c1, c2, m * n * sizeof *c1) == 0, "%s %zux%zux%zu", (*kr)->name, m, n, k);
            free(a); free(b); free(bias); free(c1); free(c2); free(packed);
        }
    }
    wfm_pool_destroy(pool);
}

TEST(rmax) {
    unsigned seed = 17;
    float x[301];
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++)
        for (size_t n = 1; n <= 301; n += (n < 20 ? 1 : 37)) {
            for (size_t i = 0; i < n; i++) x[i] = -50.0f + 10.0f * wfm_t_uniform(&seed);
            size_t at = wfm_t_rand(&seed) % n; /* the max anywhere, including the tail */
            x[at] = -39.5f;
            float want = x[0];
            for (size_t i = 1; i < n; i++) want = x[i] > want ? x[i] : want;
            CHECK_MSG((*k)->rmax(n, x) == want, "%s n=%zu", (*k)->name, n);
        }
}

TEST(expminusmax) {
    static const size_t sizes[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 1000, 1003};
    static const float maxes[] = {0.0f, 3.5f, -20.0f};
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        double worst = 0;
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
            for (size_t mi = 0; mi < 3; mi++) {
                const size_t n = sizes[si];
                const float max = maxes[mi];
                float *x = malloc(n * sizeof *x), *y = malloc((n + 1) * sizeof *y);
                for (size_t i = 0; i < n; i++) /* x - max spread over [-100, 0] */
                    x[i] = max + 50.0f * (wfm_t_uniform(&seed) - 1.0f);
                x[0] = max; /* the row maximum itself: exp(0) = 1 */
                y[n] = SENTINEL;
                const float sum = (*kr)->expminusmax(n, x, max, y);
                double ref_sum = 0, y_sum = 0;
                int bad = 0;
                for (size_t i = 0; i < n; i++) {
                    /* The kernel subtracts in float; only exp() is under test. */
                    const double ref = exp((double)(x[i] - max));
                    ref_sum += ref;
                    y_sum += y[i];
                    const double err = fabs(y[i] - ref);
                    if (ref >= FLT_MIN && err / ref > worst) worst = err / ref;
                    if (!(err <= 3e-7 * ref + FLT_MIN)) bad++;
                }
                CHECK_MSG(bad == 0, "%s n=%zu max=%g: %d bad", (*kr)->name, n, max, bad);
                CHECK(y[n] == SENTINEL);
                /* Float summation of n positive terms: (n/lanes + few) ulp. */
                CHECK_NEAR(sum, ref_sum, ref_sum * (3e-7 + 1.2e-7 * (double)n / 4));
                CHECK_NEAR(sum, y_sum, y_sum * 1.2e-7 * ((double)n / 4 + 2));
                free(x); free(y);
            }
        printf("     %s: max exp rel err %.3g\n", (*kr)->name, worst);
    }
}

/* Far below the cutoff (and -inf) gives exactly 0, never NaN; agreement
 * across kernel sets to ~2 ulp. */
TEST(expminusmax_extremes_and_agreement) {
    enum { N = 203 };
    float x[N], y[N], yref[N];
    for (size_t i = 0; i < N; i++) x[i] = -(float)i * 0.5f; /* 0 .. -101 */
    x[N - 1] = -INFINITY;
    x[N - 2] = -1e30f;
    x[N - 3] = -88.0f;
    wfm_kernels_scalar.expminusmax(N, x, 0.0f, yref);
    for (const wfm_kernels *const *kr = wfm_kernels_available(); *kr; kr++) {
        const float sum = (*kr)->expminusmax(N, x, 0.0f, y);
        CHECK(sum == sum);
        CHECK(y[N - 1] == 0.0f && y[N - 2] == 0.0f && y[N - 3] == 0.0f);
        int bad = 0;
        for (size_t i = 0; i < N; i++) {
            if (y[i] != y[i] || y[i] < 0) bad++;
            if (!(fabs(y[i] - yref[i]) <= 2.4e-7 * yref[i])) bad++;
        }
        CHECK_MSG(bad == 0, "%s: %d values off", (*kr)->name, bad);
        /* A max of -inf row (all masked) must not make NaN either when the
         * caller passes a finite max. */
        const float s2 = (*kr)->expminusmax(3, x + N - 3, 0.0f, y);
        CHECK(s2 == 0.0f);
    }
}

int main(void) {
    RUN(kernel_registry);
    RUN(gemm_small_shapes);
    RUN(gemm_large_shapes);
    RUN(gemm_panels_subrange);
    RUN(gemm_threads_bit_identical);
    RUN(rmax);
    RUN(expminusmax);
    RUN(expminusmax_extremes_and_agreement);
    return TEST_SUMMARY();
}
