/* Internal constructor of wfm_minutes tables (src/minutes.c), for importers
 * that build a table from a grid instead of parsing a minute CSV. */
#ifndef WFM_MINUTES_INTERNAL_H
#define WFM_MINUTES_INTERNAL_H
#include "wearfm.h"

/* Longest span of one table or one user's data: a guard against a bogus timestamp. */
#define WFM_MAX_SPAN_DAYS 1000

/* A table of n_minutes x n_channels NaN (missing) values; names are copied. */
wfm_status wfm_minutes_create(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                              wfm_minutes **out, wfm_error *err);
/* Row-major [n_minutes x n_channels], writable. */
float *wfm_minutes_mutable_values(wfm_minutes *t);

#endif
