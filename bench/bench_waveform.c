/* Windows per second of wfm_embed for the accelerometer waveform encoder
 * (30-s windows of 960 samples x 3 axes at 32 Hz, 1-s patches -> 30 tokens;
 * encoder 64 wide, 3 layers, 4 heads, MLP 256; projection 64) on one
 * thread, at 0% and 50% missing tokens (AIM compaction: a token with a
 * missing sample is dropped before the encoder), best of batches after a
 * warm-up; the process's peak memory as bench_model reports it; and the
 * ratio to real time (a window covers 30 s of signal).
 *
 *   bench_waveform [MODEL] [reps] [batch]   time it (default MODEL: the shipped
 *                                           models/wearfm-accel-wesad.safetensors;
 *                                           a random model of the same shape when
 *                                           the file is absent)
 *   bench_waveform --write PATH             write that random model (for the
 *                                           PyTorch baseline, bench/bench_waveform_torch.py)
 *   bench_waveform --windows PATH [batch]   write the timed windows, float32
 *                                           [2 (0%, 50%), batch, T, C], little-endian
 *
 * The windows are made here from a fixed seed: gravity (1 g) in a random
 * direction, slow arm motion and sensor noise, in g; at 50% a random half
 * of the 30 patches (exactly 15) lose one sample each, so 15 tokens remain.
 * Each batch is timed in wall-clock and in process CPU time; the best of
 * each is reported (windows/s, and the CPU figure beside it: on a machine
 * shared with other jobs the wall clock also counts waiting for a core).
 * Native reports peak RSS; WASI the linear memory size (it only grows). */
#define _POSIX_C_SOURCE 200112L /* clock_gettime */
#include "wearfm.h"
#include "model/config.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_common.h"

#define SHIPPED "models/wearfm-accel-wesad.safetensors"

/* Process CPU time (what waiting for a core on a loaded machine does not
 * inflate); the monotonic clock where the runtime has no CPU clock. */
static double cpu_now(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)) return bench_now();
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* tools/accel_train.py config('accelerometer', proj_dim=64), keys sorted as tools/waveform_ref.py config_json. */
static const char *ACCEL_CONFIG =
    "{\"architecture\":\"waveform_encoder\",\"channels\":["
    "{\"clip\":8.0,\"mean\":0.0,\"name\":\"acc_x\",\"std\":1.0,\"unit\":\"g\"},"
    "{\"clip\":8.0,\"mean\":0.0,\"name\":\"acc_y\",\"std\":1.0,\"unit\":\"g\"},"
    "{\"clip\":8.0,\"mean\":0.0,\"name\":\"acc_z\",\"std\":1.0,\"unit\":\"g\"}],"
    "\"encoder\":{\"dim\":64,\"heads\":4,\"layers\":3,\"mlp_dim\":256},\"format_version\":2,"
    "\"input_norm\":\"fixed\",\"norm_eps\":1e-06,\"patch_samples\":32,\"projection\":{\"dim\":64},"
    "\"sample_rate_hz\":32,\"signal\":\"accelerometer\",\"window_samples\":960,\"window_std_floor\":0.001}";

