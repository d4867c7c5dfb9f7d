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

#ifdef __cplusplus
}
#endif
#endif
