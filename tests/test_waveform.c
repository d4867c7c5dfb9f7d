/* The waveform_encoder family outside its numbers (those are
 * test_waveform_fixtures.c): its config rules and their messages, its
 * tensor table, the loader's checks of a file against it, and what the
 * public API does with a waveform model (info, refusals, missing data). */
#include "wearfm.h"
#include "model/config.h"
#include "model/safetensors.h"
#include "testing.h"
#include "fixtures_data.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int verbose;

/* A config from its parts: the window keys, the channels, the encoder and
 * whatever else (`rest`, starting with a comma or empty). */
#define WAVE_HEAD "\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"accelerometer\"," \
                  "\"sample_rate_hz\":32,\"window_samples\":64,\"patch_samples\":8,\"input_norm\":\"window_z\""
#define WAVE_CH "[{\"name\":\"x\",\"unit\":\"g\",\"mean\":0,\"std\":0.5,\"clip\":6},{\"name\":\"y\"},{\"name\":\"z\",\"mean\":1}]"
#define WAVE_ENC "\"encoder\":{\"dim\":6,\"layers\":2,\"heads\":3,\"mlp_dim\":12}"
#define WAVE(rest) "{" WAVE_HEAD ",\"channels\":" WAVE_CH "," WAVE_ENC rest "}"

static int rejected(wfm_status st, const wfm_error *e, wfm_status want, const char *text) {
    if (verbose) printf("    -> %s\n", e->message);
    return st == want && e->status == st && strstr(e->message, text) != NULL;
}

#define CFG_FAIL(json, text)                                                                       \
    do {                                                                                           \
        wfm_config c_;                                                                             \
        wfm_error e_ = {0};                                                                        \
        const char *j_ = (json);                                                                   \
        wfm_status s_ = wfm_config_parse(j_, strlen(j_), &c_, &e_);                                \
        CHECK_MSG(rejected(s_, &e_, WFM_ERR_CONFIG, text), "%s -> %d '%s' (want '%s')", j_, s_, e_.message, text); \
        if (s_ == WFM_OK) wfm_config_free(&c_);                                                   \
    } while (0)

TEST(config_valid_and_defaults) {
    wfm_config c;
    wfm_error e = {0};
    const char *j = WAVE(",\"training\":{\"note\":\"ignored\"}");
    CHECK_MSG(wfm_config_parse(j, strlen(j), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.family == WFM_FAMILY_WAVEFORM && !strcmp(c.architecture, "waveform_encoder"));
    CHECK(!strcmp(c.wave.signal, "accelerometer") && c.wave.sample_rate_hz == 32.0f);
    CHECK(c.wave.window_samples == 64 && c.wave.patch_samples == 8 && c.wave.window_z == 1);
    CHECK(c.wave.window_std_floor == 1e-3f && c.norm_eps == 1e-6f && c.wave.proj_dim == 0);
    CHECK(c.window_minutes == 0 && c.patch_minutes == 0 && !c.has_decoder);
    CHECK(c.n_channels == 3 && c.channels[0].clip_min == -6.0f && c.channels[0].clip_max == 6.0f);
    /* omitted unit, mean, std, clip: "", 0, 1, 10 */
    CHECK(!strcmp(c.channels[1].unit, "") && c.channels[1].mean == 0 && c.channels[1].std == 1 &&
          c.channels[1].clip_max == 10 && c.channels[2].mean == 1);
    CHECK(c.enc.dim == 6 && c.enc.heads == 3); /* 1D positions: an even dim is enough */
    wfm_config_free(&c);
    j = WAVE(",\"projection\":{\"dim\":5},\"window_std_floor\":0.01,\"norm_eps\":1e-5");
    CHECK_MSG(wfm_config_parse(j, strlen(j), &c, &e) == WFM_OK, "%s", e.message);
    CHECK(c.wave.proj_dim == 5 && c.wave.window_std_floor == 0.01f && c.norm_eps == 1e-5f);
    wfm_config_free(&c);
    j = WAVE(",\"projection\":null");
    CHECK_MSG(wfm_config_parse(j, strlen(j), &c, &e) == WFM_OK && c.wave.proj_dim == 0, "%s", e.message);
    wfm_config_free(&c);
}

TEST(config_rejections) {
    const char *fv1 = "{\"format_version\":1,\"architecture\":\"waveform_encoder\"}";
    CFG_FAIL(fv1, "architecture 'waveform_encoder' needs format_version 2 (got 1)");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform\"}",
             "architecture 'waveform' is not supported (expected 'lsm2_mae' or 'waveform_encoder')");
    /* the window */
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\"}", "signal is missing");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ecg\"}",
             "signal must be 'accelerometer' or 'ppg' (got 'ecg')");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ppg\"}", "sample_rate_hz is missing");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ppg\",\"sample_rate_hz\":\"32\"}",
             "sample_rate_hz must be a number");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ppg\",\"sample_rate_hz\":0.5}",
             "sample_rate_hz must be in [1, 2000] (got 0.5)");
    CFG_FAIL("{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ppg\",\"sample_rate_hz\":4000}",
             "sample_rate_hz must be in [1, 2000]");
    const char *base = "{\"format_version\":2,\"architecture\":\"waveform_encoder\",\"signal\":\"ppg\",\"sample_rate_hz\":25";
    char j[1024];
