/* wearfm: raw waveforms (accelerometer, PPG): readers, the resampler, windows for a model.
 * Part of the public API; include "wearfm.h". */
#ifndef WEARFM_WAVEFORM_H
#define WEARFM_WAVEFORM_H

#include "minutes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- raw waveforms: readers and the resampler --------------------------- */

/* A waveform is n samples of `channels` signals at a uniform rate, as
 * recorded by a sensor (accelerometer, PPG, ...) before any model sees it.
 * docs/data.md, "Raw waveforms". */
typedef struct wfm_waveform {
    double start;          /* unix time (UTC seconds) of sample 0 */
    double rate;           /* samples per second, in [WFM_WAVEFORM_MIN_RATE, WFM_WAVEFORM_MAX_RATE] */
    int channels;          /* 1..WFM_WAVEFORM_MAX_CHANNELS */
    size_t n;              /* samples per channel, >= 1 */
    float *samples;        /* [n x channels] row-major (x[i * channels + c]), NaN = missing */
    const char *unit;      /* the stored unit: "g" for accelerometers, "" for as recorded */
    /* Values the plausibility rules made missing, by reason (all channels):
     * WFM_DROP_NOT_FINITE (inf, or beyond float range), WFM_DROP_BELOW and
     * WFM_DROP_ABOVE (an accelerometer beyond +-16 g). */
    size_t dropped[WFM_DROP_REASONS];
} wfm_waveform;

#define WFM_WAVEFORM_MAX_CHANNELS 16
#define WFM_WAVEFORM_MIN_RATE 1e-3                  /* Hz */
#define WFM_WAVEFORM_MAX_RATE 1e4                   /* Hz */
#define WFM_WAVEFORM_MAX_BYTES ((size_t)1 << 30)    /* a file or buffer read whole: 1 GiB */
#define WFM_WAVEFORM_MAX_VALUES ((size_t)1 << 26)   /* n x channels (256 MB of floats: a week at 32 Hz x 3) */

typedef enum wfm_waveform_format {
    /* Empatica E4 (WESAD): row 1 the start time of each column (unix s),
     * row 2 each column's rate (Hz), then one sample per row. Three columns
     * are ACC.csv (1/64 g, stored in g); one column (BVP, EDA, TEMP, HR) is
     * kept in its own unit. */
    WFM_WAVEFORM_E4 = 0,
    /* A header `timestamp,<axis>,...` (1..16 axes), then rows of a time and
     * the axes in `unit`; put on a uniform grid at `rate`. */
    WFM_WAVEFORM_CSV = 1
} wfm_waveform_format;

typedef struct wfm_waveform_options {
    wfm_waveform_format format;
    const char *unit;  /* CSV: "g", "mg", "m/s2" (or "m/s^2"), "1/64 g"; E4: NULL (by its columns) */
    double rate;       /* CSV: Hz, or 0 to estimate it from the timestamps; E4: 0 */
    size_t max_values; /* n x channels at most: 0 or above it, WFM_WAVEFORM_MAX_VALUES */
} wfm_waveform_options;

/* Reads a waveform from bytes (at most WFM_WAVEFORM_MAX_BYTES) or a file.
 * Errors name the line. Release with wfm_waveform_free. */
wfm_status wfm_waveform_read_buffer(const void *data, size_t size, const wfm_waveform_options *options,
                                    wfm_waveform **out, wfm_error *err);
wfm_status wfm_waveform_read_file(const char *path, const wfm_waveform_options *options, wfm_waveform **out,
                                  wfm_error *err);
void wfm_waveform_free(wfm_waveform *w);

/* A waveform from samples a caller holds (a live sensor): times_s[n] (unix
 * s, strictly increasing, 1970-2286) and values [n x channels] in `unit`
 * (as options.unit of the CSV reader; NaN = missing), put on the grid at
 * `rate` (0: estimated) with exactly the generic CSV reader's rules
 * (docs/data.md, "Generic CSV"): the same rows give the same waveform. */
