/* The window rule of waveform models (src/waveform/waveform_windows.c) on the WESAD
 * snippet and the w1/w2 fixtures: the checks against the model, the
 * resampling, full windows and their starts, the summary (observed,
 * motion_g), and the error bands of probes (src/probes/probe_io.c). */
#include "wearfm.h"
#include "testing.h"
#include "fixtures_data.h"
#include "wesad_data.h"
#include <stdint.h>

static wfm_model *load(const unsigned char *data, size_t size) {
    wfm_model *m = NULL;
    wfm_error err = {0};
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = 1;
    CHECK_MSG(wfm_model_load_buffer(data, size, &p, &m, &err) == WFM_OK, "%s", err.message);
    return m;
}

static wfm_waveform *read_e4(const unsigned char *data, size_t size) {
    wfm_waveform_options o = {WFM_WAVEFORM_E4, NULL, 0, 0};
    wfm_waveform *w = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_waveform_read_buffer(data, size, &o, &w, &err) == WFM_OK, "%s", err.message);
    return w;
}

/* prepare fails with `status` and a message containing `word`, leaving *out NULL. */
static int prepare_fails(const wfm_model *m, const wfm_waveform *w, wfm_status status, const char *word) {
    wfm_waveform *p = (wfm_waveform *)w;
    wfm_error err = {0};
    wfm_status st = wfm_waveform_prepare(m, w, &p, &err);
    if (st != status || p || !strstr(err.message, word)) {
        fprintf(stderr, "  status %d (wanted %d), message '%s', wanted '%s'\n", st, status, err.message, word);
        return 0;
    }
    return 1;
}

TEST(wesad_accelerometer_windows_for_w1) {
    wfm_model *m = load(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors); /* 16 Hz, T = 64 (4 s) */
    wfm_waveform *w = read_e4(wesad_ACC_csv, sizeof wesad_ACC_csv);      /* 32 Hz, 320 samples (10 s) */
    wfm_waveform *p = NULL;
    wfm_error err = {0};
    if (!m || !w) goto done;
    CHECK_MSG(wfm_waveform_prepare(m, w, &p, &err) == WFM_OK, "%s", err.message);
    if (!p) goto done;
    CHECK(p->rate == 16 && p->channels == 3 && p->n == 160 && p->start == w->start && !strcmp(p->unit, "g"));
    /* the resampler's output, nothing else */
    float *y = malloc(160 * 3 * sizeof *y);
    CHECK(wfm_resample(w->samples, w->n, 3, 32, 16, y, 160, NULL) == WFM_OK);
    CHECK(!memcmp(y, p->samples, 160 * 3 * sizeof *y));
    free(y);
    /* full windows only: 0-4 s and 4-8 s; with a 1 s stride, starts 0..6 s */
    CHECK(wfm_waveform_window_count(m, p, 0) == 2 && wfm_waveform_window_count(m, p, 64) == 2);
    CHECK(wfm_waveform_window_count(m, p, 16) == 7 && wfm_waveform_window_count(m, p, 97) == 1);
    float x[64 * 3];
    double start = 0;
    wfm_window_summary s;
    CHECK(wfm_waveform_window(m, p, 6, 16, x, &start, &s, &err) == WFM_OK);
    CHECK(start == w->start + 6 && !memcmp(x, p->samples + 96 * 3, sizeof x));
    CHECK(s.observed == 1 && s.motion_g >= 0 && s.motion_g < 0.05); /* a wrist at rest */
    CHECK(wfm_waveform_window(m, p, 1, 0, x, &start, NULL, &err) == WFM_OK && start == w->start + 4);
    float emb[8];
    CHECK_MSG(wfm_embed(m, x, emb, &err) == WFM_OK, "%s", err.message);
    /* out of range, and a waveform that was not prepared */
    CHECK(wfm_waveform_window(m, p, 7, 16, x, NULL, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "window 7 of 7"));
    CHECK(wfm_waveform_window(m, w, 0, 0, x, NULL, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "not prepared"));
done:
    wfm_waveform_free(p);
    wfm_waveform_free(w);
    wfm_model_free(m);
}

TEST(wesad_ppg_windows_for_w2) {
    wfm_model *m = load(wfm_fx_w2_safetensors, sizeof wfm_fx_w2_safetensors); /* PPG, 25 Hz, T = 50 (2 s) */
    wfm_waveform *w = read_e4(wesad_BVP_csv, sizeof wesad_BVP_csv);      /* 64 Hz, 640 samples */
    wfm_waveform *p = NULL;
    wfm_error err = {0};
    if (!m || !w) goto done;
    CHECK_MSG(wfm_waveform_prepare(m, w, &p, &err) == WFM_OK, "%s", err.message);
    if (!p) goto done;
    CHECK(p->rate == 25 && p->n == 250 && wfm_waveform_window_count(m, p, 0) == 5);
    float x[50];
    wfm_window_summary s;
    CHECK(wfm_waveform_window(m, p, 4, 0, x, NULL, &s, &err) == WFM_OK);
    CHECK(s.observed == 1 && isnan(s.motion_g)); /* no acceleration in a PPG window */
done:
    wfm_waveform_free(p);
    wfm_waveform_free(w);
    wfm_model_free(m);
}

