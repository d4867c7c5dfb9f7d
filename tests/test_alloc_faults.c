/* Allocation-failure injection over every entry point that allocates
 * (sqlite's test standard). Each call is made again and again with its 1st,
 * 2nd, 3rd... allocation failing (once with only that one failing, once with
 * every allocation from it on), until a call runs without reaching the
 * fault. Every failure must
 *   - return WFM_ERR_NO_MEMORY with a message,
 *   - build nothing: the out pointer NULL, and an object the call updates
 *     (a Fitabase accumulator, a model's default state) as it was,
 *   - leak nothing: LeakSanitizer checks that in the asan+ubsan stage, and
 *     natively with glibc the bytes in use before and after each call that
 *     builds an object are compared too.
 * A call the fault does not reach must succeed, and a call that needs no
 * memory (a forward pass) must make no allocation at all.
 *
 * Linked with wearfm_faults, the core built with WFM_FAULT_INJECTION
 * (src/platform/alloc.h); the release library has no such hook. */
#include "wearfm.h"
#include "platform/alloc.h"
#include "model_builder.h"
#include "testing.h"
#include "fixtures_data.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WFM_T_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WFM_T_ASAN 1
#endif
/* Bytes handed out by the C library, or -1 where it cannot tell: only glibc
 * without its per-thread cache, which hides freed chunks from mallinfo2()
 * (ctest sets GLIBC_TUNABLES for this test), and without a sanitizer. */
#if defined(__GLIBC__) && !defined(WFM_T_ASAN)
#include <malloc.h>
static long long bytes_in_use(void) {
    const char *t = getenv("GLIBC_TUNABLES");
    return t && strstr(t, "glibc.malloc.tcache_count=0") ? (long long)(mallinfo2().uordblks + mallinfo2().hblkhd) : -1;
}
#else
static long long bytes_in_use(void) { return -1; } /* LeakSanitizer's job there */
#endif

#define MAX_FAULTS 5000 /* more allocations than any call here makes */

/* One entry point under test. */
typedef struct entry {
    const char *name;
    /* Makes the call; *made receives what it built (NULL when it failed). */
    wfm_status (*call)(void *ctx, void **made, wfm_error *err);
    void (*release)(void *made);  /* frees what a successful call made; NULL: nothing */
    int (*intact)(void *ctx);     /* after a failure, 1 if what the call updates is as before; NULL: nothing */
    int absorbs;                  /* a fault may be absorbed: the thread pool starts fewer threads */
    int threads;                  /* starts threads, whose memory glibc keeps: no byte count */
} entry;

/* Runs the fault loop; returns the allocations of a call that succeeds. */
static long sweep(const entry *e, void *ctx) {
    long allocations = -1;
    int failures = 0;
    for (int persist = 0; persist <= 1; persist++) {
        for (long n = 1;; n++) {
            if (n > MAX_FAULTS) {
                CHECK_MSG(0, "%s: still failing after %d faults", e->name, MAX_FAULTS);
                break;
            }
            wfm_error err;
            memset(&err, 0, sizeof err);
            void *made = &err; /* the call must replace it */
            long long before = bytes_in_use();
            wfm_alloc_fail_at(n, persist);
            wfm_status st = e->call(ctx, &made, &err);
            long fired = wfm_alloc_failed(), count = wfm_alloc_count();
            wfm_alloc_fail_at(0, 0);
            const char *how = persist ? " and every later one" : "";
            if (!fired) {
                CHECK_MSG(st == WFM_OK, "%s: status %d with no fault: %s", e->name, st, err.message);
                if (st == WFM_OK && e->release) e->release(made);
                allocations = count;
            } else if (st == WFM_OK) {
                CHECK_MSG(e->absorbs, "%s: allocation %ld%s failed, yet the call returned WFM_OK (a lost failure)",
                          e->name, n, how);
                if (e->release) e->release(made);
            } else {
                failures++;
                CHECK_MSG(st == WFM_ERR_NO_MEMORY && err.status == st && err.message[0],
                          "%s: allocation %ld%s failed: status %d '%s'", e->name, n, how, st, err.message);
                CHECK_MSG(made == NULL, "%s: allocation %ld%s failed, but the call handed back an object", e->name, n,
                          how);
                if (e->intact) CHECK_MSG(e->intact(ctx), "%s: allocation %ld%s failed and changed its object", e->name, n, how);
            }
            /* (a call that updates an object may keep the capacity it grew,
             * and threads keep glibc memory: LeakSanitizer checks those) */
            long long leaked = bytes_in_use() - before;
            if (before >= 0 && !e->threads && !e->intact) CHECK_MSG(leaked == 0, "%s: allocation %ld%s: %lld bytes leaked", e->name, n, how, leaked);
            if (!fired) break;
        }
    }
    printf("  %-34s %4ld allocations, %4d faults each a clean WFM_ERR_NO_MEMORY\n", e->name, allocations, failures);
    return allocations;
}

/* ---- models ---- */

typedef struct blob { const void *data; size_t size; int threads; } blob;

static const mb_config SMALL = {.T = 120, .P = 10, .C = 3, .de = 32, .le = 2, .he = 4, .me = 64,
                                .dd = 16, .ld = 1, .hd = 2, .md = 32};
static const mb_config ENCODER_ONLY = {.T = 60, .P = 10, .C = 2, .de = 16, .le = 1, .he = 2, .me = 32};
#define MODEL_FILE "test_alloc_faults.tmp.safetensors"

static wfm_model_params params_for(int threads) {
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = threads;
    return p;
}

static wfm_status load_buffer(void *ctx, void **made, wfm_error *err) {
    const blob *b = ctx;
    wfm_model_params p = params_for(b->threads);
    wfm_model *m = (wfm_model *)made; /* garbage: the loader must reset it */
    wfm_status st = wfm_model_load_buffer(b->data, b->size, &p, &m, err);
    *made = m;
    return st;
}

