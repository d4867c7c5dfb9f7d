/* GEMM throughput on the model's shapes, one thread, as a ratio to a peak
 * measured in the same run: the higher of (a) the kernel set's microkernel
 * looping on L1-resident packed B and A and (b) a dedicated tile loop, which
 * natively is the raw FMA issue rate (12 independent ymm FMA chains) and in
 * wasm a 4x8 load-splat f32x4 mul+add tile with a constant trip count.
 *
 *   bench_gemm [--threads N] [--quick]
 *
 * Prints a markdown table (paste into bench/README.md) and ends with the
 * geometric-mean ratio. Set WFM_KERNELS=scalar to bench another set. */
#define _POSIX_C_SOURCE 200112L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernels/gemm.h"

/* One thread is timed in process CPU time, so other processes sharing the
 * cores (CI, parallel builds) do not count; threaded runs use wall time. */
static clockid_t bench_clock = CLOCK_PROCESS_CPUTIME_ID;

static double now(void) {
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best time of one call of fn, timed in batches of >= 10 ms (so clock
 * granularity and glitches cannot make a best-of outlier), over >= 3
 * batches and >= min_s, after warm-up (V8 tiers a function up only after
 * it ran a while). */
static double best_time(void (*fn)(void *), void *ctx, double min_s) {
    size_t calls = 0;
    const double t_warm = now();
    do { fn(ctx); calls++; } while (now() - t_warm < min_s / 4);
    const double per_call = (now() - t_warm) / (double)calls;
    const size_t batch = per_call >= 0.01 ? 1 : (size_t)(0.01 / per_call) + 1;
    double best = 1e30;
    const double t_start = now();
    for (int rep = 0; rep < 3 || now() - t_start < min_s; rep++) {
        const double t0 = now();
        for (size_t i = 0; i < batch; i++) fn(ctx);
        const double dt = (now() - t0) / (double)batch;
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

/* A dedicated tile loop: the most this ISA and engine give a register
 * tile, a bound for the microkernel itself. 0 when not built for the ISA. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
enum { TILE_ITERS = 100000 };
/* 12 independent FMA chains: the core's raw 256-bit FMA throughput. */
__attribute__((target("avx2,fma"))) static void tile_loop(void *p) {
    float *out = p;
    __m256 v[12], m = _mm256_set1_ps(0.999f), a = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++) v[i] = _mm256_set1_ps((float)i);
    for (int it = 0; it < TILE_ITERS; it++)
        for (int i = 0; i < 12; i++) v[i] = _mm256_fmadd_ps(v[i], m, a);
    for (int i = 1; i < 12; i++) v[0] = _mm256_add_ps(v[0], v[i]);
    _mm256_storeu_ps(out, v[0]);
}
static const char tile_name[] = "raw FMA issue rate (12 ymm chains)";
static double tile_gflops(double min_s) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    float out[8];
    return 2.0 * 8 * 12 * TILE_ITERS / best_time(tile_loop, out, min_s) * 1e-9;
}
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
enum { TILE_CALLS = 2000 };
#define MAC(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
/* 4x8 load-splat mul+add with compile-time kc and row stride, inlined into
 * its timing loop: the best case V8 gets for this tile (runtime strides, as
 * in the real microkernel, cost it a few address ops per k). */
static inline void tile_4x8(const float *a, const float *b, float *c) {
    const float *a1 = a + PEAK_KC, *a2 = a1 + PEAK_KC, *a3 = a2 + PEAK_KC;
    v128_t v00 = wasm_v128_load(c), v01 = wasm_v128_load(c + 4);
    v128_t v10 = v00, v11 = v01, v20 = v00, v21 = v01, v30 = v00, v31 = v01;
    int k = PEAK_KC;
    do {
        const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        b += 8;
        v128_t va = wasm_v128_load32_splat(a++);
        MAC(v00, va, b0); MAC(v01, va, b1);
        va = wasm_v128_load32_splat(a1++); MAC(v10, va, b0); MAC(v11, va, b1);
        va = wasm_v128_load32_splat(a2++); MAC(v20, va, b0); MAC(v21, va, b1);
        va = wasm_v128_load32_splat(a3++); MAC(v30, va, b0); MAC(v31, va, b1);
    } while (--k);
    v00 = wasm_f32x4_add(wasm_f32x4_add(v00, v10), wasm_f32x4_add(v20, v30));
    v01 = wasm_f32x4_add(wasm_f32x4_add(v01, v11), wasm_f32x4_add(v21, v31));
    wasm_v128_store(c, v00);
    wasm_v128_store(c + 4, v01);
}
typedef struct { const float *a, *b; float *c; } tile_ctx;
__attribute__((noinline)) /* returns often, so V8 tiers it up */
static void tile_loop(void *p) {
    tile_ctx *x = p;
    for (int i = 0; i < TILE_CALLS; i++) tile_4x8(x->a, x->b, x->c);
}
static const char tile_name[] = "dedicated 4x8 load-splat tile loop";
static double tile_gflops(double min_s) {
    tile_ctx x = {alloc_floats(4 * PEAK_KC, 1), alloc_floats(8 * PEAK_KC, 2), alloc_floats(8, 3)};
    for (size_t i = 0; i < 4 * PEAK_KC; i++) ((float *)x.a)[i] *= 1e-3f;
    const double t = best_time(tile_loop, &x, min_s);
    free((void *)x.a); free((void *)x.b); free(x.c);
    return 2.0 * 4 * 8 * PEAK_KC * TILE_CALLS / t * 1e-9;
}
#else
static const char tile_name[] = "";
static double tile_gflops(double min_s) { (void)min_s; return 0; }
#endif

/* ---- the model's GEMMs ---------------------------------------------------- */

typedef struct {
    const wfm_kernels *kr;
    wfm_pool *pool;
    size_t m, n, k;
    const float *a, *packed, *bias;
    float *c;
    int panels; /* attention tile: wfm_gemm_panels on a packed head */
} gemm_ctx;

static void gemm_run(void *p) {
    const gemm_ctx *g = p;
    if (g->panels)
        wfm_gemm_panels(g->kr, g->m, g->n, g->k, g->a, g->k, g->packed, g->k * g->kr->nr, NULL,
                        g->c, g->n, 0);
    else
        wfm_gemm(g->kr, g->pool, g->m, g->n, g->k, g->a, g->k, g->packed, g->bias, g->c, g->n, 0);
}

/* Buffers for the largest shape, allocated once: repeated large allocations
 * only add noise (and grow wasm memory over and over). */
typedef struct { float *a, *b, *bias, *c, *packed; } buffers;

static double gemm_gflops(const wfm_kernels *kr, wfm_pool *pool, const buffers *buf,
                          size_t m, size_t n, size_t k, int panels, double min_s) {
    wfm_gemm_pack_nt(kr, buf->b, k, n, k, buf->packed);
    gemm_ctx g = {kr, pool, m, n, k, buf->a, buf->packed, buf->bias, buf->c, panels};
    return 2.0 * m * n * k / best_time(gemm_run, &g, min_s) * 1e-9;
}

typedef struct { int panels; size_t m, n, k; } shape;

/* The encoder's projections and MLP at both sequence lengths, then
 * attention tiles (QK^T and PV on 64-key tiles of a 64-dim head). */
static const size_t model_nk[][2] = {{1152, 384}, {384, 384}, {1536, 384}, {384, 1536},
                                     {768, 256},  {256, 256}, {1024, 256}, {256, 1024}};
static const size_t model_m[] = {1872, 3744};
static const shape tiles[] = {{1, 64, 64, 64}, {1, 64, 128, 64}, {1, 64, 64, 128}};
enum { N_NK = sizeof model_nk / sizeof model_nk[0], N_M = sizeof model_m / sizeof model_m[0],
       N_TILES = sizeof tiles / sizeof tiles[0], N_SHAPES = N_M * N_NK + N_TILES };

static shape shape_at(int i) {
    if (i < N_M * N_NK)
        return (shape){0, model_m[i / N_NK], model_nk[i % N_NK][0], model_nk[i % N_NK][1]};
    return tiles[i - N_M * N_NK];
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
    if (wfm_pool_size(pool) > 1) bench_clock = CLOCK_MONOTONIC;

    size_t max_a = 0, max_b = 0, max_c = 0, max_n = 0, max_packed = 0;
    for (int i = 0; i < N_SHAPES; i++) {
        const shape s = shape_at(i);
        if (s.m * s.k > max_a) max_a = s.m * s.k;
        if (s.n * s.k > max_b) max_b = s.n * s.k;
        if (s.m * s.n > max_c) max_c = s.m * s.n;
        if (s.n > max_n) max_n = s.n;
        if (wfm_gemm_packed_size(kr, s.n, s.k) > max_packed) max_packed = wfm_gemm_packed_size(kr, s.n, s.k);
    }
    buffers buf = {alloc_floats(max_a, 4), alloc_floats(max_b, 5), alloc_floats(max_n, 6),
                   alloc_floats(max_c, 7), alloc_floats(max_packed, 8)};

    /* Peak measured first (also warms the kernel up) and again at the end;
     * the best is used, so load from other processes cannot flatter ratios. */
    double peak = peak_gflops(kr, 2 * min_s);
    double gf[N_SHAPES];
    for (int i = 0; i < N_SHAPES; i++) {
        const shape s = shape_at(i);
        gf[i] = gemm_gflops(kr, s.panels ? NULL : pool, &buf, s.m, s.n, s.k, s.panels, min_s);
    }
    const double peak2 = peak_gflops(kr, 2 * min_s);
    if (peak2 > peak) peak = peak2;
    const double ukernel_peak = peak;
    /* The tile loop bounds what the microkernel could reach; when it is
     * faster, it is the peak (an honest denominator, not our own kernel). */
    const double tile = strcmp(kr->name, "scalar") ? tile_gflops(min_s) : 0;
    if (tile > peak) peak = tile;

    printf("kernel set %s (%dx%d), %d thread(s)\n", kr->name, kr->mr, kr->nr, wfm_pool_size(pool));
    printf("microkernel %dx%d, kc=%d, L1-resident: %.1f GFLOP/s\n", kr->mr, kr->nr, PEAK_KC,
           ukernel_peak);
    if (tile > 0) printf("%s: %.1f GFLOP/s\n", tile_name, tile);
    printf("peak (the higher, per thread): %.1f GFLOP/s\n", peak);
    printf("\n| call | M | N | K | GFLOP/s | ratio to peak |\n|---|---:|---:|---:|---:|---:|\n");
    double log_sum = 0;
    for (int i = 0; i < N_SHAPES; i++) {
        const shape s = shape_at(i);
        const double ratio = gf[i] / (peak * (s.panels ? 1 : wfm_pool_size(pool)));
        printf("| %s | %zu | %zu | %zu | %.1f | %.2f |\n", s.panels ? "wfm_gemm_panels" : "wfm_gemm",
               s.m, s.n, s.k, gf[i], ratio);
        log_sum += log(ratio);
    }
    printf("\ngeometric-mean ratio to peak (%s, %d shapes): %.3f\n", kr->name, N_SHAPES,
           exp(log_sum / N_SHAPES));
    free(buf.a); free(buf.b); free(buf.bias); free(buf.c); free(buf.packed);
    wfm_pool_destroy(pool);
    return 0;
}
