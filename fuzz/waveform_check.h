/* What every waveform the readers return must be (fuzz_e4.c,
 * fuzz_wave_csv.c), and the resampler run on it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_waveform(wfm_status st, wfm_waveform *w, const wfm_error *err) {
    if (st != WFM_OK) {
        REQUIRE(w == NULL && err->message[0] != 0);
        return;
    }
    REQUIRE(w && w->n >= 1 && w->channels >= 1 && w->channels <= WFM_WAVEFORM_MAX_CHANNELS);
    REQUIRE(w->rate >= WFM_WAVEFORM_MIN_RATE && w->rate <= WFM_WAVEFORM_MAX_RATE && isfinite(w->start));
    REQUIRE(w->n * (size_t)w->channels <= WFM_WAVEFORM_MAX_VALUES);
    int accel = !strcmp(w->unit, "g");
    REQUIRE(accel || !strcmp(w->unit, ""));
    for (size_t i = 0; i < w->n * (size_t)w->channels; i++)
        REQUIRE(isnan(w->samples[i]) || (isfinite(w->samples[i]) && (!accel || fabsf(w->samples[i]) <= 16)));
    /* to 25 Hz, when the ratio is one the resampler takes */
    size_t n_out;
    wfm_error e2;
    memset(&e2, 0, sizeof e2);
    if (w->n <= 4096 && !wfm_resample_length(w->n, w->channels, w->rate, 25, &n_out, &e2)) {
        float *y = malloc((n_out ? n_out : 1) * (size_t)w->channels * sizeof *y);
        REQUIRE(y && wfm_resample(w->samples, w->n, w->channels, w->rate, 25, y, n_out, &e2) == WFM_OK);
        /* finite, unless the filter's overshoot took a sample near FLT_MAX beyond float range */
        float big = 0;
        for (size_t i = 0; i < w->n * (size_t)w->channels; i++)
            if (fabsf(w->samples[i]) > big) big = fabsf(w->samples[i]);
        for (size_t i = 0; i < n_out * (size_t)w->channels; i++) REQUIRE(!isinf(y[i]) || big > 1e37f);
        free(y);
    } else if (w->n <= 4096) {
        REQUIRE(e2.message[0] != 0);
    }
    wfm_waveform_free(w);
}
