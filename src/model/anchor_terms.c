/* The pieces of the format_version 2 anchor (docs/model-format.md) that the
 * forward pass (forward.c) and the personal fit (personal.c) share: the
 * linear anchor of a series, the clipped z of a value, a channel's
 * cross-channel terms and the edge gate. */
#include "model/anchor_terms.h"

#include <math.h>
#include <string.h>

/* out[0..T) = the linear anchor of series v over the gaps of obs: v at
 * observed minutes (obs[t] != 0); between two observations the straight line
 * between them; before the first / after the last observation that
 * observation; 0 when obs has none (docs/model-format.md). v and out may be
 * the same array. */
void wfm_edge_line(const float *v, const float *obs, int T, float *out) {
    int prev = -1;
    for (int t = 0; t < T; t++) {
        if (obs[t] == 0.0f) continue;
        out[t] = v[t];
        for (int u = prev + 1; u < t; u++) /* the run of missing minutes before t */
            out[u] = prev < 0 ? out[t] : out[prev] + (out[t] - out[prev]) * ((float)(u - prev) / (float)(t - prev));
        prev = t;
    }
    for (int u = prev + 1; u < T; u++) out[u] = prev < 0 ? 0.0f : out[prev];
}

/* A value in clipped z-units of its channel, as the anchor and the profile take it. */
float wfm_clipped_z(const wfm_channel_cfg *ch, float v) {
    float z = (v - ch->mean) / ch->std;
    return z < ch->clip_min ? ch->clip_min : z > ch->clip_max ? ch->clip_max : z;
}

/* anchor "cross_channel", the terms of channel j [F, T]: its linear anchor a,
 * then a's mean over [t-k, t+k] inside the window for each rolling
 * half-width k (double prefix sums), each laid as an edge line over j's own
 * gaps, so a channel predicts nothing where it was not measured. */
void wfm_cross_terms(const wfm_config *cfg, const float *a, const float *obs, double *prefix, float *terms) {
    const int T = cfg->window_minutes;
    memcpy(terms, a, sizeof(float) * (size_t)T);
    prefix[0] = 0;
    for (int t = 0; t < T; t++) prefix[t + 1] = prefix[t] + (double)a[t];
    for (int f = 1; f <= cfg->n_rolling; f++) {
        float *m = terms + (size_t)f * T;
        const int k = cfg->rolling[f - 1];
        for (int t = 0; t < T; t++) {
            int lo = t - k < 0 ? 0 : t - k, hi = t + k > T - 1 ? T - 1 : t + k;
            m[t] = (float)((prefix[hi + 1] - prefix[lo]) / (double)(hi - lo + 1));
        }
        wfm_edge_line(m, obs, T, m);
    }
}

/* "edge_tau": gate[t] = 1 - exp(-d/tau), d the minutes from t to the
 * channel's nearest observed minute (0 at an observation); `absent`
 * everywhere when the channel has none. The fill stays continuous with the
 * observations. */
void wfm_edge_gate(const float *obs, int T, float tau, float absent, float *gate) {
    int last = -1;
    for (int t = 0; t < T; t++) { /* distance to the previous observation, then the next */
        if (obs[t] != 0.0f) last = t;
        gate[t] = last < 0 ? INFINITY : (float)(t - last);
    }
    last = -1;
    for (int t = T - 1; t >= 0; t--) {
        if (obs[t] != 0.0f) last = t;
        float d = last < 0 ? INFINITY : (float)(last - t);
        if (d < gate[t]) gate[t] = d;
        gate[t] = isinf(gate[t]) ? absent : 1.0f - expf(-gate[t] / tau);
    }
}
