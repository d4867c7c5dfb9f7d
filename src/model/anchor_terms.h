/* Shared pieces of the format_version 2 anchor (anchor_terms.c). */
#ifndef WFM_MODEL_ANCHOR_TERMS_H
#define WFM_MODEL_ANCHOR_TERMS_H

#include "model/config.h"

/* out[0..T) = the linear anchor of v over the gaps of obs (obs[t] != 0:
 * observed); v and out may be the same array. */
void wfm_edge_line(const float *v, const float *obs, int T, float *out);
/* v in clipped z-units of channel ch. */
float wfm_clipped_z(const wfm_channel_cfg *ch, float v);
/* anchor "cross_channel": the F = 1 + n_rolling terms [F, T] of a channel
 * from its linear anchor a and observed flags obs; prefix [T+1] scratch. */
void wfm_cross_terms(const wfm_config *cfg, const float *a, const float *obs, double *prefix, float *terms);
/* gate[t] = 1 - exp(-d/tau), d the minutes to the nearest observation;
 * `absent` everywhere when obs has none. */
void wfm_edge_gate(const float *obs, int T, float tau, float absent, float *gate);

#endif