static wfm_status load_file(void *ctx, void **made, wfm_error *err) {
    wfm_model_params p = params_for(1);
    wfm_model *m = (wfm_model *)made;
    wfm_status st = wfm_model_load_file(ctx, &p, &m, err);
    *made = m;
    return st;
}

static void release_model(void *m) { wfm_model_free(m); }

static int write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

TEST(model_loading) {
    size_t size;
    uint8_t *small = mb_build(&SMALL, 7, &size), *enc;
    blob b = {small, size, 1};
    sweep(&(entry){"load_buffer (v1, decoder)", load_buffer, release_model, NULL, 0, 0}, &b);
    b.threads = 2;
    sweep(&(entry){"load_buffer (2 threads)", load_buffer, release_model, NULL, 1, 1}, &b);
    CHECK(write_file(MODEL_FILE, small, size));
    sweep(&(entry){"load_file", load_file, release_model, NULL, 0, 0}, MODEL_FILE);
    remove(MODEL_FILE);
    free(small);
    enc = mb_build(&ENCODER_ONLY, 8, &size);
    b = (blob){enc, size, 1};
    sweep(&(entry){"load_buffer (encoder only)", load_buffer, release_model, NULL, 0, 0}, &b);
    free(enc);
    b = (blob){wfm_fx_v2_safetensors, sizeof wfm_fx_v2_safetensors, 1};
    sweep(&(entry){"load_buffer (v2, anchored fill)", load_buffer, release_model, NULL, 0, 0}, &b);
    b = (blob){wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors, 1};
    sweep(&(entry){"load_buffer (waveform, projection)", load_buffer, release_model, NULL, 0, 0}, &b);
    b = (blob){wfm_fx_w2_safetensors, sizeof wfm_fx_w2_safetensors, 1};
    sweep(&(entry){"load_buffer (waveform)", load_buffer, release_model, NULL, 0, 0}, &b);
}

/* ---- states and runs ---- */

#define N_TOK (120 / 10 * 3)
#define TC (120 * 3)
typedef struct run_ctx {
    wfm_model *model;
    wfm_state *state;
    float *x;
    float emb[32], rec[TC], imp[TC], tok[N_TOK * 32], expected_emb[32];
    uint8_t vis[N_TOK];
    int threads, threads_before;
} run_ctx;

static wfm_status create_state(void *ctx, void **made, wfm_error *err) {
    run_ctx *r = ctx;
    wfm_state_params p = wfm_state_default_params();
    p.n_threads = r->threads;
    wfm_state *s = (wfm_state *)made;
    wfm_status st = wfm_state_create(r->model, &p, &s, err);
    *made = s;
    return st;
}

static void release_state(void *s) { wfm_state_free(s); }

static wfm_status set_threads(void *ctx, void **made, wfm_error *err) {
    run_ctx *r = ctx;
    *made = NULL;
    r->threads_before = wfm_model_threads(r->model);
    if (wfm_embed(r->model, r->x, r->expected_emb, err)) return WFM_ERR_INVALID_ARG; /* allocates nothing */
    return wfm_model_set_threads(r->model, 2, err);
}

/* The model kept its old default state: its thread count and embedding. */
static int model_unchanged(void *ctx) {
    run_ctx *r = ctx;
    float emb[32];
    return wfm_model_threads(r->model) == r->threads_before && wfm_embed(r->model, r->x, emb, NULL) == WFM_OK &&
           !memcmp(emb, r->expected_emb, sizeof emb);
}

static wfm_status run_model(void *ctx, void **made, wfm_error *err) {
    run_ctx *r = ctx;
    *made = NULL;
    wfm_outputs o = {r->emb, r->rec, r->imp, r->tok, r->vis, NULL, 0};
    wfm_status st = r->state ? wfm_run_state(r->state, r->x, &o, err) : wfm_run(r->model, r->x, &o, err);
    if (!st) st = r->state ? wfm_impute_state(r->state, r->x, r->imp, err) : wfm_impute(r->model, r->x, r->imp, err);
    return st;
}

TEST(states_and_runs) {
    run_ctx *r = calloc(1, sizeof *r);
    r->model = mb_load(&SMALL, 7, WFM_MASK_COMPACT, 1);
    r->x = mb_input(&SMALL, 30, 5);
    if (!r->model || !r->x) { wfm_model_free(r->model); free(r->x); free(r); return; }
    r->threads = 1;
    sweep(&(entry){"state_create (1 thread)", create_state, release_state, NULL, 0, 0}, r);
    r->threads = 2;
    sweep(&(entry){"state_create (2 threads)", create_state, release_state, NULL, 1, 1}, r);
    /* a forward pass allocates nothing: the workspace is the state's */
    CHECK(sweep(&(entry){"run, impute (model)", run_model, NULL, NULL, 0, 0}, r) == 0);
    wfm_state_params p = wfm_state_default_params();
    p.n_threads = 1;
    p.mask_mode = WFM_MASK_ATTENTION;
    CHECK(wfm_state_create(r->model, &p, &r->state, NULL) == WFM_OK);
    CHECK(sweep(&(entry){"run, impute (state, attention mask)", run_model, NULL, NULL, 0, 0}, r) == 0);
    wfm_state_free(r->state);
    r->state = NULL;
    /* set_threads builds the new state first: on failure the old one stays and runs */
    sweep(&(entry){"model_set_threads", set_threads, NULL, model_unchanged, 1, 1}, r);
    wfm_model_free(r->model);
    free(r->x);
    free(r);
}

/* A waveform model's forward pass allocates nothing either. */
typedef struct wave_ctx { wfm_model *model; float x[64 * 3], emb[8], tok[8 * 16]; } wave_ctx;

