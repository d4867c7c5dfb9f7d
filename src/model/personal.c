/* "personal_lambda" (docs/model-format.md): the cross-channel anchor refitted
 * on the person's own history.
 *
 * The model's anchor weights were fitted on the training people; how a
 * person's heart rate answers their steps, and where their level sits, is
 * their own. For a window starting at minute w, each continuous or count
 * channel c gets theta_c = (A + lambda I)^-1 (b + lambda theta_model): the
 * normal equations A, b of the anchor's own fit (tools/anchor_fit.py) built
 * from the person's history, shrunk toward the model's weights. The history
 * windows are the T-minute windows at multiples of T that hold a value and
 * do not overlap w, nearest first, at most personal_windows. In each, c is
 * hidden three ways while it was observed: in simulated gaps (one of each
 * length in PERSONAL_GAPS, placed by a hash of the window) with the other
 * channels losing 3 in 10 of their patches; in the same gaps with every
 * channel hidden there; and for the whole window with the others losing
 * patches. Each hidden observed minute is a row: the anchor's terms (the
 * other channels' cross terms, the profile terms, a 1), less their edge
 * lines over c's remaining observations, against z_c less c's linear
 * anchor. The profile of a history window leaves out that window and w, so
 * the window being filled never enters its own fit.
 * tools/wearfm_ref.py:personal_params computes the same. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "platform/alloc.h"
#include "platform/error.h"
#include "model/anchor_terms.h"
#include "model/model.h"
#include "model/profile.h"

static const int PERSONAL_GAPS[] = {10, 30, 60, 180}; /* minutes, one gap each */
#define N_PERSONAL_GAPS 4
#define OTHERS_HIDDEN_IN_10 3 /* the other channels' patches hidden, as the anchor's fit hides 30% */
#define PERSONAL_SLOT_BYTES ((size_t)64 << 20) /* the most the kept history windows take */

enum design { GAPS_OTHERS, ALL_GAPS, SENSOR_OTHERS, N_DESIGNS };

/* Only the profile terms of a row depend on the window being filled (its
 * profile leaves that window out), so everything else a history window adds
 * to the fit is computed once and kept: per personal channel and design the
 * hidden rows' other terms (the cross terms and the 1, edge lines
 * subtracted), their targets, c's observed mask, edge gate and linear anchor,
 * and the normal equations of the other terms alone. A slot holds one
 * window; the least recently used is refilled, and targets in time order
 * share all but one window with the previous target, so n_max + 2 slots
 * build each window about once. */
struct wfm_personal {
    const wfm_model *model;     /* must outlive the profile */
    int C, T, P, F, K;          /* K: the most terms of one channel's row */
    int n_cross, KO;            /* the other channels' terms ((C-1) F); KO = n_cross + 1: those and the 1 */
    int CP, R;                  /* personal channels; the most hidden rows of one in one window */
    int *personal_index;        /* [C] the channel's place among the personal ones, -1 none */
    size_t n_params;            /* C*C*F weights, C biases, C*3 profile weights */
    int64_t *windows;           /* [H] history windows that hold a value */
    int64_t *order;             /* [H] scratch: one target's windows, nearest first */
    int H;
    /* scratch for building a slot and for one target's profile terms */
    float *x, *prof, *z, *zin, *a, *obs, *terms, *feats, *line, *pf;
    uint8_t *gaps, *others, *hide;
    double *prefix, *A, *b, *M, *rhs, *theta; /* A [C, K, K], b [C, K]; M, rhs, theta one solve */
    uint8_t *has_rows;          /* [C] */
    /* the slots; per slot s and personal channel i, at u = s * CP + i: */
    int S;
    uint64_t clock, *slot_used; /* 0 = empty */
    int64_t *slot_window;
    int *n_rows;                /* [u, N_DESIGNS] */
    int *row_t;                 /* [u, R] the rows' minutes, designs in order */
    double *row_y;              /* [u, R] z less the linear anchor */
    float *row_terms;           /* [u, R, KO] the other terms, edge lines subtracted */
    float *d_obs, *d_gate, *d_a; /* [u, N_DESIGNS, T] c's hidden input: observed, edge gate, linear anchor */
    double *A_o, *b_o;          /* [u, KO, KO] lower triangle, [u, KO]: the other terms' normal equations */
};

