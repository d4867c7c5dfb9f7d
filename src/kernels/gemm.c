/* The portable outer layer of the GEMM: packing B, looping the microkernel
 * over panels and row blocks, cache blocking and threading. Only the
 * microkernels are ISA-specific. */
#include <string.h>
#include "kernels/gemm.h"

/* Cache blocking (K floats / rows / columns). One B panel's K block
 * (KC x nr, 16 KB for AVX2) stays in L1 while the MC x KC block of A streams
 * from L2 and the KC x NC block of B sits in L2. On Zen 4 (32 KB L1D, 1 MB
 * L2), native and under V8, KC 128..512, MC 48..192 and NC 256..1536 all
 * measured within noise (~2%) of each other on the model's shapes. */
#ifndef WFM_GEMM_KC
#define WFM_GEMM_KC 256
#endif
#ifndef WFM_GEMM_MC
#define WFM_GEMM_MC 96
#endif
#ifndef WFM_GEMM_NC
#define WFM_GEMM_NC 512
#endif

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }

size_t wfm_gemm_packed_size(const wfm_kernels *kr, size_t n, size_t k) {
    return div_up(n, (size_t)kr->nr) * (size_t)kr->nr * k;
}

void wfm_gemm_pack_nt(const wfm_kernels *kr, const float *b, size_t ldb,
                      size_t n, size_t k, float *packed) {
    const size_t nr = (size_t)kr->nr;
    for (size_t j0 = 0; j0 < n; j0 += nr, packed += k * nr) {
        const size_t nc = min_sz(nr, n - j0);
        /* Row j of B becomes column j of the panel: read contiguously. */
        for (size_t j = 0; j < nc; j++) {
            const float *row = b + (j0 + j) * ldb;
            for (size_t kk = 0; kk < k; kk++) packed[kk * nr + j] = row[kk];
        }
        for (size_t j = nc; j < nr; j++)
            for (size_t kk = 0; kk < k; kk++) packed[kk * nr + j] = 0.0f;
    }
}

void wfm_gemm_pack_nn(const wfm_kernels *kr, const float *b, size_t ldb,
                      size_t k, size_t n, float *packed) {
    const size_t nr = (size_t)kr->nr;
    for (size_t j0 = 0; j0 < n; j0 += nr, packed += k * nr) {
        const size_t nc = min_sz(nr, n - j0);
        for (size_t kk = 0; kk < k; kk++) {
            memcpy(packed + kk * nr, b + kk * ldb + j0, nc * sizeof *packed);
            memset(packed + kk * nr + nc, 0, (nr - nc) * sizeof *packed);
        }
    }
}

/* Panels outer, row blocks inner: one panel's kc x nr slice is reused from
 * L1 by every row block. */
void wfm_gemm_panels(const wfm_kernels *kr, size_t m, size_t n, size_t kc,
                     const float *a, size_t lda,
                     const float *bp, size_t panel_stride,
                     const float *bias, float *c, size_t ldc, int accumulate) {
    const size_t mr = (size_t)kr->mr, nr = (size_t)kr->nr;
    for (size_t j = 0; j < n; j += nr, bp += panel_stride) {
        const size_t nc = min_sz(nr, n - j);
        const float *bj = bias ? bias + j : NULL;
        for (size_t i = 0; i < m; i += mr)
            kr->gemm(min_sz(mr, m - i), nc, kc, a + i * lda, lda, bp, bj,
                     c + i * ldc + j, ldc, accumulate);
    }
}

/* One task computes a whole MC x NC tile of C over all of K, so tiles are
 * independent and each element's k order is fixed by (m, n, k) alone: the
 * result does not depend on the thread count. */
typedef struct {
    const wfm_kernels *kr;
    size_t m, n, k, kc_block, mc, nc, n_col_tiles;
    const float *a, *packed, *bias;
    size_t lda, ldc;
    float *c;
    int accumulate;
} gemm_job;

static void gemm_tile(void *ctx, size_t task, int thread) {
    (void)thread;
    const gemm_job *g = ctx;
    const size_t nr = (size_t)g->kr->nr, panel_stride = g->k * nr;
    const size_t i0 = task / g->n_col_tiles * g->mc, j0 = task % g->n_col_tiles * g->nc;
    const size_t m = min_sz(g->mc, g->m - i0), n = min_sz(g->nc, g->n - j0);
    const float *a = g->a + i0 * g->lda;
    const float *bp = g->packed + j0 / nr * panel_stride;
    float *c = g->c + i0 * g->ldc + j0;
    /* The first K block applies the caller's accumulate/bias, later ones add
     * to it. k == 0 still runs once, to write bias or zeros. */
    size_t k0 = 0;
    do {
        const size_t kc = min_sz(g->kc_block, g->k - k0);
        const float *bias = k0 == 0 && g->bias ? g->bias + j0 : NULL;
        wfm_gemm_panels(g->kr, m, n, kc, a + k0, g->lda, bp + k0 * nr, panel_stride,
                        bias, c, g->ldc, k0 == 0 ? g->accumulate : 1);
        k0 += kc;
    } while (k0 < g->k);
}

void wfm_gemm(const wfm_kernels *kr, wfm_pool *pool, size_t m, size_t n, size_t k,
              const float *a, size_t lda, const float *packed,
              const float *bias, float *c, size_t ldc, int accumulate) {
    if (m == 0 || n == 0) return;
    const size_t mr = (size_t)kr->mr, nr = (size_t)kr->nr;
    /* Equal K blocks of at most KC. */
    const size_t n_kb = k ? div_up(k, WFM_GEMM_KC) : 1;
    gemm_job g = {.kr = kr, .m = m, .n = n, .k = k,
                  .kc_block = k ? div_up(k, n_kb) : 0,
                  .mc = div_up(WFM_GEMM_MC, mr) * mr,
                  .nc = div_up(WFM_GEMM_NC, nr) * nr,
                  .a = a, .packed = packed, .bias = bias, .lda = lda, .ldc = ldc,
                  .c = c, .accumulate = accumulate};
    g.n_col_tiles = div_up(n, g.nc);
    wfm_pool_run(pool, div_up(m, g.mc) * g.n_col_tiles, gemm_tile, &g);
}
