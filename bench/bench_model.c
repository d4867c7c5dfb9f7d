/* Full-day embedding time for the paper config (26 channels x 1440 min,
 * encoder 12/384/6/1536, decoder 4/256/8/1024) at 0%, 50% and 80% missing
 * tokens, on one thread, and the peak memory of the process.
 *
 *   bench_model --write MODEL.safetensors     write a random paper model
 *   bench_model MODEL.safetensors [reps]      time it
 *
 * Native reports peak RSS; WASI reports the linear memory size, which only
 * grows, so it is the peak. */
#include "wearfm.h"
#include "../tests/model_builder.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_common.h"

static const mb_config PAPER = {.T = 1440, .P = 10, .C = 26, .de = 384, .le = 12, .he = 6, .me = 1536,
                                .dd = 256, .ld = 4, .hd = 8, .md = 1024};


int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--write")) {
        size_t size;
        uint8_t *buf = mb_build(&PAPER, 42, &size);
        FILE *f = fopen(argv[2], "wb");
        if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) { fprintf(stderr, "cannot write %s\n", argv[2]); return 1; }
        printf("wrote %s (%.1f MB)\n", argv[2], size / 1048576.0);
        free(buf);
        return 0;
    }
    if (argc < 2) { fprintf(stderr, "usage: bench_model --write PATH | bench_model PATH [reps]\n"); return 2; }
    int reps = argc > 2 ? atoi(argv[2]) : 2;
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = 1;
    wfm_model *m = NULL;
    wfm_error err = {0};
    double t0 = bench_now();
    if (wfm_model_load_file(argv[1], &p, &m, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
    double t_load = bench_now() - t0;
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    size_t tc = (size_t)info.window_minutes * info.n_channels;
    float *x = malloc(sizeof(float) * tc), *emb = malloc(sizeof(float) * info.enc_dim);
    printf("model: %d tokens/day, %zu parameters, loaded in %.2f s; 1 thread\n", info.n_tokens, info.n_params, t_load);
    printf("| missing tokens | visible tokens | embed time (s) | speed-up vs 0%% |\n|---|---|---|---|\n");
    double base = 0;
    static const int pcts[] = {0, 50, 80};
    for (int k = 0; k < 3; k++) {
        unsigned seed = 1000 + pcts[k];
        int NP = info.window_minutes / info.patch_minutes;
        for (int c = 0; c < info.n_channels; c++)
            for (int pt = 0; pt < NP; pt++) {
                int drop = (int)(wfm_t_rand(&seed) % 100) < pcts[k];
                for (int i = 0; i < info.patch_minutes; i++)
                    x[(size_t)(pt * info.patch_minutes + i) * info.n_channels + c] =
                        drop ? NAN : 50.0f + 10.0f * wfm_t_uniform(&seed);
            }
        double best = 1e30;
        int nv = 0;
        for (int r = 0; r < reps; r++) {
            wfm_outputs o = {0};
            o.embedding = emb;
            double s = bench_now();
            if (wfm_run(m, x, &o, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
            double e = bench_now() - s;
            if (e < best) best = e;
            nv = o.n_visible_tokens;
        }
        if (k == 0) base = best;
        printf("| %d%% | %d | %.3f | %.2fx |\n", pcts[k], nv, best, base / best);
    }
    printf("%s: %.1f MB\n", BENCH_PEAK_LABEL, bench_peak_mb());
    free(x); free(emb);
    wfm_model_free(m);
    return 0;
}