#define WITH(s) (snprintf(j, sizeof j, "%s%s}", base, s), j)
    CFG_FAIL(WITH(""), "window_samples is missing");
    CFG_FAIL(WITH(",\"window_samples\":100"), "patch_samples is missing");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":30"),
             "window_samples (100) must be a multiple of patch_samples (30)");
    CFG_FAIL(WITH(",\"window_samples\":10,\"patch_samples\":20"), "window_samples (10) must be a multiple of patch_samples (20)");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":0"), "patch_samples must be in 1..65536 (got 0)");
    CFG_FAIL(WITH(",\"window_samples\":70000,\"patch_samples\":10"), "window_samples must be in 1..65536");
    CFG_FAIL(WITH(",\"window_samples\":100.5,\"patch_samples\":10"), "window_samples must be an integer");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":10"), "input_norm is missing");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":10,\"input_norm\":\"robust\""),
             "input_norm must be 'fixed' or 'window_z' (got 'robust')");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":10,\"input_norm\":\"fixed\",\"window_std_floor\":0"),
             "window_std_floor must be > 0 (got 0)");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":10,\"input_norm\":\"fixed\",\"norm_eps\":-1"),
             "norm_eps must be > 0");
    CFG_FAIL(WITH(",\"window_samples\":100,\"patch_samples\":10,\"input_norm\":\"fixed\""), "channels is missing");
#undef WITH
    /* channels */
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[]}", "channels must be an array of 1..16 channels (got 0)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":{}}", "channels must be an array of 1..16 channels");
    {
        char big[2048];
        size_t n = (size_t)snprintf(big, sizeof big, "{" WAVE_HEAD ",\"channels\":[");
        for (int i = 0; i < 17; i++) n += (size_t)snprintf(big + n, sizeof big - n, "%s{\"name\":\"c%d\"}", i ? "," : "", i);
        snprintf(big + n, sizeof big - n, "]," WAVE_ENC "}");
        CFG_FAIL(big, "channels must be an array of 1..16 channels (got 17)");
    }
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[7]}", "channels[0] must be an object");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"unit\":\"g\"}]}", "channels[0].name is missing");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\"},{\"name\":\"x\"}]}", "channels[1].name 'x' repeats channels[0].name");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\",\"std\":0}]}", "channels[0].std must be > 0 (got 0)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\",\"clip\":-1}]}", "channels[0].clip must be > 0 (got -1)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\",\"clip\":[-5,5]}]}", "channels[0].clip must be a number");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\",\"mean\":null}]}", "channels[0].mean must be a number (got null)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":[{\"name\":\"x\",\"kind\":\"count\"}]}", "a waveform channel has no kind, range or levels");
    /* encoder, projection */
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":" WAVE_CH "}", "encoder is missing");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":" WAVE_CH ",\"encoder\":{\"dim\":9,\"layers\":1,\"heads\":3,\"mlp_dim\":8}}",
             "encoder.dim must be even for 1D sin-cos positions (got 9)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":" WAVE_CH ",\"encoder\":{\"dim\":8,\"layers\":1,\"heads\":3,\"mlp_dim\":8}}",
             "encoder.dim (8) must be divisible by encoder.heads (3)");
    CFG_FAIL("{" WAVE_HEAD ",\"channels\":" WAVE_CH ",\"encoder\":{\"dim\":8,\"layers\":0,\"heads\":2,\"mlp_dim\":8}}",
             "encoder.layers must be in 1..64 (got 0)");
    CFG_FAIL(WAVE(",\"projection\":{\"dim\":0}"), "projection.dim must be in 1..8192 (got 0)");
    CFG_FAIL(WAVE(",\"projection\":{}"), "projection.dim is missing");
    CFG_FAIL(WAVE(",\"projection\":16"), "projection must be null or an object");
    /* the minute model's keys */
    CFG_FAIL(WAVE(",\"decoder\":{\"dim\":8,\"layers\":1,\"heads\":2,\"mlp_dim\":8}"),
             "decoder is a key of the minute model (lsm2_mae), not of a waveform_encoder");
    CFG_FAIL(WAVE(",\"window_minutes\":1440"), "window_minutes is a key of the minute model");
    CFG_FAIL(WAVE(",\"fill\":\"anchored\""), "fill is a key of the minute model");
}

