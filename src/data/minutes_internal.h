/* Internal interface of wfm_minutes tables (src/data/minutes_table.c), for the
 * readers and builders that make them: the minute CSV (minutes.c), the
 * Fitabase importer (fitabase_build.c) and the aggregator. */
#ifndef WFM_MINUTES_INTERNAL_H
#define WFM_MINUTES_INTERNAL_H
#include "wearfm.h"

/* Longest span of one table or one user's data: a guard against a bogus timestamp. */
#define WFM_MAX_SPAN_DAYS 1000
#define WFM_MINUTES_MAX_CHANNELS 256
/* Minutes whose timestamps can be written: the years 0000 to 9999. */
#define WFM_MINUTES_FIRST (-719528LL * 1440)
#define WFM_MINUTES_END (2932897LL * 1440)

/* A table of n_minutes x n_channels NaN (missing) values; names are copied
 * and each column takes the data rule of its name. */
wfm_status wfm_minutes_create(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                              wfm_minutes **out, wfm_error *err);
/* Row-major [n_minutes x n_channels], writable, for builders whose values
 * were checked on the way in (the Fitabase importer). */
float *wfm_minutes_mutable_values(wfm_minutes *t);
/* Stores v at (row, c) if the column's rule keeps it, else counts it as
 * dropped (the cell keeps its value); returns why. */
wfm_drop_reason wfm_minutes_set(wfm_minutes *t, size_t row, int c, float v);
/* Values dropped before they reached the table (samples, Fitabase cells). */
void wfm_minutes_count_dropped(wfm_minutes *t, int c, wfm_drop_reason why, size_t n);
void wfm_minutes_count_duplicate(wfm_minutes *t);
/* Why a channel name cannot be a column ("is empty", ...), or NULL. */
const char *wfm_minutes_name_problem(const char *name);

#endif
