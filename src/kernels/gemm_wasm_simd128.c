/* WebAssembly SIMD128 kernels (WASI and web builds). SIMD128 has no FMA, so
 * the GEMM is mul + add; the 4x8 load-splat tile is what V8 runs fastest. */
#include <wasm_simd128.h>
#include "kernels/gemm.h"
#include "kernels/exp_poly.h"
#include "kernels/gelu_poly.h"

enum { MR = 4, NR = 8 };

/* The first n (<= 4) floats at p, zero filled; never reads past p[n-1]. */
static inline v128_t load_upto4(const float *p, size_t n) {
    switch (n) {
    case 0: return wasm_f32x4_splat(0.0f);
    case 1: return wasm_v128_load32_zero(p);
    case 2: return wasm_v128_load64_zero(p);
    case 3: return wasm_v128_load32_lane(p + 2, wasm_v128_load64_zero(p), 2);
    default: return wasm_v128_load(p);
    }
}

static inline void store_upto4(float *p, size_t n, v128_t v) {
    switch (n) {
    case 0: break;
    case 1: wasm_v128_store32_lane(p, v, 0); break;
    case 2: wasm_v128_store64_lane(p, v, 0); break;
    case 3: wasm_v128_store64_lane(p, v, 0); wasm_v128_store32_lane(p + 2, v, 2); break;
    default: wasm_v128_store(p, v); break;
    }
}

/* One row of up to 8 columns. */
static inline void load_row(const float *p, size_t nc, v128_t *lo, v128_t *hi) {
    if (nc == NR) {
        *lo = wasm_v128_load(p);
        *hi = wasm_v128_load(p + 4);
    } else {
        *lo = load_upto4(p, nc < 4 ? nc : 4);
        *hi = load_upto4(p + 4, nc > 4 ? nc - 4 : 0);
    }
}

static inline void store_row(float *p, size_t nc, v128_t lo, v128_t hi) {
    if (nc == NR) {
        wasm_v128_store(p, lo);
        wasm_v128_store(p + 4, hi);
    } else {
        store_upto4(p, nc < 4 ? nc : 4, lo);
        store_upto4(p + 4, nc > 4 ? nc - 4 : 0, hi);
    }
}

static void gemm_4x8(size_t m, size_t nc, size_t kc, const float *a, size_t a_stride,
                     const float *b, const float *bias, float *c, size_t c_stride,
                     int accumulate) {
    const float *a0 = a;
    const float *a1 = m > 1 ? a0 + a_stride : a0;
    const float *a2 = m > 2 ? a1 + a_stride : a1;
    const float *a3 = m > 3 ? a2 + a_stride : a2;
    float *c0 = c;
    float *c1 = m > 1 ? c0 + c_stride : c0;
    float *c2 = m > 2 ? c1 + c_stride : c1;
    float *c3 = m > 3 ? c2 + c_stride : c2;

    v128_t v00, v01, v10, v11, v20, v21, v30, v31;
    if (accumulate) {
        load_row(c0, nc, &v00, &v01);
        load_row(c1, nc, &v10, &v11);
        load_row(c2, nc, &v20, &v21);
        load_row(c3, nc, &v30, &v31);
    } else {
        if (bias) load_row(bias, nc, &v00, &v01);
        else v00 = v01 = wasm_f32x4_splat(0.0f);
        v10 = v20 = v30 = v00;
        v11 = v21 = v31 = v01;
    }

    /* Deliberately not unrolled: unrolled by clang or by hand, V8 (Node 20)
     * spills accumulators and drops from ~39 to ~31 GFLOP/s on Zen 4. */
    for (; kc != 0; kc--) {
        const v128_t b0 = wasm_v128_load(b);
        const v128_t b1 = wasm_v128_load(b + 4);
        b += NR;
        v128_t va;
        va = wasm_v128_load32_splat(a0++);
        v00 = wasm_f32x4_add(v00, wasm_f32x4_mul(va, b0));
        v01 = wasm_f32x4_add(v01, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a1++);
        v10 = wasm_f32x4_add(v10, wasm_f32x4_mul(va, b0));
        v11 = wasm_f32x4_add(v11, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a2++);
        v20 = wasm_f32x4_add(v20, wasm_f32x4_mul(va, b0));
        v21 = wasm_f32x4_add(v21, wasm_f32x4_mul(va, b1));
        va = wasm_v128_load32_splat(a3++);
        v30 = wasm_f32x4_add(v30, wasm_f32x4_mul(va, b0));
        v31 = wasm_f32x4_add(v31, wasm_f32x4_mul(va, b1));
    }

    /* Aliased rows hold identical values, so store order does not matter. */
    store_row(c3, nc, v30, v31);
    store_row(c2, nc, v20, v21);
    store_row(c1, nc, v10, v11);
    store_row(c0, nc, v00, v01);
}

