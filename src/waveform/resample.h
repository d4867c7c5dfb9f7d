/* The resampler's filter, for tests (src/waveform/resample.c; the public calls are
 * wfm_resample_* in wearfm.h). */
#ifndef WFM_RESAMPLE_H
#define WFM_RESAMPLE_H
#include <stddef.h>

#define WFM_RESAMPLE_HALF_ZEROS 10   /* filter half-length in zero crossings of the slower rate */
#define WFM_RESAMPLE_KAISER_BETA 5.0

/* The modified Bessel function of the first kind, order 0 (numpy.i0). */
double wfm_bessel_i0(double x);
/* Taps of the up/down filter: 2 * half + 1 of them, half = 10 max(up, down). */
static inline size_t wfm_resample_taps_count(int up, int down) {
    return 2 * (size_t)WFM_RESAMPLE_HALF_ZEROS * (size_t)(up > down ? up : down) + 1;
}
/* Kaiser-windowed sinc at the slower rate's Nyquist, summing to up
 * (tools/waveform_ref.py resample_filter); h holds wfm_resample_taps_count. */
void wfm_resample_taps(int up, int down, double *h);

#endif
