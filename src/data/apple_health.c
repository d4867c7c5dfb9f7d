/* Apple Health's export.xml, streamed through expat (third_party/expat:
 * why expat, and how its known issues are kept out, is in its
 * README.wearfm.md). Heart-rate and sleep records go to the minute
 * aggregator as they are read; step records are kept (24 bytes a minute
 * they touch) until the end, when each minute takes the largest count of
 * its sources. docs/data.md, "Apple Health". */
#include "data/import.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "model/reserve.h"
#include "expat.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 256            /* step sources told apart; more share the last slot */
#define MAX_PROLOGUE (4u << 20)    /* the document element must start within 4 MiB */
#define MAX_QUIET (64u << 20)      /* bytes without an element event: one absurd token */
#define MAX_CHUNK (1u << 30)       /* bytes per XML_Parse call (a positive int) */
#define MAX_RECORD_MS (86400000.0) /* a step or sleep record longer than a day is unusable */

#ifdef __EMSCRIPTEN__
#include <unistd.h>
/* expat_config.h maps expat's arc4random_buf here: Emscripten has getentropy. */
void wfm_expat_entropy(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n) {
        size_t k = n < 256 ? n : 256;
        if (getentropy(p, k)) memset(p, 0x5a, k); /* only the hash salt: weaker, still correct */
        p += k, n -= k;
    }
}
#endif

typedef struct step_part {
    int64_t minute;
    int32_t source;
    int32_t steps;
} step_part;

struct wfm_apple_health {
    wfm_aggregator *a;
    wfm_import_options o;
    wfm_import_counts c;
    XML_Parser xp;
    wfm_status st;          /* the first error, sticky */
    wfm_error err;
    int depth, seen_root, finished;
    size_t fed, quiet;      /* bytes fed; bytes since the last element event */
    step_part *steps;
    size_t n_steps, cap_steps;
    char *sources[MAX_SOURCES];
    int n_sources;
};

/* expat allocates through the core's wrappers, so fault injection reaches it. */
static void *xm_malloc(size_t n) { return wfm_malloc(n); }
static void *xm_realloc(void *p, size_t n) { return wfm_realloc(p, n); }
static void xm_free(void *p) { free(p); }

/* Records the first error, with the place in the file, and stops expat. */
static void fail_at(wfm_apple_health *p, wfm_status st, const char *what) {
    if (p->st) return;
    p->st = st;
    if (st == WFM_ERR_NO_MEMORY) wfm_fail(&p->err, st, "out of memory");
    else
        wfm_fail(&p->err, st, "line %lu, column %lu: %s", (unsigned long)XML_GetCurrentLineNumber(p->xp),
                 (unsigned long)XML_GetCurrentColumnNumber(p->xp) + 1, what);
    XML_StopParser(p->xp, XML_FALSE);
}

static const char *attr(const char **atts, const char *name) {
    for (; atts[0]; atts += 2)
        if (!strcmp(atts[0], name)) return atts[1];
    return NULL;
}

