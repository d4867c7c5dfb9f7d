/* Flat C entry points for the Emscripten build: JavaScript passes pointers
 * into the wasm heap and never lays out C structs itself. Model math stays
 * in the core; this file only adapts calling conventions. */
#include "wearfm_web.h"
#include <math.h>
#include <stdlib.h>

/* The one error slot of every wfmw_* call (web/wearfm_web.h): each clears it, a failed one fills it. */
wfm_error wfmw_error;

EMSCRIPTEN_KEEPALIVE const char *wfmw_last_error(void) { return wfmw_error.message; }
EMSCRIPTEN_KEEPALIVE const char *wfmw_version(void) { return wfm_version(); }

/* Returns a model handle, or 0 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE wfm_model *wfmw_load(const void *data, size_t size, int n_threads, int mask_mode) {
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = n_threads;
    p.mask_mode = (wfm_mask_mode)mask_mode;
    wfm_model *m = NULL;
    wfmw_clear_error();
    if (wfm_model_load_buffer(data, size, &p, &m, &wfmw_error)) return NULL;
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    if (info.family != WFM_FAMILY_MINUTE) { /* the page lays out every window as window_minutes x C */
        WFMW_FAIL(WFM_ERR_UNSUPPORTED, "a %s model (%s): the page runs minute models (lsm2_mae) only", info.architecture,
                  info.signal);
        wfm_model_free(m);
        return NULL;
    }
    return m;
}

EMSCRIPTEN_KEEPALIVE void wfmw_free(wfm_model *m) { wfm_model_free(m); }

/* The model's description, one getter per field of wfm_model_info: wfmw_info_<field>(m). */
#define INFO(type, field) WFMW_FIELD(wfmw_info_, wfm_model, wfm_model_info, wfm_model_get_info, type, field)
INFO(int, window_minutes)
INFO(int, patch_minutes)
INFO(int, n_channels)
INFO(int, n_tokens)
INFO(int, enc_dim)
INFO(int, enc_layers)
INFO(int, enc_heads)
INFO(int, enc_mlp_dim)
INFO(int, dec_dim)
INFO(int, dec_layers)
INFO(int, dec_heads)
INFO(int, dec_mlp_dim)
INFO(int, has_decoder)
INFO(double, n_params)
#undef INFO
/* The threads of the model's pool (1 in the build without pthreads). */
EMSCRIPTEN_KEEPALIVE int wfmw_info_threads(const wfm_model *m) { return wfm_model_threads(m); }

EMSCRIPTEN_KEEPALIVE const char *wfmw_config_json(const wfm_model *m) { return wfm_model_config_json(m); }

/* Any output pointer may be 0. Returns a wfm_status; *n_visible gets the visible token count. */
EMSCRIPTEN_KEEPALIVE int wfmw_run(wfm_model *m, const float *x, float *embedding, float *reconstruction,
                                  float *imputed, uint8_t *token_visible, int *n_visible) {
    wfm_outputs o = {0};
    o.embedding = embedding;
    o.reconstruction = reconstruction;
    o.imputed = imputed;
    o.token_visible = token_visible;
    wfmw_clear_error();
    wfm_status st = wfm_run(m, x, &o, &wfmw_error);
    if (n_visible) *n_visible = o.n_visible_tokens;
    return (int)st;
}