TEST(tensor_table) {
    wfm_config c;
    wfm_error e = {0};
    const char *j = WAVE(",\"projection\":{\"dim\":5}");
    CHECK(wfm_config_parse(j, strlen(j), &c, &e) == WFM_OK);
    size_t n = wfm_config_tensor_count(&c), got = 0;
    CHECK(n == 2 + 12 * 2 + 2 + 2);
    wfm_tensor_spec specs[64];
    CHECK(wfm_config_expected_tensors(&c, specs, 64, &got, &e) == WFM_OK && got == n);
    /* patch_embed [D, C*P]: a token holds every channel's P samples */
    CHECK(!strcmp(specs[0].name, "patch_embed.weight") && specs[0].shape[0] == 6 && specs[0].shape[1] == 3 * 8 &&
          specs[0].role == WFM_ROLE_WEIGHT && specs[0].part == WFM_PART_PATCH_EMBED);
    CHECK(!strcmp(specs[1].name, "patch_embed.bias") && specs[1].role == WFM_ROLE_BIAS);
    CHECK(!strcmp(specs[4].name, "encoder.layers.0.attn.qkv.weight") && specs[4].shape[0] == 18 &&
          specs[4].member == WFM_MEMBER_QKV && specs[4].layer == 0);
    CHECK(!strcmp(specs[26].name, "encoder.norm.weight") && specs[26].layer == -1 &&
          specs[26].role == WFM_ROLE_NORM_WEIGHT);
    CHECK(!strcmp(specs[28].name, "proj.weight") && specs[28].shape[0] == 5 && specs[28].shape[1] == 6 &&
          specs[28].part == WFM_PART_PROJ);
    CHECK(!strcmp(specs[29].name, "proj.bias") && specs[29].shape[0] == 5);
    wfm_config_free(&c);
    j = WAVE("");
    CHECK(wfm_config_parse(j, strlen(j), &c, &e) == WFM_OK && wfm_config_tensor_count(&c) == 28);
    wfm_config_free(&c);
}

/* ---- model files built from the table -------------------------------- */

typedef struct {
    const char *skip;        /* leave this tensor out */
    const char *extra;       /* add this [1] tensor */
    const char *bad_shape;   /* give this tensor one more row */
    const char *nan_in;      /* make element 1 of this tensor NaN */
} file_opts;

