/* Cross-validation folds, deterministic on every platform: a splitmix64
 * stream seeded with the caller's seed drives Fisher-Yates shuffles.
 *   k-fold: rows shuffled, then dealt round-robin; for classification the
 *     rows of each class (in class order) are shuffled and dealt in turn, so
 *     every fold gets each class in proportion (stratified).
 *   grouped: no group on both sides. One fold per group (leave-one-group-out,
 *     folds in increasing group id) when k = 0 or k >= groups; otherwise
 *     groups, largest first (ties: smaller id), each go to the fold with
 *     the fewest rows so far (ties: lower fold index). */
#include "probes/probe.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void shuffle(size_t *a, size_t n, uint64_t *s) {
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(splitmix64(s) % (uint64_t)i);
        size_t t = a[i - 1]; a[i - 1] = a[j]; a[j] = t;
    }
}

typedef struct group_count { int id; size_t count; int fold; } group_count;

static int by_id(const void *a, const void *b) {
    int x = ((const group_count *)a)->id, y = ((const group_count *)b)->id;
    return (x > y) - (x < y);
}
static int by_size(const void *a, const void *b) {
    const group_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}
static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static wfm_status grouped(const wfm_rows *r, int k, int *fold, int *n_folds, wfm_error *err) {
    size_t n = r->n;
    int *ids = wfm_malloc(sizeof(int) * (n ? n : 1));
    group_count *g = wfm_malloc(sizeof *g * (n ? n : 1));
    size_t *load = NULL;
    if (!ids || !g) { free(ids); free(g); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
    for (size_t i = 0; i < n; i++) ids[i] = r->groups[wfm_row(r, i)];
    qsort(ids, n, sizeof *ids, cmp_int);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ng || g[ng - 1].id != ids[i]) { g[ng].id = ids[i]; g[ng].count = 0; g[ng].fold = 0; ng++; }
        g[ng - 1].count++;
    }
    free(ids);
    if (ng < 2) {
        free(g);
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "grouped cross-validation needs at least 2 groups, the rows have %zu", ng);
    }
    if (k <= 0 || (size_t)k >= ng) {
        for (size_t i = 0; i < ng; i++) g[i].fold = (int)i;
        *n_folds = (int)ng;
    } else {
        qsort(g, ng, sizeof *g, by_size);
        load = wfm_calloc((size_t)k, sizeof *load);
        if (!load) { free(g); return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory"); }
        for (size_t i = 0; i < ng; i++) {
            int best = 0;
            for (int f = 1; f < k; f++) if (load[f] < load[best]) best = f;
            g[i].fold = best;
            load[best] += g[i].count;
        }
        free(load);
        qsort(g, ng, sizeof *g, by_id);
        *n_folds = k;
    }
    for (size_t i = 0; i < n; i++) {
        group_count key = {r->groups[wfm_row(r, i)], 0, 0};
        const group_count *hit = bsearch(&key, g, ng, sizeof *g, by_id);
        fold[i] = hit->fold;
    }
    free(g);
    return WFM_OK;
}

wfm_status wfm_assign_folds(const wfm_rows *r, int k, int use_groups, uint64_t seed, int *fold, int *n_folds,
                            wfm_error *err) {
    size_t n = r->n;
    if (use_groups && r->groups) return grouped(r, k, fold, n_folds, err);
    if (k < 2 || (size_t)k > n)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "%d folds for %zu rows: need 2 <= folds <= rows", k, n);
    size_t *idx = wfm_malloc(sizeof(size_t) * (n ? n : 1));
    if (!idx) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    uint64_t s = seed;
    size_t dealt = 0;
    if (r->labels) {
        for (int c = 0; c < r->n_classes; c++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) if (r->labels[wfm_row(r, i)] == c) idx[m++] = i;
            shuffle(idx, m, &s);
            for (size_t i = 0; i < m; i++) fold[idx[i]] = (int)(dealt++ % (size_t)k);
        }
    } else {
        for (size_t i = 0; i < n; i++) idx[i] = i;
        shuffle(idx, n, &s);
        for (size_t i = 0; i < n; i++) fold[idx[i]] = (int)(i % (size_t)k);
    }
    free(idx);
    *n_folds = k;
    return WFM_OK;
}
