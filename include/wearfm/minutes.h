/* wearfm: minute data: the channels' data rules, minute tables, a person's typical day,
 * samples to minutes, and the importers of device exports and Fitabase.
 * Part of the public API; include "wearfm.h". */
#ifndef WEARFM_MINUTES_H
#define WEARFM_MINUTES_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- data rules ----------------------------------------------------------- */

/* Every path that brings values into the core (the minute CSV, a table handed
 * over by the caller, the Fitabase importer, the sample aggregator) checks
 * them against the rule of their channel, found by name. A value that fails
 * becomes missing (never clipped) and is counted by its reason. Channels
 * without a rule take any finite value. docs/data.md lists the rules. */
typedef enum wfm_drop_reason {
    WFM_KEPT = 0,              /* plausible: kept */
    WFM_DROP_NOT_FINITE = 1,   /* NaN or infinite (a sample; in files an empty cell is just missing) */
    WFM_DROP_BELOW = 2,        /* below the channel's plausible minimum */
    WFM_DROP_ABOVE = 3,        /* above its maximum */
    WFM_DROP_NOT_WHOLE = 4,    /* a count or category with a fraction */
    WFM_DROP_BAD_TIME = 5,     /* a sample whose time is not finite or out of range */
    WFM_DROP_REASONS = 6
} wfm_drop_reason;

/* How the samples of one minute become its value. */
typedef enum wfm_minute_rule {
    WFM_MINUTE_MEAN = 0,
    WFM_MINUTE_SUM = 1,
    WFM_MINUTE_MAX = 2,
    WFM_MINUTE_LAST = 3,  /* the latest sample in time (the later one on a tie) */
    WFM_MINUTE_RMSSD = 4  /* RR intervals: root mean square of successive differences (see the aggregator) */
} wfm_minute_rule;

typedef struct wfm_channel_rule {
    const char *name;     /* the channel of a sample or a minute-table column */
    const char *feeds;    /* the minute-table channel its samples make ("hrv_rmssd" for "rr") */
    const char *unit;
    double min, max;      /* plausible values, inclusive; max may be +inf */
    int whole;            /* counts and categories: whole numbers only */
    wfm_minute_rule minute;
} wfm_channel_rule;

/* The rule of a channel by name, or NULL when the core has none. The
 * pointer stays valid for the life of the program. */
const wfm_channel_rule *wfm_channel_rule_find(const char *name);
int wfm_channel_rule_count(void);
const wfm_channel_rule *wfm_channel_rule_at(int i);  /* NULL out of range */
/* Why `value` is dropped under `rule` (NULL: only a non-finite value is), or WFM_KEPT. */
wfm_drop_reason wfm_channel_check(const wfm_channel_rule *rule, double value);
/* "not a number", "below the plausible range", ...; NULL out of range. */
const char *wfm_drop_reason_name(wfm_drop_reason why);

/* ---- minute tables (importers) ----------------------------------------- */

/* A table of per-minute values: n_minutes rows starting at `start`, one
 * column per channel, NaN = missing. Times are the device's local time,
 * counted in minutes since 1970-01-01T00:00 (no time zone). */
typedef struct wfm_minutes wfm_minutes;

/* Parses the generic minute CSV: a header `timestamp,<channel>,...`, then
 * one row per minute, timestamps `YYYY-MM-DDTHH:MM[:SS]` or with a space.
 * Empty, NaN, nan and NA cells are missing. Rows may come in any order;
 * a duplicate minute keeps the last non-missing value; a value the data
 * rules drop is missing (wfm_minutes_dropped). Errors name the line. */
wfm_status wfm_minutes_read_csv(const char *text, size_t len, wfm_minutes **out, wfm_error *err);
void wfm_minutes_free(wfm_minutes *t);
int64_t wfm_minutes_start(const wfm_minutes *t);
size_t wfm_minutes_length(const wfm_minutes *t);
int wfm_minutes_channels(const wfm_minutes *t);
const char *wfm_minutes_channel_name(const wfm_minutes *t, int channel);
/* Row-major [n_minutes x n_channels]. */
const float *wfm_minutes_values(const wfm_minutes *t);
/* Duplicate rows seen while reading (for reporting). */
size_t wfm_minutes_duplicates(const wfm_minutes *t);
/* Values of a column the data rules dropped while the table was made, by
 * reason (WFM_KEPT: 0). Missing cells are not counted. */
