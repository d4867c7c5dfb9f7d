/* wearfm as one engine of `make bench-vs-ort` (bench/vs_ort.py): it loads a
 * model and one day of minutes, then embeds the day each time it is asked,
 * so that the driver can interleave it with onnxruntime (A B A B ...) on
 * warmed processes.
 *
 *   bench_engine MODEL DAY.f32 THREADS
 *
 * DAY.f32 holds the window's T x C minutes (little-endian float32, NaN
 * missing: what wfm_run takes; tools/onnx_export.py day writes it).
 * Protocol, one line each way:
 *   -> "ready load_s=S tokens=N"      after loading
 *   <- "run"   -> "time_s=S visible=V" one embedding of the day
 *   <- "emb"   -> "emb V0 V1 ..."      the last embedding (%.9g)
 *   <- "quit"  -> "peak_mb=M"          peak RSS natively, linear memory in WASI
 * Errors go to stderr with exit status 1. */
#include "wearfm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_common.h"

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: bench_engine MODEL DAY.f32 THREADS\n"); return 2; }
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = atoi(argv[3]);
    wfm_model *m = NULL;
    wfm_error err = {0};
    double t0 = bench_now();
    if (wfm_model_load_file(argv[1], &p, &m, &err)) { fprintf(stderr, "%s: %s\n", argv[1], err.message); return 1; }
    double t_load = bench_now() - t0;
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    size_t n = (size_t)info.window_minutes * info.n_channels;
    float *x = malloc(sizeof(float) * n), *emb = malloc(sizeof(float) * info.enc_dim);
    FILE *f = fopen(argv[2], "rb");
    if (!x || !emb || !f || fread(x, sizeof(float), n, f) != n || fgetc(f) != EOF) {
        fprintf(stderr, "%s: expected exactly %zu float32 values (%d min x %d channels)\n", argv[2], n,
                info.window_minutes, info.n_channels);
        return 1;
    }
    fclose(f);
    printf("ready load_s=%.6f tokens=%d\n", t_load, info.n_tokens);
    fflush(stdout);
    char line[64];
    int nv = -1;
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "run", 3)) {
            wfm_outputs o = {0};
            o.embedding = emb;
            double s = bench_now();
            if (wfm_run(m, x, &o, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
            nv = o.n_visible_tokens;
            printf("time_s=%.6f visible=%d\n", bench_now() - s, nv);
        } else if (!strncmp(line, "emb", 3)) {
            printf("emb");
            for (int i = 0; i < info.enc_dim; i++) printf(" %.9g", nv > 0 ? emb[i] : 0.0f);
            printf("\n");
        } else if (!strncmp(line, "quit", 4)) {
            break;
        } else {
            fprintf(stderr, "unknown command: %s", line);
            return 1;
        }
        fflush(stdout);
    }
    printf("peak_mb=%.1f\n", bench_peak_mb());
    fflush(stdout);
    free(x);
    free(emb);
    wfm_model_free(m);
    return 0;
}
