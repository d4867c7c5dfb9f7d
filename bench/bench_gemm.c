/* GEMM throughput on the model's shapes, one thread, as a ratio to a peak
 * measured in the same run: the kernel set's own microkernel looping on
 * L1-resident packed B and A (natively the AVX2 6x16 FMA tile; in wasm the
 * 4x8 load-splat f32x4 mul+add tile). Natively we also show the raw FMA
 * issue rate of a register-only loop, to show how close that microkernel is.
 *
 *   bench_gemm [--threads N] [--quick]
 *
 * Prints a markdown table (paste into bench/README.md) and ends with the
 * geometric-mean ratio. Set WFM_KERNELS=scalar to bench another set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gemm.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best time of one call of fn over repeats lasting >= min_s (and >= 3),
 * after warm-up calls (V8 tiers a function up only after it ran a while). */
static double best_time(void (*fn)(void *), void *ctx, double min_s) {
    for (double t0 = now(); now() - t0 < min_s / 4;) fn(ctx);
    double best = 1e30, t_start = now();
    for (int rep = 0; rep < 3 || now() - t_start < min_s; rep++) {
        const double t0 = now();
        fn(ctx);
        const double dt = now() - t0;
        if (dt < best) best = dt;
    }
    return best;
}

static float *alloc_floats(size_t n, unsigned seed) {
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 9) * (1.0f / 8388608.0f) - 1.0f;
    }
    return p;
}

/* ---- peak: the microkernel on L1-resident data ---------------------------- */

enum { PEAK_KC = 256, PEAK_CALLS = 2000 };
typedef struct { const wfm_kernels *kr; const float *a, *b; float *c; } peak_ctx;

static void peak_run(void *p) {
    const peak_ctx *x = p;
    for (int i = 0; i < PEAK_CALLS; i++)
        x->kr->gemm((size_t)x->kr->mr, (size_t)x->kr->nr, PEAK_KC, x->a, PEAK_KC, x->b, NULL,
                    x->c, (size_t)x->kr->nr, 1);
}

static double peak_gflops(const wfm_kernels *kr, double min_s) {
    float *a = alloc_floats((size_t)kr->mr * PEAK_KC, 1);
    float *b = alloc_floats((size_t)kr->nr * PEAK_KC, 2);
    float *c = alloc_floats((size_t)kr->mr * kr->nr, 3);
    for (size_t i = 0; i < (size_t)kr->mr * PEAK_KC; i++) a[i] *= 1e-3f; /* stay finite */
    peak_ctx x = {kr, a, b, c};
    const double t = best_time(peak_run, &x, min_s);
    free(a); free(b); free(c);
    return 2.0 * kr->mr * kr->nr * PEAK_KC * PEAK_CALLS / t * 1e-9;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* 12 independent FMA chains: the core's raw 256-bit FMA throughput. */
__attribute__((target("avx2,fma"))) static void fma_loop(void *p) {
    float *out = p;
    __m256 v[12], m = _mm256_set1_ps(0.999f), a = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++) v[i] = _mm256_set1_ps((float)i);
    for (int it = 0; it < 100000; it++)
        for (int i = 0; i < 12; i++) v[i] = _mm256_fmadd_ps(v[i], m, a);
    for (int i = 1; i < 12; i++) v[0] = _mm256_add_ps(v[0], v[i]);
    _mm256_storeu_ps(out, v[0]);
}
static double fma_peak_gflops(double min_s) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    float out[8];
    return 2.0 * 8 * 12 * 100000 / best_time(fma_loop, out, min_s) * 1e-9;
}
#else
static double fma_peak_gflops(double min_s) { (void)min_s; return 0; }
#endif

/* ---- the model's GEMMs ---------------------------------------------------- */

typedef struct {
    const wfm_kernels *kr;
    wfm_pool *pool;
    size_t m, n, k;
    const float *a, *packed, *bias;
    float *c;
    int panels; /* attention tile: wfm_gemm_panels on a packed head */
    int reps;   /* calls per timing (small tiles) */
} gemm_ctx;