size_t wfm_minutes_dropped(const wfm_minutes *t, int channel, wfm_drop_reason why);

/* A table from the caller's values, copied: n_minutes rows from `start`,
 * row-major [n_minutes x n_channels], NaN = missing, column names unique and
 * not empty. The data rules apply as when reading a CSV. */
wfm_status wfm_minutes_from_values(int64_t start, size_t n_minutes, int n_channels, const char *const *names,
                                   const float *values, wfm_minutes **out, wfm_error *err);

/* Copies the model window starting at minute `window_start` into x
 * (T x C, model channel order, matched by name; channels the table lacks
 * are all missing). Returns the number of observed values copied (0, and
 * nothing written, for a waveform model: it has no minute window). */
size_t wfm_minutes_window(const wfm_minutes *t, const wfm_model *model, int64_t window_start, float *x);

/* ---- profiles: a person's typical day (anchor_profile) -------------------- */

/* A model whose config has "anchor_profile" fills better with the person's
 * typical day: the time-of-day mean of each of its channels over their other
 * days (docs/model-format.md). Built once from a history table (matched by
 * channel name; it may be the table being filled), then read per window.
 * WFM_ERR_UNSUPPORTED for a model without anchor_profile. */
typedef struct wfm_profile wfm_profile;
wfm_status wfm_profile_create(const wfm_model *model, const wfm_minutes *history, wfm_profile **out,
                              wfm_error *err);
void wfm_profile_free(wfm_profile *profile);
/* Writes the profile of the window starting at window_start to out
 * [T x C] (original units, NaN where no other day has a value), leaving out
 * the history's own minutes inside the window. Returns the number of
 * channels with any value. Uses scratch inside the profile: one thread at a
 * time per profile. */
int wfm_profile_window(wfm_profile *profile, int64_t window_start, float *out);
/* A model with "personal_lambda": writes the window's anchor parameters,
 * refitted on the person's history (docs/model-format.md), to params
 * (wfm_model_info.anchor_params floats) for wfm_run_personal. Returns the
 * number of channels refitted (0: the model's own parameters, the history
 * holding nothing for them), or -1 and writes nothing for a model without
 * personal_lambda. The model must outlive the profile; same scratch rule. */
int wfm_profile_anchor(wfm_profile *profile, int64_t window_start, float *params);

/* "YYYY-MM-DDTHH:MM" for a minute count; buf must hold 20 bytes. */
void wfm_format_minute(int64_t minute, char *buf);
/* Parses a timestamp into minutes; returns 0 on success. */
int wfm_parse_minute(const char *text, size_t len, int64_t *minute);

/* Missingness of minute tables, accumulated over many tables (users), for
 * reports. Zero-initialise the struct; the first table sets n_channels and
 * later tables must have the same number (channels are matched by position).
 * A gap is a maximal run of consecutive missing minutes of one channel
 * inside a table; its length bucket is 1-9, 10-59, 60-179, 180-719 or
 * >= 720 minutes. */
#define WFM_MISSINGNESS_MAX_CHANNELS 8
#define WFM_GAP_BUCKETS 5
typedef struct wfm_missingness {
    int n_channels;
    size_t tables, minutes, days;              /* days: calendar days touched by the tables */
    size_t missing[WFM_MISSINGNESS_MAX_CHANNELS];
    size_t days_observed[WFM_MISSINGNESS_MAX_CHANNELS]; /* days with >= 1 observed value */
    size_t hour_minutes[24];                    /* minutes at each hour of the day */
    size_t hour_missing[WFM_MISSINGNESS_MAX_CHANNELS][24];
    size_t gaps[WFM_MISSINGNESS_MAX_CHANNELS][WFM_GAP_BUCKETS];        /* number of gaps */
    size_t gap_minutes[WFM_MISSINGNESS_MAX_CHANNELS][WFM_GAP_BUCKETS]; /* missing minutes in them */
} wfm_missingness;

