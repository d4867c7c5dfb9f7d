/* One model, many states (issue 9): states on one model give the outputs of
 * the model-level calls, concurrently from two threads too; the thread count
 * of a state does not change them; bad arguments to state creation return
 * errors. (Out of memory there: tests/test_alloc_faults.c.) */
#include "wearfm.h"
#include "model/model.h"
#include "model_builder.h"
#include "testing.h"
#include <stdlib.h>
#include <string.h>
#if !defined(__wasi__)
#include <pthread.h>
#define HAVE_PTHREADS 1
#endif

static const mb_config SMALL = {.T = 120, .P = 10, .C = 3, .de = 32, .le = 2, .he = 4, .me = 64,
                                .dd = 16, .ld = 1, .hd = 2, .md = 32};

/* Every output of one window, in one buffer, so results compare with memcmp
 * (the sizes of SMALL as constants). */
#define DE 32
#define N_TOK (120 / 10 * 3)
#define TC (120 * 3)
#define OUT_FLOATS (DE + 2 * TC + N_TOK * DE)
typedef struct { float v[OUT_FLOATS]; int nv; wfm_status st; } result;

static void run_state(wfm_state *s, wfm_model *m, const float *x, result *r) {
    memset(r, 0, sizeof *r);
    uint8_t vis[N_TOK];
    wfm_outputs o = {r->v, r->v + DE, r->v + DE + TC, r->v + DE + 2 * TC, vis, NULL, 0};
    wfm_error err = {0};
    r->st = s ? wfm_run_state(s, x, &o, &err) : wfm_run(m, x, &o, &err);
    r->nv = o.n_visible_tokens;
}

#define N_INPUTS 4
static float *inputs[N_INPUTS];
static result expected[N_INPUTS];

typedef struct { wfm_state *s; int rounds, mismatches, errors; } worker;

static void *work(void *p) {
    worker *w = p;
    result r;
    for (int k = 0; k < w->rounds; k++)
        for (int i = 0; i < N_INPUTS; i++) {
            run_state(w->s, NULL, inputs[i], &r);
            if (r.st != WFM_OK) w->errors++;
            else if (r.nv != expected[i].nv || memcmp(r.v, expected[i].v, sizeof r.v)) w->mismatches++;
        }
    return NULL;
}

TEST(states_match_the_model_level_calls) {
    wfm_model *m = mb_load(&SMALL, 99, WFM_MASK_COMPACT, 1);
    if (!m) return;
    for (int i = 0; i < N_INPUTS; i++) {
        inputs[i] = mb_input(&SMALL, 25 * i, 11 + (unsigned)i);
        run_state(NULL, m, inputs[i], &expected[i]);
        CHECK(expected[i].st == WFM_OK);
    }
    wfm_state_params p = wfm_state_default_params();
    p.n_threads = 1;
    wfm_state *s = NULL;
    CHECK(wfm_state_create(m, &p, &s, NULL) == WFM_OK && s);
    CHECK(wfm_state_threads(s) == 1);
    worker w = {s, 1, 0, 0};
    work(&w);
    CHECK(w.errors == 0 && w.mismatches == 0);
    /* the wrappers */
    float emb[32], rec[TC], imp[TC];
    CHECK(wfm_embed_state(s, inputs[1], emb, NULL) == WFM_OK && !memcmp(emb, expected[1].v, sizeof emb));
    CHECK(wfm_reconstruct_state(s, inputs[1], rec, NULL) == WFM_OK &&
          !memcmp(rec, expected[1].v + DE, sizeof rec));
    CHECK(wfm_impute_state(s, inputs[1], imp, NULL) == WFM_OK &&
          !memcmp(imp, expected[1].v + DE + TC, sizeof imp));
    wfm_state_free(s);
    wfm_model_free(m);
}

TEST(two_states_on_one_model_concurrently) {
#ifdef HAVE_PTHREADS
    wfm_model *m = mb_load(&SMALL, 99, WFM_MASK_COMPACT, 1);
    if (!m) return;
    wfm_state_params p = wfm_state_default_params();
    p.n_threads = 1;
    wfm_state *a = NULL, *b = NULL;
    CHECK(wfm_state_create(m, &p, &a, NULL) == WFM_OK);
    p.n_threads = 2; /* a state with its own pool of two beside a state of one */
    CHECK(wfm_state_create(m, &p, &b, NULL) == WFM_OK);
    if (!a || !b) { wfm_state_free(a); wfm_state_free(b); wfm_model_free(m); return; }
    worker wa = {a, 25, 0, 0}, wb = {b, 25, 0, 0};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, work, &wa) == 0);
    CHECK(pthread_create(&tb, NULL, work, &wb) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    printf("  2 threads x %d windows: %d + %d errors, %d + %d mismatches\n", 25 * N_INPUTS, wa.errors, wb.errors,
           wa.mismatches, wb.mismatches);
    CHECK(wa.errors == 0 && wb.errors == 0);
    CHECK(wa.mismatches == 0 && wb.mismatches == 0);
    wfm_state_free(a);
    wfm_state_free(b);
    wfm_model_free(m);
#else
    printf("  skipped: no threads in this build\n");
#endif
}

