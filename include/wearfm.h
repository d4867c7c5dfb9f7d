/* wearfm: portable runtime for wearable foundation models.
 *
 * One public header. Opaque handles, *_default_params() structs, and every
 * error returned as a status with a message; the library never aborts.
 * See docs/model-format.md for the exact model semantics. */
#ifndef WEARFM_H
#define WEARFM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WFM_VERSION_MAJOR 0
#define WFM_VERSION_MINOR 1
#define WFM_VERSION_PATCH 0

/* "0.1.0" */
const char *wfm_version(void);

typedef enum wfm_status {
    WFM_OK = 0,
    WFM_ERR_INVALID_ARG = 1, /* bad argument or bad input values */
    WFM_ERR_IO = 2,          /* file could not be read or written */
    WFM_ERR_FORMAT = 3,      /* malformed safetensors file */
    WFM_ERR_CONFIG = 4,      /* model config missing, malformed or inconsistent */
    WFM_ERR_NO_MEMORY = 5,
    WFM_ERR_NO_DATA = 6,     /* e.g. a window with no observed patch */
    WFM_ERR_UNSUPPORTED = 7  /* e.g. reconstruction from an encoder-only model */
} wfm_status;

/* Short name of a status code ("invalid argument", ...). */
const char *wfm_status_string(wfm_status status);

/* Optional error detail. Every function taking one fills it on failure. */
typedef struct wfm_error {
    wfm_status status;
    char message[512];
} wfm_error;

/* ---- model ------------------------------------------------------------ */

typedef struct wfm_model wfm_model;
/* What one caller needs to run a model (workspace, thread pool, mask mode);
 * see wfm_state_create below. */
typedef struct wfm_state wfm_state;

typedef enum wfm_mask_mode {
    WFM_MASK_COMPACT = 0,   /* drop masked tokens: cost grows with observed tokens */
    WFM_MASK_ATTENTION = 1  /* keep all tokens, exclude masked keys */
} wfm_mask_mode;

typedef struct wfm_model_params {
    int n_threads;          /* 0 = all cores (native); builds without threads use 1 */
    wfm_mask_mode mask_mode;
} wfm_model_params;

wfm_model_params wfm_model_default_params(void);

/* Load a model. `params` may be NULL for defaults. On success *out owns the
 * weights; a memory buffer may be freed by the caller right after the call.
 * Before anything large is allocated the header must hold every tensor the
 * config needs, and the model must fit in 2 GiB: its weights as f32 plus the
 * positions and scratch of one window (else WFM_ERR_CONFIG). A NaN, infinite
 * or |w| > 1e6 weight is WFM_ERR_FORMAT, naming the tensor. */
wfm_status wfm_model_load_file(const char *path, const wfm_model_params *params,
                               wfm_model **out, wfm_error *err);
wfm_status wfm_model_load_buffer(const void *data, size_t size,
                                 const wfm_model_params *params,
                                 wfm_model **out, wfm_error *err);
void wfm_model_free(wfm_model *model);

/* These act on the model's default state (made at load from its params).
 * set_threads builds a new state first and swaps it in only on success: on
 * failure the model keeps its old state and still runs. */
wfm_status wfm_model_set_threads(wfm_model *model, int n_threads, wfm_error *err);
int wfm_model_threads(const wfm_model *model);
wfm_status wfm_model_set_mask_mode(wfm_model *model, wfm_mask_mode mode, wfm_error *err);

/* ---- states: one model, many callers ---------------------------------- */

/* A loaded model is immutable (config, packed weights, kernels, positions),
 * so any number of states may share it, each used by one thread at a time:
 * two threads run one model concurrently with one state each. A state holds
 * the workspace of one window, its thread pool and its mask mode; to change
 * the thread count, make a new state. Free every state before its model. */
typedef struct wfm_state_params {
    int n_threads;          /* 0 = all cores (native); builds without threads use 1 */
    wfm_mask_mode mask_mode;
} wfm_state_params;