static wfm_status run_waveform(void *ctx, void **made, wfm_error *err) {
    wave_ctx *w = ctx;
    wfm_outputs o = {0};
    o.embedding = w->emb;
    o.token_embeddings = w->tok;
    *made = NULL;
    return wfm_run(w->model, w->x, &o, err);
}

TEST(waveform_runs) {
    wave_ctx *w = calloc(1, sizeof *w);
    wfm_model_params p = params_for(1);
    CHECK(wfm_model_load_buffer(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors, &p, &w->model, NULL) == WFM_OK);
    for (int i = 0; i < 64 * 3; i++) w->x[i] = i == 5 ? NAN : 0.05f * (float)(i % 7); /* token 0 is not visible */
    if (w->model) CHECK(sweep(&(entry){"run, embed (waveform)", run_waveform, NULL, NULL, 0, 0}, w) == 0);
    wfm_model_free(w->model);
    free(w);
}

/* ---- probes ---- */

#define PN 48
#define PD 3
typedef struct probe_ctx {
    float X[PN * PD], targets[PN];
    int labels[PN], groups[PN];
    size_t n, d;               /* the rows and columns a call uses */
    wfm_probe_params params;
    int folds;
    const wfm_probe *probe;    /* for predict, evaluate, save */
    blob file;                 /* a saved probe, for load */
} probe_ctx;

static void probe_data(probe_ctx *c) {
    unsigned seed = 3;
    for (size_t i = 0; i < PN; i++) {
        c->labels[i] = (int)(i % 3);
        c->groups[i] = (int)(i % 4);
        double y = 0;
        for (size_t j = 0; j < PD; j++) {
            c->X[i * PD + j] = wfm_t_uniform(&seed) + (j == 0 ? (float)c->labels[i] : 0.0f);
            y += (double)(j + 1) * c->X[i * PD + j];
        }
        c->targets[i] = (float)y + 0.1f * wfm_t_uniform(&seed);
    }
}

static int is_logistic(const probe_ctx *c) { return c->params.task == WFM_PROBE_LOGISTIC; }

static wfm_status fit(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    wfm_probe *p = (wfm_probe *)made;
    wfm_status st = wfm_probe_fit(c->X, c->n, c->d, is_logistic(c) ? c->labels : NULL,
                                  is_logistic(c) ? NULL : c->targets, c->groups, &c->params, &p, err);
    *made = p;
    return st;
}

static void release_probe(void *p) { wfm_probe_free(p); }

static wfm_status cross_validate(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    wfm_probe_cv *cv = (wfm_probe_cv *)made;
    wfm_status st = wfm_probe_cross_validate(c->X, c->n, c->d, is_logistic(c) ? c->labels : NULL,
                                             is_logistic(c) ? NULL : c->targets, c->groups, c->folds, &c->params,
                                             &cv, err);
    *made = cv;
    return st;
}

static void release_cv(void *cv) { wfm_probe_cv_free(cv); }

static wfm_status predict_and_evaluate(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    float out[PN * 3];
    int classes[PN];
    double metrics[WFM_METRIC_COUNT];
    *made = NULL;
    wfm_status st = wfm_probe_predict(c->probe, NULL, c->X, c->n, c->d, out, classes, err);
    if (!st) st = wfm_probe_evaluate(c->probe, NULL, c->X, c->n, c->d, c->labels, NULL, metrics, err);
    return st;
}

static wfm_status save_buffer(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    void *data = made;
    size_t size = 0;
    wfm_status st = wfm_probe_save_buffer(c->probe, &data, &size, err);
    *made = data;
    return st;
}

static void release_buffer(void *data) { wfm_probe_buffer_free(data); }

static wfm_status load_probe_buffer(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    wfm_probe *p = (wfm_probe *)made;
    wfm_status st = wfm_probe_load_buffer(c->file.data, c->file.size, &p, err);
    *made = p;
    return st;
}

#define PROBE_FILE "test_alloc_faults.tmp.probe.safetensors"
static wfm_status load_probe_file(void *ctx, void **made, wfm_error *err) {
    wfm_probe *p = (wfm_probe *)made;
    wfm_status st = wfm_probe_load_file(PROBE_FILE, &p, err);
    *made = p;
    return st;
}

TEST(probe_fitting) {
    static probe_ctx c;
    static const double lambdas[] = {1e-3, 1e-1, 10};
    static const char *const classes[] = {"low", "mid", "high"}, *const features[] = {"f0", "f1", "f2"};
    probe_data(&c);
    c.n = PN;
    c.d = PD;
    const entry fit_entry = {"probe_fit", fit, release_probe, NULL, 0, 0};
    entry e = fit_entry;
    wfm_probe_params base = wfm_probe_default_params();
    base.lambdas = lambdas;
    base.n_lambdas = 3;
    base.inner_folds = 3;

    c.params = base;
    c.params.cv_lambda = 1;
    c.params.balanced = 1;
    c.params.class_names = classes;
    c.params.feature_names = features;
    e.name = "probe_fit logistic, inner CV";
    sweep(&e, &c);
    c.params = base;
    c.params.task = WFM_PROBE_RIDGE;
    c.params.cv_lambda = 1;
    e.name = "probe_fit ridge, inner CV";
    sweep(&e, &c);
    c.params.task = WFM_PROBE_LINEAR;
    c.params.cv_lambda = 0;
    e.name = "probe_fit linear";
    sweep(&e, &c);
    /* d > n: ridge takes the dual form (8 rows of 12 features) */
    static probe_ctx wide;
    wide = c;
    unsigned seed = 9;
    for (size_t i = 0; i < 8 * 12; i++) wide.X[i] = wfm_t_uniform(&seed);
    wide.n = 8;
    wide.d = 12;
    wide.params.task = WFM_PROBE_RIDGE;
    wide.params.cv_lambda = 1;
    e.name = "probe_fit ridge d > n, inner CV";
    sweep(&e, &wide);

    entry cv = {"probe_cross_validate", cross_validate, release_cv, NULL, 0, 0};
    c.params = base;
    c.params.cv_lambda = 1;
    c.folds = 0; /* leave one group out */
    cv.name = "cross_validate logistic, groups";
    sweep(&cv, &c);
    c.params.task = WFM_PROBE_RIDGE;
    c.folds = 3;
    cv.name = "cross_validate ridge, 3 folds";
    sweep(&cv, &c);
}