wfm_status wfm_waveform_from_samples(const double *times_s, const double *values, size_t n, int channels,
                                     const char *unit, double rate, wfm_waveform **out, wfm_error *err);
/* The stored unit of a unit a caller may name ("g" for "m/s2"), or NULL for
 * one the readers do not take. */
const char *wfm_waveform_unit_stored(const char *unit);

/* Resampling from rate_in to rate_out (tools/waveform_ref.py resample, =
 * scipy.signal.resample_poly(x, up, down, padtype='edge') on each run of
 * observed samples). The ratio rate_out / rate_in is taken as Python's
 * Fraction(rate_out / rate_in).limit_denominator(1000), which must have
 * 1 <= up <= 1000; the filter is a Kaiser-windowed (beta 5) sinc with
 * 10 max(up, down) taps each side, cut at the slower rate's Nyquist.
 * Output k is at time k / rate_out from input sample 0, and there are
 * ceil(n up / down) outputs. x and y are [n x channels] row-major, NaN =
 * missing: each run of observed samples of a channel is filtered on its own
 * (extended beyond its ends with its edge values); outputs at times outside
 * every run are NaN. Computed in double. */
#define WFM_RESAMPLE_MAX_FACTOR 1000
wfm_status wfm_resample_ratio(double rate_in, double rate_out, int *up, int *down, wfm_error *err);
wfm_status wfm_resample_length(size_t n, int channels, double rate_in, double rate_out, size_t *n_out,
                               wfm_error *err);
/* n_out must be wfm_resample_length's; y is caller-allocated. Infinite samples are an
 * error; an output beyond float range (overshoot next to samples near FLT_MAX) is +-inf. */
wfm_status wfm_resample(const float *x, size_t n, int channels, double rate_in, double rate_out, float *y,
                        size_t n_out, wfm_error *err);

/* ---- windows of a waveform for a model ------------------------------------ */

/* The one window rule of waveform models (docs/data.md, "Windows of a
 * waveform"); the CLI, WASI, the page and the Python package all use it.
 *
 * prepare checks the recording against the model (its channel count; its
 * stored unit: "g" for an accelerometer model, "" (as recorded) for PPG)
 * and resamples it to the model's sample_rate_hz (wfm_resample; a copy when
 * the rates are equal). *prepared is a new waveform at that rate, with the
 * same start and dropped counts: release it with wfm_waveform_free.
 * WFM_ERR_INVALID_ARG for a recording that does not fit the model,
 * WFM_ERR_UNSUPPORTED for a minute model. */
wfm_status wfm_waveform_prepare(const wfm_model *model, const wfm_waveform *w, wfm_waveform **prepared,
                                wfm_error *err);
/* Windows are full: window i holds samples [i stride, i stride + T) of the
 * prepared waveform (T = window_samples; stride in samples, 0 = T), for
 * every i whose window ends inside the recording (the models were trained
 * on such windows). 0 when the recording is shorter than a window. */
size_t wfm_waveform_window_count(const wfm_model *model, const wfm_waveform *prepared, size_t stride);

/* What a window holds, for a caller that reports or bins by it (`wearfm hr`,
 * a probe's error bands). A sample is observed when every channel is. */
typedef struct wfm_window_summary {
    double observed;  /* observed samples / T */
    double motion_g;  /* accelerometer models: the population standard deviation of the magnitude
                         sqrt(sum_c x_c^2) (g) over the observed samples; NaN for other signals or
                         a window without an observed sample */
} wfm_window_summary;
void wfm_window_summarize(const wfm_model *model, const float *x, wfm_window_summary *out);

/* Copies window `index` into x [T x C] (NaN = missing) and gives its start
 * (unix s, UTC) and summary; start_time and summary may be NULL. */
wfm_status wfm_waveform_window(const wfm_model *model, const wfm_waveform *prepared, size_t index, size_t stride,
                               float *x, double *start_time, wfm_window_summary *summary, wfm_error *err);

#ifdef __cplusplus
}
#endif
#endif
