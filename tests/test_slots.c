/* Slots (src/probes/slots.c): per-slot features against the encoder's own token
 * embeddings, input masking, and the period and expected-count rules by hand. */
#include "model_builder.h"

static const mb_config SMALL = {.T = 120, .P = 10, .C = 3, .de = 16, .le = 1, .he = 2, .me = 32,
                                .dd = 16, .ld = 1, .hd = 2, .md = 32};
enum { NP = 12, D = 16, C = 3, T = 120 };

/* The reference: run the model with only `use` channels, average their visible tokens per slot. */
static void reference(wfm_model *m, const float *x, const int *use, float *ref, uint8_t *has) {
    float xm[T * C], tok[C * NP * D];
    uint8_t vis[C * NP];
    for (int i = 0; i < T * C; i++) xm[i] = use[i % C] ? x[i] : NAN;
    wfm_outputs o = {0};
    o.token_embeddings = tok;
    o.token_visible = vis;
    CHECK(wfm_run(m, xm, &o, NULL) == WFM_OK);
    for (int p = 0; p < NP; p++) {
        int k = 0;
        for (int c = 0; c < C; c++) k += use[c] && vis[c * NP + p];
        has[p] = k > 0;
        for (int d = 0; d < D; d++) {
            double s = 0;
            for (int c = 0; c < C; c++) if (use[c] && vis[c * NP + p]) s += tok[(c * NP + p) * D + d];
            ref[p * D + d] = k ? (float)(s / k) : NAN;
        }
    }
}

TEST(features_are_the_mean_of_the_inputs_visible_tokens) {
    wfm_model *m = mb_load(&SMALL, 3, WFM_MASK_COMPACT, 1);
    float *x = mb_input(&SMALL, 60, 11);
    const int inputs[2] = {2, 0}, use[C] = {1, 0, 1};
    float f[NP * D], ref[NP * D];
    uint8_t has[NP], ref_has[NP];
    wfm_error err = {0};
    CHECK_MSG(wfm_slot_features(m, x, inputs, 2, f, has, &err) == WFM_OK, "%s", err.message);
    reference(m, x, use, ref, ref_has);
    int with = 0, without = 0;
    for (int p = 0; p < NP; p++) {
        CHECK(has[p] == ref_has[p]);
        with += has[p], without += !has[p];
        for (int d = 0; d < D; d++)
            CHECK(has[p] ? f[p * D + d] == ref[p * D + d] : isnan(f[p * D + d]));
    }
    CHECK_MSG(with > 0 && without > 0, "the test input needs slots with and without inputs (%d, %d)", with, without);
    wfm_model_free(m);
    free(x);
}

TEST(a_channel_left_out_cannot_change_the_features) {
    wfm_model *m = mb_load(&SMALL, 3, WFM_MASK_COMPACT, 1);
    float *x = mb_input(&SMALL, 20, 5);
    const int inputs[2] = {0, 1};
    float a[NP * D], b[NP * D];
    CHECK(wfm_slot_features(m, x, inputs, 2, a, NULL, NULL) == WFM_OK);
    for (int t = 0; t < T; t++) x[t * C + 2] = t % 2 ? NAN : 1000.0f + t; /* channel 2 rewritten */
    CHECK(wfm_slot_features(m, x, inputs, 2, b, NULL, NULL) == WFM_OK);
    CHECK(!memcmp(a, b, sizeof a));
    wfm_model_free(m);
    free(x);
}

TEST(input_order_does_not_matter) {
    wfm_model *m = mb_load(&SMALL, 4, WFM_MASK_COMPACT, 1);
    float *x = mb_input(&SMALL, 10, 9);
    const int ab[3] = {0, 1, 2}, ba[3] = {2, 0, 1};
    float a[NP * D], b[NP * D];
    CHECK(wfm_slot_features(m, x, ab, 3, a, NULL, NULL) == WFM_OK);
    CHECK(wfm_slot_features(m, x, ba, 3, b, NULL, NULL) == WFM_OK);
    CHECK(!memcmp(a, b, sizeof a));
    wfm_model_free(m);
    free(x);
}