/* Minute tables: the core's CSV importer, so the browser parses files exactly as the CLI does. */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_minutes_read_csv(const char *text, size_t len) {
    wfm_minutes *t = NULL;
    wfmw_clear_error();
    return wfm_minutes_read_csv(text, len, &t, &wfmw_error) == WFM_OK ? t : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_minutes_free(wfm_minutes *t) { wfm_minutes_free(t); }
/* Start minute as a double (exact below 2^53). */
EMSCRIPTEN_KEEPALIVE double wfmw_minutes_start(const wfm_minutes *t) { return (double)wfm_minutes_start(t); }
EMSCRIPTEN_KEEPALIVE double wfmw_minutes_length(const wfm_minutes *t) { return (double)wfm_minutes_length(t); }
EMSCRIPTEN_KEEPALIVE double wfmw_minutes_window(const wfm_minutes *t, const wfm_model *m, double start, float *x) {
    return (double)wfm_minutes_window(t, m, (int64_t)start, x);
}
/* Writes "YYYY-MM-DDTHH:MM" into buf (20 bytes). */
EMSCRIPTEN_KEEPALIVE void wfmw_format_minute(double minute, char *buf) { wfm_format_minute((int64_t)minute, buf); }

/* Runs one window with every output, including per-token ones and how sure
 * each filled category is (any pointer may be 0). */
EMSCRIPTEN_KEEPALIVE int wfmw_run_all(wfm_model *m, const float *x, const float *profile, float *embedding,
                                      float *reconstruction, float *imputed, float *token_embeddings,
                                      uint8_t *token_visible, float *fill_probability, int *n_visible) {
    wfm_outputs o = {0};
    o.embedding = embedding;
    o.reconstruction = reconstruction;
    o.imputed = imputed;
    o.token_embeddings = token_embeddings;
    o.fill_probability = fill_probability;
    o.token_visible = token_visible;
    wfmw_clear_error();
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    /* a personal_lambda model's profile buffer also holds the window's anchor parameters (wfmw_profile_window) */
    const float *params = profile && info.personal_lambda > 0 ? profile + (size_t)info.window_minutes * info.n_channels
                                                              : NULL;
    wfm_status st = wfm_run_personal(m, x, profile, params, &o, &wfmw_error);
    if (n_visible) *n_visible = o.n_visible_tokens;
    return (int)st;
}

/* A person's typical day from a table (a model with anchor_profile; 0 with
 * the error otherwise), and its [T x C] values for the window at `start`. */
EMSCRIPTEN_KEEPALIVE wfm_profile *wfmw_profile_create(const wfm_model *m, const wfm_minutes *t) {
    wfm_profile *p = NULL;
    wfmw_clear_error();
    return wfm_profile_create(m, t, &p, &wfmw_error) == WFM_OK ? p : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_profile_free(wfm_profile *p) { wfm_profile_free(p); }
/* Floats of a profile buffer: the window's profile [T x C], then for a model
 * with personal_lambda its anchor parameters refitted on the history. */
EMSCRIPTEN_KEEPALIVE int wfmw_profile_floats(const wfm_model *m) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    return info.window_minutes * info.n_channels + (info.personal_lambda > 0 ? (int)info.anchor_params : 0);
}
EMSCRIPTEN_KEEPALIVE int wfmw_profile_window(const wfm_model *m, wfm_profile *p, double start, float *out) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    int known = wfm_profile_window(p, (int64_t)start, out);
    if (info.personal_lambda > 0) wfm_profile_anchor(p, (int64_t)start, out + (size_t)info.window_minutes * info.n_channels);
    return known;
}
EMSCRIPTEN_KEEPALIVE int wfmw_uses_profile(const wfm_model *m) {
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    return info.anchor_profile;
}

/* Model channels, one getter per field of wfm_channel_info: wfmw_channel_<field>(m, c),
 * `otherwise` for a channel out of range; and level k of a category channel. */
#define CHANNEL(type, field, otherwise) \
    EMSCRIPTEN_KEEPALIVE type wfmw_channel_##field(const wfm_model *m, int c) { \
        wfm_channel_info ch; \
        return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK ? (type)ch.field : (otherwise); \
    }
CHANNEL(const char *, name, NULL)
CHANNEL(const char *, unit, NULL)
CHANNEL(float, mean, 0)
CHANNEL(float, std, 0)
CHANNEL(float, clip_min, 0)
CHANNEL(float, clip_max, 0)
CHANNEL(int, kind, -1) /* a wfm_channel_kind */
CHANNEL(int, n_levels, 0)
#undef CHANNEL
EMSCRIPTEN_KEEPALIVE double wfmw_channel_level(const wfm_model *m, int c, int k) {
    wfm_channel_info ch;
    return wfm_model_get_channel(m, c, &ch, NULL) == WFM_OK && k >= 0 && k < ch.n_levels ? ch.levels[k] : NAN;
}