static void gemm_run(void *p) {
    const gemm_ctx *g = p;
    for (int r = 0; r < g->reps; r++) {
        if (g->panels)
            wfm_gemm_panels(g->kr, g->m, g->n, g->k, g->a, g->k, g->packed, g->k * g->kr->nr,
                            NULL, g->c, g->n, 0);
        else
            wfm_gemm(g->kr, g->pool, g->m, g->n, g->k, g->a, g->k, g->packed, g->bias, g->c,
                     g->n, 0);
    }
}

static double gemm_gflops(const wfm_kernels *kr, wfm_pool *pool, size_t m, size_t n, size_t k,
                          int panels, double min_s) {
    float *a = alloc_floats(m * k, 4), *b = alloc_floats(n * k, 5), *bias = alloc_floats(n, 6);
    float *c = alloc_floats(m * n, 7);
    float *packed = alloc_floats(wfm_gemm_packed_size(kr, n, k), 8);
    wfm_gemm_pack_nt(kr, b, k, n, k, packed);
    const int reps = panels ? 200 : 1;
    gemm_ctx g = {kr, pool, m, n, k, a, packed, bias, c, panels, reps};
    const double t = best_time(gemm_run, &g, min_s);
    free(a); free(b); free(bias); free(c); free(packed);
    return 2.0 * m * n * k * reps / t * 1e-9;
}

int main(int argc, char **argv) {
    int threads = 1, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else { fprintf(stderr, "usage: %s [--threads N] [--quick]\n", argv[0]); return 2; }
    }
    const double min_s = quick ? 0.1 : 0.5;
    const wfm_kernels *kr = wfm_kernels_best();
    wfm_pool *pool = threads > 1 ? wfm_pool_create(threads) : NULL;

    const double peak = peak_gflops(kr, 2 * min_s);
    const double fma = fma_peak_gflops(min_s);
    printf("kernel set %s (%dx%d), %d thread(s)\n", kr->name, kr->mr, kr->nr, wfm_pool_size(pool));
    printf("peak (microkernel %dx%d, kc=%d, L1-resident): %.1f GFLOP/s\n", kr->mr, kr->nr,
           PEAK_KC, peak);
    if (fma > 0)
        printf("raw FMA issue rate (12 ymm chains): %.1f GFLOP/s; microkernel reaches %.0f%% of it\n",
               fma, 100 * peak / fma);
    const double peak_all = peak * wfm_pool_size(pool);

    static const size_t nk[][2] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536},
                                   {768, 256},  {256, 256}, {1024, 256}, {256, 1024}};
    static const size_t ms[] = {1872, 3744};
    static const size_t tiles[][3] = {{64, 64, 64}, {64, 128, 64}, {64, 64, 128}};
    printf("\n| call | M | N | K | GFLOP/s | ratio to peak |\n|---|---:|---:|---:|---:|---:|\n");
    double log_sum = 0;
    int count = 0;
    for (size_t im = 0; im < 2; im++)
        for (size_t s = 0; s < sizeof nk / sizeof nk[0]; s++) {
            const double gf = gemm_gflops(kr, pool, ms[im], nk[s][0], nk[s][1], 0, min_s);
            printf("| wfm_gemm | %zu | %zu | %zu | %.1f | %.2f |\n", ms[im], nk[s][0], nk[s][1], gf,
                   gf / peak_all);
            fflush(stdout);
            log_sum += log(gf / peak_all);
            count++;
        }
    for (size_t s = 0; s < sizeof tiles / sizeof tiles[0]; s++) {
        const double gf = gemm_gflops(kr, NULL, tiles[s][0], tiles[s][1], tiles[s][2], 1, min_s);
        printf("| wfm_gemm_panels | %zu | %zu | %zu | %.1f | %.2f |\n", tiles[s][0], tiles[s][1],
               tiles[s][2], gf, gf / peak);
        fflush(stdout);
        log_sum += log(gf / peak);
        count++;
    }
    printf("\ngeometric-mean ratio to peak (%s, %d shapes): %.3f\n", kr->name, count,
           exp(log_sum / count));
    wfm_pool_destroy(pool);
    return 0;
}