uint64_t wfm_splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void wfm_personal_free(wfm_personal *q) {
    if (!q) return;
    free(q->personal_index); free(q->windows); free(q->order);
    free(q->x); free(q->prof); free(q->z); free(q->zin); free(q->a); free(q->obs); free(q->terms);
    free(q->feats); free(q->line); free(q->pf);
    free(q->gaps); free(q->others); free(q->hide);
    free(q->prefix); free(q->A); free(q->b); free(q->M); free(q->rhs); free(q->theta); free(q->has_rows);
    free(q->slot_used); free(q->slot_window); free(q->n_rows); free(q->row_t); free(q->row_y); free(q->row_terms);
    free(q->d_obs); free(q->d_gate); free(q->d_a); free(q->A_o); free(q->b_o);
    free(q);
}

static int is_personal_channel(const wfm_config *cfg, int c) {
    return cfg->channels[c].kind != WFM_CHANNEL_CATEGORY;
}

/* The window's minutes [start, start + T) of the history, NaN outside it. */
static void history_window(const wfm_profile *p, int64_t start, float *x) {
    const int C = p->n_channels, T = p->window_minutes;
    for (int t = 0; t < T; t++) {
        const int64_t m = start + t;
        const int inside = m >= p->start && m < p->start + (int64_t)p->n_minutes;
        for (int c = 0; c < C; c++) x[(size_t)t * C + c] = inside ? p->values[(size_t)(m - p->start) * C + c] : NAN;
    }
}