/* Minute table columns, so JS can draw an imported table without parsing it again. */
EMSCRIPTEN_KEEPALIVE int wfmw_minutes_channels(const wfm_minutes *t) { return wfm_minutes_channels(t); }
EMSCRIPTEN_KEEPALIVE const char *wfmw_minutes_channel_name(const wfm_minutes *t, int k) {
    return wfm_minutes_channel_name(t, k);
}
EMSCRIPTEN_KEEPALIVE const float *wfmw_minutes_values(const wfm_minutes *t) { return wfm_minutes_values(t); }
EMSCRIPTEN_KEEPALIVE double wfmw_minutes_duplicates(const wfm_minutes *t) { return (double)wfm_minutes_duplicates(t); }

/* Fitabase importer: the same C code as `wearfm import fitabase`. Ids are
 * passed as doubles (Fitabase ids have 10 digits, exact below 2^53). */
EMSCRIPTEN_KEEPALIVE wfm_fitabase *wfmw_fitabase_create(void) {
    wfm_fitabase *fb = NULL;
    wfmw_clear_error();
    return wfm_fitabase_create(&fb, &wfmw_error) == WFM_OK ? fb : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_fitabase_free(wfm_fitabase *fb) { wfm_fitabase_free(fb); }
/* Returns the detected kind (> 0), or -1 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE int wfmw_fitabase_add(wfm_fitabase *fb, const char *text, size_t len) {
    wfm_fitabase_kind kind = WFM_FITABASE_UNKNOWN;
    wfmw_clear_error();
    return wfm_fitabase_add(fb, text, len, &kind, &wfmw_error) == WFM_OK ? (int)kind : -1;
}
EMSCRIPTEN_KEEPALIVE int wfmw_fitabase_detect(const char *text, size_t len) { return (int)wfm_fitabase_detect(text, len); }
EMSCRIPTEN_KEEPALIVE const char *wfmw_fitabase_kind_name(int kind) {
    return wfm_fitabase_kind_name((wfm_fitabase_kind)kind);
}
EMSCRIPTEN_KEEPALIVE double wfmw_fitabase_user_count(const wfm_fitabase *fb) { return (double)wfm_fitabase_user_count(fb); }
EMSCRIPTEN_KEEPALIVE double wfmw_fitabase_user_id(const wfm_fitabase *fb, double i) {
    return (double)wfm_fitabase_user_id(fb, (size_t)i);
}
/* What the adds read, one getter per field of wfm_fitabase_counts:
 * wfmw_fitabase_count_<field>(fb), and by channel k (NaN out of range). */
WFMW_FIELD(wfmw_fitabase_count_, wfm_fitabase, wfm_fitabase_counts, wfm_fitabase_get_counts, double, files)
WFMW_FIELD(wfmw_fitabase_count_, wfm_fitabase, wfm_fitabase_counts, wfm_fitabase_get_counts, double, rows)
#define BY_CHANNEL(field) \
    EMSCRIPTEN_KEEPALIVE double wfmw_fitabase_count_##field(const wfm_fitabase *fb, int k) { \
        wfm_fitabase_counts c; \
        wfm_fitabase_get_counts(fb, &c); \
        return k >= 0 && k < WFM_FITABASE_CHANNELS ? (double)c.field[k] : NAN; \
    }
BY_CHANNEL(values)
BY_CHANNEL(dropped)
BY_CHANNEL(duplicates)
BY_CHANNEL(conflicts)
#undef BY_CHANNEL
/* The channels of those counts and of the users' tables, in order. */
EMSCRIPTEN_KEEPALIVE int wfmw_fitabase_channels(void) { return WFM_FITABASE_CHANNELS; }
EMSCRIPTEN_KEEPALIVE const char *wfmw_fitabase_channel_name(int k) { return wfm_fitabase_channel_name(k); }
/* The user's minute table (non-wear rule: 0 off, 1 auto, 2 movement only), or 0 with
 * wfmw_last_error() set; *nonwear gets the minutes the rule set missing. */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_fitabase_user_minutes(const wfm_fitabase *fb, double user, int nonwear_rule,
                                                            double *nonwear) {
    wfm_fitabase_options opt = wfm_fitabase_default_options();
    opt.nonwear_rule = (wfm_nonwear_rule)nonwear_rule;
    wfm_minutes *t = NULL;
    size_t nw = 0;
    wfmw_clear_error();
    wfm_status st = wfm_fitabase_user_minutes(fb, (int64_t)user, &opt, &t, &nw, &wfmw_error);
    if (nonwear) *nonwear = (double)nw;
    return st == WFM_OK ? t : NULL;
}

