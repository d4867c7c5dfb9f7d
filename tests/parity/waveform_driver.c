/* The parity harness's way into a waveform model (tests/parity/parity.py):
 * the CLI has no waveform command yet, so this runs the public API on
 * windows from a binary file and writes what it returned as JSON. Built for
 * native and WASI like the CLI, so the builds can be compared too.
 *
 *   parity_waveform MODEL WINDOWS.bin -o OUT.json [--mask-mode attention] [--threads N]
 *
 * WINDOWS.bin, little-endian: "WFMWIN1\n", int32 B, T, C, float32 x[B*T*C]
 * (window b, sample t, channel c at (b*T + t)*C + c; NaN = missing).
 * OUT.json: {"info": {...wfm_model_info...}, "impute_status": S,
 *            "windows": [{"status", "message", "n_visible", "embedding",
 *                         "visible", "tokens"}]}; NaN is written as null. */
#include "wearfm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_floats(FILE *f, const float *v, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', f);
        if (v[i] != v[i]) fputs("null", f);
        else fprintf(f, "%.9g", v[i]);
    }
    fputc(']', f);
}

/* JSON string body: the messages hold quotes ('...') but never control bytes. */
static void print_text(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static float *read_windows(const char *path, int32_t dims[3]) {
    FILE *f = fopen(path, "rb");
    char magic[8];
    float *x = NULL;
    if (!f) return NULL;
    if (fread(magic, 1, 8, f) == 8 && !memcmp(magic, "WFMWIN1\n", 8) && fread(dims, 4, 3, f) == 3 && dims[0] > 0 &&
        dims[1] > 0 && dims[2] > 0) {
        size_t n = (size_t)dims[0] * (size_t)dims[1] * (size_t)dims[2];
        x = malloc(n * sizeof *x);
        if (x && fread(x, sizeof *x, n, f) != n) {
            free(x);
            x = NULL;
        }
    }
    fclose(f);
    return x;
}

static void print_info(FILE *f, const wfm_model_info *i) {
    fprintf(f, "{\"architecture\": \"%s\", \"family\": %d, \"signal\": \"%s\", \"sample_rate_hz\": %.9g, "
               "\"window_samples\": %d, \"patch_samples\": %d, \"n_channels\": %d, \"n_tokens\": %d, "
               "\"input_norm\": \"%s\", \"window_std_floor\": %.9g, \"enc_dim\": %d, \"embedding_dim\": %d, "
               "\"projection_dim\": %d, \"window_minutes\": %d, \"patch_minutes\": %d, \"has_decoder\": %d}",
            i->architecture, (int)i->family, i->signal ? i->signal : "", (double)i->sample_rate_hz,
            i->window_samples, i->patch_samples, i->n_channels, i->n_tokens, i->input_norm ? i->input_norm : "",
            (double)i->window_std_floor, i->enc_dim, i->embedding_dim, i->projection_dim, i->window_minutes,
            i->patch_minutes, i->has_decoder);
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *in_path = NULL, *out_path = NULL;
    wfm_model_params params = wfm_model_default_params();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) out_path = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) params.n_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mask-mode") && i + 1 < argc)
            params.mask_mode = strcmp(argv[++i], "attention") ? WFM_MASK_COMPACT : WFM_MASK_ATTENTION;
        else if (!model_path) model_path = argv[i];
        else if (!in_path) in_path = argv[i];
        else {
            fprintf(stderr, "parity_waveform: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!model_path || !in_path || !out_path) {
        fprintf(stderr, "usage: parity_waveform MODEL WINDOWS.bin -o OUT.json [--mask-mode attention] [--threads N]\n");
        return 2;
    }
    wfm_error err = {0};
    wfm_model *m = NULL;
    if (wfm_model_load_file(model_path, &params, &m, &err)) {
        fprintf(stderr, "parity_waveform: %s\n", err.message);
        return 3;
    }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    int32_t dims[3];
    float *x = read_windows(in_path, dims);
    if (!x || dims[1] != info.window_samples || dims[2] != info.n_channels) {
        fprintf(stderr, "parity_waveform: %s is not a file of [B, %d, %d] windows\n", in_path, info.window_samples,
                info.n_channels);
        free(x);
        wfm_model_free(m);
        return 4;
    }
    FILE *f = fopen(out_path, "w");
    if (!f) {
        fprintf(stderr, "parity_waveform: cannot write '%s'\n", out_path);
        free(x);
        wfm_model_free(m);
        return 1;
    }
    const size_t TC = (size_t)dims[1] * dims[2], N = (size_t)info.n_tokens, D = (size_t)info.enc_dim;
    float *emb = malloc(sizeof(float) * (size_t)info.embedding_dim), *tok = malloc(sizeof(float) * N * D),
          *imp = malloc(sizeof(float) * TC);
    uint8_t *vis = malloc(N);
    fprintf(f, "{\"info\": ");
    print_info(f, &info);
    /* a waveform model refuses to impute: the status, for the harness */
    fprintf(f, ", \"impute_status\": %d, \"windows\": [", (int)wfm_impute(m, x, imp, &err));
    for (int b = 0; b < dims[0]; b++) {
        wfm_outputs o = {0};
        o.embedding = emb;
        o.token_embeddings = tok;
        o.token_visible = vis;
        memset(&err, 0, sizeof err);
        wfm_status st = wfm_run(m, x + (size_t)b * TC, &o, &err);
        fprintf(f, "%s\n{\"status\": %d, \"message\": ", b ? "," : "", (int)st);
        print_text(f, st ? err.message : "");
        fprintf(f, ", \"n_visible\": %d", o.n_visible_tokens);
        if (st == WFM_OK || st == WFM_ERR_NO_DATA) {
            fprintf(f, ", \"visible\": [");
            for (size_t n = 0; n < N; n++) fprintf(f, "%s%d", n ? "," : "", vis[n]);
            fputc(']', f);
        }
        if (st == WFM_OK) {
            fprintf(f, ", \"embedding\": ");
            print_floats(f, emb, (size_t)info.embedding_dim);
            fprintf(f, ", \"tokens\": [");
            for (size_t n = 0; n < N; n++) {
                if (n) fputc(',', f);
                if (vis[n]) print_floats(f, tok + n * D, D);
                else fputs("null", f);
            }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fprintf(f, "]}\n");
    int bad = fclose(f) != 0;
    free(emb); free(tok); free(imp); free(vis); free(x);
    wfm_model_free(m);
    return bad ? 1 : 0;
}