wfm_status wfm_personal_create(const wfm_model *model, const wfm_profile *p, wfm_personal **out, wfm_error *err) {
    *out = NULL;
    const wfm_config *cfg = &model->cfg;
    wfm_personal *q = wfm_calloc(1, sizeof *q);
    if (!q) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the personal fit");
    q->model = model;
    q->C = cfg->n_channels;
    q->T = cfg->window_minutes;
    q->P = cfg->patch_minutes;
    q->F = 1 + cfg->n_rolling;
    q->n_cross = (q->C - 1) * q->F;
    q->K = q->n_cross + WFM_PROFILE_TERMS + 1;
    q->KO = q->n_cross + 1;
    q->n_params = (size_t)q->C * q->C * q->F + (size_t)q->C + (size_t)q->C * WFM_PROFILE_TERMS;
    const int C = q->C, T = q->T, K = q->K, KO = q->KO;
    int gap_minutes = 0; /* the most minutes one window's gaps cover */
    for (int k = 0; k < N_PERSONAL_GAPS; k++) gap_minutes += PERSONAL_GAPS[k] < T ? PERSONAL_GAPS[k] : T;
    if (gap_minutes > T) gap_minutes = T;
    q->R = 2 * gap_minutes + T; /* GAPS_OTHERS and ALL_GAPS hide the gaps, SENSOR_OTHERS every minute */
    /* the T-minute windows at multiples of T that hold any of the history's values */
    const int64_t first = p->start >= 0 ? p->start / T * T : -((-p->start + T - 1) / T) * T;
    const int64_t end = p->start + (int64_t)p->n_minutes;
    const size_t max_windows = p->n_minutes / (size_t)T + 2;
    q->personal_index = wfm_malloc(sizeof(int) * (size_t)C);
    q->windows = wfm_malloc(sizeof(int64_t) * max_windows);
    q->order = wfm_malloc(sizeof(int64_t) * max_windows);
    q->x = wfm_malloc(sizeof(float) * (size_t)T * C);
    q->prof = wfm_malloc(sizeof(float) * (size_t)T * C);
    q->z = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->zin = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->a = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->obs = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->terms = wfm_malloc(sizeof(float) * (size_t)C * q->F * T);
    q->feats = wfm_malloc(sizeof(float) * (size_t)KO * T);
    q->line = wfm_malloc(sizeof(float) * (size_t)T);
    q->pf = wfm_malloc(sizeof(float) * (size_t)(WFM_PROFILE_TERMS + 1) * T);
    q->gaps = wfm_malloc((size_t)T);
    q->others = wfm_malloc((size_t)C * T);
    q->hide = wfm_malloc((size_t)T);
    q->prefix = wfm_malloc(sizeof(double) * (size_t)(T + 1));
    q->A = wfm_malloc(sizeof(double) * (size_t)C * K * K);
    q->b = wfm_malloc(sizeof(double) * (size_t)C * K);
    q->M = wfm_malloc(sizeof(double) * (size_t)K * K);
    q->rhs = wfm_malloc(sizeof(double) * (size_t)K);
    q->theta = wfm_malloc(sizeof(double) * (size_t)K);
    q->has_rows = wfm_malloc((size_t)C);
    if (!q->personal_index || !q->windows || !q->order || !q->x || !q->prof || !q->z || !q->zin || !q->a ||
        !q->obs || !q->terms || !q->feats || !q->line || !q->pf || !q->gaps || !q->others || !q->hide ||
        !q->prefix || !q->A || !q->b || !q->M || !q->rhs || !q->theta || !q->has_rows) {
        wfm_personal_free(q);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the personal fit");
    }
    for (int c = 0; c < C; c++) q->personal_index[c] = is_personal_channel(cfg, c) ? q->CP++ : -1;
    for (int64_t h = first; h < end; h += T) {
        history_window(p, h, q->x);
        int any = 0;
        for (size_t i = 0; i < (size_t)T * C && !any; i++) any = !isnan(q->x[i]);
        if (any) q->windows[q->H++] = h;
    }
    /* the slots: enough for targets in time order, within PERSONAL_SLOT_BYTES (a model
     * with many channels gets fewer and rebuilds more, with the same result) */
    const size_t CP1 = (size_t)(q->CP > 0 ? q->CP : 1);
    const size_t slot_bytes = CP1 * ((size_t)q->R * (sizeof(float) * KO + sizeof(int) + sizeof(double)) +
                                     N_DESIGNS * (size_t)T * 3 * sizeof(float) + sizeof(double) * (size_t)KO * (KO + 1) +
                                     N_DESIGNS * sizeof(int));
    const size_t by_memory = PERSONAL_SLOT_BYTES / slot_bytes;
    q->S = cfg->personal_windows + 2 < q->H ? cfg->personal_windows + 2 : q->H;
    if ((size_t)q->S > by_memory) q->S = (int)by_memory;
    if (q->S < 1) q->S = 1;
    const size_t U = (size_t)q->S * (size_t)(q->CP > 0 ? q->CP : 1);
    q->slot_used = wfm_calloc((size_t)q->S, sizeof(uint64_t));
    q->slot_window = wfm_malloc(sizeof(int64_t) * (size_t)q->S);
    q->n_rows = wfm_malloc(sizeof(int) * U * N_DESIGNS);
    q->row_t = wfm_malloc(sizeof(int) * U * (size_t)q->R);
    q->row_y = wfm_malloc(sizeof(double) * U * (size_t)q->R);
    q->row_terms = wfm_malloc(sizeof(float) * U * (size_t)q->R * KO);
    q->d_obs = wfm_malloc(sizeof(float) * U * N_DESIGNS * (size_t)T);
    q->d_gate = wfm_malloc(sizeof(float) * U * N_DESIGNS * (size_t)T);
    q->d_a = wfm_malloc(sizeof(float) * U * N_DESIGNS * (size_t)T);
    q->A_o = wfm_malloc(sizeof(double) * U * (size_t)KO * KO);
    q->b_o = wfm_malloc(sizeof(double) * U * (size_t)KO);
    if (!q->slot_used || !q->slot_window || !q->n_rows || !q->row_t || !q->row_y || !q->row_terms || !q->d_obs ||
        !q->d_gate || !q->d_a || !q->A_o || !q->b_o) {
        wfm_personal_free(q);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the personal fit's history windows");
    }
    *out = q;
    return WFM_OK;
}

