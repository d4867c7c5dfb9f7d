/* wearfm: the measured uncertainty of a model's fills ("fill bands").
 * Part of the public API; include "wearfm.h".
 *
 * A fill-bands file (`make fill-bands`: models/<name>.fill-bands.json,
 * written by tools/fill_bands.py) says, per channel and by the distance of a
 * filled minute to the channel's nearest recorded minute in its window,
 * between which offsets from the fill `coverage` (e.g. 8 in 10) of the true
 * values fell when recorded stretches of people the model never saw were
 * hidden and filled. It is bound to one model by its weights hash. This is
 * the one place that turns it into an interval per minute (the CLI's
 * `impute --bands`, the page's timeline). */
#ifndef WEARFM_FILL_BANDS_H
#define WEARFM_FILL_BANDS_H

#include "wearfm/base.h"
#include "wearfm/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wfm_fill_bands wfm_fill_bands;

/* Parses json[0..len) and binds it to `model`: its "model.weights_hash"
 * must be the model's (wfm_model_weights_hash), each channel a channel of
 * the model, each row {"from", "to", "low", "high"} with 1 <= from <= to
 * (minutes), rows in ascending order without overlap, low <= high finite.
 * A row without low/high (too few minutes measured) gives no band.
 * Errors: WFM_ERR_FORMAT (not such a file), WFM_ERR_INVALID_ARG (another
 * model's bands), WFM_ERR_NO_MEMORY. The model must outlive the bands. */
wfm_status wfm_fill_bands_load(const wfm_model *model, const char *json, size_t len, wfm_fill_bands **out,
                               wfm_error *err);
void wfm_fill_bands_free(wfm_fill_bands *bands);

/* The share of true values a band holds (0.8 for "8 in 10"). */
double wfm_fill_bands_coverage(const wfm_fill_bands *bands);
/* 1 if channel c (model order) has bands. */
int wfm_fill_bands_has_channel(const wfm_fill_bands *bands, int c);

/* For one window: x the model's input (T x C minutes, NaN missing, as
 * wfm_run takes) and `filled` its imputed output; writes low and high
 * (T x C each), the interval around the fill of every missing minute of a
 * channel with bands that has at least one recorded minute in the window,
 * and NaN everywhere else (recorded minutes, channels without bands, a
 * channel missing all window: a case the bands did not measure). Past the
 * last row the last row's band holds. The interval is cut to the channel's
 * valid values (a step count never goes below 0), which no true value
 * leaves. */
wfm_status wfm_fill_bands_window(const wfm_fill_bands *bands, const float *x, const float *filled, float *low,
                                 float *high, wfm_error *err);

#ifdef __cplusplus
}
#endif
#endif