TEST(prepare_refuses_what_does_not_fit) {
    wfm_model *w1 = load(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors);
    wfm_model *w2 = load(wfm_fx_w2_safetensors, sizeof wfm_fx_w2_safetensors);
    wfm_model *v1 = load(wfm_fx_v1_safetensors, sizeof wfm_fx_v1_safetensors);
    wfm_waveform *acc = read_e4(wesad_ACC_csv, sizeof wesad_ACC_csv), *bvp = read_e4(wesad_BVP_csv, sizeof wesad_BVP_csv);
    if (w1 && w2 && v1 && acc && bvp) {
        CHECK(prepare_fails(w1, bvp, WFM_ERR_INVALID_ARG, "the model (accelerometer) takes 3 channels; the waveform has 1"));
        CHECK(prepare_fails(w2, acc, WFM_ERR_INVALID_ARG, "the model (ppg) takes 1 channel; the waveform has 3"));
        CHECK(prepare_fails(v1, acc, WFM_ERR_UNSUPPORTED, "reads minute tables"));
        /* one axis of an accelerometer, in g, is not PPG */
        const char *csv = "timestamp,x\n0,1\n0.04,1\n0.08,1\n";
        wfm_waveform_options o = {WFM_WAVEFORM_CSV, "g", 0, 0};
        wfm_waveform *g = NULL;
        CHECK(wfm_waveform_read_buffer(csv, strlen(csv), &o, &g, NULL) == WFM_OK);
        if (g) CHECK(prepare_fails(w2, g, WFM_ERR_INVALID_ARG, "takes samples as recorded; the waveform's are in g"));
        wfm_waveform_free(g);
        /* three columns as recorded (not an accelerometer file) */
        wfm_waveform raw = *acc;
        raw.unit = "";
        CHECK(prepare_fails(w1, &raw, WFM_ERR_INVALID_ARG, "takes samples in g; the waveform's are as recorded"));
    }
    wfm_waveform_free(acc);
    wfm_waveform_free(bvp);
    wfm_model_free(w1);
    wfm_model_free(w2);
    wfm_model_free(v1);
}

TEST(summary_observed_and_motion) {
    wfm_model *m = load(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors);
    if (!m) return;
    /* |a| alternates 1.0 and 1.2 g: mean 1.1, population std 0.1; samples 5
     * and 6 (one of each) lose an axis and are not observed */
    float x[64 * 3];
    for (int t = 0; t < 64; t++) {
        x[t * 3] = t % 2 ? 0.72f : 0.6f; /* (0.72, 0.96, 0) has |a| = 1.2; (0.6, 0.8, 0) 1.0 */
        x[t * 3 + 1] = t % 2 ? 0.96f : 0.8f;
        x[t * 3 + 2] = 0;
    }
    x[5 * 3 + 2] = NAN;
    x[6 * 3 + 0] = NAN;
    wfm_window_summary s;
    wfm_window_summarize(m, x, &s);
    CHECK_NEAR(s.observed, 62.0 / 64, 1e-15);
    CHECK_NEAR(s.motion_g, 0.1, 1e-7);
    for (int i = 0; i < 64 * 3; i++) x[i] = NAN;
    wfm_window_summarize(m, x, &s);
    CHECK(s.observed == 0 && isnan(s.motion_g));
    wfm_model_free(m);
}

/* ---- error bands of probes ---- */

static wfm_probe *ridge_probe(void) {
    float X[40], y[20];
    for (int i = 0; i < 20; i++) {
        X[2 * i] = (float)i;
        X[2 * i + 1] = (float)((i * 7) % 5);
        y[i] = 60 + 2.0f * (float)i;
    }
    wfm_probe_params p = wfm_probe_default_params();
    p.task = WFM_PROBE_RIDGE;
    wfm_probe *pr = NULL;
    CHECK(wfm_probe_fit(X, 20, 2, NULL, y, NULL, &p, &pr, NULL) == WFM_OK);
    return pr;
}

static int bands_fail(wfm_probe *pr, const char *json, const char *word) {
    wfm_error err = {0};
    wfm_status st = wfm_probe_set_error_bands(pr, json, strlen(json), &err);
    if (st != WFM_ERR_FORMAT || !strstr(err.message, word)) {
        fprintf(stderr, "  '%s': status %d, message '%s', wanted '%s'\n", json, st, err.message, word);
        return 0;
    }
    return 1;
}

