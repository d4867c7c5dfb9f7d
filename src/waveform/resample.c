/* The anti-aliased rational resampler of raw waveforms (docs/data.md,
 * "Resampling"), equal to resample() of tools/waveform_ref.py: the rate
 * ratio as the best fraction up/down with both at most 1000, a
 * Kaiser-windowed sinc low-pass, and a polyphase evaluation of each run of
 * observed samples on its own, extended at its ends with its edge values
 * (scipy's resample_poly with padtype='edge', run by run). */
#include "wearfm.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "waveform/resample.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Upsampled positions k * down stay far from int64 overflow below this. */
#define MAX_UPSAMPLED ((uint64_t)1 << 62)

double wfm_bessel_i0(double x) {
    /* sum_k ((x/2)^2)^k / (k!)^2: all terms positive, so no cancellation;
     * beta = 5 needs about 20 of them for full precision. */
    double q = x * x / 4, term = 1, sum = 1;
    for (int k = 1; k < 500 && term > sum * 1e-18; k++) {
        term *= q / ((double)k * k);
        sum += term;
    }
    return sum;
}

void wfm_resample_taps(int up, int down, double *h) {
    const int m = up > down ? up : down;
    const long half = (long)WFM_RESAMPLE_HALF_ZEROS * m, len = 2 * half + 1;
    const double cutoff = 1.0 / m, alpha = (double)(len - 1) / 2, i0_beta = wfm_bessel_i0(WFM_RESAMPLE_KAISER_BETA);
    double sum = 0;
    for (long i = 0; i < len; i++) {
        /* numpy.sinc and numpy.kaiser, term for term */
        double y = M_PI * (cutoff * (double)(i - half));
        double sinc = y == 0 ? 1.0 : sin(y) / y;
        double r = ((double)i - alpha) / alpha;
        double w = wfm_bessel_i0(WFM_RESAMPLE_KAISER_BETA * sqrt(1 - r * r)) / i0_beta;
        h[i] = cutoff * sinc * w;
        sum += h[i];
    }
    for (long i = 0; i < len; i++) h[i] = h[i] / sum * up;
}

static wfm_status check_rate(double rate, const char *which, wfm_error *err) {
    if (!isfinite(rate) || !(rate > 0))
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: %s rate %g Hz: a rate must be finite and > 0", which, rate);
    return WFM_OK;
}

/* Python's Fraction(r).limit_denominator(max): the closest fraction to the
 * double r (its exact binary value num / den) with a denominator <= max,
 * the nearer convergent or semiconvergent of its continued fraction; on a
 * tie the convergent. */
static void limit_denominator(uint64_t num, uint64_t den, uint64_t max, uint64_t *p, uint64_t *q) {
    if (den <= max) { *p = num; *q = den; return; }
    uint64_t p0 = 0, q0 = 1, p1 = 1, q1 = 0, n = num, d = den;
    for (;;) {
        uint64_t a = n / d;
        if (q1 && a > (max - q0) / q1) break; /* q0 + a q1 > max */
        uint64_t p2 = p0 + a * p1, q2 = q0 + a * q1;
        p0 = p1, q0 = q1, p1 = p2, q1 = q2;
        uint64_t rem = n - a * d;
        n = d, d = rem;
        if (!d) { *p = p1; *q = q1; return; } /* exact (not reached when den > max) */
    }
    uint64_t k = (max - q0) / q1, qk = q0 + k * q1;
    /* p1/q1 is d / (q1 den) from r, the semiconvergent is 1 / (q1 qk) from
     * p1/q1 on r's other side: the convergent wins when 2 d qk <= den. */
    if (d <= den / (2 * qk)) { *p = p1; *q = q1; }
    else { *p = p0 + k * p1; *q = qk; }
}

wfm_status wfm_resample_ratio(double rate_in, double rate_out, int *up, int *down, wfm_error *err) {
    if (!up || !down) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_resample_ratio: NULL argument");
    wfm_status st = check_rate(rate_in, "input", err);
    if (!st) st = check_rate(rate_out, "output", err);
    if (st) return st;
    const double r = rate_out / rate_in;
    uint64_t p = 0, q = 1;
    /* Outside [2^-11, 2048] the fraction's numerator is 0 or above 1000;
     * inside, r = num / 2^k exactly with num < 2^53 and k <= 63. */
    if (r >= 0x1p-11 && r <= 2048) {
        int e;
        uint64_t num = (uint64_t)ldexp(frexp(r, &e), 53);
        int k = 53 - e;
        while (k > 0 && !(num & 1)) num >>= 1, k--;
        if (k < 0) num <<= -k, k = 0;
        limit_denominator(num, (uint64_t)1 << k, WFM_RESAMPLE_MAX_FACTOR, &p, &q);
    }
    if (p < 1 || p > WFM_RESAMPLE_MAX_FACTOR)
        return wfm_fail(err, WFM_ERR_INVALID_ARG,
                        "resample: %g Hz -> %g Hz: the ratio %g is not a fraction up/down with both in 1..%d",
                        rate_in, rate_out, r, WFM_RESAMPLE_MAX_FACTOR);
    *up = (int)p;
    *down = (int)q;
    return WFM_OK;
}