TEST(bad_inputs_and_no_data) {
    wfm_model *m = mb_load(&SMALL, 3, WFM_MASK_COMPACT, 1);
    float *x = mb_input(&SMALL, 0, 2), f[NP * D];
    wfm_error err = {0};
    const int twice[2] = {1, 1}, outside[1] = {3}, one[1] = {1};
    CHECK(wfm_slot_features(m, x, twice, 2, f, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "twice"));
    CHECK(wfm_slot_features(m, x, outside, 1, f, NULL, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "not a model channel"));
    CHECK(wfm_slot_features(m, x, one, 0, f, NULL, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_slot_features(NULL, x, one, 1, f, NULL, &err) == WFM_ERR_INVALID_ARG);
    for (int t = 0; t < T; t++) x[t * C + 1] = NAN; /* the only input is never observed */
    CHECK(wfm_slot_features(m, x, one, 1, f, NULL, &err) == WFM_ERR_NO_DATA && strstr(err.message, "no input channel"));
    wfm_model_free(m);
    free(x);
}

TEST(periods_join_short_gaps_and_drop_short_runs) {
    const float N = NAN;
    /* slots:          0    1    2    3    4    5    6    7    8    9   10   11 */
    const float p[] = {0.9, 0.8, 0.2, 0.7, N,   0.6, 0.1, 0.1, 0.9, 0.1, 0.5, 0.4};
    wfm_slot_period out[4];
    /* max_gap 1: [0, 6) joins across slot 2 (below) and slot 4 (unknown); 6-7 is a gap of 2, so 8 starts anew */
    size_t n = wfm_slot_periods(p, 12, 0.5f, 1, 1, out, 4);
    CHECK(n == 2);
    CHECK(out[0].first == 0 && out[0].end == 6 && out[0].n_known == 5);
    CHECK_NEAR(out[0].mean_probability, (0.9 + 0.8 + 0.2 + 0.7 + 0.6) / 5, 1e-6);
    CHECK(out[1].first == 8 && out[1].end == 11); /* 10 is at the threshold: it counts */
    CHECK_NEAR(out[1].mean_probability, (0.9 + 0.1 + 0.5) / 3, 1e-6);
    /* min_slots 4 drops the second; max_gap 0 splits the first */
    CHECK(wfm_slot_periods(p, 12, 0.5f, 1, 4, out, 4) == 1);
    CHECK(wfm_slot_periods(p, 12, 0.5f, 0, 1, out, 4) == 5);
    CHECK(out[0].first == 0 && out[0].end == 2 && out[1].first == 3 && out[1].end == 4);
    /* cap: the count is still the whole number */
    CHECK(wfm_slot_periods(p, 12, 0.5f, 0, 1, out, 1) == 5 && out[0].end == 2);
    CHECK(wfm_slot_periods(p, 12, 0.95f, 1, 1, out, 4) == 0);
    CHECK(wfm_slot_periods(NULL, 12, 0.5f, 1, 1, out, 4) == 0);
}

TEST(expected_count_skips_unknown_slots) {
    const float p[] = {0.25f, NAN, 0.5f, 1.0f, NAN};
    size_t known = 0;
    CHECK_NEAR(wfm_slot_expected(p, 5, &known), 1.75, 1e-12);
    CHECK(known == 3);
    CHECK(wfm_slot_expected(p, 0, NULL) == 0);
}

int main(void) {
    RUN(features_are_the_mean_of_the_inputs_visible_tokens);
    RUN(a_channel_left_out_cannot_change_the_features);
    RUN(input_order_does_not_matter);
    RUN(bad_inputs_and_no_data);
    RUN(periods_join_short_gaps_and_drop_short_runs);
    RUN(expected_count_skips_unknown_slots);
    return TEST_SUMMARY();
}