/* Lower bound of gap bucket b (1, 10, 60, 180, 720). */
int wfm_gap_bucket_min(int b);
wfm_status wfm_missingness_add(wfm_missingness *acc, const wfm_minutes *t, wfm_error *err);

/* ---- samples -> minutes ------------------------------------------------- */

/* The minute aggregator: timestamped samples of named channels in, a minute
 * table out, by each channel's rule (wfm_channel_rule: mean heart rate,
 * summed steps, the highest intensity, the latest sleep state, RMSSD from RR
 * intervals, ...). Samples may come late and in any order. A sample its
 * rule drops is counted, not stored; a minute value outside its column's
 * range (more than 300 steps in a minute) is missing in the table. A minute
 * without a sample is missing: nothing is filled in here.
 *
 * Times are local wall-clock milliseconds since 1970-01-01T00:00, the time
 * base of minute tables; the caller applies its time zone. */
typedef struct wfm_aggregator wfm_aggregator;

wfm_status wfm_aggregator_create(wfm_aggregator **out, wfm_error *err);
void wfm_aggregator_free(wfm_aggregator *a);

/* The id of a sample channel (registered on first use): a name the rules
 * know, or any other (its samples are averaged). At most 64 channels; names
 * are 1-64 printable characters without commas or quotes. Two channels may
 * not feed one minute column. */
wfm_status wfm_aggregator_channel(wfm_aggregator *a, const char *name, int *channel, wfm_error *err);
int wfm_aggregator_channels(const wfm_aggregator *a);
const char *wfm_aggregator_channel_name(const wfm_aggregator *a, int channel);  /* NULL out of range */

/* Adds one sample. `segment` numbers connections: RR intervals of different
 * segments are never differenced. A sample the rules drop is still WFM_OK. */
wfm_status wfm_aggregator_add(wfm_aggregator *a, int channel, double time_ms, double value, int segment,
                              wfm_error *err);
/* A recorded connection gap from `from_ms`, open until close_gap; RR pairs
 * that straddle a gap are never differenced. close_gap ends the last open one. */
wfm_status wfm_aggregator_open_gap(wfm_aggregator *a, double from_ms, wfm_error *err);
void wfm_aggregator_close_gap(wfm_aggregator *a, double to_ms);

/* One 3-axis accelerometer sample (xyz in `unit`, a waveform unit: "g",
 * "mg", "m/s2", "1/64 g") as the `movement` channel: |sqrt(x^2+y^2+z^2) - 1 g|
 * in mg. An axis the waveform rules drop (not finite, beyond +-16 g) drops
 * the sample, counted on `movement` with that reason. */
wfm_status wfm_aggregator_add_acceleration(wfm_aggregator *a, double time_ms, const double xyz[3], const char *unit,
                                           int segment, wfm_error *err);

/* Samples of a channel kept (WFM_KEPT) or dropped, by reason. */
size_t wfm_aggregator_count(const wfm_aggregator *a, int channel, wfm_drop_reason why);

typedef struct wfm_aggregator_table_params {
    int64_t start;              /* first minute; ignored when n_minutes is 0 */
    size_t n_minutes;           /* 0: whole days, midnight of the first sample to midnight after the last */
    const char *const *channels;/* minute columns in this order (absent ones all missing) */
    int n_channels;             /* 0: every column with a kept sample, known channels first */
} wfm_aggregator_table_params;

wfm_aggregator_table_params wfm_aggregator_table_default_params(void);
/* The minute table now (the aggregator keeps its samples). `params` may be
 * NULL for the defaults. WFM_ERR_NO_DATA when no sample was kept and no
 * columns were asked for; the default span may be at most 1000 days. */
wfm_status wfm_aggregator_table(const wfm_aggregator *a, const wfm_aggregator_table_params *params,
                                wfm_minutes **out, wfm_error *err);

/* ---- time zones ---------------------------------------------------------- */