/* The status of the last failed call (a wfm_status), e.g. to tell "no data yet" from an error. */
EMSCRIPTEN_KEEPALIVE int wfmw_last_status(void) { return (int)wfmw_error.status; }

/* Data rules (src/data/channel_rules.c), one getter per field, so the page can say
 * what a dropped value was outside of without knowing the rule itself. */
EMSCRIPTEN_KEEPALIVE const wfm_channel_rule *wfmw_channel_rule(const char *name) { return wfm_channel_rule_find(name); }
EMSCRIPTEN_KEEPALIVE double wfmw_rule_min(const wfm_channel_rule *r) { return r ? r->min : -INFINITY; }
EMSCRIPTEN_KEEPALIVE double wfmw_rule_max(const wfm_channel_rule *r) { return r ? r->max : INFINITY; }
EMSCRIPTEN_KEEPALIVE const char *wfmw_rule_unit(const wfm_channel_rule *r) { return r ? r->unit : ""; }
EMSCRIPTEN_KEEPALIVE int wfmw_rule_whole(const wfm_channel_rule *r) { return r ? r->whole : 0; }

/* Values of column k the rules dropped, by reason (a wfm_drop_reason). */
EMSCRIPTEN_KEEPALIVE double wfmw_minutes_dropped(const wfm_minutes *t, int k, int why) {
    return (double)wfm_minutes_dropped(t, k, (wfm_drop_reason)why);
}

/* A table from the page's own values (names: n_channels C strings), so a
 * table goes to the core as it is, not through CSV text. */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_minutes_from_values(double start, double n_minutes, int n_channels,
                                                          const char *const *names, const float *values) {
    wfm_minutes *t = NULL;
    wfmw_clear_error();
    if (!(n_minutes >= 0 && n_minutes <= (double)SIZE_MAX) || start != start) {
        WFMW_FAIL(WFM_ERR_INVALID_ARG, "a table needs a start and a length");
        return NULL;
    }
    return wfm_minutes_from_values((int64_t)start, (size_t)n_minutes, n_channels, names, values, &t, &wfmw_error) == WFM_OK
               ? t : NULL;
}