wfm_state_params wfm_state_default_params(void);
/* `params` may be NULL for defaults. On failure *out is NULL and nothing is leaked. */
wfm_status wfm_state_create(const wfm_model *model, const wfm_state_params *params,
                            wfm_state **out, wfm_error *err);
void wfm_state_free(wfm_state *state);
int wfm_state_threads(const wfm_state *state);

/* The two model families (docs/model-format.md). */
typedef enum wfm_model_family {
    WFM_FAMILY_MINUTE = 0,   /* "lsm2_mae": a window of minutes, one channel per patch, a decoder that fills gaps */
    WFM_FAMILY_WAVEFORM = 1  /* "waveform_encoder": a window of raw samples, time patches of every channel,
                                embeddings only */
} wfm_model_family;

/* Fields marked "minute" are 0 (NULL for strings) for a waveform model, and
 * those marked "waveform" are 0 (NULL) for a minute model. */
typedef struct wfm_model_info {
    const char *architecture;  /* "lsm2_mae" or "waveform_encoder" */
    int window_minutes;        /* minute: T */
    int patch_minutes;         /* minute: P */
    int n_channels;            /* C */
    int n_tokens;              /* N: T / P * C (minute), T / P (waveform: one token per time patch) */
    int enc_dim, enc_layers, enc_heads, enc_mlp_dim;
    int dec_dim, dec_layers, dec_heads, dec_mlp_dim; /* all 0 when encoder-only (always for a waveform model) */
    int has_decoder;
    size_t n_params;
    /* minute: how fills are made (docs/model-format.md, format_version 2). */
    const char *fill;          /* "direct" or "anchored" */
    int inherited_mask;        /* 1 (AIM); 0 = the naive ablation: the input is imputed first */
    const char *anchor;        /* "linear" or "cross_channel" */
    int n_anchor_rolling;      /* cross_channel: its rolling means' half-widths, minutes */
    const int *anchor_rolling;
    float edge_tau;            /* minutes; 0 = not set */
    int absent_residual;       /* 0: a channel with no observed minute in the window is filled by its anchor alone */
    int anchor_profile;        /* 1: fills use the person's profile (wfm_run_profile) */
    /* Both families. */
    wfm_model_family family;
    int embedding_dim;         /* floats of wfm_outputs.embedding: projection_dim if set, else enc_dim */
    /* The waveform model (format_version 2, "waveform_encoder"). */
    const char *signal;        /* waveform: "accelerometer" or "ppg" */
    float sample_rate_hz;      /* waveform: the rate the window's samples must be at */
    int window_samples;        /* waveform: T, samples per window */
    int patch_samples;         /* waveform: P, samples per token */
    const char *input_norm;    /* waveform: "fixed" or "window_z" */
    float window_std_floor;    /* waveform: window_z's floor on the window std, in units of the channel's std */
    int projection_dim;        /* waveform: E of the projection head, 0 without one */
} wfm_model_info;

/* What a channel's values are (docs/model-format.md, format_version 2).
 * The core returns fills inside them: continuous and count values clipped
 * to the range (a count is never negative), a category as its most
 * probable level. */
typedef enum wfm_channel_kind {
    WFM_CHANNEL_CONTINUOUS = 0,
    WFM_CHANNEL_COUNT = 1,
    WFM_CHANNEL_CATEGORY = 2
} wfm_channel_kind;

typedef struct wfm_channel_info {
    const char *name;
    const char *unit;
    float mean, std;
    float clip_min, clip_max;  /* z-units */
    wfm_channel_kind kind;
    float range_min, range_max; /* original units; -inf/+inf when unbounded */
    int n_levels;               /* categories only, else 0 */
    const float *levels;        /* [n_levels], increasing */
} wfm_channel_info;

void wfm_model_get_info(const wfm_model *model, wfm_model_info *out);
wfm_status wfm_model_get_channel(const wfm_model *model, int channel,
                                 wfm_channel_info *out, wfm_error *err);