/* n_out = ceil(n up / down), with every size it implies checked. */
static wfm_status out_length(size_t n, int channels, int up, int down, size_t *n_out, wfm_error *err) {
    if ((uint64_t)n > MAX_UPSAMPLED / (uint64_t)up)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: %zu samples at up = %d: too many to resample", n, up);
    uint64_t m = ((uint64_t)n * (uint64_t)up + (uint64_t)down - 1) / (uint64_t)down;
    if (m > SIZE_MAX / sizeof(float) / (size_t)channels)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: %llu output samples x %d channels do not fit in memory",
                        (unsigned long long)m, channels);
    *n_out = (size_t)m;
    return WFM_OK;
}

static wfm_status check_channels(int channels, wfm_error *err) {
    if (channels < 1)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: %d channels: there must be at least 1", channels);
    return WFM_OK;
}

wfm_status wfm_resample_length(size_t n, int channels, double rate_in, double rate_out, size_t *n_out,
                               wfm_error *err) {
    if (!n_out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_resample_length: NULL argument");
    int up = 1, down = 1;
    wfm_status st = check_channels(channels, err);
    if (!st) st = wfm_resample_ratio(rate_in, rate_out, &up, &down, err);
    if (!st) st = out_length(n, channels, up, down, n_out, err);
    return st;
}

/* A filter's overshoot can take samples near FLT_MAX beyond float range:
 * they become +-inf by rule, not by an out-of-range conversion. */
static float to_float(double v) { return fabs(v) > FLT_MAX ? (float)copysign(INFINITY, v) : (float)v; }

/* ceil(a / b) for b > 0. */
static int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/* The run x[0..len) (stride C), upsampled by up and filtered, at the
 * upsampled position t_up (0 = the run's first sample):
 * sum_i h[t_up + half - i up] x[clamp(i)]. */
static double filter_at(const float *x, size_t C, int64_t len, const double *h, int64_t half, int64_t up,
                        int64_t t_up) {
    const int64_t t = t_up + half, n_taps = 2 * half / up + 1;
    const int64_t i_lo = ceil_div(t - 2 * half, up);
    double acc = 0;
    for (int64_t j = 0; j < n_taps; j++) {
        int64_t i = i_lo + j, tap = t - i * up;
        if (tap < 0) break;
        int64_t at = i < 0 ? 0 : i >= len ? len - 1 : i;
        acc += h[tap] * (double)x[(size_t)at * C];
    }
    return acc;
}

wfm_status wfm_resample(const float *x, size_t n, int channels, double rate_in, double rate_out, float *y,
                        size_t n_out, wfm_error *err) {
    int up = 1, down = 1;
    size_t want = 0;
    wfm_status st = check_channels(channels, err);
    if (!st) st = wfm_resample_ratio(rate_in, rate_out, &up, &down, err);
    if (!st) st = out_length(n, channels, up, down, &want, err);
    if (st) return st;
    if ((!x && n) || (!y && want)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_resample: NULL argument");
    if (n_out != want)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: %zu input samples give %zu outputs, not %zu", n, want,
                        n_out);
    const size_t C = (size_t)channels;
    for (size_t i = 0; i < n * C; i++)
        if (isinf(x[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "resample: sample %zu of channel %zu is infinite", i / C, i % C);
    double *h = wfm_malloc(wfm_resample_taps_count(up, down) * sizeof *h);
    if (!h) return wfm_fail(err, WFM_ERR_NO_MEMORY, "resample: out of memory for the filter");
    wfm_resample_taps(up, down, h);
    const int64_t half = (int64_t)(wfm_resample_taps_count(up, down) / 2);
    for (size_t k = 0; k < n_out * C; k++) y[k] = NAN;
    for (size_t c = 0; c < C; c++) {
        for (size_t i = 0; i < n;) {
            if (isnan(x[i * C + c])) { i++; continue; }
            size_t j = i + 1; /* the run [i, j) */
            while (j < n && !isnan(x[j * C + c])) j++;
            /* the outputs whose times k down / up fall inside the run */
            int64_t k0 = ceil_div((int64_t)i * up, down), k1 = ((int64_t)j - 1) * up / down;
            for (int64_t k = k0; k <= k1; k++)
                y[(size_t)k * C + c] =
                    to_float(filter_at(x + i * C + c, C, (int64_t)(j - i), h, half, up, k * down - (int64_t)i * up));
            i = j;
        }
    }
    free(h);
    return WFM_OK;
}
