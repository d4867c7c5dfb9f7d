/* Person-relative features (include/wearfm/probe.h, wfm_features_relative;
 * docs/probes.md, "Person-relative features").
 *
 * Why: between people, physiology differs more than within one person (a
 * resting heart rate, a skin conductance level, how a watch sits on a wrist),
 * so a probe fitted on some people and used on another mostly reads who the
 * person is. Standardising each person's features by their own mean and
 * spread, from their own unlabelled windows, leaves how a window differs from
 * the person's usual. The statistics are in double, summed in row order, so
 * every build gives the same bits. */
#include "platform/alloc.h"
#include "platform/error.h"
#include "wearfm.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
    int group;
    size_t row;
} group_row;

static int cmp_group_row(const void *a, const void *b) {
    const group_row *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;  /* row order: a fixed summation order */
}

wfm_status wfm_features_relative(float *X, size_t n, size_t d, const int *groups, const uint8_t *reference,
                                 wfm_features_relative_info *info, wfm_error *err) {
    if (info) info->n_groups = 0, info->min_reference_rows = 0;
    if (!X || !groups) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_features_relative: NULL argument");
    if (n == 0 || d == 0) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_features_relative: no rows or no features");
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i]))
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_features_relative: row %zu feature %zu is not finite", i / d,
                            i % d);
    group_row *order = wfm_malloc(sizeof *order * n);
    double *mean = wfm_malloc(sizeof(double) * d), *m2 = wfm_malloc(sizeof(double) * d);
    wfm_status st = WFM_OK;
    if (!order || !mean || !m2) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "wfm_features_relative: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) order[i] = (group_row){groups[i], i};
    qsort(order, n, sizeof *order, cmp_group_row);
    /* every group needs a reference row; checked first, so X is untouched on error */
    for (size_t a = 0, b; a < n; a = b) {
        int has_ref = 0;
        for (b = a; b < n && order[b].group == order[a].group; b++) has_ref |= !reference || reference[order[b].row];
        if (!has_ref) {
            st = wfm_fail(err, WFM_ERR_NO_DATA,
                          "wfm_features_relative: group %d has no reference row to take its mean and spread from",
                          order[a].group);
            goto done;
        }
    }
    size_t min_ref = (size_t)-1;
    int n_groups = 0;
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a; b < n && order[b].group == order[a].group; b++) {}
        /* Welford over the group's reference rows */
        size_t k = 0;
        for (size_t j = 0; j < d; j++) mean[j] = m2[j] = 0;
        for (size_t r = a; r < b; r++) {
            size_t i = order[r].row;
            if (reference && !reference[i]) continue;
            k++;
            for (size_t j = 0; j < d; j++) {
                double v = X[i * d + j], delta = v - mean[j];
                mean[j] += delta / (double)k;
                m2[j] += delta * (v - mean[j]);
            }
        }
        if (k < min_ref) min_ref = k;
        n_groups++;
        for (size_t j = 0; j < d; j++) {
            double sd = sqrt(m2[j] / (double)k);
            m2[j] = sd > 0 ? 1.0 / sd : 1.0;  /* constant within the person: centred only */
        }
        for (size_t r = a; r < b; r++) {
            float *x = X + order[r].row * d;
            for (size_t j = 0; j < d; j++) x[j] = (float)(((double)x[j] - mean[j]) * m2[j]);
        }
    }
    if (info) info->n_groups = n_groups, info->min_reference_rows = min_ref;
done:
    free(order);
    free(mean);
    free(m2);
    return st;
}
