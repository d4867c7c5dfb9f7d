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

enum design { GAPS_OTHERS, ALL_GAPS, SENSOR_OTHERS, N_DESIGNS };

struct wfm_personal {
    const wfm_model *model;     /* must outlive the profile */
    int C, T, P, F, K;          /* K: the most terms of one channel's row */
    size_t n_params;            /* C*C*F weights, C biases, C*3 profile weights */
    int64_t *windows;           /* [H] history windows that hold a value */
    int64_t *order;             /* [H] scratch: one target's windows, nearest first */
    int H;
    float *x, *prof, *z, *zin, *a, *obs, *terms, *pz, *known, *gate, *feats, *line;
    uint8_t *gaps, *others, *hide;
    double *prefix, *A, *b, *M, *rhs, *theta; /* A [C, K, K], b [C, K]; M, rhs, theta one solve */
    uint8_t *has_rows;          /* [C] */
};

uint64_t wfm_splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void wfm_personal_free(wfm_personal *q) {
    if (!q) return;
    free(q->windows); free(q->order);
    free(q->x); free(q->prof); free(q->z); free(q->zin); free(q->a); free(q->obs); free(q->terms);
    free(q->pz); free(q->known); free(q->gate); free(q->feats); free(q->line);
    free(q->gaps); free(q->others); free(q->hide);
    free(q->prefix); free(q->A); free(q->b); free(q->M); free(q->rhs); free(q->theta); free(q->has_rows);
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
    q->K = (q->C - 1) * q->F + WFM_PROFILE_TERMS + 1;
    q->n_params = (size_t)q->C * q->C * q->F + (size_t)q->C + (size_t)q->C * WFM_PROFILE_TERMS;
    const int C = q->C, T = q->T, K = q->K;
    /* the T-minute windows at multiples of T that hold any of the history's values */
    const int64_t first = p->start >= 0 ? p->start / T * T : -((-p->start + T - 1) / T) * T;
    const int64_t end = p->start + (int64_t)p->n_minutes;
    const size_t max_windows = p->n_minutes / (size_t)T + 2;
    q->windows = wfm_malloc(sizeof(int64_t) * max_windows);
    q->order = wfm_malloc(sizeof(int64_t) * max_windows);
    q->x = wfm_malloc(sizeof(float) * (size_t)T * C);
    q->prof = wfm_malloc(sizeof(float) * (size_t)T * C);
    q->z = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->zin = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->a = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->obs = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->terms = wfm_malloc(sizeof(float) * (size_t)C * q->F * T);
    q->pz = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->known = wfm_malloc(sizeof(float) * (size_t)C * T);
    q->gate = wfm_malloc(sizeof(float) * (size_t)T);
    q->feats = wfm_malloc(sizeof(float) * (size_t)K * T);
    q->line = wfm_malloc(sizeof(float) * (size_t)T);
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
    if (!q->windows || !q->order || !q->x || !q->prof || !q->z || !q->zin || !q->a || !q->obs || !q->terms ||
        !q->pz || !q->known || !q->gate || !q->feats || !q->line || !q->gaps || !q->others || !q->hide ||
        !q->prefix || !q->A || !q->b || !q->M || !q->rhs || !q->theta || !q->has_rows) {
        wfm_personal_free(q);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory for the personal fit");
    }
    for (int64_t h = first; h < end; h += T) {
        history_window(p, h, q->x);
        int any = 0;
        for (size_t i = 0; i < (size_t)T * C && !any; i++) any = !isnan(q->x[i]);
        if (any) q->windows[q->H++] = h;
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

/* Adds the rows of one history window (q->x, its profile q->prof) to the
 * normal equations of every personal channel. */
static void add_window(wfm_personal *q, int64_t h) {
    const wfm_config *cfg = &q->model->cfg;
    const int C = q->C, T = q->T, F = q->F, K = q->K;
    for (int c = 0; c < C; c++)
        for (int t = 0; t < T; t++) {
            const float v = q->x[(size_t)t * C + c], pv = q->prof[(size_t)t * C + c];
            q->z[(size_t)c * T + t] = isnan(v) ? NAN : wfm_clipped_z(&cfg->channels[c], v);
            q->known[(size_t)c * T + t] = isnan(pv) ? 0.0f : 1.0f;
            q->pz[(size_t)c * T + t] = isnan(pv) ? 0.0f : wfm_clipped_z(&cfg->channels[c], pv);
        }
    for (int c = 0; c < C; c++) {
        if (!is_personal_channel(cfg, c)) continue;
        const float *zc = q->z + (size_t)c * T;
        int seen = 0;
        for (int t = 0; t < T; t++) seen += !isnan(zc[t]);
        if (!seen) continue;
        simulated_gaps(h, c, T, q->gaps);
        others_hidden(h, c, C, T, q->P, q->others);
        double *A = q->A + (size_t)c * K * K, *b = q->b + (size_t)c * K;
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
            wfm_edge_gate(oc, T, cfg->profile_tau, 1.0f, q->gate);
            int k = 0; /* the terms in row order: the other channels' F terms, p, p*g, a*g*known, 1 */
            for (int j = 0; j < C; j++)
                if (j != c) {
                    memcpy(q->feats + (size_t)k * T, q->terms + (size_t)j * F * T, sizeof(float) * (size_t)F * T);
                    k += F;
                }
            const float *pc = q->pz + (size_t)c * T, *kc = q->known + (size_t)c * T;
            for (int t = 0; t < T; t++) {
                q->feats[(size_t)k * T + t] = pc[t];
                q->feats[(size_t)(k + 1) * T + t] = pc[t] * q->gate[t];
                q->feats[(size_t)(k + 2) * T + t] = ac[t] * q->gate[t] * kc[t];
                q->feats[(size_t)(k + 3) * T + t] = 1.0f;
            }
            for (int i = 0; i < K; i++) { /* less each term's edge line over c's remaining observations */
                float *fi = q->feats + (size_t)i * T;
                wfm_edge_line(fi, oc, T, q->line);
                for (int t = 0; t < T; t++) fi[t] -= q->line[t];
            }
            for (int t = 0; t < T; t++) {
                if (!q->hide[t]) continue;
                const double y = (double)zc[t] - (double)ac[t];
                for (int i = 0; i < K; i++) {
                    const double xi = q->feats[(size_t)i * T + t];
                    b[i] += xi * y;
                    for (int j = 0; j <= i; j++) A[(size_t)i * K + j] += xi * q->feats[(size_t)j * T + t];
                }
            }
            q->has_rows[c] = 1;
        }
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
        history_window(p, h, q->x);
        wfm_profile_window_without(p, h, window_start, q->prof);
        add_window(q, h);
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