TEST(one_and_two_threads_agree) {
    wfm_model *m = mb_load(&SMALL, 99, WFM_MASK_COMPACT, 1);
    if (!m) return;
    wfm_state_params p = wfm_state_default_params();
    wfm_state *s1 = NULL, *s2 = NULL;
    p.n_threads = 1;
    CHECK(wfm_state_create(m, &p, &s1, NULL) == WFM_OK);
    p.n_threads = 2;
    CHECK(wfm_state_create(m, &p, &s2, NULL) == WFM_OK);
    CHECK(s2 && (wfm_state_threads(s2) == 2 || wfm_state_threads(s2) == 1));
    for (int i = 0; s1 && s2 && i < N_INPUTS; i++) {
        result r1, r2;
        run_state(s1, NULL, inputs[i], &r1);
        run_state(s2, NULL, inputs[i], &r2);
        CHECK(r1.st == WFM_OK && r2.st == WFM_OK && r1.nv == r2.nv);
        double md = 0;
        for (int k = 0; k < OUT_FLOATS; k++) {
            if (isnan(r1.v[k]) != isnan(r2.v[k])) md = INFINITY;
            else if (!isnan(r1.v[k]) && fabs((double)r1.v[k] - r2.v[k]) > md) md = fabs((double)r1.v[k] - r2.v[k]);
        }
        CHECK_MSG(md <= 1e-6, "window %d: max |1 thread - 2 threads| = %g", i, md);
    }
    /* the mask mode is the state's: attention masking agrees with compaction */
    p.n_threads = 1;
    p.mask_mode = WFM_MASK_ATTENTION;
    wfm_state *sa = NULL;
    CHECK(wfm_state_create(m, &p, &sa, NULL) == WFM_OK);
    if (sa) {
        result r;
        run_state(sa, NULL, inputs[2], &r);
        CHECK(r.st == WFM_OK && wfm_rel_err(r.v, expected[2].v, DE) < 1e-5);
    }
    wfm_state_free(sa);
    wfm_state_free(s1);
    wfm_state_free(s2);
    wfm_model_free(m);
}

TEST(state_creation_failures_return_errors) {
    wfm_model *m = mb_load(&SMALL, 99, WFM_MASK_COMPACT, 1);
    if (!m) return;
    wfm_state *s = (wfm_state *)1;
    wfm_error err = {0};
    CHECK(wfm_state_create(NULL, NULL, &s, &err) == WFM_ERR_INVALID_ARG && s == NULL);
    CHECK(wfm_state_create(m, NULL, NULL, &err) == WFM_ERR_INVALID_ARG);
    wfm_state_params p = wfm_state_default_params();
    p.mask_mode = (wfm_mask_mode)7;
    CHECK(wfm_state_create(m, &p, &s, &err) == WFM_ERR_INVALID_ARG && s == NULL);
    CHECK(strstr(err.message, "mask mode") != NULL);
    wfm_state_free(NULL);
    CHECK(wfm_run_state(NULL, inputs[0], &(wfm_outputs){0}, NULL) == WFM_ERR_INVALID_ARG);

    /* out-of-memory paths of state creation and set_threads: test_alloc_faults.c */
    result r;
    CHECK(wfm_model_set_threads(m, 2, &err) == WFM_OK);
    CHECK(wfm_model_threads(m) == 2 || wfm_model_threads(m) == 1);
    run_state(NULL, m, inputs[3], &r);
    CHECK(r.st == WFM_OK && wfm_rel_err(r.v, expected[3].v, DE) < 1e-6);
    CHECK(wfm_model_set_mask_mode(m, (wfm_mask_mode)9, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_model_set_mask_mode(m, WFM_MASK_ATTENTION, &err) == WFM_OK);
    run_state(NULL, m, inputs[3], &r);
    CHECK(r.st == WFM_OK && wfm_rel_err(r.v, expected[3].v, DE) < 1e-5);
    wfm_model_free(m);
}

int main(void) {
    RUN(states_match_the_model_level_calls);
    RUN(two_states_on_one_model_concurrently);
    RUN(one_and_two_threads_agree);
    RUN(state_creation_failures_return_errors);
    for (int i = 0; i < N_INPUTS; i++) free(inputs[i]);
    return TEST_SUMMARY();
}