/* person-relative features: X is updated in place, so a failure must leave it as it was */
static float relative_X[PN * PD];
static wfm_status features_relative(void *ctx, void **made, wfm_error *err) {
    probe_ctx *c = ctx;
    memcpy(relative_X, c->X, sizeof relative_X);
    *made = NULL;
    return wfm_features_relative(relative_X, c->n, c->d, c->groups, NULL, NULL, err);
}
static int relative_intact(void *ctx) {
    probe_ctx *c = ctx;
    return !memcmp(relative_X, c->X, sizeof relative_X);
}

TEST(probe_relative_features) {
    static probe_ctx c;
    probe_data(&c);
    c.n = PN;
    c.d = PD;
    const entry e = {"features_relative", features_relative, NULL, relative_intact, 0, 0};
    sweep(&e, &c);
}

TEST(probe_files) {
    static probe_ctx c;
    static const char *const features[] = {"f0", "f1", "f2"};
    probe_data(&c);
    c.n = PN;
    c.d = PD;
    c.params = wfm_probe_default_params();
    c.params.feature_names = features;
    wfm_probe *p = NULL;
    wfm_error err = {0};
    CHECK_MSG(wfm_probe_fit(c.X, PN, PD, c.labels, NULL, NULL, &c.params, &p, &err) == WFM_OK, "%s", err.message);
    if (!p) return;
    c.probe = p;
    sweep(&(entry){"probe predict, evaluate", predict_and_evaluate, NULL, NULL, 0, 0}, &c);
    sweep(&(entry){"probe_save_buffer", save_buffer, release_buffer, NULL, 0, 0}, &c);
    void *data = NULL;
    size_t size = 0;
    CHECK(wfm_probe_save_buffer(p, &data, &size, &err) == WFM_OK);
    c.file = (blob){data, size, 0};
    sweep(&(entry){"probe_load_buffer", load_probe_buffer, release_probe, NULL, 0, 0}, &c);
    CHECK(write_file(PROBE_FILE, data, size));
    sweep(&(entry){"probe_load_file", load_probe_file, release_probe, NULL, 0, 0}, &c);
    remove(PROBE_FILE);
    wfm_probe_buffer_free(data);
    wfm_probe_free(p);
}

/* ---- importers ---- */

/* Exports of two users over two days, as text (the formats of docs/data.md). */
static char *heart_rate_export(void) {
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "Id,Time,Value\n");
    for (int u = 0; u < 2; u++)
        for (int k = 0; k < 90; k++) { /* 11:00 PM .. past midnight, every 20 s */
            int sec = 23 * 3600 + 20 * k, day = 12 + sec / 86400, h = sec / 3600 % 24;
            n += (size_t)snprintf(s + n, cap - n, "%d,4/%d/2016 %d:%02d:%02d %s,%d\n", 1000 + u, day,
                                  h % 12 ? h % 12 : 12, sec / 60 % 60, sec % 60, h < 12 ? "AM" : "PM", 60 + k % 40);
        }
    return s;
}

static const char *STEPS_NARROW =
    "Id,ActivityMinute,Steps\n"
    "1000,4/12/2016 11:58:00 PM,12\n"
    "1001,4/13/2016 12:03:00 AM,40\n"
    "1000,4/13/2016 12:01:00 AM,7\n"
    "1002,4/14/2016 6:00:00 AM,3\n";

static const char *SLEEP_MINUTES =
    "Id,date,value,logId\n"
    "1000,4/13/2016 12:10:30 AM,1,555\n"
    "1000,4/13/2016 12:11:30 AM,2,555\n"
    "1001,4/12/2016 11:50:00 PM,3,556\n";

typedef struct import_ctx {
    wfm_fitabase *fb;
    const char *text;
    wfm_fitabase_counts before;
    size_t users_before;
} import_ctx;

static wfm_status create_fitabase(void *ctx, void **made, wfm_error *err) {
    wfm_fitabase *fb = (wfm_fitabase *)made;
    wfm_status st = wfm_fitabase_create(&fb, err);
    *made = fb;
    return st;
}

static void release_fitabase(void *fb) { wfm_fitabase_free(fb); }

static wfm_status add_export(void *ctx, void **made, wfm_error *err) {
    import_ctx *c = ctx;
    *made = NULL;
    wfm_fitabase_get_counts(c->fb, &c->before);
    c->users_before = wfm_fitabase_user_count(c->fb);
    return wfm_fitabase_add(c->fb, c->text, strlen(c->text), NULL, err);
}

/* All or nothing: a failed add left the accumulator as it was. */
static int fitabase_unchanged(void *ctx) {
    import_ctx *c = ctx;
    wfm_fitabase_counts now;
    wfm_fitabase_get_counts(c->fb, &now);
    return wfm_fitabase_user_count(c->fb) == c->users_before && !memcmp(&now, &c->before, sizeof now);
}

static wfm_status user_minutes(void *ctx, void **made, wfm_error *err) {
    import_ctx *c = ctx;
    wfm_minutes *t = (wfm_minutes *)made;
    size_t nonwear = 0;
    wfm_status st = wfm_fitabase_user_minutes(c->fb, 1000, NULL, &t, &nonwear, err);
    *made = t;
    return st;
}

static void release_minutes(void *t) { wfm_minutes_free(t); }

static wfm_status read_csv(void *ctx, void **made, wfm_error *err) {
    wfm_minutes *t = (wfm_minutes *)made;
    wfm_status st = wfm_minutes_read_csv(ctx, strlen(ctx), &t, err);
    *made = t;
    return st;
}