static uint32_t rng_next(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s;
}
static float rng_unit(uint32_t *s) { return (float)(rng_next(s) >> 8) * (1.0f / 16777216.0f); } /* [0, 1) */
static float rng_normal(uint32_t *s) {
    float u = rng_unit(s) + 1e-7f, v = rng_unit(s);
    return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

/* A safetensors image of the accelerometer config with PyTorch-like random
 * weights (nn.Linear's U(+-1/sqrt(fan_in)), LayerNorm 1 and 0). */
static uint8_t *random_model(size_t *size) {
    wfm_config c;
    wfm_error e = {0};
    if (wfm_config_parse(ACCEL_CONFIG, strlen(ACCEL_CONFIG), &c, &e)) { fprintf(stderr, "config: %s\n", e.message); return NULL; }
    size_t n = wfm_config_tensor_count(&c), cap = 1 << 16, h = 0;
    wfm_tensor_spec *specs = malloc(n * sizeof *specs);
    char *hdr = malloc(cap);
    if (!specs || !hdr || wfm_config_expected_tensors(&c, specs, n, &n, &e)) { free(specs); free(hdr); wfm_config_free(&c); return NULL; }
    h += (size_t)snprintf(hdr + h, cap - h, "{\"__metadata__\":{\"wearfm.config\":\"");
    for (const char *p = ACCEL_CONFIG; *p; p++) {
        if (*p == '"') hdr[h++] = '\\';
        hdr[h++] = *p;
    }
    h += (size_t)snprintf(hdr + h, cap - h, "\",\"wearfm.note\":\"random weights (bench/bench_waveform.c)\"}");
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t numel = specs[i].shape[0] * (specs[i].ndim > 1 ? specs[i].shape[1] : 1);
        h += (size_t)snprintf(hdr + h, cap - h, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[%llu", specs[i].name,
                              (unsigned long long)specs[i].shape[0]);
        if (specs[i].ndim > 1) h += (size_t)snprintf(hdr + h, cap - h, ",%llu", (unsigned long long)specs[i].shape[1]);
        h += (size_t)snprintf(hdr + h, cap - h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                              (unsigned long long)(off + 4 * numel));
        off += 4 * numel;
    }
    h += (size_t)snprintf(hdr + h, cap - h, "}");
    while ((8 + h) % 8) hdr[h++] = ' '; /* tensor data 8-byte aligned, as PyTorch's writer pads */
    uint8_t *buf = malloc(8 + h + off);
    if (!buf) { free(specs); free(hdr); wfm_config_free(&c); return NULL; }
    for (int b = 0; b < 8; b++) buf[b] = (uint8_t)((uint64_t)h >> (8 * b));
    memcpy(buf + 8, hdr, h);
    uint32_t seed = 12345;
    float *data = (float *)(void *)(buf + 8 + h);
    /* a bias's fan-in is its weight's (the tensor before it) */
    uint64_t fan_in = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t numel = specs[i].shape[0] * (specs[i].ndim > 1 ? specs[i].shape[1] : 1);
        int norm = strstr(specs[i].name, "norm") != NULL, weight = strstr(specs[i].name, ".weight") != NULL;
        if (specs[i].ndim > 1) fan_in = specs[i].shape[1];
        float bound = 1.0f / sqrtf((float)fan_in);
        for (uint64_t k = 0; k < numel; k++) {
            float v = norm ? (weight ? 1.0f : 0.0f) : bound * (2.0f * rng_unit(&seed) - 1.0f);
            memcpy(data + k, &v, 4);
        }
        data += numel;
    }
    *size = 8 + h + off;
    free(specs); free(hdr);
    wfm_config_free(&c);
    return buf;
}

/* batch windows [T x C] at 0% (set 0) or 50% (set 1) missing tokens. */
static float *make_windows(int set, int batch, int T, int P, int C) {
    float *x = malloc(sizeof(float) * (size_t)batch * T * C);
    uint32_t s = 777u + 31u * (uint32_t)set;
    const int NP = T / P;
    for (int b = 0; b < batch; b++) {
        float *w = x + (size_t)b * T * C;
        float g[3] = {rng_normal(&s), rng_normal(&s), rng_normal(&s)};
        float gn = sqrtf(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) + 1e-6f;
        float amp = 0.05f + 0.4f * rng_unit(&s), f = 0.5f + 2.5f * rng_unit(&s), ph = 6.2831853f * rng_unit(&s);
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++)
                w[t * C + c] = (c < 3 ? g[c] / gn : 0.0f) +
                               amp * sinf(6.2831853f * f * t / 32.0f + ph + 2.0f * c) + 0.02f * rng_normal(&s);
        if (set == 1) { /* exactly half the patches lose one sample */
            int order[4096];
            for (int k = 0; k < NP; k++) order[k] = k;
            for (int k = NP - 1; k > 0; k--) {
                int j = (int)(rng_next(&s) % (uint32_t)(k + 1)), t = order[k];
                order[k] = order[j];
                order[j] = t;
            }
            for (int k = 0; k < NP / 2; k++) w[(order[k] * P + (int)(rng_next(&s) % (uint32_t)P)) * C] = NAN;
        }
    }
    return x;
}