/* exp_poly.h's algorithm on 4 lanes. */
static inline v128_t exp4(v128_t x) {
    const v128_t bias = wasm_f32x4_splat(WFM_EXP_MAGIC_BIAS);
    v128_t n = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(WFM_EXP_LOG2E)), bias);
    const v128_t s = wasm_i32x4_shl(n, 23);
    n = wasm_f32x4_sub(n, bias);
    v128_t t = wasm_f32x4_add(wasm_f32x4_mul(n, wasm_f32x4_splat(WFM_EXP_MINUS_LN2_HI)), x);
    t = wasm_f32x4_add(wasm_f32x4_mul(n, wasm_f32x4_splat(WFM_EXP_MINUS_LN2_LO)), t);
    v128_t p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(WFM_EXP_C5), t),
                              wasm_f32x4_splat(WFM_EXP_C4));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WFM_EXP_C1));
    t = wasm_f32x4_mul(t, s);
    const v128_t f = wasm_f32x4_add(wasm_f32x4_mul(t, p), s);
    const v128_t under = wasm_f32x4_lt(x, wasm_f32x4_splat(WFM_EXP_CUTOFF));
    return wasm_v128_andnot(f, under);
}

static float expminusmax(size_t n, const float *x, float max, float *y) {
    const v128_t vmax = wasm_f32x4_splat(max);
    v128_t vsum = wasm_f32x4_splat(0.0f);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t f = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vmax));
        wasm_v128_store(y + i, f);
        vsum = wasm_f32x4_add(vsum, f);
    }
    float sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) +
                wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3);
    for (; i < n; i++) { /* same polynomial, scalar */
        y[i] = wfm_exp_poly(x[i] - max);
        sum += y[i];
    }
    return sum;
}

static float rmax(size_t n, const float *x) {
    v128_t vm = wasm_f32x4_splat(x[0]);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(x + i));
    float r = wasm_f32x4_extract_lane(vm, 0);
    float l1 = wasm_f32x4_extract_lane(vm, 1), l2 = wasm_f32x4_extract_lane(vm, 2),
          l3 = wasm_f32x4_extract_lane(vm, 3);
    r = l1 > r ? l1 : r;
    r = l2 > r ? l2 : r;
    r = l3 > r ? l3 : r;
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}

/* gelu_poly.h's formula on 4 lanes. */
static inline v128_t gelu4(v128_t v) {
    const v128_t one = wasm_f32x4_splat(1.0f);
    const v128_t a = wasm_f32x4_mul(wasm_f32x4_abs(v), wasm_f32x4_splat(WFM_GELU_INV_SQRT2));
    const v128_t t = wasm_f32x4_div(one, wasm_f32x4_add(one, wasm_f32x4_mul(wasm_f32x4_splat(WFM_ERF_P), a)));
    v128_t q = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(WFM_ERF_A5), t), wasm_f32x4_splat(WFM_ERF_A4));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A2));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(WFM_ERF_A1));
    const v128_t p = wasm_f32x4_mul(q, t);
    const v128_t erf_abs = wasm_f32x4_sub(one, wasm_f32x4_mul(p, exp4(wasm_f32x4_neg(wasm_f32x4_mul(a, a)))));
    /* erf(v) = sign(v) * erf(|v|): flip the sign where v is negative */
    const v128_t erf = wasm_v128_xor(erf_abs, wasm_v128_and(v, wasm_f32x4_splat(-0.0f)));
    return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), wasm_f32x4_add(one, erf));
}

static void gelu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, gelu4(wasm_v128_load(x + i)));
    for (; i < n; i++) x[i] = wfm_gelu_poly(x[i]);
}

const wfm_kernels wfm_kernels_wasm_simd128 = {"wasm_simd128", MR, NR, gemm_4x8, expminusmax, rmax, gelu};
