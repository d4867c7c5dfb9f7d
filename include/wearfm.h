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
 * weights; a memory buffer may be freed by the caller right after the call. */
wfm_status wfm_model_load_file(const char *path, const wfm_model_params *params,
                               wfm_model **out, wfm_error *err);
wfm_status wfm_model_load_buffer(const void *data, size_t size,
                                 const wfm_model_params *params,
                                 wfm_model **out, wfm_error *err);
void wfm_model_free(wfm_model *model);

wfm_status wfm_model_set_threads(wfm_model *model, int n_threads, wfm_error *err);
int wfm_model_threads(const wfm_model *model);
wfm_status wfm_model_set_mask_mode(wfm_model *model, wfm_mask_mode mode, wfm_error *err);

typedef struct wfm_model_info {
    const char *architecture;  /* "lsm2_mae" */
    int window_minutes;        /* T */
    int patch_minutes;         /* P */
    int n_channels;            /* C */
    int n_tokens;              /* N = T / P * C */
    int enc_dim, enc_layers, enc_heads, enc_mlp_dim;
    int dec_dim, dec_layers, dec_heads, dec_mlp_dim; /* all 0 when encoder-only */
    int has_decoder;
    size_t n_params;
} wfm_model_info;

typedef struct wfm_channel_info {
    const char *name;
    const char *unit;
    float mean, std;
    float clip_min, clip_max;  /* z-units */
} wfm_channel_info;

void wfm_model_get_info(const wfm_model *model, wfm_model_info *out);
wfm_status wfm_model_get_channel(const wfm_model *model, int channel,
                                 wfm_channel_info *out, wfm_error *err);
/* Index of a channel by name, or -1. */
int wfm_model_find_channel(const wfm_model *model, const char *name);
/* The config JSON string exactly as stored in the file. */
const char *wfm_model_config_json(const wfm_model *model);

/* ---- inference -------------------------------------------------------- */

/* Input windows are T x C floats, minute-major: x[t * C + c], original units,
 * NaN = missing. Outputs are caller-allocated; any pointer may be NULL. */
typedef struct wfm_outputs {
    float *embedding;          /* [enc_dim]: mean over visible tokens */
    float *reconstruction;     /* [T * C]: decoder output for every minute, original units */
    float *imputed;            /* [T * C]: observed values kept, gaps from the decoder */
    float *token_embeddings;   /* [N * enc_dim]: encoder output per token; NaN rows for masked */
    uint8_t *token_visible;    /* [N]: 1 visible, 0 inherited-missing */
    int n_visible_tokens;      /* out */
} wfm_outputs;

wfm_status wfm_run(wfm_model *model, const float *x, wfm_outputs *out, wfm_error *err);

/* Convenience wrappers around wfm_run. */
wfm_status wfm_embed(wfm_model *model, const float *x, float *embedding, wfm_error *err);
wfm_status wfm_impute(wfm_model *model, const float *x, float *imputed, wfm_error *err);
wfm_status wfm_reconstruct(wfm_model *model, const float *x, float *reconstruction, wfm_error *err);


/* ---- minute tables (importers) ----------------------------------------- */

/* A table of per-minute values: n_minutes rows starting at `start`, one
 * column per channel, NaN = missing. Times are the device's local time,
 * counted in minutes since 1970-01-01T00:00 (no time zone). */
typedef struct wfm_minutes wfm_minutes;

/* Parses the generic minute CSV: a header `timestamp,<channel>,...`, then
 * one row per minute, timestamps `YYYY-MM-DDTHH:MM[:SS]` or with a space.
 * Empty, NaN, nan and NA cells are missing. Rows may come in any order;
 * a duplicate minute keeps the last non-missing value. Errors name the line. */
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

/* Copies the model window starting at minute `window_start` into x
 * (T x C, model channel order, matched by name; channels the table lacks
 * are all missing). Returns the number of observed values copied. */
size_t wfm_minutes_window(const wfm_minutes *t, const wfm_model *model, int64_t window_start, float *x);

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

typedef struct wfm_fitabase_options {
    wfm_nonwear_rule nonwear_rule;  /* WFM_NONWEAR_AUTO */
    int nonwear_min_minutes;        /* 60 */
    int nonwear_min_minutes_no_hr;  /* 180 */
} wfm_fitabase_options;

wfm_fitabase_options wfm_fitabase_default_options(void);

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