/* The minute aggregator (src/aggregator*.c). Times are local ms. */
EMSCRIPTEN_KEEPALIVE wfm_aggregator *wfmw_aggregator_create(void) {
    wfm_aggregator *a = NULL;
    wfmw_clear_error();
    return wfm_aggregator_create(&a, &wfmw_error) == WFM_OK ? a : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_aggregator_free(wfm_aggregator *a) { wfm_aggregator_free(a); }
/* The channel's id, or -1 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE int wfmw_aggregator_channel(wfm_aggregator *a, const char *name) {
    int id = -1;
    wfmw_clear_error();
    wfm_aggregator_channel(a, name, &id, &wfmw_error);
    return id;
}
/* n samples as columns (segments may be 0: all 0). Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_aggregator_add(wfm_aggregator *a, double n, const int32_t *channels, const double *times,
                                             const double *values, const int32_t *segments) {
    wfmw_clear_error();
    if (!(n >= 0 && n <= (double)SIZE_MAX) || (n > 0 && (!channels || !times || !values)))
        return WFMW_FAIL(WFM_ERR_INVALID_ARG, "wfmw_aggregator_add: bad sample arrays");
    for (size_t i = 0; i < (size_t)n; i++) {
        wfm_status st = wfm_aggregator_add(a, channels[i], times[i], values[i], segments ? segments[i] : 0, &wfmw_error);
        if (st) return (int)st;
    }
    return WFM_OK;
}
/* n accelerometer samples of one unit (xyz: n x 3, in `unit`), as `movement`
 * (wfm_aggregator_add_acceleration; segments may be 0). Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_aggregator_add_acceleration(wfm_aggregator *a, double n, const double *times,
                                                          const double *xyz, const int32_t *segments, const char *unit) {
    wfmw_clear_error();
    if (!(n >= 0 && n <= (double)SIZE_MAX) || (n > 0 && (!times || !xyz)))
        return WFMW_FAIL(WFM_ERR_INVALID_ARG, "wfmw_aggregator_add_acceleration: bad sample arrays");
    for (size_t i = 0; i < (size_t)n; i++) {
        wfm_status st = wfm_aggregator_add_acceleration(a, times[i], xyz + 3 * i, unit, segments ? segments[i] : 0, &wfmw_error);
        if (st) return (int)st;
    }
    return WFM_OK;
}
EMSCRIPTEN_KEEPALIVE int wfmw_aggregator_open_gap(wfm_aggregator *a, double from) {
    wfmw_clear_error();
    return (int)wfm_aggregator_open_gap(a, from, &wfmw_error);
}
EMSCRIPTEN_KEEPALIVE void wfmw_aggregator_close_gap(wfm_aggregator *a, double to) { wfm_aggregator_close_gap(a, to); }
EMSCRIPTEN_KEEPALIVE int wfmw_aggregator_channels(const wfm_aggregator *a) { return wfm_aggregator_channels(a); }
EMSCRIPTEN_KEEPALIVE const char *wfmw_aggregator_channel_name(const wfm_aggregator *a, int c) {
    return wfm_aggregator_channel_name(a, c);
}
EMSCRIPTEN_KEEPALIVE double wfmw_aggregator_count(const wfm_aggregator *a, int c, int why) {
    return (double)wfm_aggregator_count(a, c, (wfm_drop_reason)why);
}
/* The table now: n_minutes 0 for whole days around the samples, n_channels 0
 * for every channel with a kept sample. 0 with wfmw_last_status() set on failure. */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_aggregator_table(const wfm_aggregator *a, double start, double n_minutes,
                                                       const char *const *channels, int n_channels) {
    wfm_aggregator_table_params p = wfm_aggregator_table_default_params();
    p.start = start == start ? (int64_t)start : 0;
    p.n_minutes = n_minutes > 0 && n_minutes <= (double)SIZE_MAX ? (size_t)n_minutes : 0;
    p.channels = channels;
    p.n_channels = n_channels;
    wfm_minutes *t = NULL;
    wfmw_clear_error();
    return wfm_aggregator_table(a, &p, &t, &wfmw_error) == WFM_OK ? t : NULL;
}

/* The export importers (Fitbit's account export, Apple Health, Garmin FIT)
 * into an aggregator, as `wearfm import takeout|apple-health|fit`. The
 * options and the counts of one import live here between calls (the worker
 * runs one import at a time). */
static wfm_import_options import_options;
static wfm_import_counts import_counts;

/* The browser's own zone (the participant's), daylight saving included: the
 * host of wfm_tz_sample, as the C library is for the CLI's --tz local. */
EM_JS(int, browser_offset_minutes, (double utc_minute), { return -new Date(utc_minute * 60000).getTimezoneOffset(); });
static int browser_offset(void *ctx, int64_t utc_minute) {
    (void)ctx;
    return browser_offset_minutes((double)utc_minute);
}
static wfm_tz *browser_zone; /* sampled once: 1970..2100, as the CLI's --tz */

/* local_zone: UTC times take the browser's zone at their instant (utc_offset_minutes is
 * then not used). Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_import_begin(int utc_offset_minutes, int fixed_offset, double from_minute, double to_minute,
                                           int local_zone) {
    wfmw_clear_error();
    import_options = wfm_import_default_options();
    import_options.utc_offset_minutes = utc_offset_minutes;
    import_options.fixed_offset = fixed_offset;
    import_options.from_minute = from_minute == from_minute ? (int64_t)from_minute : 0;
    import_options.to_minute = to_minute == to_minute ? (int64_t)to_minute : 0;
    memset(&import_counts, 0, sizeof import_counts);
    if (local_zone && !browser_zone) {
        wfm_status st = wfm_tz_sample(browser_offset, NULL, 0, 47482LL * 1440, &browser_zone, &wfmw_error);
        if (st) return (int)st;
    }
    import_options.time_zone = local_zone ? browser_zone : NULL;
    return WFM_OK;
}
/* What the import read so far, one getter per field of wfm_import_counts: wfmw_import_count_<field>(). */
#define COUNT(field) EMSCRIPTEN_KEEPALIVE double wfmw_import_count_##field(void) { return (double)import_counts.field; }
COUNT(files)
COUNT(records)
COUNT(samples)
COUNT(ignored)
COUNT(outside)
COUNT(utc_times)
COUNT(bad_records)
#undef COUNT
/* The importers' table (heart_rate, steps, intensity, sleep_state), or 0 with wfmw_last_status() set.
 * names[n]: the files read (every file given when none was of a kind it reads), for the core's
 * words of an import that keeps nothing (wfm_import_no_data_message, as the CLI says them). */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_import_table(const wfm_aggregator *a, const char *const *names, int n) {
    wfm_minutes *t = NULL;
    wfmw_clear_error();
    wfm_status st = import_counts.files ? wfm_import_table(a, &t, &wfmw_error) : WFM_ERR_NO_DATA;
    if (st == WFM_ERR_NO_DATA) {
        wfm_import_no_data_message(&import_counts, names, n > 0 ? (size_t)n : 0, wfmw_error.message,
                                   sizeof wfmw_error.message);
        wfmw_error.status = WFM_ERR_NO_DATA;
    }
    return st == WFM_OK ? t : NULL;
}
/* One Takeout file: its kind (> 0), 0 when it is not one the importer reads
 * (skipped), or -1 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE int wfmw_takeout_add(wfm_aggregator *a, const char *name, const char *text, size_t len) {
    wfm_takeout_kind kind = WFM_TAKEOUT_UNKNOWN;
    wfmw_clear_error();
    wfm_status st = wfm_takeout_add(a, name, text, len, &import_options, &import_counts, &kind, &wfmw_error);
    if (st == WFM_ERR_UNSUPPORTED) return 0;
    return st == WFM_OK ? (int)kind : -1;
}
EMSCRIPTEN_KEEPALIVE const char *wfmw_takeout_kind_name(int kind) { return wfm_takeout_kind_name((wfm_takeout_kind)kind); }
/* Apple Health's export.xml, fed in slices (the worker reads the File piece by piece). */
EMSCRIPTEN_KEEPALIVE wfm_apple_health *wfmw_apple_health_create(wfm_aggregator *a) {
    wfm_apple_health *p = NULL;
    wfmw_clear_error();
    return wfm_apple_health_create(a, &import_options, &p, &wfmw_error) == WFM_OK ? p : NULL;
}
/* Returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_apple_health_feed(wfm_apple_health *p, const void *data, size_t len) {
    wfmw_clear_error();
    return (int)wfm_apple_health_feed(p, data, len, &wfmw_error);
}
EMSCRIPTEN_KEEPALIVE int wfmw_apple_health_finish(wfm_apple_health *p) {
    wfmw_clear_error();
    return (int)wfm_apple_health_finish(p, &import_counts, &wfmw_error);
}
EMSCRIPTEN_KEEPALIVE void wfmw_apple_health_free(wfm_apple_health *p) { wfm_apple_health_free(p); }
/* One FIT file; returns a wfm_status. */
EMSCRIPTEN_KEEPALIVE int wfmw_fit_add(wfm_aggregator *a, const void *data, size_t len) {
    wfmw_clear_error();
    return (int)wfm_fit_add(a, data, len, &import_options, &import_counts, &wfmw_error);
}

/* Fill bands (include/wearfm/fill_bands.h): the measured interval around each fill, bound to the model. */
EMSCRIPTEN_KEEPALIVE wfm_fill_bands *wfmw_bands_load(const wfm_model *m, const char *text, size_t len) {
    wfm_fill_bands *b = NULL;
    wfmw_clear_error();
    return wfm_fill_bands_load(m, text, len, &b, &wfmw_error) == WFM_OK ? b : NULL;
}
EMSCRIPTEN_KEEPALIVE void wfmw_bands_free(wfm_fill_bands *b) { wfm_fill_bands_free(b); }
EMSCRIPTEN_KEEPALIVE double wfmw_bands_coverage(const wfm_fill_bands *b) { return wfm_fill_bands_coverage(b); }
EMSCRIPTEN_KEEPALIVE int wfmw_bands_window(const wfm_fill_bands *b, const float *x, const float *filled, float *low,
                                           float *high) {
    wfmw_clear_error();
    return (int)wfm_fill_bands_window(b, x, filled, low, high, &wfmw_error);
}
