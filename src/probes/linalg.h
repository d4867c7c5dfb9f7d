/* Small dense linear algebra in double for the probes (src/probe*.c).
 *
 * Every reduction has a fixed summation order written out in the source
 * (independent partial sums combined in a fixed tree), so vectorising
 * compilers cannot change it and native, WASI and web builds compute the
 * same bits: no FMA contraction happens on these targets' baseline ISAs
 * (x86-64 SSE2, wasm simd128). */
#ifndef WFM_LINALG_H
#define WFM_LINALG_H
#include <stddef.h>

/* sum_j x[j] * w[j]: 4 partial sums (j mod 4), combined (s0 + s1) + (s2 + s3). */
double wfm_dot_fd(const float *x, const double *w, size_t n);
/* The same order for two double vectors. */
double wfm_dot_dd(const double *x, const double *w, size_t n);
/* y[j] += a * x[j] (element-wise, no reduction). */
void wfm_axpy_fd(double a, const float *x, double *y, size_t n);
/* The same for 4 rows w_k = w + k*ld / y_k = y + k*ld in one sweep over x,
 * with exactly the results of 4 single calls: out[k] = x . w_k, y_k += a[k] x. */
void wfm_dot4_fd(const float *x, const double *w, size_t ld, size_t n, double *out);
void wfm_axpy4_fd(const double *a, const float *x, double *y, size_t ld, size_t n);

/* In-place Cholesky factorisation A = L L^T of a symmetric positive definite
 * n x n matrix (row-major, lower triangle read and written). Returns 0, or
 * -1 if a pivot is not positive (relative to the diagonal's scale). */
int wfm_cholesky(double *a, size_t n);
/* Solves L L^T x = b in place (b becomes x) with the factor above. */
void wfm_cholesky_solve(const double *l, size_t n, double *b);

#endif