/* An F32 model file for cfg_json with small finite weights. */
static uint8_t *wave_file(const char *cfg_json, const file_opts *o, size_t *size) {
    wfm_config c;
    wfm_error e = {0};
    if (wfm_config_parse(cfg_json, strlen(cfg_json), &c, &e)) return NULL;
    size_t n = wfm_config_tensor_count(&c), cap = 1 << 16, h = 0;
    wfm_tensor_spec *specs = malloc(n * sizeof *specs);
    wfm_config_expected_tensors(&c, specs, n, &n, &e);
    char *hdr = malloc(cap);
    h += (size_t)snprintf(hdr + h, cap - h, "{\"__metadata__\":{\"wearfm.config\":\"");
    for (const char *p = cfg_json; *p; p++) {
        if (*p == '"') hdr[h++] = '\\';
        hdr[h++] = *p;
    }
    h += (size_t)snprintf(hdr + h, cap - h, "\"}");
    uint64_t off = 0;
    float *data = malloc(4 << 20);
    for (size_t i = 0; i <= n; i++) {
        const char *name = i < n ? specs[i].name : o->extra;
        if (!name || (o->skip && !strcmp(name, o->skip))) continue;
        uint64_t d0 = i < n ? specs[i].shape[0] : 1, d1 = i < n && specs[i].ndim > 1 ? specs[i].shape[1] : 0;
        if (o->bad_shape && !strcmp(name, o->bad_shape)) d0++;
        uint64_t numel = d0 * (d1 ? d1 : 1);
        h += (size_t)snprintf(hdr + h, cap - h, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[%llu", name, (unsigned long long)d0);
        if (d1) h += (size_t)snprintf(hdr + h, cap - h, ",%llu", (unsigned long long)d1);
        h += (size_t)snprintf(hdr + h, cap - h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                              (unsigned long long)(off + 4 * numel));
        for (uint64_t k = 0; k < numel; k++) data[off / 4 + k] = 0.01f * (float)((k * 7 + i) % 13) - 0.06f;
        if (o->nan_in && !strcmp(name, o->nan_in)) data[off / 4 + 1] = NAN;
        off += 4 * numel;
    }
    h += (size_t)snprintf(hdr + h, cap - h, "}");
    uint8_t *buf = malloc(8 + h + off);
    for (int b = 0; b < 8; b++) buf[b] = (uint8_t)((uint64_t)h >> (8 * b));
    memcpy(buf + 8, hdr, h);
    memcpy(buf + 8 + h, data, off);
    *size = 8 + h + off;
    free(hdr); free(data); free(specs);
    wfm_config_free(&c);
    return buf;
}

static wfm_status load(const char *cfg_json, file_opts o, wfm_model **m, wfm_error *e) {
    size_t size = 0;
    uint8_t *buf = wave_file(cfg_json, &o, &size);
    if (!buf) {
        snprintf(e->message, sizeof e->message, "test: the config does not parse");
        return e->status = WFM_ERR_INVALID_ARG;
    }
    wfm_status st = wfm_model_load_buffer(buf, size, NULL, m, e);
    free(buf);
    return st;
}

TEST(model_file_rejections) {
    const char *proj = WAVE(",\"projection\":{\"dim\":5}"), *plain = WAVE("");
    wfm_model *m = NULL;
    wfm_error e = {0};
    CHECK_MSG(load(proj, (file_opts){0}, &m, &e) == WFM_OK, "%s", e.message);
    wfm_model_free(m);
    m = NULL;
#define LOAD_FAIL(cfg, opts, status, text)                                                          \
    do {                                                                                            \
        memset(&e, 0, sizeof e);                                                                    \
        wfm_status s_ = load(cfg, opts, &m, &e);                                                    \
        CHECK_MSG(rejected(s_, &e, status, text) && m == NULL, "%d '%s' (want '%s')", s_, e.message, text); \
        wfm_model_free(m);                                                                          \
        m = NULL;                                                                                   \
    } while (0)
    LOAD_FAIL(proj, ((file_opts){.skip = "proj.weight"}), WFM_ERR_FORMAT, "missing tensor 'proj.weight'");
    LOAD_FAIL(plain, ((file_opts){.skip = "encoder.layers.1.mlp.fc2.bias"}), WFM_ERR_FORMAT,
              "missing tensor 'encoder.layers.1.mlp.fc2.bias'");
    LOAD_FAIL(plain, ((file_opts){.bad_shape = "patch_embed.weight"}), WFM_ERR_FORMAT,
              "tensor 'patch_embed.weight' has shape [7, 24], the config needs [6, 24]");
    LOAD_FAIL(proj, ((file_opts){.bad_shape = "proj.bias"}), WFM_ERR_FORMAT,
              "tensor 'proj.bias' has shape [6], the config needs [5]");
    /* extra tensors: another family's, a projection the config does not
     * have, a layer beyond the config's */
    LOAD_FAIL(plain, ((file_opts){.extra = "decoder.mask_token"}), WFM_ERR_FORMAT,
              "unexpected tensor 'decoder.mask_token' (not part of the config's architecture)");
    LOAD_FAIL(plain, ((file_opts){.extra = "proj.bias"}), WFM_ERR_FORMAT, "unexpected tensor 'proj.bias' (not part of the config's architecture)");
    LOAD_FAIL(plain, ((file_opts){.extra = "encoder.layers.2.norm1.weight"}), WFM_ERR_FORMAT, "file has 29 tensors");
    /* non-finite weights, named */
    LOAD_FAIL(plain, ((file_opts){.nan_in = "encoder.norm.weight"}), WFM_ERR_FORMAT,
              "tensor 'encoder.norm.weight': element [1] is NaN; weights must be finite");
    LOAD_FAIL(proj, ((file_opts){.nan_in = "proj.weight"}), WFM_ERR_FORMAT,
              "tensor 'proj.weight': element [0, 1] is NaN; weights must be finite");
#undef LOAD_FAIL
}

/* ---- the public API on a waveform model -------------------------------- */

TEST(api_on_a_waveform_model) {
    wfm_model *m = NULL;
    wfm_error e = {0};
    CHECK(wfm_model_load_buffer(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors, NULL, &m, &e) == WFM_OK);
    if (!m) return;
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    CHECK(i.family == WFM_FAMILY_WAVEFORM && !strcmp(i.architecture, "waveform_encoder"));
    CHECK(!strcmp(i.signal, "accelerometer") && i.sample_rate_hz == 16.0f && !strcmp(i.input_norm, "window_z"));
    CHECK(i.window_samples == 64 && i.patch_samples == 8 && i.n_channels == 3 && i.n_tokens == 8);
    CHECK(i.enc_dim == 16 && i.projection_dim == 8 && i.embedding_dim == 8 && i.window_std_floor == 0.05f);
    CHECK(i.window_minutes == 0 && i.patch_minutes == 0 && !i.has_decoder && i.fill == NULL && i.n_params > 0);
    wfm_channel_info ch;
    CHECK(wfm_model_get_channel(m, 2, &ch, &e) == WFM_OK && !strcmp(ch.name, "z") && ch.clip_min == -6 &&
          ch.clip_max == 6 && ch.kind == WFM_CHANNEL_CONTINUOUS);
    CHECK(wfm_model_find_channel(m, "y") == 1);
    CHECK(!strncmp(wfm_model_weights_hash(m), "fnv1a64w:", 9));

    const size_t TC = 64 * 3;
    float x[64 * 3], out[64 * 3], emb[8];
    for (size_t k = 0; k < TC; k++) x[k] = (float)((k * 37) % 11) * 0.1f - 0.5f;
    CHECK(wfm_embed(m, x, emb, &e) == WFM_OK);
    /* no decoder: impute and reconstruct are refused, and say why */
    CHECK(rejected(wfm_impute(m, x, out, &e), &e, WFM_ERR_UNSUPPORTED, "has no decoder: it embeds windows"));
    CHECK(rejected(wfm_reconstruct(m, x, out, &e), &e, WFM_ERR_UNSUPPORTED, "cannot impute or reconstruct"));
    /* +-inf is invalid, named by sample and channel */
    x[5 * 3 + 1] = INFINITY;
    CHECK(rejected(wfm_embed(m, x, emb, &e), &e, WFM_ERR_INVALID_ARG, "input value at sample 5, channel 'y' is infinite"));
    /* one missing sample per token: no visible token */
    for (size_t k = 0; k < TC; k++) x[k] = 0.25f;
    for (int p = 0; p < 8; p++) x[(p * 8 + p % 8) * 3 + p % 3] = NAN;
    wfm_outputs o = {0};
    uint8_t vis[8];
    o.embedding = emb;
    o.token_visible = vis;
    CHECK(rejected(wfm_run(m, x, &o, &e), &e, WFM_ERR_NO_DATA, "the window has no visible token"));
    CHECK(o.n_visible_tokens == 0 && !memchr(vis, 1, 8));
    /* one token back: one visible, the others' rows NaN */
    x[(3 * 8 + 3) * 3 + 0] = 0.5f;
    float tok[8 * 16];
    o.token_embeddings = tok;
    CHECK(wfm_run(m, x, &o, &e) == WFM_OK && o.n_visible_tokens == 1 && vis[3] == 1 && isnan(tok[0]) &&
          !isnan(tok[3 * 16]));
    /* a state of its own gives the same numbers */
    wfm_state *s = NULL;
    float emb2[8];
    CHECK(wfm_state_create(m, NULL, &s, &e) == WFM_OK && wfm_embed_state(s, x, emb2, &e) == WFM_OK &&
          !memcmp(emb, emb2, sizeof emb));
    wfm_state_free(s);
    /* the minute-only helpers refuse it */
    uint8_t has[4];
    int inputs[1] = {0};
    float feats[64];
    CHECK(rejected(wfm_slot_features(m, x, inputs, 1, feats, has, &e), &e, WFM_ERR_UNSUPPORTED,
                   "slot features need a minute model"));
    wfm_minutes *t = NULL;
    const char *csv = "timestamp,x\n2020-01-01T00:00,1\n";
    CHECK(wfm_minutes_read_csv(csv, strlen(csv), &t, &e) == WFM_OK);
    x[0] = 123.0f;
    CHECK(wfm_minutes_window(t, m, 0, x) == 0 && x[0] == 123.0f);
    wfm_minutes_free(t);
    wfm_model_free(m);
}

int main(int argc, char **argv) {
    verbose = argc > 1 && !strcmp(argv[1], "-v");
    RUN(config_valid_and_defaults);
    RUN(config_rejections);
    RUN(tensor_table);
    RUN(model_file_rejections);
    RUN(api_on_a_waveform_model);
    return TEST_SUMMARY();
}
