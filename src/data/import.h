/* Shared by the export importers (takeout.c, apple_health.c, fit.c): the
 * time rules of wfm_import_options, timestamp parsing with zones, and a
 * sample list so that a file can be checked whole before the aggregator
 * sees any of it. */
#ifndef WFM_IMPORT_H
#define WFM_IMPORT_H
#include "wearfm.h"
#include <stddef.h>
#include <stdint.h>

/* The zone a timestamp was written with. */
typedef enum imp_zone { IMP_ZONE_NONE = 0, IMP_ZONE_UTC = 1, IMP_ZONE_OFFSET = 2 } imp_zone;

typedef struct imp_time {
    int64_t wall_ms;   /* the clock as written, ms since 1970-01-01T00:00 of that clock */
    imp_zone zone;
    int offset_min;    /* IMP_ZONE_OFFSET: minutes east of UTC */
} imp_time;

/* YYYY-MM-DD[T ]HH:MM[:SS[.fff...]] then optionally Z, or (after an optional
 * space) +HH:MM, +HHMM or +HH; returns 0 on success. */
int imp_parse_iso(const char *s, size_t len, imp_time *out);
/* Fitbit's MM/DD/YY HH:MM:SS (years 2000-2099), no zone; returns 0 on success. */
int imp_parse_us_short(const char *s, size_t len, imp_time *out);

/* Checks options (NULL: defaults) into *o. */
wfm_status imp_options(const wfm_import_options *in, wfm_import_options *o, wfm_error *err);
/* Local ms of a time under the options; counts UTC times. */
double imp_local_ms(const wfm_import_options *o, imp_time t, wfm_import_counts *c);

/* Channel slots of the importers' samples. */
enum { IMP_HEART_RATE = 0, IMP_STEPS = 1, IMP_INTENSITY = 2, IMP_SLEEP = 3, IMP_CHANNELS = 4 };
const char *imp_channel_name(int ch);

typedef struct imp_sample {
    double t;      /* local ms */
    float v;
    uint8_t ch;    /* IMP_* */
} imp_sample;

typedef struct imp_samples {
    imp_sample *s;
    size_t n, cap;
} imp_samples;

/* Appends one sample; -1 when out of memory. */
int imp_push(imp_samples *l, int ch, double t, double v);
void imp_samples_free(imp_samples *l);

/* Gives the samples to the aggregator (registering the channels it needs),
 * keeping those inside the options' window; counts samples and outside. */
wfm_status imp_flush(wfm_aggregator *a, const imp_samples *l, const wfm_import_options *o, wfm_import_counts *c,
                     wfm_error *err);
/* One sample straight to the aggregator (streaming importers). */
wfm_status imp_add_one(wfm_aggregator *a, int ch, double t, double v, const wfm_import_options *o,
                       wfm_import_counts *c, wfm_error *err);

/* A sleep interval [t0, t0 + seconds) at one level as samples every 30 s,
 * so that the minute rule (the latest sample) gives each minute its state
 * at its last half-minute. Caps an interval at 24 h; -1 out of memory. */
int imp_push_sleep(imp_samples *l, double t0, double seconds, float level);

/* Adds n to the count of every field in `add` to `into` (NULL-safe). */
void imp_counts_add(wfm_import_counts *into, const wfm_import_counts *add);

#endif
