/* The non-wear rule (wfm_fitabase_options in wearfm.h; docs/data.md). */
#ifndef WFM_NONWEAR_H
#define WFM_NONWEAR_H
#include "wearfm.h"

/* Applies the rule in place to n minutes x WFM_FITABASE_CHANNELS values
 * (one user, consecutive minutes). Returns the minutes whose steps or
 * intensity it set missing. */
size_t wfm_nonwear_apply(float *v, size_t n, const wfm_fitabase_options *o);

/* The sleep rule, applied after the non-wear rule: for a user with at least
 * one sleep-log minute, a minute outside the logs that shows wear (heart
 * rate, or steps or intensity that survived the non-wear rule) is awake (0).
 * Returns the minutes it set. */
size_t wfm_sleep_outside_logs_apply(float *v, size_t n, const wfm_fitabase_options *o);

#endif