/* The table of user 1000 as a CSV-comparable checksum. */
static double table_sum(const wfm_fitabase *fb) {
    wfm_minutes *t = NULL;
    if (wfm_fitabase_user_minutes(fb, 1000, NULL, &t, NULL, NULL)) return -1;
    double s = 0;
    const float *v = wfm_minutes_values(t);
    for (size_t i = 0; i < wfm_minutes_length(t) * WFM_FITABASE_CHANNELS; i++) s += isnan(v[i]) ? 0.5 : v[i] * (double)(i % 97);
    wfm_minutes_free(t);
    return s;
}

TEST(importers) {
    char *hr = heart_rate_export();
    const char *exports[] = {hr, STEPS_NARROW, SLEEP_MINUTES};
    sweep(&(entry){"fitabase_create", create_fitabase, release_fitabase, NULL, 0, 0}, NULL);
    import_ctx c = {0};
    CHECK(wfm_fitabase_create(&c.fb, NULL) == WFM_OK);
    entry add = {"fitabase_add", add_export, NULL, fitabase_unchanged, 0, 0};
    static const char *names[] = {"fitabase_add heart rate", "fitabase_add steps", "fitabase_add sleep"};
    for (int i = 0; i < 3; i++) {
        add.name = names[i];
        c.text = exports[i];
        sweep(&add, &c);
    }
    /* the faults left nothing behind: the same table as adds that never failed */
    wfm_fitabase *clean = NULL;
    CHECK(wfm_fitabase_create(&clean, NULL) == WFM_OK);
    for (int i = 0; i < 3; i++) CHECK(wfm_fitabase_add(clean, exports[i], strlen(exports[i]), NULL, NULL) == WFM_OK);
    CHECK(table_sum(c.fb) == table_sum(clean) && table_sum(clean) > 0);
    wfm_fitabase_free(clean);
    sweep(&(entry){"fitabase_user_minutes", user_minutes, release_minutes, NULL, 0, 0}, &c);
    wfm_fitabase_free(c.fb);
    free(hr);

    static const char *csv = "timestamp,heart_rate,steps\n"
                             "2016-05-05T00:03,61,\n"
                             "2016-05-05 00:00:30,60,5\n"
                             "2016-05-05T00:01,NaN,NA\n"
                             "2016-05-05T00:03,,9\n";
    sweep(&(entry){"minutes_read_csv", read_csv, release_minutes, NULL, 0, 0}, (void *)csv);
}

/* ---- profiles (anchor_profile): building one, and a run that uses it ---- */

typedef struct { wfm_model *model; wfm_minutes *history; float *x, *prof, *imp; } profile_ctx;

static wfm_status create_profile(void *ctx, void **made, wfm_error *err) {
    profile_ctx *c = ctx;
    wfm_profile *p = NULL;
    wfm_status st = wfm_profile_create(c->model, c->history, &p, err);
    *made = p;
    return st;
}
static void release_profile(void *p) { wfm_profile_free(p); }

static wfm_status run_with_profile(void *ctx, void **made, wfm_error *err) {
    profile_ctx *c = ctx;
    *made = NULL;
    wfm_outputs o = {0};
    o.imputed = c->imp;
    return wfm_run_profile(c->model, c->x, c->prof, &o, err);
}

TEST(profiles) {
    profile_ctx c = {0};
    wfm_model_params one = wfm_model_default_params();
    one.n_threads = 1; /* no worker threads: their start-up allocations would blur the byte count */
    CHECK(wfm_model_load_buffer(wfm_fx_v2p_safetensors, sizeof wfm_fx_v2p_safetensors, &one, &c.model, NULL) == WFM_OK);
    if (!c.model) return;
    static const char *names[] = {"heart_rate", "steps"};
    float vals[3 * 120 * 2];
    for (int i = 0; i < 3 * 120 * 2; i++) vals[i] = i % 7 ? 60.0f + (float)(i % 13) : NAN;
    CHECK(wfm_minutes_from_values(0, 3 * 120, 2, names, vals, &c.history, NULL) == WFM_OK);
    sweep(&(entry){"profile_create", create_profile, release_profile, NULL, 0, 0}, &c);
    /* reading a window's profile and running with it allocate nothing */
    wfm_profile *p = NULL;
    CHECK(wfm_profile_create(c.model, c.history, &p, NULL) == WFM_OK);
    c.x = calloc(120 * 3, sizeof(float));
    c.prof = calloc(120 * 3, sizeof(float));
    c.imp = calloc(120 * 3, sizeof(float));
    if (p && c.x && c.prof && c.imp) {
        for (int i = 0; i < 120 * 3; i++) c.x[i] = i % 5 ? NAN : 1.0f;
        CHECK(wfm_profile_window(p, 120, c.prof) == 2);
        void *none = NULL;
        CHECK(run_with_profile(&c, &none, NULL) == WFM_OK); /* the first run's one-time setup is not a leak */
        CHECK(sweep(&(entry){"run with a profile", run_with_profile, NULL, NULL, 0, 0}, &c) == 0);
    }
    wfm_profile_free(p);
    free(c.x); free(c.prof); free(c.imp);
    wfm_minutes_free(c.history);
    wfm_model_free(c.model);
}

/* ---- the export importers: aggregator, file, table in one call ---- */

typedef struct export_ctx { const char *name, *text; } export_ctx;

static wfm_status takeout_table(void *ctx, void **made, wfm_error *err) {
    const export_ctx *c = ctx;
    wfm_aggregator *a = NULL;
    wfm_minutes *t = (wfm_minutes *)made;
    wfm_status st = wfm_aggregator_create(&a, err);
    if (!st) st = wfm_takeout_add(a, c->name, c->text, strlen(c->text), NULL, NULL, NULL, err);
    if (!st) st = wfm_import_table(a, &t, err);
    else t = NULL;
    wfm_aggregator_free(a);
    *made = t;
    return st;
}