TEST(error_bands) {
    wfm_probe *pr = ridge_probe();
    if (!pr) return;
    wfm_probe_error_bands b;
    wfm_window_summary s = {1.0, 0.03};
    CHECK(!wfm_probe_get_error_bands(pr, &b) && isnan(wfm_probe_expected_error(pr, &s)));
    const char *json = "{\"by\": \"motion_g\", \"edges\": [0.01, 0.05, 0.2], \"mae_bpm\": [4.1, 6.0, 9.5, 14.0]}";
    wfm_error err = {0};
    CHECK_MSG(wfm_probe_set_error_bands(pr, json, strlen(json), &err) == WFM_OK, "%s", err.message);
    CHECK(wfm_probe_get_error_bands(pr, &b) && !strcmp(b.by, "motion_g") && b.n_edges == 3 && b.mae[3] == 14.0);
    const double motion[] = {0, 0.0099, 0.01, 0.049, 0.05, 0.2, 3}, want[] = {4.1, 4.1, 6.0, 6.0, 9.5, 14.0, 14.0};
    for (int i = 0; i < 7; i++) {
        s.motion_g = motion[i];
        CHECK_MSG(wfm_probe_expected_error(pr, &s) == want[i], "motion %g", motion[i]);
    }
    s.motion_g = NAN;
    CHECK(isnan(wfm_probe_expected_error(pr, &s)));
    /* kept through a file */
    void *buf = NULL;
    size_t n = 0;
    wfm_probe *back = NULL;
    CHECK(wfm_probe_save_buffer(pr, &buf, &n, NULL) == WFM_OK);
    CHECK(wfm_probe_load_buffer(buf, n, &back, &err) == WFM_OK);
    s.motion_g = 0.1;
    CHECK(back && wfm_probe_expected_error(back, &s) == 9.5);
    wfm_probe_free(back);
    /* a file whose bands are malformed is refused (the same parser) */
    char *at = NULL;
    for (size_t i = 0; buf && !at && i + 8 <= n; i++)
        if (!memcmp((char *)buf + i, "motion_g", 8)) at = (char *)buf + i;
    CHECK(at != NULL);
    if (at) {
        memcpy(at, "motion_x", 8);
        back = NULL;
        CHECK(wfm_probe_load_buffer(buf, n, &back, &err) == WFM_ERR_FORMAT && !back && strstr(err.message, "\"by\""));
    }
    wfm_probe_buffer_free(buf);
    /* strict: each fault named, and the probe keeps its bands */
    CHECK(bands_fail(pr, "[1]", "must be an object"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [1], \"mae_bpm\": [1, 2], \"unit\": 1}", "unknown key \"unit\""));
    CHECK(bands_fail(pr, "{\"by\": \"speed\", \"edges\": [1], \"mae_bpm\": [1, 2]}", "\"by\" must be"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [], \"mae_bpm\": [1]}", "1..16 numbers"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [1, 1], \"mae_bpm\": [1, 2, 3]}", "increase strictly"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [1, 2], \"mae_bpm\": [1, 2]}", "array of 3 numbers"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [1], \"mae_bpm\": [1, -2]}", "[1] must be a number >= 0"));
    CHECK(bands_fail(pr, "{\"by\": \"motion_g\", \"edges\": [\"a\"], \"mae_bpm\": [1, 2]}", "[0] is not a number"));
    CHECK(bands_fail(pr, "{\"by\": ", "json"));
    s.motion_g = 0.1;
    CHECK(wfm_probe_expected_error(pr, &s) == 9.5);
    /* by the observed fraction; null removes them */
    const char *obs = "{\"by\": \"observed\", \"edges\": [0.5], \"mae_bpm\": [20, 5]}";
    CHECK(wfm_probe_set_error_bands(pr, obs, strlen(obs), NULL) == WFM_OK);
    s.observed = 0.4;
    CHECK(wfm_probe_expected_error(pr, &s) == 20);
    CHECK(wfm_probe_set_error_bands(pr, "null", 4, NULL) == WFM_OK && !wfm_probe_get_error_bands(pr, &b));
    wfm_probe_free(pr);
    /* a classifier has no absolute error */
    float X[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    int labels[8] = {0, 0, 0, 1, 0, 1, 1, 1};
    wfm_probe *cls = NULL;
    CHECK(wfm_probe_fit(X, 8, 1, labels, NULL, NULL, NULL, &cls, NULL) == WFM_OK);
    if (cls) CHECK(bands_fail(cls, json, "regression probe"));
    wfm_probe_free(cls);
}

int main(void) {
    RUN(wesad_accelerometer_windows_for_w1);
    RUN(wesad_ppg_windows_for_w2);
    RUN(prepare_refuses_what_does_not_fit);
    RUN(summary_observed_and_motion);
    RUN(error_bands);
    return TEST_SUMMARY();
}