/* A time zone as its UTC offset over time (daylight saving included): the
 * offset of each change, from its UTC minute on; the first also holds for
 * every earlier time. The importers convert UTC times with it
 * (wfm_import_options.time_zone). The host knows the zones (the C library's
 * database, the browser's Intl); wfm_tz_sample asks it once a day over a
 * range and narrows each change to its minute. */
typedef struct wfm_tz wfm_tz;

/* offsets: minutes east of UTC, -1080..1080; from: strictly increasing. */
wfm_status wfm_tz_create(const int64_t *from_utc_minute, const int *offset_minutes, size_t n, wfm_tz **out,
                         wfm_error *err);
/* The host's offset (minutes east of UTC) at a UTC minute. */
typedef int (*wfm_tz_offset_fn)(void *ctx, int64_t utc_minute);
/* The zone offset_at describes over [first, last] UTC minutes (at most 400
 * years); outside it the nearest end's offset holds. */
wfm_status wfm_tz_sample(wfm_tz_offset_fn offset_at, void *ctx, int64_t first_utc_minute, int64_t last_utc_minute,
                         wfm_tz **out, wfm_error *err);
/* Minutes east of UTC at a UTC minute (0 for NULL). */
int wfm_tz_offset_at(const wfm_tz *tz, int64_t utc_minute);
/* The number of offsets in the list (1 for a zone that never changes). */
size_t wfm_tz_changes(const wfm_tz *tz);
void wfm_tz_free(wfm_tz *tz);

/* ---- device exports -> the minute aggregator ---------------------------- */

/* The importers of the exports people have (Fitbit's account export, Apple
 * Health, Garmin FIT) read records into a caller's minute aggregator, so one
 * set of data rules (wfm_channel_rule) applies whatever the source, and
 * wfm_import_table makes the minute table. docs/data.md says what each reads.
 *
 * Times. Minute tables are in the device's local wall-clock time. A time
 * written without a zone is taken as it is. A time written in UTC (a 'Z',
 * or FIT's UTC seconds when the file gives no local time) becomes
 * UTC + the zone's offset at that instant (time_zone), or
 * UTC + utc_offset_minutes without one. A time with its own offset (Apple
 * Health's "2024-03-10 08:00:00 -0500") keeps the wall clock it was
 * recorded in, the phone's local time then; with fixed_offset it is
 * converted to the zone (or utc_offset_minutes) instead (one zone for a
 * whole export). */
typedef struct wfm_import_options {
    int utc_offset_minutes;   /* 0; -1080..1080; not used with time_zone */
    int fixed_offset;         /* 0 */
    const wfm_tz *time_zone;  /* NULL; the caller keeps it until the import is finished */
    /* Keep only samples in [from_minute, to_minute) (minutes since 1970, local);
     * others are counted in `outside`. Both 0: everything. */
    int64_t from_minute, to_minute;
} wfm_import_options;

wfm_import_options wfm_import_default_options(void);

/* What the adds read (summed over files). The aggregator counts what its
 * rules kept and dropped of the samples (wfm_aggregator_count). */
typedef struct wfm_import_counts {
    size_t files;
    size_t records;    /* records of a kind the importer uses */
    size_t samples;    /* samples given to the aggregator */
    size_t ignored;    /* records of kinds it does not use (not an error) */
    size_t outside;    /* samples outside [from_minute, to_minute) */
    size_t utc_times;  /* times written in UTC, moved by utc_offset_minutes */
    size_t bad_records;/* records skipped as unusable (an interval that ends before it starts, ...) */
} wfm_import_counts;

/* The minute table of an importer's aggregator: the columns heart_rate,
 * steps, intensity, sleep_state (the Fitabase layout; a channel the export
 * lacks is all missing), whole days around the kept samples, with the
 * Fitabase importer's default non-wear and sleep rules (see
 * wfm_fitabase_options below: Fitbit writes 0 steps off the wrist, and a worn
 * minute outside every sleep log is awake when the export has sleep logs). */
wfm_status wfm_import_table(const wfm_aggregator *a, wfm_minutes **out, wfm_error *err);

