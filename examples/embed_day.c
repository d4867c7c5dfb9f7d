/* The C API quick start (README): load a model, import a minute CSV with the
 * core's importer, and print each day's embedding size and how much of it was
 * filled. Built and run by `make test`.
 *
 *   embed_day MODEL.safetensors DAY.csv */
#include "wearfm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: embed_day MODEL.safetensors DAY.csv\n"); return 2; }
    wfm_error err;
    wfm_model *model;
    if (wfm_model_load_file(argv[1], NULL, &model, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    wfm_model_info info;
    wfm_model_get_info(model, &info);

    size_t len;
    char *text = slurp(argv[2], &len);
    wfm_minutes *table;
    if (!text || wfm_minutes_read_csv(text, len, &table, &err)) {
        fprintf(stderr, "%s: %s\n", argv[2], text ? err.message : "cannot read");
        return 1;
    }
    free(text);

    size_t tc = (size_t)info.window_minutes * info.n_channels;
    float *x = malloc(sizeof(float) * tc), *filled = malloc(sizeof(float) * tc);
    float *embedding = malloc(sizeof(float) * info.enc_dim);
    int64_t T = info.window_minutes, start = wfm_minutes_start(table) / T * T;
    int64_t stop = wfm_minutes_start(table) + (int64_t)wfm_minutes_length(table);
    for (int64_t w = start; w < stop; w += T) {
        if (!wfm_minutes_window(table, model, w, x)) continue;
        wfm_outputs out = {.embedding = embedding, .imputed = filled};
        if (wfm_run(model, x, &out, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
        size_t gaps = 0;
        for (size_t i = 0; i < tc; i++) gaps += isnan(x[i]);
        char day[20];
        wfm_format_minute(w, day);
        printf("%s: %d-d embedding from %d/%d visible tokens, %zu of %zu values filled\n", day, info.enc_dim,
               out.n_visible_tokens, info.n_tokens, gaps, tc);
    }
    free(x); free(filled); free(embedding);
    wfm_minutes_free(table);
    wfm_model_free(model);
    return 0;
}