/* Channel c's simulated gaps in the history window at h: one gap of each
 * PERSONAL_GAPS length L (at most T), starting at
 * splitmix64(h * 64 + c * 8 + k) mod (T - L + 1). */
static void simulated_gaps(int64_t h, int c, int T, uint8_t *gaps) {
    memset(gaps, 0, (size_t)T);
    for (int k = 0; k < N_PERSONAL_GAPS; k++) {
        const int L = PERSONAL_GAPS[k] < T ? PERSONAL_GAPS[k] : T;
        const uint64_t key = (uint64_t)h * 64u + (uint64_t)c * 8u + (uint64_t)k;
        const int s = (int)(wfm_splitmix64(key) % (uint64_t)(T - L + 1));
        memset(gaps + s, 1, (size_t)L);
    }
}

/* The other channels' hidden patches [C, T] for channel c's fit in the
 * window at h: patch q of channel j when splitmix64(((h * 64 + c) * 64 + j)
 * * 4096 + q) mod 10 < 3. */
static void others_hidden(int64_t h, int c, int C, int T, int P, uint8_t *hide) {
    memset(hide, 0, (size_t)C * T);
    for (int j = 0; j < C; j++) {
        if (j == c) continue;
        for (int qi = 0; qi < T / P; qi++) {
            const uint64_t key = (((uint64_t)h * 64u + (uint64_t)c) * 64u + (uint64_t)j) * 4096u + (uint64_t)qi;
            if (wfm_splitmix64(key) % 10u < OTHERS_HIDDEN_IN_10) memset(hide + (size_t)j * T + (size_t)qi * P, 1, (size_t)P);
        }
    }
}

/* Fills slot s with the history window at h: for each personal channel and
 * design, the hidden rows' other terms and targets, and their normal equations. */
