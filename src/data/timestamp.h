/* The local-time clock used by every importer: civil dates <-> days since
 * 1970-01-01, and the timestamp formats of the inputs. No time zones: times
 * are the device's local wall-clock time. (wfm_format_minute and
 * wfm_parse_minute, public, are implemented in timestamp.c too.) */
#ifndef WFM_TIMESTAMP_H
#define WFM_TIMESTAMP_H
#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t wfm_days_from_civil(int64_t y, int m, int d);
void wfm_civil_from_days(int64_t z, int *y, int *m, int *d);
/* 1 if y-m-d is a real calendar date. */
int wfm_valid_date(int y, int m, int d);
/* floor(a / b) for b > 0. */
static inline int64_t wfm_floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* US-style "M/D/YYYY h:mm:ss AM" (Fitabase exports): 12 AM is 00 h, 12 PM
 * is 12 h; seconds are optional; without AM/PM the hour is 0-23. Sets
 * seconds since 1970-01-01T00:00:00 local time; returns 0 on success. */
int wfm_parse_us_datetime(const char *s, size_t len, int64_t *seconds);

#endif
