/* See linalg.h. The hot kernels have SIMD forms (wasm simd128, x86-64 SSE2)
 * that perform exactly the scalar forms' operations: lane l of the partial
 * sums takes the elements j = l mod 4, products and sums are separately
 * rounded (no FMA), and the lanes are combined in the same tree. */
#include "probes/linalg.h"
#include <math.h>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define WFM_SIMD_WASM 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#define WFM_SIMD_SSE2 1
#endif

#if WFM_SIMD_WASM
typedef v128_t vd;
static inline vd vd_zero(void) { return wasm_f64x2_splat(0.0); }
static inline vd vd_load(const double *p) { return wasm_v128_load(p); }
static inline void vd_store(double *p, vd v) { wasm_v128_store(p, v); }
static inline vd vd_splat(double a) { return wasm_f64x2_splat(a); }
static inline vd vd_add(vd a, vd b) { return wasm_f64x2_add(a, b); }
static inline vd vd_mul(vd a, vd b) { return wasm_f64x2_mul(a, b); }
static inline double vd_lo(vd a) { return wasm_f64x2_extract_lane(a, 0); }
static inline double vd_hi(vd a) { return wasm_f64x2_extract_lane(a, 1); }
/* x[0..4) as two double pairs */
static inline void vf_load4(const float *x, vd *lo, vd *hi) {
    v128_t v = wasm_v128_load(x);
    *lo = wasm_f64x2_promote_low_f32x4(v);
    *hi = wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(v, v, 1, 1));
}
#define WFM_SIMD 1
#elif WFM_SIMD_SSE2
typedef __m128d vd;
static inline vd vd_zero(void) { return _mm_setzero_pd(); }
static inline vd vd_load(const double *p) { return _mm_loadu_pd(p); }
static inline void vd_store(double *p, vd v) { _mm_storeu_pd(p, v); }
static inline vd vd_splat(double a) { return _mm_set1_pd(a); }
static inline vd vd_add(vd a, vd b) { return _mm_add_pd(a, b); }
static inline vd vd_mul(vd a, vd b) { return _mm_mul_pd(a, b); }
static inline double vd_lo(vd a) { return _mm_cvtsd_f64(a); }
static inline double vd_hi(vd a) { return _mm_cvtsd_f64(_mm_unpackhi_pd(a, a)); }
static inline void vf_load4(const float *x, vd *lo, vd *hi) {
    __m128 v = _mm_loadu_ps(x);
    *lo = _mm_cvtps_pd(v);
    *hi = _mm_cvtps_pd(_mm_movehl_ps(v, v));
}
#define WFM_SIMD 1
#endif

double wfm_dot_fd(const float *x, const double *w, size_t n) {
    size_t j = 0;
#if WFM_SIMD
    vd a = vd_zero(), b = vd_zero();  /* lanes (s0, s1), (s2, s3) */
    for (; j + 4 <= n; j += 4) {
        vd lo, hi;
        vf_load4(x + j, &lo, &hi);
        a = vd_add(a, vd_mul(lo, vd_load(w + j)));
        b = vd_add(b, vd_mul(hi, vd_load(w + j + 2)));
    }
    double s0 = vd_lo(a), s1 = vd_hi(a), s2 = vd_lo(b), s3 = vd_hi(b);
#else
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; j + 4 <= n; j += 4) {
        s0 += (double)x[j] * w[j];
        s1 += (double)x[j + 1] * w[j + 1];
        s2 += (double)x[j + 2] * w[j + 2];
        s3 += (double)x[j + 3] * w[j + 3];
    }
#endif
    for (; j < n; j++) s0 += (double)x[j] * w[j];
    return (s0 + s1) + (s2 + s3);
}