static wfm_status apple_table(void *ctx, void **made, wfm_error *err) {
    const char *xml = ctx;
    wfm_aggregator *a = NULL;
    wfm_apple_health *p = NULL;
    wfm_minutes *t = (wfm_minutes *)made;
    wfm_status st = wfm_aggregator_create(&a, err);
    if (!st) st = wfm_apple_health_create(a, NULL, &p, err);
    /* in two pieces, so that expat's buffer grows */
    if (!st) st = wfm_apple_health_feed(p, xml, strlen(xml) / 2, err);
    if (!st) st = wfm_apple_health_feed(p, xml + strlen(xml) / 2, strlen(xml) - strlen(xml) / 2, err);
    if (!st) st = wfm_apple_health_finish(p, NULL, err);
    if (!st) st = wfm_import_table(a, &t, err);
    else t = NULL;
    wfm_apple_health_free(p);
    wfm_aggregator_free(a);
    *made = t;
    return st;
}

typedef struct bytes_ctx { const char *data; size_t len; } bytes_ctx;

static wfm_status fit_table(void *ctx, void **made, wfm_error *err) {
    const bytes_ctx *c = ctx;
    wfm_aggregator *a = NULL;
    wfm_minutes *t = (wfm_minutes *)made;
    wfm_status st = wfm_aggregator_create(&a, err);
    if (!st) st = wfm_fit_add(a, c->data, c->len, NULL, NULL, err);
    if (!st) st = wfm_import_table(a, &t, err);
    else t = NULL;
    wfm_aggregator_free(a);
    *made = t;
    return st;
}

TEST(export_importers) {
    static const export_ctx takeout[] = {
        {"heart_rate-2024-03-10.json", "[{\"dateTime\":\"03/10/24 08:00:05\",\"value\":{\"bpm\":60,\"confidence\":3}},"
                                       "{\"dateTime\":\"03/11/24 08:00:50\",\"value\":{\"bpm\":70,\"confidence\":2}}]"},
        {"sleep-2024-03-10.json", "[{\"logId\":1,\"levels\":{\"data\":[{\"dateTime\":\"2024-03-09T23:50:00.000\",\"level\":\"wake\","
                                  "\"seconds\":600},{\"dateTime\":\"2024-03-10T00:00:00.000\",\"level\":\"deep\",\"seconds\":1200}],"
                                  "\"shortData\":[{\"dateTime\":\"2024-03-10T00:05:00.000\",\"level\":\"wake\",\"seconds\":60}]}}]"},
        {"steps_2024-03-11.csv", "timestamp,steps\n2024-03-11T12:00:00Z,10\n2024-03-11T12:01:00Z,0\n2024-03-12T12:01:00Z,5\n"},
    };
    static const char *names[] = {"takeout heart rate json -> table", "takeout sleep json -> table", "takeout steps csv -> table"};
    for (int i = 0; i < 3; i++)
        sweep(&(entry){names[i], takeout_table, release_minutes, NULL, 0, 0}, (void *)&takeout[i]);
    static const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (Record)*>\n"
        "<!ATTLIST HealthData locale CDATA #REQUIRED>\n]>\n<HealthData locale=\"en_US\">\n"
        " <Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"Watch\" unit=\"count/min\" "
        "startDate=\"2024-03-10 08:00:05 -0500\" endDate=\"2024-03-10 08:00:05 -0500\" value=\"62\"/>\n"
        " <Record type=\"HKQuantityTypeIdentifierStepCount\" sourceName=\"iPhone\" unit=\"count\" "
        "startDate=\"2024-03-10 08:00:00 -0500\" endDate=\"2024-03-10 08:03:00 -0500\" value=\"90\"/>\n"
        " <Record type=\"HKQuantityTypeIdentifierStepCount\" sourceName=\"Watch\" unit=\"count\" "
        "startDate=\"2024-03-10 08:00:00 -0500\" endDate=\"2024-03-10 08:01:00 -0500\" value=\"40\"/>\n"
        " <Record type=\"HKCategoryTypeIdentifierSleepAnalysis\" sourceName=\"Watch\" "
        "startDate=\"2024-03-11 01:00:00 -0500\" endDate=\"2024-03-11 01:03:00 -0500\" value=\"HKCategoryValueSleepAnalysisAsleepDeep\"/>\n"
        "</HealthData>\n";
    sweep(&(entry){"apple health xml -> table", apple_table, release_minutes, NULL, 0, 0}, (void *)xml);
    /* heart rate records, monitoring steps and an activity message, with valid CRCs */
    static const char fit[] = "\x0e\x20\x54\x08\x76\x00\x00\x00\x2e\x46\x49\x54\x3e\xdf\x40\x00\x00\x14\x00\x02\xfd\x04\x86\x03\x01\x02\x00\x80\x1c\x50\x40\x3c\x00\x94\x1c\x50\x40\x3d\x00\xa8\x1c\x50\x40\x3e\x00\xbc\x1c\x50\x40\x3f\x00\xd0\x1c\x50\x40\x40\x41\x00\x00\x37\x00\x03\xfd\x04\x86\x03\x04\x86\x05\x01\x00\x01\x80\x1c\x50\x40\x32\x00\x00\x00\x06\x01\xbc\x1c\x50\x40\x64\x00\x00\x00\x06\x01\xf8\x1c\x50\x40\x96\x00\x00\x00\x06\x01\x34\x1d\x50\x40\xc8\x00\x00\x00\x06\x42\x00\x00\x22\x00\x02\xfd\x04\x86\x05\x04\x86\x02\xac\x1d\x50\x40\x9c\x0f\x50\x40\x62\x50";
    static const bytes_ctx fit_file = {fit, sizeof fit - 1};
    sweep(&(entry){"fit -> table", fit_table, release_minutes, NULL, 0, 0}, (void *)&fit_file);
}