/* The words for an import that gives no table: no file of a kind the
 * importer reads (counts->files == 0; names: every file given), or no
 * sample kept (wfm_import_table's WFM_ERR_NO_DATA; names: the files read).
 * Files are named without their directories, at most three, so the CLI and
 * the page say the same: "no data: 12 record(s) read from a.fit and b.fit,
 * no sample kept". Always terminated; cut to cap. */
void wfm_import_no_data_message(const wfm_import_counts *counts, const char *const *names, size_t n_names,
                                char *buf, size_t cap);

/* Fitbit's own account export (Google Takeout, "Fitbit/Global Export Data"
 * JSON and "Physical Activity_GoogleData" CSV). */
typedef enum wfm_takeout_kind {
    WFM_TAKEOUT_UNKNOWN = 0,
    WFM_TAKEOUT_HEART_RATE_JSON, /* heart_rate-YYYY-MM-DD.json: [{dateTime, value: {bpm, confidence}}] */
    WFM_TAKEOUT_STEPS_JSON,      /* steps-YYYY-MM-DD.json: [{dateTime, value: "12"}] per minute */
    WFM_TAKEOUT_SLEEP_JSON,      /* sleep-YYYY-MM-DD.json: sleep logs with levels.data (and shortData) */
    WFM_TAKEOUT_HEART_RATE_CSV,  /* heart_rate_YYYY-MM-DD.csv: timestamp,beats per minute[,data source] */
    WFM_TAKEOUT_STEPS_CSV        /* steps_YYYY-MM-DD.csv: timestamp,steps[,data source] */
} wfm_takeout_kind;

/* The kind of a file from its name (the base name; a path is fine) and, for
 * CSVs, its header. JSON minute series of other measures (calories-*.json)
 * share the steps layout, so JSON needs its name. */
wfm_takeout_kind wfm_takeout_detect(const char *name, const char *text, size_t len);
/* "heart_rate json", "steps json", "sleep json", "heart_rate csv", "steps csv", "unknown". */
const char *wfm_takeout_kind_name(wfm_takeout_kind kind);

/* Reads one file into the aggregator: heart rate (bpm), steps per minute and
 * sleep stages (sleep_state: asleep/light/deep/rem 2, restless 1,
 * awake/wake 0; minutes outside sleep logs missing). All or nothing: the
 * file is parsed and checked whole before any sample is added (only running
 * out of memory while adding can leave part of it: then free the
 * aggregator). An unknown kind is WFM_ERR_UNSUPPORTED; a malformed file is
 * WFM_ERR_INVALID_ARG naming the record (JSON) or line (CSV). A file holding
 * only Fitbit's "no data" is fine and adds nothing. `options`, `counts`
 * and `kind` may be NULL. */
wfm_status wfm_takeout_add(wfm_aggregator *a, const char *name, const char *text, size_t len,
                           const wfm_import_options *options, wfm_import_counts *counts,
                           wfm_takeout_kind *kind, wfm_error *err);

/* Apple Health's export (export.xml inside export.zip), streamed: feed the
 * file in pieces of any size, then finish. Memory stays bounded by the
 * aggregator and the step records (not by the file). Read: Records of
 * HKQuantityTypeIdentifierHeartRate (count/min, count/s, Hz: as bpm),
 * HKQuantityTypeIdentifierStepCount (count; a record's steps spread over
 * the minutes it spans, and per minute the largest count of the sources,
 * since iPhone and Watch count the same steps) and
 * HKCategoryTypeIdentifierSleepAnalysis (Asleep, AsleepCore, AsleepDeep,
 * AsleepREM, AsleepUnspecified: 2; Awake: 0; InBed: not a state). Times
 * keep the clock they were recorded in (wfm_import_options). Other records
 * are counted as ignored. The first error (malformed XML named by line and
 * column, a bad record, an entity declaration, which Apple never writes)
 * stops the import: the aggregator may then hold part of it; discard it.
 * docs/data.md, "Apple Health". */
typedef struct wfm_apple_health wfm_apple_health;