void wfm_dot4_fd(const float *x, const double *w, size_t ld, size_t n, double *out) {
    const double *w0 = w, *w1 = w + ld, *w2 = w + 2 * ld, *w3 = w + 3 * ld;
    size_t j = 0;
    double s[4][4];
#if WFM_SIMD
    vd a0 = vd_zero(), b0 = vd_zero(), a1 = vd_zero(), b1 = vd_zero();
    vd a2 = vd_zero(), b2 = vd_zero(), a3 = vd_zero(), b3 = vd_zero();
    for (; j + 4 <= n; j += 4) {
        vd lo, hi;
        vf_load4(x + j, &lo, &hi);
        a0 = vd_add(a0, vd_mul(lo, vd_load(w0 + j))); b0 = vd_add(b0, vd_mul(hi, vd_load(w0 + j + 2)));
        a1 = vd_add(a1, vd_mul(lo, vd_load(w1 + j))); b1 = vd_add(b1, vd_mul(hi, vd_load(w1 + j + 2)));
        a2 = vd_add(a2, vd_mul(lo, vd_load(w2 + j))); b2 = vd_add(b2, vd_mul(hi, vd_load(w2 + j + 2)));
        a3 = vd_add(a3, vd_mul(lo, vd_load(w3 + j))); b3 = vd_add(b3, vd_mul(hi, vd_load(w3 + j + 2)));
    }
    vd av[4] = {a0, a1, a2, a3}, bv[4] = {b0, b1, b2, b3};
    for (int k = 0; k < 4; k++) { s[k][0] = vd_lo(av[k]); s[k][1] = vd_hi(av[k]); s[k][2] = vd_lo(bv[k]); s[k][3] = vd_hi(bv[k]); }
#else
    for (int k = 0; k < 4; k++) s[k][0] = s[k][1] = s[k][2] = s[k][3] = 0;
    for (; j + 4 <= n; j += 4)
        for (size_t l = 0; l < 4; l++) {
            double v = (double)x[j + l];
            s[0][l] += v * w0[j + l];
            s[1][l] += v * w1[j + l];
            s[2][l] += v * w2[j + l];
            s[3][l] += v * w3[j + l];
        }
#endif
    for (; j < n; j++) {
        double v = (double)x[j];
        s[0][0] += v * w0[j]; s[1][0] += v * w1[j]; s[2][0] += v * w2[j]; s[3][0] += v * w3[j];
    }
    for (int k = 0; k < 4; k++) out[k] = (s[k][0] + s[k][1]) + (s[k][2] + s[k][3]);
}

double wfm_dot_dd(const double *x, const double *w, size_t n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        s0 += x[j] * w[j];
        s1 += x[j + 1] * w[j + 1];
        s2 += x[j + 2] * w[j + 2];
        s3 += x[j + 3] * w[j + 3];
    }
    for (; j < n; j++) s0 += x[j] * w[j];
    return (s0 + s1) + (s2 + s3);
}

void wfm_axpy_fd(double a, const float *x, double *y, size_t n) {
    size_t j = 0;
#if WFM_SIMD
    vd av = vd_splat(a);
    for (; j + 4 <= n; j += 4) {
        vd lo, hi;
        vf_load4(x + j, &lo, &hi);
        vd_store(y + j, vd_add(vd_load(y + j), vd_mul(av, lo)));
        vd_store(y + j + 2, vd_add(vd_load(y + j + 2), vd_mul(av, hi)));
    }
#endif
    for (; j < n; j++) y[j] += a * (double)x[j];
}

void wfm_axpy4_fd(const double *a, const float *x, double *y, size_t ld, size_t n) {
    double *y0 = y, *y1 = y + ld, *y2 = y + 2 * ld, *y3 = y + 3 * ld;
    size_t j = 0;
#if WFM_SIMD
    vd r0 = vd_splat(a[0]), r1 = vd_splat(a[1]), r2 = vd_splat(a[2]), r3 = vd_splat(a[3]);
    for (; j + 4 <= n; j += 4) {
        vd lo, hi;
        vf_load4(x + j, &lo, &hi);
        vd_store(y0 + j, vd_add(vd_load(y0 + j), vd_mul(r0, lo)));
        vd_store(y0 + j + 2, vd_add(vd_load(y0 + j + 2), vd_mul(r0, hi)));
        vd_store(y1 + j, vd_add(vd_load(y1 + j), vd_mul(r1, lo)));
        vd_store(y1 + j + 2, vd_add(vd_load(y1 + j + 2), vd_mul(r1, hi)));
        vd_store(y2 + j, vd_add(vd_load(y2 + j), vd_mul(r2, lo)));
        vd_store(y2 + j + 2, vd_add(vd_load(y2 + j + 2), vd_mul(r2, hi)));
        vd_store(y3 + j, vd_add(vd_load(y3 + j), vd_mul(r3, lo)));
        vd_store(y3 + j + 2, vd_add(vd_load(y3 + j + 2), vd_mul(r3, hi)));
    }
#endif
    for (; j < n; j++) {
        double v = (double)x[j];
        y0[j] += a[0] * v; y1[j] += a[1] * v; y2[j] += a[2] * v; y3[j] += a[3] * v;
    }
}

int wfm_cholesky(double *a, size_t n) {
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(a[i * n + i]));
    double floor = scale * 1e-13;
    for (size_t j = 0; j < n; j++) {
        double *rj = a + j * n;
        double d = rj[j] - wfm_dot_dd(rj, rj, j);
        if (!(d > floor)) return -1;
        d = sqrt(d);
        rj[j] = d;
        for (size_t i = j + 1; i < n; i++) {
            double *ri = a + i * n;
            ri[j] = (ri[j] - wfm_dot_dd(ri, rj, j)) / d;
        }
    }
    return 0;
}

void wfm_cholesky_solve(const double *l, size_t n, double *b) {
    for (size_t i = 0; i < n; i++) b[i] = (b[i] - wfm_dot_dd(l + i * n, b, i)) / l[i * n + i];
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
        b[i] = s / l[i * n + i];
    }
}