/* ---- time zones ---- */

static int three_changes(void *ctx, int64_t m) { (void)ctx; return m < 5000 ? 60 : m < 90000 ? 120 : m < 400000 ? 60 : 0; }

static wfm_status sample_zone(void *ctx, void **made, wfm_error *err) {
    (void)ctx;
    wfm_tz *tz = (wfm_tz *)made;
    wfm_status st = wfm_tz_sample(three_changes, NULL, 0, 500000, &tz, err);
    *made = tz;
    return st;
}

static void release_zone(void *tz) { wfm_tz_free(tz); }

TEST(time_zones) { sweep(&(entry){"time zone sampled from a host", sample_zone, release_zone, NULL, 0, 0}, NULL); }

/* ---- raw waveforms: readers and the resampler ---- */

typedef struct waveio_ctx { const char *text; wfm_waveform_options o; } waveio_ctx;

static wfm_status read_waveform(void *ctx, void **made, wfm_error *err) {
    const waveio_ctx *c = ctx;
    wfm_waveform *w = (wfm_waveform *)made;
    wfm_status st = wfm_waveform_read_buffer(c->text, strlen(c->text), &c->o, &w, err);
    *made = w;
    return st;
}

static wfm_status read_waveform_file(void *ctx, void **made, wfm_error *err) {
    wfm_waveform *w = (wfm_waveform *)made;
    static const wfm_waveform_options e4 = {WFM_WAVEFORM_E4, NULL, 0, 0};
    wfm_status st = wfm_waveform_read_file(ctx, &e4, &w, err);
    *made = w;
    return st;
}

static void release_waveform(void *w) { wfm_waveform_free(w); }

static wfm_status resample(void *ctx, void **made, wfm_error *err) {
    static float y[3 * 13];
    *made = NULL;
    return wfm_resample(ctx, 16, 3, 32, 25, y, 13, err);
}

typedef struct prepare_ctx { wfm_model *model; wfm_waveform *w; } prepare_ctx;

static wfm_status prepare(void *ctx, void **made, wfm_error *err) {
    const prepare_ctx *c = ctx;
    wfm_waveform *p = (wfm_waveform *)made;
    wfm_status st = wfm_waveform_prepare(c->model, c->w, &p, err);
    *made = p;
    return st;
}

TEST(waveforms) {
    static const waveio_ctx e4 = {"1495437325.000000, 1495437325.000000, 1495437325.000000\n32.000000, 32.000000, "
                                "32.000000\n29,-6,55\n28,-6,55\n1200,,55\n", {WFM_WAVEFORM_E4, NULL, 0, 0}};
    static const waveio_ctx csv = {"timestamp,x,y,z\n1700000000000,0,0,9.8\n1700000000031,0,0,9.8\n"
                                 "1700000000063,0,0,9.8\n1700000000200,0,,9.8\n", {WFM_WAVEFORM_CSV, "m/s2", 0, 0}};
    sweep(&(entry){"waveform E4 csv", read_waveform, release_waveform, NULL, 0, 0}, (void *)&e4);
    sweep(&(entry){"waveform csv, estimated rate", read_waveform, release_waveform, NULL, 0, 0}, (void *)&csv);
    const char *path = "test_alloc_faults.tmp.csv";
    CHECK(write_file(path, e4.text, strlen(e4.text)));
    sweep(&(entry){"waveform E4 file", read_waveform_file, release_waveform, NULL, 0, 0}, (void *)path);
    remove(path);
    float x[16 * 3];
    for (int i = 0; i < 16 * 3; i++) x[i] = i % 5 == 0 ? NAN : (float)(i % 7) / 7;
    sweep(&(entry){"resample 32 -> 25 Hz", resample, NULL, NULL, 0, 0}, x);
    /* the window rule: checked, then resampled 32 -> 16 Hz for w1 */
    prepare_ctx pc = {NULL, NULL};
    wfm_model_params mp = params_for(1);
    CHECK(wfm_model_load_buffer(wfm_fx_w1_safetensors, sizeof wfm_fx_w1_safetensors, &mp, &pc.model, NULL) == WFM_OK);
    CHECK(wfm_waveform_read_buffer(e4.text, strlen(e4.text), &e4.o, &pc.w, NULL) == WFM_OK);
    if (pc.model && pc.w) sweep(&(entry){"waveform prepare for a model", prepare, release_waveform, NULL, 0, 0}, &pc);
    wfm_waveform_free(pc.w);
    wfm_model_free(pc.model);
    /* timestamps claiming 10^10 samples fail before anything that large is asked for */
    static const waveio_ctx claim = {"timestamp,x\n1600000000,0\n1700000000,0\n", {WFM_WAVEFORM_CSV, "g", 100, 0}};
    wfm_waveform *w = NULL;
    wfm_error err;
    wfm_alloc_fail_at(0, 0);
    CHECK(wfm_waveform_read_buffer(claim.text, strlen(claim.text), &claim.o, &w, &err) == WFM_ERR_INVALID_ARG && !w);
    CHECK_MSG(wfm_alloc_largest() < 4096, "largest allocation %zu bytes", wfm_alloc_largest());
}

/* ---- sizes from untrusted headers ---- */

/* A saved probe file with its metadata's `from` replaced by `to` (the
 * header length rewritten; the data follows unchanged). */