static void build_slot(wfm_personal *q, const wfm_profile *p, int64_t h, int s) {
    const wfm_config *cfg = &q->model->cfg;
    const int C = q->C, T = q->T, F = q->F, KO = q->KO, n_cross = q->n_cross;
    history_window(p, h, q->x);
    for (int c = 0; c < C; c++)
        for (int t = 0; t < T; t++) {
            const float v = q->x[(size_t)t * C + c];
            q->z[(size_t)c * T + t] = isnan(v) ? NAN : wfm_clipped_z(&cfg->channels[c], v);
        }
    for (int c = 0; c < C; c++) {
        if (q->personal_index[c] < 0) continue;
        const size_t u = (size_t)s * q->CP + (size_t)q->personal_index[c];
        int *n_rows = q->n_rows + u * N_DESIGNS, *row_t = q->row_t + u * q->R;
        double *row_y = q->row_y + u * q->R, *A = q->A_o + u * KO * KO, *b = q->b_o + u * KO;
        float *row_terms = q->row_terms + u * q->R * KO;
        memset(n_rows, 0, sizeof(int) * N_DESIGNS);
        memset(A, 0, sizeof(double) * (size_t)KO * KO);
        memset(b, 0, sizeof(double) * (size_t)KO);
        const float *zc = q->z + (size_t)c * T;
        int seen = 0;
        for (int t = 0; t < T; t++) seen += !isnan(zc[t]);
        if (!seen) continue;
        simulated_gaps(h, c, T, q->gaps);
        others_hidden(h, c, C, T, q->P, q->others);
        int r = 0;
        for (int d = 0; d < N_DESIGNS; d++) {
            int n_hidden = 0;
            for (int t = 0; t < T; t++) {
                q->hide[t] = (d == SENSOR_OTHERS || q->gaps[t]) && !isnan(zc[t]);
                n_hidden += q->hide[t];
            }
            if (!n_hidden) continue;
            memcpy(q->zin, q->z, sizeof(float) * (size_t)C * T);
            for (int j = 0; j < C; j++)
                for (int t = 0; t < T; t++) {
                    float *v = q->zin + (size_t)j * T + t;
                    if (j == c ? q->hide[t] : d == ALL_GAPS ? q->gaps[t] : q->others[(size_t)j * T + t]) *v = NAN;
                }
            for (int j = 0; j < C; j++) { /* linear anchors and cross terms of the hidden input */
                float *aj = q->a + (size_t)j * T, *oj = q->obs + (size_t)j * T;
                const float *zj = q->zin + (size_t)j * T;
                for (int t = 0; t < T; t++) {
                    oj[t] = isnan(zj[t]) ? 0.0f : 1.0f;
                    aj[t] = isnan(zj[t]) ? 0.0f : zj[t];
                }
                wfm_edge_line(aj, oj, T, aj);
                if (j != c) wfm_cross_terms(cfg, aj, oj, q->prefix, q->terms + (size_t)j * F * T);
            }
            const float *ac = q->a + (size_t)c * T, *oc = q->obs + (size_t)c * T;
            float *gate = q->d_gate + (u * N_DESIGNS + (size_t)d) * T;
            memcpy(q->d_obs + (u * N_DESIGNS + (size_t)d) * T, oc, sizeof(float) * (size_t)T);
            memcpy(q->d_a + (u * N_DESIGNS + (size_t)d) * T, ac, sizeof(float) * (size_t)T);
            wfm_edge_gate(oc, T, cfg->profile_tau, 1.0f, gate);
            int k = 0; /* the other terms: the other channels' F terms, then 1 */
            for (int j = 0; j < C; j++)
                if (j != c) {
                    memcpy(q->feats + (size_t)k * T, q->terms + (size_t)j * F * T, sizeof(float) * (size_t)F * T);
                    k += F;
                }
            for (int t = 0; t < T; t++) q->feats[(size_t)n_cross * T + t] = 1.0f;
            for (int i = 0; i < KO; i++) { /* less each term's edge line over c's remaining observations */
                float *fi = q->feats + (size_t)i * T;
                wfm_edge_line(fi, oc, T, q->line);
                for (int t = 0; t < T; t++) fi[t] -= q->line[t];
            }
            for (int t = 0; t < T; t++) {
                if (!q->hide[t]) continue;
                const double y = (double)zc[t] - (double)ac[t];
                float *xr = row_terms + (size_t)r * KO;
                row_t[r] = t;
                row_y[r] = y;
                for (int i = 0; i < KO; i++) {
                    xr[i] = q->feats[(size_t)i * T + t];
                    const double xi = xr[i];
                    b[i] += xi * y;
                    for (int j = 0; j <= i; j++) A[(size_t)i * KO + j] += xi * xr[j];
                }
                r++;
            }
            n_rows[d] = n_hidden;
        }
    }
    q->slot_window[s] = h;
}

/* The slot holding the history window at h, built into the least recently used one if none does. */
static int window_slot(wfm_personal *q, const wfm_profile *p, int64_t h) {
    int oldest = 0;
    for (int s = 0; s < q->S; s++) {
        if (q->slot_used[s] && q->slot_window[s] == h) {
            q->slot_used[s] = ++q->clock;
            return s;
        }
        if (q->slot_used[s] < q->slot_used[oldest]) oldest = s;
    }
    build_slot(q, p, h, oldest);
    q->slot_used[oldest] = ++q->clock;
    return oldest;
}

/* Adds the rows of the history window in slot s, whose profile without the
 * target is q->prof, to the normal equations of every personal channel. The
 * row's terms in order: the other channels' F terms, p, p*g, a*g*known, 1
 * (indices n_cross + i for the profile terms, K - 1 for the 1). */
