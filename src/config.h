/* The model config (__metadata__["wearfm.config"], docs/model-format.md):
 * parsing, validation, and the list of tensors a config requires. */
#ifndef WFM_CONFIG_H
#define WFM_CONFIG_H
#include <stddef.h>
#include <stdint.h>
#include "wearfm.h"

/* Bounds beyond docs/model-format.md keep every derived size far from
 * overflow (N = T/P*C <= 2.6M tokens, any weight matrix < 2^31 elements). */
#define WFM_CFG_MAX_WINDOW 10080   /* minutes: one week */
#define WFM_CFG_MAX_PATCH 1440
#define WFM_CFG_MAX_CHANNELS 256
#define WFM_CFG_MIN_DIM 4
#define WFM_CFG_MAX_DIM 8192
#define WFM_CFG_MAX_LAYERS 64
#define WFM_CFG_MAX_MLP 65536

#define WFM_CFG_MAX_LEVELS 16
#define WFM_CFG_MAX_ROLLING 7       /* anchor_rolling half-widths */

typedef struct wfm_channel_cfg {
    char name[64];     /* non-empty, unique, no control characters */
    char unit[32];     /* may be empty */
    float mean, std;   /* original units; std > 0 */
    float clip_min, clip_max; /* z-units; clip_min < clip_max */
    wfm_channel_kind kind;    /* format_version 2; continuous in version 1 */
    float range_min, range_max; /* original units; fills are kept inside (+-inf: none) */
    int n_levels;             /* categories: 2..WFM_CFG_MAX_LEVELS, else 0 */
    float levels[WFM_CFG_MAX_LEVELS]; /* increasing */
} wfm_channel_cfg;

typedef struct wfm_block_cfg {
    int dim, layers, heads, mlp_dim;
} wfm_block_cfg;

typedef struct wfm_config {
    int format_version;         /* 1 or 2 */
    char architecture[32];      /* "lsm2_mae" */
    int window_minutes, patch_minutes; /* T, P */
    float norm_eps;             /* default 1e-6 */
    int n_channels;             /* C */
    wfm_channel_cfg *channels;  /* [C], owned */
    wfm_block_cfg enc, dec;     /* dec is all zero when has_decoder == 0 */
    int has_decoder;
    int anchored;               /* "fill": "anchored" (version 2): decoder adds to the anchor */
    int inherited_mask;         /* 1; 0 = naive ablation: the input is imputed, all tokens visible */
    int cross_anchor;           /* "anchor": "cross_channel" (needs anchored): tensors anchor.weight/bias */
    int n_rolling;              /* anchor_rolling: the rolling means' half-widths, minutes */
    int rolling[WFM_CFG_MAX_ROLLING];
    float edge_tau;             /* "edge_tau" minutes (anchored): the head's residual fades to 0 at
                                   observations; 0 = not set (the residual is used as is) */
    int head_width;             /* K values per minute: 1, or the most levels of a category */
} wfm_config;

/* Parses and validates json[0..len). On failure returns WFM_ERR_CONFIG (or
 * WFM_ERR_NO_MEMORY) with "config: <field> ..." in err and *out zeroed.
 * "decoder": null is treated like an omitted decoder. */
wfm_status wfm_config_parse(const char *json, size_t len, wfm_config *out, wfm_error *err);
void wfm_config_free(wfm_config *cfg);

/* ---- required tensors ------------------------------------------------- */

typedef struct wfm_tensor_spec {
    char name[64];
    int ndim;
    uint64_t shape[4];   /* unused dims are 0 */
} wfm_tensor_spec;

/* Number of tensors cfg requires. */
size_t wfm_config_tensor_count(const wfm_config *cfg);

/* Writes the required tensors, in the order of the table in
 * docs/model-format.md, to specs[0..*count). Fails with WFM_ERR_INVALID_ARG
 * if capacity < wfm_config_tensor_count(cfg). */
wfm_status wfm_config_expected_tensors(const wfm_config *cfg, wfm_tensor_spec *specs,
                                       size_t capacity, size_t *count, wfm_error *err);

/* Checks a parsed file against cfg: every required tensor present with
 * exactly its shape, and no other tensor. WFM_ERR_FORMAT on mismatch. */
struct wfm_st_file;
wfm_status wfm_config_check_tensors(const wfm_config *cfg, const struct wfm_st_file *file,
                                    wfm_error *err);

#endif