static uint8_t *patch_metadata(const uint8_t *file, size_t size, const char *from, const char *to, size_t *out_size) {
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--) hl = hl << 8 | file[k];
    const char *header = (const char *)file + 8, *at = NULL;
    for (size_t i = 0; i + strlen(from) <= hl && !at; i++)
        if (!memcmp(header + i, from, strlen(from))) at = header + i;
    if (!at) return NULL;
    size_t head = (size_t)(at - header), tail = (size_t)hl - head - strlen(from), nhl = head + strlen(to) + tail;
    *out_size = 8 + nhl + (size - 8 - (size_t)hl);
    uint8_t *o = malloc(*out_size);
    for (int k = 0; k < 8; k++) o[k] = (uint8_t)((uint64_t)nhl >> (8 * k));
    memcpy(o + 8, header, head);
    memcpy(o + 8 + head, to, strlen(to));
    memcpy(o + 8 + head + strlen(to), at + strlen(from), tail + (size - 8 - (size_t)hl));
    return o;
}

/* A probe file of 1 KB whose metadata claims a million features must fail
 * on its tensors' shapes before the probe (12 MB here) is allocated: what
 * the loader allocates stays within a small multiple of the file. */
TEST(probe_metadata_cannot_ask_for_more_than_the_file_holds) {
    static probe_ctx c;
    static const char *const classes[] = {"low", "mid", "high"};
    probe_data(&c);
    c.params = wfm_probe_default_params();
    c.params.class_names = classes;
    wfm_probe *p = NULL;
    void *data = NULL;
    size_t size = 0, hostile_size = 0;
    CHECK(wfm_probe_fit(c.X, PN, PD, c.labels, NULL, NULL, &c.params, &p, NULL) == WFM_OK);
    CHECK(p && wfm_probe_save_buffer(p, &data, &size, NULL) == WFM_OK);
    uint8_t *hostile = data ? patch_metadata(data, size, "\\\"n_features\\\": 3", "\\\"n_features\\\": 1048576", &hostile_size) : NULL;
    CHECK(hostile != NULL);
    if (hostile) {
        wfm_probe *q = (wfm_probe *)hostile;
        wfm_error err = {0};
        wfm_alloc_fail_at(0, 0); /* resets the counters */
        CHECK(wfm_probe_load_buffer(hostile, hostile_size, &q, &err) == WFM_ERR_FORMAT && q == NULL);
        CHECK_MSG(strstr(err.message, "wrong shape") != NULL, "%s", err.message);
        CHECK_MSG(wfm_alloc_largest() <= 16 * hostile_size, "a %zu-byte file made the loader ask for %zu bytes",
                  hostile_size, wfm_alloc_largest());
        printf("  a %zu-byte probe claiming 2^20 features: '%s', largest allocation %zu bytes\n", hostile_size,
               err.message, wfm_alloc_largest());
    }
    free(hostile);
    wfm_probe_buffer_free(data);
    wfm_probe_free(p);
}

/* personal_lambda (v2q): the profile also holds the personal fit's scratch;
 * a window's anchor parameters and a run with them allocate nothing */
typedef struct { profile_ctx base; wfm_profile *p; float *params; } personal_ctx;

static wfm_status personal_anchor_and_run(void *ctx, void **made, wfm_error *err) {
    personal_ctx *c = ctx;
    *made = NULL;
    if (wfm_profile_anchor(c->p, 240, c->params) < 0) return WFM_ERR_UNSUPPORTED; /* not a personal_lambda model */
    wfm_outputs o = {0};
    o.imputed = c->base.imp;
    return wfm_run_personal(c->base.model, c->base.x, c->base.prof, c->params, &o, err);
}

TEST(personal_profiles) {
    personal_ctx c = {0};
    wfm_model_params one = wfm_model_default_params();
    one.n_threads = 1;
    CHECK(wfm_model_load_buffer(wfm_fx_v2q_safetensors, sizeof wfm_fx_v2q_safetensors, &one, &c.base.model, NULL) ==
          WFM_OK);
    if (!c.base.model) return;
    static const char *names[] = {"heart_rate", "steps"};
    float vals[3 * 120 * 2];
    for (int i = 0; i < 3 * 120 * 2; i++) vals[i] = i % 7 ? 60.0f + (float)(i % 13) : NAN;
    CHECK(wfm_minutes_from_values(0, 3 * 120, 2, names, vals, &c.base.history, NULL) == WFM_OK);
    sweep(&(entry){"profile_create (personal_lambda)", create_profile, release_profile, NULL, 0, 0}, &c.base);
    wfm_model_info info;
    wfm_model_get_info(c.base.model, &info);
    CHECK(wfm_profile_create(c.base.model, c.base.history, &c.p, NULL) == WFM_OK);
    c.base.x = calloc(120 * 3, sizeof(float));
    c.base.prof = calloc(120 * 3, sizeof(float));
    c.base.imp = calloc(120 * 3, sizeof(float));
    c.params = calloc(info.anchor_params, sizeof(float));
    if (c.p && c.base.x && c.base.prof && c.base.imp && c.params) {
        for (int i = 0; i < 120 * 3; i++) c.base.x[i] = i % 5 ? NAN : 1.0f;
        CHECK(wfm_profile_window(c.p, 240, c.base.prof) == 2);
        void *none = NULL;
        CHECK(personal_anchor_and_run(&c, &none, NULL) == WFM_OK);
        CHECK(sweep(&(entry){"personal anchor and run", personal_anchor_and_run, NULL, NULL, 0, 0}, &c) == 0);
    }
    wfm_profile_free(c.p);
    free(c.base.x); free(c.base.prof); free(c.base.imp); free(c.params);
    wfm_minutes_free(c.base.history);
    wfm_model_free(c.base.model);
}

int main(void) {
    RUN(model_loading);
    RUN(states_and_runs);
    RUN(waveform_runs);
    RUN(probe_fitting);
    RUN(probe_relative_features);
    RUN(probe_files);
    RUN(importers);
    RUN(profiles);
    RUN(personal_profiles);
    RUN(export_importers);
    RUN(time_zones);
    RUN(waveforms);
    RUN(probe_metadata_cannot_ask_for_more_than_the_file_holds);
    return TEST_SUMMARY();
}