static void add_window(wfm_personal *q, int s) {
    const wfm_config *cfg = &q->model->cfg;
    const int C = q->C, T = q->T, K = q->K, KO = q->KO, n_cross = q->n_cross;
    for (int c = 0; c < C; c++) {
        if (q->personal_index[c] < 0) continue;
        const size_t u = (size_t)s * q->CP + (size_t)q->personal_index[c];
        const int *n_rows = q->n_rows + u * N_DESIGNS;
        if (!n_rows[GAPS_OTHERS] && !n_rows[ALL_GAPS] && !n_rows[SENSOR_OTHERS]) continue;
        double *A = q->A + (size_t)c * K * K, *b = q->b + (size_t)c * K;
        const double *A_o = q->A_o + u * KO * KO, *b_o = q->b_o + u * KO;
        for (int i = 0; i < KO; i++) { /* the other terms' part, kept */
            const int fi = i < n_cross ? i : K - 1;
            b[fi] += b_o[i];
            for (int j = 0; j <= i; j++) A[(size_t)fi * K + (j < n_cross ? j : K - 1)] += A_o[(size_t)i * KO + j];
        }
        float *pz = q->pf + (size_t)WFM_PROFILE_TERMS * T; /* c's profile in clipped z, 0 unknown */
        for (int t = 0; t < T; t++) {
            const float pv = q->prof[(size_t)t * C + c];
            pz[t] = isnan(pv) ? 0.0f : wfm_clipped_z(&cfg->channels[c], pv);
        }
        const int *row_t = q->row_t + u * q->R;
        const double *row_y = q->row_y + u * q->R;
        const float *row_terms = q->row_terms + u * q->R * KO;
        int r = 0;
        for (int d = 0; d < N_DESIGNS; d++) {
            if (!n_rows[d]) continue;
            const size_t at = (u * N_DESIGNS + (size_t)d) * T;
            const float *oc = q->d_obs + at, *gate = q->d_gate + at, *ac = q->d_a + at;
            for (int t = 0; t < T; t++) {
                const float known = isnan(q->prof[(size_t)t * C + c]) ? 0.0f : 1.0f;
                q->pf[t] = pz[t];
                q->pf[(size_t)T + t] = pz[t] * gate[t];
                q->pf[(size_t)2 * T + t] = ac[t] * gate[t] * known;
            }
            for (int i = 0; i < WFM_PROFILE_TERMS; i++) { /* less the edge line, as the other terms */
                float *fi = q->pf + (size_t)i * T;
                wfm_edge_line(fi, oc, T, q->line);
                for (int t = 0; t < T; t++) fi[t] -= q->line[t];
            }
            for (int e = r + n_rows[d]; r < e; r++) {
                const int t = row_t[r];
                const double y = row_y[r];
                const float *xo = row_terms + (size_t)r * KO;
                for (int i = 0; i < WFM_PROFILE_TERMS; i++) {
                    const double xi = q->pf[(size_t)i * T + t];
                    double *Ai = A + (size_t)(n_cross + i) * K;
                    b[n_cross + i] += xi * y;
                    for (int j = 0; j < n_cross; j++) Ai[j] += xi * xo[j];
                    for (int j = 0; j <= i; j++) Ai[n_cross + j] += xi * q->pf[(size_t)j * T + t];
                    A[(size_t)(K - 1) * K + n_cross + i] += (double)xo[n_cross] * xi;
                }
            }
        }
        q->has_rows[c] = 1;
    }
}

/* theta = (A + lambda I)^-1 (b + lambda theta0) by Cholesky on the lower
 * triangle of A; 0 when the matrix is not positive definite (not finite). */
static int shrunk_solve(wfm_personal *q, const double *A, const double *b, double lambda, double *theta) {
    const int K = q->K;
    double *M = q->M, *r = q->rhs;
    for (int i = 0; i < K; i++) {
        for (int j = 0; j <= i; j++) M[(size_t)i * K + j] = A[(size_t)i * K + j] + (i == j ? lambda : 0.0);
        r[i] = b[i] + lambda * theta[i];
    }
    for (int i = 0; i < K; i++) {
        for (int j = 0; j <= i; j++) {
            double s = M[(size_t)i * K + j];
            for (int k = 0; k < j; k++) s -= M[(size_t)i * K + k] * M[(size_t)j * K + k];
            if (i == j) {
                if (!(s > 0) || !isfinite(s)) return 0;
                M[(size_t)i * K + i] = sqrt(s);
            } else {
                M[(size_t)i * K + j] = s / M[(size_t)j * K + j];
            }
        }
    }
    for (int i = 0; i < K; i++) { /* L y = r */
        double s = r[i];
        for (int k = 0; k < i; k++) s -= M[(size_t)i * K + k] * r[k];
        r[i] = s / M[(size_t)i * K + i];
    }
    for (int i = K - 1; i >= 0; i--) { /* L^T theta = y */
        double s = r[i];
        for (int k = i + 1; k < K; k++) s -= M[(size_t)k * K + i] * r[k];
        r[i] = s / M[(size_t)i * K + i];
    }
    for (int i = 0; i < K; i++)
        if (!isfinite(r[i])) return 0;
    memcpy(theta, r, sizeof(double) * (size_t)K);
    return 1;
}