wfm_status wfm_apple_health_create(wfm_aggregator *a, const wfm_import_options *options, wfm_apple_health **out,
                                   wfm_error *err);
wfm_status wfm_apple_health_feed(wfm_apple_health *p, const void *data, size_t len, wfm_error *err);
/* Ends the document and gives the steps to the aggregator; adds the counts
 * into *counts (may be NULL). */
wfm_status wfm_apple_health_finish(wfm_apple_health *p, wfm_import_counts *counts, wfm_error *err);
void wfm_apple_health_free(wfm_apple_health *p);

/* Garmin FIT files (activity and monitoring; a chain of FIT files in one
 * buffer too), checked whole (header, both CRCs, every message against the
 * data size) before any sample is added. Read: heart rate of record
 * messages (activity files) and of monitoring messages (all-day heart rate,
 * with 16-bit timestamps), and steps of monitoring messages (the cumulative
 * cycles of walking and running, as differences spread over the time since
 * the previous message of that activity). Times are UTC; a file's own
 * local time (the activity or monitoring_info message's local_timestamp)
 * is used unless fixed_offset, else UTC + utc_offset_minutes. Errors name
 * the byte (WFM_ERR_INVALID_ARG). docs/data.md, "Garmin FIT". */
wfm_status wfm_fit_add(wfm_aggregator *a, const void *data, size_t len, const wfm_import_options *options,
                       wfm_import_counts *counts, wfm_error *err);

/* ---- Fitabase (Fitbit) exports ------------------------------------------ */

/* An accumulator of Fitabase CSV exports, read from memory buffers (the
 * browser passes file contents), merged per user. docs/data.md has the
 * conventions: channels, units, the sleep encoding, plausibility ranges,
 * duplicates and the non-wear rule. */
typedef struct wfm_fitabase wfm_fitabase;

/* Channels of the tables built by wfm_fitabase_user_minutes, in this order. */
enum {
    WFM_FITABASE_HEART_RATE = 0, /* bpm: mean of the minute's samples in 25..250 */
    WFM_FITABASE_STEPS = 1,      /* steps/min, 0..300 */
    WFM_FITABASE_INTENSITY = 2,  /* 0 sedentary, 1 light, 2 moderate, 3 very active */
    WFM_FITABASE_SLEEP_STATE = 3,/* inside a sleep log: 2 asleep, 1 restless, 0 awake; else missing */
    WFM_FITABASE_CHANNELS = 4
};
/* "heart_rate", "steps", "intensity", "sleep_state"; NULL out of range. */
const char *wfm_fitabase_channel_name(int channel);

typedef enum wfm_fitabase_kind {
    WFM_FITABASE_UNKNOWN = 0,
    WFM_FITABASE_STEPS_WIDE,          /* Id,ActivityHour,Steps00..Steps59 */
    WFM_FITABASE_INTENSITIES_WIDE,    /* Id,ActivityHour,Intensity00..Intensity59 */
    WFM_FITABASE_STEPS_NARROW,        /* Id,ActivityMinute,Steps */
    WFM_FITABASE_INTENSITIES_NARROW,  /* Id,ActivityMinute,Intensity */
    WFM_FITABASE_SLEEP,               /* Id,date,value,logId (minuteSleep) */
    WFM_FITABASE_HEARTRATE_SECONDS    /* Id,Time,Value */
} wfm_fitabase_kind;

/* The kind of export, from its header line (WFM_FITABASE_UNKNOWN if none). */
wfm_fitabase_kind wfm_fitabase_detect(const char *text, size_t len);
/* "minuteStepsWide", ...: the export's file-name stem. */
const char *wfm_fitabase_kind_name(wfm_fitabase_kind kind);

wfm_status wfm_fitabase_create(wfm_fitabase **out, wfm_error *err);
void wfm_fitabase_free(wfm_fitabase *fb);

/* Parses one export (any kind above, detected from the header) and merges
 * it. All or nothing: on any error (named by line, and column where there is
 * one) nothing of the file is added. Rows may come in any order. A minute
 * (heart rate: a second) given again keeps the later row's value. Values
 * outside the plausible range become missing, never clipped. `kind` may be
 * NULL. */