/* Index of a channel by name, or -1. */
int wfm_model_find_channel(const wfm_model *model, const char *name);
/* The config JSON string exactly as stored in the file. */
const char *wfm_model_config_json(const wfm_model *model);
/* "fnv1a64w:<16 hex digits>": a hash of the raw bytes of every tensor of the
 * model file (FNV-1a 64 over 64-bit words per tensor, combined in tensor-name
 * order with the names; docs/probes.md). Linear probes store it to bind
 * themselves to the encoder whose embeddings they were fit on. */
const char *wfm_model_weights_hash(const wfm_model *model);

/* ---- inference -------------------------------------------------------- */

/* Input windows are T x C floats, minute-major: x[t * C + c], original units,
 * NaN = missing. For a waveform model x is [window_samples x C], sample-major
 * (x[t * C + c]), in signal units at sample_rate_hz; a token with any missing
 * sample is not visible, and only the embedding, token_embeddings and
 * token_visible outputs exist (the others are WFM_ERR_UNSUPPORTED).
 * Outputs are caller-allocated; any pointer may be NULL. */
typedef struct wfm_outputs {
    float *embedding;          /* [embedding_dim]: mean over visible tokens (then the projection head, if any) */
    float *reconstruction;     /* [T * C]: decoder output for every minute, original units */
    float *imputed;            /* [T * C]: observed values kept, gaps from the decoder */
    float *token_embeddings;   /* [N * enc_dim]: encoder output per token; NaN rows for masked */
    uint8_t *token_visible;    /* [N]: 1 visible, 0 inherited-missing */
    float *fill_probability;   /* [T * C]: for a missing minute of a category channel, the
                                  probability of the level it was given; NaN elsewhere */
    int n_visible_tokens;      /* out */
} wfm_outputs;

wfm_status wfm_run(wfm_model *model, const float *x, wfm_outputs *out, wfm_error *err);

/* Convenience wrappers around wfm_run. */
wfm_status wfm_embed(wfm_model *model, const float *x, float *embedding, wfm_error *err);
wfm_status wfm_impute(wfm_model *model, const float *x, float *imputed, wfm_error *err);
wfm_status wfm_reconstruct(wfm_model *model, const float *x, float *reconstruction, wfm_error *err);

/* The same on a caller's state (see wfm_state_create); the model-level calls
 * above run the model's default state. */
wfm_status wfm_run_state(wfm_state *state, const float *x, wfm_outputs *out, wfm_error *err);
/* wfm_run / wfm_run_state with the person's profile of this window
 * (wfm_profile_window: [T x C], original units, NaN unknown; NULL = none).
 * Only a model with "anchor_profile" uses it; any other ignores it. */
wfm_status wfm_run_profile(wfm_model *model, const float *x, const float *profile, wfm_outputs *out,
                           wfm_error *err);
wfm_status wfm_run_state_profile(wfm_state *state, const float *x, const float *profile, wfm_outputs *out,
                                 wfm_error *err);
wfm_status wfm_embed_state(wfm_state *state, const float *x, float *embedding, wfm_error *err);
wfm_status wfm_impute_state(wfm_state *state, const float *x, float *imputed, wfm_error *err);
wfm_status wfm_reconstruct_state(wfm_state *state, const float *x, float *reconstruction, wfm_error *err);


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

/* ---- device exports -> the minute aggregator ---------------------------- */

/* The importers of the exports people have (Fitbit's account export, Apple
 * Health, Garmin FIT) read records into a caller's minute aggregator, so one
 * set of data rules (wfm_channel_rule) applies whatever the source, and
 * wfm_import_table makes the minute table. docs/data.md says what each reads.
 *
 * Times. Minute tables are in the device's local wall-clock time. A time
 * written without a zone is taken as it is. A time written in UTC (a 'Z',
 * or FIT's UTC seconds when the file gives no local time) becomes
 * UTC + utc_offset_minutes. A time with its own offset (Apple Health's
 * "2024-03-10 08:00:00 -0500") keeps the wall clock it was recorded in,
 * the phone's local time then; with fixed_offset it is converted to
 * UTC + utc_offset_minutes instead (one zone for a whole export). */