static int nearer(int64_t a, int64_t b, int64_t w) {
    const int64_t da = a > w ? a - w : w - a, db = b > w ? b - w : w - b;
    return da != db ? da < db : a < b;
}

int wfm_profile_anchor(wfm_profile *p, int64_t window_start, float *params) {
    if (!p || !params || !p->personal) return -1;
    wfm_personal *q = p->personal;
    const wfm_model *m = q->model;
    const wfm_config *cfg = &m->cfg;
    const int C = q->C, T = q->T, F = q->F, K = q->K;
    float *w_out = params, *b_out = params + (size_t)C * C * F, *p_out = b_out + C;
    memcpy(w_out, m->anchor_weight, sizeof(float) * (size_t)C * C * F);
    memcpy(b_out, m->anchor_bias, sizeof(float) * (size_t)C);
    memcpy(p_out, m->anchor_profile_weight, sizeof(float) * (size_t)C * WFM_PROFILE_TERMS);
    /* the history windows that do not overlap the target, nearest first (insertion: n_max is small) */
    int n = 0;
    const int n_max = cfg->personal_windows;
    for (int i = 0; i < q->H; i++) {
        const int64_t h = q->windows[i];
        if (!(h + T <= window_start || h >= window_start + T)) continue;
        int at = n < n_max ? n : n_max;
        while (at > 0 && nearer(h, q->order[at - 1], window_start)) at--;
        if (at >= n_max) continue;
        const int last = n < n_max ? n : n_max - 1;
        memmove(q->order + at + 1, q->order + at, sizeof(int64_t) * (size_t)(last - at));
        q->order[at] = h;
        if (n < n_max) n++;
    }
    memset(q->A, 0, sizeof(double) * (size_t)C * K * K);
    memset(q->b, 0, sizeof(double) * (size_t)C * K);
    memset(q->has_rows, 0, (size_t)C);
    for (int i = 0; i < n; i++) {
        const int64_t h = q->order[i];
        const int slot = window_slot(q, p, h);
        wfm_profile_window_without(p, h, window_start, q->prof);
        add_window(q, slot);
    }
    int refitted = 0;
    double *theta = q->theta;
    for (int c = 0; c < C; c++) {
        if (!q->has_rows[c]) continue;
        int k = 0;
        for (int j = 0; j < C; j++)
            if (j != c)
                for (int f = 0; f < F; f++) theta[k++] = m->anchor_weight[(size_t)c * C * F + (size_t)j * F + f];
        for (int i = 0; i < WFM_PROFILE_TERMS; i++) theta[k++] = m->anchor_profile_weight[(size_t)c * WFM_PROFILE_TERMS + i];
        theta[k++] = m->anchor_bias[c];
        if (!shrunk_solve(q, q->A + (size_t)c * K * K, q->b + (size_t)c * K, cfg->personal_lambda, theta)) continue;
        k = 0;
        for (int j = 0; j < C; j++)
            if (j != c)
                for (int f = 0; f < F; f++) w_out[(size_t)c * C * F + (size_t)j * F + f] = (float)theta[k++];
        for (int i = 0; i < WFM_PROFILE_TERMS; i++) p_out[(size_t)c * WFM_PROFILE_TERMS + i] = (float)theta[k++];
        b_out[c] = (float)theta[k];
        refitted++;
    }
    return refitted;
}
