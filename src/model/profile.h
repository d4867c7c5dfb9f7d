/* The profile's insides, shared by profile.c and the personal fit
 * (personal.c) that reads its history. */
#ifndef WFM_MODEL_PROFILE_H
#define WFM_MODEL_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "wearfm.h"

#define DAY_MINUTES 1440

typedef struct wfm_personal wfm_personal;

struct wfm_profile {
    int n_channels, window_minutes, smooth;
    int64_t start;           /* the history's first minute */
    size_t n_minutes;
    float *values;           /* [n_minutes, C] the history in model channel order, NaN missing */
    double *sum, *count;     /* [DAY_MINUTES, C] over the whole history */
    double *w_sum, *w_count; /* scratch: the same without one or two windows */
    double *smooth_sum, *smooth_count; /* [DAY_MINUTES] scratch: one channel's smoothed w_ sums */
    wfm_personal *personal;  /* "personal_lambda" only: the personal fit (personal.c) */
};

/* The profile of the window at window_start (as wfm_profile_window), with
 * the history's minutes in [also_left_out, also_left_out + T) left out too. */
int wfm_profile_window_without(wfm_profile *p, int64_t window_start, int64_t also_left_out, float *profile);

/* personal.c */
wfm_status wfm_personal_create(const wfm_model *model, const wfm_profile *p, wfm_personal **out, wfm_error *err);
void wfm_personal_free(wfm_personal *personal);

#endif