static int parse_number(const char *s, double *out) {
    if (!s || !*s) return -1;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int parse_time(wfm_apple_health *p, const char *s, double *ms, imp_time *t) {
    if (!s || imp_parse_iso(s, strlen(s), t)) return -1;
    *ms = imp_local_ms(&p->o, *t, &p->c);
    return 0;
}

/* The end of an interval: its start plus its true duration. Across a
 * daylight-saving change the two clocks differ by an hour, and a wall-clock
 * difference would stretch or fold the interval; like every other source, a
 * jump then shows as a missing or doubled hour. */
static double interval_end(double t0, imp_time a, imp_time b) {
    double abs0 = (double)a.wall_ms - (a.zone == IMP_ZONE_OFFSET ? a.offset_min * 60000.0 : 0);
    double abs1 = (double)b.wall_ms - (b.zone == IMP_ZONE_OFFSET ? b.offset_min * 60000.0 : 0);
    return t0 + (abs1 - abs0);
}

static int source_id(wfm_apple_health *p, const char *name) {
    if (!name) name = "";
    for (int i = 0; i < p->n_sources; i++)
        if (!strcmp(p->sources[i], name)) return i;
    if (p->n_sources == MAX_SOURCES) return MAX_SOURCES - 1;
    char *d = wfm_strdup(name);
    if (!d) return -1;
    p->sources[p->n_sources] = d;
    return p->n_sources++;
}

/* A step record's count spread over the minutes of [t0, t1) by overlap, in
 * whole steps that add up to the record (cumulative rounding). */
static int add_steps(wfm_apple_health *p, double t0, double t1, double count, int source) {
    long long total = llround(count);
    int64_t m0 = (int64_t)floor(t0 / 60000.0), m1 = t1 > t0 ? (int64_t)ceil(t1 / 60000.0) : m0 + 1;
    long long given = 0;
    for (int64_t m = m0; m < m1; m++) {
        double end = fmin(t1, (double)(m + 1) * 60000.0);
        long long upto = t1 > t0 ? llround((double)total * (end - t0) / (t1 - t0)) : total;
        if (m == m1 - 1) upto = total;
        if (upto - given == 0) continue;
        if (wfm_reserve((void **)&p->steps, &p->cap_steps, p->n_steps + 1, sizeof *p->steps)) return -1;
        p->steps[p->n_steps++] = (step_part){.minute = m, .source = source, .steps = (int32_t)(upto - given)};
        given = upto;
    }
    return 0;
}

/* Apple's sleep values (HKCategoryValueSleepAnalysis...) as sleep_state; -1: not a state (InBed), -2 unknown. */
static int sleep_value(const char *v) {
    static const char prefix[] = "HKCategoryValueSleepAnalysis";
    if (!v || strncmp(v, prefix, sizeof prefix - 1)) return -2;
    v += sizeof prefix - 1;
    if (!strcmp(v, "InBed")) return -1;
    if (!strcmp(v, "Awake")) return 0;
    if (!strcmp(v, "Asleep") || !strcmp(v, "AsleepUnspecified") || !strcmp(v, "AsleepCore") ||
        !strcmp(v, "AsleepDeep") || !strcmp(v, "AsleepREM"))
        return 2;
    return -2;
}

static void record(wfm_apple_health *p, const char **atts) {
    const char *type = attr(atts, "type");
    static const char hr_type[] = "HKQuantityTypeIdentifierHeartRate", steps_type[] = "HKQuantityTypeIdentifierStepCount",
                      sleep_type[] = "HKCategoryTypeIdentifierSleepAnalysis";
    int kind = !type ? 0 : !strcmp(type, hr_type) ? 1 : !strcmp(type, steps_type) ? 2 : !strcmp(type, sleep_type) ? 3 : 0;
    if (!kind) { p->c.ignored++; return; }
    double t0, t1 = 0, v = 0;
    imp_time a, b;
    if (parse_time(p, attr(atts, "startDate"), &t0, &a)) { fail_at(p, WFM_ERR_INVALID_ARG, "a Record's startDate is not a date and time"); return; }
    if (kind != 1) {
        if (!attr(atts, "endDate") || imp_parse_iso(attr(atts, "endDate"), strlen(attr(atts, "endDate")), &b))
            { fail_at(p, WFM_ERR_INVALID_ARG, "a Record's endDate is not a date and time"); return; }
        t1 = interval_end(t0, a, b);
    }
    p->c.records++;
    wfm_error *e = &p->err;
    if (kind == 1) {
        const char *unit = attr(atts, "unit");
        double scale = !unit ? 0 : !strcmp(unit, "count/min") ? 1 : !strcmp(unit, "count/s") || !strcmp(unit, "Hz") ? 60 : 0;
        if (parse_number(attr(atts, "value"), &v)) { fail_at(p, WFM_ERR_INVALID_ARG, "a heart-rate Record's value is not a number"); return; }
        if (!scale) { p->c.bad_records++; return; } /* a unit this importer cannot convert */
        wfm_status st = imp_add_one(p->a, IMP_HEART_RATE, t0, v * scale, &p->o, &p->c, e);
        if (st) { p->st = st; XML_StopParser(p->xp, XML_FALSE); }
        return;
    }
    if (!(t1 >= t0) || t1 - t0 > MAX_RECORD_MS) { p->c.bad_records++; return; }
    if (kind == 2) {
        const char *unit = attr(atts, "unit");
        if (parse_number(attr(atts, "value"), &v)) { fail_at(p, WFM_ERR_INVALID_ARG, "a step Record's value is not a number"); return; }
        if (!unit || strcmp(unit, "count") || v < 0 || v > 1e6) { p->c.bad_records++; return; }
        int src = source_id(p, attr(atts, "sourceName"));
        if (src < 0 || add_steps(p, t0, t1, v, src)) fail_at(p, WFM_ERR_NO_MEMORY, NULL);
        return;
    }
    int level = sleep_value(attr(atts, "value"));
    if (level == -2) { p->c.bad_records++; return; }
    if (level == -1) { p->c.ignored++; p->c.records--; return; }
    /* Every 30 s of the interval, as the Fitbit sleep levels (src/data/import.c). */
    for (double t = t0; t < t1; t += 30000.0) {
        wfm_status st = imp_add_one(p->a, IMP_SLEEP, t, level, &p->o, &p->c, e);
        if (st) { p->st = st; XML_StopParser(p->xp, XML_FALSE); return; }
    }
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts) {
    wfm_apple_health *p = ud;
    p->quiet = 0;
    if (!p->depth++) {
        if (strcmp(name, "HealthData")) {
            char what[160];
            snprintf(what, sizeof what, "the document is <%.40s>, not Apple Health's <HealthData>", name);
            { fail_at(p, WFM_ERR_INVALID_ARG, what); return; }
        }
        p->seen_root = 1;
        return;
    }
    if (p->depth == 2 && !strcmp(name, "Record")) record(p, atts);
}

static void XMLCALL on_end(void *ud, const char *name) {
    wfm_apple_health *p = ud;
    (void)name;
    p->quiet = 0;
    p->depth--;
}

static void XMLCALL on_entity(void *ud, const char *name, int is_param, const char *value, int value_len,
                              const char *base, const char *system_id, const char *public_id, const char *notation) {
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)system_id, (void)public_id, (void)notation;
    fail_at(ud, WFM_ERR_INVALID_ARG, "the file declares an entity; Apple Health exports declare none, and this importer "
                                     "does not expand them");
}

