/* Flat C entry points for the Emscripten build: JavaScript passes pointers
 * into the wasm heap and never lays out C structs itself. Model math stays
 * in the core; this file only adapts calling conventions. */
#include "wearfm.h"
#include <emscripten/emscripten.h>
#include <stdlib.h>
#include <string.h>

static wfm_error last_error;

EMSCRIPTEN_KEEPALIVE const char *wfmw_last_error(void) { return last_error.message; }
EMSCRIPTEN_KEEPALIVE const char *wfmw_version(void) { return wfm_version(); }

/* Returns a model handle, or 0 with wfmw_last_error() set. */
EMSCRIPTEN_KEEPALIVE wfm_model *wfmw_load(const void *data, size_t size, int n_threads, int mask_mode) {
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = n_threads;
    p.mask_mode = (wfm_mask_mode)mask_mode;
    wfm_model *m = NULL;
    memset(&last_error, 0, sizeof last_error);
    return wfm_model_load_buffer(data, size, &p, &m, &last_error) == WFM_OK ? m : NULL;
}

EMSCRIPTEN_KEEPALIVE void wfmw_free(wfm_model *m) { wfm_model_free(m); }

/* info[16]: T, P, C, N, enc dim/layers/heads/mlp, dec dim/layers/heads/mlp, has_decoder, threads, n_params */
EMSCRIPTEN_KEEPALIVE void wfmw_info(const wfm_model *m, int *info) {
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    int v[16] = {i.window_minutes, i.patch_minutes, i.n_channels, i.n_tokens, i.enc_dim, i.enc_layers,
                 i.enc_heads, i.enc_mlp_dim, i.dec_dim, i.dec_layers, i.dec_heads, i.dec_mlp_dim,
                 i.has_decoder, wfm_model_threads(m), (int)i.n_params, 0};
    memcpy(info, v, sizeof v);
}

EMSCRIPTEN_KEEPALIVE const char *wfmw_config_json(const wfm_model *m) { return wfm_model_config_json(m); }

/* Any output pointer may be 0. Returns a wfm_status; *n_visible gets the visible token count. */
EMSCRIPTEN_KEEPALIVE int wfmw_run(wfm_model *m, const float *x, float *embedding, float *reconstruction,
                                  float *imputed, uint8_t *token_visible, int *n_visible) {
    wfm_outputs o = {0};
    o.embedding = embedding;
    o.reconstruction = reconstruction;
    o.imputed = imputed;
    o.token_visible = token_visible;
    memset(&last_error, 0, sizeof last_error);
    wfm_status st = wfm_run(m, x, &o, &last_error);
    if (n_visible) *n_visible = o.n_visible_tokens;
    return (int)st;
}

/* Minute tables: the core's CSV importer, so the browser parses files exactly as the CLI does. */
EMSCRIPTEN_KEEPALIVE wfm_minutes *wfmw_minutes_read_csv(const char *text, size_t len) {
    wfm_minutes *t = NULL;
    memset(&last_error, 0, sizeof last_error);
    return wfm_minutes_read_csv(text, len, &t, &last_error) == WFM_OK ? t : NULL;
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