wfm_status wfm_fitabase_add(wfm_fitabase *fb, const char *text, size_t len, wfm_fitabase_kind *kind,
                            wfm_error *err);

/* Users, sorted by id. */
size_t wfm_fitabase_user_count(const wfm_fitabase *fb);
int64_t wfm_fitabase_user_id(const wfm_fitabase *fb, size_t i);  /* -1 out of range */

/* What the adds read, by channel (WFM_FITABASE_*). */
typedef struct wfm_fitabase_counts {
    size_t files, rows;
    size_t values[WFM_FITABASE_CHANNELS];      /* cells read (heart rate: samples) */
    size_t dropped[WFM_FITABASE_CHANNELS];     /* empty or outside the plausible range: stored missing */
    size_t duplicates[WFM_FITABASE_CHANNELS];  /* same user-minute (HR: second) again, same value */
    size_t conflicts[WFM_FITABASE_CHANNELS];   /* ... with another value: the later row won */
} wfm_fitabase_counts;
void wfm_fitabase_get_counts(const wfm_fitabase *fb, wfm_fitabase_counts *out);

/* The non-wear rule: Fitbit writes 0 steps and intensity 0 while the band is
 * off the wrist. A run of at least `min_minutes` consecutive minutes with
 * steps and intensity each 0 or missing (at least one of them observed),
 * no heart rate and outside sleep logs is non-wear: its steps and intensity
 * become missing. A user with no heart rate at all carries no wear signal,
 * so for them the run must be at least `min_minutes_no_hr` long. */
typedef enum wfm_nonwear_rule {
    WFM_NONWEAR_OFF = 0,
    WFM_NONWEAR_AUTO = 1,          /* the rule above (default) */
    WFM_NONWEAR_MOVEMENT_ONLY = 2  /* every user as if without heart rate (to validate the rule) */
} wfm_nonwear_rule;

/* What sleep_state means outside a sleep log. Fitbit detects sleep by itself
 * while the band is worn, so for a user whose export has sleep logs at all,
 * a worn minute outside every log is awake (0). For a user with no sleep log
 * the device's sleep is unknown, and the minute stays missing. */
typedef enum wfm_sleep_outside_logs {
    WFM_SLEEP_OUTSIDE_AWAKE_WHEN_WORN = 0, /* default (docs/data.md) */
    WFM_SLEEP_OUTSIDE_MISSING = 1          /* only logged minutes carry a value */
} wfm_sleep_outside_logs;

typedef struct wfm_fitabase_options {
    wfm_nonwear_rule nonwear_rule;  /* WFM_NONWEAR_AUTO */
    int nonwear_min_minutes;        /* 60 */
    int nonwear_min_minutes_no_hr;  /* 180 */
    wfm_sleep_outside_logs sleep_outside_logs; /* WFM_SLEEP_OUTSIDE_AWAKE_WHEN_WORN */
} wfm_fitabase_options;

wfm_fitabase_options wfm_fitabase_default_options(void);

/* wfm_import_table with these rules (NULL: the defaults); `nonwear_minutes`
 * (may be NULL) receives the minutes the non-wear rule set missing. */
wfm_status wfm_import_table_rules(const wfm_aggregator *a, const wfm_fitabase_options *rules, wfm_minutes **out,
                                  size_t *nonwear_minutes, wfm_error *err);

/* The user's minute table: channels WFM_FITABASE_* (names from
 * wfm_fitabase_channel_name), from midnight of the first day with data to
 * midnight after the last, NaN = missing. `options` may be NULL for the
 * defaults. `nonwear_minutes`, if not NULL, receives the number of minutes
 * the non-wear rule set missing. */
wfm_status wfm_fitabase_user_minutes(const wfm_fitabase *fb, int64_t user, const wfm_fitabase_options *options,
                                     wfm_minutes **out, size_t *nonwear_minutes, wfm_error *err);

#ifdef __cplusplus
}
#endif
#endif
