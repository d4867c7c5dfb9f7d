/* A time zone as the importers use it: its UTC offset over time, a sorted
 * list of changes. The host (the CLI with the C library's zone database,
 * the page with the browser's) answers "the offset at this instant"; the
 * list, its checks and every conversion are here, so all builds convert
 * the same way (wfm_import_options.time_zone). */
#include "wearfm.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <stdlib.h>

struct wfm_tz {
    size_t n;
    int64_t *from;   /* utc minute from which offset[i] holds; from[0] also covers all before */
    int *offset;     /* minutes east of UTC */
};

enum {
    MAX_OFFSET = 1080,            /* -18:00..+18:00, as wfm_import_options.utc_offset_minutes */
    MAX_CHANGES = 1 << 16,        /* far above any zone's history (Europe/London: ~250 changes) */
    DAY = 1440,
};

void wfm_tz_free(wfm_tz *tz) {
    if (!tz) return;
    free(tz->from);
    free(tz->offset);
    free(tz);
}

wfm_status wfm_tz_create(const int64_t *from_utc_minute, const int *offset_minutes, size_t n, wfm_tz **out,
                         wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: NULL argument");
    *out = NULL;
    if (!from_utc_minute || !offset_minutes || n == 0)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: no offset given");
    if (n > MAX_CHANGES)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: %zu offset changes, more than %d", n, MAX_CHANGES);
    for (size_t i = 0; i < n; i++) {
        if (offset_minutes[i] < -MAX_OFFSET || offset_minutes[i] > MAX_OFFSET)
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: offset %d minutes (change %zu) is outside -18:00..+18:00",
                            offset_minutes[i], i);
        if (i && from_utc_minute[i] <= from_utc_minute[i - 1])
            return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: change %zu does not come after change %zu", i, i - 1);
    }
    wfm_tz *tz = wfm_calloc(1, sizeof *tz);
    if (tz) {
        tz->from = wfm_malloc(n * sizeof *tz->from);
        tz->offset = wfm_malloc(n * sizeof *tz->offset);
    }
    if (!tz || !tz->from || !tz->offset) {
        wfm_tz_free(tz);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "time zone: out of memory");
    }
    tz->n = n;
    for (size_t i = 0; i < n; i++) tz->from[i] = from_utc_minute[i], tz->offset[i] = offset_minutes[i];
    *out = tz;
    return WFM_OK;
}

int wfm_tz_offset_at(const wfm_tz *tz, int64_t utc_minute) {
    if (!tz || !tz->n) return 0;
    size_t lo = 0, hi = tz->n; /* the last change at or before utc_minute, else the first */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->from[mid] <= utc_minute) lo = mid;
        else hi = mid;
    }
    return tz->offset[lo];
}

size_t wfm_tz_changes(const wfm_tz *tz) { return tz ? tz->n : 0; }

/* Appends (from, offset) to the growing arrays; 0 on success. */
static int push(int64_t **from, int **off, size_t *n, size_t *cap, int64_t t, int o) {
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        int64_t *f = wfm_realloc(*from, c * sizeof *f);
        if (!f) return -1;
        *from = f;
        int *p = wfm_realloc(*off, c * sizeof *p);
        if (!p) return -1;
        *off = p;
        *cap = c;
    }
    (*from)[*n] = t, (*off)[*n] = o, (*n)++;
    return 0;
}

static int valid_offset(int o) { return o >= -MAX_OFFSET && o <= MAX_OFFSET; }

wfm_status wfm_tz_sample(wfm_tz_offset_fn offset_at, void *ctx, int64_t first_utc_minute, int64_t last_utc_minute,
                         wfm_tz **out, wfm_error *err) {
    if (!out || !offset_at) return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: NULL argument");
    *out = NULL;
    if (last_utc_minute < first_utc_minute || last_utc_minute - first_utc_minute > (int64_t)400 * 366 * DAY)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: a range of %lld minutes to sample",
                        (long long)(last_utc_minute - first_utc_minute));
    int64_t *from = NULL;
    int *off = NULL;
    size_t n = 0, cap = 0;
    wfm_status st = WFM_OK;
    int prev = offset_at(ctx, first_utc_minute);
    if (!valid_offset(prev)) st = wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: the host gave an offset of %d minutes", prev);
    else if (push(&from, &off, &n, &cap, first_utc_minute, prev)) st = wfm_fail(err, WFM_ERR_NO_MEMORY, "time zone: out of memory");
    /* One sample a day (zones change their offset at most a few times a
     * year, never twice in a day); each change found is narrowed to its
     * minute by bisection, so the list holds the exact minutes. */
    for (int64_t t = first_utc_minute; !st && t < last_utc_minute;) {
        int64_t next = t + DAY < last_utc_minute ? t + DAY : last_utc_minute;
        int o = offset_at(ctx, next);
        if (!valid_offset(o)) {
            st = wfm_fail(err, WFM_ERR_INVALID_ARG, "time zone: the host gave an offset of %d minutes", o);
            break;
        }
        if (o != prev) {
            int64_t lo = t, hi = next; /* offset(lo) == prev, offset(hi) == o */
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                if (offset_at(ctx, mid) == prev) lo = mid;
                else hi = mid;
            }
            if (push(&from, &off, &n, &cap, hi, o)) st = wfm_fail(err, WFM_ERR_NO_MEMORY, "time zone: out of memory");
            prev = o;
        }
        t = next;
    }
    if (!st) st = wfm_tz_create(from, off, n, out, err);
    free(from);
    free(off);
    return st;
}