static int write_file(const char *path, const void *buf, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) { fprintf(stderr, "cannot write %s\n", path); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--write")) {
        size_t size;
        uint8_t *buf = random_model(&size);
        if (!buf || write_file(argv[2], buf, size)) return 1;
        printf("wrote %s (%.2f MB, random weights)\n", argv[2], size / 1048576.0);
        free(buf);
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[1], "--windows")) {
        int batch = argc > 3 ? atoi(argv[3]) : 64;
        FILE *f = fopen(argv[2], "wb");
        for (int set = 0; f && set < 2; set++) {
            float *x = make_windows(set, batch, 960, 32, 3);
            if (fwrite(x, sizeof(float), (size_t)batch * 960 * 3, f) != (size_t)batch * 960 * 3) { fclose(f); f = NULL; }
            free(x);
        }
        if (!f || fclose(f)) { fprintf(stderr, "cannot write %s\n", argv[2]); return 1; }
        printf("wrote %s: 2 x %d windows of 960 x 3\n", argv[2], batch);
        return 0;
    }
    const char *path = argc > 1 ? argv[1] : SHIPPED;
    int reps = argc > 2 ? atoi(argv[2]) : 10, batch = argc > 3 ? atoi(argv[3]) : 64;
    if (reps < 1 || batch < 1) { fprintf(stderr, "usage: bench_waveform [MODEL] [reps >= 1] [batch >= 1]\n"); return 2; }
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = 1;
    wfm_model *m = NULL;
    wfm_error err = {0};
    const char *what = path;
    FILE *probe = fopen(path, "rb");
    if (probe) {
        fclose(probe);
        if (wfm_model_load_file(path, &p, &m, &err)) { fprintf(stderr, "%s: %s\n", path, err.message); return 1; }
    } else {
        size_t size;
        uint8_t *buf = random_model(&size);
        if (!buf || wfm_model_load_buffer(buf, size, &p, &m, &err)) { fprintf(stderr, "random model: %s\n", err.message); return 1; }
        free(buf);
        what = "a random model of the accelerometer shape (no file at the path given)";
    }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    if (info.family != WFM_FAMILY_WAVEFORM) { fprintf(stderr, "%s is not a waveform model\n", path); return 1; }
    const int T = info.window_samples, P = info.patch_samples, C = info.n_channels, E = info.embedding_dim;
    const double window_s = T / (double)info.sample_rate_hz;
    printf("model: %s\n", what);
    printf("%s %s, %d samples x %d channels at %g Hz (%g s), %d tokens; encoder %d/%d/%d/%d, embedding %d; "
           "%zu parameters; %s, 1 thread, best of %d batches of %d windows after a warm-up batch\n\n",
           info.architecture, info.signal, T, C, (double)info.sample_rate_hz, window_s, info.n_tokens, info.enc_dim,
           info.enc_layers, info.enc_heads, info.enc_mlp_dim, E, info.n_params, BENCH_BUILD, reps, batch);
    printf("| missing tokens | visible tokens | windows/s | ms per window | x real time | speed-up vs 0%% | "
           "windows/s in CPU time |\n|---|---|---|---|---|---|---|\n");
    float *emb = malloc(sizeof(float) * (size_t)E);
    double base = 0;
    for (int set = 0; set < 2; set++) {
        float *x = make_windows(set, batch, T, P, C);
        double best = 1e30, best_cpu = 1e30;
        int nv = 0;
        for (int r = 0; r <= reps; r++) { /* r = 0: the warm-up */
            double s = bench_now(), sc = cpu_now();
            for (int b = 0; b < batch; b++) {
                wfm_outputs o = {0};
                o.embedding = emb;
                if (wfm_run(m, x + (size_t)b * T * C, &o, &err)) { fprintf(stderr, "%s\n", err.message); return 1; }
                nv = o.n_visible_tokens;
            }
            double e = bench_now() - s, ec = cpu_now() - sc;
            if (r && e < best) best = e;
            if (r && ec < best_cpu) best_cpu = ec;
        }
        double wps = batch / best;
        if (set == 0) base = wps;
        printf("| %d%% | %d | %.1f | %.3f | %.0fx | %.2fx | %.1f |\n", set ? 50 : 0, nv, wps, 1e3 / wps, wps * window_s,
               wps / base, batch / best_cpu);
        free(x);
    }
    printf("\n%s: %.1f MB\n", BENCH_PEAK_LABEL, bench_peak_mb());
    free(emb);
    wfm_model_free(m);
    return 0;
}