typedef struct wfm_import_options {
    int utc_offset_minutes;   /* 0; -1080..1080 */
    int fixed_offset;         /* 0 */
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

/* ---- linear probes ------------------------------------------------------ */

/* A linear probe on fixed features (embeddings, or any numeric table).
 * Features are standardised with the training rows' mean and population
 * standard deviation (a constant feature gets std 1), and the model is linear
 * in that space: z = W x_std + b. Objectives (S = sum of the row weights s_i):
 *   logistic  (1/S) sum_i s_i CE(y_i, z_i) + lambda/2 ||W||^2
 *             binary: one row of W and a sigmoid; K > 2 classes: K rows and a
 *             softmax. s_i = 1, or n / (K n_c) for a row of class c when
 *             `balanced` (sklearn's class_weight='balanced').
 *   ridge     (1/2n) sum_i (y_i - z_i)^2 + lambda/2 ||w||^2, solved in closed
 *             form (Cholesky of the standardised, centred Gram matrix + lambda I)
 *   linear    the same objective as ridge, minimised by L-BFGS: same optimum;
 *             the iterative solver also handles lambda = 0 on singular data.
 * The bias is never penalised. sklearn equivalents: LogisticRegression(C) is
 * lambda = 1/(C n); Ridge(alpha) is lambda = alpha/n. L-BFGS stops when
 * ||grad||_inf <= tol * max(1, |f|). Everything is deterministic, with a
 * fixed summation order, so native and wasm builds agree. docs/probes.md. */
typedef struct wfm_probe wfm_probe;

typedef enum wfm_probe_task {
    WFM_PROBE_LOGISTIC = 0,  /* classification (integer labels 0..K-1) */
    WFM_PROBE_RIDGE = 1,     /* regression (float targets), closed form */
    WFM_PROBE_LINEAR = 2     /* regression, L-BFGS */
} wfm_probe_task;

/* "logistic", "ridge", "linear"; NULL out of range. */
const char *wfm_probe_task_name(wfm_probe_task task);

/* Metrics; arrays of WFM_METRIC_COUNT doubles are indexed by these. A metric
 * that does not apply to the task, or is undefined on the data (AUROC with a
 * single class, Pearson r with a constant side, ...), is NaN. */
typedef enum wfm_metric {
    WFM_METRIC_AUTO = -1,             /* for cv_metric: log loss / MSE (see below) */
    WFM_METRIC_ACCURACY = 0,
    WFM_METRIC_BALANCED_ACCURACY = 1, /* mean recall over the classes present in the labels */
    WFM_METRIC_MACRO_F1 = 2,          /* mean F1 over classes in the labels or the predictions */
    WFM_METRIC_AUROC = 3,             /* binary; K > 2: one-vs-rest macro mean; ties get average ranks */
    WFM_METRIC_LOG_LOSS = 4,          /* mean -ln p(true class), p clamped to [1e-15, 1] */
    WFM_METRIC_MAE = 5,
    WFM_METRIC_RMSE = 6,
    WFM_METRIC_PEARSON_R = 7,
    WFM_METRIC_R2 = 8,                /* 1 - SS_res / SS_tot */
    WFM_METRIC_COUNT = 9
} wfm_metric;

/* "accuracy", "balanced_accuracy", "macro_f1", "auroc", "log_loss", "mae",
 * "rmse", "pearson_r", "r2"; NULL out of range. */
const char *wfm_metric_name(wfm_metric metric);
/* 1 if larger is better (accuracy, ...), 0 if smaller is (log loss, MAE, RMSE). */
int wfm_metric_higher_is_better(wfm_metric metric);

typedef struct wfm_probe_params {
    wfm_probe_task task;       /* WFM_PROBE_LOGISTIC */
    double lambda;             /* 1e-3; >= 0 (ridge: > 0) */
    int balanced;              /* 0; logistic only */
    int max_iter;              /* 1000 L-BFGS iterations */
    double tol;                /* 1e-6 */
    /* Choose lambda by inner cross-validation over `lambdas` (NULL: the default
     * grid 1e-5, 1e-4, ..., 10), `inner_folds` folds (stratified for
     * classification; by group when groups are given). The selection score is
     * computed on the pooled out-of-fold predictions: `cv_metric`, or with
     * WFM_METRIC_AUTO the log loss (class-balanced when `balanced`) for
     * classification and the MSE for regression. Ties go to the larger lambda. */
    int cv_lambda;             /* 0 */
    const double *lambdas;     /* NULL */
    int n_lambdas;             /* 0; at most 64 */
    int inner_folds;           /* 5 */
    wfm_metric cv_metric;      /* WFM_METRIC_AUTO */
    uint64_t seed;             /* 0: seeds the (deterministic) fold shuffles */
    /* Classification: number of classes (0: 1 + the largest label) and
     * optional names (NULL: "0", "1", ...), copied into the probe. */
    int n_classes;
    const char *const *class_names;
    /* Optional names of the d feature columns (e.g. "emb_0"...), stored. */
    const char *const *feature_names;
    /* Optional: the encoder whose embeddings X are. Its weights hash is
     * stored, and predicting with another model is then an error. NULL: the
     * probe is not bound (features from anywhere). */
    const wfm_model *model;
} wfm_probe_params;

wfm_probe_params wfm_probe_default_params(void);

/* Fits a probe on X (n rows x d features, row-major, finite). Classification
 * takes `labels` (n ints in 0..K-1, K <= 64; every class needs a row and
 * there must be two classes at least), regression `targets` (n finite floats); the other is
 * NULL. `groups` (n ints, may be NULL) only matters for the inner CV of
 * cv_lambda: rows of one group are never on both sides. `params` may be NULL
 * for the defaults. A solver that stops at max_iter is not an error: see
 * wfm_probe_info.converged. */
wfm_status wfm_probe_fit(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                         const int *groups, const wfm_probe_params *params, wfm_probe **out, wfm_error *err);
void wfm_probe_free(wfm_probe *probe);

typedef struct wfm_probe_info {
    wfm_probe_task task;
    int n_features;
    int n_classes;           /* 0 for regression */
    int n_outputs;           /* columns of wfm_probe_predict's output: n_classes, or 1 */
    double lambda;           /* the one fit (chosen by inner CV with cv_lambda) */
    int balanced;
    size_t n_train;
    int iterations;          /* L-BFGS iterations (ridge: 0) */
    int converged;           /* the stopping rule was met (ridge: 1) */
    double loss;             /* final objective */
    double grad_norm;        /* its ||grad||_inf */
    const char *encoder_hash;/* the bound encoder's weights hash, or NULL */
} wfm_probe_info;

void wfm_probe_get_info(const wfm_probe *probe, wfm_probe_info *out);
/* The fitted parameters: weight [rows x cols] in standardised feature units,
 * bias [rows], and the standardisation, feature_mean [cols] and feature_std
 * [cols]; rows is wfm_probe_info.n_outputs for a classifier with K > 2
 * classes, else 1 (binary, regression), and cols the number of features.
 * The original-unit model is z = (W / std) x + b - (W / std) mean. The
 * pointers stay valid while the probe lives (all NULL for a NULL probe). */
typedef struct wfm_probe_coefficients {
    int rows, cols;
    const float *weight, *bias, *feature_mean, *feature_std;
} wfm_probe_coefficients;
void wfm_probe_get_coefficients(const wfm_probe *probe, wfm_probe_coefficients *out);
/* Class name (k in 0..n_classes-1) or feature name (NULL if none stored). */
const char *wfm_probe_class_name(const wfm_probe *probe, int k);
const char *wfm_probe_feature_name(const wfm_probe *probe, int j);
/* Index of a class by name, or -1. */
int wfm_probe_find_class(const wfm_probe *probe, const char *name);
/* The inner-CV scores of cv_lambda (n = 0 without): lambdas[i] scored
 * scores[i] in `metric`. The pointers stay valid while the probe lives. */
int wfm_probe_cv_scores(const wfm_probe *probe, const double **lambdas, const double **scores, wfm_metric *metric);

/* WFM_OK if the probe may be used with `model`: it is not bound, or it was fit
 * on this encoder's embeddings (same weights hash); else WFM_ERR_INVALID_ARG
 * naming both hashes. */
wfm_status wfm_probe_check_model(const wfm_probe *probe, const wfm_model *model, wfm_error *err);

/* Predictions for X (n x d). `out` (may be NULL) receives n x n_outputs
 * floats: class probabilities (binary: P(class 0), P(class 1)) or values;
 * `classes` (may be NULL) the most probable class of each row (the first on
 * ties). `model`, if not NULL, is checked with wfm_probe_check_model. */
wfm_status wfm_probe_predict(const wfm_probe *probe, const wfm_model *model, const float *X, size_t n, size_t d,
                             float *out, int *classes, wfm_error *err);

/* Metrics of the probe on labelled data (labels for classification, targets
 * for regression; a label outside the probe's classes is an error). */
wfm_status wfm_probe_evaluate(const wfm_probe *probe, const wfm_model *model, const float *X, size_t n, size_t d,
                              const int *labels, const float *targets, double metrics[WFM_METRIC_COUNT],
                              wfm_error *err);

/* Metrics from predictions. Classification: labels in 0..K-1, proba n x K
 * (rows summing to 1); regression: targets and predictions. Metrics of the
 * other kind are NaN. */
wfm_status wfm_metrics_classification(const int *labels, const float *proba, size_t n, int n_classes,
                                      double metrics[WFM_METRIC_COUNT], wfm_error *err);
wfm_status wfm_metrics_regression(const float *targets, const float *pred, size_t n,
                                  double metrics[WFM_METRIC_COUNT], wfm_error *err);

/* Probe files are safetensors: F32 tensors probe.weight [n_out, d],
 * probe.bias [n_out], probe.feature_mean [d] and probe.feature_std [d], and
 * __metadata__["wearfm.probe"], a JSON string with the task, classes, lambda,
 * features, the solver's result and the encoder binding (docs/probes.md).
 * save_buffer returns a malloc'ed buffer: release it with wfm_probe_buffer_free. */
wfm_status wfm_probe_save_buffer(const wfm_probe *probe, void **data, size_t *size, wfm_error *err);
void wfm_probe_buffer_free(void *data);
wfm_status wfm_probe_save_file(const wfm_probe *probe, const char *path, wfm_error *err);
wfm_status wfm_probe_load_buffer(const void *data, size_t size, wfm_probe **out, wfm_error *err);
wfm_status wfm_probe_load_file(const char *path, wfm_probe **out, wfm_error *err);

/* Error bands (optional, docs/probes.md): the mean absolute error a
 * regression probe was measured to make on held-out data, in bands of a
 * window summary: `by` is "motion_g" or "observed" (wfm_window_summary),
 * edges strictly increasing, mae[b] for band b: b = 0 below edges[0], b for
 * edges[b-1] <= v < edges[b], n_edges from the last edge on. Stored in the
 * probe file as "error_bands": {"by": ..., "edges": [...], "mae_bpm": [...]}.
 * get returns 1 and fills *out (pointers valid while the probe lives and its
 * bands are not set again), or 0. set takes that JSON object (or "null" or
 * NULL: no bands), validated as when loading; on error the probe is
 * unchanged. expected_error is the band's MAE for a window, NaN without
 * bands or when the summary's value is NaN. */
#define WFM_PROBE_MAX_ERROR_BAND_EDGES 16
typedef struct wfm_probe_error_bands {
    const char *by;
    int n_edges;
    const double *edges;   /* [n_edges] */
    const double *mae;     /* [n_edges + 1] */
} wfm_probe_error_bands;
int wfm_probe_get_error_bands(const wfm_probe *probe, wfm_probe_error_bands *out);
wfm_status wfm_probe_set_error_bands(wfm_probe *probe, const char *json, size_t len, wfm_error *err);
double wfm_probe_expected_error(const wfm_probe *probe, const wfm_window_summary *summary);

/* Cross-validation of a probe. Without groups: k folds, stratified by class
 * for classification, rows assigned by a shuffle seeded with params->seed.
 * With groups (n ints, e.g. a subject id per row): no group is ever on both
 * sides; folds = 0 is leave-one-group-out, otherwise min(folds, groups) folds
 * balanced by row count (largest groups first, each to the smallest fold).
 * Each fold fits a probe with `params` (including cv_lambda, whose inner
 * folds are then grouped too) on the other folds. A fold whose training rows
 * hold a single class cannot be fit: it is skipped (status 1, NaN metrics).
 * Fold classes absent from the training rows get probability 0.
 * mean/std (sample std, n-1; 0 for one fold) are over the folds where the
 * metric is defined (n_defined of them); `pooled` is each metric on all
 * out-of-fold predictions together. */
typedef struct wfm_probe_cv {
    wfm_probe_task task;
    int n_folds;
    int n_outputs;            /* columns of `predictions` */
    double *fold_metrics;     /* [n_folds * WFM_METRIC_COUNT] */
    double *fold_lambda;      /* [n_folds] lambda used (chosen by inner CV with cv_lambda) */
    size_t *fold_train_rows;  /* [n_folds] */
    size_t *fold_test_rows;   /* [n_folds] */
    int *fold_test_groups;    /* [n_folds] groups in the test fold (0 without groups) */
    int *fold_status;         /* [n_folds] 0 ok, 1 skipped (single class in training) */
    int *fold_converged;      /* [n_folds] the solver converged */
    int *fold_of_row;         /* [n] the fold that tested each row */
    float *predictions;       /* [n * n_outputs] out-of-fold; NaN for skipped folds */
    double mean[WFM_METRIC_COUNT], std[WFM_METRIC_COUNT], pooled[WFM_METRIC_COUNT];
    int n_defined[WFM_METRIC_COUNT];
    int n_skipped;
} wfm_probe_cv;

wfm_status wfm_probe_cross_validate(const float *X, size_t n, size_t d, const int *labels, const float *targets,
                                    const int *groups, int folds, const wfm_probe_params *params,
                                    wfm_probe_cv **out, wfm_error *err);
void wfm_probe_cv_free(wfm_probe_cv *cv);

/* ---- slots: probes that answer per patch ------------------------------ */

/* A slot is one patch of the window: slot p covers minutes [p P, (p + 1) P)
 * (P = patch_minutes), so a day model has T / P of them. Probes shipped for
 * "asleep or awake in these 20 minutes" read slot features; docs/probes.md,
 * "Slot probes". */

/* Runs the model on x with only the `inputs` channels (model channel
 * indices, each at most once; every other channel is set missing, so a probe
 * never sees the channel it was taught to predict) and writes, for each
 * slot, the mean of the encoder's visible token embeddings of the input
 * channels at that slot: features [T / P * enc_dim]. has_features [T / P]
 * (may be NULL) gets 1 for a slot with at least one observed input minute,
 * else 0 and a NaN row. WFM_ERR_NO_DATA when no input channel is observed
 * anywhere in the window; WFM_ERR_UNSUPPORTED for a waveform model. */
wfm_status wfm_slot_features(wfm_model *model, const float *x, const int *inputs, int n_inputs, float *features,
                             uint8_t *has_features, wfm_error *err);

typedef struct wfm_slot_period {
    size_t first, end;       /* slots [first, end) */
    float mean_probability;  /* mean over the slots of the period that have one */
    size_t n_known;          /* slots of the period with a probability */
} wfm_slot_period;

/* Periods of one class along consecutive slots (prob[i]: its probability in
 * slot i, NaN = no prediction): runs of slots with prob >= threshold, joined
 * across at most max_gap slots below it or unknown, kept when at least
 * min_slots long. Writes at most cap periods in time order and returns how
 * many there are (possibly more than cap). */
size_t wfm_slot_periods(const float *prob, size_t n, float threshold, int max_gap, int min_slots,
                        wfm_slot_period *out, size_t cap);

/* The expected number of slots of a class among n: the sum of the known
 * probabilities (NaN skipped; *n_known, if not NULL, gets how many were
 * known). With probabilities calibrated to the class's frequency (a probe
 * fit without class balancing), this is an unbiased count. */
double wfm_slot_expected(const float *prob, size_t n, size_t *n_known);

#ifdef __cplusplus
}
#endif
#endif
