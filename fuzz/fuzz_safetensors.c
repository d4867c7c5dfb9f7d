/* libFuzzer target: any byte string given to wfm_model_load_buffer must load
 * or fail cleanly with a message, never crash, leak or read out of bounds.
 *
 *   make fuzz FUZZ_SECONDS=600        (or by hand:)
 *   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DWFM_FUZZ=ON
 *   ninja -C build-fuzz fuzz_safetensors
 *   python3 tools/make_fuzz_seed.py
 *   mkdir -p /tmp/corpus && build-fuzz/fuzz_safetensors /tmp/corpus fuzz/corpus_safetensors \
 *       -dict=fuzz/safetensors.dict -max_len=16384
 *
 * (WFM_FUZZ=ON also instruments the library itself; without that libFuzzer
 * only sees this file and mutates blindly.)
 * A loaded model that is small enough also runs one window, so odd but
 * valid configs (encoder-only, zero decoder layers, ...) get exercised. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wearfm.h"

/* Invariant violations are bugs: make libFuzzer report them. */
#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_RUN_FLOATS 4096 /* T * C of windows we bother running */

/* personal_lambda: the window as three days of history (itself, and shifted
 * copies), a profile and refitted anchor parameters for its middle day, and
 * a run with them. */
static void personal_run(wfm_model *model, const wfm_model_info *info, const float *x, wfm_outputs *out) {
    const int T = info->window_minutes, C = info->n_channels;
    const char *names[256];
    for (int c = 0; c < C; c++) {
        wfm_channel_info ch;
        REQUIRE(wfm_model_get_channel(model, c, &ch, NULL) == WFM_OK);
        names[c] = ch.name;
    }
    float *vals = malloc(sizeof(float) * 3 * (size_t)T * C);
    float *prof = malloc(sizeof(float) * (size_t)T * C), *params = malloc(sizeof(float) * info->anchor_params);
    wfm_minutes *h = NULL;
    wfm_profile *p = NULL;
    if (vals && prof && params) {
        for (size_t i = 0; i < 3 * (size_t)T * C; i++) vals[i] = x[(i + (i / ((size_t)T * C)) * 5) % ((size_t)T * C)];
        if (wfm_minutes_from_values(0, 3 * (size_t)T, C, names, vals, &h, NULL) == WFM_OK &&
            wfm_profile_create(model, h, &p, NULL) == WFM_OK) {
            wfm_profile_window(p, T, prof);
            int r = wfm_profile_anchor(p, T, params);
            REQUIRE(r >= 0 && r <= C);
            wfm_error err;
            memset(&err, 0, sizeof err);
            wfm_status st = wfm_run_personal(model, x, prof, params, out, &err);
            REQUIRE(st == WFM_OK || err.message[0] != 0);
        }
    }
    wfm_profile_free(p);
    wfm_minutes_free(h);
    free(vals); free(prof); free(params);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wfm_model_params params = wfm_model_default_params();
    params.n_threads = 1; /* no thread start-up per input */
    wfm_model *model = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    wfm_status st = wfm_model_load_buffer(data, size, &params, &model, &err);
    if (st != WFM_OK) {
        REQUIRE(model == NULL);
        REQUIRE(err.status == st && err.message[0] != 0);
        REQUIRE(memchr(err.message, 0, sizeof err.message) != NULL);
        return 0;
    }
    REQUIRE(model != NULL);
    wfm_model_info info;
    wfm_model_get_info(model, &info);
    /* T: minutes or samples, by family; the other family's fields are 0 */
    const int waveform = info.family == WFM_FAMILY_WAVEFORM;
    const int T = waveform ? info.window_samples : info.window_minutes, P = waveform ? info.patch_samples : info.patch_minutes;
    REQUIRE(info.family == WFM_FAMILY_MINUTE || waveform);
    REQUIRE(T > 0 && P > 0 && info.n_channels > 0 && T % P == 0);
    REQUIRE(waveform ? info.window_minutes == 0 && !info.has_decoder && info.n_tokens == T / P
                     : info.window_samples == 0 && info.n_tokens == T / P * info.n_channels);
    REQUIRE(info.embedding_dim == (info.projection_dim ? info.projection_dim : info.enc_dim));
    for (int c = 0; c < info.n_channels; c++) {
        wfm_channel_info ch;
        REQUIRE(wfm_model_get_channel(model, c, &ch, &err) == WFM_OK);
        REQUIRE(ch.name && ch.name[0] && wfm_model_find_channel(model, ch.name) == c);
        REQUIRE(ch.std > 0 && ch.clip_min < ch.clip_max);
    }

    size_t n = (size_t)T * (size_t)info.n_channels;
    if (n <= MAX_RUN_FLOATS) {
        float *x = malloc(n * sizeof *x);
        float *emb = malloc((size_t)info.embedding_dim * sizeof *emb);
        float *imp = malloc(n * sizeof *imp);
        if (x && emb && imp) {
            /* Deterministic values from the input, with some gaps. */
            for (size_t i = 0; i < n; i++)
                x[i] = (i % 7 == 3) ? NAN : (float)data[i % size] - 100.0f;
            wfm_outputs out;
            memset(&out, 0, sizeof out);
            out.embedding = emb;
            if (info.has_decoder) out.imputed = imp;
            st = wfm_run(model, x, &out, &err);
            REQUIRE(st == WFM_OK || err.message[0] != 0);
            if (info.personal_lambda > 0) personal_run(model, &info, x, &out);
        }
        free(x);
        free(emb);
        free(imp);
    }
    wfm_model_free(model);
    return 0;
}