wfm_status wfm_apple_health_create(wfm_aggregator *a, const wfm_import_options *options, wfm_apple_health **out,
                                   wfm_error *err) {
    if (!out) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_create: NULL argument");
    *out = NULL;
    if (!a) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_create: NULL aggregator");
    wfm_import_options o;
    wfm_status st = imp_options(options, &o, err);
    if (st) return st;
    wfm_apple_health *p = wfm_calloc(1, sizeof *p);
    if (!p) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    static const XML_Memory_Handling_Suite mm = {xm_malloc, xm_realloc, xm_free};
    p->xp = XML_ParserCreate_MM("UTF-8", &mm, NULL);
    if (!p->xp) {
        free(p);
        return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    p->a = a;
    p->o = o;
    p->c.files = 1;
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetEntityDeclHandler(p->xp, on_entity);
    *out = p;
    return WFM_OK;
}

void wfm_apple_health_free(wfm_apple_health *p) {
    if (!p) return;
    if (p->xp) XML_ParserFree(p->xp);
    for (int i = 0; i < p->n_sources; i++) free(p->sources[i]);
    free(p->steps);
    free(p);
}

static wfm_status sticky(const wfm_apple_health *p, wfm_error *err) {
    if (err) *err = p->err;
    return p->st;
}

static wfm_status parse(wfm_apple_health *p, const char *data, int len, int final) {
    if (XML_Parse(p->xp, data, len, final) == XML_STATUS_OK) return WFM_OK;
    if (!p->st) {
        enum XML_Error code = XML_GetErrorCode(p->xp);
        p->st = code == XML_ERROR_NO_MEMORY ? WFM_ERR_NO_MEMORY : WFM_ERR_INVALID_ARG;
        if (code == XML_ERROR_NO_MEMORY) wfm_fail(&p->err, p->st, "out of memory");
        else
            wfm_fail(&p->err, p->st, "line %lu, column %lu: %s%s", (unsigned long)XML_GetErrorLineNumber(p->xp),
                     (unsigned long)XML_GetErrorColumnNumber(p->xp) + 1, XML_ErrorString(code),
                     p->seen_root ? "" : " (is this Apple Health's export.xml?)");
    }
    return p->st;
}

wfm_status wfm_apple_health_feed(wfm_apple_health *p, const void *data, size_t len, wfm_error *err) {
    if (!p || (!data && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_feed: NULL argument");
    if (p->st) return sticky(p, err);
    if (p->finished) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_feed: the import was finished");
    const char *d = data;
    while (len && !p->st) {
        size_t k = len < MAX_CHUNK ? len : MAX_CHUNK;
        p->fed += k;
        p->quiet += k;
        parse(p, d, (int)k, 0);
        if (!p->st && !p->seen_root && p->fed > MAX_PROLOGUE)
            fail_at(p, WFM_ERR_INVALID_ARG, "no <HealthData> element in the first 4 MiB: not Apple Health's export.xml");
        if (!p->st && p->quiet > MAX_QUIET)
            fail_at(p, WFM_ERR_INVALID_ARG, "more than 64 MiB without an element: not Apple Health's export.xml");
        d += k, len -= k;
    }
    return p->st ? sticky(p, err) : WFM_OK;
}

static int part_cmp(const void *x, const void *y) {
    const step_part *a = x, *b = y;
    if (a->minute != b->minute) return a->minute < b->minute ? -1 : 1;
    return (a->source > b->source) - (a->source < b->source);
}

wfm_status wfm_apple_health_finish(wfm_apple_health *p, wfm_import_counts *counts, wfm_error *err) {
    if (!p) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_finish: NULL argument");
    if (p->st) return sticky(p, err);
    if (p->finished) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_apple_health_finish: the import was finished");
    p->finished = 1;
    if (parse(p, "", 0, 1)) return sticky(p, err);
    if (!p->seen_root) {
        p->st = wfm_fail(&p->err, WFM_ERR_INVALID_ARG, "the file is empty: no <HealthData> element");
        return sticky(p, err);
    }
    /* Per minute, each source's steps summed, then the largest source. */
    if (p->n_steps) qsort(p->steps, p->n_steps, sizeof *p->steps, part_cmp);
    for (size_t i = 0; i < p->n_steps;) {
        const int64_t m = p->steps[i].minute;
        long long best = 0;
        while (i < p->n_steps && p->steps[i].minute == m) {
            const int32_t s = p->steps[i].source;
            long long sum = 0;
            for (; i < p->n_steps && p->steps[i].minute == m && p->steps[i].source == s; i++) sum += p->steps[i].steps;
            if (sum > best) best = sum;
        }
        wfm_status st = imp_add_one(p->a, IMP_STEPS, (double)m * 60000.0, (double)best, &p->o, &p->c, &p->err);
        if (st) {
            p->st = st;
            return sticky(p, err);
        }
    }
    imp_counts_add(counts, &p->c);
    return WFM_OK;
}
